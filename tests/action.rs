//! The GitHub action (`action.yml`, logic in `scripts/github.py`), run as
//! the action runs it, with a fake `gh` first on PATH: a small Python script
//! that logs every call (arguments and `--input` body) and answers from a
//! state file the test holds (the pull request's comments, pull requests by
//! commit, artifacts, releases). `reconcile` itself is the real binary, on
//! the built-in emulator (`RECONCILE_ARGS=--local`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::util::{Scratch, code, demo_secrets, expect_code, root, stdout, venv_bin};

const REPO: &str = "octo/shop";
const RUN_ID: &str = "4242";
const SPEC: &str = "specs/flash-sale.yaml";
const MARKER: &str = "<!-- reconcile-plan: stack=flash-sale spec=specs/flash-sale.yaml -->";
const ARTIFACT: &str = "reconcile-plan-pr-7-flash-sale";
const HEAD_1: &str = "1111111111111111111111111111111111111111";
const HEAD_2: &str = "2222222222222222222222222222222222222222";
const SQUASH: &str = "5555555555555555555555555555555555555555";

/// The fake `gh`. Routes are the calls `scripts/github.py` makes; anything
/// else fails as `gh` does on a 404, so an unexpected call shows.
const FAKE_GH: &str = r#"
import fnmatch, json, os, re, shutil, sys, urllib.parse

STATE, LOG = os.environ["FAKE_GH_STATE"], os.environ["FAKE_GH_LOG"]
argv = sys.argv[1:]
body = None
if "--input" in argv:
    source = argv[argv.index("--input") + 1]
    body = json.loads(sys.stdin.read() if source == "-" else open(source).read())
with open(LOG, "a") as f:
    f.write(json.dumps({"argv": argv, "input": body}) + "\n")
with open(STATE) as f:
    state = json.load(f)

def save():
    with open(STATE, "w") as f:
        json.dump(state, f, indent=1)

def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)

def option(*names):
    for name in names:
        if name in argv:
            return argv[argv.index(name) + 1]
    return None

def options(name):
    return [argv[i + 1] for i, a in enumerate(argv) if a == name]

def copy(source, directory, name):
    os.makedirs(directory, exist_ok=True)
    shutil.copy(source, os.path.join(directory, name))

if argv[:1] == ["api"]:
    with_value = {"-X", "--method", "--input", "-H", "-f", "-F", "--jq"}
    rest, i = [], 1
    while i < len(argv):
        if argv[i] in with_value:
            i += 2
        elif argv[i].startswith("-"):
            i += 1
        else:
            rest.append(argv[i])
            i += 1
    method = option("-X", "--method") or "GET"
    url = urllib.parse.urlsplit(rest[0])
    path, query = url.path, urllib.parse.parse_qs(url.query)
    prefix = "repos/" + state["repo"] + "/"
    if not path.startswith(prefix):
        fail(f"gh: Not Found (HTTP 404): {path}")
    path = path[len(prefix):]
    comments = state.setdefault("comments", [])
    if m := re.fullmatch(r"issues/(\d+)/comments", path):
        if method == "GET":
            mine = [c for c in comments if c["issue"] == int(m[1])]
            size = state.get("page_size", 2)
            pages = [mine[i:i + size] for i in range(0, len(mine), size)] or [[]]
            # `--paginate` prints the pages one after the other.
            shown = pages if "--paginate" in argv else pages[:1]
            sys.stdout.write("".join(json.dumps(p) for p in shown))
        elif method == "POST":
            made = {"id": state["next_id"], "issue": int(m[1]), "body": body["body"],
                    "user": {"login": "github-actions[bot]", "type": "Bot"}}
            state["next_id"] += 1
            comments.append(made)
            save()
            print(json.dumps(made))
        else:
            fail("gh: Method Not Allowed (HTTP 405)")
    elif (m := re.fullmatch(r"issues/comments/(\d+)", path)) and method == "PATCH":
        [found] = [c for c in comments if c["id"] == int(m[1])] or [None]
        if found is None:
            fail("gh: Not Found (HTTP 404)")
        found["body"] = body["body"]
        save()
        print(json.dumps(found))
    elif m := re.fullmatch(r"commits/([0-9a-f]+)/pulls", path):
        print(json.dumps(state.get("pulls", {}).get(m[1], [])))
    elif m := re.fullmatch(r"pulls/(\d+)/commits", path):
        print(json.dumps([{"sha": s} for s in state.get("pr_commits", {}).get(m[1], [])]))
    elif path == "actions/artifacts":
        names = query.get("name")
        found = [a for a in state.get("artifacts", []) if not names or a["name"] == names[0]]
        print(json.dumps({"total_count": len(found), "artifacts": found}))
    elif path == "releases/latest" and "latest" in state:
        print(json.dumps({"tag_name": state["latest"]}))
    else:
        fail(f"gh: Not Found (HTTP 404): {method} {path}")
