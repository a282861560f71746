//! The rest of the recipe as commands: `send` (step 8), `status` (the
//! validation section), `graph` (the architecture diagram) and `export`
//! (a stack built by hand, taken over with `plan --adopt`).

use crate::util::{
    Scratch, Served, code, demo_secrets, expect_code, has_aws_cli, recipe_stack, stderr, stdout,
};

/// Filters for what changes between runs: ids, times, temporary paths.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"\b[0-9a-f]{32}\b", "[id]");
    s.add_filter(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[time]");
    s.add_filter(r"/tmp/[^\s\x22]+", "[tmp]");
    // How far off a certificate's expiry is changes with the day.
    s.add_filter(r"\bin \d+ days\b", "in [n] days");
    s.set_prepend_module_to_snapshot(false);
    s
}

/// Applies the recipe's spec on `--local` and lets its IMMEDIATE campaign
/// become due (the emulator runs it at the first request a second after
/// its start).
fn applied() -> Scratch {
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
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    s
}

#[test]
fn graph_draws_the_plans_edges_as_mermaid_and_dot() {
    let s = Scratch::new();
    let mermaid = s.run(&["graph", "specs/flash-sale.yaml"]);
    expect_code(&mermaid, 0);
    let dot = s.run(&["graph", "specs/flash-sale.yaml", "--format", "dot"]);
    expect_code(&dot, 0);

    // The same edges as the plan orders by.
    let plan = s.run(&[
        "plan",
        "--local",
        "specs/flash-sale.yaml",
        "--format",
        "json",
    ]);
    expect_code(&plan, 0);
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let edges = plan["edges"].as_array().unwrap();
    let dot_text = stdout(&dot);
    let dot_edges = dot_text.lines().filter(|l| l.contains(" -> ")).count();
    assert_eq!(dot_edges, edges.len());
    for e in edges {
        let line = format!("    {} -> {};", e["before"], e["after"]);
        assert!(dot_text.contains(&line), "{line} missing from\n{dot_text}");
    }
    let mermaid_text = stdout(&mermaid);
    assert_eq!(
        mermaid_text.lines().filter(|l| l.contains(" --> ")).count(),
        edges.len()
    );

    settings().bind(|| {
        insta::assert_snapshot!("graph_mermaid", mermaid_text);
        insta::assert_snapshot!("graph_dot", dot_text);
    });
}

#[test]
fn send_reports_every_delivery_and_fails_when_one_fails() {
    let s = applied();
    let ok = s.run(&[
        "send",
        "--local",
        "specs/flash-sale.yaml",
        "--title",
        "Test Push Notification",
        "--body",
        "Test notification - Your app is working!",
    ]);
    expect_code(&ok, 0);

    let json = s.run(&[
        "send",
        "--local",
        "specs/flash-sale.yaml",
        "--template",
        "flash_sale",
        "--endpoint",
        "IOS-USER-001",
        "--format",
        "json",
    ]);
    expect_code(&json, 0);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["all_successful"], true);
    let deliveries = v["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0]["endpoint"], "ios-user-001");
    assert_eq!(deliveries[0]["delivery_status"], "SUCCESSFUL");

    // Not an endpoint or template of the spec: refused before sending.
    let unknown = s.run(&[
        "send",
        "--local",
        "specs/flash-sale.yaml",
        "--body",
        "x",
        "--endpoint",
        "nobody",
    ]);
    expect_code(&unknown, 1);
    assert!(stderr(&unknown).contains("`nobody` is not an endpoint of the spec"));
    let no_template = s.run(&[
        "send",
        "--local",
        "specs/flash-sale.yaml",
        "--template",
        "nope",
    ]);
    expect_code(&no_template, 1);
    assert!(stderr(&no_template).contains("`nope` is not a template of the spec"));

    // The FCM channel disabled: its endpoint fails, the status is 1.
    let spec = s.spec("flash-sale.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let disabled = text.replace(
        "  gcm:\n    api_key",
        "  gcm:\n    enabled: false\n    api_key",
    );
    assert_ne!(text, disabled);
    std::fs::write(&spec, disabled).unwrap();
    expect_code(
        &s.run(&[
            "apply",
            "--local",
            "--auto-approve",
            "specs/flash-sale.yaml",
        ]),
        0,
    );
    let failed = s.run(&[
        "send",
        "--local",
        "specs/flash-sale.yaml",
        "--title",
        "Test Push Notification",
        "--body",
        "Test notification - Your app is working!",
    ]);
    expect_code(&failed, 1);

    settings().bind(|| {
        insta::assert_snapshot!("send_table", stdout(&ok));
        insta::assert_snapshot!("send_failed_table", stdout(&failed));
    });
}

