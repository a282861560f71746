//! `reconcile apply`: carry out a spec's plan, or exactly a saved plan.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};
use miette::{IntoDiagnostic, Result, WrapErr, miette};
use reconcile_engine::{ApplyOutcome, ApplyReport, ExecOptions, Journal, Lock, OnFailure, Plan};

use super::plan::PlanFormat;
use super::{common, progress};
use crate::Outcome;
use crate::args::{Connection, Global, Parallelism};
use crate::connect::Session;
use crate::output::safe;

/// Make the account equal to a spec, or carry out a saved plan.
#[derive(Debug, Args)]
// `--parallelism` is shared with `rollback` and `destroy`, where it has no
// description (`args::Parallelism`); here it has one.
#[command(mut_arg("parallelism", |a| a.help("How many independent steps run at once")))]
pub struct ApplyArgs {
    /// A spec (.yaml) or a plan saved with `plan --out` (.json).
    pub target: PathBuf,
    #[command(flatten)]
    pub conn: Connection,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// Take over resources that carry a wanted name but no stack's tags.
    #[arg(long)]
    pub adopt: bool,
    /// What to do when a step fails.
    #[arg(long, value_enum, default_value_t = OnFailureChoice::Rollback)]
    pub on_failure: OnFailureChoice,
    #[command(flatten)]
    pub exec: Parallelism,
}

/// `--on-failure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnFailureChoice {
    /// Undo the steps this apply completed.
    Rollback,
    /// Leave them, and say how to go on.
    Stop,
}

/// Whether a path names a saved plan rather than a spec.
fn is_plan_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

pub fn run(global: &Global, args: &ApplyArgs) -> Result<Outcome> {
    let rt = super::runtime()?;
    rt.block_on(async {
        if is_plan_file(&args.target) {
            apply_saved(global, args).await
        } else {
            apply_spec(global, args).await
        }
    })
}

async fn apply_spec(global: &Global, args: &ApplyArgs) -> Result<Outcome> {
    let (desired, session) =
        common::prepare(&args.target, true, &args.conn, &global.state_dir).await?;
    let _lock = take_lock(global, desired.stack(), "apply")?;
    let plan = common::plan_for(&desired, &session, args.adopt, &args.target).await?;
    print!(
        "{}",
        super::plan::render_plan(&plan, PlanFormat::Text, global, false)
    );
    if !plan.conflicts.is_empty() {
        return Err(miette!(
            help = "run `reconcile plan --adopt` to see what taking them over would change, then `reconcile apply --adopt`",
            "{} resource(s) exist with a wanted name but are not this stack's; nothing was changed",
            plan.conflicts.len()
        ));
    }
    if !plan.has_changes() {
        return Ok(unavailable_or(&plan, Outcome::Success));
    }
    confirm(args.auto_approve, "apply")?;
    let report = execute(global, &session, &plan, args).await?;
    Ok(unavailable_or(&plan, report_outcome(&report)))
}

async fn apply_saved(global: &Global, args: &ApplyArgs) -> Result<Outcome> {
    let saved = Plan::load(&args.target)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot load the plan `{}`", args.target.display()))?;
    // The plan is applied only if a fresh plan of its spec, against the
    // account as it is now, would do exactly the same (see
    // `reconcile_engine::bind`): the spec is loaded and its secrets
    // resolved as for any apply.
    let spec_path = Path::new(&saved.spec_path);
    let (desired, session) = common::prepare(spec_path, true, &args.conn, &global.state_dir)
        .await
        .wrap_err_with(|| {
            format!(
                "the plan `{}` was made from `{}`, which must be there to check the plan against",
                args.target.display(),
                saved.spec_path
            )
        })?;
    let _lock = take_lock(global, desired.stack(), "apply")?;
    let adopt = saved.changes.iter().any(|c| c.adopt);
    let fresh = common::plan_for(&desired, &session, adopt, spec_path).await?;
    if fresh.live_fingerprint != saved.live_fingerprint && saved.stack == fresh.stack {
        return Err(miette!(
            help = "make a new plan with `reconcile plan --out` and apply that",
            "the account changed since the plan `{}` was made; nothing was applied",
            args.target.display()
        ));
    }
    let differences = reconcile_engine::bind::differences(&saved, &fresh);
    if !differences.is_empty() {
        const SHOWN: usize = 20;
        for d in differences.iter().take(SHOWN) {
            eprintln!("  {}", safe(d));
        }
        if differences.len() > SHOWN {
            eprintln!("  ... and {} more", differences.len() - SHOWN);
        }
        return Err(miette!(
            help = "a saved plan applies only as `reconcile plan --out` wrote it, and only while the spec and the account are as they were; make a new plan and review that",
            "the plan `{}` is not what a plan of `{}` would do now ({} difference(s), listed above); nothing was applied",
            args.target.display(),
            saved.spec_path,
            differences.len()
        ));
    }
    print!(
        "{}",
        super::plan::render_plan(&fresh, PlanFormat::Text, global, false)
    );
    if !fresh.conflicts.is_empty() {
        return Err(miette!(
            "{} resource(s) exist with a wanted name but are not this stack's; nothing was changed",
            fresh.conflicts.len()
        ));
    }
    if !fresh.has_changes() {
        return Ok(unavailable_or(&fresh, Outcome::Success));
    }
    let report = execute(global, &session, &fresh, args).await?;
    Ok(unavailable_or(&fresh, report_outcome(&report)))
}

