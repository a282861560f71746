//! Injected faults: against an emulator that answers 500s, throttles and
//! loses responses (5% each, seeded), a 200-resource stack is applied and
//! then changed (seed 1) or destroyed (seed 2), and an apply whose last step
//! fails rolls back (seed 3). Each converges with no duplicate resource,
//! nothing left behind, and consistent journals.
//!
//! Each seed reports its runs, requests and time on stderr (`--nocapture`).
#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};

use crate::external::{External, owned};
use crate::util::{Scratch, demo_secrets, expect_code, stderr, stdout};

const STACK: &str = "big-stack";
/// The big stack's shape: the first version, or a change of it.
#[derive(Clone, Copy)]
struct Shape {
    endpoints: usize,
    campaigns: usize,
    /// Templates `tpl_00..` whose body changes.
    new_bodies: usize,
    /// Segments `seg_00..` whose dimension changes.
    new_dimensions: usize,
    /// The first alarm's threshold.
    first_threshold: u32,
}

const SEGMENTS: usize = 50;
const TEMPLATES: usize = 40;
const ALARMS: usize = 4;

/// Exactly 200 resources: a role, a stream, the app, APNs and FCM channels,
/// 60 endpoints, 50 segments, 40 push templates, 40 campaigns (half on a
/// template, half with their own message; half `immediate`, half in 2030),
/// the event stream and 4 alarms.
const FIRST: Shape = Shape {
    endpoints: 60,
    campaigns: 40,
    new_bodies: 0,
    new_dimensions: 0,
    first_threshold: 1,
};

/// A change of [`FIRST`] with every kind of step: 10 endpoints and 5
/// campaigns deleted, 10 template bodies, 5 segment dimensions (whose
/// campaigns follow) and an alarm threshold updated.
const CHANGED: Shape = Shape {
    endpoints: 50,
    campaigns: 35,
    new_bodies: 10,
    new_dimensions: 5,
    first_threshold: 7,
};

/// The spec of the big stack in `shape`.
fn big_spec(shape: Shape) -> String {
    let mut y = String::new();
    let _ = writeln!(y, "stack: {STACK}\nregion: us-east-1");
    y.push_str(
        "iam_roles:\n  events:\n    name: PinpointEventsRole-big-stack\n    allow_put_to_stream: events\n\
         kinesis_streams:\n  events:\n    name: pinpoint-events-big-stack\n\
         app:\n  name: big-app\n  tags:\n    team: growth\n\
         channels:\n  apns:\n    certificate: ${file:demo/apns-certificate.pem}\n    \
         private_key: ${file:demo/apns-certificate-key.pem}\n  \
         gcm:\n    api_key: ${file:demo/fcm-server-key.txt}\n",
    );
    y.push_str("endpoints:\n");
    for i in 0..shape.endpoints {
        let (channel, platform) = if i % 2 == 0 {
            ("APNS", "iOS")
        } else {
            ("GCM", "Android")
        };
        let _ = write!(
            y,
            "  device-{i:03}:\n    channel_type: {channel}\n    address: token-{i:03}\n    \
             attributes:\n      Tier: [tier-{}]\n    demographic:\n      platform: {platform}\n    \
             user:\n      user_id: user-{i:03}\n",
            i % 5
        );
    }
    y.push_str("segments:\n");
    for i in 0..SEGMENTS {
        let tier = if i < shape.new_dimensions {
            format!("tier-{}-new", i % 5)
        } else {
            format!("tier-{}", i % 5)
        };
        let _ = write!(
            y,
            "  seg_{i:02}:\n    name: segment-{i:02}\n    dimensions:\n      attributes:\n        \
             Tier:\n          values: [{tier}]\n"
        );
    }
    y.push_str("templates:\n");
    for i in 0..TEMPLATES {
        let changed = if i < shape.new_bodies { " (new)" } else { "" };
        let _ = write!(
            y,
            "  tpl_{i:02}:\n    name: template-{i:02}\n    default:\n      title: Title {i}\n      \
             body: Body number {i}{changed}\n"
        );
    }
    y.push_str("campaigns:\n");
    for i in 0..shape.campaigns {
        let _ = write!(
            y,
            "  camp_{i:02}:\n    name: campaign-{i:02}\n    segment: seg_{i:02}\n"
        );
        if i % 2 == 0 {
            let _ = writeln!(y, "    template: tpl_{i:02}");
        } else {
            let _ = write!(
                y,
                "    message_configuration:\n      default_message:\n        title: Hello {i}\n        \
                 body: Campaign body {i}\n"
            );
        }
        if i % 4 < 2 {
            y.push_str("    schedule:\n      start_time: immediate\n");
        } else {
            y.push_str("    schedule:\n      start_time: \"2030-01-01T09:00:00Z\"\n");
        }
    }
    y.push_str("event_stream:\n  stream: events\n  role: events\n");
    y.push_str("alarms:\n");
    for i in 0..ALARMS {
        let threshold = if i == 0 {
            shape.first_threshold
        } else {
            i as u32 + 1
        };
        let _ = write!(
            y,
            "  alarm_{i}:\n    name: BigStackAlarm-{i}\n    metric_name: DirectSendMessagePermanentFailure\n    \
             statistic: Sum\n    period: 300\n    threshold: {threshold}\n    \
             comparison_operator: GreaterThanThreshold\n    evaluation_periods: 1\n"
        );
    }
    y
}