elif argv[:2] == ["run", "download"]:
    if option("-R", "--repo") != state["repo"]:
        fail("gh: wrong repository")
    files = state.get("runs", {}).get(argv[2], {})
    name = option("-n", "--name")
    if name not in files:
        fail(f"no artifact matches any of the names or patterns provided")
    copy(files[name], option("-D", "--dir"), "plan.json")
elif argv[:2] == ["release", "download"]:
    if option("-R", "--repo") != state["repo"]:
        fail("gh: wrong repository")
    files = state.get("releases", {}).get(argv[2])
    if files is None:
        fail("release not found")
    for name, source in files.items():
        if any(fnmatch.fnmatch(name, p) for p in options("-p")):
            copy(source, option("-D", "--dir"), name)
else:
    fail("unknown command " + " ".join(argv))
"#;

/// Python 3: `python3` from PATH, else the repository's `.venv/`.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let found = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(stdout(&o).trim()));
        found.unwrap_or_else(|| venv_bin().join("python"))
    })
}

/// A pull request's pipeline on a scratch copy of `specs/`, with the fake
/// `gh`, its state and its log, and the files GitHub Actions would give.
struct Pipeline {
    s: Scratch,
}

impl Pipeline {
    fn new() -> Self {
        let s = Scratch::new();
        let bin = s.path().join("fake-bin");
        std::fs::create_dir_all(&bin).unwrap();
        let gh = bin.join("gh");
        std::fs::write(
            &gh,
            format!("#!{}\n{FAKE_GH}", python().display()).as_bytes(),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::create_dir_all(s.path().join("runner-temp")).unwrap();
        let p = Self { s };
        p.set_state(&json!({"repo": REPO, "next_id": 1000, "comments": []}));
        p
    }

    fn file(&self, name: &str) -> PathBuf {
        self.s.path().join(name)
    }

    fn state(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.file("gh-state.json")).unwrap()).unwrap()
    }

    fn set_state(&self, state: &Value) {
        std::fs::write(
            self.file("gh-state.json"),
            serde_json::to_string_pretty(state).unwrap(),
        )
        .unwrap();
    }

    fn edit_state(&self, edit: impl FnOnce(&mut Value)) {
        let mut state = self.state();
        edit(&mut state);
        self.set_state(&state);
    }

    /// Every `gh` call since the last [`Pipeline::forget_calls`].
    fn calls(&self) -> Vec<Value> {
        std::fs::read_to_string(self.file("gh-log.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn forget_calls(&self) {
        let _ = std::fs::remove_file(self.file("gh-log.jsonl"));
    }

    /// The calls whose arguments start with `prefix`.
    fn calls_to(&self, prefix: &[&str]) -> Vec<Value> {
        self.calls()
            .into_iter()
            .filter(|c| {
                let argv: Vec<&str> = c["argv"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap())
                    .collect();
                argv.starts_with(prefix)
            })
            .collect()
    }

    fn comments(&self, issue: u64) -> Vec<Value> {
        self.state()["comments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["issue"] == issue)
            .cloned()
            .collect()
    }

    fn marked(&self, issue: u64) -> Vec<Value> {
        self.comments(issue)
            .into_iter()
            .filter(|c| c["body"].as_str().unwrap().starts_with(MARKER))
            .collect()
    }

    /// `scripts/github.py ARGS` as the action's step runs it: the job's
    /// variables, the fake `gh` first on PATH, `reconcile` on the emulator.
    fn script(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(python());
        cmd.arg(root().join("scripts/github.py"))
            .args(args)
            .current_dir(self.s.path());
        for (key, _) in std::env::vars() {
            let prefixes = [
                "GITHUB_",
                "RUNNER_",
                "GH_",
                "ACTIONS_",
                "RECONCILE_",
                "AWS_",
            ];
            if prefixes.iter().any(|p| key.starts_with(p)) {
                cmd.env_remove(key);
            }
        }
        let path = format!(
            "{}:{}",
            self.file("fake-bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        cmd.env("PATH", path)
            .env("FAKE_GH_STATE", self.file("gh-state.json"))
            .env("FAKE_GH_LOG", self.file("gh-log.jsonl"))
            .env("GITHUB_REPOSITORY", REPO)
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_RUN_ID", RUN_ID)
            .env("GITHUB_OUTPUT", self.file("github-output"))
            .env("GITHUB_STEP_SUMMARY", self.file("step-summary.md"))
            .env("GITHUB_PATH", self.file("github-path"))
            .env("RUNNER_TEMP", self.file("runner-temp"))
            .env("RECONCILE_BIN", assert_cmd::cargo::cargo_bin("reconcile"))
            .env("RECONCILE_ARGS", "--local")
            .env("RECONCILE_STATE_DIR", self.s.state_dir())
            .env("NO_COLOR", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONIOENCODING", "utf-8");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let _ = std::fs::remove_file(self.file("github-output"));
        cmd.output().expect("python runs")
    }

    /// `github.py plan` on pull request 7 at commit `head`.
    fn plan(&self, head: &str) -> Output {
        let event = json!({"pull_request": {"number": 7, "head": {"sha": head}}});
        std::fs::write(self.file("event.json"), event.to_string()).unwrap();
        let event = self.file("event.json");
        self.script(
            &["plan", SPEC],
            &[
                ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
                ("GITHUB_EVENT_NAME", "pull_request"),
            ],
        )
    }

    /// `github.py apply` on the push of `sha` to main.
    fn apply(&self, sha: &str) -> Output {
        let event = json!({"after": sha, "ref": "refs/heads/main"});
        std::fs::write(self.file("event.json"), event.to_string()).unwrap();
        let event = self.file("event.json");
        self.script(
            &["apply", SPEC],
            &[
                ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
                ("GITHUB_EVENT_NAME", "push"),
                ("GITHUB_SHA", sha),
                ("GITHUB_REF_NAME", "main"),
            ],
        )
    }

    /// The step's outputs (`$GITHUB_OUTPUT`) of the last run.
    fn output(&self, key: &str) -> Option<String> {
        let text = std::fs::read_to_string(self.file("github-output")).unwrap_or_default();
        text.lines()
            .filter_map(|l| l.split_once('='))
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v.to_owned())
            .next_back()
    }

    /// Keeps the plan the last `plan` saved, as the artifact upload would.
    fn keep_plan(&self, name: &str) -> PathBuf {
        let saved = PathBuf::from(self.output("plan-file").expect("a plan was saved"));
        let kept = self.file(name);
        std::fs::copy(saved, &kept).unwrap();
        kept
    }

    /// Pull request 7, squash-merged as `SQUASH`, its last commit `head`;
    /// and pull request 9, open, which also holds the commit.
    fn merged(&self, head: &str, commits: &[&str]) {
        self.edit_state(|state| {
            let open = "9999999999999999999999999999999999999999";
            state["pulls"] = json!({SQUASH: [
                {"number": 9, "state": "open", "merged_at": null, "merge_commit_sha": open,
                 "head": {"sha": open}, "base": {"ref": "main"}},
                {"number": 7, "state": "closed", "merged_at": "2026-01-02T12:00:00Z",
                 "merge_commit_sha": SQUASH, "head": {"sha": head}, "base": {"ref": "main"}},
            ]});
            state["pr_commits"] = json!({"7": commits});
        });
    }

    /// An artifact of pull request 7's plan: run `run`'s, made at `head`.
    fn artifact(&self, id: u64, run: u64, head: &str, created: &str, plan: &Path) {
        self.edit_state(|state| {
            let artifacts = state
                .as_object_mut()
                .unwrap()
                .entry("artifacts")
                .or_insert_with(|| json!([]));
            artifacts.as_array_mut().unwrap().push(json!({
                "id": id, "name": ARTIFACT, "expired": false, "created_at": created,
                "workflow_run": {"id": run, "head_sha": head},
            }));
            state["runs"][run.to_string()] = json!({ARTIFACT: plan});
        });
    }

    fn app_exists(&self) -> bool {
        let plan = self
            .s
            .run(&["plan", "--local", SPEC, "--detailed-exitcode"]);
        code(&plan) == 0
    }
}

fn body(comment: &Value) -> &str {
    comment["body"].as_str().unwrap()
}

/// The comment's own lines, above the plan `reconcile show` rendered.
fn head_of(body: &str) -> &str {
    &body[..body.find("### reconcile plan for").unwrap_or(body.len())]
}

#[track_caller]
fn assert_no_secret(text: &str) {
    for secret in demo_secrets() {
        assert!(!text.contains(&secret), "a secret line leaked: {secret}");
    }
}

#[test]
fn plan_writes_one_marked_comment_then_edits_that_comment_in_place() {
    let p = Pipeline::new();
    // Others' comments, on this pull request (over several pages) and on
    // another one.
    let elsewhere = format!("{MARKER}\nanother pull request's plan");
    p.edit_state(|state| {
        state["comments"] = json!([
            {"id": 11, "issue": 7, "body": "Looks good", "user": {"login": "ana"}},
            {"id": 12, "issue": 8, "body": elsewhere, "user": {"login": "github-actions[bot]"}},
            {"id": 13, "issue": 7, "body": "Ship it", "user": {"login": "bo"}},
            {"id": 14, "issue": 7, "body": "One question", "user": {"login": "cy"}},
        ]);
    });

    let first = p.plan(HEAD_1);
    expect_code(&first, 0);
    assert_eq!(p.calls_to(&["api", "-X", "POST"]).len(), 1);
    assert!(p.calls_to(&["api", "-X", "PATCH"]).is_empty());
    let [comment] = &p.marked(7)[..] else {
        panic!("one marked comment: {:#?}", p.comments(7))
    };
    let id = comment["id"].as_u64().unwrap();
    assert_eq!(p.output("exitcode").as_deref(), Some("2"));
    assert_eq!(p.output("artifact-name").as_deref(), Some(ARTIFACT));
    assert_eq!(
        p.output("comment-id").as_deref(),
        Some(id.to_string().as_str())
    );
    // Exactly the saved plan, as `reconcile show` renders it.
    let saved = p.output("plan-file").unwrap();
    let shown = p.s.run(&["show", &saved, "--format", "markdown"]);
    expect_code(&shown, 0);
    assert!(
        body(comment).ends_with(&stdout(&shown)),
        "{}",
        body(comment)
    );
    insta::assert_snapshot!(head_of(body(comment)), @r"
    <!-- reconcile-plan: stack=flash-sale spec=specs/flash-sale.yaml -->
    #### reconcile · `flash-sale` · `specs/flash-sale.yaml`

    **Changes** (exit 2): merging this pull request applies exactly the plan below. `reconcile apply` refuses it if, by then, the spec or the account would give another plan.

    Planned at 1111111111111111111111111111111111111111 in [run 4242](https://github.com/octo/shop/actions/runs/4242).
    ");

    // A new commit changes the spec: the same comment, edited.
    let spec = p.s.spec("flash-sale.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, text.replace("ends in 2 hours", "ends in 3 hours")).unwrap();
    p.forget_calls();
    expect_code(&p.plan(HEAD_2), 0);
    let patched = p.calls_to(&["api", "-X", "PATCH"]);
    assert_eq!(patched.len(), 1, "{:#?}", p.calls());
    assert_eq!(
        patched[0]["argv"][3],
        format!("repos/{REPO}/issues/comments/{id}")
    );
    assert!(p.calls_to(&["api", "-X", "POST"]).is_empty());
    let [comment] = &p.marked(7)[..] else {
        panic!("one marked comment: {:#?}", p.comments(7))
    };
    assert_eq!(comment["id"], id);
    assert!(body(comment).contains(HEAD_2) && !body(comment).contains(HEAD_1));
    assert!(body(comment).contains("ends in 3 hours"));
    // The others' comments are as they were.
    assert_eq!(p.comments(7).len(), 4);
    assert_eq!(body(&p.comments(8)[0]), elsewhere);

    for c in p.state()["comments"].as_array().unwrap() {
        assert_no_secret(body(c));
    }
    for call in p.calls() {
        assert_no_secret(&call.to_string());
    }
}

#[test]
fn plan_leaves_another_stacks_comment_and_a_quoted_marker_alone() {
    let p = Pipeline::new();
    let other =
        "<!-- reconcile-plan: stack=retail-multi spec=specs/retail-multi.yaml -->\nretail plan";
    let quoted = format!("> {MARKER}\n> **Changes**\n\nWhy does this create 13 resources?");
    p.edit_state(|state| {
        state["comments"] = json!([
            {"id": 21, "issue": 7, "body": other, "user": {"login": "github-actions[bot]"}},
            {"id": 22, "issue": 7, "body": quoted, "user": {"login": "ana"}},
        ]);
    });
    expect_code(&p.plan(HEAD_1), 0);
    assert!(p.calls_to(&["api", "-X", "PATCH"]).is_empty());
    assert_eq!(p.calls_to(&["api", "-X", "POST"]).len(), 1);
    let comments = p.comments(7);
    assert_eq!(comments.len(), 3);
    assert_eq!(body(&comments[0]), other);
    assert_eq!(body(&comments[1]), quoted);
    assert!(body(&comments[2]).starts_with(MARKER));
}

#[test]
fn a_failed_plan_says_so_in_the_comment_and_leaves_no_plan_to_upload() {
    let p = Pipeline::new();
    let spec = p.s.spec("flash-sale.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, text.replace("shard_count: 1", "shard_count: many")).unwrap();
    let o = p.plan(HEAD_1);
    expect_code(&o, 1);
    assert_eq!(p.output("exitcode").as_deref(), Some("1"));
    assert_eq!(p.output("artifact-name"), None);
    let [comment] = &p.marked(7)[..] else {
        panic!("one marked comment: {:#?}", p.comments(7))
    };
    insta::assert_snapshot!(body(comment), @r"
    <!-- reconcile-plan: stack=flash-sale spec=specs/flash-sale.yaml -->
    #### reconcile · `flash-sale` · `specs/flash-sale.yaml`

    **The plan failed** (exit 1): `reconcile plan` exited 1 (an invalid spec, or an account it could not read); its messages are in [the job log](https://github.com/octo/shop/actions/runs/4242). There is no plan to apply.

    Planned at 1111111111111111111111111111111111111111 in [run 4242](https://github.com/octo/shop/actions/runs/4242).
    ");
}

#[test]
fn a_plan_longer_than_a_comment_is_cut_with_a_note() {
    let p = Pipeline::new();
    let generated = Command::new(python())
        .arg(root().join("scripts/gen-stack.py"))
        .args(["300", "--stack", "flash-sale", "--out"])
        .arg(p.s.spec("flash-sale.yaml"))
        .output()
        .unwrap();
    expect_code(&generated, 0);
    expect_code(&p.plan(HEAD_1), 0);
    let [comment] = &p.marked(7)[..] else {
        panic!("one marked comment")
    };
    let text = body(comment);
    assert!(text.encode_utf16().count() <= 65_536, "{}", text.len());
    assert!(text.contains("**The plan is cut here**"));
    let fences = text.lines().filter(|l| l.starts_with("```")).count();
    assert_eq!(fences % 2, 0, "an open code block");
    assert_eq!(
        text.matches("<details").count(),
        text.matches("</details>").count()
    );
    // The whole plan is on the job's summary page.
    let summary = std::fs::read_to_string(p.file("step-summary.md")).unwrap();
    assert!(summary.len() > 65_536);
    assert!(!summary.contains("The plan is cut here"));
}

#[test]
fn apply_finds_the_squash_merged_pull_request_and_applies_its_latest_plan() {
    let p = Pipeline::new();
    expect_code(&p.plan(HEAD_1), 0);
    let stale = p.keep_plan("stale.json");
    let spec = p.s.spec("flash-sale.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, text.replace("ends in 2 hours", "ends in 3 hours")).unwrap();
    expect_code(&p.plan(HEAD_2), 0);
    let good = p.keep_plan("good.json");
    let id = p.marked(7)[0]["id"].clone();
    // Another pull request's run uploaded a plan under this name later: it
    // is not one of pull request 7's commits.
    let impostor = p.file("impostor.json");
    std::fs::write(
        &impostor,
        std::fs::read_to_string(&good)
            .unwrap()
            .replace("3 hours", "4 hours"),
    )
    .unwrap();
    p.merged(HEAD_2, &[HEAD_1, HEAD_2]);
    p.artifact(1, 100, HEAD_1, "2026-01-02T10:00:00Z", &stale);
    p.artifact(2, 101, HEAD_2, "2026-01-02T11:00:00Z", &good);
    p.artifact(
        3,
        102,
        "cccccccccccccccccccccccccccccccccccccccc",
        "2026-01-02T11:30:00Z",
        &impostor,
    );
    p.forget_calls();

    let o = p.apply(SQUASH);
    expect_code(&o, 0);
    let downloads = p.calls_to(&["run", "download"]);
    assert_eq!(downloads.len(), 1);
    assert_eq!(downloads[0]["argv"][2], "101");
    assert!(p.app_exists(), "the plan was applied");
    assert_eq!(p.output("pr-number").as_deref(), Some("7"));
    assert_eq!(p.output("exitcode").as_deref(), Some("0"));
    assert!(p.calls_to(&["api", "-X", "POST"]).is_empty());
    let [comment] = &p.marked(7)[..] else {
        panic!("one marked comment")
    };
    assert_eq!(comment["id"], id);
    insta::assert_snapshot!(head_of(body(comment)), @r"
    <!-- reconcile-plan: stack=flash-sale spec=specs/flash-sale.yaml -->
    #### reconcile · `flash-sale` · `specs/flash-sale.yaml`

    **Applied** (exit 0): the plan below, made at 2222222222222222222222222222222222222222 (run 101), was applied at 5555555555555555555555555555555555555555 in [run 4242](https://github.com/octo/shop/actions/runs/4242).
    ");
    assert!(body(comment).contains("ends in 3 hours"));
    assert_no_secret(body(comment));
}

#[test]
fn apply_refuses_a_tampered_plan_and_says_so_on_the_pull_request() {
    let p = Pipeline::new();
    expect_code(&p.plan(HEAD_1), 0);
    let kept = p.keep_plan("plan.json");
    let tampered = std::fs::read_to_string(&kept)
        .unwrap()
        .replace("ends in 2 hours", "ends in 9 hours");
    std::fs::write(&kept, tampered).unwrap();
    p.merged(HEAD_1, &[HEAD_1]);
    p.artifact(1, 100, HEAD_1, "2026-01-02T10:00:00Z", &kept);

    let o = p.apply(SQUASH);
    assert_ne!(code(&o), 0, "{}", stdout(&o));
    assert!(!p.app_exists(), "nothing was applied");
    let [comment] = &p.marked(7)[..] else {
        panic!("one marked comment")
    };
    insta::assert_snapshot!(head_of(body(comment)), @r"
    <!-- reconcile-plan: stack=flash-sale spec=specs/flash-sale.yaml -->
    #### reconcile · `flash-sale` · `specs/flash-sale.yaml`

    **Refused** (exit 1): the plan below, made at 1111111111111111111111111111111111111111 (run 100), is not what the merged spec and the account give now, so `reconcile apply` refused it at 5555555555555555555555555555555555555555 in [run 4242](https://github.com/octo/shop/actions/runs/4242): nothing was applied. Why is in [the job log](https://github.com/octo/shop/actions/runs/4242); plan again in a new pull request.
    ");
    assert_no_secret(body(comment));
}

#[test]
fn apply_without_a_merged_pull_request_fails_and_applies_nothing() {
    let p = Pipeline::new();
    expect_code(&p.plan(HEAD_1), 0);
    let kept = p.keep_plan("plan.json");
    p.artifact(1, 100, HEAD_1, "2026-01-02T10:00:00Z", &kept);
    let comment = p.marked(7)[0].clone();
    p.forget_calls();

    // Pushed straight to main: no pull request has the commit.
    let direct = "3333333333333333333333333333333333333333";
    let o = p.apply(direct);
    expect_code(&o, 1);
    assert!(
        stdout(&o).contains(&format!("no merged pull request made commit {direct}")),
        "{}",
        stdout(&o)
    );
    // Pushed on top of a merge: the commit is in pull request 7, but is not
    // its merge.
    p.edit_state(|state| {
        state["pulls"] = json!({direct: [{"number": 7, "merged_at": "2026-01-02T12:00:00Z",
            "merge_commit_sha": SQUASH, "head": {"sha": HEAD_1}, "base": {"ref": "main"}}]});
    });
    let o = p.apply(direct);
    expect_code(&o, 1);
    assert!(
        stdout(&o).contains("was not made by merging a pull request"),
        "{}",
        stdout(&o)
    );

    assert!(p.calls_to(&["run", "download"]).is_empty());
    assert!(p.calls_to(&["api", "-X"]).is_empty(), "no comment written");
    assert_eq!(p.marked(7), vec![comment]);
    assert!(!p.app_exists(), "nothing was applied");
}

#[test]
fn apply_without_a_plan_of_the_pull_request_fails_and_says_so() {
    let p = Pipeline::new();
    expect_code(&p.plan(HEAD_1), 0);
    let kept = p.keep_plan("plan.json");
    p.merged(HEAD_1, &[HEAD_1]);
    // Only an expired artifact, and one made on a commit of another branch.
    p.artifact(
        1,
        100,
        "cccccccccccccccccccccccccccccccccccccccc",
        "2026-01-02T10:00:00Z",
        &kept,
    );
    p.artifact(2, 101, HEAD_1, "2026-01-02T11:00:00Z", &kept);
    p.edit_state(|state| state["artifacts"][1]["expired"] = json!(true));

    let o = p.apply(SQUASH);
    expect_code(&o, 1);
    assert!(
        stdout(&o).contains(&format!("has no plan artifact `{ARTIFACT}`")),
        "{}",
        stdout(&o)
    );
    assert!(p.calls_to(&["run", "download"]).is_empty());
    assert!(!p.app_exists(), "nothing was applied");
    let [comment] = &p.marked(7)[..] else {
        panic!("one marked comment")
    };
    assert!(
        body(comment).contains("**Not applied**"),
        "{}",
        body(comment)
    );
}

/// `python -c SHA256 FILE` prints the file's SHA-256 (hex).
const SHA256: &str =
    "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())";

#[test]
fn install_takes_a_release_binary_only_with_its_listed_sha256() {
    let p = Pipeline::new();
    let target = "x86_64-unknown-linux-musl";
    let dir = format!("reconcile-v9.9.9-{target}");
    let archive = p.file(&format!("{dir}.tar.gz"));
    std::fs::create_dir_all(p.file("release").join(&dir)).unwrap();
    let exe = p.file("release").join(&dir).join("reconcile");
    std::fs::write(&exe, "#!/bin/sh\necho reconcile 9.9.9\n").unwrap();
    let packed = Command::new("tar")
        .arg("-C")
        .arg(p.file("release"))
        .arg("-czf")
        .arg(&archive)
        .arg(&dir)
        .output()
        .unwrap();
    expect_code(&packed, 0);
    let hashed = Command::new(python())
        .args(["-c", SHA256])
        .arg(&archive)
        .output()
        .unwrap();
    let sha = stdout(&hashed).trim().to_owned();
    let sums = p.file("SHA256SUMS");
    let listing = |sha: &str| {
        format!(
            "{}  reconcile-v9.9.9-aarch64-apple-darwin.tar.gz\n{sha}  {dir}.tar.gz\n",
            "0".repeat(64)
        )
    };
    p.edit_state(|state| {
        state["latest"] = json!("v9.9.9");
        state["releases"] = json!({"v9.9.9": {
            format!("{dir}.tar.gz"): archive, "SHA256SUMS": sums,
        }});
    });
    let on_linux = [("RUNNER_OS", "Linux"), ("RUNNER_ARCH", "X64")];

    std::fs::write(&sums, listing(&sha)).unwrap();
    let o = p.script(&["install", "latest", "--dest", "bin-good"], &on_linux);
    expect_code(&o, 0);
    let installed = p.file("bin-good").join("reconcile");
    let ran = Command::new(&installed).output().unwrap();
    assert_eq!(stdout(&ran), "reconcile 9.9.9\n");
    let path = std::fs::read_to_string(p.file("github-path")).unwrap();
    let bin = std::fs::canonicalize(p.file("bin-good")).unwrap();
    assert_eq!(path.trim(), bin.to_str().unwrap());
    let download = &p.calls_to(&["release", "download"])[0]["argv"];
    assert_eq!(download[2], "v9.9.9");

    // One digit off: refused, nothing installed.
    let wrong = format!(
        "{}{}",
        if sha.starts_with('0') { "1" } else { "0" },
        &sha[1..]
    );
    std::fs::write(&sums, listing(&wrong)).unwrap();
    let o = p.script(&["install", "v9.9.9", "--dest", "bin-bad"], &on_linux);
    expect_code(&o, 1);
    assert!(stdout(&o).contains("but SHA256SUMS says"), "{}", stdout(&o));
    assert!(!p.file("bin-bad").join("reconcile").exists());
}
