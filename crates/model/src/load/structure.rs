//! The structural pass: walks the located YAML tree against the spec's JSON
//! Schema, collecting every unknown key, wrong type, missing field, bad enum
//! value and out-of-range number at once, and producing the JSON value that
//! the typed structs are then read from.
//!
//! Patterns and formats are not checked here: the semantic pass
//! ([`super::rules`]) checks those fields with messages of their own.

use serde_json::{Map, Value as Json};

use super::yaml::{Node, Pos, Value};
use crate::secret::SecretRef;

/// One step of a path into the spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Renders a path as users write it: `campaigns.flash.additional_treatments[0].schedule`.
pub fn path_string(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// A problem found before file names are attached.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub path: Vec<Seg>,
    /// Where to point; `None` means: locate by `path`.
    pub pos: Option<Pos>,
    pub message: String,
    pub expected: Option<String>,
    pub hint: Option<String>,
    /// Point at the key of the last path step rather than at its value.
    pub on_key: bool,
}

impl Issue {
    pub fn new(path: &[Seg], message: impl Into<String>) -> Issue {
        Issue {
            path: path.to_vec(),
            pos: None,
            message: message.into(),
            expected: None,
            hint: None,
            on_key: false,
        }
    }

    pub fn on_key(mut self) -> Issue {
        self.on_key = true;
        self
    }

    pub fn at(mut self, pos: Pos) -> Issue {
        self.pos = Some(pos);
        self
    }

    pub fn expected(mut self, e: impl Into<String>) -> Issue {
        self.expected = Some(e.into());
        self
    }

    pub fn hint(mut self, h: impl Into<String>) -> Issue {
        self.hint = Some(h.into());
        self
    }

    pub fn maybe_hint(mut self, h: Option<String>) -> Issue {
        if h.is_some() {
            self.hint = h;
        }
        self
    }
}

/// Context handed down the walk.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    /// Position of the key that owns the current value (for "missing key").
    owner: Option<Pos>,
    /// The schema definition being walked (`Message`), for special hints.
    def: &'a str,
}

/// Walks `node` against `schema` (the root of the generated schema).
///
/// The JSON returned is best-effort: a value that failed is left out of its
/// map or list, so only parts with no issue under their path may be read
/// into typed structs.
pub fn walk(root_schema: &Json, node: &Node) -> (Json, Vec<Issue>) {
    let empty = Map::new();
    let defs = root_schema
        .get("definitions")
        .and_then(Json::as_object)
        .unwrap_or(&empty);
    let mut w = Walker {
        defs,
        issues: Vec::new(),
    };
    let ctx = Ctx {
        owner: None,
        def: "Spec",
    };
    let json = w.walk(node, root_schema, &mut Vec::new(), ctx);
    (json.unwrap_or(Json::Null), w.issues)
}

struct Walker<'s> {
    defs: &'s Map<String, Json>,
    issues: Vec<Issue>,
}

/// The nearest of `candidates` to `word`, when it is near enough to be a
/// likely typo.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            let score = strsim::jaro_winkler(&lower, &c.to_ascii_lowercase());
            (score, c)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `SegmentVersion` → `segment_version`.
fn snake_case(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '-' || c == ' ' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    out
}

fn backticked<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items
        .into_iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn json_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A short rendering of a node for messages.
fn shown(node: &Node) -> String {
    match &node.value {
        Value::Seq(_) | Value::Map(_) | Value::Null => node.value.describe().to_owned(),
        _ => {
            let text = node.scalar_text();
            let text = if text.chars().count() > 60 {
                let cut: String = text.chars().take(57).collect();
                format!("{cut}...")
            } else {
                text
            };
            format!("{} `{text}`", node.value.describe())
        }
    }
}

