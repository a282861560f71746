//! Several `--local` commands on one state dir at once (issue 11): each runs
//! its own emulator on `<state-dir>/local/emulator.json`, and none loses
//! another's writes. Before, each loaded the file once and overwrote it with
//! its own memory: two applies both reported "complete" and one stack was
//! gone.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::external::owned;
use crate::util::{Scratch, expect_code, stderr};

/// What a command says when it waits for another's write.
const WAITING: &str = "waiting for the emulator state";

/// Set for the child that [`hold_the_local_state_lock`] runs in.
const HOLD_ENV: &str = "RECONCILE_TEST_HOLD_LOCK";

/// `reconcile <args>` as [`Scratch::cmd`] runs it, as a plain `Command`
/// so that several can run at once.
fn command(s: &Scratch, args: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("reconcile"));
    cmd.current_dir(s.path())
        .args(args)
        .env("RECONCILE_STATE_DIR", s.state_dir())
        .env("NO_COLOR", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("RUST_LOG")
        .env_remove("RECONCILE_API")
        .env_remove("RECONCILE_FINGERPRINT_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `reconcile <args>` to its end.
fn run(s: &Scratch, args: &[&str]) -> Output {
    command(s, args).output().expect("`reconcile` runs")
}

fn apply(spec: &str) -> [&str; 4] {
    ["apply", "--local", "--auto-approve", spec]
}

/// Starts every command, then waits for all of them.
fn run_together(s: &Scratch, commands: &[[&str; 4]]) -> Vec<Output> {
    let children: Vec<Child> = commands
        .iter()
        .map(|args| command(s, args).spawn().expect("`reconcile` starts"))
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().expect("`reconcile` runs"))
        .collect()
}

/// A copy of `from` as another stack: every `from_stack` in it (stack, role,
/// stream, template, campaign and alarm names) becomes `to_stack`, and the
/// app is named `app`.
fn copy_as(s: &Scratch, from: &str, from_stack: &str, to_stack: &str, app: &str) -> String {
    let text = std::fs::read_to_string(s.spec(from)).unwrap();
    let app_line = text
        .lines()
        .skip_while(|l| *l != "app:")
        .nth(1)
        .expect("an app name under `app:`")
        .to_owned();
    let copy = text
        .replace(from_stack, to_stack)
        .replace(&app_line, &format!("  name: {app}"));
    assert!(copy.contains(&format!("stack: {to_stack}\n")));
    let name = format!("{to_stack}.yaml");
    std::fs::write(s.spec(&name), copy).unwrap();
    format!("specs/{name}")
}

/// Every stack is whole in the local state: a plan of each has nothing to
/// do, and the state holds exactly one app per stack (by its
/// `reconcile:stack` tag) and no duplicate of anything.
fn assert_all_there(s: &Scratch, stacks: &[(&str, &str)]) {
    for (stack, spec) in stacks {
        let o = run(s, &["plan", "--local", "--detailed-exitcode", spec]);
        expect_code(&o, 0);
        assert!(
            !stderr(&o).contains(WAITING),
            "a plan alone waited for nobody:\n{}",
            stderr(&o)
        );
        let have = owned(&s.local_state(), stack);
        assert_eq!(
            have.get("app").map(|a| a["app"]),
            Some(1),
            "{stack}: {have:?}"
        );
        for (kind, keys) in &have {
            for (key, n) in keys {
                assert_eq!(*n, 1, "{stack}: {kind} {key} exists {n} times");
            }
        }
    }
    let tagged: BTreeSet<String> = s.local_state()["pinpoint"]["apps"]
        .as_object()
        .expect("apps")
        .values()
        .filter_map(|a| a["tags"]["reconcile:stack"].as_str().map(str::to_owned))
        .collect();
    let wanted: BTreeSet<String> = stacks.iter().map(|(st, _)| (*st).to_owned()).collect();
    assert_eq!(tagged, wanted);
}

/// A wait is told only with who holds the lock (this checks the sentence
/// of any command that waited; a wait is rare, as a write holds the lock
/// for milliseconds).
fn assert_waits_are_told_well(s: &Scratch, outputs: &[Output]) {
    let path = s.state_dir().join("local").join("emulator.json");
    for o in outputs {
        for line in stderr(o).lines().filter(|l| l.contains(WAITING)) {
            assert!(
                line.contains(&format!("`{}`", path.display())) && line.contains("held by"),
                "{line}"
            );
        }
    }
}

fn report(what: &str, took: Duration) {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{what} took {took:?}");
    }
}

