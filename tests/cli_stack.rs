//! The benchmarks' baseline, `scripts/cli-stack.py` (the recipe's way: one
//! AWS CLI process per API call, in sequence), builds the same stack as
//! `reconcile apply`: after it, `reconcile plan --adopt` on the same spec
//! finds every resource, creates nothing and shows no field difference
//! (the channels aside: their credentials are write-only, so the first
//! adoption shows "credentials changed", as `tests/adopt.rs` explains).
//!
//! The spec is written by `scripts/gen-stack.py` (a small mix with an
//! immediate campaign with its own message and a scheduled one with a
//! template); the CLI runs against a `reconcile emulator` process. Without
//! `.venv/bin/aws` the test prints a note and passes without running
//! (`scripts/setup-python.sh` installs it).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::external::External;
use crate::util::{
    Scratch, demo_secrets, expect_code, has_aws_cli, root, stderr, stdout, venv_bin,
};

/// 14 resources: the 6 fixed ones, 3 endpoints, 1 segment, 1 template,
/// 2 campaigns (one immediate with a message, one scheduled with the
/// template) and 1 alarm.
const SIZE: &str = "14";
const MIX: &str = "endpoints=20,segments=20,templates=10,campaigns=30,alarms=20";

/// `.venv/bin/python scripts/cli-stack.py <spec> --endpoint-url URL --json
/// OUT`, with dummy credentials, no AWS configuration from the machine, and
/// its temporary files under `tmp`.
fn cli_stack(s: &Scratch, spec: &Path, url: &str, summary: &Path, tmp: &Path) -> Output {
    let (config, credentials) = (
        s.path().join("aws-config"),
        s.path().join("aws-credentials"),
    );
    for empty in [&config, &credentials] {
        std::fs::write(empty, "").unwrap();
    }
    Command::new(venv_bin().join("python"))
        .arg(root().join("scripts/cli-stack.py"))
        .arg(spec)
        .args(["--endpoint-url", url, "--json"])
        .arg(summary)
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "emulator-secret")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("TMPDIR", tmp)
        .env("PYTHONIOENCODING", "utf-8")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .output()
        .expect("python runs")
}

fn json_file(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: not JSON:\n{text}"))
}

/// `kinesis describe-stream-summary` -> `kinesis:describestreamsummary`, as
/// the emulator counts requests (`Service:Operation`, compared without case);
/// the waiter is one `DescribeStream` when the stream is already `ACTIVE`.
fn api_operation(cli: &str) -> String {
    let (service, op) = cli.split_once(' ').expect("`service op`");
    let op = if op == "wait" { "describe-stream" } else { op };
    format!("{service}:{}", op.replace('-', ""))
}

