//! The whole recipe end to end, as the README's tour runs it: validate ->
//! plan -> apply -> send -> status -> a change -> apply -> rollback ->
//! destroy, all on `--local`, all through the real binary.

use crate::util::{Scratch, expect_code, stderr, stdout};

#[test]
fn the_recipe_end_to_end_on_local() {
    let s = Scratch::new();
    let spec = "specs/flash-sale.yaml";

    expect_code(&s.run(&["validate", spec]), 0);
    expect_code(&s.run(&["plan", "--local", "--detailed-exitcode", spec]), 2);
    expect_code(&s.run(&["apply", "--local", "--auto-approve", spec]), 0);

    // The recipe's step 8: a test push to both test devices.
    let send = s.run(&[
        "send", "--local", spec, "--title", "Test", "--body", "It works",
    ]);
    expect_code(&send, 0);
    let out = stdout(&send);
    assert!(
        out.contains("ios-user-001") && out.contains("android-user-002"),
        "{out}"
    );
    assert_eq!(out.matches("SUCCESSFUL").count(), 2, "{out}");

    // The recipe's validation section.
    let status = s.run(&["status", "--local", spec, "--format", "json"]);
    expect_code(&status, 0);
    let value: serde_json::Value = serde_json::from_slice(&status.stdout)
        .unwrap_or_else(|e| panic!("status JSON: {e}\n{}", stdout(&status)));
    let text = value.to_string();
    for want in [
        "ecommerce-mobile-app",
        "high-value-customers",
        "flash-sale-template",
        "COMPLETED",
        "INSUFFICIENT_DATA",
    ] {
        assert!(text.contains(want), "{want} missing from status: {text}");
    }

    // A change: the template's body.
    let path = s.spec("flash-sale.yaml");
    let before = std::fs::read_to_string(&path).unwrap();
    let changed = before.replace("ends in 2 hours!", "ends in 1 hour!");
    assert_ne!(
        before, changed,
        "the spec no longer has the template text this test edits"
    );
    std::fs::write(&path, changed).unwrap();
    let plan = s.run(&["plan", "--local", "--detailed-exitcode", spec]);
    expect_code(&plan, 2);
    assert!(
        stdout(&plan).contains("~ template.flash_sale"),
        "{}",
        stdout(&plan)
    );
    expect_code(&s.run(&["apply", "--local", "--auto-approve", spec]), 0);
    expect_code(&s.run(&["plan", "--local", "--detailed-exitcode", spec]), 0);

    // Undo that change: the account is back to the original spec.
    let rollback = s.run(&["rollback", "--local", "--auto-approve", spec]);
    expect_code(&rollback, 0);
    std::fs::write(&path, &before).unwrap();
    expect_code(&s.run(&["plan", "--local", "--detailed-exitcode", spec]), 0);

    // Cleanup: nothing owned is left.
    let destroy = s.run(&["destroy", "--local", "--auto-approve", spec]);
    expect_code(&destroy, 0);
    let after = s.run(&["plan", "--local", "--format", "json", spec]);
    let value: serde_json::Value = serde_json::from_slice(&after.stdout).unwrap();
    for change in value["changes"].as_array().unwrap() {
        assert_eq!(
            change["action"],
            "create",
            "left after destroy: {change}\n{}",
            stderr(&destroy)
        );
    }
}
