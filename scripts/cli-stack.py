#!/usr/bin/env python3
"""Creates the stack of a reconcile spec the way the recipe's users do it:
one AWS CLI process per API call, in sequence, as the recipe's shell
scripts do (shared/seed recipe, "Pinpoint Mobile Push Notifications").

    .venv/bin/python scripts/cli-stack.py SPEC --endpoint-url URL [--json OUT]

It is the baseline of the benchmarks (issue 7, "the recipe's way"): the
result is the stack `reconcile apply` would build from SPEC (same names,
request fields, dimensions, template bodies, campaign schedules and
messages, endpoint data, alarm fields with the `ApplicationId` dimension),
without reconcile's own `reconcile:*` tags, so `reconcile plan SPEC --adopt`
finds every resource and no field difference (channels aside: their
credentials are write-only, so the first adoption shows "credentials
changed").

The calls, in this order (each `aws ... --output json`, with
`--endpoint-url URL` and `--region <spec region>`; credentials come from the
environment):

  kinesis create-stream            each stream (created first, so that it is
                                   ACTIVE by the time the waiter looks)
  iam create-role                  each role, trust policy generated as
                                   reconcile does; then attach-role-policy /
                                   put-role-policy per managed / inline policy
  pinpoint create-app              with the app's tags; the id is kept
  pinpoint update-application-settings   when the spec has settings
  pinpoint update-<kind>-channel   each channel; credentials from the spec's
                                   ${file:...} / ${env:...} references, passed
                                   as a file:// request (0600, temp dir)
  pinpoint update-endpoint         each endpoint
  pinpoint create-segment          each segment (ids and versions kept)
  pinpoint create-push-template    each template
  pinpoint create-campaign         each campaign (segment id filled in)
  cloudwatch put-metric-alarm      each alarm, dimension ApplicationId = app id
  kinesis wait stream-exists       each stream (the recipe's waiter)
  kinesis describe-stream-summary  each stream: its ARN
  kinesis increase-stream-retention-period   when retention > 24 h
  iam put-role-policy              `allow_put_to_stream`: the generated policy
                                   `reconcile-put-to-<key>` on that ARN
  pinpoint put-event-stream        the event stream

Prints (and with --json writes) a summary:
  {"calls": N, "seconds": S, "by_operation": {"pinpoint create-segment": n},
   "failed": 0}
and stops at the first failing call (exit 1) with the resource, the command
and the CLI's stderr. Secret values are never printed: they are masked in
any CLI output shown.

Needs PyYAML (awscli depends on it, so `.venv/` has it). The AWS CLI used is
the `aws` next to the running Python (`.venv/bin/aws`), else `--aws PATH`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

# --------------------------------------------------------------------------
# The spec: YAML with scalars as their source text.
#
# reconcile reads a scalar by the type the field wants (a `15.0` written
# where a string is wanted is the string "15.0"; `22:00` is a string, not
# YAML 1.1's sexagesimal number), so the spec is loaded without implicit
# typing and each field is typed below by what the API wants.


class Plain(str):
    """A plain (unquoted) scalar's text."""


def load_spec(path: str):
    with open(path, encoding="utf-8") as f:
        node = yaml.compose(f, Loader=yaml.BaseLoader)
    return _tree(node) if node is not None else {}


