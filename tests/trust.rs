//! Trust: a saved plan applies only what a fresh plan of its spec would do
//! now. Each tampering a reviewer could slip into a CI artifact is refused
//! with nothing applied, and the account is checked afterwards; an
//! unedited plan still applies.

use serde_json::{Value, json};

use crate::util::{Scratch, code, expect_code, stderr};

/// Applies `specs` on `--local`.
fn applied(specs: &[&str]) -> Scratch {
    let s = Scratch::new();
    for spec in specs {
        s.apply_local(spec);
    }
    s
}

/// `plan --out` of `spec` into `name`, returned as JSON.
fn saved(s: &Scratch, spec: &str, name: &str) -> Value {
    let o = s.run(&["plan", "--local", spec, "--out", name]);
    assert!(matches!(code(&o), 0 | 2), "{}", stderr(&o));
    serde_json::from_slice(&std::fs::read(s.path().join(name)).unwrap()).unwrap()
}

fn write(s: &Scratch, name: &str, plan: &Value) {
    std::fs::write(
        s.path().join(name),
        serde_json::to_vec_pretty(plan).unwrap(),
    )
    .unwrap();
}

fn change_mut<'a>(plan: &'a mut Value, address: &str) -> &'a mut Value {
    plan["changes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("no change for {address}"))
}

/// `apply --local NAME` must be refused naming `address`, with nothing
/// applied: every spec in `intact` still plans as no change.
#[track_caller]
fn assert_refused(s: &Scratch, name: &str, address: &str, intact: &[&str]) {
    let o = s.run(&["apply", "--local", "--auto-approve", name]);
    expect_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("nothing was applied"), "{err}");
    assert!(err.contains(&format!("`{address}`")), "{err}");
    for spec in intact {
        let p = s.run(&["plan", "--local", "--detailed-exitcode", spec]);
        expect_code(&p, 0);
    }
}

const FLASH: &str = "specs/flash-sale.yaml";
const RETAIL: &str = "specs/retail-multi.yaml";

