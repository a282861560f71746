//! `reconcile-bench`: how fast `reconcile` plans and applies at scale, next
//! to the lower bound the API sets and to the recipe's way (one AWS CLI
//! process per call).
//!
//! For each stack size it writes a generated stack (`scripts/gen-stack.py`),
//! starts `reconcile emulator` with added latency and AWS's quotas, and
//! measures four phases, each a separate `reconcile` process: cold apply,
//! no-op plan, an apply of the same stack with 10 % of its resources
//! changed, and destroy. Per phase: wall time, requests by operation and
//! the throttled ones (the emulator's counters), peak resident memory and
//! CPU time of the `reconcile` process, and the bound (see [`bound`]).
//! Then the recipe's way: the same stack of `--recipe-size` resources built
//! by `scripts/cli-stack.py`, one AWS CLI process per call, in sequence.
//!
//! Writes `OUT/results.json`, `OUT/results.md` and `OUT/chart.svg`; with
//! `--publish`, also `docs/bench/` and the table in `README.md`.

mod bound;
mod emulator;
mod measure;
mod report;
mod results;
mod run;

use std::path::PathBuf;

use clap::Parser;

/// Plan and apply at scale against the emulator with AWS's quotas.
#[derive(Debug, Parser)]
#[command(name = "reconcile-bench", version)]
pub struct Args {
    /// Stack sizes, in resources (one address each, as `plan` counts them).
    #[arg(long, value_delimiter = ',', default_value = "10,100,1000,5000")]
    pub sizes: Vec<usize>,
    /// Mean latency the emulator adds to every AWS request, in milliseconds.
    #[arg(long, default_value_t = 20)]
    pub latency_ms: u64,
    /// The added latency varies by up to this much either way.
    #[arg(long, default_value_t = 5)]
    pub jitter_ms: u64,
    /// Do not enforce AWS's per-operation rates in the emulator.
    #[arg(long)]
    pub no_quotas: bool,
    /// `apply --parallelism`.
    #[arg(long, default_value_t = 8)]
    pub parallelism: usize,
    /// Size of the stack also built the recipe's way (0: skip).
    #[arg(long, default_value_t = 100)]
    pub recipe_size: usize,
    /// Percentage of resources the change phase changes.
    #[arg(long, default_value_t = 10.0)]
    pub change_percent: f64,
    /// Where results and every process's output go.
    #[arg(long, default_value = "target/bench")]
    pub out: PathBuf,
    /// The `reconcile` binary (default: beside this one).
    #[arg(long)]
    pub reconcile: Option<PathBuf>,
    /// The Python with the AWS CLI installed (`scripts/setup-python.sh`).
    #[arg(long, default_value = ".venv/bin/python")]
    pub python: PathBuf,
    /// Also write `docs/bench/` and the results table of `README.md`.
    #[arg(long)]
    pub publish: bool,
    /// Measure nothing: write the reports again from a saved `results.json`.
    #[arg(long, value_name = "RESULTS_JSON")]
    pub from_results: Option<PathBuf>,
}

fn main() -> miette::Result<()> {
    // A measured command runs under a copy of this program, so that its
    // resource usage is the only child's usage that copy sees.
    let raw: Vec<_> = std::env::args_os().collect();
    if raw.get(1).is_some_and(|a| a == measure::WRAPPER_ARG) {
        std::process::exit(measure::wrapper_main(&raw[2..]));
    }
    let args = Args::parse();
    run::run(&args)
}