def _tree(node):
    if isinstance(node, yaml.MappingNode):
        return {_tree(k): _tree(v) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [_tree(v) for v in node.value]
    if node.style is None:
        if node.value in ("", "~", "null", "Null", "NULL"):
            return None
        return Plain(node.value)
    return str(node.value)


_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


def number(v, where: str):
    text = str(v).strip()
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    raise SpecError(f"{where}: `{text}` is not a number")


def boolean(v, where: str) -> bool:
    text = str(v).strip()
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    raise SpecError(f"{where}: `{text}` is not true or false")


def free_form(v):
    """A free-form document (an IAM policy): plain scalars typed as YAML 1.2's
    core schema types them."""
    if isinstance(v, dict):
        return {str(k): free_form(x) for k, x in v.items()}
    if isinstance(v, list):
        return [free_form(x) for x in v]
    if isinstance(v, Plain):
        if v in ("true", "True", "TRUE", "false", "False", "FALSE"):
            return v.lower() == "true"
        if _INT.match(v) or _FLOAT.match(v):
            return number(v, "")
    return None if v is None else str(v)


class SpecError(Exception):
    pass


# --------------------------------------------------------------------------
# Spec fields to API fields.

# API names that are not the PascalCase of the spec's snake_case.
RENAME = {
    "apns": "APNS",
    "gcm": "GCM",
    "adm": "ADM",
    "apns_message": "APNSMessage",
    "gcm_message": "GCMMessage",
    "adm_message": "ADMMessage",
    "gps_point": "GPSPoint",
    "cloudwatch_metrics_enabled": "CloudWatchMetricsEnabled",
    "tags": "tags",
}
# Fields whose values are numbers or booleans (every other scalar is text).
NUMBERS = {
    "latitude", "longitude", "range_in_kilometers", "value", "time_to_live",
    "daily", "maximum_duration", "messages_per_second", "total", "session",
    "holdout_percent", "priority", "size_percent", "version",
}
BOOLEANS = {
    "silent_push", "is_local_time", "is_paused", "enabled",
    "cloudwatch_metrics_enabled", "event_tagging_enabled",
}
# Maps keyed by user data (attribute and metric names, tag keys): the keys
# are kept as written.
USER_KEYED = {"attributes", "user_attributes", "metrics", "tags"}
# Text fields reconcile trims (`description: " "` is none).
TRIMMED = {"description", "treatment_description", "timezone"}


def api_name(key: str) -> str:
    return RENAME.get(key) or "".join(p[:1].upper() + p[1:] for p in key.split("_"))


def api(value, key: str = "", where: str = ""):
    """A spec value as the API's JSON (keys in the API's case, scalars typed)."""
    if isinstance(value, dict):
        if key in USER_KEYED:
            return {
                str(k): api(v, "metric" if key == "metrics" and not isinstance(v, dict) else "",
                            f"{where}.{k}")
                for k, v in value.items()
            }
        out = {}
        for k, v in value.items():
            if v is None:
                continue
            if k in TRIMMED:
                v = str(v).strip()
                if not v:
                    continue
            out[api_name(k)] = api(v, k, f"{where}.{k}")
        return out
    if isinstance(value, list):
        return [api(v, key, where) for v in value]
    if value is None:
        return None
    if key in NUMBERS or key == "metric":
        return number(value, where)
    if key in BOOLEANS:
        return boolean(value, where)
    return str(value)


def tags_of(item: dict) -> dict:
    return {str(k): str(v) for k, v in (item.get("tags") or {}).items()}


def trust_policy(service: str) -> dict:
    """The trust policy reconcile generates (reconcile_model::trust_policy)."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
        }],
    }


def put_to_stream_policy(stream_arn: str) -> dict:
    """The policy of `allow_put_to_stream` (reconcile_model::put_to_stream_policy)."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["kinesis:PutRecords", "kinesis:DescribeStream"],
            "Resource": stream_arn,
        }],
    }


# The channel update commands, by spec key.
CHANNEL_COMMANDS = {
    "apns": ("update-apns-channel", "--apns-channel-request"),
    "apns_sandbox": ("update-apns-sandbox-channel", "--apns-sandbox-channel-request"),
    "apns_voip": ("update-apns-voip-channel", "--apns-voip-channel-request"),
    "apns_voip_sandbox": ("update-apns-voip-sandbox-channel",
                          "--apns-voip-sandbox-channel-request"),
    "gcm": ("update-gcm-channel", "--gcm-channel-request"),
    "adm": ("update-adm-channel", "--adm-channel-request"),
    "baidu": ("update-baidu-channel", "--baidu-channel-request"),
}
SECRET_REF = re.compile(r"^\$\{(env|file):(.+)\}$")


# --------------------------------------------------------------------------
# Running the CLI.


class CallFailed(Exception):
    pass


def dumps(v) -> str:
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


