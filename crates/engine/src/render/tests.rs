//! Snapshots of the three renderings for a small realistic plan, and the
//! guarantee that sensitive values never reach any of them.

use std::collections::{BTreeMap, BTreeSet};

use reconcile_model::{Address, Kind, Resource, SecretRef, WriteOnly};
use serde_json::{Value, json};

use super::*;
use crate::planner::make_plan;
use crate::provider::{Conflict, LiveState, Unavailable};

fn res(address: &str, attrs: Value, deps: &[&str]) -> Resource {
    Resource {
        address: address.parse().unwrap(),
        attrs,
        write_only: BTreeMap::new(),
        sensitive: BTreeSet::new(),
        depends_on: deps.iter().map(|d| d.parse().unwrap()).collect(),
    }
}

fn app() -> Resource {
    res("app", json!({"name": "ecommerce-mobile-app"}), &[])
}

fn apns(fingerprint: &str) -> Resource {
    let mut r = res(
        "channel.apns",
        json!({
            "enabled": true,
            "default_authentication_method": "TOKEN",
            "write_only_fingerprint": fingerprint,
        }),
        &[],
    );
    r.write_only.insert(
        "token_key".into(),
        WriteOnly::Secret(SecretRef::Env("APNS_TOKEN_KEY".into())),
    );
    r.sensitive.insert("/token_key".into());
    r
}

fn template(hours: u32, footer: &str) -> Resource {
    let body = format!(
        "Don't miss out! {{{{User.FirstName}}}}, exclusive flash sale ends in {hours} hours!"
    );
    res(
        "template.flash_sale",
        json!({
            "name": "flash-sale-template",
            "apns": {"action": "OPEN_APP", "title": "🔥 Flash Sale Alert", "body": body, "sound": "default"},
            "default": {"title": "🔥 Flash Sale Alert", "body": format!("Don't miss out!\nExclusive flash sale.\n{footer}")},
        }),
        &[],
    )
}

/// The plan every snapshot shows: the app unchanged, the APNs key rotated, a
/// new segment and campaign, a template whose bodies changed, and an alarm
/// that left the spec.
fn realistic_plan() -> Plan {
    let segment = res(
        "segment.high_value",
        json!({
            "name": "high-value-customers",
            "dimensions": {
                "user_attributes": {"PurchaseHistory": {"attribute_type": "INCLUSIVE", "values": ["high-value"]}},
                "demographic": {"platform": {"dimension_type": "INCLUSIVE", "values": ["iOS", "Android"]}},
            },
        }),
        &[],
    );
    let campaign = res(
        "campaign.flash_sale",
        json!({
            "name": "flash-sale-notification",
            "segment": "high_value",
            "template": "flash_sale",
            "schedule": {"start_time": "IMMEDIATE", "timezone": "UTC-05", "quiet_time": {"start": "22:00", "end": "08:00"}},
        }),
        &["segment.high_value", "template.flash_sale"],
    );
    let alarm = res(
        "alarm.delivery_failures",
        json!({"name": "pinpoint-delivery-failures", "metric_name": "DirectSendMessagePermanentFailure", "threshold": 5}),
        &[],
    );
    let desired = vec![
        app(),
        apns("2f1c0a9e"),
        segment,
        template(3, "Up to 50% off."),
        campaign,
    ];
    let live = LiveState {
        resources: vec![app(), apns("77b3d410"), template(2, "Ends soon."), alarm],
        ..LiveState::default()
    };
    make_plan(
        "flash-sale",
        "specs/flash-sale.yaml",
        "/work/specs",
        desired,
        live,
    )
    .unwrap()
}

/// A plan that renames the app (so everything in it is replaced), with a
/// conflict and a kind that AWS no longer serves.
fn troubled_plan() -> Plan {
    let segment = res("segment.vip", json!({"name": "vip"}), &[]);
    let desired = vec![
        res("app", json!({"name": "shop-v2"}), &[]),
        segment.clone(),
        res("campaign.sale", json!({"name": "sale"}), &["segment.vip"]),
        res("template.t", json!({"name": "t"}), &[]),
    ];
    let live = LiveState {
        resources: vec![res("app", json!({"name": "shop"}), &[]), segment],
        conflicts: vec![Conflict {
            address: "template.t".parse().unwrap(),
            live_id: "t".into(),
            owner: Some("other-stack".into()),
            message: "a push template named `t` exists".into(),
        }],
        unavailable: vec![Unavailable {
            address: Address::new(Kind::Campaign, "*"),
            message: "Amazon Pinpoint campaigns are no longer supported".into(),
        }],
        ..LiveState::default()
    };
    make_plan("shop", "shop.yaml", "/", desired, live).unwrap()
}

