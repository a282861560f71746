//! `reconcile show`: a saved plan, rendered as `plan` rendered it, with no
//! AWS call (for a reviewer holding only the CI artifact).
#![allow(clippy::print_stdout)]

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use miette::{IntoDiagnostic, Result, WrapErr};
use reconcile_engine::Plan;

use super::plan::PlanFormat;
use crate::Outcome;
use crate::args::Global;

/// Show a plan saved with `plan --out`, as `plan` showed it, without
/// any AWS call.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The saved plan (JSON).
    pub plan: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Also list resources without changes.
    #[arg(long)]
    pub show_unchanged: bool,
}

pub fn run(global: &Global, args: &ShowArgs) -> Result<Outcome> {
    let path = &args.plan;
    let plan = Plan::load(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot show the plan `{}`", path.display()))?;
    let rendered = super::plan::render_plan(&plan, args.format, global, args.show_unchanged);
    let mut out = std::io::stdout().lock();
    out.write_all(rendered.as_bytes()).into_diagnostic()?;
    out.flush().into_diagnostic()?;
    Ok(Outcome::Success)
}
