//! Loading a spec file: YAML with locations, validation, diagnostics.
//!
//! [`load`] reads a file, [`load_str`] a string. Both run three passes and
//! report every problem they find, each as a [`Diagnostic`] with file, line,
//! column, path, message, what was expected and a hint:
//!
//! 1. [`yaml`]: YAML text to a located tree, refusing hostile input (files
//!    over 4 MiB, non-UTF-8, nesting deeper than 64, alias bombs, duplicate
//!    keys, several documents).
//! 2. [`structure`]: the tree against the spec's JSON Schema (unknown keys
//!    with the nearest valid one, wrong types, missing keys, enum values,
//!    ranges).
//! 3. [`rules`]: Pinpoint's rules and cross-references on the typed values
//!    of every entry that passed (2).

pub mod rules;
pub mod structure;
pub mod yaml;

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value as Json;
use time::OffsetDateTime;

use self::rules::{Keys, Rules};
use self::structure::{Issue, Seg, path_string};
use self::yaml::{MAX_SPEC_BYTES, Node, Pos, Value};
use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::kind::{Kind, Lifecycle};
use crate::resource::Resource;
use crate::resources::ResolveError;
use crate::spec::{ChannelKey, Spec};

/// A spec that passed validation, with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    pub spec: Spec,
    /// The file as the user named it (for `load_str`, the given name).
    pub path: PathBuf,
    /// The directory `${file:...}` secrets are relative to.
    pub dir: PathBuf,
    tree: Node,
}

impl LoadedSpec {
    /// [`Spec::resources`], with a secret that does not resolve reported as
    /// a diagnostic at the field that refers to it.
    pub fn resources(&self) -> Result<Vec<Resource>, Diagnostics> {
        self.spec.resources(&self.dir).map_err(|e| {
            let ResolveError::Secret { address, field, .. } = &e;
            let mut path: Vec<Seg> = match address.kind {
                Kind::AppSettings => vec![key("app"), key("settings")],
                Kind::Channel => vec![key("channels"), key(&address.key)],
                _ => crate::resources::spec_path(address)
                    .split('.')
                    .map(key)
                    .collect(),
            };
            path.push(key(field));
            let issue = Issue::new(&path, e.to_string())
                .hint("set the environment variable or create the file; secrets are read only when resources are built (plan, apply)");
            Diagnostics(vec![self.diagnostic(issue)])
        })
    }

    /// What is valid but will not do what the author expects, each at its
    /// line: [`LoadedSpec::lifecycle_warnings`] and managed policy ARNs
    /// that AWS does not have. Needs no AWS call and no secret.
    pub fn warnings(&self) -> Vec<Diagnostic> {
        let mut out = self.lifecycle_warnings();
        out.extend(self.policy_warnings());
        out
    }

    /// Managed policies the spec attaches that are not AWS managed policies
    /// (the recipe's `AmazonPinpointServiceRole`): AWS refuses to attach
    /// them (`NoSuchEntity`).
    fn policy_warnings(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (role_key, role) in &self.spec.iam_roles {
            for (i, arn) in role.managed_policy_arns.iter().enumerate() {
                let Some(why) = not_aws_managed(arn) else {
                    continue;
                };
                let generated = crate::resources::put_to_stream_policy(
                    "arn:aws:kinesis:REGION:ACCOUNT:stream/NAME",
                );
                let how = match &role.allow_put_to_stream {
                    Some(stream) => format!(
                        "drop it: `allow_put_to_stream: {stream}` already generates the least-privilege inline policy {generated}"
                    ),
                    None => format!(
                        "drop it, and give the role `allow_put_to_stream: <stream key>`, which generates the least-privilege inline policy {generated}"
                    ),
                };
                let path = [
                    key("iam_roles"),
                    key(role_key),
                    key("managed_policy_arns"),
                    Seg::Index(i),
                ];
                let mut d = self.diagnostic(
                    Issue::new(
                        &path,
                        format!("`{arn}` is not an AWS managed policy: {why}"),
                    )
                    .hint(how),
                );
                d.severity = Severity::Warning;
                out.push(d);
            }
        }
        out
    }

