#!/usr/bin/env python3
"""The GitHub side of reconcile's pipeline: what the composite action
(`action.yml` at the repository root) runs. Plan on a pull request, apply
exactly that plan when the pull request is merged.

    github.py install VERSION [--dest DIR]   # a release binary, checksum checked
    github.py plan SPEC                      # on pull_request
    github.py apply SPEC                     # on push to the default branch

`install VERSION` (a tag such as `v0.1.0`, or `latest`) downloads
`reconcile-<tag>-<target>.tar.gz` and `SHA256SUMS` from the GitHub release
(`gh release download`), where <target> is the runner's: x86_64 or aarch64,
`unknown-linux-musl` or `apple-darwin`. It refuses an archive whose SHA-256
is not the one `SHA256SUMS` lists, then puts `reconcile` in DIR and DIR on
the job's PATH (`$GITHUB_PATH`).

`plan SPEC` runs `reconcile plan SPEC --detailed-exitcode --out plan.json`,
renders the saved plan with `reconcile show plan.json --format markdown` (so
the comment shows exactly what was saved), and keeps ONE comment per stack
on the pull request, edited in place. The comment is found by its first
line, a hidden marker:

    <!-- reconcile-plan: stack=<stack> spec=<spec path> -->

(the pull request's comments, `gh api repos/{repo}/issues/{n}/comments
--paginate`; the newest one that starts with the marker is edited with
`PATCH repos/{repo}/issues/comments/{id}`, else one is created with `POST`).
The comment says the head commit, what the exit status means, and holds the
Markdown plan, cut to GitHub's 65,536 characters with a note when longer.
The action then uploads plan.json as the artifact
`reconcile-plan-pr-<number>-<stack>`. Exit status: 0 when the plan ran
(changes or not), 3 when AWS retired or could not read parts of the stack,
1 when the plan failed.

`apply SPEC` finds the pull request the pushed commit came from:
`gh api repos/{repo}/commits/{sha}/pulls` lists it for merge commits,
squash and rebase merges alike, and the one whose `merge_commit_sha` is the
pushed commit is taken. It downloads that pull request's latest plan
artifact (the artifacts API by name, keeping only artifacts made by a run
on one of the pull request's own commits, then `gh run download`), checks
that the plan is of this spec and stack, runs `reconcile apply plan.json`
(which plans again and refuses unless the plan is what the spec and the
account give now), and edits the same comment to say applied, refused or
failed. No pull request, or no plan: it fails and applies nothing. Exit
status: `reconcile apply`'s, or 1.

The context comes from the variables GitHub Actions sets: GITHUB_REPOSITORY,
GITHUB_EVENT_PATH (the pull request's number and head commit), GITHUB_SHA
(the pushed commit), GITHUB_SERVER_URL,
GITHUB_RUN_ID (links to the log), GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
GITHUB_PATH, RUNNER_TEMP (where plan.json goes), RUNNER_OS and RUNNER_ARCH.
And from the action's inputs: RECONCILE_BIN (the binary, default
`reconcile` on PATH), RECONCILE_ARGS (more arguments for `plan` and
`apply`, split as a shell would, e.g. `--api today` or `--local`),
RECONCILE_RELEASE_REPO (where releases come from). `gh` reads its token from
GH_TOKEN.

A comment only ever holds the marker, this script's own sentences and what
`reconcile show --format markdown` prints (which masks every secret): never
the output of `plan` or `apply`, whose messages stay in the job log, where
GitHub masks the workflow's secrets.

Standard library only; `gh` is the only other program it runs, besides
`reconcile`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import posixpath
import re
import shlex
import stat
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

# GitHub refuses an issue comment longer than this. It counts characters;
# the body is measured in UTF-16 code units, which is never fewer.
COMMENT_LIMIT = 65_536

# The release workflow's targets, by the runner's OS and architecture
# (RUNNER_OS / RUNNER_ARCH, or Python's names for them off GitHub).
TARGETS = {
    ("Linux", "X64"): "x86_64-unknown-linux-musl",
    ("Linux", "ARM64"): "aarch64-unknown-linux-musl",
    ("macOS", "X64"): "x86_64-apple-darwin",
    ("macOS", "ARM64"): "aarch64-apple-darwin",
}
PY_OS = {"Linux": "Linux", "Darwin": "macOS", "Windows": "Windows"}
PY_ARCH = {"x86_64": "X64", "amd64": "X64", "arm64": "ARM64", "aarch64": "ARM64"}

# What `reconcile plan --detailed-exitcode` says, for the comment.
PLAN_STATUS = {
    0: (
        "No changes",
        "the account already matches the spec; merging changes nothing in it.",
    ),
    2: (
        "Changes",
        "merging this pull request applies exactly the plan below. "
        "`reconcile apply` refuses it if, by then, the spec or the account "
        "would give another plan.",
    ),
    3: (
        "Parts retired by AWS or unreadable",
        "AWS retired some kinds this spec uses, or parts of the account "
        "could not be read; the plan below never touches them. "
        "The rest applies on merge.",
    ),
}


class Failure(Exception):
    """A reason to stop, for people: printed as a GitHub error annotation."""


# --------------------------------------------------------------------------
# Context


@dataclass
class Context:
    repo: str
    server: str
    run_id: str
    reconcile: list[str]
    args: list[str]

    @staticmethod
    def from_env() -> "Context":
        repo = os.environ.get("GITHUB_REPOSITORY", "")
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
            raise Failure(
                "GITHUB_REPOSITORY is not set to owner/name: run this in a GitHub Actions job"
            )
        return Context(
            repo=repo,
            server=os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/"),
            run_id=os.environ.get("GITHUB_RUN_ID", ""),
            reconcile=[os.environ.get("RECONCILE_BIN") or "reconcile"],
            args=shlex.split(os.environ.get("RECONCILE_ARGS", "")),
        )

    def run_url(self) -> str:
        if not self.run_id:
            return ""
        return f"{self.server}/{self.repo}/actions/runs/{self.run_id}"

    def log_link(self) -> str:
        url = self.run_url()
        return f"[the job log]({url})" if url else "the job log"


def event() -> dict:
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def set_outputs(**values: object) -> None:
    """Step outputs (`$GITHUB_OUTPUT`), one `key=value` line each."""
    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as f:
        for key, value in values.items():
            text = str(value)
            if "\n" in text:
                raise ValueError(f"output {key} has a newline")
            f.write(f"{key}={text}\n")


def summary(text: str) -> None:
    """Appends to the job's summary page (`$GITHUB_STEP_SUMMARY`)."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text.rstrip("\n") + "\n\n")


