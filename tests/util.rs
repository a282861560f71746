//! Helpers to run the built binary in a scratch directory.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// The repository root (where `specs/` lives).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch workspace: a temporary state dir, and copies of the example
/// specs so that tests may edit them.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        copy_dir(&root().join("specs"), &dir.path().join("specs"));
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join(".reconcile")
    }

    pub fn spec(&self, name: &str) -> PathBuf {
        self.dir.path().join("specs").join(name)
    }

    /// `reconcile <args>` run in the scratch dir, with its state dir, no
    /// colour, and no AWS settings from the environment.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("reconcile").expect("binary built");
        cmd.current_dir(self.dir.path())
            .env("RECONCILE_STATE_DIR", self.state_dir())
            .env("NO_COLOR", "1")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("RUST_LOG")
            .env_remove("RECONCILE_API")
            .env_remove("RECONCILE_FINGERPRINT_KEY");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("binary runs")
    }

    /// `reconcile apply --local --auto-approve SPEC`, which must succeed.
    #[track_caller]
    pub fn apply_local(&self, spec: &str) {
        expect_code(&self.run(&["apply", "--local", "--auto-approve", spec]), 0);
    }

    /// [`Scratch::cmd`] with dummy AWS credentials and no AWS configuration
    /// from the machine (empty config and credentials files, no instance
    /// metadata), for runs against an `--endpoint-url`.
    pub fn cmd_isolated(&self) -> Command {
        let (config, credentials) = (
            self.path().join("aws-config"),
            self.path().join("aws-credentials"),
        );
        for empty in [&config, &credentials] {
            if !empty.exists() {
                std::fs::write(empty, "").expect("empty AWS config file");
            }
        }
        let mut cmd = self.cmd();
        cmd.env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "emulator-secret")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_SESSION_TOKEN");
        cmd
    }

    pub fn run_isolated(&self, args: &[&str]) -> Output {
        self.cmd_isolated()
            .args(args)
            .output()
            .expect("binary runs")
    }

    /// The local emulator's persisted state, as JSON.
    pub fn local_state(&self) -> serde_json::Value {
        let path = self.state_dir().join("local").join("emulator.json");
        let bytes = std::fs::read(&path).unwrap_or_default();
        if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("emulator state is JSON")
        }
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Fails with both streams shown when the exit status is not `want`.
#[track_caller]
pub fn expect_code(o: &Output, want: i32) {
    assert_eq!(
        code(o),
        want,
        "exit status {} (wanted {want})\n--- stdout\n{}\n--- stderr\n{}",
        code(o),
        stdout(o),
        stderr(o)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The contents of every demo secret file shipped under `specs/demo/`: none
/// may ever appear in output, plan files, journals or logs.
pub fn demo_secrets() -> Vec<String> {
    let mut out = Vec::new();
    let dir = root().join("specs").join("demo");
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if let Ok(text) = std::fs::read_to_string(e.path()) {
                // Distinctive lines, not whole files (whitespace may differ).
                for line in text.lines().map(str::trim).filter(|l| l.len() >= 12) {
                    if !line.starts_with("-----") {
                        out.push(line.to_owned());
                    }
                }
            }
        }
    }
    out
}

/// `.venv/bin` of the repository, where `scripts/setup-python.sh` installs
/// Python and the AWS CLI (tests that need them skip when they are absent).
pub fn venv_bin() -> PathBuf {
    root().join(".venv").join("bin")
}

/// Whether `.venv/` has the AWS CLI and Python the wire tests drive. Without
/// them (`scripts/test` installs them; CI runs it) a test has nothing to run:
/// this says so on stderr and the test returns.
pub fn has_aws_cli() -> bool {
    let there = venv_bin().join("aws").exists() && venv_bin().join("python").exists();
    if !there {
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "skipped: {} is absent; run scripts/setup-python.sh to install the AWS CLI",
                venv_bin().join("aws").display()
            );
        }
    }
    there
}

/// Builds the recipe's stack by hand against `url`: its preparation and
/// steps 1 to 10, with the recipe's own AWS CLI commands
/// (`tests/py/recipe_stack.py`), `RANDOM_SUFFIX` being `suffix`. Returns
/// the recipe shell's variables (`suffix`, `app_id`, `segment_id`,
/// `campaign_id`, `role_arn`).
pub fn recipe_stack(s: &Scratch, url: &str, suffix: &str) -> BTreeMap<String, String> {
    let home = s.path().join("aws-home");
    std::fs::create_dir_all(&home).unwrap();
    let config = home.join("config");
    // The recipe reads the region with `aws configure get region`.
    std::fs::write(&config, "[default]\nregion = us-east-1\n").unwrap();
    let credentials = home.join("credentials");
    std::fs::write(&credentials, "").unwrap();
    let path = format!(
        "{}:{}",
        venv_bin().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new(venv_bin().join("python"))
        .arg(root().join("tests/py/recipe_stack.py"))
        .arg(suffix)
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
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "the recipe's commands failed ({:?}):\n{}\n{}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    let last = text.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: last line {last:?}"))
}

/// `reconcile emulator --port 0 --state FILE`, served until dropped.
pub struct Served {
    child: std::process::Child,
    pub url: String,
}

impl Served {
    pub fn start(state: &Path) -> Self {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_reconcile"))
            .args(["emulator", "--port", "0", "--state"])
            .arg(state)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the emulator starts");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the emulator prints its URL");
        Self {
            child,
            url: line.trim().to_owned(),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The AWS CLI of `.venv` against `url`, with dummy credentials and no AWS
/// configuration from the machine; must succeed. Returns its stdout.
#[track_caller]
pub fn aws(s: &Scratch, url: &str, args: &[&str]) -> String {
    let (config, credentials) = (
        s.path().join("aws-config"),
        s.path().join("aws-credentials"),
    );
    for empty in [&config, &credentials] {
        if !empty.exists() {
            std::fs::write(empty, "").expect("empty AWS config file");
        }
    }
    let out = std::process::Command::new(venv_bin().join("aws"))
        .args(args)
        .args(["--endpoint-url", url, "--output", "json"])
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "emulator-secret")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("the AWS CLI runs");
    assert!(
        out.status.success(),
        "aws {args:?} failed ({:?}):\n{}\n{}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}
