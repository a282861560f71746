//! `reconcile validate` and `reconcile schema` through the binary.

use crate::util::{Scratch, code, expect_code, root, stderr, stdout};

#[test]
fn example_specs_are_valid() {
    let s = Scratch::new();
    let o = s.run(&[
        "validate",
        "specs/flash-sale.yaml",
        "specs/retail-multi.yaml",
    ]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("specs/flash-sale.yaml: valid"));
}

#[test]
fn every_problem_is_reported_with_its_location() {
    let s = Scratch::new();
    let path = s.path().join("bad.yaml");
    std::fs::write(
        &path,
        "stack: demo\napp:\n  name: shop\n  nmae: typo\ncampaigns:\n  sale:\n    name: sale\n    segment: nowhere\n    schedule:\n      start_time: immediate\n      timezone: America/New_York\n",
    )
    .unwrap();
    let o = s.run(&["validate", "bad.yaml"]);
    expect_code(&o, 1);
    let err = stderr(&o);
    // Unknown key with its nearest valid key, a dangling reference and an
    // IANA timezone: all three at once, each with file:line:col.
    assert!(err.contains("bad.yaml:4:3"), "{err}");
    assert!(err.contains("`name`"), "{err}");
    assert!(err.contains("bad.yaml:8:"), "{err}");
    assert!(err.contains("nowhere"), "{err}");
    assert!(err.contains("bad.yaml:11:"), "{err}");
    assert!(err.contains("UTC-05"), "{err}");
}

#[test]
fn bad_input_fails_cleanly() {
    let s = Scratch::new();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.yaml", Vec::new()),
        ("list.yaml", b"- a\n- b\n".to_vec()),
        ("latin1.yaml", b"stack: caf\xe9\n".to_vec()),
        ("syntax.yaml", b"stack: [unclosed\n".to_vec()),
    ];
    for (name, bytes) in cases {
        std::fs::write(s.path().join(name), bytes).unwrap();
        let started = std::time::Instant::now();
        let o = s.run(&["validate", name]);
        assert_eq!(code(&o), 1, "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains(name), "{name}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{name}: {}", stderr(&o));
        assert!(started.elapsed().as_secs() < 5, "{name} took too long");
    }
}

#[test]
fn the_checked_in_schema_is_what_the_binary_prints() {
    let s = Scratch::new();
    let o = s.run(&["schema"]);
    expect_code(&o, 0);
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let checked_in: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("specs/reconcile.schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(printed, checked_in, "specs/reconcile.schema.json is stale");
}
