//! The command line: [`Cli`] (the global flags and one [`Command`]) and
//! [`run`], which hands the command its own arguments.
//!
//! One module per command. Each declares its flags beside its code, as a
//! `#[derive(clap::Args)]` struct (`plan::PlanArgs`, `apply::ApplyArgs`,
//! ...) whose doc comment is the command's `--help` summary, and its `run`
//! takes that struct. Flags several commands share (the global ones,
//! `Connection`, `Parallelism`) are declared once in `crate::args` and
//! flattened where they are used. To add a flag to a command, edit that
//! command's file; to add a command, add its file, a variant below and its
//! arm in [`run`].

mod apply;
mod common;
mod completions;
mod destroy;
mod emulator;
mod export;
mod graph;
mod history;
mod plan;
mod progress;
mod rollback;
mod send;
mod show;
mod status;
mod table;
mod validate;

use clap::{Parser, Subcommand};
use miette::Result;

use crate::Outcome;
use crate::args::Global;

/// Keeps a mobile push-notification stack on AWS (Pinpoint / End User
/// Messaging Push) equal to a YAML spec kept in Git.
#[derive(Debug, Parser)]
#[command(name = "reconcile", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// The commands, in the order `--help` lists them. A variant's summary is
/// the doc comment of its `Args` struct.
#[derive(Debug, Subcommand)]
pub enum Command {
    Validate(validate::ValidateArgs),
    /// Print the JSON Schema (draft-07) of the spec language.
    Schema,
    Plan(plan::PlanArgs),
    Apply(apply::ApplyArgs),
    Rollback(rollback::RollbackArgs),
    Destroy(destroy::DestroyArgs),
    History(history::HistoryArgs),
    Send(send::SendArgs),
    Status(status::StatusArgs),
    Show(show::ShowArgs),
    Graph(graph::GraphArgs),
    Export(export::ExportArgs),
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff), e.g. `reconcile man > reconcile.1`.
    Man,
    Emulator(emulator::EmulatorArgs),
}

pub fn run(cli: Cli) -> Result<Outcome> {
    let Cli { global, command } = cli;
    match command {
        Command::Validate(args) => validate::run(&args),
        Command::Schema => validate::schema(),
        Command::Plan(args) => plan::run(&global, &args),
        Command::Apply(args) => apply::run(&global, &args),
        Command::Rollback(args) => rollback::run(&global, &args),
        Command::Destroy(args) => destroy::run(&global, &args),
        Command::History(args) => history::run(&global, &args),
        Command::Send(args) => send::run(&global, &args),
        Command::Status(args) => status::run(&global, &args),
        Command::Show(args) => show::run(&global, &args),
        Command::Graph(args) => graph::run(&args),
        Command::Export(args) => export::run(&global, &args),
        Command::Completions(args) => completions::completions(&args),
        Command::Man => completions::man(),
        Command::Emulator(args) => emulator::run(args),
    }
}

/// A multi-threaded tokio runtime for the commands that talk to AWS.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| miette::miette!("cannot start the async runtime: {e}"))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// clap's own checks of the whole definition (duplicate ids, a
    /// `conflicts_with` or `mut_arg` naming a flag that is not there, ...),
    /// which otherwise fail only when the command in question runs.
    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
