//! The `reconcile` commands of the README's GitOps pipeline, in order: on a
//! pull request `validate`, `plan --detailed-exitcode --out plan.json` and a
//! Markdown rendering for the comment; on merge `apply plan.json`. (The
//! action around them, `scripts/github.py`, is `tests/action.rs`'s.)

use crate::util::{Scratch, expect_code, stdout};

#[test]
fn the_readme_pipeline_plans_comments_and_applies_exactly_the_saved_plan() {
    let s = Scratch::new();
    // Pull request.
    expect_code(&s.run(&["validate", "specs/flash-sale.yaml"]), 0);
    let plan = s.run(&[
        "plan",
        "--local",
        "specs/flash-sale.yaml",
        "--detailed-exitcode",
        "--out",
        "plan.json",
    ]);
    expect_code(&plan, 2);
    let comment = s.run(&[
        "plan",
        "--local",
        "specs/flash-sale.yaml",
        "--format",
        "markdown",
    ]);
    expect_code(&comment, 0);
    let markdown = stdout(&comment);
    assert!(markdown.contains("<details>"), "{markdown}");
    assert!(markdown.contains("campaign.flash_sale"), "{markdown}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path().join("plan.json")).unwrap())
            .unwrap();
    assert_eq!(saved["format_version"], 1);

    // Merge: exactly the saved plan, no prompt in CI.
    let apply = s.run(&["apply", "--local", "plan.json"]);
    expect_code(&apply, 0);
    // The next pull request sees no change.
    expect_code(
        &s.run(&[
            "plan",
            "--local",
            "specs/flash-sale.yaml",
            "--detailed-exitcode",
        ]),
        0,
    );
}
