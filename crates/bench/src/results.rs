//! What one run measured, as `results.json` holds it. The measuring
//! (`run.rs`) fills these types and hands them to the reports
//! (`report.rs`), which read them, also from a saved file
//! (`--from-results`), without knowing how they were measured.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::bound::Bound;

/// One phase of one stack.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Phase {
    pub name: String,
    /// The command's exit status, and the one that counts as success.
    pub exit: i32,
    pub expected_exit: i32,
    pub wall_s: f64,
    /// Peak resident memory of the `reconcile` process.
    pub max_rss_mib: f64,
    /// CPU time of the `reconcile` process.
    pub cpu_s: f64,
    /// CPU time of the emulator during the phase.
    pub emulator_cpu_s: f64,
    pub requests: u64,
    pub throttled: u64,
    pub server_errors: u64,
    pub by_operation: BTreeMap<String, u64>,
    pub throttled_by_operation: BTreeMap<String, u64>,
    pub bound: Bound,
    /// Wall time ÷ bound.
    pub ratio: f64,
    /// Wall time ÷ the quota term alone (0 when quotas are off).
    pub quota_ratio: f64,
}

impl Phase {
    pub fn ok(&self) -> bool {
        self.exit == self.expected_exit
    }
}

/// One stack size.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Size {
    pub resources: usize,
    /// The generator's summary of the stack (counts per kind).
    pub stack: String,
    /// Resources the change phase changes.
    pub changed: u64,
    /// Longest path of the stack's dependency graph, in steps.
    pub graph_depth: u64,
    pub phases: Vec<Phase>,
    /// Resources left in the emulator after destroy.
    pub left_after_destroy: u64,
}

/// The recipe's way: one AWS CLI process per call, in sequence.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecipeWay {
    pub resources: usize,
    pub exit: i32,
    pub calls: u64,
    pub wall_s: f64,
    pub throttled: u64,
    pub by_operation: BTreeMap<String, u64>,
    /// `reconcile`'s cold apply of the same stack.
    pub reconcile_wall_s: f64,
    /// CLI wall time ÷ `reconcile`'s.
    pub ratio: f64,
}

/// Everything one run measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    pub latency_ms: u64,
    pub jitter_ms: u64,
    pub quotas: bool,
    pub parallelism: usize,
    pub change_percent: f64,
    /// `release` or `debug`: how this program (and, by the script, `reconcile`) was built.
    pub build: String,
    pub commit: String,
    pub cpus: usize,
    pub loadavg_after: String,
    pub sizes: Vec<Size>,
    pub recipe: Option<RecipeWay>,
}