/// Hints for keys that people coming from the API or the recipe write.
fn special_key_hint(def: &str, key: &str) -> Option<String> {
    match (def, key) {
        ("Message", "sound") => Some(
            "a campaign message has no `sound` (the API's `Message` shape has none); \
             put the sound in a push template and use `template:` instead"
                .to_owned(),
        ),
        ("Campaign", "segment_id") => {
            Some("refer to the segment by its spec key: `segment: <key of segments>`".to_owned())
        }
        ("Campaign", "template_configuration") => {
            Some("refer to a template by its spec key: `template: <key of templates>`".to_owned())
        }
        ("Spec", "application" | "apps" | "project") => Some("the app is `app:`".to_owned()),
        ("App", "id" | "application_id") => Some(
            "the app is found by the `reconcile:stack` tag; its id is never written in a spec"
                .to_owned(),
        ),
        _ => None,
    }
}

/// Converts a node to JSON without a schema (free-form values such as
/// policy documents).
pub fn to_json(node: &Node) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => i64::try_from(*i)
            .map(Json::from)
            .or_else(|_| u64::try_from(*i).map(Json::from))
            .unwrap_or_else(|_| Json::from(*i as f64)),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Str(s) => Json::String(s.clone()),
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| (k.key_text().unwrap_or_default(), to_json(v)))
                .collect(),
        ),
    }
}

impl<'s> Walker<'s> {
    fn push(&mut self, issue: Issue) {
        self.issues.push(issue);
    }

    fn resolve(&self, reference: &str) -> Option<(&'s str, &'s Json)> {
        let name = reference.strip_prefix("#/definitions/")?;
        self.defs.get_key_value(name).map(|(k, v)| (k.as_str(), v))
    }

