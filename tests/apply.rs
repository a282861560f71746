//! `reconcile apply`, `rollback`, `destroy` and `history` against the
//! built-in emulator.

use crate::util::{Scratch, expect_code, stderr, stdout};

#[test]
fn an_applied_stack_plans_as_no_change() {
    let s = Scratch::new();
    let o = s.run(&[
        "apply",
        "--local",
        "--auto-approve",
        "specs/flash-sale.yaml",
    ]);
    expect_code(&o, 0);
    let again = s.run(&[
        "plan",
        "--local",
        "--detailed-exitcode",
        "specs/flash-sale.yaml",
    ]);
    expect_code(&again, 0);
    assert!(stdout(&again).contains("No changes"), "{}", stdout(&again));
}

#[test]
fn apply_without_a_terminal_or_auto_approve_refuses() {
    let s = Scratch::new();
    let o = s.run(&["apply", "--local", "specs/flash-sale.yaml"]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("--auto-approve"), "{}", stderr(&o));
    // Nothing was created.
    let plan = s.run(&[
        "plan",
        "--local",
        "--detailed-exitcode",
        "specs/flash-sale.yaml",
    ]);
    expect_code(&plan, 2);
}

#[test]
fn a_second_concurrent_apply_is_refused() {
    let s = Scratch::new();
    // A live process (this test) holds the stack's lock.
    let locks = s.state_dir().join("locks");
    std::fs::create_dir_all(&locks).unwrap();
    let holder = serde_json::json!({
        "pid": std::process::id(),
        "host": hostname(),
        "user": "someone",
        "started_at": "2026-11-28T10:00:00Z",
        "command": "apply",
    });
    std::fs::write(locks.join("flash-sale.lock"), holder.to_string()).unwrap();
    let o = s.run(&[
        "apply",
        "--local",
        "--auto-approve",
        "specs/flash-sale.yaml",
    ]);
    expect_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("locked"), "{err}");
    assert!(err.contains(&std::process::id().to_string()), "{err}");
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map_or_else(|_| "localhost".into(), |h| h.trim().to_owned())
}

