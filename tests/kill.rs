//! A `reconcile apply` killed with SIGKILL at a seeded point: `history`
//! marks it interrupted, its lock is recognised as stale, the next `apply`
//! converges, and `rollback` restores the state before it.
//!
//! The kill point is chosen in steps, not in time: the test waits until the
//! k-th `step_started` record (k seeded, over the whole plan) is on disk,
//! then waits a seeded 0–25 ms more (so the kill lands before, during or
//! after that step's requests) and kills. The emulator adds 40 ms to every
//! request so that a step is in flight for a while.
//!
//! Each test reports where its kill landed on stderr (`--nocapture`).
#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::external::{External, owned};
use crate::faults::journal_problems;
use crate::util::{Scratch, expect_code, stdout};

const STACK: &str = "flash-sale";
const SPEC: &str = "specs/flash-sale.yaml";

/// splitmix64: a seeded generator, enough for kill points.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// Where a kill landed.
struct Killed {
    pid: u32,
    /// The k-th started step the kill waited for, of `planned`.
    at_step: u64,
    planned: u64,
    extra_ms: u64,
}

impl std::fmt::Debug for Killed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pid {} killed {} ms after step {} of {} started",
            self.pid, self.extra_ms, self.at_step, self.planned
        )
    }
}

fn journal_files(s: &Scratch) -> BTreeSet<PathBuf> {
    std::fs::read_dir(s.state_dir().join("journal").join(STACK))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

fn step_starts(path: &Path) -> (u64, Option<u64>) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut planned = None;
    let mut starts = 0;
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        match v["type"].as_str() {
            Some("apply_started") => planned = v["planned_steps"].as_u64(),
            Some("step_started") => starts += 1,
            _ => {}
        }
    }
    (starts, planned)
}

