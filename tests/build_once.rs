//! The README's two commands compile each dependency once: `cargo run`
//! (the binary's graph) and `cargo test --workspace` (every crate, with
//! dev-dependencies) must resolve the same features for every crate they
//! share, or cargo compiles the crate again with everything above it.
//! `crates/build-once/Cargo.toml` turns the test build's extra features on
//! for the binary; this test fails, naming what to add there, when they
//! drift apart.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use crate::util::root;

/// `cargo tree` as `package version` → the feature sets it is built with
/// (one per build context: target and host may differ).
fn features(args: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .current_dir(root())
        .args(["tree", "--locked", "--offline", "--prefix", "none"])
        .args(["--format", "{p}|{f}"])
        .args(args)
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((package, feats)) = line.split_once('|') else {
            continue;
        };
        // `name vX.Y.Z (path)` and a `(*)` mark for repeats: keep name and version.
        let id: Vec<&str> = package.split_whitespace().take(2).collect();
        let feats = feats.trim_end_matches(" (*)").trim().to_owned();
        map.entry(id.join(" ")).or_default().insert(feats);
    }
    map
}

#[test]
fn run_and_test_builds_share_every_dependency() {
    let run = features(&["-p", "reconcile", "-e", "normal,build"]);
    let test = features(&["--workspace", "-e", "normal,build,dev"]);
    assert!(run.len() > 100, "cargo tree listed too little: {run:?}");
    let drift: Vec<String> = run
        .iter()
        .filter(|(id, feats)| test.get(*id) != Some(feats))
        .map(|(id, feats)| {
            format!(
                "{id}: `cargo run` builds it with {feats:?}, `cargo test` with {:?}",
                test.get(id)
            )
        })
        .collect();
    assert!(
        drift.is_empty(),
        "these crates would be compiled twice; add the test build's features \
         to crates/build-once/Cargo.toml:\n{}",
        drift.join("\n")
    );
}
