//! Taking over a stack built by hand with the recipe's own AWS CLI commands
//! (`plan` reports conflicts; `plan --adopt` shows the differences only;
//! `apply --adopt` tags everything in place).
//!
//! A `reconcile emulator` process serves the account. The recipe's commands
//! (steps "Preparation" to 10, `tests/py/recipe_stack.py`, which reuses the
//! emulator's recipe test) run through the AWS CLI of `.venv/` with a fixed
//! `RANDOM_SUFFIX`, so that the names are known. Without `.venv/bin/aws`
//! the test prints a note and passes without running
//! (`scripts/setup-python.sh` installs it; `scripts/test` runs that first).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Output, Stdio};

use serde_json::Value;

use crate::util::{Scratch, demo_secrets, expect_code, has_aws_cli, recipe_stack, stderr, stdout};

/// The recipe's `RANDOM_SUFFIX`, fixed.
const SUFFIX: &str = "t3st42";

/// The stack of `specs/flash-sale.yaml`.
const STACK: &str = "flash-sale";

/// A `reconcile emulator` child process, killed on drop.
struct EmulatorProcess {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    url: String,
}

impl EmulatorProcess {
    fn spawn(state: &Path, log: &Path) -> Self {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("reconcile"))
            .args(["emulator", "--port", "0", "--state"])
            .arg(state)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).expect("emulator log file"))
            .spawn()
            .expect("reconcile emulator starts");
        let mut out = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut url = String::new();
        out.read_line(&mut url)
            .expect("the emulator prints its URL");
        let url = url.trim().to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "first line: {url:?}");
        Self {
            child,
            _stdout: out,
            url,
        }
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `specs/flash-sale.yaml` with the recipe's names. Everything else is the
/// example spec as it is, credentials included (the demo files; the
/// recipe's channels hold placeholder values).
fn recipe_spec(s: &Scratch) -> &'static str {
    let example = std::fs::read_to_string(s.spec("flash-sale.yaml")).unwrap();
    let mut spec = example.clone();
    for (from, to) in [
        (
            "name: PinpointServiceRole-flash-sale\n",
            format!("name: PinpointServiceRole-{SUFFIX}\n"),
        ),
        (
            "name: pinpoint-events-flash-sale\n",
            format!("name: pinpoint-events-{SUFFIX}\n"),
        ),
        (
            "name: ecommerce-mobile-app\n",
            format!("name: ecommerce-mobile-app-{SUFFIX}\n"),
        ),
        (
            "name: PinpointPushFailures-flash-sale\n",
            format!("name: PinpointPushFailures-{SUFFIX}\n"),
        ),
        (
            "name: PinpointDeliveryRate-flash-sale\n",
            format!("name: PinpointDeliveryRate-{SUFFIX}\n"),
        ),
    ] {
        assert_eq!(
            spec.matches(from).count(),
            1,
            "`{from}` in the example spec"
        );
        spec = spec.replace(from, &to);
    }
    // The recipe's own names, unchanged.
    for name in [
        "name: high-value-customers\n",
        "name: flash-sale-template\n",
        "name: flash-sale-notification\n",
    ] {
        assert!(spec.contains(name), "`{name}` in the example spec");
    }
    std::fs::write(s.spec("recipe.yaml"), spec).unwrap();
    "specs/recipe.yaml"
}

/// `reconcile <args> --endpoint-url URL` with dummy credentials and no AWS
/// configuration from the machine.
fn run(s: &Scratch, url: &str, args: &[&str]) -> Output {
    s.cmd_isolated()
        .args(args)
        .args(["--endpoint-url", url, "--api", "classic"])
        .output()
        .expect("binary runs")
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: not JSON:\n{}\n{}", stdout(o), stderr(o)))
}