def say(text: str) -> None:
    print(f"github.py: {text}", flush=True)


def annotate(level: str, title: str, text: str) -> None:
    """A GitHub annotation (`::error::`), shown on the run and in the log."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    print(f"::{level} title={title}::{text}", flush=True)


# --------------------------------------------------------------------------
# gh, the only program called besides reconcile


def gh(*args: str, body: dict | None = None) -> str:
    """`gh ARGS`, with BODY as the JSON request body (`--input -`)."""
    argv = ["gh", *args]
    if body is not None:
        argv += ["--input", "-"]
    try:
        done = subprocess.run(
            argv,
            input=None if body is None else json.dumps(body),
            capture_output=True,
            text=True,
            encoding="utf-8",
        )
    except FileNotFoundError:
        raise Failure(
            "`gh` (the GitHub CLI) is not on PATH; GitHub's hosted runners have it"
        ) from None
    if done.returncode != 0:
        raise Failure(
            f"`gh {' '.join(args)}` failed (exit {done.returncode}): {done.stderr.strip()}"
        )
    return done.stdout


def gh_json(*args: str, body: dict | None = None) -> list:
    """The JSON values `gh` printed: one, or one per page with `--paginate`
    (which prints the pages one after the other)."""
    text = gh(*args, body=body)
    decoder = json.JSONDecoder()
    values, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            return values
        value, i = decoder.raw_decode(text, i)
        values.append(value)


def listed(pages: list, key: str | None = None) -> list:
    """The items of paginated pages: arrays, or objects holding `key`."""
    items = []
    for page in pages:
        items.extend(page if key is None else page.get(key, []))
    return items


# --------------------------------------------------------------------------
# The stack and its comment


STACK_LINE = re.compile(
    r"""^stack:[ \t]*(?:"([^"\\]*)"|'([^']*)'|([^\s#"'][^#]*?))[ \t]*(?:\#.*)?$"""
)


