//! An emulator served by `reconcile emulator` in a child process, for the
//! tests that need its knobs (injected faults, latency) or that kill the
//! `reconcile` process applying to it. Its control path is spoken with a
//! few lines of HTTP/1.1 over a `TcpStream`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::util::Scratch;

/// A `reconcile emulator --port 0` child; killed when dropped.
pub struct External {
    child: Child,
    /// Keeps the child's stdout open (it printed its URL there).
    _stdout: BufReader<ChildStdout>,
    /// `http://127.0.0.1:PORT`
    pub url: String,
}

impl External {
    /// Starts an emulator with its state file in the scratch dir.
    pub fn start(s: &Scratch) -> Self {
        Self::start_with(s, &[])
    }

    /// [`External::start`] with more `reconcile emulator` arguments.
    pub fn start_with(s: &Scratch, args: &[&str]) -> Self {
        let bin = assert_cmd::cargo::cargo_bin("reconcile");
        Self::spawn(Command::new(bin), s, args)
    }

    /// [`External::start`] with the emulator's soft limit of open files
    /// set to `limit` (through `sh -c 'ulimit -n'`), as on machines whose
    /// default is 1,024.
    pub fn start_with_fd_limit(s: &Scratch, limit: u32) -> Self {
        let mut sh = Command::new("sh");
        sh.args(["-c", r#"ulimit -n "$0" && exec "$@""#])
            .arg(limit.to_string())
            .arg(assert_cmd::cargo::cargo_bin("reconcile"));
        Self::spawn(sh, s, &[])
    }

    fn spawn(mut cmd: Command, s: &Scratch, args: &[&str]) -> Self {
        let state_file = s.path().join("external-emulator.json");
        let mut child = cmd
            .args(["emulator", "--port", "0", "--state"])
            .arg(&state_file)
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("`reconcile emulator` starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("the emulator prints its URL");
        let url = line.trim().to_owned();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "unexpected first line from `reconcile emulator`: {line:?}"
        );
        Self {
            child,
            _stdout: stdout,
            url,
        }
    }

    /// `PUT /_emulator/knobs` (replaces every knob; absent ones are off).
    pub fn set_knobs(&self, knobs: &Value) {
        let (status, body) = self.http("PUT", "/_emulator/knobs", Some(knobs));
        assert_eq!(status, 200, "PUT /_emulator/knobs: {body}");
    }

    /// `GET /_emulator/state`: the whole state.
    pub fn state(&self) -> Value {
        let (status, body) = self.http("GET", "/_emulator/state", None);
        assert_eq!(status, 200, "GET /_emulator/state: {body}");
        let v: Value = serde_json::from_str(&body).expect("the state is JSON");
        assert!(v.is_object(), "GET /_emulator/state answered {body}");
        v
    }

    /// `GET /_emulator/counts`: requests per `Service:Operation`.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        let (status, body) = self.http("GET", "/_emulator/counts", None);
        assert_eq!(status, 200, "GET /_emulator/counts: {body}");
        serde_json::from_str(&body).expect("the counts are JSON")
    }

    /// `127.0.0.1:PORT`
    pub fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// One request to the control path (or any path) on a fresh
    /// connection: the status and the body.
    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, String) {
        self.http(method, path, body)
    }

    /// One request on a fresh connection; returns the status and the body.
    fn http(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, String) {
        let host = self.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(host).expect("connect to the emulator");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let body = body.map(Value::to_string).unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("send the request");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read the response");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, rest) = text
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("no HTTP header end in {text:?}"));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {head:?}"));
        let chunked = head.lines().any(|l| {
            l.to_ascii_lowercase()
                .starts_with("transfer-encoding: chunked")
        });
        let body = if chunked {
            dechunk(rest)
        } else {
            rest.to_owned()
        };
        (status, body)
    }

    /// `reconcile <args> --endpoint-url URL` in the scratch dir, with dummy
    /// credentials.
    pub fn run(&self, s: &Scratch, args: &[&str]) -> Output {
        self.command(s, args).output().expect("`reconcile` runs")
    }

    /// The command of [`External::run`], to spawn it.
    pub fn command(&self, s: &Scratch, args: &[&str]) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("reconcile"));
        cmd.current_dir(s.path())
            .args(args)
            .args(["--endpoint-url", &self.url])
            .env("RECONCILE_STATE_DIR", s.state_dir())
            .env("NO_COLOR", "1")
            .env("AWS_ACCESS_KEY_ID", "AKIDEXTERNALEMULATOR")
            .env("AWS_SECRET_ACCESS_KEY", "external-emulator-secret")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            // The emulator serves the classic Pinpoint API (unless started
            // with `--api today`), and an endpoint URL means today's AWS.
            .env("RECONCILE_API", "classic")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("RUST_LOG")
            .env_remove("RECONCILE_FINGERPRINT_KEY");
        cmd
    }
}

impl Drop for External {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}

/// What the stack `stack` owns in an emulator state dump, by kind, as the
/// number of live resources per `reconcile:key` tag (Pinpoint's app,
/// segments and campaigns, whose ids the server makes up, so that a repeated
/// create shows as a count of 2) or per name or id (the other kinds, which
/// AWS keys by them). Pinpoint tags are a map, IAM and CloudWatch tags a
/// list of `{key, value}`.
pub fn owned(state: &Value, stack: &str) -> BTreeMap<&'static str, BTreeMap<String, usize>> {
    let mut out: BTreeMap<&'static str, BTreeMap<String, usize>> = BTreeMap::new();
    let mine = |v: &Value| v["tags"]["reconcile:stack"] == stack;
    let mut count = |kind: &'static str, key: String| {
        *out.entry(kind).or_default().entry(key).or_default() += 1;
    };
    let apps = state["pinpoint"]["apps"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for app in apps.values().filter(|a| mine(a)) {
        count("app", "app".into());
        for (kind, field) in [("segment", "segments"), ("campaign", "campaigns")] {
            for item in app[field].as_object().into_iter().flat_map(|m| m.values()) {
                let key = item["tags"]["reconcile:key"]
                    .as_str()
                    .unwrap_or("(untagged)")
                    .to_owned();
                count(kind, key);
            }
        }
        for id in app["endpoints"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys())
        {
            count("endpoint", id.clone());
        }
        for ch in app["channels"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys())
        {
            count("channel", ch.clone());
        }
    }
    let named = [
        ("template", &state["pinpoint"]["templates"]),
        ("iam_role", &state["iam"]["roles"]),
        ("kinesis_stream", &state["kinesis"]["streams"]),
        ("alarm", &state["cloudwatch"]["alarms"]),
    ];
    for (kind, map) in named {
        for (name, item) in map.as_object().into_iter().flat_map(|m| m.iter()) {
            if mine(item)
                || item["tags"]
                    .as_array()
                    .is_some_and(|t| has_iam_tag(t, stack))
            {
                count(kind, name.clone());
            }
        }
    }
    out
}

fn has_iam_tag(tags: &[Value], stack: &str) -> bool {
    tags.iter()
        .any(|t| t["key"] == "reconcile:stack" && t["value"] == stack)
}
