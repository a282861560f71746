//! `reconcile validate` and `reconcile schema`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use miette::{IntoDiagnostic, Result};

use crate::Outcome;

/// Check specs: syntax, types, references and Pinpoint's rules.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Spec files.
    #[arg(required = true)]
    pub specs: Vec<PathBuf>,
}

/// Validates every spec; reports every problem of every file.
pub fn run(args: &ValidateArgs) -> Result<Outcome> {
    let specs = &args.specs;
    let mut failed = 0usize;
    let mut out = std::io::stdout().lock();
    for path in specs {
        match reconcile_model::load(path) {
            Ok(loaded) => {
                super::common::print_warnings(&loaded);
                writeln!(
                    out,
                    "{}: valid (stack `{}`)",
                    crate::output::safe(path.display()),
                    crate::output::safe(&loaded.spec.stack)
                )
                .into_diagnostic()?;
            }
            Err(diagnostics) => {
                failed += 1;
                eprint!("{diagnostics}");
                if !diagnostics.to_string().ends_with('\n') {
                    eprintln!();
                }
            }
        }
    }
    if failed > 0 {
        eprintln!("{failed} of {} spec(s) invalid.", specs.len());
        Ok(Outcome::Failure)
    } else {
        Ok(Outcome::Success)
    }
}

/// Prints the JSON Schema of the spec language.
pub fn schema() -> Result<Outcome> {
    let mut text =
        serde_json::to_string_pretty(&reconcile_model::json_schema()).into_diagnostic()?;
    text.push('\n');
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .into_diagnostic()?;
    Ok(Outcome::Success)
}