def stack_of(spec: str) -> str:
    """The spec's top-level `stack:`, read before any plan exists (a plan
    that failed has none) and checked against the plan's when there is one."""
    try:
        lines = Path(spec).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise Failure(f"cannot read the spec `{spec}`: {e.strerror}") from None
    for line in lines:
        m = STACK_LINE.match(line)
        if m:
            return next(g for g in m.groups() if g is not None)
    raise Failure(f"`{spec}` has no top-level `stack:` line")


def spec_key(spec: str) -> str:
    """The spec path as the marker names it: relative, with `/`."""
    key = posixpath.normpath(spec.replace(os.sep, "/"))
    if "-->" in key or "\n" in key:
        raise Failure(f"`{spec}`: a spec path cannot hold `-->` or a newline")
    return key


def marker(stack: str, spec: str) -> str:
    return f"<!-- reconcile-plan: stack={stack} spec={spec_key(spec)} -->"


def artifact_name(pr: int, stack: str) -> str:
    return "reconcile-plan-pr-{}-{}".format(pr, re.sub(r"[^A-Za-z0-9._-]", "-", stack))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit(head: str, plan: str, note: str) -> str:
    """HEAD then PLAN, with PLAN cut at a line (and its open code block and
    `<details>` closed, then NOTE added) when the whole is over the limit."""
    whole = head + plan
    if utf16_len(whole) <= COMMENT_LIMIT:
        return whole
    # Room for the closing fence and tags, generously.
    budget = COMMENT_LIMIT - utf16_len(head) - utf16_len(note) - 1_000
    kept, used = [], 0
    for line in plan.splitlines(keepends=True):
        used += utf16_len(line)
        if used > budget:
            break
        kept.append(line)
    cut = "".join(kept)
    closing = ""
    if sum(1 for line in kept if line.startswith("```")) % 2:
        closing += "```\n"
    closing += "</details>\n" * max(0, cut.count("<details") - cut.count("</details>"))
    return head + cut + closing + "\n" + note


def header(stack: str, spec: str, status: str, code: int | None, detail: str) -> str:
    """The comment's first lines: the marker, the stack and spec, the outcome."""
    exit_status = "" if code is None else f" (exit {code})"
    return (
        f"{marker(stack, spec)}\n"
        f"#### reconcile · `{stack}` · `{spec_key(spec)}`\n\n"
        f"**{status}**{exit_status}: {detail}\n\n"
    )


def upsert_comment(ctx: Context, pr: int, mark: str, body: str) -> tuple[int, str]:
    """Edits the pull request's comment that starts with MARK, else creates
    one. Returns its id and how (`edited` or `created`)."""
    comments = listed(
        gh_json("api", "--paginate", f"repos/{ctx.repo}/issues/{pr}/comments?per_page=100")
    )
    # The marker must open the body: a reply quoting the comment does not.
    ours = [c for c in comments if str(c.get("body") or "").startswith(mark + "\n")]
    if ours:
        # The newest: if one cannot be edited (another's), the comment
        # written instead of it is the one edited next time.
        newest = max(ours, key=lambda c: c["id"])
        edit = f"repos/{ctx.repo}/issues/comments/{newest['id']}"
        try:
            gh_json("api", "-X", "PATCH", edit, body={"body": body})
            return newest["id"], "edited"
        except Failure as e:
            say(f"cannot edit comment {newest['id']} ({e}); writing a new one")
    new = f"repos/{ctx.repo}/issues/{pr}/comments"
    [made] = gh_json("api", "-X", "POST", new, body={"body": body})
    return made["id"], "created"


# --------------------------------------------------------------------------
# reconcile