/// What a spec of `shape` puts in the account, as [`owned`] counts it: one
/// of each.
fn wanted(shape: Shape) -> BTreeMap<&'static str, BTreeMap<String, usize>> {
    let one = |keys: Vec<String>| keys.into_iter().map(|k| (k, 1)).collect();
    BTreeMap::from([
        ("app", one(vec!["app".into()])),
        ("channel", one(vec!["apns".into(), "gcm".into()])),
        (
            "endpoint",
            one((0..shape.endpoints)
                .map(|i| format!("device-{i:03}"))
                .collect()),
        ),
        (
            "segment",
            one((0..SEGMENTS)
                .map(|i| format!("segment/seg_{i:02}"))
                .collect()),
        ),
        (
            "campaign",
            one((0..shape.campaigns)
                .map(|i| format!("campaign/camp_{i:02}"))
                .collect()),
        ),
        (
            "template",
            one((0..TEMPLATES)
                .map(|i| format!("PUSH/template-{i:02}"))
                .collect()),
        ),
        ("iam_role", one(vec!["pinpointeventsrole-big-stack".into()])),
        (
            "kinesis_stream",
            one(vec!["pinpoint-events-big-stack".into()]),
        ),
        (
            "alarm",
            one((0..ALARMS).map(|i| format!("BigStackAlarm-{i}")).collect()),
        ),
    ])
}

#[test]
fn the_big_spec_is_valid_and_has_200_resources() {
    let s = Scratch::new();
    std::fs::write(s.spec("big.yaml"), big_spec(FIRST)).unwrap();
    expect_code(&s.run(&["validate", "specs/big.yaml"]), 0);
    let plan = s.run(&["plan", "--local", "--format", "json", "specs/big.yaml"]);
    expect_code(&plan, 0);
    let v: Value = serde_json::from_slice(&plan.stdout).unwrap();
    let changes = v["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 200, "{}", stdout(&plan));
    assert!(changes.iter().all(|c| c["action"] == "create"));
}

#[test]
fn faults_seed_1_apply_then_change() {
    converges_under_faults(
        1,
        Phases {
            change: true,
            destroy: false,
        },
    );
}

#[test]
fn faults_seed_2_apply_then_destroy() {
    converges_under_faults(
        2,
        Phases {
            change: false,
            destroy: true,
        },
    );
}

/// An apply that fails at its last step (the event stream names a Kinesis
/// stream that does not exist) undoes its 199 other steps under the same
/// faults: nothing of the stack is left, and its journal says so.
#[test]
fn faults_seed_3_failed_apply_rolls_back() {
    let seed = 3;
    let started = Instant::now();
    let s = Scratch::new();
    let em = External::start(&s);
    let spec = big_spec(FIRST).replace(
        "  stream: events\n",
        "  stream: arn:aws:kinesis:us-east-1:123456789012:stream/does-not-exist\n",
    );
    assert!(spec.contains("stream/does-not-exist"));
    std::fs::write(s.spec("big.yaml"), spec).unwrap();
    em.set_knobs(&json!({
        "error_rate": FAULTS,
        "throttle_rate": FAULTS,
        "drop_rate": FAULTS,
        "seed": seed,
    }));
    let o = em.run(
        &s,
        &[
            "apply",
            "--auto-approve",
            "--parallelism",
            "16",
            "specs/big.yaml",
        ],
    );
    expect_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("failed: event_stream"), "{err}");
    assert!(err.contains("failed, rolled back"), "{err}");
    let requests: u64 = em.counts().values().sum();
    em.set_knobs(&json!({}));
    let left = owned(&em.state(), STACK);
    assert!(
        left.values().all(BTreeMap::is_empty),
        "left after the rollback: {left:?}"
    );
    let history = s.run(&["history", "specs/big.yaml"]);
    expect_code(&history, 0);
    assert!(
        stdout(&history).contains("rolled back"),
        "{}",
        stdout(&history)
    );
    let problems = journal_problems(&s.state_dir(), STACK, false);
    assert!(problems.is_empty(), "{problems:#?}");
    eprintln!(
        "faults seed {seed}: failed apply rolled back, {requests} requests, {:.1}s in all",
        started.elapsed().as_secs_f64()
    );
}

