//! `reconcile show PLANFILE`: a saved plan reads as `plan` printed it, in
//! every format, with no AWS call (a reviewer holding only the artifact).

use std::time::{Duration, Instant};

use crate::util::{Scratch, expect_code, stderr, stdout};

#[test]
fn a_saved_plan_shows_as_plan_printed_it_in_every_format_without_aws() {
    let s = Scratch::new();
    for format in ["text", "markdown", "json"] {
        let planned = s.run(&[
            "plan",
            "--local",
            "specs/flash-sale.yaml",
            "--format",
            format,
            "--out",
            "p.json",
        ]);
        expect_code(&planned, 0);
        // No account, no emulator: an endpoint that refuses connections.
        let shown = s
            .cmd()
            .args(["show", "p.json", "--format", format])
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_ACCESS_KEY_ID", "none")
            .env("AWS_SECRET_ACCESS_KEY", "none")
            .output()
            .unwrap();
        expect_code(&shown, 0);
        assert_eq!(stdout(&shown), stdout(&planned), "{format}");
    }
}

#[test]
fn show_refuses_what_is_not_a_plan_at_once() {
    let s = Scratch::new();
    let o = s.run(&["show", "specs/flash-sale.yaml"]);
    expect_code(&o, 1);
    assert!(
        stderr(&o).contains("is not a reconcile plan file"),
        "{}",
        stderr(&o)
    );

    let fifo = s.path().join("plan.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|st| st.success()) {
        let started = Instant::now();
        let o = s.run(&["show", "plan.json"]);
        expect_code(&o, 1);
        assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