#[test]
fn status_shows_the_recipe_validation_and_what_aws_no_longer_serves() {
    let s = applied();
    expect_code(
        &s.run(&[
            "send",
            "--local",
            "specs/flash-sale.yaml",
            "--body",
            "hello",
        ]),
        0,
    );
    let table = s.run(&[
        "status",
        "--local",
        "specs/flash-sale.yaml",
        "--format",
        "table",
    ]);
    expect_code(&table, 0);

    // Not on a terminal: JSON by default.
    let json = s.run(&[
        "status",
        "--local",
        "specs/flash-sale.yaml",
        "--since",
        "24h",
    ]);
    expect_code(&json, 0);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["app"]["name"], "ecommerce-mobile-app");
    assert_eq!(v["campaigns"]["status"], "ok");
    let campaign = &v["campaigns"]["value"][0];
    assert_eq!(campaign["state"], "COMPLETED");
    assert_eq!(campaign["last_activity"]["successful_endpoint_count"], 1);
    let kpis = v["kpis"]["values"].as_array().unwrap();
    let kpi = |name: &str| {
        kpis.iter()
            .find(|k| k["name"] == name)
            .map(|k| k["value"]["value"].clone())
            .unwrap()
    };
    assert_eq!(kpi("unique-deliveries"), 2.0);
    assert_eq!(kpi("successful-delivery-rate"), 1.0);

    let bad = s.run(&[
        "status",
        "--local",
        "specs/flash-sale.yaml",
        "--since",
        "1w",
    ]);
    expect_code(&bad, 1);
    assert!(stderr(&bad).contains("`--since 1w` is not a window"));

    // Against today's AWS: the parts AWS retired say so, with AWS's
    // answer; the rest is read; the status is 3.
    let ended = s.run(&[
        "status",
        "--local",
        "--api",
        "today",
        "specs/flash-sale.yaml",
        "--format",
        "table",
    ]);
    expect_code(&ended, 3);
    // Sending lives on, to the endpoints' addresses.
    let sent = s.run(&[
        "send",
        "--local",
        "--api",
        "today",
        "specs/flash-sale.yaml",
        "--body",
        "hello",
    ]);
    expect_code(&sent, 0);

    settings().bind(|| {
        insta::assert_snapshot!("status_table", stdout(&table));
        insta::assert_snapshot!("status_end_of_support_table", stdout(&ended));
        insta::assert_snapshot!("send_end_of_support_table", stdout(&sent));
    });
}

