//! `--help` is what a new user reads first: snapshots, so that a change to
//! it is seen in review.

use crate::util::{Scratch, expect_code, stdout};

fn help(args: &[&str]) -> String {
    let s = Scratch::new();
    let o = s
        .cmd()
        .args(args)
        .env_remove("RECONCILE_STATE_DIR")
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    expect_code(&o, 0);
    stdout(&o)
}

#[test]
fn top_level_help() {
    insta::assert_snapshot!("help_top_level", help(&["--help"]));
}

#[test]
fn plan_help() {
    insta::assert_snapshot!("help_plan", help(&["plan", "--help"]));
}
