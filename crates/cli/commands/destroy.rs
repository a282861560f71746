//! `reconcile destroy`: remove everything the stack owns.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use miette::{IntoDiagnostic, Result};
use reconcile_engine::{ApplyOutcome, ExecOptions, Journal, make_plan};

use super::apply::{confirm, take_lock};
use super::plan::PlanFormat;
use super::{common, progress};
use crate::Outcome;
use crate::args::{Connection, Global, Parallelism};
use crate::output::safe;

/// Remove everything the stack owns, in reverse dependency order.
#[derive(Debug, Args)]
pub struct DestroyArgs {
    pub spec: PathBuf,
    #[command(flatten)]
    pub conn: Connection,
    #[arg(long)]
    pub auto_approve: bool,
    #[command(flatten)]
    pub exec: Parallelism,
}

pub fn run(global: &Global, args: &DestroyArgs) -> Result<Outcome> {
    super::runtime()?.block_on(async {
        // Deletes send no credential: the spec's secrets are not read, so a
        // stack can be destroyed after its secrets are gone.
        let loaded = common::load_spec(&args.spec)?;
        let stack = loaded.spec.stack.clone();
        let session = crate::connect::connect(
            &args.conn,
            &global.state_dir,
            loaded.spec.region.as_deref(),
            &stack,
            &loaded.dir,
        )
        .await?;
        let _lock = take_lock(global, &stack, "destroy")?;
        // Nothing desired: every owned resource becomes a delete, in reverse
        // dependency order.
        let live = common::read_live(&session, &stack, &[], false).await?;
        let plan = make_plan(
            &stack,
            &args.spec.display().to_string(),
            &common::absolute(&loaded.dir).display().to_string(),
            Vec::new(),
            live,
        )
        .into_diagnostic()?;
        print!(
            "{}",
            super::plan::render_plan(&plan, PlanFormat::Text, global, false)
        );
        if !plan.has_changes() {
            println!("Stack `{}` owns nothing in this account.", safe(&stack));
            return Ok(Outcome::Success);
        }
        confirm(args.auto_approve, "destroy")?;
        let mut journal = Journal::begin(&global.state_dir, &plan).into_diagnostic()?;
        let opts = ExecOptions {
            parallelism: args.exec.parallelism.max(1),
            on_failure: reconcile_engine::OnFailure::Stop,
            ..ExecOptions::default()
        };
        let view = progress::View::new(plan.changes.len());
        let report = reconcile_engine::execute(
            Arc::clone(&session.provider),
            &plan,
            &opts,
            &mut journal,
            |e| view.event(&e),
        )
        .await
        .into_diagnostic()?;
        view.finish();
        println!(
            "\nDestroy {}: {} deleted, {} failed in {:.1}s.",
            report.apply_id,
            report.succeeded.len(),
            report.failed.len(),
            report.elapsed.as_secs_f64()
        );
        for (address, error) in &report.failed {
            println!("  failed: {}: {}", safe(address), safe(error));
        }
        Ok(if report.outcome == ApplyOutcome::Succeeded {
            Outcome::Success
        } else {
            Outcome::Failure
        })
    })
}
