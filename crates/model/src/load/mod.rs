//! Loading a spec file: YAML with locations, validation, diagnostics.
//!
//! [`load`] reads a file, [`load_str`] a string. Both run three passes and
//! report every problem they find, each as a [`Diagnostic`] with file, line,
//! column, path, message, what was expected and a hint:
//!
//! 1. [`yaml`]: YAML text to a located tree, refusing hostile input (files
//!    over 4 MiB or not regular files, non-UTF-8, nesting deeper than 64,
//!    alias bombs, duplicate keys, YAML tags, several documents), each at
//!    its line and field path.
//! 2. [`structure`]: the tree against the spec's JSON Schema (unknown keys
//!    with the nearest valid one, wrong types, missing keys, enum values,
//!    ranges).
//! 3. [`rules`]: Pinpoint's rules and cross-references on the typed values
//!    of every entry that passed (2), and cycles among segments.
//!
//! [`file`] reads what a user names (the spec, `${file:...}` secrets) with a
//! size limit and regular files only.
//!
//! Every pass is linear in the size of the spec (a reference to a missing
//! key compares it with a bounded number of keys), so that a hostile or
//! generated spec of 10,000 errors is refused in well under a second.

pub mod file;
pub mod rules;
pub mod structure;
pub mod suggest;
pub mod yaml;

