//! A `reconcile apply` (or `rollback`) killed with SIGKILL at a seeded
//! point: `history` marks it interrupted, its lock is recognised as stale,
//! the next `apply` converges, and `rollback` restores the state before it.
//!
//! The kill point is chosen in steps, not in time: the test waits until the
//! k-th `step_started` (`undo_started`) record (k seeded, over the whole
//! plan) is on disk, then waits a seeded 0–25 ms more (so the kill lands
//! before, during or after that step's requests) and kills. The emulator adds 40 ms to every
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
    /// `history` while the killed process was not yet collected.
    history_of_zombie: String,
}

/// Whether `pid` has ended but was not collected by its parent yet.
fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.trim_start().chars().next())
        })
        == Some('Z')
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
/// SIGKILL after a seeded number of its steps started.
fn apply_and_kill(s: &Scratch, em: &External, rng: &mut Rng) -> Killed {
    let before = journal_files(s);
    run_and_kill(s, em, &["apply", "--auto-approve", SPEC], rng, |_| {
        let path = journal_files(s).difference(&before).next().cloned()?;
        match step_starts(&path) {
            (started, Some(planned)) => Some((started, planned)),
            _ => None,
        }
    })
}

/// Starts `rollback --auto-approve SPEC` of the last apply (which must not
/// have been undone before) and kills it after a seeded number of its
/// undos started.
fn rollback_and_kill(s: &Scratch, em: &External, rng: &mut Rng) -> Killed {
    let journal = journal_files(s)
        .into_iter()
        .next_back()
        .expect("an apply to roll back");
    run_and_kill(s, em, &["rollback", "--auto-approve", SPEC], rng, |log| {
        let planned = planned_steps(log)?;
        let text = std::fs::read_to_string(&journal).unwrap_or_default();
        let undos = text
            .lines()
            .filter(|l| l.contains(r#""type":"undo_started""#))
            .count() as u64;
        Some((undos, planned))
    })
}

/// The steps of the plan a command printed (`Plan: 1 to create, 2 to
/// update, 0 to replace, 1 to delete.`; a replace is two steps).
fn planned_steps(log: &str) -> Option<u64> {
    let line = log.lines().find(|l| l.starts_with("Plan: "))?;
    let n: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map(|w| w.parse().unwrap_or(0))
        .collect();
    match n[..] {
        [create, update, replace, delete] => Some(create + update + 2 * replace + delete),
        _ => None,
    }
}

/// Runs `reconcile <args>` against `em` and kills it with SIGKILL once
/// `progress` (given what the command printed so far) says that the k-th of
/// its planned steps started, k seeded, plus a seeded 0–25 ms. Fails when
/// the command ended by itself first.
fn run_and_kill(
    s: &Scratch,
    em: &External,
    args: &[&str],
    rng: &mut Rng,
    mut progress: impl FnMut(&str) -> Option<(u64, u64)>,
) -> Killed {
    let log_path = s.path().join("killed.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = em
        .command(s, args)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("`reconcile` starts");
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_mins(1);
    let mut target: Option<(u64, u64)> = None;
    let extra_ms = rng.between(0, 25);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let log = std::fs::read_to_string(&log_path).unwrap();
            panic!(
                "`{}` ended by itself ({status}) before the kill point {target:?}:\n{log}",
                args.join(" ")
            );
        }
        assert!(
            Instant::now() < deadline,
            "`{}` never reached its kill point",
            args.join(" ")
        );
        let now = progress(&std::fs::read_to_string(&log_path).unwrap_or_default());
        if target.is_none()
            && let Some((_, planned)) = now
        {
            target = Some((rng.between(1, planned.max(1)), planned));
        }
        if let (Some((k, planned)), Some((started, _))) = (target, now)
            && started >= k
        {
            std::thread::sleep(Duration::from_millis(extra_ms));
            child.kill().expect("SIGKILL");
            // Until collected, the killed process is a zombie: `history`
            // must already see it as gone.
            let zombie = Instant::now() + Duration::from_secs(5);
            while !is_zombie(pid) && Instant::now() < zombie {
                std::thread::sleep(Duration::from_millis(1));
            }
            assert!(is_zombie(pid), "pid {pid} is not a zombie after SIGKILL");
            let history_of_zombie = stdout(&s.run(&["history", SPEC]));
            let status = child.wait().unwrap();
            if status.signal() != Some(9) {
                let log = std::fs::read_to_string(&log_path).unwrap();
                panic!(
                    "`{}` ended by itself ({status}) before the kill:\n{log}",
                    args.join(" ")
                );
            }
            return Killed {
                pid,
                at_step: k,
                planned,
                extra_ms,
                history_of_zombie,
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
    for h in [&h, &killed.history_of_zombie] {
        let last = h.lines().rfind(|l| l.contains("Z-")).unwrap_or_default();
        assert!(last.contains("interrupted"), "{killed:?}\n{h}");
    }
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
    assert_indexed(&em.state(), &killed);
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
    let (s, em, before) = applied_then_changed();
    let mut rng = Rng(seed);
    let killed = apply_and_kill(&s, &em, &mut rng);
    check_interrupted(&s, &killed);

    let o = em.run(&s, &["rollback", "--auto-approve", SPEC]);
    expect_code(&o, 0);
    let after = em.state();
    assert_eq!(
        before,
        comparable(&after),
        "{killed:?}: the account after the rollback differs from before the killed apply\n{}",
        stdout(&o)
    );
    assert_indexed(&after, &killed);
    let problems = journal_problems(&s.state_dir(), STACK, true);
    assert!(problems.is_empty(), "{killed:?}: {problems:#?}");
    eprintln!("seed {seed}: {killed:?}: rollback restored the earlier state");
}

/// The recipe's stack applied, and its spec changed (a template body, a
/// segment dimension, an added alarm, a removed endpoint) but not applied;
/// with the account as the first apply left it.
fn applied_then_changed() -> (Scratch, External, Value) {
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
    (s, em, before)
}

/// A change applied, its rollback killed midway: a second rollback
/// finishes the undo and restores the account as it was before the change.
fn killed_rollback_then_rollback_restores(seed: u64) {
    let (s, em, before) = applied_then_changed();
    expect_code(&em.run(&s, &["apply", "--auto-approve", SPEC]), 0);
    let mut rng = Rng(seed);
    let killed = rollback_and_kill(&s, &em, &mut rng);
    check_interrupted(&s, &killed);

    let o = em.run(&s, &["rollback", "--auto-approve", SPEC]);
    expect_code(&o, 0);
    let after = em.state();
    assert_eq!(
        before,
        comparable(&after),
        "{killed:?}: the account after the second rollback differs from before the change\n{}",
        stdout(&o)
    );
    assert_indexed(&after, &killed);
    let problems = journal_problems(&s.state_dir(), STACK, true);
    assert!(problems.is_empty(), "{killed:?}: {problems:#?}");
    eprintln!("seed {seed}: {killed:?}: the second rollback restored the earlier state");
}

#[test]
fn killed_rollback_then_rollback_restores_seed_1() {
    killed_rollback_then_rollback_restores(1);
}

#[test]
fn killed_rollback_then_rollback_restores_seed_2() {
    killed_rollback_then_rollback_restores(2);
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

/// Every resource of the stack that AWS keys by name or id (roles, streams,
/// endpoints, templates, alarms) is named in the index of owned resources
/// in the app's tags: one that is not is invisible to `destroy`. The index
/// may name more: an entry is written before its create, so a kill before
/// the create leaves one for nothing, which reads skip (by design).
fn assert_indexed(state: &Value, context: &dyn std::fmt::Debug) {
    let apps = state["pinpoint"]["apps"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let app = apps
        .values()
        .find(|a| a["tags"]["reconcile:stack"] == STACK)
        .expect("the stack's app");
    let mut index: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (tag, value) in app["tags"].as_object().into_iter().flatten() {
        let Some((kind, part)) = tag
            .strip_prefix("reconcile:own:")
            .and_then(|rest| rest.rsplit_once(':'))
        else {
            continue;
        };
        assert!(
            !part.starts_with('z'),
            "a compressed index (`{tag}`): this check reads plain ones"
        );
        index.entry(kind.to_owned()).or_default().extend(
            value
                .as_str()
                .unwrap_or("")
                .split(' ')
                .map(str::to_lowercase),
        );
    }
    for (kind, names) in owned(state, STACK) {
        if ![
            "iam_role",
            "kinesis_stream",
            "endpoint",
            "template",
            "alarm",
        ]
        .contains(&kind)
        {
            continue;
        }
        for name in names.keys() {
            let name = name.trim_start_matches("PUSH/").to_lowercase();
            assert!(
                index.get(kind).is_some_and(|i| i.contains(&name)),
                "{context:?}: {kind} `{name}` exists but the app's index does not name it: {index:?}"
            );
        }
    }
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
                        || k == "request_id"
                        // The index of owned resources: checked apart
                        // (`assert_indexed`), as it may hold more.
                        || k.starts_with("reconcile:own:"))
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