#[test]
fn the_recipes_way_builds_the_stack_reconcile_adopts_without_a_difference() {
    if !has_aws_cli() {
        return;
    }
    let s = Scratch::new();
    let spec = s.path().join("bench").join("s.yaml");
    std::fs::create_dir_all(spec.parent().unwrap()).unwrap();
    let generated = Command::new("python3")
        .arg(root().join("scripts/gen-stack.py"))
        .args([SIZE, "--mix", MIX, "--out"])
        .arg(&spec)
        .output()
        .expect("python3 runs");
    expect_code(&generated, 0);
    let text = std::fs::read_to_string(&spec).unwrap();
    for kind in [
        "start_time: immediate",
        "start_time: 2031-",
        "    template: tpl_",
        "    message_configuration:",
        "allow_put_to_stream:",
    ] {
        assert!(text.contains(kind), "`{kind}` not in the generated spec");
    }

    let em = External::start(&s);
    let tmp = s.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let summary_file = s.path().join("summary.json");
    let built = cli_stack(&s, &spec, &em.url, &summary_file, &tmp);
    expect_code(&built, 0);
    let summary = json_file(&summary_file);
    assert_eq!(summary["failed"], 0, "{summary:#}");
    let by_operation: BTreeMap<String, u64> =
        serde_json::from_value(summary["by_operation"].clone()).unwrap();
    let calls = summary["calls"].as_u64().unwrap();
    assert_eq!(by_operation.values().sum::<u64>(), calls, "{summary:#}");
    // 14 resources: one call each, plus the stream's waiter and ARN, the
    // role's generated policy once the ARN is known.
    assert_eq!(calls, 17, "{summary:#}");
    for (op, n) in [
        ("pinpoint create-app", 1),
        ("pinpoint update-endpoint", 3),
        ("pinpoint create-segment", 1),
        ("pinpoint create-push-template", 1),
        ("pinpoint create-campaign", 2),
        ("cloudwatch put-metric-alarm", 1),
        ("iam put-role-policy", 1),
    ] {
        assert_eq!(by_operation.get(op), Some(&n), "{op}: {summary:#}");
    }
    assert!(summary["seconds"].as_f64().unwrap() > 0.0, "{summary:#}");
    // One process, one request: what the emulator served is what the
    // summary counts.
    let served: BTreeMap<String, u64> = em
        .counts()
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for (op, n) in &by_operation {
        *expected.entry(api_operation(op)).or_default() += n;
    }
    assert_eq!(served, expected, "{summary:#}");
    // The request files with the channels' credentials are gone.
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "files left in TMPDIR"
    );

    // Adopted as it is: found, nothing created, no field differs.
    let spec_arg = spec.to_str().unwrap();
    let plan = em.run(&s, &["plan", spec_arg, "--adopt", "--format", "json"]);
    expect_code(&plan, 0);
    let value: Value = serde_json::from_slice(&plan.stdout)
        .unwrap_or_else(|e| panic!("{e}: not JSON:\n{}\n{}", stdout(&plan), stderr(&plan)));
    assert_eq!(value["conflicts"], serde_json::json!([]), "{value:#}");
    assert_eq!(value["unavailable"], serde_json::json!([]), "{value:#}");
    assert_eq!(
        value["summary"],
        serde_json::json!({
            "create": 0, "update": 14, "replace": 0, "delete": 0, "no_op": 0, "adopt": 14
        }),
        "{value:#}"
    );
    let changes = value["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 14, "{value:#}");
    for c in changes {
        let address = c["address"].as_str().unwrap();
        assert_eq!(c["action"], "update", "{c}");
        assert_eq!(c["adopt"], true, "{c}");
        let reason = c["reason"].as_str().unwrap();
        assert!(reason.starts_with("take ownership"), "{c}");
        let paths: Vec<&str> = c["changed_paths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        if address.starts_with("channel.") {
            assert_eq!(paths, ["/write_only_fingerprint"], "{c}");
            assert!(reason.ends_with("credentials changed"), "{c}");
        } else {
            assert!(paths.is_empty(), "{address} differs: {c}");
        }
    }
    // A campaign that has run reads as its spec, with a warning naming the
    // fields that differ: none may.
    assert!(!stderr(&plan).contains("WARN"), "{}", stderr(&plan));

    // The first failing call stops the run, naming the resource and the
    // CLI's error: the stream exists now.
    let again_file = s.path().join("again.json");
    let failed = cli_stack(&s, &spec, &em.url, &again_file, &tmp);
    expect_code(&failed, 1);
    let err = stderr(&failed);
    assert!(
        err.contains("kinesis_stream.events (bench-14-events)")
            && err.contains("kinesis create-stream")
            && err.contains("ResourceInUseException"),
        "{err}"
    );
    let again = json_file(&again_file);
    assert_eq!(again["failed"], 1, "{again:#}");
    assert_eq!(again["calls"], 1, "{again:#}");

    let secrets = demo_secrets();
    assert!(!secrets.is_empty(), "the demo secrets were not found");
    for (what, o) in [
        ("cli-stack", &built),
        ("plan --adopt", &plan),
        ("cli-stack (failed)", &failed),
    ] {
        for secret in &secrets {
            assert!(
                !stdout(o).contains(secret.as_str()) && !stderr(o).contains(secret.as_str()),
                "a demo secret appears in the output of {what}"
            );
        }
    }
}