    /// One warning per kind AWS retired (see [`Kind::lifecycle`]) that the
    /// spec uses, at the first resource of the kind, naming the line of
    /// every resource of it. Needs no AWS call and no secret.
    pub fn lifecycle_warnings(&self) -> Vec<Diagnostic> {
        let mut by_kind: Vec<(Kind, Vec<(String, Pos)>)> = Vec::new();
        for r in self.spec.unsealed_resources() {
            if !r.address.kind.lifecycle().is_retired() {
                continue;
            }
            let path = crate::resources::spec_path(&r.address);
            let segs: Vec<Seg> = path.split('.').map(key).collect();
            let pos = locate(&self.tree, &segs, true);
            match by_kind.iter_mut().find(|(k, _)| *k == r.address.kind) {
                Some((_, list)) => list.push((path, pos)),
                None => by_kind.push((r.address.kind, vec![(path, pos)])),
            }
        }
        by_kind
            .into_iter()
            .filter_map(|(kind, list)| {
                let Lifecycle::Retired { since, successor } = kind.lifecycle() else {
                    return None;
                };
                let mut list = list;
                list.sort_by_key(|(_, pos)| (pos.line, pos.column));
                let (first_path, first_pos) = list.first()?.clone();
                let section = if kind.is_singleton() {
                    first_path
                } else {
                    first_path.split('.').next().unwrap_or_default().to_owned()
                };
                let named: Vec<String> = list
                    .iter()
                    .map(|(p, pos)| format!("`{p}` (line {})", pos.line))
                    .collect();
                let issue = Issue::new(
                    &[],
                    format!(
                        "AWS retired {} on {since}: {}",
                        kind.plural(),
                        named.join(", ")
                    ),
                )
                .at(first_pos)
                .hint(format!(
                    "successor: {successor}. With `--api today` (the default against AWS) they are reported as retired, never changed; `--api classic` plans them for the classic Pinpoint API (the default with `--local`)"
                ));
                let mut d = self.diagnostic(issue);
                d.severity = Severity::Warning;
                d.path = section;
                Some(d)
            })
            .collect()
    }

    /// The push credentials' health ([`crate::credentials::check`]) as
    /// warnings at the fields they concern. Reads the secrets the spec
    /// refers to; no value appears in a message.
    pub fn credential_warnings(
        &self,
        now: OffsetDateTime,
        warn_within: time::Duration,
    ) -> Vec<Diagnostic> {
        crate::credentials::check(&self.spec, &self.dir, now, warn_within)
            .findings
            .into_iter()
            .map(|f| {
                let segs: Vec<Seg> = f.path.split('.').map(key).collect();
                let mut issue = Issue::new(&segs, f.message);
                issue.hint = f.hint;
                let mut d = self.diagnostic(issue);
                d.severity = Severity::Warning;
                d
            })
            .collect()
    }

    fn diagnostic(&self, issue: Issue) -> Diagnostic {
        to_diagnostic(&self.path.display().to_string(), &self.tree, issue)
    }
}

/// Why an ARN that looks like an AWS managed policy is not one, for the
/// ARNs users are told to attach (the recipe's service role).
fn not_aws_managed(arn: &str) -> Option<&'static str> {
    match arn {
        "arn:aws:iam::aws:policy/service-role/AmazonPinpointServiceRole" => Some(
            "AWS publishes no policy of that name (the recipe's role needs only to write to the stream), so attaching it fails with `NoSuchEntity`",
        ),
        _ => None,
    }
}

fn key(s: &str) -> Seg {
    Seg::Key(s.to_owned())
}