/// Starts `apply --auto-approve SPEC` against `em` and kills it with
/// SIGKILL at a point chosen by `rng`. Fails when the apply ended by itself
/// first.
fn apply_and_kill(s: &Scratch, em: &External, rng: &mut Rng) -> Killed {
    let before = journal_files(s);
    let log = std::fs::File::create(s.path().join("killed-apply.log")).unwrap();
    let mut child = em
        .command(s, &["apply", "--auto-approve", SPEC])
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("`reconcile apply` starts");
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_mins(1);
    let mut target: Option<(PathBuf, u64, u64)> = None;
    let extra_ms = rng.between(0, 25);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let log = std::fs::read_to_string(s.path().join("killed-apply.log")).unwrap();
            panic!("the apply ended by itself ({status}) before the kill point {target:?}:\n{log}");
        }
        assert!(
            Instant::now() < deadline,
            "the apply never reached its kill point"
        );
        if target.is_none()
            && let Some(path) = journal_files(s).difference(&before).next().cloned()
            && let (_, Some(planned)) = step_starts(&path)
        {
            let k = rng.between(1, planned.max(1));
            target = Some((path, k, planned));
        }
        if let Some((path, k, planned)) = &target
            && step_starts(path).0 >= *k
        {
            std::thread::sleep(Duration::from_millis(extra_ms));
            child.kill().expect("SIGKILL");
            let status = child.wait().unwrap();
            if status.signal() != Some(9) {
                let log = std::fs::read_to_string(s.path().join("killed-apply.log")).unwrap();
                panic!("the apply ended by itself ({status}) before the kill:\n{log}");
            }
            return Killed {
                pid,
                at_step: *k,
                planned: *planned,
                extra_ms,
            };
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// After a kill: `history` marks the apply interrupted, and the lock the
/// killed process left names it.
fn check_interrupted(s: &Scratch, killed: &Killed) {
    let history = s.run(&["history", SPEC]);
    expect_code(&history, 0);
    let h = stdout(&history);
    let last = h.lines().rfind(|l| l.contains("Z-")).unwrap_or_default();
    assert!(last.contains("interrupted"), "{killed:?}\n{h}");
    let lock = s.state_dir().join("locks").join(format!("{STACK}.lock"));
    let holder: Value = serde_json::from_slice(&std::fs::read(&lock).expect("a lock was left"))
        .expect("the lock is JSON");
    assert_eq!(holder["pid"], killed.pid, "{holder}");
}

fn no_duplicates(em: &External) {
    let have = owned(&em.state(), STACK);
    for (kind, m) in &have {
        for (key, n) in m {
            assert_eq!(*n, 1, "{kind} {key} exists {n} times");
        }
    }
}

fn start(latency_ms: u64) -> (Scratch, External) {
    let s = Scratch::new();
    let em = External::start(&s);
    em.set_knobs(&json!({ "latency_ms": latency_ms }));
    (s, em)
}

const LATENCY_MS: u64 = 40;

/// Killed during the first apply of the recipe's stack: the next apply
/// takes over the stale lock and converges, without duplicates.
fn killed_then_apply_converges(seed: u64) {
    let (s, em) = start(LATENCY_MS);
    let mut rng = Rng(seed);
    let killed = apply_and_kill(&s, &em, &mut rng);
    check_interrupted(&s, &killed);

    let again = em.run(&s, &["apply", "--auto-approve", SPEC]);
    expect_code(&again, 0);
    let plan = em.run(&s, &["plan", "--detailed-exitcode", SPEC]);
    expect_code(&plan, 0);
    no_duplicates(&em);
    assert!(
        !s.state_dir()
            .join("locks")
            .join(format!("{STACK}.lock"))
            .exists(),
        "the lock was not released"
    );
    let problems = journal_problems(&s.state_dir(), STACK, true);
    assert!(problems.is_empty(), "{killed:?}: {problems:#?}");
    eprintln!("seed {seed}: {killed:?}: the next apply converged");
}

#[test]
fn killed_apply_then_apply_converges_seed_1() {
    killed_then_apply_converges(1);
}

#[test]
fn killed_apply_then_apply_converges_seed_2() {
    killed_then_apply_converges(2);
}

#[test]
fn killed_apply_then_apply_converges_seed_3() {
    killed_then_apply_converges(3);
}

/// Killed during the first apply: `rollback` leaves nothing of the stack.
fn killed_first_apply_then_rollback_empties(seed: u64) {
    let (s, em) = start(LATENCY_MS);
    let mut rng = Rng(seed);
    let killed = apply_and_kill(&s, &em, &mut rng);
    check_interrupted(&s, &killed);

    let o = em.run(&s, &["rollback", "--auto-approve", SPEC]);
    expect_code(&o, 0);
    let have = owned(&em.state(), STACK);
    assert!(
        have.values().all(BTreeMap::is_empty),
        "{killed:?}: left after the rollback: {have:?}"
    );
    let problems = journal_problems(&s.state_dir(), STACK, true);
    assert!(problems.is_empty(), "{killed:?}: {problems:#?}");
    eprintln!("seed {seed}: {killed:?}: rollback left nothing");
}

#[test]
fn killed_first_apply_then_rollback_empties_seed_4() {
    killed_first_apply_then_rollback_empties(4);
}

#[test]
fn killed_first_apply_then_rollback_empties_seed_5() {
    killed_first_apply_then_rollback_empties(5);
}

/// Applied, then changed (a template body, a segment dimension, an added
/// alarm, a removed endpoint) and killed during that apply: `rollback`
/// restores the account as the first apply left it.
fn killed_change_then_rollback_restores(seed: u64) {
    let (s, em) = start(LATENCY_MS);
    expect_code(&em.run(&s, &["apply", "--auto-approve", SPEC]), 0);
    let before = comparable(&em.state());

    let spec = s.spec("flash-sale.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let changed = text
        .replace(
            "exclusive flash sale ends in 2 hours",
            "exclusive flash sale ends in 1 hour",
        )
        .replace("values: [high-value]", "values: [top-value]");
    let changed = without_endpoint(&changed, "android-user-002");
    let changed = format!(
        "{changed}\n  extra_alarm:\n    name: PinpointExtraAlarm\n    metric_name: DirectSendMessagePermanentFailure\n    statistic: Sum\n    period: 60\n    threshold: 1\n    comparison_operator: GreaterThanThreshold\n    evaluation_periods: 1\n"
    );
    assert_ne!(text, changed);
    std::fs::write(&spec, changed).unwrap();

    let mut rng = Rng(seed);
    let killed = apply_and_kill(&s, &em, &mut rng);
    check_interrupted(&s, &killed);

    let o = em.run(&s, &["rollback", "--auto-approve", SPEC]);
    expect_code(&o, 0);
    assert_eq!(
        before,
        comparable(&em.state()),
        "{killed:?}: the account after the rollback differs from before the killed apply\n{}",
        stdout(&o)
    );
    let problems = journal_problems(&s.state_dir(), STACK, true);
    assert!(problems.is_empty(), "{killed:?}: {problems:#?}");
    eprintln!("seed {seed}: {killed:?}: rollback restored the earlier state");
}

#[test]
fn killed_change_then_rollback_restores_seed_1() {
    killed_change_then_rollback_restores(1);
}

#[test]
fn killed_change_then_rollback_restores_seed_2() {
    killed_change_then_rollback_restores(2);
}

#[test]
fn killed_change_then_rollback_restores_seed_3() {
    killed_change_then_rollback_restores(3);
}

/// The spec without the endpoint `id` (its key line and the lines under it).
fn without_endpoint(spec: &str, id: &str) -> String {
    let mut out = Vec::new();
    let mut skipping = false;
    for line in spec.lines() {
        if line == format!("  {id}:") {
            skipping = true;
            continue;
        }
        if skipping && (line.starts_with("    ") || line.trim().is_empty()) {
            continue;
        }
        skipping = false;
        out.push(line);
    }
    out.join("\n") + "\n"
}

/// The emulator's state without what legitimately moves on every write
/// (dates, versions, sequence counters, request ids), as `tests/apply.rs`
/// compares it.
fn comparable(state: &Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                map.retain(|k, _| {
                    let k = k.to_ascii_lowercase();
                    !(k.contains("date")
                        || k.contains("time")
                        || k.contains("version")
                        || k == "clock_offset_ms"
                        || k.contains("kpi")
                        || k.contains("seq")
                        || k.contains("created")
                        || k.contains("modified")
                        || k.contains("updated")
                        || k == "request_id")
                });
                for v in map.values_mut() {
                    strip(v);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = state.clone();
    strip(&mut v);
    v
}
