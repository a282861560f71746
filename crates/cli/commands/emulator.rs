//! `reconcile emulator`: serve the local AWS emulator on 127.0.0.1.
#![allow(clippy::print_stdout)]

use std::io::Write;
use std::path::PathBuf;

use miette::{IntoDiagnostic, Result, WrapErr};
use reconcile_emulator::{Config, Emulator, knobs::Knobs};

use crate::Outcome;

pub fn run(
    port: u16,
    state: Option<PathBuf>,
    region: String,
    account_id: String,
    api: Option<reconcile_emulator::Api>,
    knobs: Knobs,
) -> Result<Outcome> {
    for (name, rate) in [
        ("--error-rate", knobs.error_rate),
        ("--throttle-rate", knobs.throttle_rate),
        ("--drop-rate", knobs.drop_rate),
    ] {
        if !(0.0..=1.0).contains(&rate) {
            return Err(miette::miette!(
                "{name} must be between 0 and 1, not {rate}"
            ));
        }
    }
    let config = Config {
        region,
        account_id,
        state_file: state,
        knobs,
        api,
    };
    let emulator = Emulator::new(config).into_diagnostic()?;
    super::runtime()?.block_on(async move {
        emulator
            .serve(
                port,
                |addr| {
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "http://{addr}");
                    let _ = out.flush();
                },
                shutdown_signal(),
            )
            .await
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot serve on 127.0.0.1:{port}"))
    })?;
    Ok(Outcome::Success)
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