def reconcile(ctx: Context, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    """`reconcile ARGS`, its output in the log (or captured)."""
    argv = [*ctx.reconcile, *args]
    try:
        if capture:
            return subprocess.run(argv, capture_output=True, text=True, encoding="utf-8")
        sys.stdout.flush()
        return subprocess.run(argv)
    except FileNotFoundError:
        raise Failure(f"`{ctx.reconcile[0]}` is not on PATH: install it first") from None


def show(ctx: Context, plan: Path, fmt: str) -> str:
    done = reconcile(ctx, "show", str(plan), "--format", fmt, "--color", "never", capture=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise Failure(f"`reconcile show {plan}` failed (exit {done.returncode})")
    return done.stdout


def check_plan(ctx: Context, plan: Path, stack: str, spec: str) -> None:
    """The saved plan is of this stack and this spec (its documented
    `--format json` fields)."""
    meta = json.loads(show(ctx, plan, "json"))
    if meta.get("stack") != stack or spec_key(str(meta.get("spec_path"))) != spec_key(spec):
        raise Failure(
            f"the plan `{plan}` is of stack `{meta.get('stack')}` and spec "
            f"`{meta.get('spec_path')}`, not of `{stack}` and `{spec_key(spec)}`"
        )


def plan_dir(stack: str) -> Path:
    base = os.environ.get("RUNNER_TEMP") or tempfile.gettempdir()
    path = Path(base) / "reconcile" / re.sub(r"[^A-Za-z0-9._-]", "-", stack)
    path.mkdir(parents=True, exist_ok=True)
    return path


# --------------------------------------------------------------------------
# plan


def plan(spec: str) -> int:
    ctx = Context.from_env()
    pull = event().get("pull_request") or {}
    if not pull.get("number"):
        raise Failure("`command: plan` runs on pull_request events; this event has none")
    pr, head_sha = int(pull["number"]), str(pull.get("head", {}).get("sha", ""))
    stack = stack_of(spec)
    saved = plan_dir(stack) / "plan.json"
    saved.unlink(missing_ok=True)

    planned = reconcile(ctx, "plan", *ctx.args, spec, "--detailed-exitcode", "--out", str(saved))
    code = planned.returncode
    markdown = ""
    if code in PLAN_STATUS and saved.is_file():
        check_plan(ctx, saved, stack, spec)
        markdown = show(ctx, saved, "markdown")
        status, detail = PLAN_STATUS[code]
    elif code == 1:
        status, detail = (
            "The plan failed",
            f"`reconcile plan` exited 1 (an invalid spec, or an account it could not "
            f"read); its messages are in {ctx.log_link()}. There is no plan to apply.",
        )
    else:
        status, detail = (
            "The plan failed",
            f"`reconcile plan` exited {code}; see {ctx.log_link()}. "
            "There is no plan to apply.",
        )
    head = header(stack, spec, status, code, detail)
    head += f"Planned at {head_sha or 'the pull request head'}"
    head += f" in [run {ctx.run_id}]({ctx.run_url()}).\n\n" if ctx.run_id else ".\n\n"
    name = artifact_name(pr, stack)
    note = (
        "**The plan is cut here**: it is longer than a GitHub comment can be. "
        f"The whole plan is on the job's summary page, and in the artifact `{name}`: "
        "`reconcile show plan.json`.\n"
    )
    body = fit(head, markdown, note)
    comment_id, how = upsert_comment(ctx, pr, marker(stack, spec), body)
    say(f"{how} comment {comment_id} on pull request #{pr} ({status.lower()}, exit {code})")
    summary(head + markdown)

    outputs = {"exitcode": code, "stack": stack, "pr-number": pr, "comment-id": comment_id}
    if markdown:
        outputs.update({"plan-file": saved, "artifact-name": name})
    set_outputs(**outputs)
    return {0: 0, 2: 0, 3: 3}.get(code, 1)


# --------------------------------------------------------------------------
# apply


def merged_pull_request(ctx: Context, sha: str) -> dict:
    """The pull request whose merge made SHA: for a merge commit, a squash
    and a rebase alike, its `merge_commit_sha` is the commit the branch moved
    to."""
    pulls = listed(gh_json("api", f"repos/{ctx.repo}/commits/{sha}/pulls"))
    merged = [p for p in pulls if p.get("merged_at")]
    exact = [p for p in merged if p.get("merge_commit_sha") == sha]
    if exact:
        return exact[0]
    if merged:
        names = ", ".join(
            f"#{p['number']} (merged as {p.get('merge_commit_sha')})" for p in merged
        )
        raise Failure(
            f"commit {sha} was not made by merging a pull request: it only contains {names}. "
            "Nothing was applied: reconcile applies only a plan reviewed on the pull request "
            "whose merge is the pushed commit"
        )
    raise Failure(
        f"no merged pull request made commit {sha} (pushed directly?). Nothing was applied: "
        "reconcile applies only a plan reviewed on a pull request"
    )


def latest_plan_artifact(ctx: Context, pr: int, name: str) -> dict | None:
    """The newest unexpired artifact NAME made by a run on one of the pull
    request's own commits (another pull request's run cannot pass its plan
    off as this one's)."""
    query = urllib.parse.urlencode({"name": name, "per_page": 100})
    artifacts = listed(
        gh_json("api", "--paginate", f"repos/{ctx.repo}/actions/artifacts?{query}"), "artifacts"
    )
    # The pull request's commits (the API lists up to 250).
    pages = gh_json("api", "--paginate", f"repos/{ctx.repo}/pulls/{pr}/commits?per_page=100")
    commits = {c.get("sha") for c in listed(pages)}
    ours = [
        a
        for a in artifacts
        if a.get("name") == name
        and not a.get("expired")
        and (a.get("workflow_run") or {}).get("head_sha") in commits
    ]
    return max(ours, key=lambda a: (a.get("created_at") or "", a.get("id") or 0), default=None)


def apply(spec: str) -> int:
    ctx = Context.from_env()
    sha = os.environ.get("GITHUB_SHA") or str(event().get("after") or "")
    if not re.fullmatch(r"[0-9a-f]{40}", sha):
        raise Failure("GITHUB_SHA is not a commit: `command: apply` runs on push events")
    stack = stack_of(spec)
    pull = merged_pull_request(ctx, sha)
    pr = int(pull["number"])
    say(f"commit {sha} is the merge of pull request #{pr}")
    set_outputs(stack=stack, **{"pr-number": pr})
    name = artifact_name(pr, stack)
    where = f"at {sha}" + (f" in [run {ctx.run_id}]({ctx.run_url()})" if ctx.run_id else "")

    artifact = latest_plan_artifact(ctx, pr, name)
    if artifact is None:
        detail = (
            f"no saved plan of this pull request was found {where} (artifact `{name}`); "
            "nothing was applied. Plan and apply the same specs, and keep artifacts "
            "until the merge."
        )
        comment(ctx, pr, stack, spec, header(stack, spec, "Not applied", None, detail))
        raise Failure(
            f"pull request #{pr} has no plan artifact `{name}` made on one of its commits; "
            "nothing was applied"
        )
    run, planned_at = artifact["workflow_run"]["id"], artifact["workflow_run"]["head_sha"]
    if planned_at != (pull.get("head") or {}).get("sha"):
        say(f"the latest plan was made at {planned_at}, not at the pull request's head")
    download = plan_dir(stack) / "download"
    download.mkdir(parents=True, exist_ok=True)
    saved = download / "plan.json"
    saved.unlink(missing_ok=True)
    gh("run", "download", str(run), "-R", ctx.repo, "-n", name, "-D", str(download))
    if not saved.is_file():
        raise Failure(
            f"the artifact `{name}` of run {run} holds no plan.json; nothing was applied"
        )
    check_plan(ctx, saved, stack, spec)
    markdown = show(ctx, saved, "markdown")

    done = reconcile(ctx, "apply", *ctx.args, str(saved), capture=True)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    code = done.returncode
    made = f"the plan below, made at {planned_at} (run {run})"
    status, detail = apply_outcome(code, done.stderr, made, where, ctx.log_link())
    note = "**The plan is cut here**: the whole plan is on the job's summary page.\n"
    head = header(stack, spec, status, code, detail)
    summary(head + markdown)
    set_outputs(exitcode=code, **{"plan-file": saved})
    try:
        comment_id = comment(ctx, pr, stack, spec, fit(head, markdown, note))
        set_outputs(**{"comment-id": comment_id})
    except Failure as e:
        # What was applied stays applied: the status is the apply's.
        annotate("warning", "reconcile apply", f"cannot write the comment: {e}")
    if code not in (0, 3):
        raise Failure(f"`reconcile apply` of pull request #{pr}'s plan: {status} (exit {code})")
    return code


def apply_outcome(code: int, stderr: str, made: str, where: str, log: str) -> tuple[str, str]:
    """What the comment says of `reconcile apply`'s exit status."""
    if code == 0:
        return "Applied", f"{made}, was applied {where}."
    if code == 3:
        return (
            "Applied, except retired or unreadable parts",
            f"{made}, was applied {where}; AWS retired or could not read parts of the stack, "
            "which were left alone.",
        )
    # `reconcile apply` ends each refusal with these words.
    if "nothing was applied" in stderr or "nothing was changed" in stderr:
        return (
            "Refused",
            f"{made}, is not what the merged spec and the account give now, so "
            f"`reconcile apply` refused it {where}: nothing was applied. Why is in "
            f"{log}; plan again in a new pull request.",
        )
    return (
        "Apply failed",
        f"{made}, failed {where}. What was done and undone is in {log} "
        "and the journal (`reconcile history`).",
    )


def comment(ctx: Context, pr: int, stack: str, spec: str, body: str) -> int:
    comment_id, how = upsert_comment(ctx, pr, marker(stack, spec), body)
    say(f"{how} comment {comment_id} on pull request #{pr}")
    return comment_id


# --------------------------------------------------------------------------
# install


def runner_target() -> str:
    os_name = os.environ.get("RUNNER_OS") or PY_OS.get(platform.system(), platform.system())
    machine = platform.machine()
    arch = os.environ.get("RUNNER_ARCH") or PY_ARCH.get(machine.lower(), machine)
    target = TARGETS.get((os_name, arch))
    if target is None:
        raise Failure(
            f"no release build for {os_name} {arch} (there are: "
            + ", ".join(f"{o} {a}" for o, a in TARGETS)
            + "); use `version: source`"
        )
    return target


def install(version: str, dest: str | None) -> int:
    repo = os.environ.get("RECONCILE_RELEASE_REPO") or os.environ.get("GITHUB_REPOSITORY", "")
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
        raise Failure(
            "no repository to download releases from: set RECONCILE_RELEASE_REPO to owner/name"
        )
    target = runner_target()
    tag = version
    if version == "latest":
        [release] = gh_json("api", f"repos/{repo}/releases/latest")
        tag = str(release.get("tag_name", ""))
    if not re.fullmatch(r"[\w.+-]+", tag):
        raise Failure(f"`{tag}` is not a release tag")
    archive = f"reconcile-{tag}-{target}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        gh("release", "download", tag, "-R", repo, "-p", archive, "-p", "SHA256SUMS", "-D", tmp)
        sums = Path(tmp, "SHA256SUMS").read_text(encoding="utf-8").splitlines()
        want = [line.split()[0].lower() for line in sums if line.split()[1:] == [archive]]
        if len(want) != 1:
            raise Failure(f"SHA256SUMS of {repo} {tag} does not list `{archive}` once")
        data = Path(tmp, archive).read_bytes()
        got = hashlib.sha256(data).hexdigest()
        if got != want[0]:
            raise Failure(
                f"`{archive}` of {repo} {tag} has SHA-256 {got}, "
                f"but SHA256SUMS says {want[0]}: not installed"
            )
        member = f"reconcile-{tag}-{target}/reconcile"
        with tarfile.open(Path(tmp, archive), "r:gz") as tar:
            try:
                info = tar.getmember(member)
            except KeyError:
                raise Failure(f"`{archive}` has no `{member}`") from None
            if not info.isfile():
                raise Failure(f"`{member}` in `{archive}` is not a regular file")
            binary = tar.extractfile(info).read()
    temp = os.environ.get("RUNNER_TEMP") or tempfile.gettempdir()
    out = Path(dest) if dest else Path(temp, "reconcile-bin")
    out.mkdir(parents=True, exist_ok=True)
    exe = out / "reconcile"
    exe.write_bytes(binary)
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    path_file = os.environ.get("GITHUB_PATH")
    if path_file:
        with open(path_file, "a", encoding="utf-8") as f:
            f.write(f"{out.resolve()}\n")
    set_outputs(path=exe.resolve(), version=tag)
    say(f"installed reconcile {tag} ({target}, SHA-256 {got}) at {exe}")
    return 0


# --------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    i = sub.add_parser("install", help="install a release binary")
    i.add_argument("version", help="a release tag, or `latest`")
    i.add_argument("--dest", help="directory for the binary (default $RUNNER_TEMP/reconcile-bin)")
    for name, what in (
        ("plan", "plan, and write the pull request's comment"),
        ("apply", "apply the merged pull request's plan"),
    ):
        sub.add_parser(name, help=what).add_argument("spec")
    a = p.parse_args(argv)
    try:
        if a.command == "install":
            return install(a.version, a.dest)
        if a.command == "plan":
            return plan(a.spec)
        return apply(a.spec)
    except Failure as e:
        # An annotation on the run, and the message in the log.
        annotate("error", f"reconcile {a.command}", str(e))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
