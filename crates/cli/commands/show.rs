//! `reconcile show`: a saved plan, rendered as `plan` rendered it, with no
//! AWS call (for a reviewer holding only the CI artifact).
#![allow(clippy::print_stdout)]

use std::io::Write;
use std::path::Path;

use miette::{IntoDiagnostic, Result, WrapErr};
use reconcile_engine::Plan;

use crate::Outcome;
use crate::args::{Global, PlanFormat};

pub fn run(
    global: &Global,
    path: &Path,
    format: PlanFormat,
    show_unchanged: bool,
) -> Result<Outcome> {
    let plan = Plan::load(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot show the plan `{}`", path.display()))?;
    let rendered = super::plan::render_plan(&plan, format, global, show_unchanged);
    let mut out = std::io::stdout().lock();
    out.write_all(rendered.as_bytes()).into_diagnostic()?;
    out.flush().into_diagnostic()?;
    Ok(Outcome::Success)
}
