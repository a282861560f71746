//! `reconcile emulator`: serve the local AWS emulator on 127.0.0.1.
#![allow(clippy::print_stdout)]

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use miette::{IntoDiagnostic, Result, WrapErr};
use reconcile_emulator::{Config, Emulator, knobs::Knobs};

use crate::Outcome;
use crate::args::ApiChoice;

/// Serve the local AWS emulator on 127.0.0.1.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Port (0 picks a free one).
    #[arg(long, default_value_t = 4566)]
    pub port: u16,
    /// Persist state to this file (atomic replace after every change).
    #[arg(long)]
    pub state: Option<PathBuf>,
    #[arg(long, default_value_t = Config::default().region)]
    pub region: String,
    #[arg(long, default_value_t = Config::default().account_id)]
    pub account_id: String,
    /// Added latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Enforce AWS's published per-operation rates (429 beyond them).
    #[arg(long)]
    pub quotas: bool,
    /// Random extra latency per request, up to this many milliseconds.
    #[arg(long, default_value_t = 0)]
    pub jitter_ms: u64,
    /// Probability of an injected 500 (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Probability of an injected throttle (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    pub throttle_rate: f64,
    /// Probability that a write is committed and its response lost (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Seed of the fault generator, for reproducible runs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Which AWS to answer as: `classic` (the whole Pinpoint API) or
    /// `today` (Pinpoint's engagement features refused, as since
    /// 2026-10-30). Default: what the state file says, else classic.
    #[arg(long, value_enum)]
    pub api: Option<ApiChoice>,
    /// With `--api today`: how retired operations are refused: 403
    /// ForbiddenException, 404 NotFoundException, 400
    /// BadRequestException, 404 UnknownOperationException with no
    /// message, or a different one per operation family (mixed).
    #[arg(long, value_enum, default_value_t = RetiredShapeChoice::Mixed)]
    pub retired_shape: RetiredShapeChoice,
}

/// How the emulator refuses a retired operation under `--api today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RetiredShapeChoice {
    // 403 ForbiddenException naming the end of support; 404
    // NotFoundException; 400 BadRequestException; 404
    // UnknownOperationException with no message; a different one per
    // operation family.
    Forbidden,
    NotFound,
    BadRequest,
    UnknownOperation,
    Mixed,
}

impl From<RetiredShapeChoice> for reconcile_emulator::RetiredShape {
    fn from(c: RetiredShapeChoice) -> Self {
        match c {
            RetiredShapeChoice::Forbidden => Self::Forbidden,
            RetiredShapeChoice::NotFound => Self::NotFound,
            RetiredShapeChoice::BadRequest => Self::BadRequest,
            RetiredShapeChoice::UnknownOperation => Self::UnknownOperation,
            RetiredShapeChoice::Mixed => Self::Mixed,
        }
    }
}

pub fn run(args: EmulatorArgs) -> Result<Outcome> {
    let EmulatorArgs {
        port,
        state,
        region,
        account_id,
        latency_ms,
        quotas,
        jitter_ms,
        error_rate,
        throttle_rate,
        drop_rate,
        seed,
        api,
        retired_shape,
    } = args;
    let api = api.map(|a| match a {
        ApiChoice::Classic => reconcile_emulator::Api::Classic,
        ApiChoice::Today => reconcile_emulator::Api::Today(retired_shape.into()),
    });
    let knobs = Knobs {
        latency_ms,
        jitter_ms,
        quotas,
        error_rate,
        throttle_rate,
        drop_rate,
        seed,
        ..Knobs::default()
    };
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
