//! A `reconcile emulator` process for one measurement, and its control
//! path: counters, faults, reset, state.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use miette::{IntoDiagnostic, Result, miette};
use reconcile_emulator::knobs::FaultCounts;

/// How the emulator answers.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Mean added latency, ms.
    pub latency_ms: u64,
    /// The latency varies by up to this much either way, ms.
    pub jitter_ms: u64,
    pub quotas: bool,
}

/// A running emulator; stopped on drop.
#[derive(Debug)]
pub struct Emulator {
    child: Child,
    pub url: String,
}

impl Emulator {
    /// Starts `reconcile emulator` on a free port, state in memory; its
    /// stderr goes to `log`.
    pub fn start(reconcile: &Path, settings: Settings, log: &Path) -> Result<Self> {
        let jitter = settings.jitter_ms.min(settings.latency_ms);
        let mut cmd = Command::new(reconcile);
        cmd.args(["emulator", "--port", "0", "--latency-ms"])
            .arg((settings.latency_ms - jitter).to_string())
            .arg("--jitter-ms")
            .arg((2 * jitter).to_string())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).into_diagnostic()?);
        if settings.quotas {
            cmd.arg("--quotas");
        }
        let mut child = cmd.spawn().into_diagnostic()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| miette!("no stdout from the emulator"))?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .into_diagnostic()?;
        let url = line.trim().to_owned();
        if !url.starts_with("http://") {
            let _ = child.kill();
            return Err(miette!(
                "the emulator did not print its URL (see {})",
                log.display()
            ));
        }
        Ok(Self { child, url })
    }

    fn control(&self, path: &str) -> String {
        format!("{}/_emulator/{path}", self.url)
    }

    /// Zeroes the counters and refills the quota buckets.
    pub fn reset_counters(&self) -> Result<()> {
        ureq::post(self.control("reset"))
            .send_empty()
            .into_diagnostic()?;
        Ok(())
    }

    /// Requests per `Service:Operation` since the last reset.
    pub fn counts(&self) -> Result<BTreeMap<String, u64>> {
        ureq::get(self.control("counts"))
            .call()
            .into_diagnostic()?
            .body_mut()
            .read_json()
            .into_diagnostic()
    }

    /// Of those, the ones answered with a fault.
    pub fn faults(&self) -> Result<BTreeMap<String, FaultCounts>> {
        ureq::get(self.control("faults"))
            .call()
            .into_diagnostic()?
            .body_mut()
            .read_json()
            .into_diagnostic()
    }

    /// How many apps, segments, campaigns, templates, endpoints, roles,
    /// streams and alarms the account holds.
    pub fn resource_count(&self) -> Result<u64> {
        let state: serde_json::Value = ureq::get(self.control("state"))
            .call()
            .into_diagnostic()?
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_json()
            .into_diagnostic()?;
        Ok(count_leaves(&state))
    }

    /// CPU seconds the emulator process has used so far.
    pub fn cpu_s(&self) -> f64 {
        proc_cpu_s(self.child.id()).unwrap_or(0.0)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Counts the resources in an emulator state dump: the entries of every
/// map or list stored under a key naming a kind of resource.
fn count_leaves(state: &serde_json::Value) -> u64 {
    const KINDS: [&str; 8] = [
        "apps",
        "segments",
        "campaigns",
        "templates",
        "endpoints",
        "roles",
        "streams",
        "alarms",
    ];
    let mut n = 0;
    let mut stack = vec![state];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::Object(map) => {
                for (k, child) in map {
                    if KINDS.contains(&k.as_str()) {
                        n += match child {
                            serde_json::Value::Object(m) => m.len() as u64,
                            serde_json::Value::Array(a) => a.len() as u64,
                            _ => 0,
                        };
                    }
                    stack.push(child);
                }
            }
            serde_json::Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    n
}

/// utime + stime of a process, from `/proc/PID/stat`.
fn proc_cpu_s(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 here.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let tck = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()?;
    #[allow(clippy::cast_precision_loss)]
    Some((utime + stime) as f64 / tck as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_resources_under_kind_keys_at_any_depth() {
        let state = serde_json::json!({
            "apps": {"a1": {"segments": {"s1": {}, "s2": {}}, "campaigns": {}}},
            "iam": {"roles": {"r": {}}},
            "clock_offset_ms": 0
        });
        assert_eq!(count_leaves(&state), 4);
    }

    #[test]
    fn reads_its_own_cpu_time() {
        assert!(proc_cpu_s(std::process::id()).is_some());
    }
}
