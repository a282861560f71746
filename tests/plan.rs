//! `reconcile plan` against the built-in emulator.

use crate::util::{Scratch, demo_secrets, expect_code, stderr, stdout};

/// Filters for what changes between runs (fingerprints, paths).
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(
        r#""live_fingerprint": "[0-9a-f]+""#,
        r#""live_fingerprint": "[fp]""#,
    );
    s.add_filter(r"/tmp/[^\s\x22]+", "[tmp]");
    s.set_prepend_module_to_snapshot(false);
    s
}

#[test]
fn an_empty_account_plans_every_resource_of_the_recipe_as_a_create() {
    let s = Scratch::new();
    let text = s.run(&[
        "plan",
        "--local",
        "specs/flash-sale.yaml",
        "--detailed-exitcode",
    ]);
    expect_code(&text, 2);
    let json = s.run(&[
        "plan",
        "--local",
        "specs/flash-sale.yaml",
        "--format",
        "json",
    ]);
    expect_code(&json, 0);
    let markdown = s.run(&[
        "plan",
        "--local",
        "specs/flash-sale.yaml",
        "--format",
        "markdown",
    ]);
    expect_code(&markdown, 0);

    // Every resource of the recipe, as a create, in dependency order.
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let changes = value["changes"].as_array().unwrap();
    let order: Vec<&str> = changes
        .iter()
        .map(|c| {
            assert_eq!(c["action"], "create", "{c}");
            c["address"].as_str().unwrap()
        })
        .collect();
    let pos = |a: &str| {
        order
            .iter()
            .position(|x| *x == a)
            .unwrap_or_else(|| panic!("{a} missing from {order:?}"))
    };
    assert!(pos("app") < pos("channel.apns"));
    assert!(pos("app") < pos("channel.gcm"));
    assert!(pos("segment.high_value_customers") < pos("campaign.flash_sale"));
    assert!(pos("campaign.flash_sale") < pos("event_stream"));
    assert!(pos("kinesis_stream.events") < pos("event_stream"));
    assert!(pos("iam_role.pinpoint_events") < pos("event_stream"));
    assert!(pos("app") < pos("alarm.push_failures"));

    settings().bind(|| {
        insta::assert_snapshot!("plan_create_text", stdout(&text));
        insta::assert_snapshot!("plan_create_markdown", stdout(&markdown));
        insta::assert_snapshot!("plan_create_json", stdout(&json));
    });
}

#[test]
fn no_secret_reaches_output_plan_files_or_logs() {
    let s = Scratch::new();
    let o = s.run(&[
        "-vvv",
        "plan",
        "--local",
        "specs/flash-sale.yaml",
        "--out",
        "plan.json",
    ]);
    expect_code(&o, 0);
    let plan_file = std::fs::read_to_string(s.path().join("plan.json")).unwrap();
    let apply = s.run(&["-vvv", "apply", "--local", "--auto-approve", "plan.json"]);
    expect_code(&apply, 0);
    let mut journals = String::new();
    for entry in walk(&s.state_dir().join("journal")) {
        journals.push_str(&std::fs::read_to_string(entry).unwrap());
    }
    let secrets = demo_secrets();
    assert!(!secrets.is_empty(), "the demo secrets were not found");
    for secret in &secrets {
        for (what, text) in [
            ("plan stdout", stdout(&o)),
            ("plan logs", stderr(&o)),
            ("plan file", plan_file.clone()),
            ("apply stdout", stdout(&apply)),
            ("apply logs", stderr(&apply)),
            ("journal", journals.clone()),
        ] {
            assert!(
                !text.contains(secret.as_str()),
                "a demo secret appears in the {what}"
            );
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn end_of_support_marks_resources_unavailable_and_never_deletes() {
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
        "plan",
        "--local",
        "--api",
        "today",
        "specs/flash-sale.yaml",
        "--format",
        "json",
    ]);
    expect_code(&o, 3);
    let value: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let unavailable = value["unavailable"].as_array().unwrap();
    assert!(!unavailable.is_empty(), "{value}");
    for c in value["changes"].as_array().unwrap() {
        assert_ne!(c["action"], "delete", "{c}");
        assert_ne!(c["action"], "replace", "{c}");
        assert_ne!(c["action"], "create", "{c}");
    }
}
