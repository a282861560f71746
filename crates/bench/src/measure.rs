//! Runs one command and measures it: wall time, exit status, and the peak
//! resident memory and CPU time of that process alone.
//!
//! `getrusage(RUSAGE_CHILDREN)` covers every waited-for child of a process,
//! so each measured command runs under a fresh copy of this program (the
//! wrapper) whose only child it is; the wrapper writes the usage as JSON.

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use miette::{Context, IntoDiagnostic, Result, miette};
use nix::sys::resource::{UsageWho, getrusage};
use serde::{Deserialize, Serialize};

/// First argument that makes this program the wrapper.
pub const WRAPPER_ARG: &str = "__measure";

/// What the wrapper reports.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Exit code (`-1` when killed by a signal or not started).
    pub exit: i32,
    /// Peak resident set size, MiB.
    pub max_rss_mib: f64,
    /// User plus system CPU time, seconds.
    pub cpu_s: f64,
}

/// A measured run.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Run {
    pub wall_s: f64,
    #[serde(flatten)]
    pub usage: Usage,
}

/// The wrapper: `__measure USAGE_JSON STDOUT STDERR PROGRAM ARGS...`.
/// Returns the process exit code.
pub fn wrapper_main(args: &[OsString]) -> i32 {
    match wrapper(args) {
        Ok(code) => code,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("measure: {e:?}");
            }
            2
        }
    }
}

fn wrapper(args: &[OsString]) -> Result<i32> {
    let [usage_file, stdout, stderr, program, rest @ ..] = args else {
        return Err(miette!(
            "usage: {WRAPPER_ARG} USAGE_JSON STDOUT STDERR PROGRAM ARGS..."
        ));
    };
    let status = Command::new(program)
        .args(rest)
        .stdout(File::create(stdout).into_diagnostic()?)
        .stderr(File::create(stderr).into_diagnostic()?)
        .status();
    let exit = match &status {
        Ok(s) => s.code().unwrap_or(-1),
        Err(_) => -1,
    };
    let ru = getrusage(UsageWho::RUSAGE_CHILDREN).into_diagnostic()?;
    let secs = |t: nix::sys::time::TimeVal| {
        // Whole seconds and microseconds of a process's CPU time fit f64.
        #[allow(clippy::cast_precision_loss)]
        let s = t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
        s
    };
    #[allow(clippy::cast_precision_loss)]
    let usage = Usage {
        exit,
        // Linux reports ru_maxrss in KiB.
        max_rss_mib: ru.max_rss() as f64 / 1024.0,
        cpu_s: secs(ru.user_time()) + secs(ru.system_time()),
    };
    std::fs::write(usage_file, serde_json::to_vec(&usage).into_diagnostic()?).into_diagnostic()?;
    status
        .into_diagnostic()
        .wrap_err_with(|| format!("could not start {}", Path::new(program).display()))?;
    Ok(exit)
}

/// Runs `cmd` under the wrapper (same program, arguments, environment
/// and directory), its output to `log.out` and `log.err`, and measures it.
pub fn run(log: &Path, cmd: &Command) -> Result<Run> {
    let me = std::env::current_exe().into_diagnostic()?;
    let usage_file = with_ext(log, "usage.json");
    let mut wrapper = Command::new(me);
    wrapper
        .arg(WRAPPER_ARG)
        .arg(&usage_file)
        .arg(with_ext(log, "out"))
        .arg(with_ext(log, "err"))
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => wrapper.env(k, v),
            None => wrapper.env_remove(k),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        wrapper.current_dir(dir);
    }
    let _ = std::fs::remove_file(&usage_file);
    let t0 = Instant::now();
    let status = wrapper.status().into_diagnostic()?;
    let wall_s = t0.elapsed().as_secs_f64();
    let usage: Usage = std::fs::read(&usage_file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| {
            miette!(
                "the measuring wrapper failed ({status}) for {}",
                Path::new(cmd.get_program()).display()
            )
        })?;
    Ok(Run { wall_s, usage })
}

/// `dir/name` + `.ext`.
pub fn with_ext(log: &Path, ext: &str) -> PathBuf {
    let mut s = log.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}