use std::collections::{BTreeMap, BTreeSet, HashMap};
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
use crate::secret::{SecretError, Secrets};
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
    /// [`LoadedSpec::resources_with`] the local secrets only: a reference
    /// to SSM or Secrets Manager is reported as not read.
    pub fn resources(&self) -> Result<Vec<Resource>, Diagnostics> {
        self.resources_with(&self.local_secrets())
    }

    /// The secrets this spec can resolve without AWS: files relative to its
    /// directory, and the environment.
    pub fn local_secrets(&self) -> Secrets {
        Secrets::local(&self.dir)
    }

    /// [`Spec::resources`], with a secret that does not resolve reported as
    /// a diagnostic at the field that refers to it.
    pub fn resources_with(&self, secrets: &Secrets) -> Result<Vec<Resource>, Diagnostics> {
        self.spec.resources(secrets).map_err(|e| {
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
            let ResolveError::Secret { source, .. } = &e;
            let issue = Issue::new(&path, e.to_string()).hint(secret_hint(source));
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
        secrets: &Secrets,
        now: OffsetDateTime,
        warn_within: time::Duration,
    ) -> Vec<Diagnostic> {
        crate::credentials::check(&self.spec, secrets, now, warn_within)
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

/// How to fix a secret that does not resolve.
fn secret_hint(e: &SecretError) -> &'static str {
    match e {
        SecretError::Syntax(_) => {
            "write `${env:NAME}`, `${file:path}`, `${ssm:/parameter/name}` or `${secretsmanager:name-or-arn}` (`#key` for one key of a JSON secret)"
        }
        SecretError::NotFetched(_) => {
            "this command does not connect to AWS; `reconcile plan` reads it (validate checks only its form)"
        }
        SecretError::Remote { .. } => {
            "check the name and the region (the stack's), and that the caller may read it: `ssm:GetParameter`, or `secretsmanager:GetSecretValue`, and `kms:Decrypt` on the key that encrypts it"
        }
        SecretError::RemoteTooLarge { .. } => {
            "APNs certificates and keys and FCM service-account JSON are a few KB: check that the reference names the right parameter or secret"
        }
        SecretError::RemoteEmpty(_) => {
            "put the credential itself there: AWS refuses an empty one, but only when the change is applied"
        }
        SecretError::NotJsonObject { .. }
        | SecretError::NoSuchKey { .. }
        | SecretError::KeyNotText { .. } => {
            "`#key` picks one key of a secret stored as a JSON object of strings (Secrets Manager's key/value form); drop `#key` to use the whole secret"
        }
        SecretError::MissingEnv(_) | SecretError::File { .. } => {
            "set the environment variable or create the file; secrets are read only when resources are built (plan, apply)"
        }
        SecretError::NotUtf8(_) => {
            "a secret file holds text (PEM, JSON, a key): re-save it as UTF-8"
        }
        SecretError::NotRegular { .. } => {
            "a secret file must be a regular file (a FIFO would block, a device never ends): write the secret to a file and refer to that"
        }
        SecretError::TooLarge { .. } | SecretError::EnvTooLarge { .. } => {
            "APNs certificates and keys and FCM service-account JSON are a few KB: check that the reference names the right file"
        }
        SecretError::EmptyFile(_) | SecretError::EmptyEnv(_) => {
            "put the credential itself there: AWS refuses an empty one, but only when the change is applied"
        }
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

/// Reads and validates the spec at `path`: a regular file (a FIFO or a
/// device is refused before it is opened, so nothing blocks) of at most
/// [`MAX_SPEC_BYTES`], UTF-8 text.
pub fn load(path: &Path) -> Result<LoadedSpec, Diagnostics> {
    let name = path.display().to_string();
    let refuse = |pos: Pos, message: String, expected: Option<&str>, hint: Option<String>| {
        Diagnostics(vec![Diagnostic {
            severity: Severity::Error,
            file: name.clone(),
            line: pos.line,
            column: pos.column,
            path: String::new(),
            message,
            expected: expected.map(str::to_owned),
            hint,
        }])
    };
    let whole_file = Pos::default();
    let bytes = file::read_regular(path, MAX_SPEC_BYTES as u64).map_err(|e| match e {
        file::ReadError::Io(e) => {
            refuse(whole_file, format!("cannot read the file: {e}"), None, None)
        }
        file::ReadError::NotRegular("a directory") => refuse(
            whole_file,
            "is a directory, not a spec file".to_owned(),
            None,
            None,
        ),
        file::ReadError::NotRegular(kind) => refuse(
            whole_file,
            format!("is {kind}, not a regular file, so it was not read"),
            Some("a spec file"),
            Some("save the YAML to a file and name that file".to_owned()),
        ),
        file::ReadError::TooLarge { size, .. } => {
            let message = too_large(size);
            // Where the limit falls, when the start of the file can be read.
            let pos = std::fs::File::open(path)
                .ok()
                .and_then(|f| {
                    use std::io::Read;
                    let mut head = Vec::new();
                    f.take(MAX_SPEC_BYTES as u64).read_to_end(&mut head).ok()?;
                    Some(Pos::of_offset(&String::from_utf8_lossy(&head), usize::MAX))
                })
                .unwrap_or_default();
            refuse(
                pos,
                message,
                None,
                Some("split the stack, or check that this is the right file".to_owned()),
            )
        }
    })?;
    if let Some(encoding) = utf16(&bytes) {
        return Err(refuse(
            Pos { line: 1, column: 1 },
            format!("the file is {encoding} text; a spec must be UTF-8"),
            Some("a UTF-8 encoded YAML file"),
            Some(format!(
                "convert it: `iconv -f {encoding} -t UTF-8 {name} > spec.yaml` (or save it as UTF-8 in your editor)"
            )),
        ));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let valid = std::str::from_utf8(valid).unwrap_or_default();
            return Err(refuse(
                Pos::of_offset(valid, valid.len()),
                "the file is not UTF-8 text".to_owned(),
                Some("a UTF-8 encoded YAML file"),
                Some("re-save the file as UTF-8".to_owned()),
            ));
        }
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    validate(&name, &text, dir, OffsetDateTime::now_utc())
}

fn too_large(size: u64) -> String {
    format!(
        "the file is {:.1} MiB; a spec may be at most {} MiB, so it was not parsed (the limit falls here)",
        size as f64 / (1024.0 * 1024.0),
        MAX_SPEC_BYTES / (1024 * 1024)
    )
}

/// The encoding (as `iconv` names it) when `bytes` look like UTF-16 or
/// UTF-32: a byte-order mark, or a NUL beside each of the first two
/// characters.
fn utf16(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xff, 0xfe, 0, 0, ..] => Some("UTF-32LE"),
        [0, 0, 0xfe, 0xff, ..] => Some("UTF-32BE"),
        [0xff, 0xfe, ..] => Some("UTF-16LE"),
        [0xfe, 0xff, ..] => Some("UTF-16BE"),
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => Some("UTF-16LE"),
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => Some("UTF-16BE"),
        _ => None,
    }
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

/// The stack [`validate`] runs with. Building the tree and walking it
/// recurse once per level of nesting (at most [`yaml::MAX_DEPTH`]), and in a
/// debug build one level of serde-saphyr takes some 45 KB: 50 nested flow
/// maps overflow the 2 MiB of a test thread or a tokio worker. The stack is
/// reserved, not used, unless the nesting needs it.
const VALIDATION_STACK: usize = 64 * 1024 * 1024;

/// [`validate_here`] on a thread of its own with [`VALIDATION_STACK`] (or
/// here when no thread can be started).
fn validate(
    name: &str,
    text: &str,
    dir: PathBuf,
    now: OffsetDateTime,
) -> Result<LoadedSpec, Diagnostics> {
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("validate".to_owned())
            .stack_size(VALIDATION_STACK)
            .spawn_scoped(scope, || validate_here(name, text, dir.clone(), now));
        match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => validate_here(name, text, dir.clone(), now),
        }
    })
}