/// Removes every `reconcile:` tag from the `--local` emulator's persisted
/// state: what a stack built by hand looks like. A textual edit of the
/// compact JSON (the state holds 128-bit Kinesis hash keys that
/// `serde_json::Value` cannot carry): tag maps' `"reconcile:...":"..."`
/// members and tag lists' `{"key":"reconcile:...","value":"..."}` items.
fn strip_reconcile_tags(s: &Scratch) {
    fn cut(text: &mut String, start: usize, end: usize) {
        if text[end..].starts_with(',') {
            text.replace_range(start..=end, "");
        } else if text[..start].ends_with(',') {
            text.replace_range(start - 1..end, "");
        } else {
            text.replace_range(start..end, "");
        }
    }
    let path = s.state_dir().join("local").join("emulator.json");
    let mut text = std::fs::read_to_string(&path).expect("local emulator state");
    while let Some(start) = text.find(r#"{"key":"reconcile:"#) {
        let end = start + text[start..].find('}').expect("a closing brace") + 1;
        cut(&mut text, start, end);
    }
    while let Some(start) = text.find(r#""reconcile:"#) {
        let key_end = start + 1 + text[start + 1..].find('"').expect("a key") + 1;
        assert!(text[key_end..].starts_with(":\""), "a tag member");
        let value = key_end + 2;
        let end = value + text[value..].find('"').expect("a value") + 1;
        cut(&mut text, start, end);
    }
    assert!(!text.contains("reconcile:"), "{text}");
    std::fs::write(&path, text).unwrap();
}

/// Asserts that a `plan --format json` only takes ownership: every change
/// is an adopting update whose only changed path, if any, is a channel's
/// credentials fingerprint (AWS never returns credentials, so the first
/// apply sends them).
#[track_caller]
fn assert_adopt_only(plan: &serde_json::Value, resources: usize) {
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), resources, "{plan:#}");
    for c in changes {
        assert_eq!(c["action"], "update", "{c:#}");
        assert_eq!(c["adopt"], true, "{c:#}");
        let paths: Vec<&str> = c["changed_paths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        if c["kind"] == "channel" {
            assert_eq!(paths, ["/write_only_fingerprint"], "{c:#}");
        } else {
            assert!(paths.is_empty(), "{c:#}");
        }
    }
    assert!(plan["conflicts"].as_array().unwrap().is_empty(), "{plan:#}");
    assert!(
        plan["unavailable"].as_array().unwrap().is_empty(),
        "{plan:#}"
    );
}

#[test]
fn an_untagged_stack_exports_to_a_spec_that_plan_adopts_without_other_changes() {
    let s = applied();
    strip_reconcile_tags(&s);
    let export = s.run(&[
        "export",
        "--local",
        "--app-name",
        "ecommerce-mobile-app",
        "--stack",
        "taken-over",
        "--endpoint",
        "ios-user-001",
        "--endpoint",
        "android-user-002",
        "-o",
        "taken-over.yaml",
    ]);
    expect_code(&export, 0);
    let err = stderr(&export);
    for var in [
        "TAKEN_OVER_APNS_CERTIFICATE",
        "TAKEN_OVER_APNS_PRIVATE_KEY",
        "TAKEN_OVER_GCM_API_KEY",
    ] {
        assert!(err.contains(var), "{err}");
    }
    let yaml = std::fs::read_to_string(s.path().join("taken-over.yaml")).unwrap();
    for secret in demo_secrets() {
        assert!(!yaml.contains(&secret) && !err.contains(&secret));
    }
    expect_code(&s.run(&["validate", "taken-over.yaml"]), 0);

    let plan = s
        .cmd()
        .args([
            "plan",
            "--local",
            "--adopt",
            "--format",
            "json",
            "taken-over.yaml",
        ])
        .env("TAKEN_OVER_APNS_CERTIFICATE", "dummy certificate")
        .env("TAKEN_OVER_APNS_PRIVATE_KEY", "dummy key")
        .env("TAKEN_OVER_GCM_API_KEY", "dummy api key")
        .output()
        .unwrap();
    expect_code(&plan, 0);
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    // The recipe's resources but its template, which the campaign (with
    // messages of its own) does not use: an export takes the templates the
    // campaigns use.
    assert_adopt_only(&plan, 12);

    settings().bind(|| {
        insta::assert_snapshot!("export_yaml", yaml);
        insta::assert_snapshot!("export_stderr", err);
    });
}