#[test]
fn text_snapshot() {
    let plan = realistic_plan();
    insta::assert_snapshot!(
        "text",
        text(
            &plan,
            &TextOptions {
                color: false,
                show_no_op: false
            }
        )
    );
}

#[test]
fn json_snapshot() {
    let plan = realistic_plan();
    insta::assert_snapshot!("json", serde_json::to_string_pretty(&json(&plan)).unwrap());
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("markdown", markdown(&realistic_plan()));
}

#[test]
fn troubled_plan_snapshots() {
    let plan = troubled_plan();
    insta::assert_snapshot!(
        "troubled_text",
        text(
            &plan,
            &TextOptions {
                color: false,
                show_no_op: true
            }
        )
    );
    insta::assert_snapshot!("troubled_markdown", markdown(&plan));
}

#[test]
fn no_changes_say_so() {
    let plan = make_plan(
        "s",
        "s.yaml",
        "/",
        vec![app()],
        LiveState {
            resources: vec![app()],
            ..LiveState::default()
        },
    )
    .unwrap();
    let t = text(&plan, &TextOptions::default());
    assert!(
        t.ends_with("No changes. The account matches the spec.\n"),
        "{t}"
    );
    assert!(!t.contains("Symbols"));
    let shown = text(
        &plan,
        &TextOptions {
            color: false,
            show_no_op: true,
        },
    );
    assert!(
        shown.contains("  = app\n      # matches the spec"),
        "{shown}"
    );
    assert!(markdown(&plan).contains("**No changes. The account matches the spec.**"));
    assert_eq!(json(&plan)["has_changes"], json!(false));
}

#[test]
fn colour_only_when_asked() {
    let plan = realistic_plan();
    let plain = text(&plan, &TextOptions::default());
    assert!(!plain.contains('\u{1b}'));
    let coloured = text(
        &plan,
        &TextOptions {
            color: true,
            show_no_op: false,
        },
    );
    assert!(coloured.contains("\u{1b}["));
    // Same words once the escapes are gone (the word marks are colour instead).
    assert!(coloured.contains("flash-sale"));
}

#[test]
fn the_summary_line_counts_actions() {
    let plan = realistic_plan();
    assert_eq!(
        summary_line(&plan),
        "Plan: 2 to create, 2 to update, 0 to replace, 1 to delete."
    );
}