/// Reads and validates the spec at `path`.
pub fn load(path: &Path) -> Result<LoadedSpec, Diagnostics> {
    let name = path.display().to_string();
    let whole_file = |message: String, hint: Option<&str>| {
        Diagnostics(vec![Diagnostic {
            severity: Severity::Error,
            file: name.clone(),
            line: 0,
            column: 0,
            path: String::new(),
            message,
            expected: None,
            hint: hint.map(str::to_owned),
        }])
    };
    let limit_message = |size: u64| {
        format!(
            "the file is {:.1} MiB; a spec may be at most {} MiB, so it was not parsed",
            size as f64 / (1024.0 * 1024.0),
            MAX_SPEC_BYTES / (1024 * 1024)
        )
    };
    let file = std::fs::File::open(path)
        .map_err(|e| whole_file(format!("cannot read the file: {e}"), None))?;
    if let Ok(meta) = file.metadata() {
        if meta.is_dir() {
            return Err(whole_file(
                "is a directory, not a spec file".to_owned(),
                None,
            ));
        }
        if meta.len() > MAX_SPEC_BYTES as u64 {
            return Err(whole_file(
                limit_message(meta.len()),
                Some("split the stack, or check that this is the right file"),
            ));
        }
    }
    let mut bytes = Vec::new();
    file.take(MAX_SPEC_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| whole_file(format!("cannot read the file: {e}"), None))?;
    if bytes.len() > MAX_SPEC_BYTES {
        return Err(whole_file(limit_message(bytes.len() as u64), None));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let valid = std::str::from_utf8(valid).unwrap_or_default();
            let line = valid.matches('\n').count() as u64 + 1;
            let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
            return Err(Diagnostics(vec![Diagnostic {
                severity: Severity::Error,
                file: name,
                line,
                column,
                path: String::new(),
                message: "the file is not UTF-8 text".to_owned(),
                expected: Some("a UTF-8 encoded YAML file".to_owned()),
                hint: Some("re-save the file as UTF-8".to_owned()),
            }]));
        }
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    validate(&name, &text, dir, OffsetDateTime::now_utc())
}

/// Validates spec text; `name` is used in diagnostics and as the path
/// (`${file:...}` secrets are relative to its directory).
pub fn load_str(name: &str, text: &str) -> Result<LoadedSpec, Diagnostics> {
    let dir = match Path::new(name).parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    validate(name, text, dir, OffsetDateTime::now_utc())
}

/// [`load_str`] with an explicit "now" (for campaign start times).
pub fn load_str_at(name: &str, text: &str, now: OffsetDateTime) -> Result<LoadedSpec, Diagnostics> {
    let dir = match Path::new(name).parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    validate(name, text, dir, now)
}