/// `reconcile <args>` against the served emulator ([`Scratch::cmd_isolated`]:
/// dummy credentials, no AWS configuration from the machine), with the
/// placeholders' variables in the environment.
fn against(s: &Scratch, url: &str, args: &[&str]) -> std::process::Output {
    s.cmd_isolated()
        .args(args)
        .env("AWS_ENDPOINT_URL", url)
        // The served emulator is the classic Pinpoint API.
        .env("RECONCILE_API", "classic")
        .env("RECIPE_APNS_CERTIFICATE", "dummy certificate")
        .env("RECIPE_APNS_PRIVATE_KEY", "dummy key")
        .env("RECIPE_GCM_API_KEY", "dummy api key")
        .output()
        .expect("binary runs")
}

#[test]
fn the_recipes_stack_built_with_its_own_cli_commands_exports_and_is_adopted() {
    if !has_aws_cli() {
        return;
    }
    let s = Scratch::new();
    let served = Served::start(&s.path().join("emulator.json"));
    let url = served.url.as_str();
    // The recipe's preparation and steps 1 to 10, as a user runs them.
    recipe_stack(&s, url, "rcp001");

    // The recipe names an IANA zone (`America/New_York`), which no spec
    // takes: the spec is written, and the export says what to change.
    let export = against(
        &s,
        url,
        &[
            "export",
            "--app-name",
            "ecommerce-mobile-app-rcp001",
            "--stack",
            "recipe",
            "--endpoint",
            "ios-user-001",
            "--endpoint",
            "android-user-002",
            "-o",
            "recipe.yaml",
        ],
    );
    assert_eq!(code(&export), 1, "{}", stderr(&export));
    let err = stderr(&export);
    assert!(
        err.contains("is not a campaign timezone") && err.contains("use `UTC-05`"),
        "{err}"
    );
    let path = s.path().join("recipe.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    assert!(!yaml.contains("DUMMY-"), "credentials are never exported");
    assert!(yaml.contains("${env:RECIPE_APNS_CERTIFICATE}"), "{yaml}");
    // What the hint says: the campaign's zone (as AWS returns it) becomes
    // `UTC-05`.
    let zones: Vec<&str> = yaml
        .lines()
        .filter(|l| l.trim_start().starts_with("timezone:"))
        .collect();
    assert_eq!(zones.len(), 1, "{yaml}");
    let zone = zones[0].trim_start().trim_start_matches("timezone:").trim();
    assert!(zone.eq_ignore_ascii_case("America/New_York"), "{zone}");
    let edited = yaml.replace(zones[0], &zones[0].replace(zone, "UTC-05"));
    std::fs::write(&path, edited).unwrap();
    expect_code(&s.run(&["validate", "recipe.yaml"]), 0);

    let plan = against(
        &s,
        url,
        &["plan", "--adopt", "--format", "json", "recipe.yaml"],
    );
    expect_code(&plan, 0);
    // The recipe's campaign started IMMEDIATE and has completed: AWS does
    // not change it, so its zone is read as the spec's, with a warning.
    let logs = stderr(&plan);
    assert!(
        logs.contains("campaign.flash_sale_notification")
            && logs.contains("has completed")
            && logs.contains("/schedule/timezone"),
        "{logs}"
    );
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    // Role, stream, app, 2 channels, 2 endpoints, segment, campaign, event
    // stream, 2 alarms. The recipe's campaign carries its own messages and
    // uses no template, so its template is not exported.
    let addresses: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert!(
        !addresses.iter().any(|a| a.starts_with("template.")),
        "{addresses:?}"
    );
    assert_adopt_only(&plan, 12);

    // Taken over, it plans as no change.
    expect_code(
        &against(
            &s,
            url,
            &["apply", "--adopt", "--auto-approve", "recipe.yaml"],
        ),
        0,
    );
    expect_code(
        &against(&s, url, &["plan", "--detailed-exitcode", "recipe.yaml"]),
        0,
    );
    drop(served);
}