/// Every resource of the recipe, as the spec addresses it. All of them
/// exist after the recipe's commands.
const RECIPE: [&str; 13] = [
    "alarm.delivery_rate",
    "alarm.push_failures",
    "app",
    "campaign.flash_sale",
    "channel.apns",
    "channel.gcm",
    "endpoint.android-user-002",
    "endpoint.ios-user-001",
    "event_stream",
    "iam_role.pinpoint_events",
    "kinesis_stream.events",
    "segment.high_value_customers",
    "template.flash_sale",
];

/// The real differences between what the recipe's commands built and the
/// spec, by address (the changed fields `plan --adopt` must show, and no
/// other):
///
/// - `iam_role.pinpoint_events`: the spec describes the role and gives it
///   the least-privilege inline policy `reconcile-put-to-events`
///   (`allow_put_to_stream`: `kinesis:PutRecords` + `DescribeStream` on the
///   events stream only); the recipe's `create-role` has no description and
///   only the managed policy.
/// - `app`: the spec tags the app `team: growth`; the recipe's has no tags.
/// - `template.flash_sale`: the spec describes the template; the recipe's
///   `create-push-template` has no description.
/// - `channel.apns`, `channel.gcm`: credentials are write-only, so AWS never
///   returns them and the recipe recorded no fingerprint of them: nothing can
///   tell whether the live ones (the recipe's placeholders) equal the
///   spec's. The first adopt therefore shows "credentials changed" (the
///   fingerprint, masked) and apply writes the spec's credentials and keeps
///   their fingerprint, so the plan after it shows no change. Assuming them
///   equal would silently keep whatever the account has (here, the recipe's
///   `Replace with your actual certificate` placeholders).
///
/// Equal, so absent: the stream (1 shard), the role's trust policy and
/// managed policy, the endpoints, the segment, the template's messages, the
/// event stream, the alarms (their `ApplicationId` dimension is the adopted
/// app's id), and the campaign. The campaign does differ from the spec in
/// one field, `schedule.timezone` (the recipe sends `America/New_York`, a
/// spec can only say `UTC-05`), but the recipe's campaign starts
/// `IMMEDIATE`, so it has run (`COMPLETED`) by the time anyone adopts it,
/// and AWS does not change a campaign that has run (re-creating it would
/// send it again). No change can make them equal: the plan shows the
/// campaign's adoption only, and a warning on stderr names the field.
fn expected_differences() -> BTreeMap<&'static str, Vec<&'static str>> {
    let mut want: BTreeMap<&str, Vec<&str>> = RECIPE.iter().map(|a| (*a, Vec::new())).collect();
    // The recipe attaches `AmazonPinpointServiceRole`, which the example
    // spec leaves out (it is not an AWS managed policy): adopting detaches it.
    want.insert(
        "iam_role.pinpoint_events",
        vec![
            "/description",
            "/allow_put_to_stream",
            "/managed_policy_arns",
        ],
    );
    want.insert("app", vec!["/tags"]);
    want.insert("template.flash_sale", vec!["/description"]);
    want.insert("channel.apns", vec!["/write_only_fingerprint"]);
    want.insert("channel.gcm", vec!["/write_only_fingerprint"]);
    want
}

/// Filters for what differs between runs: server-generated ids.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"\b[0-9a-f]{32}\b", "[id]");
    s.set_prepend_module_to_snapshot(false);
    s
}

/// The value of tag `key` on a resource of the emulator's state (a map, or
/// a list of `{key, value}` as IAM and CloudWatch keep them).
fn tag<'a>(resource: &'a Value, key: &str) -> Option<&'a str> {
    match &resource["tags"] {
        Value::Object(m) => m.get(key).and_then(Value::as_str),
        Value::Array(list) => list
            .iter()
            .find(|t| t["key"] == key)
            .and_then(|t| t["value"].as_str()),
        _ => None,
    }
}

fn entries(v: &Value) -> Vec<&Value> {
    v.as_object()
        .map(|m| m.values().collect())
        .unwrap_or_default()
}