/// Issue 11: two applies at once of different stacks, both complete and
/// both stacks there afterwards.
#[test]
fn two_local_applies_at_once_lose_nothing() {
    let s = Scratch::new();
    let t = Instant::now();
    let outputs = run_together(
        &s,
        &[
            apply("specs/flash-sale.yaml"),
            apply("specs/retail-multi.yaml"),
        ],
    );
    report("two concurrent applies", t.elapsed());
    for o in &outputs {
        expect_code(o, 0);
    }
    assert_waits_are_told_well(&s, &outputs);
    assert_all_there(
        &s,
        &[
            ("flash-sale", "specs/flash-sale.yaml"),
            ("retail-multi", "specs/retail-multi.yaml"),
        ],
    );
}

/// Four applies at once: two of the recipe's stack (the second a copy with
/// its own names), the fuller retail stack, and today's push stack.
#[test]
fn four_local_applies_at_once_lose_nothing() {
    let s = Scratch::new();
    let copy = copy_as(
        &s,
        "flash-sale.yaml",
        "flash-sale",
        "flash-sale-two",
        "ecommerce-mobile-app-two",
    );
    let stacks = [
        ("flash-sale", "specs/flash-sale.yaml"),
        ("flash-sale-two", copy.as_str()),
        ("retail-multi", "specs/retail-multi.yaml"),
        ("push-today", "specs/push-today.yaml"),
    ];
    let commands: Vec<[&str; 4]> = stacks.iter().map(|(_, spec)| apply(spec)).collect();
    let t = Instant::now();
    let outputs = run_together(&s, &commands);
    report("four concurrent applies", t.elapsed());
    for o in &outputs {
        expect_code(o, 0);
    }
    assert_waits_are_told_well(&s, &outputs);
    assert_all_there(&s, &stacks);
}

/// `status` and `plan` of other stacks while an apply runs: they read the
/// state as it is at that moment, never fail, and the apply loses nothing.
#[test]
fn status_and_plan_during_an_apply() {
    let s = Scratch::new();
    // Another stack first, so that the reads have something whole to see.
    expect_code(&run(&s, &apply("specs/flash-sale.yaml")), 0);
    let mut applying = command(&s, &apply("specs/retail-multi.yaml"))
        .spawn()
        .unwrap();
    let mut during = 0;
    let mut reads = Vec::new();
    loop {
        let running = applying.try_wait().unwrap().is_none();
        if !running && !reads.is_empty() {
            break;
        }
        let status = run(&s, &["status", "--local", "specs/retail-multi.yaml"]);
        let plan = run(
            &s,
            &[
                "plan",
                "--local",
                "--detailed-exitcode",
                "specs/flash-sale.yaml",
            ],
        );
        during += usize::from(running);
        reads.push((status, plan));
    }
    let applied = applying.wait_with_output().unwrap();
    expect_code(&applied, 0);
    assert!(during >= 1, "no read ran during the apply");
    for (status, plan) in &reads {
        expect_code(status, 0);
        let report: serde_json::Value =
            serde_json::from_slice(&status.stdout).expect("status prints JSON");
        assert_eq!(report["stack"], "retail-multi");
        // The other stack is whole throughout.
        expect_code(plan, 0);
    }
    assert_all_there(
        &s,
        &[
            ("flash-sale", "specs/flash-sale.yaml"),
            ("retail-multi", "specs/retail-multi.yaml"),
        ],
    );
}

/// The lock file of the local state, its directory made.
fn lock_path(s: &Scratch) -> PathBuf {
    let dir = s.state_dir().join("local");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("emulator.json.lock")
}

/// Takes the lock as an emulator does, describing `pid` and `command` in
/// the lock file.
fn hold(path: &Path, pid: u32, command: &str) -> File {
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .unwrap();
    f.lock().unwrap();
    f.set_len(0).unwrap();
    let holder = serde_json::json!({
        "pid": pid,
        "command": command,
        "since": "2026-01-02T03:04:05Z",
    });
    f.write_all(holder.to_string().as_bytes()).unwrap();
    f
}

