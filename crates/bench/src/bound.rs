//! The lower bound the API sets on a phase, from the requests it needed.
//!
//! No tool that makes the same calls can be faster than any of:
//!
//! * **chain**: the longest chain of calls that each need the one before,
//!   times the mean latency. Reads: the pages of `GetApps` (each page needs
//!   the previous one's token), then the pages of the longest list of the
//!   app (`GetSegments`, `GetCampaigns`; they need the app's id);
//!   `ListTemplates` is not per app and may start at once. Writes: the
//!   longest path of the dependency graph of the changes (`reconcile
//!   graph`), one call per step. Plus the one wait the API imposes: a new
//!   Kinesis stream is `CREATING` for a while (one second on the emulator)
//!   before the event stream can point at it.
//! * **quota**: for each operation, the requests beyond the first burst
//!   divided by its rate (AWS: rate = burst, per operation); the slowest
//!   operation sets it.
//! * **parallel**: every request times the mean latency, divided by the
//!   most requests `reconcile` keeps in flight.
//!
//! Requests answered with a throttle or an injected 5xx are not needed and
//! are left out; requests whose response was dropped after the write are.

use std::collections::BTreeMap;

use reconcile_emulator::kinesis::ACTIVATION_MS;
use reconcile_emulator::knobs::{FaultCounts, quota};
use serde::{Deserialize, Serialize};

/// The inputs of a bound.
#[derive(Debug, Clone)]
pub struct Inputs<'a> {
    pub counts: &'a BTreeMap<String, u64>,
    pub faults: &'a BTreeMap<String, FaultCounts>,
    /// Mean added latency, seconds.
    pub latency_s: f64,
    pub quotas: bool,
    /// Longest path of the phase's dependency graph, in steps.
    pub write_depth: u64,
    /// Most requests in flight at once.
    pub parallelism: u64,
}

/// A phase's bound, by term.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bound {
    /// Requests that were needed (all but throttled and failed ones).
    pub needed: u64,
    pub chain_calls: u64,
    /// Waits the API imposes on the chain (a new stream's activation).
    pub wait_s: f64,
    pub chain_s: f64,
    pub quota_s: f64,
    /// The operation that sets the quota term.
    pub quota_op: Option<String>,
    pub parallel_s: f64,
    /// The largest term.
    pub bound_s: f64,
    /// Which term that is: `chain`, `quota (Operation)` or `parallel`.
    pub limit: String,
}

/// Requests of `op` that were needed.
fn needed(counts: &BTreeMap<String, u64>, faults: &BTreeMap<String, FaultCounts>, op: &str) -> u64 {
    let n = counts.get(op).copied().unwrap_or(0);
    let f = faults.get(op).copied().unwrap_or_default();
    n.saturating_sub(f.throttled + f.server_errors)
}

#[allow(clippy::cast_precision_loss)]
pub fn compute(i: &Inputs<'_>) -> Bound {
    let need = |op: &str| needed(i.counts, i.faults, op);
    let total: u64 = i.counts.keys().map(|op| need(op)).sum();

    let app_lists = need("Pinpoint:GetSegments").max(need("Pinpoint:GetCampaigns"));
    let reads = (need("Pinpoint:GetApps") + app_lists).max(need("Pinpoint:ListTemplates"));
    let chain_calls = reads + i.write_depth;
    let wait_s = if need("Kinesis:CreateStream") > 0 {
        ACTIVATION_MS as f64 / 1000.0
    } else {
        0.0
    };
    let chain_s = chain_calls as f64 * i.latency_s + wait_s;

    let (quota_s, quota_op) = if i.quotas {
        i.counts
            .keys()
            .map(|op| {
                let rate = quota(op);
                let beyond_burst = (need(op) as f64 - rate.floor()).max(0.0);
                (beyond_burst / rate, op)
            })
            .fold((0.0, None), |best, (s, op)| {
                if s > best.0 {
                    (s, Some(op.clone()))
                } else {
                    best
                }
            })
    } else {
        (0.0, None)
    };

    let parallel_s = total as f64 * i.latency_s / i.parallelism.max(1) as f64;

    let (bound_s, limit) = [
        (chain_s, "chain".to_owned()),
        (
            quota_s,
            format!("quota ({})", quota_op.as_deref().unwrap_or("-")),
        ),
        (parallel_s, "parallel".to_owned()),
    ]
    .into_iter()
    .fold((0.0, String::new()), |best, (s, name)| {
        if s > best.0 || best.1.is_empty() {
            (s, name)
        } else {
            best
        }
    });

    Bound {
        needed: total,
        chain_calls,
        wait_s,
        chain_s,
        quota_s,
        quota_op,
        parallel_s,
        bound_s,
        limit,
    }
}

