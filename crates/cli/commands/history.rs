//! `reconcile history`: the applies of a stack and how they ended.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use clap::Args;
use miette::{IntoDiagnostic, Result};
use reconcile_engine::{HistoryOutcome, list_applies};
use reconcile_model::escape::escape;

use super::common;
use crate::Outcome;
use crate::args::Global;

/// List the applies of a stack with their outcome.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The stack's spec.
    pub spec: PathBuf,
}

pub fn run(global: &Global, args: &HistoryArgs) -> Result<Outcome> {
    let loaded = common::load_spec(&args.spec)?;
    let stack = &loaded.spec.stack;
    let applies = list_applies(&global.state_dir, stack).into_diagnostic()?;
    if applies.is_empty() {
        println!(
            "Stack `{}` has no applies in `{}`.",
            escape(stack),
            escape(&global.state_dir.display().to_string())
        );
        return Ok(Outcome::Success);
    }
    println!(
        "{:<34} {:<20} {:<16} {:>7} {:>9} {:>6} {:>9} {:>6}",
        "APPLY", "STARTED", "OUTCOME", "PLANNED", "SUCCEEDED", "FAILED", "IN FLIGHT", "UNDONE"
    );
    for a in &applies {
        let started = a
            .started_at
            .and_then(|t| {
                t.format(time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute]:[second]"
                ))
                .ok()
            })
            .unwrap_or_else(|| "?".into());
        let mut outcome = a.outcome.as_str().to_owned();
        if a.outcome == HistoryOutcome::Interrupted {
            outcome.push_str(" (!)");
        }
        println!(
            "{:<34} {:<20} {:<16} {:>7} {:>9} {:>6} {:>9} {:>6}",
            escape(&a.apply_id),
            started,
            outcome,
            a.counts.planned,
            a.counts.succeeded,
            a.counts.failed,
            a.counts.in_flight,
            a.counts.undone
        );
        if let Some(problem) = &a.problem {
            println!("    {}", escape(problem));
        }
    }
    if applies
        .iter()
        .any(|a| a.outcome == HistoryOutcome::Interrupted)
    {
        println!(
            "\n(!) interrupted: its process stopped mid-apply; `reconcile apply` converges, \
             `reconcile rollback <APPLY>` undoes what it did."
        );
    }
    Ok(Outcome::Success)
}
