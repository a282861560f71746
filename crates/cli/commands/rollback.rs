//! `reconcile rollback`: undo an apply from its journal.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use miette::{IntoDiagnostic, Result, WrapErr, miette};
use reconcile_engine::{ExecOptions, Journal, RollbackOutcome, reverse_plan};

use super::apply::{confirm, take_lock};
use super::plan::PlanFormat;
use super::{common, progress};
use crate::Outcome;
use crate::args::{Connection, Global, Parallelism};
use crate::output::safe;

/// Undo an apply (default: the last one) from its journal.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The stack's spec.
    pub spec: PathBuf,
    /// The apply to undo (see `reconcile history`).
    pub apply_id: Option<String>,
    #[command(flatten)]
    pub conn: Connection,
    /// Roll back even when resources changed after that apply.
    #[arg(long)]
    pub force: bool,
    #[arg(long)]
    pub auto_approve: bool,
    #[command(flatten)]
    pub exec: Parallelism,
}

pub fn run(global: &Global, args: &RollbackArgs) -> Result<Outcome> {
    let stack = common::load_spec(&args.spec)?.spec.stack;
    let path = match args.apply_id.as_deref() {
        Some(id) => Journal::find(&global.state_dir, &stack, id).into_diagnostic()?,
        None => Journal::latest(&global.state_dir, &stack)
            .into_diagnostic()?
            .ok_or_else(|| miette!("stack `{stack}` has no apply to roll back"))?,
    };
    super::runtime()?.block_on(async {
        let (desired, session) =
            common::prepare(&args.spec, false, &args.conn, &global.state_dir).await?;
        let _lock = take_lock(global, &stack, "rollback")?;
        let mut journal = Journal::open(&path)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot open the journal `{}`", path.display()))?;
        let live = common::read_live(&session, &stack, &desired.resources, false).await?;
        let mut reverse = reverse_plan(journal.state(), &live);
        // What AWS never returned (credentials) may still be in the spec.
        for (address, _) in reverse.inexact.clone() {
            if let Some(r) = desired
                .resources
                .iter()
                .find(|r| r.address == address && !r.write_only.is_empty())
            {
                reverse.supply(&address, r.write_only.clone());
            }
        }
        println!("Rollback of apply {}:", reverse.apply_id);
        print!(
            "{}",
            super::plan::render_plan(&reverse.plan, PlanFormat::Text, global, false)
        );
        for (address, what) in &reverse.inexact {
            println!(
                "  cannot be undone exactly: {}: {}",
                safe(address),
                safe(what)
            );
        }
        for (address, note) in &reverse.notes {
            println!("  note: {}: {}", safe(address), safe(note));
        }
        if !reverse.drifted.is_empty() {
            let names: Vec<String> = reverse
                .drifted
                .iter()
                .map(|a| format!("`{}`", safe(a)))
                .collect();
            println!(
                "  changed since that apply: {}{}",
                names.join(", "),
                if args.force {
                    " (rolling back anyway: --force)"
                } else {
                    ""
                }
            );
        }
        if reverse.is_empty() {
            println!("Nothing to roll back.");
            return Ok(Outcome::Success);
        }
        if !args.force && !reverse.drifted.is_empty() {
            return Err(miette!(
                help = "roll back anyway with `--force`, or apply the spec to go forward",
                "refusing to roll back: {} resource(s) changed after apply `{}`",
                reverse.drifted.len(),
                reverse.apply_id
            ));
        }
        confirm(args.auto_approve, "roll back")?;
        let opts = ExecOptions {
            parallelism: args.exec.parallelism.max(1),
            ..ExecOptions::default()
        };
        let view = progress::View::new(reverse.plan.changes.len());
        let report = reconcile_engine::rollback(
            Arc::clone(&session.provider),
            &reverse,
            &opts,
            &mut journal,
            args.force,
            |e| view.event(&e),
        )
        .await
        .into_diagnostic()?;
        view.finish();
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "\nRollback of {}: {} — {} undone, {} failed, {} not reversed in {:.1}s.",
            report.apply_id,
            match report.outcome {
                RollbackOutcome::Complete => "complete",
                RollbackOutcome::Incomplete => "incomplete",
            },
            report.undone.len(),
            report.failed.len(),
            report.not_reversed.len(),
            report.elapsed.as_secs_f64()
        );
        for (address, error) in &report.failed {
            let _ = writeln!(err, "  failed: {}: {}", safe(address), safe(error));
        }
        for (address, why) in &report.not_reversed {
            let _ = writeln!(err, "  not reversed: {}: {}", safe(address), safe(why));
        }
        Ok(match report.outcome {
            RollbackOutcome::Complete => Outcome::Success,
            RollbackOutcome::Incomplete => Outcome::Failure,
        })
    })
}