class Cli:
    """Runs `aws <service> <op> ...`, one process per call, and counts."""

    def __init__(self, aws: str, endpoint: str | None, region: str | None, tmp: str):
        self.aws = aws
        self.common = ["--output", "json"]
        if endpoint:
            self.common += ["--endpoint-url", endpoint]
        if region:
            self.common += ["--region", region]
        self.tmp = tmp
        self.secrets: list[str] = []
        self.calls = 0
        self.by_operation: dict[str, int] = {}
        self.files = 0

    def secret(self, ref: str, base: str) -> str:
        m = SECRET_REF.match(ref.strip())
        if not m:
            return ref
        kind, name = m.groups()
        if kind == "env":
            if name not in os.environ:
                raise SpecError(f"`${{env:{name}}}`: the variable is not set")
            value = os.environ[name]
        else:
            path = name if os.path.isabs(name) else os.path.join(base, name)
            try:
                with open(path, "rb") as f:
                    value = f.read().decode("utf-8")
            except (OSError, UnicodeDecodeError) as e:
                raise SpecError(f"`${{file:{name}}}`: {e.__class__.__name__}: cannot read {path}")
        for line in value.splitlines():
            if len(line.strip()) >= 8:
                self.secrets.append(line.strip())
        if value.strip():
            self.secrets.append(value.strip())
        return value

    def request_file(self, doc) -> str:
        """A `file://` argument holding `doc` (for requests with secrets),
        readable by this user only; the temp dir is deleted at the end."""
        self.files += 1
        path = os.path.join(self.tmp, f"request-{self.files}.json")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(dumps(doc))
        return "file://" + path

    def mask(self, text: str) -> str:
        for s in sorted(set(self.secrets), key=len, reverse=True):
            text = text.replace(s, "[secret]")
        return text

    def __call__(self, what: str, service: str, op: str, *args: str):
        cmd = [self.aws, service, op, *args, *self.common]
        self.calls += 1
        name = f"{service} {op}"
        self.by_operation[name] = self.by_operation.get(name, 0) + 1
        proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8",
                              errors="replace", stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            shown = [a if not a.startswith(("{", "[")) else "<json>" for a in args]
            raise CallFailed(
                f"{what}: `aws {name} {' '.join(shown)}` failed (exit {proc.returncode}):\n"
                + self.mask(proc.stderr.strip() or proc.stdout.strip()))
        out = proc.stdout.strip()
        if not out:
            return {}
        try:
            return json.loads(out)
        except json.JSONDecodeError:
            raise CallFailed(f"{what}: `aws {name}` printed something that is not JSON:\n"
                             + self.mask(out[:500]))


def get(doc, *path):
    for p in path:
        if not isinstance(doc, dict) or p not in doc:
            return None
        doc = doc[p]
    return doc


def need(doc, what: str, *path) -> str:
    v = get(doc, *path)
    if not isinstance(v, (str, int)) or v == "":
        raise CallFailed(f"{what}: the answer has no {'.'.join(path)}")
    return str(v)


# --------------------------------------------------------------------------
# The stack.