/// The longest path, in nodes, of the DAG in `reconcile graph --format dot`
/// output (`"a" -> "b";` lines). 0 for a graph without nodes.
pub fn longest_path(dot: &str) -> u64 {
    let mut nodes: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for line in dot.lines().map(str::trim) {
        let Some(body) = line.strip_suffix(';') else {
            continue;
        };
        if let Some((from, to)) = body.split_once(" -> ") {
            let (from, to) = (from.trim_matches('"'), to.trim_matches('"'));
            nodes.entry(from).or_default().push(to);
            nodes.entry(to).or_default();
        } else if body.starts_with('"') {
            nodes.entry(body.trim_matches('"')).or_default();
        }
    }
    // Depth-first with memo; the graph is acyclic (`reconcile` checks).
    let mut memo: BTreeMap<&str, u64> = BTreeMap::new();
    fn depth<'a>(
        n: &'a str,
        nodes: &BTreeMap<&'a str, Vec<&'a str>>,
        memo: &mut BTreeMap<&'a str, u64>,
    ) -> u64 {
        if let Some(&d) = memo.get(n) {
            return d;
        }
        let d = 1 + nodes.get(n).map_or(0, |next| {
            next.iter()
                .map(|m| depth(m, nodes, memo))
                .max()
                .unwrap_or(0)
        });
        memo.insert(n, d);
        d
    }
    let names: Vec<&str> = nodes.keys().copied().collect();
    names
        .into_iter()
        .map(|n| depth(n, &nodes, &mut memo))
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    #[test]
    fn quota_term_counts_beyond_the_burst_and_leaves_throttles_out() {
        // 130 GetEndpoint, 20 of them throttled: 110 needed; 10 in the
        // burst, 100 more at 10/s = 10 s.
        let counts = map(&[("Pinpoint:GetEndpoint", 130), ("Pinpoint:GetApps", 1)]);
        let faults = [(
            "Pinpoint:GetEndpoint".to_owned(),
            FaultCounts {
                throttled: 20,
                ..FaultCounts::default()
            },
        )]
        .into();
        let b = compute(&Inputs {
            counts: &counts,
            faults: &faults,
            latency_s: 0.02,
            quotas: true,
            write_depth: 0,
            parallelism: 16,
        });
        assert_eq!(b.needed, 111);
        assert!((b.quota_s - 10.0).abs() < 1e-9, "{b:?}");
        assert_eq!(b.quota_op.as_deref(), Some("Pinpoint:GetEndpoint"));
        assert_eq!(b.limit, "quota (Pinpoint:GetEndpoint)");
        // 111 × 20 ms / 16.
        assert!((b.parallel_s - 0.13875).abs() < 1e-9);
    }

    #[test]
    fn chain_term_follows_pages_then_the_graph() {
        let counts = map(&[
            ("Pinpoint:GetApps", 2),
            ("Pinpoint:GetSegments", 5),
            ("Pinpoint:GetCampaigns", 3),
            ("Pinpoint:ListTemplates", 4),
        ]);
        let b = compute(&Inputs {
            counts: &counts,
            faults: &BTreeMap::new(),
            latency_s: 0.02,
            quotas: false,
            write_depth: 3,
            parallelism: 16,
        });
        // GetApps pages (2) then the longest app list (5), then 3 writes.
        assert_eq!(b.chain_calls, 10);
        assert!((b.chain_s - 0.2).abs() < 1e-9);
        assert_eq!(b.limit, "chain");
        assert!(b.quota_op.is_none());

        // Creating a stream adds its activation to the chain.
        let mut with_stream = counts.clone();
        with_stream.insert("Kinesis:CreateStream".into(), 1);
        let b = compute(&Inputs {
            counts: &with_stream,
            faults: &BTreeMap::new(),
            latency_s: 0.02,
            quotas: false,
            write_depth: 3,
            parallelism: 16,
        });
        assert!((b.chain_s - 1.2).abs() < 1e-9, "{b:?}");
    }

    #[test]
    fn longest_path_of_a_dot_graph() {
        let dot = r#"digraph "s" {
    rankdir=TB;
    node [shape=box];
    "kinesis_stream.events";
    "iam_role.r";
    "app";
    "alarm.a";
    "iam_role.r" -> "event_stream";
    "kinesis_stream.events" -> "iam_role.r";
    "kinesis_stream.events" -> "event_stream";
    "app" -> "segment.s";
    "segment.s" -> "campaign.c";
}"#;
        assert_eq!(longest_path(dot), 3);
        assert_eq!(longest_path("digraph \"e\" {\n}"), 0);
        assert_eq!(longest_path("digraph \"e\" {\n    \"app\";\n}"), 1);
    }
}