#[test]
fn a_delete_of_another_stacks_role_grafted_onto_a_plan_is_refused() {
    let s = applied(&[FLASH, RETAIL]);
    let retail = saved(&s, RETAIL, "retail.json");
    let mut role = retail["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "iam_role.stream_writer")
        .expect("retail's role")
        .clone();
    role["action"] = json!("delete");
    role["after"] = Value::Null;
    role["reason"] = json!("gone from the spec");
    let mut plan = saved(&s, FLASH, "p.json");
    plan["changes"].as_array_mut().unwrap().push(role);
    write(&s, "p.json", &plan);
    assert_refused(&s, "p.json", "iam_role.stream_writer", &[FLASH, RETAIL]);
}

#[test]
fn another_stacks_plan_with_a_grafted_delete_is_refused() {
    let s = applied(&[FLASH, RETAIL]);
    let flash = saved(&s, FLASH, "flash.json");
    let mut campaign = flash["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "campaign.flash_sale")
        .unwrap()
        .clone();
    campaign["action"] = json!("delete");
    campaign["after"] = Value::Null;
    let mut plan = saved(&s, RETAIL, "p.json");
    plan["changes"].as_array_mut().unwrap().push(campaign);
    write(&s, "p.json", &plan);
    assert_refused(&s, "p.json", "campaign.flash_sale", &[FLASH, RETAIL]);
}

#[test]
fn a_no_op_turned_into_a_delete_or_a_replace_is_refused() {
    let s = applied(&[FLASH]);
    for (action, after) in [("delete", true), ("replace", false)] {
        let mut plan = saved(&s, FLASH, "p.json");
        let c = change_mut(&mut plan, "segment.high_value_customers");
        c["action"] = json!(action);
        if after {
            c["after"] = Value::Null;
        }
        write(&s, "p.json", &plan);
        assert_refused(&s, "p.json", "segment.high_value_customers", &[FLASH]);
    }
}

#[test]
fn a_template_body_edited_after_review_is_refused() {
    let s = applied(&[FLASH]);
    let mut plan = saved(&s, FLASH, "p.json");
    let c = change_mut(&mut plan, "template.flash_sale");
    c["action"] = json!("update");
    c["after"]["attrs"]["default"]["body"] = json!("Click http://evil.example/ now");
    write(&s, "p.json", &plan);
    assert_refused(&s, "p.json", "template.flash_sale", &[FLASH]);
    let o = s.run(&["apply", "--local", "--auto-approve", "p.json"]);
    assert!(stderr(&o).contains("/default/body"), "{}", stderr(&o));
}

#[test]
fn a_secret_reference_pointed_elsewhere_is_refused() {
    let s = applied(&[FLASH]);
    let mut plan = saved(&s, FLASH, "p.json");
    let c = change_mut(&mut plan, "channel.gcm");
    c["action"] = json!("update");
    c["after"]["write_only"]["api_key"] = json!({"secret": "${file:/etc/passwd}"});
    write(&s, "p.json", &plan);
    assert_refused(&s, "p.json", "channel.gcm", &[FLASH]);
    let o = s.run(&["apply", "--local", "--auto-approve", "p.json"]);
    assert!(
        stderr(&o).contains("/etc/passwd"),
        "the reference is named: {}",
        stderr(&o)
    );
}

#[test]
fn an_injected_create_is_refused() {
    let s = applied(&[FLASH]);
    let mut plan = saved(&s, FLASH, "p.json");
    let mut segment = change_mut(&mut plan, "segment.high_value_customers").clone();
    segment["address"] = json!("segment.everyone");
    segment["action"] = json!("create");
    segment["before"] = Value::Null;
    segment["after"]["address"] = json!("segment.everyone");
    segment["after"]["attrs"]["name"] = json!("everyone");
    plan["changes"].as_array_mut().unwrap().push(segment);
    write(&s, "p.json", &plan);
    assert_refused(&s, "p.json", "segment.everyone", &[FLASH]);
}

#[test]
fn an_unedited_plan_still_applies() {
    let s = applied(&[FLASH]);
    let path = s.spec("flash-sale.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen(
        "exclusive flash sale ends in 2 hours!",
        "exclusive flash sale ends in 1 hour!",
        1,
    );
    assert_ne!(text, edited);
    std::fs::write(&path, edited).unwrap();
    let plan = saved(&s, FLASH, "p.json");
    assert_eq!(change_action(&plan, "template.flash_sale"), "update");
    s.apply_local("p.json");
    expect_code(
        &s.run(&["plan", "--local", "--detailed-exitcode", FLASH]),
        0,
    );
}

fn change_action(plan: &Value, address: &str) -> String {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address)
        .and_then(|c| c["action"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// A saved plan carries the credentials' fingerprints (argon2id, salted by
/// the stack): with a pepper configured (`RECONCILE_FINGERPRINT_KEY`, kept
/// in the CI's secrets, not in the artifact), they change, so a guess of a
/// secret cannot be tested against the artifact without the pepper.
#[test]
fn a_pepper_changes_every_fingerprint_of_a_saved_plan() {
    let s = Scratch::new();
    let fingerprints = |plan: &Value| -> Vec<String> {
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["after"]["attrs"]["write_only_fingerprint"].as_str())
            .map(ToOwned::to_owned)
            .collect()
    };
    let plain = saved(&s, FLASH, "plain.json");
    let o = s
        .cmd()
        .args(["plan", "--local", FLASH, "--out", "peppered.json"])
        .env(
            "RECONCILE_FINGERPRINT_KEY",
            "a pepper from the CI's secrets",
        )
        .output()
        .unwrap();
    expect_code(&o, 0);
    let peppered: Value =
        serde_json::from_slice(&std::fs::read(s.path().join("peppered.json")).unwrap()).unwrap();
    let (a, b) = (fingerprints(&plain), fingerprints(&peppered));
    assert_eq!(a.len(), 2, "apns and gcm: {plain}");
    assert_eq!(b.len(), 2);
    for (x, y) in a.iter().zip(&b) {
        assert_ne!(x, y, "the pepper did not change a fingerprint");
        assert_eq!(x.len(), 32);
    }
    // And no secret is in either plan.
    for secret in crate::util::demo_secrets() {
        for plan in [&plain, &peppered] {
            assert!(
                !plan.to_string().contains(&secret),
                "a secret line in a plan"
            );
        }
    }
}