#[test]
fn a_stack_built_with_the_recipes_commands_is_reported_then_adopted_in_place() {
    if !has_aws_cli() {
        return;
    }
    let s = Scratch::new();
    let state_file = s.path().join("emu.json");
    let em = EmulatorProcess::spawn(&state_file, &s.path().join("emu.log"));
    let vars = recipe_stack(&s, &em.url, SUFFIX);
    assert_eq!(vars["suffix"], SUFFIX);
    let spec = recipe_spec(&s);
    let secrets = demo_secrets();
    let mut outputs: Vec<(String, Output)> = Vec::new();

    // 1. Without --adopt: every resource of the recipe is a conflict (those
    // with a name, and what lives in the recipe's app), nothing is deleted
    // or updated, and the plan fails.
    let plan = run(&s, &em.url, &["plan", spec, "--format", "json"]);
    expect_code(&plan, 1);
    let value = json(&plan);
    let conflicts: BTreeMap<String, &Value> = value["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["address"].as_str().unwrap().to_owned(), c))
        .collect();
    assert_eq!(
        conflicts.keys().map(String::as_str).collect::<Vec<_>>(),
        RECIPE,
        "{value:#}"
    );
    for (address, c) in &conflicts {
        assert_eq!(c["owner"], Value::Null, "{address}: {c}");
        assert!(
            c["message"].as_str().unwrap().contains("--adopt"),
            "{address}: {c}"
        );
    }
    assert_eq!(conflicts["app"]["live_id"], vars["app_id"].as_str());
    assert_eq!(
        conflicts["segment.high_value_customers"]["live_id"],
        vars["segment_id"].as_str()
    );
    assert_eq!(
        conflicts["campaign.flash_sale"]["live_id"],
        vars["campaign_id"].as_str()
    );
    assert_eq!(
        conflicts["iam_role.pinpoint_events"]["live_id"],
        vars["role_arn"].as_str()
    );
    for c in value["changes"].as_array().unwrap() {
        assert_eq!(c["action"], "create", "{c}");
        assert_eq!(
            c["reason"], "a namesake exists that this stack does not own (see conflicts)",
            "{c}"
        );
    }
    let text = run(&s, &em.url, &["plan", spec]);
    expect_code(&text, 1);
    assert!(
        stdout(&text).contains("hint: `--adopt` takes over resources that belong to no stack"),
        "{}",
        stdout(&text)
    );
    outputs.push(("plan (json)".into(), plan));

    // 2. With --adopt: every resource is adopted in place, and the only
    // field changes are the real differences.
    let plan = run(&s, &em.url, &["plan", spec, "--adopt", "--format", "json"]);
    expect_code(&plan, 0);
    let value = json(&plan);
    assert_eq!(value["conflicts"], serde_json::json!([]), "{value:#}");
    assert_eq!(value["unavailable"], serde_json::json!([]), "{value:#}");
    assert_eq!(value["summary"]["adopt"], RECIPE.len(), "{value:#}");
    let mut got: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in value["changes"].as_array().unwrap() {
        let address = c["address"].as_str().unwrap();
        assert_eq!(c["action"], "update", "{c}");
        assert_eq!(c["adopt"], true, "{c}");
        let reason = c["reason"].as_str().unwrap();
        assert!(reason.starts_with("take ownership"), "{c}");
        if address.starts_with("channel.") {
            assert!(reason.ends_with("credentials changed"), "{c}");
        }
        let paths = c["changed_paths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        got.insert(address, paths);
    }
    assert_eq!(got, expected_differences());
    // The campaign's one difference, which no change can make: a warning.
    let logs = stderr(&plan);
    assert!(
        logs.contains("campaign.flash_sale")
            && logs.contains("has completed")
            && logs.contains("/schedule/timezone"),
        "{logs}"
    );
    let adopt_text = run(
        &s,
        &em.url,
        &["plan", spec, "--adopt", "--detailed-exitcode"],
    );
    expect_code(&adopt_text, 2);
    outputs.push(("plan --adopt (json)".into(), plan));

    settings().bind(|| {
        insta::assert_snapshot!("adopt_recipe_conflicts_text", stdout(&text));
        insta::assert_snapshot!("adopt_recipe_differences_text", stdout(&adopt_text));
    });
    outputs.push(("plan".into(), text));
    outputs.push(("plan --adopt".into(), adopt_text));

    // 3. Apply the adoption; then the account matches the spec.
    let apply = run(&s, &em.url, &["apply", spec, "--adopt", "--auto-approve"]);
    expect_code(&apply, 0);
    let after = run(&s, &em.url, &["plan", spec, "--detailed-exitcode"]);
    expect_code(&after, 0);
    assert!(stdout(&after).contains("No changes."), "{}", stdout(&after));
    outputs.push(("apply --adopt".into(), apply));
    outputs.push(("plan after apply".into(), after));

    // Each resource once (nothing created beside the recipe's), the same
    // ids as the recipe's, each tagged with the stack.
    let state: Value =
        serde_json::from_slice(&std::fs::read(&state_file).unwrap()).expect("state is JSON");
    let owned = |what: &str, r: &Value, key: &str| {
        assert_eq!(tag(r, "reconcile:stack"), Some(STACK), "{what}: {r}");
        assert_eq!(tag(r, "reconcile:key"), Some(key), "{what}: {r}");
    };
    let apps = entries(&state["pinpoint"]["apps"]);
    assert_eq!(apps.len(), 1, "apps: {}", state["pinpoint"]["apps"]);
    let app = apps[0];
    assert_eq!(app["id"], vars["app_id"].as_str());
    assert_eq!(app["name"], format!("ecommerce-mobile-app-{SUFFIX}"));
    owned("app", app, "app");
    assert_eq!(tag(app, "team"), Some("growth"));
    let segments = entries(&app["segments"]);
    assert_eq!(segments.len(), 1, "segments: {}", app["segments"]);
    assert_eq!(segments[0]["id"], vars["segment_id"].as_str());
    owned("segment", segments[0], "segment/high_value_customers");
    let campaigns = entries(&app["campaigns"]);
    assert_eq!(campaigns.len(), 1, "campaigns: {}", app["campaigns"]);
    assert_eq!(campaigns[0]["id"], vars["campaign_id"].as_str());
    owned("campaign", campaigns[0], "campaign/flash_sale");
    assert_eq!(entries(&app["endpoints"]).len(), 2, "{}", app["endpoints"]);
    let templates = entries(&state["pinpoint"]["templates"]);
    assert_eq!(templates.len(), 1, "{}", state["pinpoint"]["templates"]);
    owned("template", templates[0], "template/flash_sale");
    let roles = entries(&state["iam"]["roles"]);
    assert_eq!(roles.len(), 1, "{}", state["iam"]["roles"]);
    assert_eq!(roles[0]["arn"], vars["role_arn"].as_str());
    owned("role", roles[0], "iam_role/pinpoint_events");
    let streams = entries(&state["kinesis"]["streams"]);
    assert_eq!(streams.len(), 1, "{}", state["kinesis"]["streams"]);
    assert_eq!(streams[0]["name"], format!("pinpoint-events-{SUFFIX}"));
    owned("stream", streams[0], "kinesis_stream/events");
    let alarms = state["cloudwatch"]["alarms"].as_object().unwrap();
    assert_eq!(alarms.len(), 2, "{alarms:?}");
    owned(
        "alarm",
        &alarms[&format!("PinpointPushFailures-{SUFFIX}")],
        "alarm/push_failures",
    );
    owned(
        "alarm",
        &alarms[&format!("PinpointDeliveryRate-{SUFFIX}")],
        "alarm/delivery_rate",
    );

    assert!(!secrets.is_empty(), "the demo secrets were not found");
    for (what, o) in &outputs {
        for secret in &secrets {
            assert!(
                !stdout(o).contains(secret.as_str()) && !stderr(o).contains(secret.as_str()),
                "a demo secret appears in the output of {what}"
            );
        }
    }
}
