//! The benchmark end to end on its smallest stack: it drives the real
//! `reconcile` binary against a real emulator process and writes its
//! results. Skips when `target/<profile>/reconcile` is not built (it is
//! under `cargo test --workspace`, which builds every binary first).

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn a_ten_resource_stack_goes_through_every_phase_and_is_gone_after_destroy() {
    let bench = PathBuf::from(env!("CARGO_BIN_EXE_reconcile-bench"));
    let reconcile = bench.with_file_name("reconcile");
    if !reconcile.is_file() {
        eprintln!(
            "skipped: no {} (run `cargo test --workspace`)",
            reconcile.display()
        );
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(&bench)
        .current_dir(workspace_root())
        .args([
            "--sizes",
            "10",
            "--recipe-size",
            "0",
            "--latency-ms",
            "0",
            "--jitter-ms",
            "0",
        ])
        .arg("--reconcile")
        .arg(&reconcile)
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");

    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("results.json")).unwrap()).unwrap();
    let size = &results["sizes"][0];
    assert_eq!(size["resources"], 10);
    assert_eq!(size["left_after_destroy"], 0);
    let phases = size["phases"].as_array().unwrap();
    let names: Vec<&str> = phases.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["cold apply", "no-op plan", "change apply", "destroy"]
    );
    for p in phases {
        assert_eq!(p["exit"], 0, "{p}");
        assert!(p["requests"].as_u64().unwrap() > 0, "{p}");
        assert!(p["max_rss_mib"].as_f64().unwrap() > 1.0, "{p}");
        assert!(p["bound"]["bound_s"].as_f64().unwrap() >= 0.0, "{p}");
    }
    // The cold apply created the whole stack: an app, a segment, a campaign.
    let cold = &phases[0]["by_operation"];
    for op in [
        "Pinpoint:CreateApp",
        "Pinpoint:CreateSegment",
        "Pinpoint:CreateCampaign",
    ] {
        assert_eq!(cold[op], 1, "{op} in {cold}");
    }
    // The no-op plan wrote nothing.
    let plan = phases[1]["by_operation"].as_object().unwrap();
    assert!(
        plan.keys().all(|op| !op.contains(":Create")
            && !op.contains(":Update")
            && !op.contains(":Delete")),
        "{plan:?}"
    );

    let md = std::fs::read_to_string(out.path().join("results.md")).unwrap();
    assert!(md.contains("| 10 | cold apply |"), "{md}");
    let svg = std::fs::read_to_string(out.path().join("chart.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("no-op plan"), "{svg}");
}