    fn walk(
        &mut self,
        node: &Node,
        schema: &'s Json,
        path: &mut Vec<Seg>,
        ctx: Ctx<'s>,
    ) -> Option<Json> {
        match schema {
            Json::Bool(true) => return Some(to_json(node)),
            Json::Bool(false) => {
                self.push(Issue::new(path, "no value is allowed here").at(node.pos));
                return None;
            }
            _ => {}
        }
        if let Some(reference) = schema.get("$ref").and_then(Json::as_str) {
            let Some((name, def)) = self.resolve(reference) else {
                return Some(to_json(node));
            };
            if name == "SecretRef" {
                return self.secret(node, path);
            }
            return self.walk(node, def, path, Ctx { def: name, ..ctx });
        }
        if let Some(all) = schema.get("allOf").and_then(Json::as_array) {
            let mut out = None;
            for s in all {
                out = self.walk(node, s, path, ctx);
            }
            return out;
        }
        if let Some(alts) = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Json::as_array)
        {
            return self.alternatives(node, schema, alts, path, ctx);
        }
        if let Some(values) = schema.get("enum").and_then(Json::as_array) {
            return self.enumeration(node, values, path);
        }
        if let Some(c) = schema.get("const") {
            return self.enumeration(node, std::slice::from_ref(c), path);
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Json::String(t)) => vec![t.as_str()],
            Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
            _ => return Some(to_json(node)),
        };
        self.typed(node, schema, &types, path, ctx)
    }

    fn secret(&mut self, node: &Node, path: &[Seg]) -> Option<Json> {
        let Value::Str(s) = &node.value else {
            self.push(
                Issue::new(
                    path,
                    format!("expected a secret reference, found {}", shown(node)),
                )
                .at(node.pos)
                .expected("`${env:NAME}` or `${file:path}`"),
            );
            return None;
        };
        match s.parse::<SecretRef>() {
            Ok(_) => Some(Json::String(s.clone())),
            Err(_) if s.trim_start().starts_with("${") => {
                let shown: String = s.chars().take(60).collect();
                self.push(
                    Issue::new(path, format!("`{shown}` is not a secret reference"))
                        .at(node.pos)
                        .expected(
                            "`${env:NAME}` (NAME of letters, digits and `_`), `${file:path}`, `${ssm:/parameter/name}` or `${secretsmanager:name-or-arn[#key]}`",
                        ),
                );
                None
            }
            Err(_) => {
                // Never echo what may be a pasted secret.
                self.push(
                    Issue::new(path, "a secret must be a reference, not the value itself")
                        .at(node.pos)
                        .expected("`${env:NAME}` or `${file:path}` (relative to the spec)")
                        .hint(
                            "keep credentials out of the spec: put the value in an environment \
                             variable or a file and refer to it",
                        ),
                );
                None
            }
        }
    }

    fn alternatives(
        &mut self,
        node: &Node,
        schema: &'s Json,
        alts: &'s [Json],
        path: &mut Vec<Seg>,
        ctx: Ctx<'s>,
    ) -> Option<Json> {
        let is_null_schema = |s: &Json| s.get("type").and_then(Json::as_str) == Some("null");
        if matches!(node.value, Value::Null) && alts.iter().any(is_null_schema) {
            return Some(Json::Null);
        }
        let non_null: Vec<&Json> = alts.iter().filter(|s| !is_null_schema(s)).collect();
        // An enum whose variants carry descriptions: oneOf of consts.
        if !non_null.is_empty() && non_null.iter().all(|s| s.get("const").is_some()) {
            let values: Vec<Json> = non_null
                .iter()
                .filter_map(|s| s.get("const").cloned())
                .collect();
            return self.enumeration(node, &values, path);
        }
        if let [only] = non_null.as_slice() {
            return self.walk(node, only, path, ctx);
        }
        for alt in &non_null {
            let mut trial = Walker {
                defs: self.defs,
                issues: Vec::new(),
            };
            let out = trial.walk(node, alt, path, ctx);
            if trial.issues.is_empty() {
                return out;
            }
        }
        let expected = schema
            .get("description")
            .and_then(Json::as_str)
            .map_or_else(|| "one of the documented forms".to_owned(), str::to_owned);
        let mut hint = None;
        if let Value::Str(s) = &node.value {
            let words: Vec<&str> = non_null
                .iter()
                .filter_map(|s| s.get("enum").and_then(Json::as_array))
                .flatten()
                .filter_map(Json::as_str)
                .collect();
            hint = nearest(s, words).map(|w| format!("did you mean `{w}`?"));
        }
        self.push(
            Issue::new(path, format!("{} is not valid here", shown(node)))
                .at(node.pos)
                .expected(expected)
                .maybe_hint(hint),
        );
        None
    }

    fn enumeration(&mut self, node: &Node, values: &[Json], path: &[Seg]) -> Option<Json> {
        let as_json = match &node.value {
            Value::Str(_) | Value::Bool(_) | Value::Int(_) | Value::Float(_) => to_json(node),
            _ => Json::Null,
        };
        if values.contains(&as_json) {
            return Some(as_json);
        }
        // A scalar written unquoted where the enum holds its text (`ON`).
        let text = Json::String(node.scalar_text());
        if !matches!(
            node.value,
            Value::Str(_) | Value::Null | Value::Seq(_) | Value::Map(_)
        ) && values.contains(&text)
        {
            return Some(text);
        }
        let names: Vec<String> = values.iter().map(json_text).collect();
        let written = node.scalar_text();
        let alias = match written.to_ascii_uppercase().as_str() {
            "IOS" | "APPLE" => Some("APNS"),
            "ANDROID" | "FCM" | "FIREBASE" => Some("GCM"),
            _ => None,
        }
        .filter(|a| names.iter().any(|n| n == a));
        let hint = alias
            .map(|a| format!("use `{a}` (the API's name for that push service)"))
            .or_else(|| {
                names
                    .iter()
                    .find(|n| {
                        n.eq_ignore_ascii_case(&written)
                            || n.replace('_', "")
                                .eq_ignore_ascii_case(&written.replace(['_', '-', ' '], ""))
                    })
                    .or_else(|| {
                        nearest(&written, names.iter().map(String::as_str))
                            .and_then(|w| names.iter().find(|n| n.as_str() == w))
                    })
                    .map(|w| format!("did you mean `{w}`? (values are case-sensitive)"))
            });
        self.push(
            Issue::new(path, format!("{} is not an allowed value", shown(node)))
                .at(node.pos)
                .expected(format!(
                    "one of {}",
                    backticked(names.iter().map(String::as_str))
                ))
                .maybe_hint(hint),
        );
        None
    }

    fn typed(
        &mut self,
        node: &Node,
        schema: &'s Json,
        types: &[&str],
        path: &mut Vec<Seg>,
        ctx: Ctx<'s>,
    ) -> Option<Json> {
        let wants = |t: &str| types.contains(&t);
        match &node.value {
            Value::Null if wants("null") => Some(Json::Null),
            Value::Map(entries) if wants("object") => self.object(node, entries, schema, path, ctx),
            Value::Seq(items) if wants("array") => {
                let item_schema = schema.get("items");
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    let v = match item_schema {
                        Some(s) => self.walk(
                            item,
                            s,
                            path,
                            Ctx {
                                owner: Some(item.pos),
                                ..ctx
                            },
                        ),
                        None => Some(to_json(item)),
                    };
                    path.pop();
                    if let Some(v) = v {
                        out.push(v);
                    }
                }
                Some(Json::Array(out))
            }
            Value::Bool(b) if wants("boolean") => Some(Json::Bool(*b)),
            Value::Int(i) if wants("integer") || wants("number") => {
                self.number(node, *i as f64, to_json(node), schema, path)
            }
            Value::Float(f) if wants("number") => {
                if f.is_finite() {
                    self.number(node, *f, to_json(node), schema, path)
                } else {
                    self.push(
                        Issue::new(path, format!("{} is not a finite number", shown(node)))
                            .at(node.pos),
                    );
                    None
                }
            }
            Value::Str(s) if wants("string") => Some(Json::String(s.clone())),
            // A number or boolean written where text is expected: take the
            // text as written (`platform_version: 15.0`).
            Value::Int(_) | Value::Float(_) | Value::Bool(_) if wants("string") => {
                Some(Json::String(node.scalar_text()))
            }
            _ => {
                let expected = describe_types(types);
                let mut hint = None;
                if let Value::Str(s) = &node.value {
                    let t = s.trim();
                    if wants("boolean") {
                        if ["yes", "no", "on", "off", "y", "n"]
                            .contains(&t.to_ascii_lowercase().as_str())
                        {
                            hint = Some("write `true` or `false`".to_owned());
                        } else if t == "true" || t == "false" {
                            hint = Some(format!("remove the quotes: `{t}`"));
                        }
                    } else if (wants("integer") || wants("number")) && t.parse::<f64>().is_ok() {
                        hint = Some(format!("remove the quotes: `{t}`"));
                    }
                }
                if matches!(node.value, Value::Null) && !wants("null") {
                    self.push(
                        Issue::new(path, "a value is required here, found nothing")
                            .at(node.pos)
                            .expected(expected),
                    );
                } else {
                    self.push(
                        Issue::new(path, format!("expected {expected}, found {}", shown(node)))
                            .at(node.pos)
                            .maybe_hint(hint),
                    );
                }
                None
            }
        }
    }

    fn number(
        &mut self,
        node: &Node,
        n: f64,
        json: Json,
        schema: &Json,
        path: &[Seg],
    ) -> Option<Json> {
        let mut ok = true;
        if let Some(min) = schema.get("minimum").and_then(Json::as_f64)
            && n < min
        {
            self.push(
                Issue::new(path, format!("{} is too small", shown(node)))
                    .at(node.pos)
                    .expected(format!("at least {}", json_text(&schema["minimum"]))),
            );
            ok = false;
        }
        if let Some(max) = schema.get("maximum").and_then(Json::as_f64)
            && n > max
        {
            self.push(
                Issue::new(path, format!("{} is too large", shown(node)))
                    .at(node.pos)
                    .expected(format!("at most {}", json_text(&schema["maximum"]))),
            );
            ok = false;
        }
        if ok
            && schema.get("format").and_then(Json::as_str) == Some("uint32")
            && n > f64::from(u32::MAX)
        {
            self.push(
                Issue::new(path, format!("{} is too large", shown(node)))
                    .at(node.pos)
                    .expected(format!("at most {}", u32::MAX)),
            );
            ok = false;
        }
        ok.then_some(json)
    }

    fn object(
        &mut self,
        node: &Node,
        entries: &[(Node, Node)],
        schema: &'s Json,
        path: &mut Vec<Seg>,
        ctx: Ctx<'s>,
    ) -> Option<Json> {
        let props: Option<&'s Map<String, Json>> =
            schema.get("properties").and_then(Json::as_object);
        let additional = schema.get("additionalProperties");
        let mut out = Map::new();
        for (k, v) in entries {
            let Some(key) = k.key_text() else {
                self.push(
                    Issue::new(
                        path,
                        format!("a key must be text, found {}", k.value.describe()),
                    )
                    .at(k.pos),
                );
                continue;
            };
            path.push(Seg::Key(key.clone()));
            let child_ctx = Ctx {
                owner: Some(k.pos),
                ..ctx
            };
            let value = if let Some(s) = props.and_then(|p| p.get(&key)) {
                self.walk(v, s, path, child_ctx)
            } else {
                match additional {
                    Some(Json::Bool(false)) => {
                        self.unknown_key(&key, k.pos, props, path, ctx);
                        None
                    }
                    Some(s @ Json::Object(_)) => self.walk(v, s, path, child_ctx),
                    _ => Some(to_json(v)),
                }
            };
            path.pop();
            if let Some(value) = value {
                out.insert(key, value);
            }
        }
        for req in schema
            .get("required")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let Some(req) = req.as_str() else { continue };
            if !entries
                .iter()
                .any(|(k, _)| k.key_text().as_deref() == Some(req))
            {
                let desc = props
                    .and_then(|p| p.get(req))
                    .and_then(|p| p.get("description"))
                    .and_then(Json::as_str)
                    .map(first_sentence);
                path.push(Seg::Key(req.to_owned()));
                let mut issue = Issue::new(path, format!("missing required key `{req}`"))
                    .at(ctx.owner.unwrap_or(node.pos));
                if let Some(d) = desc {
                    issue = issue.expected(d);
                }
                self.push(issue);
                path.pop();
            }
        }
        Some(Json::Object(out))
    }

    fn unknown_key(
        &mut self,
        key: &str,
        pos: Pos,
        props: Option<&Map<String, Json>>,
        path: &[Seg],
        ctx: Ctx<'s>,
    ) {
        let names: Vec<&str> = props
            .into_iter()
            .flat_map(|p| p.keys())
            .map(String::as_str)
            .collect();
        let snake = snake_case(key);
        let hint = special_key_hint(ctx.def, key)
            .or_else(|| {
                (snake != key && names.contains(&snake.as_str()))
                    .then(|| format!("keys are snake_case: write `{snake}`"))
            })
            .or_else(|| {
                nearest(key, names.iter().copied()).map(|n| format!("did you mean `{n}`?"))
            });
        let mut issue = Issue::new(path, format!("unknown key `{key}`"))
            .at(pos)
            .maybe_hint(hint);
        if !names.is_empty() {
            issue = issue.expected(format!("one of {}", backticked(names)));
        }
        self.push(issue);
    }
}

fn describe_types(types: &[&str]) -> String {
    let words: Vec<&str> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| match *t {
            "string" => "a string",
            "integer" => "an integer",
            "number" => "a number",
            "boolean" => "`true` or `false`",
            "object" => "a map",
            "array" => "a list",
            other => other,
        })
        .collect();
    if words.is_empty() {
        "nothing".to_owned()
    } else {
        words.join(" or ")
    }
}

/// The first sentence of a description, on one line.
fn first_sentence(d: &str) -> String {
    let one_line = d.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut from = 0;
    while let Some(i) = one_line[from..].find(". ").map(|i| i + from) {
        let before = &one_line[..i];
        let abbreviation = before.ends_with("e.g") || before.ends_with("i.e");
        let next_upper = one_line[i + 2..].starts_with(|c: char| c.is_uppercase());
        if !abbreviation && next_upper {
            return one_line[..=i].to_owned();
        }
        from = i + 2;
    }
    one_line
}