/// What follows the first apply. Every seed applies; under these faults an
/// apply takes 10-25 s and a destroy 20-25 s (the SDK's backoff: 1 s, then
/// doubling), so each seed adds one phase at most, to stay near a minute.
#[derive(Clone, Copy)]
struct Phases {
    change: bool,
    destroy: bool,
}

const FAULTS: f64 = 0.05;

/// With 5% each of 500s, throttles and lost responses (seeded): the big
/// spec is applied, then (as `phases` say) changed, then destroyed. Each apply is repeated
/// (at most three in all) until one succeeds; after each phase, with the
/// faults off, the spec plans as no change and the account holds exactly
/// one of each resource (nothing after the destroy). Every journal is
/// consistent at the end.
fn converges_under_faults(seed: u64, phases: Phases) {
    let started = Instant::now();
    let s = Scratch::new();
    let em = External::start(&s);
    let faults = json!({
        "error_rate": FAULTS,
        "throttle_rate": FAULTS,
        "drop_rate": FAULTS,
        "seed": seed,
    });
    let mut report = Vec::new();
    let mut shapes = vec![("apply", FIRST)];
    if phases.change {
        shapes.push(("change", CHANGED));
    }
    for (phase, shape) in shapes {
        std::fs::write(s.spec("big.yaml"), big_spec(shape)).unwrap();
        em.set_knobs(&faults);
        let t = Instant::now();
        let tries = until_success(
            &em,
            &s,
            &[
                "apply",
                "--auto-approve",
                "--parallelism",
                "16",
                "--on-failure",
                "stop",
                "specs/big.yaml",
            ],
        )
        .unwrap_or_else(|e| panic!("seed {seed}, {phase}: {e}"));
        report.push(format!(
            "{phase}: {tries} run(s), {:.1}s",
            t.elapsed().as_secs_f64()
        ));
        em.set_knobs(&json!({}));
        let plan = em.run(&s, &["plan", "--detailed-exitcode", "specs/big.yaml"]);
        expect_code(&plan, 0);
        let have = owned(&em.state(), STACK);
        let dupes: Vec<String> = have
            .iter()
            .flat_map(|(kind, m)| {
                m.iter()
                    .filter(|(_, n)| **n > 1)
                    .map(move |(k, n)| format!("{kind} {k} x{n}"))
            })
            .collect();
        assert!(
            dupes.is_empty(),
            "seed {seed}, {phase}: duplicates: {dupes:?}"
        );
        assert_eq!(
            have,
            wanted(shape),
            "seed {seed}, {phase}: the account is not the spec"
        );
    }

    // The destroy reads only what the stack owns (its tags and the index of
    // owned resources on the app), not the spec: what a lost response left
    // unindexed would stay behind.
    if phases.destroy {
        em.set_knobs(&faults);
        let t = Instant::now();
        let tries = until_success(
            &em,
            &s,
            &[
                "destroy",
                "--auto-approve",
                "--parallelism",
                "16",
                "specs/big.yaml",
            ],
        )
        .unwrap_or_else(|e| panic!("seed {seed}, destroy: {e}"));
        report.push(format!(
            "destroy: {tries} run(s), {:.1}s",
            t.elapsed().as_secs_f64()
        ));
        em.set_knobs(&json!({}));
        let left = owned(&em.state(), STACK);
        assert!(
            left.values().all(BTreeMap::is_empty),
            "seed {seed}: left after the destroy: {left:?}"
        );
    }
    let requests: u64 = em.counts().values().sum();

    let history = s.run(&["history", "specs/big.yaml"]);
    expect_code(&history, 0);
    let h = stdout(&history);
    assert!(
        !h.contains("unreadable") && !h.contains("interrupted") && !h.contains("in progress"),
        "{h}"
    );
    let problems = journal_problems(&s.state_dir(), STACK, false);
    assert!(problems.is_empty(), "seed {seed}: {problems:#?}");
    eprintln!(
        "faults seed {seed}: {}; {requests} requests in all, {:.1}s in all",
        report.join(", "),
        started.elapsed().as_secs_f64()
    );
}