#[test]
fn a_saved_plan_applies_exactly_and_is_refused_when_the_account_moved() {
    let s = Scratch::new();
    expect_code(
        &s.run(&[
            "plan",
            "--local",
            "specs/flash-sale.yaml",
            "--out",
            "a.json",
        ]),
        0,
    );
    expect_code(
        &s.run(&[
            "plan",
            "--local",
            "specs/flash-sale.yaml",
            "--out",
            "b.json",
        ]),
        0,
    );
    expect_code(&s.run(&["apply", "--local", "a.json"]), 0);
    // b.json was made from the empty account, which has moved.
    let o = s.run(&["apply", "--local", "b.json"]);
    expect_code(&o, 1);
    assert!(
        stderr(&o).contains("changed since the plan"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn change_apply_rollback_restores_the_account() {
    let s = Scratch::new();
    let spec = s.spec("flash-sale.yaml");
    expect_code(
        &s.run(&[
            "apply",
            "--local",
            "--auto-approve",
            "specs/flash-sale.yaml",
        ]),
        0,
    );
    let before = s.local_state();

    // A template body, a segment dimension, an added alarm, a removed
    // endpoint and a rotated credential, in one change.
    let text = std::fs::read_to_string(&spec).unwrap();
    let changed = text
        .replace(
            "exclusive flash sale ends in 2 hours",
            "exclusive flash sale ends in 1 hour",
        )
        .replace("values: [high-value]", "values: [top-value]");
    let changed = remove_endpoint(&changed, "android-user-002");
    let changed = format!(
        "{changed}\n  extra_alarm:\n    name: PinpointExtraAlarm\n    metric_name: DirectSendMessagePermanentFailure\n    statistic: Sum\n    period: 60\n    threshold: 1\n    comparison_operator: GreaterThanThreshold\n    evaluation_periods: 1\n"
    );
    std::fs::write(&spec, changed).unwrap();
    rotate_demo_credential(&s);
    let plan = s.run(&[
        "plan",
        "--local",
        "--detailed-exitcode",
        "specs/flash-sale.yaml",
    ]);
    expect_code(&plan, 2);
    let out = stdout(&plan);
    for want in [
        "template.flash_sale",
        "segment.high_value_customers",
        "alarm.extra_alarm",
        "endpoint.android-user-002",
        "channel.gcm",
    ] {
        assert!(out.contains(want), "{want} missing from the plan:\n{out}");
    }
    expect_code(
        &s.run(&[
            "apply",
            "--local",
            "--auto-approve",
            "specs/flash-sale.yaml",
        ]),
        0,
    );
    let o = s.run(&[
        "rollback",
        "--local",
        "--auto-approve",
        "specs/flash-sale.yaml",
    ]);
    expect_code(&o, 0);
    assert_eq!(
        comparable(&before),
        comparable(&s.local_state()),
        "the account after rollback differs from before the apply"
    );
    let history = s.run(&["history", "specs/flash-sale.yaml"]);
    expect_code(&history, 0);
    assert!(
        stdout(&history).contains("succeeded"),
        "{}",
        stdout(&history)
    );
}

/// The emulator's state with what legitimately moves on every write (dates,
/// versions, request counters) removed, and the parts users check kept.
fn comparable(state: &serde_json::Value) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                map.retain(|k, _| {
                    let k = k.to_ascii_lowercase();
                    !(k.contains("date")
                        || k.contains("time")
                        || k.contains("version")
                        || k == "clock_offset_ms"
                        || k.contains("kpi")
                        || k.contains("sequence")
                        || k.contains("created")
                        || k.contains("modified")
                        || k == "request_id"
                        // What the emulator's clock does on its own: the
                        // IMMEDIATE campaign runs a second after its
                        // creation (its run, deliveries and events land
                        // whenever a request comes), a stream activates.
                        || k == "status"
                        || k == "next_run"
                        || k == "activities"
                        || k == "deliveries"
                        || k == "records"
                        || k == "next_seq"
                        || k == "ready_at_ms")
                });
                for v in map.values_mut() {
                    strip(v);
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = state.clone();
    strip(&mut v);
    v
}

fn remove_endpoint(spec: &str, id: &str) -> String {
    let mut out = Vec::new();
    let mut skipping = false;
    for line in spec.lines() {
        if line.trim_start().starts_with(&format!("{id}:"))
            && line.starts_with("  ")
            && !line.starts_with("    ")
        {
            skipping = true;
            continue;
        }
        if skipping && (line.starts_with("    ") || line.trim().is_empty()) {
            continue;
        }
        skipping = false;
        out.push(line);
    }
    out.join("\n") + "\n"
}

fn rotate_demo_credential(s: &Scratch) {
    let demo = s.path().join("specs").join("demo");
    for entry in std::fs::read_dir(&demo).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.contains("fcm") || name.contains("gcm") {
            let mut text = std::fs::read_to_string(entry.path()).unwrap();
            text.push_str("rotated\n");
            std::fs::write(entry.path(), text).unwrap();
            return;
        }
    }
    panic!("no FCM demo credential under specs/demo");
}

#[test]
fn destroy_removes_everything_the_stack_owns() {
    let s = Scratch::new();
    expect_code(
        &s.run(&[
            "apply",
            "--local",
            "--auto-approve",
            "specs/flash-sale.yaml",
        ]),
        0,
    );
    let o = s.run(&[
        "destroy",
        "--local",
        "--auto-approve",
        "specs/flash-sale.yaml",
    ]);
    expect_code(&o, 0);
    let plan = s.run(&[
        "plan",
        "--local",
        "--format",
        "json",
        "specs/flash-sale.yaml",
    ]);
    expect_code(&plan, 0);
    let value: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert!(
        value["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["action"] == "create"),
        "after destroy everything must be created again: {value}"
    );
}

/// Regression: a segment change used to leave the campaigns that target its
/// `latest` version one apply behind (the next plan showed them again).
#[test]
fn a_segment_change_converges_in_one_apply_with_its_campaigns() {
    let s = Scratch::new();
    let spec = "specs/retail-multi.yaml";
    expect_code(&s.run(&["apply", "--local", "--auto-approve", spec]), 0);
    let path = s.spec("retail-multi.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = text.replace("values: [GB, IE]", "values: [GB, IE, FR]");
    assert_ne!(
        text, changed,
        "the spec no longer has the segment this test edits"
    );
    std::fs::write(&path, changed).unwrap();
    let plan = s.run(&["plan", "--local", spec]);
    let out = stdout(&plan);
    assert!(out.contains("~ segment.recent_shoppers"), "{out}");
    assert!(out.contains("~ campaign.restock_alert"), "{out}");
    expect_code(&s.run(&["apply", "--local", "--auto-approve", spec]), 0);
    expect_code(&s.run(&["plan", "--local", "--detailed-exitcode", spec]), 0);
}
