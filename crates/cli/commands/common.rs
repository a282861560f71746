//! Steps several commands share: load a spec, connect, read, plan.

use std::path::{Path, PathBuf};

use miette::{IntoDiagnostic, Result, WrapErr, miette};
use reconcile_engine::{LiveState, Plan, Provider, ReadRequest, make_plan};
use reconcile_model::{LoadedSpec, Resource, Secrets};

use crate::args::Connection;
use crate::connect::{Session, connect};

/// A spec turned into desired resources. Only what the commands need of
/// the spec is kept: with 5,000 resources the parsed spec and its located
/// YAML tree (kept for diagnostics until the secrets resolved) held tens of
/// megabytes through the whole plan.
pub struct Desired {
    pub stack: String,
    /// The directory `${file:...}` secrets are relative to.
    pub dir: PathBuf,
    pub resources: Vec<Resource>,
}

impl Desired {
    pub fn stack(&self) -> &str {
        &self.stack
    }
}

/// Loads and validates a spec. Diagnostics are printed as they are
/// (`file:line:col: error: ...`, one per problem); the error says how many.
pub fn load_spec(path: &Path) -> Result<LoadedSpec> {
    reconcile_model::load(path).map_err(|d| spec_invalid(path, &d))
}

fn spec_invalid(path: &Path, diagnostics: &reconcile_model::Diagnostics) -> miette::Report {
    #[allow(clippy::print_stderr)]
    {
        let text = diagnostics.to_string();
        if text.ends_with('\n') {
            eprint!("{text}");
        } else {
            eprintln!("{text}");
        }
    }
    miette!(
        "`{}` is not valid: {} problem(s), listed above",
        path.display(),
        diagnostics.0.len()
    )
}

/// Prints the spec's warnings (the kinds AWS retired that it uses, with
/// their lines; managed policies AWS does not have) to stderr, before any
/// AWS call.
pub fn print_warnings(loaded: &LoadedSpec) {
    for w in loaded.warnings() {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("{w}");
        }
    }
}

/// Within how many days a certificate's expiry is warned about.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// Prints the push credentials' health (expiring or mismatched APNs
/// certificates, malformed keys, the legacy FCM key) as warnings at their
/// fields, to stderr. Reads the secrets; prints none of them.
pub fn print_credential_warnings(loaded: &LoadedSpec, secrets: &Secrets) {
    let now = time::OffsetDateTime::now_utc();
    for w in loaded.credential_warnings(secrets, now, time::Duration::days(EXPIRY_WARNING_DAYS)) {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("{w}");
        }
    }
}

/// Loads a spec, connects, and resolves its desired resources: the secrets
/// it refers to in AWS (`${ssm:...}`, `${secretsmanager:...}`) are read
/// once, here, then every secret is fingerprinted (the values stay inside
/// the model and the provider, which sends them at apply). With `warn`, the
/// spec's warnings are printed first ([`print_warnings`]), and the push
/// credentials' once they are read.
pub async fn prepare(
    path: &Path,
    warn: bool,
    conn: &Connection,
    state_dir: &Path,
) -> Result<(Desired, Session)> {
    let loaded = load_spec(path)?;
    if warn {
        print_warnings(&loaded);
    }
    let session = connect(
        conn,
        state_dir,
        loaded.spec.region.as_deref(),
        &loaded.spec.stack,
        &loaded.dir,
    )
    .await?;
    let remote = loaded.spec.remote_secrets();
    if !remote.is_empty() {
        session.provider.fetch_secrets(&remote).await;
    }
    let resources = {
        let secrets = session.provider.secrets();
        if warn {
            print_credential_warnings(&loaded, &secrets);
        }
        // A secret that does not resolve is reported at its field.
        loaded
            .resources_with(&secrets)
            .map_err(|d| spec_invalid(path, &d))?
    };
    let LoadedSpec { spec, dir, .. } = loaded;
    let desired = Desired {
        stack: spec.stack,
        dir,
        resources,
    };
    Ok((desired, session))
}

/// Reads the live state of a stack.
pub async fn read_live(
    session: &Session,
    stack: &str,
    desired: &[Resource],
    adopt: bool,
) -> Result<LiveState> {
    session
        .provider
        .read(&ReadRequest {
            stack,
            desired,
            adopt,
        })
        .await
        .into_diagnostic()
        .wrap_err("cannot read the live account")
}

/// Reads and plans.
pub async fn plan_for(
    desired: &Desired,
    session: &Session,
    adopt: bool,
    spec_path: &Path,
) -> Result<Plan> {
    let live = read_live(session, desired.stack(), &desired.resources, adopt).await?;
    make_plan(
        desired.stack(),
        &spec_path.display().to_string(),
        &absolute(&desired.dir).display().to_string(),
        desired.resources.clone(),
        live,
    )
    .into_diagnostic()
}

pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}