async fn execute(
    global: &Global,
    session: &Session,
    plan: &Plan,
    args: &ApplyArgs,
) -> Result<ApplyReport> {
    let mut journal = Journal::begin(&global.state_dir, plan).into_diagnostic()?;
    let opts = ExecOptions {
        parallelism: args.exec.parallelism.max(1),
        on_failure: match args.on_failure {
            OnFailureChoice::Rollback => OnFailure::Rollback,
            OnFailureChoice::Stop => OnFailure::Stop,
        },
        ..ExecOptions::default()
    };
    let view = progress::View::new(
        plan.changes
            .iter()
            .filter(|c| c.adopt || c.action != reconcile_engine::Action::NoOp)
            .count(),
    );
    let report = reconcile_engine::execute(
        Arc::clone(&session.provider),
        plan,
        &opts,
        &mut journal,
        |e| view.event(&e),
    )
    .await
    .into_diagnostic()?;
    view.finish();
    print_report(&report);
    Ok(report)
}

fn print_report(report: &ApplyReport) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "\nApply {}: {} — {} succeeded, {} failed, {} skipped{} in {:.1}s ({} requests).",
        report.apply_id,
        match report.outcome {
            ApplyOutcome::Succeeded => "complete",
            ApplyOutcome::Failed => "failed, stopped",
            ApplyOutcome::RolledBack => "failed, rolled back",
            ApplyOutcome::RollbackFailed => "failed, rollback incomplete",
        },
        report.succeeded.len(),
        report.failed.len(),
        report.skipped.len(),
        if report.rolled_back.is_empty() {
            String::new()
        } else {
            format!(", {} undone", report.rolled_back.len())
        },
        report.elapsed.as_secs_f64(),
        report.requests,
    );
    for (address, error) in &report.failed {
        let _ = writeln!(err, "  failed: {}: {}", safe(address), safe(error));
    }
    for (address, why) in &report.not_reversed {
        let _ = writeln!(err, "  not undone: {}: {}", safe(address), safe(why));
    }
    if let Some(next) = report.how_to_go_on() {
        let _ = writeln!(err, "{}", safe(next));
    }
}

fn report_outcome(report: &ApplyReport) -> Outcome {
    match report.outcome {
        ApplyOutcome::Succeeded => Outcome::Success,
        _ => Outcome::Failure,
    }
}

fn unavailable_or(plan: &Plan, outcome: Outcome) -> Outcome {
    if outcome == Outcome::Success && !plan.unavailable.is_empty() {
        Outcome::Unavailable
    } else {
        outcome
    }
}

/// Takes the stack's lock or says who holds it.
pub fn take_lock(
    global: &Global,
    stack: &str,
    command: &str,
) -> Result<reconcile_engine::LockGuard> {
    Lock::acquire(&global.state_dir, stack, command)
        .into_diagnostic()
        .wrap_err("another apply of this stack is running")
}

/// Asks before changing anything, unless told not to; refuses without a
/// terminal.
pub fn confirm(auto_approve: bool, what: &str) -> Result<()> {
    if auto_approve {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(miette!(
            help = "pass `--auto-approve` to {what} without a prompt",
            "refusing to {what} without confirmation: stdin is not a terminal"
        ));
    }
    eprint!("\nDo you want to {what} these changes? Only `yes` is accepted: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).into_diagnostic()?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(miette!("{what} cancelled; nothing was changed"))
    }
}