def build(spec: dict, base: str, aws: Cli) -> None:
    streams = spec.get("kinesis_streams") or {}
    roles = spec.get("iam_roles") or {}
    stream_arns: dict[str, str] = {}
    role_arns: dict[str, str] = {}

    for key, s in streams.items():
        what = f"kinesis_stream.{key} ({s['name']})"
        mode = str(s.get("stream_mode") or "PROVISIONED")
        args = ["--stream-name", str(s["name"])]
        if mode == "PROVISIONED":
            args += ["--shard-count", str(number(s.get("shard_count") or 1, what))]
        if s.get("stream_mode") is not None:
            args += ["--stream-mode-details", dumps({"StreamMode": mode})]
        if tags_of(s):
            args += ["--tags", dumps(tags_of(s))]
        aws(what, "kinesis", "create-stream", *args)

    for key, r in roles.items():
        what = f"iam_role.{key} ({r['name']})"
        args = ["--role-name", str(r["name"]), "--path", str(r.get("path") or "/"),
                "--assume-role-policy-document",
                dumps(trust_policy(str(r.get("trusted_service") or "pinpoint.amazonaws.com")))]
        description = str(r.get("description") or "").strip()
        if description:
            args += ["--description", description]
        if tags_of(r):
            args += ["--tags", dumps([{"Key": k, "Value": v} for k, v in tags_of(r).items()])]
        out = aws(what, "iam", "create-role", *args)
        role_arns[key] = need(out, what, "Role", "Arn")
        for arn in r.get("managed_policy_arns") or []:
            aws(what, "iam", "attach-role-policy", "--role-name", str(r["name"]),
                "--policy-arn", str(arn))
        for policy, doc in (r.get("inline_policies") or {}).items():
            aws(what, "iam", "put-role-policy", "--role-name", str(r["name"]),
                "--policy-name", str(policy), "--policy-document", dumps(free_form(doc)))

    app = spec["app"]
    what = f"app ({app['name']})"
    req = {"Name": str(app["name"])}
    if tags_of(app):
        req["tags"] = tags_of(app)
    out = aws(what, "pinpoint", "create-app", "--create-application-request", dumps(req))
    app_id = need(out, what, "ApplicationResponse", "Id")
    if app.get("settings"):
        aws("app_settings", "pinpoint", "update-application-settings",
            "--application-id", app_id,
            "--write-application-settings-request", dumps(api(app["settings"])))

    for key, c in (spec.get("channels") or {}).items():
        if key not in CHANNEL_COMMANDS:
            raise SpecError(f"channels.{key}: unknown channel")
        op, flag = CHANNEL_COMMANDS[key]
        c = dict(c or {})
        req = {"Enabled": boolean(c.pop("enabled", "true"), f"channels.{key}.enabled")}
        for field, value in c.items():
            if value is not None:
                req[api_name(field)] = aws.secret(str(value), base)
        aws(f"channel.{key}", "pinpoint", op, "--application-id", app_id,
            flag, aws.request_file(req))

    for endpoint_id, e in (spec.get("endpoints") or {}).items():
        aws(f"endpoint.{endpoint_id}", "pinpoint", "update-endpoint",
            "--application-id", app_id, "--endpoint-id", str(endpoint_id),
            "--endpoint-request", dumps(api(e, "", f"endpoints.{endpoint_id}")))

    segments = spec.get("segments") or {}
    segment_ids: dict[str, str] = {}
    segment_versions: dict[str, int] = {}
    pending = dict(segments)
    while pending:
        # Segment groups name other segments: those are created first.
        ready = [k for k, s in pending.items()
                 if all(str(src.get("segment")) in segment_ids
                        for g in (get(s, "segment_groups", "groups") or [])
                        for src in (g.get("source_segments") or []))]
        if not ready:
            raise SpecError(f"segments {', '.join(sorted(pending))}: their source segments "
                            "are missing or form a cycle")
        for key in ready:
            s = pending.pop(key)
            what = f"segment.{key} ({s['name']})"
            req = {"Name": str(s["name"])}
            if s.get("segment_groups") is not None:
                groups = dict(s["segment_groups"])
                out_groups = []
                for g in groups.pop("groups", None) or []:
                    g = dict(g)
                    sources = [
                        {"Id": segment_ids[str(src["segment"])],
                         **({"Version": number(src["version"], what)}
                            if src.get("version") is not None else {})}
                        for src in g.pop("source_segments", None) or []
                    ]
                    group = api(g, "", what)
                    if sources:
                        group["SourceSegments"] = sources
                    out_groups.append(group)
                req["SegmentGroups"] = api(groups, "", what)
                if out_groups:
                    req["SegmentGroups"]["Groups"] = out_groups
            if s.get("dimensions") is not None or s.get("segment_groups") is None:
                req["Dimensions"] = api(s.get("dimensions") or {}, "", what)
            if tags_of(s):
                req["tags"] = tags_of(s)
            out = aws(what, "pinpoint", "create-segment", "--application-id", app_id,
                      "--write-segment-request", dumps(req))
            segment_ids[key] = need(out, what, "SegmentResponse", "Id")
            segment_versions[key] = int(need(out, what, "SegmentResponse", "Version"))

    templates = spec.get("templates") or {}
    for key, t in templates.items():
        what = f"template.{key} ({t['name']})"
        t = dict(t)
        name = str(t.pop("name"))
        req = {}
        description = str(t.pop("description", None) or "").strip()
        if description:
            req["TemplateDescription"] = description
        subs = t.pop("default_substitutions", None)
        if subs:
            req["DefaultSubstitutions"] = dumps({str(k): str(v) for k, v in subs.items()})
        req.update(api(t, "", what))
        aws(what, "pinpoint", "create-push-template", "--template-name", name,
            "--push-notification-template-request", dumps(req))

    def template_configuration(item: dict, what: str) -> dict | None:
        key = item.get("template")
        if key is None:
            return None
        if str(key) not in templates:
            raise SpecError(f"{what}: template `{key}` is not in `templates`")
        push = {"Name": str(templates[str(key)]["name"])}
        if item.get("template_version") is not None:
            push["Version"] = str(number(item["template_version"], what))
        return {"PushTemplate": push}

    def schedule(s: dict, what: str) -> dict:
        s = dict(s)
        start = str(s.pop("start_time")).strip()
        out = {"StartTime": "IMMEDIATE" if start.lower() == "immediate" else start}
        out.update(api(s, "", what))
        return out

    for key, c in (spec.get("campaigns") or {}).items():
        what = f"campaign.{key} ({c['name']})"
        c = dict(c)
        seg = str(c.pop("segment"))
        if seg not in segment_ids:
            raise SpecError(f"{what}: segment `{seg}` is not in `segments`")
        version = c.pop("segment_version", None)
        req = {
            "Name": str(c.pop("name")),
            "SegmentId": segment_ids[seg],
            "SegmentVersion": (segment_versions[seg]
                               if version is None or str(version) == "latest"
                               else number(version, what)),
        }
        tpl = template_configuration(c, what)
        c.pop("template", None)
        c.pop("template_version", None)
        if tpl:
            req["TemplateConfiguration"] = tpl
        req["Schedule"] = schedule(c.pop("schedule"), what)
        treatments = []
        for i, t in enumerate(c.pop("additional_treatments", None) or []):
            w = f"{what} additional_treatments[{i}]"
            t = dict(t)
            out_t = {}
            tpl = template_configuration(t, w)
            t.pop("template", None)
            t.pop("template_version", None)
            if tpl:
                out_t["TemplateConfiguration"] = tpl
            if t.get("schedule") is not None:
                out_t["Schedule"] = schedule(t.pop("schedule"), w)
            out_t.update(api(t, "", w))
            treatments.append(out_t)
        if treatments:
            req["AdditionalTreatments"] = treatments
        req.update(api(c, "", what))
        aws(what, "pinpoint", "create-campaign", "--application-id", app_id,
            "--write-campaign-request", dumps(req))

    for key, a in (spec.get("alarms") or {}).items():
        what = f"alarm.{key} ({a['name']})"
        dims = [{"Name": "ApplicationId", "Value": app_id}]
        dims += [{"Name": str(k), "Value": str(v)}
                 for k, v in (a.get("dimensions") or {}).items() if str(k) != "ApplicationId"]
        args = [
            "--alarm-name", str(a["name"]),
            "--metric-name", str(a["metric_name"]),
            "--namespace", str(a.get("namespace") or "AWS/Pinpoint"),
            "--statistic", str(a["statistic"]),
            "--period", str(number(a["period"], what)),
            "--threshold", str(number(a["threshold"], what)),
            "--comparison-operator", str(a["comparison_operator"]),
            "--evaluation-periods", str(number(a["evaluation_periods"], what)),
            "--dimensions", dumps(dims),
        ]
        description = str(a.get("description") or "").strip()
        if description:
            args += ["--alarm-description", description]
        if a.get("datapoints_to_alarm") is not None:
            args += ["--datapoints-to-alarm", str(number(a["datapoints_to_alarm"], what))]
        if a.get("treat_missing_data") is not None:
            args += ["--treat-missing-data", str(a["treat_missing_data"])]
        if a.get("actions_enabled") is not None:
            enabled = boolean(a["actions_enabled"], what)
            args += ["--actions-enabled" if enabled else "--no-actions-enabled"]
        for field, flag in (("alarm_actions", "--alarm-actions"), ("ok_actions", "--ok-actions"),
                            ("insufficient_data_actions", "--insufficient-data-actions")):
            if a.get(field):
                args += [flag, *[str(x) for x in a[field]]]
        if tags_of(a):
            args += ["--tags", dumps([{"Key": k, "Value": v} for k, v in tags_of(a).items()])]
        aws(what, "cloudwatch", "put-metric-alarm", *args)

    for key, s in streams.items():
        what = f"kinesis_stream.{key} ({s['name']})"
        aws(what, "kinesis", "wait", "stream-exists", "--stream-name", str(s["name"]))
        out = aws(what, "kinesis", "describe-stream-summary", "--stream-name", str(s["name"]))
        stream_arns[key] = need(out, what, "StreamDescriptionSummary", "StreamARN")
        hours = s.get("retention_period_hours")
        if hours is not None and number(hours, what) > 24:
            aws(what, "kinesis", "increase-stream-retention-period",
                "--stream-name", str(s["name"]), "--retention-period-hours", str(number(hours, what)))

    for key, r in roles.items():
        stream = r.get("allow_put_to_stream")
        if stream is None:
            continue
        what = f"iam_role.{key} ({r['name']})"
        if str(stream) not in stream_arns:
            raise SpecError(f"{what}: allow_put_to_stream `{stream}` is not in `kinesis_streams`")
        aws(what, "iam", "put-role-policy", "--role-name", str(r["name"]),
            "--policy-name", f"reconcile-put-to-{stream}",
            "--policy-document", dumps(put_to_stream_policy(stream_arns[str(stream)])))

    es = spec.get("event_stream")
    if es:
        def arn(value, known: dict, kind: str) -> str:
            value = str(value)
            if value.startswith("arn:"):
                return value
            if value not in known:
                raise SpecError(f"event_stream: `{value}` is not in `{kind}` nor an ARN")
            return known[value]
        req = {"DestinationStreamArn": arn(es["stream"], stream_arns, "kinesis_streams"),
               "RoleArn": arn(es["role"], role_arns, "iam_roles")}
        aws("event_stream", "pinpoint", "put-event-stream", "--application-id", app_id,
            "--write-event-stream", dumps(req))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("spec", help="the reconcile spec (YAML)")
    p.add_argument("--endpoint-url", help="the AWS endpoint (an emulator); default AWS's")
    p.add_argument("--json", metavar="OUT", help="also write the summary here")
    p.add_argument("--aws", help="the AWS CLI (default: `aws` next to this Python, else PATH)")
    a = p.parse_args()

    aws_bin = a.aws or os.path.join(os.path.dirname(sys.executable), "aws")
    if not os.path.exists(aws_bin):
        aws_bin = shutil.which("aws") or ""
    if not aws_bin:
        print("error: no AWS CLI found (run scripts/setup-python.sh, or give --aws)",
              file=sys.stderr)
        return 2
    try:
        spec = load_spec(a.spec)
    except (OSError, yaml.YAMLError) as e:
        print(f"error: {a.spec}: {e}", file=sys.stderr)
        return 2
    if not isinstance(spec, dict) or not isinstance(spec.get("app"), dict):
        print(f"error: {a.spec}: not a reconcile spec (no `app`)", file=sys.stderr)
        return 2
    region = str(spec["region"]) if spec.get("region") else None
    base = os.path.dirname(os.path.abspath(a.spec))

    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="cli-stack-")
    cli = Cli(aws_bin, a.endpoint_url, region, tmp)
    error = None
    try:
        build(spec, base, cli)
    except (CallFailed, SpecError) as e:
        error = str(e)
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        error = f"the spec is not what reconcile accepts ({e.__class__.__name__}: {e})"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    summary = {
        "calls": cli.calls,
        "seconds": round(time.monotonic() - started, 3),
        "by_operation": dict(sorted(cli.by_operation.items())),
        "failed": 1 if error else 0,
    }
    if error:
        summary["error"] = error
        print(f"error: {error}", file=sys.stderr)
    text = json.dumps(summary, indent=2)
    print(text)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 1 if error else 0


if __name__ == "__main__":
    sys.exit(main())