fn validate(
    name: &str,
    text: &str,
    dir: PathBuf,
    now: OffsetDateTime,
) -> Result<LoadedSpec, Diagnostics> {
    let one =
        |line: u64, column: u64, message: String, expected: Option<&str>, hint: Option<&str>| {
            Diagnostics(vec![Diagnostic {
                severity: Severity::Error,
                file: name.to_owned(),
                line,
                column,
                path: String::new(),
                message,
                expected: expected.map(str::to_owned),
                hint: hint.map(str::to_owned),
            }])
        };
    if text.len() > MAX_SPEC_BYTES {
        return Err(one(
            0,
            0,
            format!(
                "the spec is larger than {} MiB, so it was not parsed",
                MAX_SPEC_BYTES / (1024 * 1024)
            ),
            None,
            None,
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let tree = match yaml::parse(text) {
        Ok(tree) => tree,
        Err(e) => {
            let (line, column) = e.pos.map_or((0, 0), |p| (p.line, p.column));
            return Err(one(
                line,
                column,
                format!("invalid YAML: {}", e.message),
                None,
                None,
            ));
        }
    };
    let expected_top = "a map with at least `stack:` and `app:`";
    match &tree.value {
        Value::Map(_) => {}
        Value::Null => {
            return Err(one(
                0,
                0,
                "the spec is empty".to_owned(),
                Some(expected_top),
                Some("see specs/README.md for a complete example"),
            ));
        }
        other => {
            return Err(one(
                tree.pos.line,
                tree.pos.column,
                format!("the top level is {}, not a map", other.describe()),
                Some(expected_top),
                None,
            ));
        }
    }
    let schema = crate::schema::json_schema();
    let (json, mut issues) = structure::walk(&schema, &tree);
    let mut rules = Rules {
        keys: keys(&tree),
        now,
        issues: Vec::new(),
    };
    semantic(&json, &tree, &issues.clone(), &mut rules);
    issues.append(&mut rules.issues);
    if issues.is_empty() {
        match serde_json::from_value::<Spec>(json) {
            Ok(spec) => {
                return Ok(LoadedSpec {
                    spec,
                    path: PathBuf::from(name),
                    dir,
                    tree,
                });
            }
            Err(e) => issues.push(Issue::new(
                &[],
                format!("the spec does not fit the model: {e}"),
            )),
        }
    }
    let mut diags = Diagnostics(
        issues
            .into_iter()
            .map(|i| to_diagnostic(name, &tree, i))
            .collect(),
    );
    diags.sort();
    Err(diags)
}

fn to_diagnostic(file: &str, tree: &Node, issue: Issue) -> Diagnostic {
    let pos = issue
        .pos
        .unwrap_or_else(|| locate(tree, &issue.path, issue.on_key));
    Diagnostic {
        severity: Severity::Error,
        file: file.to_owned(),
        line: pos.line,
        column: pos.column,
        path: path_string(&issue.path),
        message: issue.message,
        expected: issue.expected,
        hint: issue.hint,
    }
}

/// Where `path` points in the tree: a scalar's own position, a map's or
/// list's key, or, when the path goes further than the file, the deepest
/// key that exists.
fn locate(root: &Node, path: &[Seg], on_key: bool) -> Pos {
    let mut node = root;
    let mut key_pos: Option<Pos> = None;
    for seg in path {
        let next = match seg {
            Seg::Key(k) => node.entry(k).map(|(k, v)| (k.pos, v)),
            Seg::Index(i) => match &node.value {
                Value::Seq(items) => items.get(*i).map(|n| (n.pos, n)),
                _ => None,
            },
        };
        match next {
            Some((kp, n)) => {
                key_pos = Some(kp);
                node = n;
            }
            None => return key_pos.unwrap_or(node.pos),
        }
    }
    match node.value {
        _ if on_key => key_pos.unwrap_or(node.pos),
        Value::Map(_) | Value::Seq(_) | Value::Null => key_pos.unwrap_or(node.pos),
        _ => node.pos,
    }
}

fn map_keys(tree: &Node, section: &str) -> Vec<String> {
    match tree.get(section).map(|n| &n.value) {
        Some(Value::Map(entries)) => entries.iter().filter_map(|(k, _)| k.key_text()).collect(),
        _ => Vec::new(),
    }
}

fn keys(tree: &Node) -> Keys {
    Keys {
        segments: map_keys(tree, "segments").into_iter().collect(),
        templates: map_keys(tree, "templates").into_iter().collect(),
        kinesis_streams: map_keys(tree, "kinesis_streams").into_iter().collect(),
        iam_roles: map_keys(tree, "iam_roles").into_iter().collect(),
    }
}

/// Runs the semantic checks on every part of the spec that passed the
/// structural pass.
fn semantic(json: &Json, tree: &Node, structural: &[Issue], rules: &mut Rules) {
    let clean = |prefix: &[Seg]| !structural.iter().any(|i| i.path.starts_with(prefix));
    fn read<T: DeserializeOwned>(v: Option<&Json>) -> Option<T> {
        v.filter(|v| !v.is_null())
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    }
    let p = |parts: &[&str]| -> Vec<Seg> { parts.iter().map(|s| key(s)).collect() };

    if clean(&p(&["stack"]))
        && let Some(stack) = json.get("stack").and_then(Json::as_str)
    {
        rules.stack(stack);
    }
    if clean(&p(&["region"]))
        && let Some(region) = json.get("region").and_then(Json::as_str)
    {
        rules.region(region);
    }
    if clean(&p(&["app"]))
        && let Some(app) = read::<crate::spec::App>(json.get("app"))
    {
        // One fingerprint tag per resource with write-only fields: every
        // configured channel (credentials) and settings with the two flags.
        let channels = json
            .get("channels")
            .and_then(Json::as_object)
            .map_or(0, |c| c.values().filter(|v| !v.is_null()).count());
        let settings = app.settings.as_ref().is_some_and(|s| {
            s.cloudwatch_metrics_enabled.is_some() || s.event_tagging_enabled.is_some()
        });
        rules.app(&app, channels + usize::from(settings));
    }
    let channels = json.get("channels");
    for ch in ChannelKey::ALL {
        let k = ch.as_str();
        if !clean(&p(&["channels", k])) {
            continue;
        }
        let v = channels.and_then(|c| c.get(k));
        match ch {
            ChannelKey::Gcm => {
                if let Some(c) = read(v) {
                    rules.gcm(&c);
                }
            }
            ChannelKey::Adm => {
                if let Some(c) = read(v) {
                    rules.adm(&c);
                }
            }
            ChannelKey::Baidu => {
                if let Some(c) = read(v) {
                    rules.baidu(&c);
                }
            }
            _ => {
                if let Some(c) = read(v) {
                    rules.apns(k, &c);
                }
            }
        }
    }
    rules.endpoint_ids(&map_keys(tree, "endpoints"));

    let entries = |section: &str| -> Vec<(String, Json)> {
        json.get(section)
            .and_then(Json::as_object)
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| clean(&p(&[section, k])))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut template_names = Vec::new();
    for (k, v) in entries("templates") {
        if let Some(t) = read::<crate::spec::Template>(Some(&v)) {
            template_names.push((k.clone(), t.name.clone()));
            rules.template(&k, &t);
        }
    }
    rules.template_names(&template_names);
    for (k, v) in entries("segments") {
        if let Some(s) = read(Some(&v)) {
            rules.segment(&k, &s);
        }
    }
    for (k, v) in entries("campaigns") {
        if let Some(c) = read(Some(&v)) {
            rules.campaign(&k, &c);
        }
    }
    // Campaigns with a structural problem still get their schedule and
    // segment checked, so that one typo does not hide the rest.
    if let Some(campaigns) = json.get("campaigns").and_then(Json::as_object) {
        for (k, v) in campaigns {
            if clean(&p(&["campaigns", k])) {
                continue;
            }
            let segment = v
                .get("segment")
                .and_then(Json::as_str)
                .filter(|_| clean(&p(&["campaigns", k, "segment"])));
            let schedule = if clean(&p(&["campaigns", k, "schedule"])) {
                read::<crate::spec::Schedule>(v.get("schedule"))
            } else {
                None
            };
            rules.partial_campaign(k, segment, schedule.as_ref());
        }
    }
    if clean(&p(&["event_stream"]))
        && let Some(es) = read(json.get("event_stream"))
    {
        rules.event_stream(&es);
    }
    let mut names = Vec::new();
    for (k, v) in entries("iam_roles") {
        if let Some(r) = read::<crate::spec::IamRole>(Some(&v)) {
            names.push((k.clone(), r.name.clone()));
            rules.iam_role(&k, &r);
        }
    }
    rules.unique_names("iam_roles", "role", &names);
    let mut names = Vec::new();
    for (k, v) in entries("kinesis_streams") {
        if let Some(s) = read::<crate::spec::KinesisStream>(Some(&v)) {
            names.push((k.clone(), s.name.clone()));
            rules.kinesis_stream(&k, &s);
        }
    }
    rules.unique_names("kinesis_streams", "stream", &names);
    let mut names = Vec::new();
    for (k, v) in entries("alarms") {
        if let Some(a) = read::<crate::spec::Alarm>(Some(&v)) {
            names.push((k.clone(), a.name.clone()));
            rules.alarm(&k, &a);
        }
    }
    rules.unique_names("alarms", "alarm", &names);
}
