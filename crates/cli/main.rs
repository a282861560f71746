//! `reconcile`: the command-line face. Parses arguments, sets up logging,
//! runs one command, renders its outcome and maps it to an exit status.
//! Wire protocols live in the libraries; this crate knows none of them.

mod args;
mod commands;
mod connect;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::commands::Cli;

/// How a command ended, as the process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done; with `--detailed-exitcode`, also "no changes".
    Success = 0,
    /// An error (reported on stderr), or invalid input.
    Failure = 1,
    /// `plan --detailed-exitcode`: there are changes.
    Changes = 2,
    /// Parts of the account could not be read (e.g. end of support).
    Unavailable = 3,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    output::init_logging(cli.global.verbose);
    let outcome = match commands::run(cli) {
        Ok(outcome) => outcome,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            output::report_error(&err);
            Outcome::Failure
        }
    };
    ExitCode::from(outcome as u8)
}

fn is_broken_pipe(err: &miette::Report) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
