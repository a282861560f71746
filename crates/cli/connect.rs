//! From the connection flags to a provider: AWS, an endpoint URL, or the
//! built-in emulator (`--local`) running in this process.
//!
//! Every `--local` command runs its own emulator on the one state file
//! `<state-dir>/local/emulator.json`; any number may run at once (applies
//! of different stacks, a `status` or `plan` during an apply) and none loses
//! another's writes: each write is a transaction on the file under an OS
//! lock (`reconcile_emulator::store` says why this design and not one lock
//! per command or a shared emulator process). A write that waits more than
//! a second for that lock says on stderr which process holds it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{IntoDiagnostic, Result, WrapErr};
use reconcile_aws::{AwsProvider, Clients, ConnectOptions};
use reconcile_emulator::{Config, Emulator};

use crate::args::Connection;

/// The default region when neither the flags, the spec nor the AWS
/// configuration name one (and always for `--local`).
const LOCAL_REGION: &str = "us-east-1";

/// A live connection. With `--local`, the emulator serves from a task of
/// the current runtime for as long as the runtime lives.
pub struct Session {
    pub provider: Arc<AwsProvider>,
}

/// Where `--local` keeps the emulator's state.
pub fn local_state_file(state_dir: &Path) -> PathBuf {
    state_dir.join("local").join("emulator.json")
}

/// Connects for one stack. Must run inside the tokio runtime.
pub async fn connect(
    conn: &Connection,
    state_dir: &Path,
    spec_region: Option<&str>,
    stack: &str,
    spec_dir: &Path,
) -> Result<Session> {
    let region = conn
        .region
        .clone()
        .or_else(|| spec_region.map(ToOwned::to_owned));
    let opts = if conn.local {
        let region = region.unwrap_or_else(|| LOCAL_REGION.to_owned());
        let emulator = Emulator::with_notice(
            Config {
                region: region.clone(),
                state_file: Some(local_state_file(state_dir)),
                api: Some(match conn.api() {
                    reconcile_model::Api::Classic => reconcile_emulator::Api::Classic,
                    reconcile_model::Api::Today => {
                        reconcile_emulator::Api::Today(reconcile_emulator::RetiredShape::Mixed)
                    }
                }),
                ..Config::default()
            },
            |waiting| {
                #[allow(clippy::print_stderr)]
                {
                    eprintln!("{waiting}");
                }
            },
        )
        .into_diagnostic()
        .wrap_err("cannot start the local emulator")?;
        let url = emulator
            .clone()
            .spawn()
            .await
            .into_diagnostic()
            .wrap_err("cannot start the local emulator")?;
        tracing::info!("local emulator at {url}");
        ConnectOptions {
            endpoint_url: Some(url),
            region: Some(region),
            profile: None,
            dummy_credentials: true,
            max_attempts: 3,
            api: conn.api(),
        }
    } else {
        ConnectOptions {
            endpoint_url: conn.endpoint_url.clone(),
            region,
            profile: conn.profile.clone(),
            dummy_credentials: false,
            max_attempts: 5,
            api: conn.api(),
        }
    };
    let clients = Clients::connect(&opts).await;
    let provider = AwsProvider::new(clients, stack.to_owned(), spec_dir.to_owned());
    Ok(Session {
        provider: Arc::new(provider),
    })
}
