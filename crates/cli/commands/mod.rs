//! One module per command; [`run`] picks it.

mod emulator;

use miette::Result;

use crate::Outcome;
use crate::args::{Cli, Command};

pub fn run(cli: Cli) -> Result<Outcome> {
    let Cli { global, command } = cli;
    match command {
        Command::Emulator {
            port,
            state,
            region,
            account_id,
            latency_ms,
            quotas,
        } => emulator::run(port, state, region, account_id, latency_ms, quotas),
        other => {
            let _ = global;
            Err(miette::miette!("`{other:?}` is not available yet"))
        }
    }
}

/// A multi-threaded tokio runtime for the commands that talk to AWS.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| miette::miette!("cannot start the async runtime: {e}"))
}