/// Secret-looking values at sensitive paths, in every action and nesting,
/// never appear in any rendering.
#[test]
fn sensitive_values_never_appear() {
    const SECRETS: [&str; 6] = [
        "sk_live_OLDSECRET_11",
        "sk_live_NEWSECRET_22",
        "sk_live_CREATED_33",
        "sk_live_DELETED_44",
        "sk_live_NESTED_55",
        "sk_live_FINGERPRINT_66",
    ];
    let mark = |mut r: Resource, pointers: &[&str]| {
        r.sensitive = pointers.iter().map(|p| (*p).to_owned()).collect();
        r
    };
    let desired = vec![
        app(),
        // Update of a sensitive leaf, and a sensitive object that appears.
        mark(
            res(
                "channel.gcm",
                json!({
                    "enabled": true,
                    "server_key": "sk_live_NEWSECRET_22",
                    "credentials": {"private": {"key": "sk_live_NESTED_55"}, "project": "shop"},
                    "write_only_fingerprint": "sk_live_FINGERPRINT_66",
                }),
                &[],
            ),
            &["/server_key", "/credentials/private"],
        ),
        // Create with a sensitive field, also inside a long body-like value.
        mark(
            res(
                "endpoint.ios-user-001",
                json!({"address": "sk_live_CREATED_33", "user": {"token": format!("{} and a long enough tail to be a body", "sk_live_CREATED_33")}}),
                &[],
            ),
            &["/address", "/user/token"],
        ),
    ];
    let live = LiveState {
        resources: vec![
            app(),
            mark(
                res(
                    "channel.gcm",
                    json!({"enabled": false, "server_key": "sk_live_OLDSECRET_11", "write_only_fingerprint": "0000"}),
                    &[],
                ),
                &["/server_key"],
            ),
            // Delete of a resource with a sensitive field.
            mark(
                res(
                    "endpoint.android-user-002",
                    json!({"address": "sk_live_DELETED_44"}),
                    &[],
                ),
                &["/address"],
            ),
        ],
        ..LiveState::default()
    };
    let plan = make_plan("s", "s.yaml", "/", desired, live).unwrap();
    assert_eq!(plan.summary().create, 1);
    assert_eq!(plan.summary().update, 1);
    assert_eq!(plan.summary().delete, 1);

    let renderings = [
        text(
            &plan,
            &TextOptions {
                color: false,
                show_no_op: true,
            },
        ),
        text(
            &plan,
            &TextOptions {
                color: true,
                show_no_op: true,
            },
        ),
        markdown(&plan),
        serde_json::to_string(&json(&plan)).unwrap(),
    ];
    for rendering in &renderings {
        for secret in SECRETS {
            assert!(
                !rendering.contains(secret),
                "`{secret}` leaked into:\n{rendering}"
            );
        }
        assert!(rendering.contains(MASK), "{rendering}");
    }
    let plain = &renderings[0];
    assert!(
        plain.contains("~ /server_key: (sensitive) -> (sensitive)"),
        "{plain}"
    );
    assert!(
        plain.contains("~ /write_only_fingerprint: (sensitive value changed)"),
        "{plain}"
    );
    assert!(
        plain.contains(r#"+ /credentials: {"private":"(sensitive)","project":"shop"}"#),
        "{plain}"
    );
}

/// Control characters and bidi overrides everywhere a spec or AWS puts
/// text: keys, names, a template body, AWS's messages, a conflict's live id.
fn hostile_plan() -> Plan {
    let body = |tail: &str| format!("Line one\u{1b}[1A\nline two\u{202e}\rfake {tail} 🔥 café");
    let desired = vec![
        res("app", json!({"name": "shop\u{1b}[31m\u{202e}ppa"}), &[]),
        res(
            "endpoint.ios\u{1b}[2J\u{7}1",
            json!({"address": "token\u{0}\u{9b}1", "channel_type": "APNS"}),
            &[],
        ),
        res(
            "template.promo",
            json!({"name": "promo", "default": {"title": "Sale\u{1b}[5m", "body": body("new")}}),
            &[],
        ),
        res("template.t\u{2066}x\u{2069}", json!({"name": "t"}), &[]),
    ];
    let live = LiveState {
        resources: vec![
            res("app", json!({"name": "shop\u{1b}[31m\u{202e}ppa"}), &[]),
            res(
                "template.promo",
                json!({"name": "promo", "default": {"title": "Sale", "body": body("old")}}),
                &[],
            ),
            res(
                "segment.gone\u{1b}]0;pwned\u{7}",
                json!({"name": "gone\u{200e}"}),
                &[],
            ),
        ],
        conflicts: vec![Conflict {
            address: "template.t\u{2066}x\u{2069}".parse().unwrap(),
            live_id: "t\u{1b}[8m".into(),
            owner: Some("other\u{202e}".into()),
            message: "a push template named `t\u{2066}x\u{2069}` exists\nPlan: 0 to create".into(),
        }],
        unavailable: vec![Unavailable {
            address: Address::new(Kind::Campaign, "*"),
            message: "AWS said \u{1b}[31mno\u{1b}[0m".into(),
        }],
        ..LiveState::default()
    };
    make_plan(
        "shop",
        "specs/\u{1b}[31mshop\u{202e}.yaml",
        "/",
        desired,
        live,
    )
    .unwrap()
}

#[test]
fn hostile_text_is_escaped_in_text_and_markdown() {
    let plan = hostile_plan();
    let plain = text(
        &plan,
        &TextOptions {
            color: false,
            show_no_op: true,
        },
    );
    let md = markdown(&plan);
    for rendering in [&plain, &md] {
        let raw: Vec<char> = rendering
            .chars()
            .filter(|c| *c != '\n' && reconcile_model::escape::is_unsafe(*c))
            .collect();
        assert!(raw.is_empty(), "{raw:?} reached:\n{rendering}");
        // Ordinary Unicode is kept.
        assert!(rendering.contains("🔥 café"), "{rendering}");
    }
    // With colour, the only escapes are the painter's own (ESC `[`, never a
    // bell, a bidi override or a cursor move).
    let coloured = text(
        &plan,
        &TextOptions {
            color: true,
            show_no_op: true,
        },
    );
    assert!(!coloured.contains(['\u{7}', '\u{202e}', '\u{2066}', '\u{0}']));
    assert!(!coloured.contains("\u{1b}[1A") && !coloured.contains("\u{1b}[2J"));
    insta::assert_snapshot!("hostile_text", plain);
    insta::assert_snapshot!("hostile_markdown", md);
}

#[test]
fn hostile_text_in_json_is_left_to_serde() {
    // The JSON rendering is a contract: serde's escaping (`\u001b`), and
    // the characters JSON allows raw (U+202E) kept raw.
    let plan = hostile_plan();
    let out = serde_json::to_string_pretty(&json(&plan)).unwrap();
    assert!(
        out.contains("\"name\": \"shop\\u001b[31m\u{202e}ppa\""),
        "{out}"
    );
    assert!(
        out.contains("\"spec_path\": \"specs/\\u001b[31mshop\u{202e}.yaml\""),
        "{out}"
    );
    assert!(!out.contains("\\u{"), "{out}");
}
