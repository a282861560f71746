//! AWS as it is today: Pinpoint's engagement features were retired on
//! 2026-10-30. Against today's AWS (`--api today`), every resource of a
//! retired kind is reported as retired with AWS's own answer, whatever the
//! shape of the refusal, and never planned as a change; the live part
//! (roles, streams, the app, channels, alarms) is planned as usual.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::external::External;
use crate::util::{Scratch, expect_code, stderr};

/// The addresses of the retired kinds in `specs/retail-multi.yaml`, which
/// has every one of them.
const RETAIL_RETIRED: [&str; 6] = [
    "app_settings",
    "endpoint.",
    "segment.",
    "template.",
    "campaign.",
    "event_stream",
];

fn is_retired_address(a: &str) -> bool {
    RETAIL_RETIRED
        .iter()
        .any(|p| a == p.trim_end_matches('.') || (p.ends_with('.') && a.starts_with(p)))
}

/// Every change of the plan's JSON, as `(address, action)`.
fn changes(plan: &Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_owned(),
                c["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The plan's unavailable entries: address → message.
fn unavailable(plan: &Value) -> Vec<(String, String)> {
    plan["unavailable"]
        .as_array()
        .expect("unavailable")
        .iter()
        .map(|u| {
            (
                u["address"].as_str().unwrap().to_owned(),
                u["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Asserts that a plan of the applied retail stack against today's AWS
/// reports every retired resource as retired, changes nothing, and returns
/// the AWS error codes quoted.
fn assert_all_retired(plan: &Value) -> BTreeSet<String> {
    let retired = unavailable(plan);
    let mut desired_retired = 0;
    for (address, _) in changes(plan) {
        assert!(
            !is_retired_address(&address),
            "a retired resource got a change: {address}"
        );
    }
    for (address, message) in &retired {
        assert!(
            message.starts_with("retired by AWS on 2026-10-30 (successor: "),
            "{address}: {message}"
        );
        assert!(message.contains("AWS answered: "), "{address}: {message}");
        if !address.ends_with(".*") {
            desired_retired += 1;
        }
    }
    // 1 settings + 3 endpoints + 4 segments + 2 templates + 3 campaigns + 1 event stream.
    assert_eq!(desired_retired, 14, "{retired:#?}");
    for (_, action) in changes(plan) {
        assert_eq!(action, "no-op", "{plan}");
    }
    retired
        .iter()
        .filter_map(|(_, m)| {
            let said = m.split("AWS answered: ").nth(1)?;
            Some(said.split(':').next()?.to_owned())
        })
        .collect()
}

#[test]
fn every_retired_kind_is_reported_retired_in_four_refusal_shapes_with_exit_3() {
    let s = Scratch::new();
    s.apply_local("specs/retail-multi.yaml");
    // `--local --api today`: the emulator refuses each family in its own
    // shape (403, 404, 400, unknown operation).
    let o = s.run(&[
        "plan",
        "--local",
        "--api",
        "today",
        "specs/retail-multi.yaml",
        "--format",
        "json",
        "--show-unchanged",
    ]);
    expect_code(&o, 3);
    let plan: Value = serde_json::from_slice(&o.stdout).unwrap();
    let codes = assert_all_retired(&plan);
    for want in [
        "ForbiddenException",
        "NotFoundException",
        "BadRequestException",
        "UnknownOperationException",
    ] {
        assert!(codes.contains(want), "no {want} among {codes:?}");
    }
}

#[test]
fn each_refusal_shape_alone_is_reported_as_retired() {
    let s = Scratch::new();
    {
        let em = External::start_with(&s, &["--api", "classic"]);
        expect_code(
            &s.run_isolated(&[
                "apply",
                "--endpoint-url",
                &em.url,
                "--api",
                "classic",
                "--auto-approve",
                "specs/retail-multi.yaml",
            ]),
            0,
        );
    }
    for (shape, code) in [
        ("forbidden", "ForbiddenException"),
        ("not-found", "NotFoundException"),
        ("bad-request", "BadRequestException"),
        ("unknown-operation", "UnknownOperationException"),
    ] {
        let em = External::start_with(&s, &["--api", "today", "--retired-shape", shape]);
        // Against an endpoint URL the default is today's AWS.
        let o = s.run_isolated(&[
            "plan",
            "--endpoint-url",
            &em.url,
            "specs/retail-multi.yaml",
            "--format",
            "json",
            "--show-unchanged",
        ]);
        expect_code(&o, 3);
        let plan: Value = serde_json::from_slice(&o.stdout).unwrap();
        let codes = assert_all_retired(&plan);
        assert_eq!(codes, BTreeSet::from([code.to_owned()]), "{shape}");
    }
}

#[test]
fn a_new_stack_against_today_gets_its_live_part_and_nothing_retired() {
    let s = Scratch::new();
    let o = s.run(&[
        "plan",
        "--local",
        "--api",
        "today",
        "specs/retail-multi.yaml",
        "--format",
        "json",
    ]);
    expect_code(&o, 3);
    let plan: Value = serde_json::from_slice(&o.stdout).unwrap();
    let created: Vec<String> = changes(&plan)
        .into_iter()
        .filter(|(_, a)| a == "create")
        .map(|(address, _)| address)
        .collect();
    assert!(created.contains(&"app".to_owned()), "{created:?}");
    assert!(
        created.iter().all(|a| !is_retired_address(a)),
        "{created:?}"
    );
    // What lives in the app was not read (there is no app yet); the
    // account-wide templates were, and AWS refused them.
    for (address, message) in unavailable(&plan) {
        assert!(
            message.starts_with("retired by AWS on 2026-10-30"),
            "{address}: {message}"
        );
        if address.starts_with("template.") {
            assert!(message.contains("AWS answered: "), "{address}: {message}");
        } else {
            assert!(
                message.contains("not read: the stack has no app yet"),
                "{address}: {message}"
            );
        }
    }

    // The live part is applied; the status says that parts are retired.
    expect_code(
        &s.run(&[
            "apply",
            "--local",
            "--api",
            "today",
            "--auto-approve",
            "specs/retail-multi.yaml",
        ]),
        3,
    );
    let state = s.local_state();
    let app = state["pinpoint"]["apps"]
        .as_object()
        .and_then(|apps| apps.values().next())
        .expect("the app was created")
        .clone();
    assert!(!app["channels"].as_object().unwrap().is_empty(), "{app}");
    for family in ["segments", "campaigns", "endpoints"] {
        assert!(
            app[family]
                .as_object()
                .is_none_or(serde_json::Map::is_empty),
            "{family} created against today's AWS: {app}"
        );
    }
    assert!(
        state["pinpoint"]["templates"]
            .as_object()
            .is_none_or(serde_json::Map::is_empty),
        "templates created against today's AWS"
    );
    // The same plan again: the live part is done, the retired part is
    // reported with AWS's refusals; nothing to change.
    let again = s.run(&[
        "plan",
        "--local",
        "--api",
        "today",
        "--detailed-exitcode",
        "specs/retail-multi.yaml",
    ]);
    expect_code(&again, 3);
}

#[test]
fn validate_warns_once_per_retired_kind_naming_its_lines() {
    let s = Scratch::new();
    let o = s.run(&["validate", "specs/retail-multi.yaml"]);
    expect_code(&o, 0);
    let err = stderr(&o);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains(": warning: ")).collect();
    assert_eq!(warnings.len(), 6, "{err}");
    for (kind, section) in [
        ("app settings", "`app.settings`"),
        ("endpoints", "`endpoints`"),
        ("segments", "`segments`"),
        ("push templates", "`templates`"),
        ("campaigns", "`campaigns`"),
        ("event streams", "`event_stream`"),
    ] {
        let w = warnings
            .iter()
            .find(|w| w.contains(&format!("AWS retired {kind} on 2026-10-30")))
            .unwrap_or_else(|| panic!("no warning for {kind}: {err}"));
        assert!(w.contains(section), "{w}");
        assert!(w.starts_with("specs/retail-multi.yaml:"), "{w}");
        assert!(w.contains("(line "), "{w}");
    }
}

#[test]
fn export_against_today_writes_the_live_part_and_notes_what_aws_retired() {
    let s = Scratch::new();
    s.apply_local("specs/flash-sale.yaml");
    let o = s.run(&[
        "export",
        "--local",
        "--api",
        "today",
        "--app-name",
        "ecommerce-mobile-app",
        "--stack",
        "flash-today",
        "-o",
        "specs/exported.yaml",
    ]);
    expect_code(&o, 0);
    let err = stderr(&o);
    for family in ["app settings", "segments", "campaigns", "the event stream"] {
        assert!(
            err.lines()
                .any(|l| l.starts_with(&format!("note: {family}: not exported"))
                    && l.contains("retired by AWS on 2026-10-30")),
            "no note for {family}: {err}"
        );
    }
    let spec = std::fs::read_to_string(s.spec("exported.yaml")).unwrap();
    for section in ["channels:", "alarms:"] {
        assert!(spec.contains(section), "{spec}");
    }
    for section in ["segments:", "campaigns:", "event_stream:", "settings:"] {
        assert!(!spec.contains(section), "{section} in {spec}");
    }
}
