//! `reconcile completions SHELL` and `reconcile man`: generated from the
//! same clap definition as `--help` (clap_complete, clap_mangen), so they
//! cannot fall behind the flags.

use std::io::Write;

use clap::{Args, CommandFactory};
use miette::{IntoDiagnostic, Result};

use super::Cli;
use crate::Outcome;

/// Print shell completions (bash, zsh, fish, elvish, powershell).
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn completions(args: &CompletionsArgs) -> Result<Outcome> {
    let mut cmd = Cli::command();
    // Into memory first: clap_complete panics when its writer fails (a
    // closed pipe), while a failed write here is an ordinary error.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "reconcile", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script).into_diagnostic()?;
    out.flush().into_diagnostic()?;
    Ok(Outcome::Success)
}

pub fn man() -> Result<Outcome> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .into_diagnostic()?;
    let mut out = std::io::stdout().lock();
    out.write_all(&page).into_diagnostic()?;
    out.flush().into_diagnostic()?;
    Ok(Outcome::Success)
}