fn validate_here(
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
        let pos = Pos::of_offset(text, MAX_SPEC_BYTES);
        return Err(one(
            pos.line,
            pos.column,
            too_large(text.len() as u64),
            None,
            None,
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let tree = match yaml::parse(text) {
        Ok(tree) => tree,
        Err(refused) => {
            // Every YAML refusal has its place (there is no tree to find
            // it in).
            let mut diags = Diagnostics(
                refused
                    .into_iter()
                    .map(|issue| located(name, issue.pos.unwrap_or_default(), issue))
                    .collect(),
            );
            diags.sort();
            return Err(diags);
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
    let mut rules = Rules::new(keys(&tree), now);
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
    let mut locator = Locator::default();
    let mut diags = Diagnostics(
        issues
            .into_iter()
            .map(|i| {
                let pos = i
                    .pos
                    .unwrap_or_else(|| locator.locate(&tree, &i.path, i.on_key));
                located(name, pos, i)
            })
            .collect(),
    );
    diags.sort();
    Err(diags)
}

fn to_diagnostic(file: &str, tree: &Node, issue: Issue) -> Diagnostic {
    let pos = issue
        .pos
        .unwrap_or_else(|| locate(tree, &issue.path, issue.on_key));
    located(file, pos, issue)
}

fn located(file: &str, pos: Pos, issue: Issue) -> Diagnostic {
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
    Locator::default().locate(root, path, on_key)
}

/// [`locate`] for many paths: the entries of each large map it walks
/// through are indexed once, so that locating one issue per entry of a map
/// of 10,000 campaigns is linear, not quadratic.
#[derive(Default)]
struct Locator {
    /// Per map (by address), the index of the first entry of each key.
    maps: HashMap<usize, HashMap<String, usize>>,
}

impl Locator {
    /// Maps with fewer entries are searched in place.
    const INDEX_FROM: usize = 32;

    fn entry<'t>(&mut self, node: &'t Node, key: &str) -> Option<(&'t Node, &'t Node)> {
        let Value::Map(entries) = &node.value else {
            return None;
        };
        if entries.len() < Self::INDEX_FROM {
            return node.entry(key);
        }
        let index = self
            .maps
            .entry(std::ptr::from_ref(node).addr())
            .or_insert_with(|| {
                let mut index = HashMap::with_capacity(entries.len());
                for (i, (k, _)) in entries.iter().enumerate() {
                    if let Some(text) = k.key_text() {
                        index.entry(text).or_insert(i);
                    }
                }
                index
            });
        index.get(key).map(|&i| (&entries[i].0, &entries[i].1))
    }

    fn locate(&mut self, root: &Node, path: &[Seg], on_key: bool) -> Pos {
        let mut node = root;
        let mut key_pos: Option<Pos> = None;
        for seg in path {
            let next = match seg {
                Seg::Key(k) => self.entry(node, k).map(|(k, v)| (k.pos, v)),
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
    // Every prefix of the path of every structural issue: a part of the
    // spec is clean when no issue lies under it (looked up, not searched,
    // so that 10,000 broken entries stay linear).
    let dirty: BTreeSet<&[Seg]> = structural
        .iter()
        .flat_map(|i| (0..=i.path.len()).map(move |n| &i.path[..n]))
        .collect();
    let clean = |prefix: &[Seg]| !dirty.contains(prefix);
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
    let mut sources = BTreeMap::new();
    for (k, v) in entries("segments") {
        if let Some(s) = read::<crate::spec::Segment>(Some(&v)) {
            rules.segment(&k, &s);
            sources.insert(k, s);
        }
    }
    rules.segment_cycles(&sources);
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