/// Runs `reconcile <args>` until it exits 0, at most three times; the
/// number of runs, or what each run said.
fn until_success(em: &External, s: &Scratch, args: &[&str]) -> Result<usize, String> {
    let mut runs = Vec::new();
    while runs.len() < 3 {
        let o = em.run(s, args);
        if o.status.success() {
            return Ok(runs.len() + 1);
        }
        runs.push(format!(
            "exit {:?}:\n{}\n{}",
            o.status.code(),
            stdout(&o)
                .lines()
                .filter(|l| l.contains("failed"))
                .collect::<Vec<_>>()
                .join("\n"),
            stderr(&o)
                .lines()
                .filter(|l| l.starts_with("Apply ") || l.contains("failed") || l.contains("rror"))
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    Err(format!(
        "no run of `{}` succeeded:\n{}",
        args.join(" "),
        runs.join("\n---\n")
    ))
}

/// Inconsistencies in the journals of `stack` under `state_dir`: records
/// that do not parse, a missing or repeated start, an end for a step that
/// never started or a second end, a step without an end in an apply that
/// finished (or in any apply unless `interrupted_ok`), a record after the
/// end other than a later rollback's, and any demo secret.
pub fn journal_problems(state_dir: &Path, stack: &str, interrupted_ok: bool) -> Vec<String> {
    let dir = state_dir.join("journal").join(stack);
    let mut problems = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no journal under {}", dir.display());
    let secrets = demo_secrets();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut problem = |p: String| problems.push(format!("{name}: {p}"));
        for secret in &secrets {
            if text.contains(secret.as_str()) {
                problem("holds a demo secret".into());
            }
        }
        let lines: Vec<&str> = text.lines().collect();
        let mut started: BTreeSet<u64> = BTreeSet::new();
        let mut ended: BTreeSet<u64> = BTreeSet::new();
        let mut undo_started: BTreeSet<u64> = BTreeSet::new();
        let mut finished = false;
        for (n, line) in lines.iter().enumerate() {
            let record: Value = match serde_json::from_str(line) {
                Ok(v) => v,
                // A torn last line is what a kill can leave.
                Err(_) if interrupted_ok && n + 1 == lines.len() => continue,
                Err(e) => {
                    problem(format!("line {}: {e}", n + 1));
                    continue;
                }
            };
            let kind = record["type"].as_str().unwrap_or("");
            let step = record["step_id"].as_u64();
            if n == 0 && kind != "apply_started" {
                problem(format!("starts with `{kind}`"));
            }
            if n > 0 && kind == "apply_started" {
                problem(format!("line {}: a second apply_started", n + 1));
            }
            if finished
                && !kind.contains("rollback")
                && !kind.starts_with("undo")
                && kind != "undone"
            {
                problem(format!("line {}: `{kind}` after apply_finished", n + 1));
            }
            match (kind, step) {
                ("step_started", Some(id)) => {
                    if !started.insert(id) {
                        problem(format!("step {id} started twice"));
                    }
                }
                ("step_succeeded" | "step_failed", Some(id)) => {
                    if !started.contains(&id) {
                        problem(format!("step {id} ended without a start"));
                    }
                    if !ended.insert(id) {
                        problem(format!("step {id} ended twice"));
                    }
                }
                ("undo_started", Some(id)) => {
                    if !started.contains(&id) {
                        problem(format!("undo of step {id}, which never started"));
                    }
                    undo_started.insert(id);
                }
                ("undone" | "undo_failed", Some(id)) => {
                    if !undo_started.contains(&id) {
                        problem(format!("`{kind}` of step {id} without undo_started"));
                    }
                }
                ("apply_finished", _) => finished = true,
                ("apply_started" | "rollback_started" | "rollback_finished", _) => {}
                (other, _) => problem(format!("line {}: unexpected record `{other}`", n + 1)),
            }
        }
        let open: Vec<_> = started.difference(&ended).collect();
        if !open.is_empty() && (finished || !interrupted_ok) {
            problem(format!("steps without an end: {open:?}"));
        }
    }
    problems
}

/// A create of several requests whose later one fails past the SDK's retries
/// (IAM `PutRolePolicy` answers 500 five times: the role exists without its
/// inline policy) is finished by the apply, not reported done: the next plan
/// has no change.
#[test]
fn a_create_done_in_part_is_finished() {
    let s = Scratch::new();
    let em = External::start(&s);
    let script: Vec<Value> = (1..=5)
        .map(|nth| json!({ "op": "IAM:PutRolePolicy", "nth": nth, "fault": "server_error" }))
        .collect();
    em.set_knobs(&json!({ "script": script }));
    let o = em.run(&s, &["apply", "--auto-approve", "specs/flash-sale.yaml"]);
    expect_code(&o, 0);
    assert!(
        em.counts()["IAM:PutRolePolicy"] > 5,
        "the fault did not strike: {:?}",
        em.counts()
    );
    em.set_knobs(&json!({}));
    let plan = em.run(
        &s,
        &["plan", "--detailed-exitcode", "specs/flash-sale.yaml"],
    );
    expect_code(&plan, 0);
    let role = &em.state()["iam"]["roles"]["pinpointservicerole-flash-sale"];
    assert!(
        role["inline"]["reconcile-put-to-events"].is_string(),
        "the role has no inline policy: {role}"
    );
}