/// Runs `reconcile <args>`, handing its stderr lines over as they come.
fn spawn_watched(s: &Scratch, args: &[&str]) -> (Child, mpsc::Receiver<String>) {
    let mut child = command(s, args).spawn().unwrap();
    let err = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// The first line with `needle` within `within`.
fn line_with(rx: &mpsc::Receiver<String>, needle: &str, within: Duration) -> Option<String> {
    let deadline = Instant::now() + within;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(needle) => return Some(line),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

/// Waits for `child` at most `within`; its exit status code.
fn exit_within(child: &mut Child, within: Duration) -> Option<i32> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status.code().unwrap_or(-1));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// A command that waits for the state's lock says so on stderr, naming the
/// state file and the holder (pid, since when, its command), waits, and
/// goes on when the lock is free.
#[test]
fn a_waiting_command_says_what_it_waits_for() {
    let s = Scratch::new();
    let held = hold(
        &lock_path(&s),
        4242,
        "reconcile apply specs/other.yaml --local",
    );
    let (mut plan, lines) = spawn_watched(&s, &["plan", "--local", "specs/flash-sale.yaml"]);
    let line = line_with(&lines, WAITING, Duration::from_secs(20)).unwrap_or_else(|| {
        let _ = plan.kill();
        panic!("no waiting message")
    });
    let state = s.state_dir().join("local").join("emulator.json");
    assert_eq!(
        line,
        format!(
            "{WAITING} `{}`, held by pid 4242 since 2026-01-02T03:04:05Z \
             (`reconcile apply specs/other.yaml --local`)",
            state.display()
        )
    );
    assert_eq!(plan.try_wait().unwrap(), None, "it waits");
    drop(held);
    assert_eq!(exit_within(&mut plan, Duration::from_secs(30)), Some(0));
}

/// Holds the local state's lock until killed; run in a child process by
/// [`a_killed_holder_blocks_nobody`] (does nothing otherwise).
#[test]
#[ignore = "a helper: a_killed_holder_blocks_nobody runs it in a child process"]
fn hold_the_local_state_lock() {
    let Some(path) = std::env::var_os(HOLD_ENV) else {
        return;
    };
    let _held = hold(
        Path::new(&path),
        std::process::id(),
        "hold_the_local_state_lock",
    );
    #[allow(clippy::print_stdout)]
    {
        println!("held");
    }
    let _ = std::io::stdout().flush();
    std::thread::sleep(Duration::from_mins(10));
}

/// A holder killed with SIGKILL (here while it holds the lock) blocks
/// nobody: the kernel releases the lock with the process.
#[test]
fn a_killed_holder_blocks_nobody() {
    let s = Scratch::new();
    let mut holder = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "concurrency::hold_the_local_state_lock",
            "--ignored",
            "--nocapture",
        ])
        .env(HOLD_ENV, lock_path(&s))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(holder.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("held") {
        line.clear();
        if out.read_line(&mut line).unwrap() == 0 {
            let _ = holder.kill();
            panic!("the holder ended without taking the lock");
        }
    }
    let (mut plan, lines) = spawn_watched(&s, &["plan", "--local", "specs/flash-sale.yaml"]);
    let told = line_with(&lines, WAITING, Duration::from_secs(20));
    holder.kill().unwrap(); // SIGKILL
    holder.wait().unwrap();
    let told = told.expect("the plan waited for the holder");
    assert!(
        told.contains(&format!("held by pid {}", holder.id())),
        "{told}"
    );
    assert_eq!(exit_within(&mut plan, Duration::from_secs(30)), Some(0));
}

/// The temporaries that a save killed half-way leaves
/// (`.emulator.json.<pid>.<n>.tmp`) are removed at the next start.
#[test]
fn a_stale_temporary_beside_the_state_is_removed_at_the_next_start() {
    let s = Scratch::new();
    expect_code(&run(&s, &apply("specs/flash-sale.yaml")), 0);
    let dir = s.state_dir().join("local");
    // A pid above Linux's maximum (2^22): certainly not running.
    let stale = [
        ".emulator.json.4194321.0.tmp",
        ".emulator.json.4194321.7.tmp",
    ];
    for name in stale {
        std::fs::write(dir.join(name), b"{\"pinpoint\": {\"apps\": ").unwrap();
    }
    std::fs::write(dir.join("notes.tmp"), b"mine").unwrap();
    expect_code(&run(&s, &["plan", "--local", "specs/flash-sale.yaml"]), 0);
    for name in stale {
        assert!(!dir.join(name).exists(), "{name} is still there");
    }
    assert!(dir.join("notes.tmp").exists(), "other files are kept");
}
