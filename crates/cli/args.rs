//! Flags that more than one command shares: the global ones ([`Global`]),
//! how to reach the account ([`Connection`]), [`Parallelism`] and the
//! table output of `send` and `status` ([`TableFormat`]). Each is declared
//! once here and `#[command(flatten)]`ed where it is used.
//!
//! A command's own flags live beside it, in its `Args` struct in
//! `commands/<command>.rs`; the command line as a whole (`Cli` and the
//! `Command` enum) is in `commands/mod.rs`. This module imports nothing of
//! the commands, so that the flags they share sit below them all.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// Flags every command accepts.
#[derive(Debug, Args)]
pub struct Global {
    /// Where journals, locks and the local emulator's state live.
    #[arg(
        long,
        global = true,
        env = "RECONCILE_STATE_DIR",
        default_value = ".reconcile"
    )]
    pub state_dir: PathBuf,
    /// More log output (repeat for more); logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to use colour: auto (a terminal without NO_COLOR), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// How to reach the account: AWS (standard credential chain), an endpoint
/// URL, or the built-in emulator.
#[derive(Debug, Clone, Args)]
pub struct Connection {
    /// Run against the built-in emulator, in-process, with its state under
    /// `<state-dir>/local/`. No AWS account needed.
    #[arg(long, conflicts_with_all = ["endpoint_url", "profile"])]
    pub local: bool,
    /// Send every AWS request to this URL (e.g. `reconcile emulator`'s).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// AWS region (default: the spec's `region`, then the AWS config chain).
    #[arg(long)]
    pub region: Option<String>,
    /// AWS shared-config profile.
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Which AWS to plan for: `today` (Pinpoint's engagement features,
    /// retired on 2026-10-30, are reported as retired, never changed; the
    /// default against AWS) or `classic` (the whole Pinpoint API; the
    /// default with `--local`, whose emulator then answers as that AWS).
    #[arg(long, value_enum, env = "RECONCILE_API")]
    pub api: Option<ApiChoice>,
}

impl Connection {
    /// The API this command plans for: `--api`, else classic with
    /// `--local` and today's AWS otherwise.
    pub fn api(&self) -> reconcile_model::Api {
        match self.api {
            Some(ApiChoice::Today) => reconcile_model::Api::Today,
            Some(ApiChoice::Classic) => reconcile_model::Api::Classic,
            None if self.local => reconcile_model::Api::Classic,
            None => reconcile_model::Api::Today,
        }
    }
}

/// `--api`: which AWS to plan for (or, for the emulator, to answer as).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApiChoice {
    // AWS today: the app, push channels and SendMessages (AWS End User
    // Messaging Push); engagement features retired on 2026-10-30. (No doc
    // comments on the values: they would turn `--help` into its long form.)
    Today,
    // The whole Amazon Pinpoint API, as it was before its end of support.
    Classic,
}

/// `--parallelism`, for the commands that carry out a plan (`apply`,
/// `rollback`, `destroy`). Its default is the engine's
/// ([`ExecOptions::DEFAULT_PARALLELISM`](reconcile_engine::ExecOptions::DEFAULT_PARALLELISM)).
#[derive(Debug, Clone, Copy, Args)]
pub struct Parallelism {
    // No doc comment: `apply --help` describes the flag (`ApplyArgs`),
    // `rollback` and `destroy` have always shown it bare.
    #[arg(long, default_value_t = reconcile_engine::ExecOptions::DEFAULT_PARALLELISM)]
    pub parallelism: usize,
}

/// Output of `send`, `status`: a table for people or JSON for machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Table,
    Json,
}
