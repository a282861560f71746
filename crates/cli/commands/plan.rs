//! `reconcile plan`: read the account, diff, order, show.
#![allow(clippy::print_stdout)]

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use miette::{IntoDiagnostic, Result, WrapErr};
use reconcile_engine::Plan;
use reconcile_engine::render::{self, TextOptions};

use super::common;
use crate::Outcome;
use crate::args::{Connection, Global};

/// Show what apply would change.
#[derive(Debug, Args)]
pub struct PlanArgs {
    pub spec: PathBuf,
    #[command(flatten)]
    pub conn: Connection,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Save the plan (versioned JSON, no secret values) for `apply`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error
    /// (3 when parts of the account could not be read).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Take over resources that carry a wanted name but no stack's tags.
    #[arg(long)]
    pub adopt: bool,
    /// Also list resources without changes.
    #[arg(long)]
    pub show_unchanged: bool,
}

/// How a plan is shown (`plan --format`, `show --format`; `apply`,
/// `rollback` and `destroy` show theirs as text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Text,
    Json,
    Markdown,
}

pub fn run(global: &Global, args: &PlanArgs) -> Result<Outcome> {
    let plan = super::runtime()?.block_on(async {
        let (desired, session) =
            common::prepare(&args.spec, true, &args.conn, &global.state_dir).await?;
        common::plan_for(&desired, &session, args.adopt, &args.spec).await
    })?;
    let rendered = render_plan(&plan, args.format, global, args.show_unchanged);
    let mut out = std::io::stdout().lock();
    out.write_all(rendered.as_bytes()).into_diagnostic()?;
    out.flush().into_diagnostic()?;
    if let Some(path) = &args.out {
        plan.save(path)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot save the plan to `{}`", path.display()))?;
        tracing::info!("plan saved to {}", path.display());
    }
    Ok(plan_outcome(&plan, args.detailed_exitcode))
}

/// The exit status a plan earns.
pub fn plan_outcome(plan: &Plan, detailed: bool) -> Outcome {
    if !plan.conflicts.is_empty() {
        Outcome::Failure
    } else if !plan.unavailable.is_empty() {
        Outcome::Unavailable
    } else if detailed && plan.has_changes() {
        Outcome::Changes
    } else {
        Outcome::Success
    }
}

pub fn render_plan(
    plan: &Plan,
    format: PlanFormat,
    global: &Global,
    show_unchanged: bool,
) -> String {
    match format {
        PlanFormat::Text => render::text(
            plan,
            &TextOptions {
                color: crate::output::color_stdout(global.color),
                show_no_op: show_unchanged,
            },
        ),
        PlanFormat::Json => {
            let mut s = serde_json::to_string_pretty(&render::json(plan)).expect("JSON renders");
            s.push('\n');
            s
        }
        PlanFormat::Markdown => render::markdown(plan),
    }
}
