//! Wire compatibility with the Python clients: the AWS CLI (v1, from PyPI)
//! runs the recipe's own commands against the emulator, and boto3 sends the
//! same call sequences to `moto_server` and to the emulator to compare them.
//! A third seeds SSM parameters and Secrets Manager secrets with the AWS CLI,
//! reads them with boto3, and checks every raw reply against botocore's model.
//!
//! The tools live in `.venv/` at the workspace root (`scripts/setup-python.sh`
//! installs them; CI runs it). Without `.venv/bin/aws` each test prints a
//! note and passes without running.
#![allow(clippy::print_stderr)]

mod harness;

use std::path::{Path, PathBuf};
use std::time::Instant;

fn venv_bin() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin")
}

fn py_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py")
}

/// The venv's python when the AWS CLI is installed in it.
fn python() -> Option<PathBuf> {
    let bin = venv_bin();
    if bin.join("aws").exists() && bin.join("python").exists() {
        Some(bin.join("python"))
    } else {
        eprintln!(
            "skipped: {} is absent; run scripts/setup-python.sh to install the AWS CLI, boto3 and moto",
            bin.join("aws").display()
        );
        None
    }
}

/// Runs a script of `tests/py` against `url` with dummy credentials and a
/// config file that holds the region; panics with its output on failure.
async fn run_script(python: &Path, script: &str, url: &str) {
    let home = tempfile::tempdir().expect("temp dir");
    let config = home.path().join("config");
    std::fs::write(&config, "[default]\nregion = us-east-1\n").expect("config file");
    let credentials = home.path().join("credentials");
    std::fs::write(&credentials, "").expect("credentials file");
    let path = format!(
        "{}:{}",
        venv_bin().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let started = Instant::now();
    let out = tokio::process::Command::new(python)
        .arg(py_dir().join(script))
        .env("PATH", path)
        .env("AWS_ENDPOINT_URL", url)
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "emulator-secret")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("PYTHONIOENCODING", "utf-8")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .kill_on_drop(true)
        .output()
        .await
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{script} failed ({:?}):\n{stdout}\n{stderr}",
        out.status
    );
    eprintln!("{script} passed in {:.1?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recipe_commands_succeed_in_order_and_clean_up() {
    let Some(python) = python() else { return };
    let em = harness::start().await;
    run_script(&python, "recipe.py", &em.url).await;
    let left = em.emulator.with_state(|s| {
        (
            s.iam.roles.len(),
            s.kinesis.streams.len(),
            s.cloudwatch.alarms.len(),
        )
    });
    assert_eq!(left, (0, 0, 0), "roles, streams, alarms left after cleanup");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_sees_the_same_as_moto_where_moto_is_right() {
    let Some(python) = python() else { return };
    if !venv_bin().join("moto_server").exists() {
        eprintln!("skipped: moto_server is absent from .venv; run scripts/setup-python.sh");
        return;
    }
    let em = harness::start().await;
    run_script(&python, "differential.py", &em.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameters_and_secrets_seeded_by_the_cli_read_back_in_the_model_s_shapes() {
    let Some(python) = python() else { return };
    let em = harness::start().await;
    run_script(&python, "secret_stores.py", &em.url).await;
    let left = em.emulator.with_state(|s| {
        (
            s.ssm.parameters.len(),
            s.secretsmanager.secrets.keys().cloned().collect::<Vec<_>>(),
        )
    });
    assert_eq!(left, (0, vec!["py/bin".to_owned()]), "what the script left");
}
