//! `rollback` converges: afterwards, a plan of the spec the rolled-back
//! apply started from is a no-op, campaigns on `segment_version: latest`
//! included (undoing a segment's update gives the segment a new version,
//! which those campaigns must follow; pinned ones stay pinned).

use std::process::Output;

use crate::util::{Scratch, expect_code, stderr, stdout};

const SPEC: &str = "specs/retail-multi.yaml";

/// The id of the apply that `o` ran (`Apply <id>: complete ...` on stderr).
fn apply_id(o: &Output) -> String {
    let err = stderr(o);
    err.lines()
        .find_map(|l| l.strip_prefix("Apply "))
        .and_then(|rest| rest.split(':').next())
        .unwrap_or_else(|| panic!("no apply id in:\n{err}"))
        .to_owned()
}

/// Writes `specs/<name>` as retail-multi with `edits` (`from`, `to`) made.
fn variant(s: &Scratch, name: &str, edits: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(s.spec("retail-multi.yaml")).unwrap();
    for (from, to) in edits {
        assert!(
            text.contains(from),
            "retail-multi.yaml no longer has `{from}`"
        );
        text = text.replacen(from, to, 1);
    }
    std::fs::write(s.spec(name), text).unwrap();
    format!("specs/{name}")
}

fn apply(s: &Scratch, spec: &str) -> String {
    let o = s.run(&["apply", "--local", "--auto-approve", spec]);
    expect_code(&o, 0);
    apply_id(&o)
}

/// `plan --detailed-exitcode` of `spec` exits 0 (no change), or fails
/// showing the plan.
#[track_caller]
fn plans_as_no_change(s: &Scratch, spec: &str) {
    let o = s.run(&["plan", "--local", "--detailed-exitcode", spec]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("No changes"), "{}", stdout(&o));
}

/// `dormant_android` (followed by `daily_reengage` on `latest`) and
/// `ios_loyal` (targeted by `loyalty_thanks`, pinned to version 1) change.
const B: &[(&str, &str)] = &[
    ("duration: DAY_30", "duration: DAY_14"),
    ("values: [gold, platinum]", "values: [gold]"),
];

#[test]
fn a_rolled_back_segment_change_plans_as_no_change() {
    let s = Scratch::new();
    apply(&s, SPEC);
    plans_as_no_change(&s, SPEC);
    let b = variant(&s, "retail-multi-b.yaml", B);
    let plan = s.run(&["plan", "--local", "--detailed-exitcode", &b]);
    expect_code(&plan, 2);
    for want in [
        "~ segment.dormant_android",
        "~ segment.ios_loyal",
        "~ campaign.daily_reengage",
    ] {
        assert!(stdout(&plan).contains(want), "{want}:\n{}", stdout(&plan));
    }
    apply(&s, &b);
    plans_as_no_change(&s, &b);

    let o = s.run(&["rollback", "--local", "--auto-approve", &b]);
    expect_code(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains("~ campaign.daily_reengage")
            && out.contains("which changes back: moves to its new version"),
        "the campaign on `latest` follows its segment:\n{out}"
    );
    assert!(
        !out.contains("campaign.loyalty_thanks"),
        "the pinned campaign is left alone:\n{out}"
    );
    plans_as_no_change(&s, SPEC);
}

#[test]
fn two_changed_applies_rolled_back_one_at_a_time_plan_as_no_change() {
    let s = Scratch::new();
    apply(&s, SPEC);
    let b = variant(&s, "retail-multi-b.yaml", B);
    let b_id = apply(&s, &b);
    // C changes the same segment again, and the one `restock_alert`
    // (`immediate`, so completed) targets.
    let c = variant(
        &s,
        "retail-multi-c.yaml",
        &[
            ("duration: DAY_30", "duration: DAY_7"),
            ("values: [gold, platinum]", "values: [gold]"),
            ("value: 50", "value: 75"),
        ],
    );
    apply(&s, &c);
    plans_as_no_change(&s, &c);

    // The latest apply (C) first, back to B...
    expect_code(&s.run(&["rollback", "--local", "--auto-approve", &c]), 0);
    plans_as_no_change(&s, &b);
    // ...then B by its id, back to the original spec.
    let o = s.run(&["rollback", "--local", "--auto-approve", &b, &b_id]);
    expect_code(&o, 0);
    assert!(
        !stdout(&o).contains("changed since that apply"),
        "rolling back C left B's resources as B left them:\n{}",
        stdout(&o)
    );
    plans_as_no_change(&s, SPEC);
}
