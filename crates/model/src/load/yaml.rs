//! YAML text to a located tree ([`Node`]), with hard limits against hostile
//! input (size, depth, alias bombs, duplicate keys).

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

/// Files larger than this are refused before parsing.
pub const MAX_SPEC_BYTES: usize = 4 * 1024 * 1024;
/// Deepest nesting of maps and lists accepted.
pub const MAX_DEPTH: usize = 64;

/// A place in the source: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u64,
    pub column: u64,
}

impl Pos {
    fn from_location(l: Location) -> Pos {
        Pos {
            line: l.line(),
            column: l.column(),
        }
    }
}

/// A YAML value with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
    /// The source text of a plain scalar (`15.0`, `yes`), when known; used to
    /// read a number or boolean written where a string is expected.
    pub raw: Option<String>,
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in source order; keys are nodes so that their positions are
    /// known.
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// What the value is, for messages (`a string`, `a map`).
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }
}

impl Node {
    /// A map entry's value by key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// A map entry (key node, value node) by key.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.key_text().as_deref() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The text of a scalar used as a map key.
    pub fn key_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
            _ => Some(self.scalar_text()),
        }
    }

    /// The text of a scalar as written (raw when known).
    pub fn scalar_text(&self) -> String {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        match &self.value {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Str(s) => s.clone(),
            Value::Seq(_) | Value::Map(_) => String::new(),
        }
    }
}

/// Why the YAML could not be read.
#[derive(Debug)]
pub struct YamlError {
    pub message: String,
    pub pos: Option<Pos>,
}

/// Parses one YAML document into a [`Node`] tree.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.max_documents = 1;
    budget.max_nodes = 200_000;
    budget.max_aliases = 1_000;
    budget.max_anchors = 1_000;
    budget.max_events = 500_000;
    budget.max_total_scalar_bytes = MAX_SPEC_BYTES;
    // A streaming pre-pass enforces the budget without building anything, so
    // that deep nesting is refused before the (recursive) deserializer runs.
    // A syntax error here is left to the real parse, which locates it better.
    if let Ok(report) = serde_saphyr::budget::check_yaml_budget(
        text,
        budget.clone(),
        serde_saphyr::budget::EnforcingPolicy::AllContent,
    ) && let Some(breach) = report.breached
    {
        return Err(YamlError {
            message: breach_message(&breach),
            pos: None,
        });
    }
    let mut alias_limits = serde_saphyr::options::AliasLimits::default();
    alias_limits.max_total_replayed_events = 10_000;
    alias_limits.max_replay_stack_depth = 16;
    alias_limits.max_alias_expansions_per_anchor = 1_000;
    let options = serde_saphyr::options! {
        budget: Some(budget),
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        alias_limits: alias_limits,
        strict_booleans: true,
    };
    let spanned: Spanned<Raw> =
        serde_saphyr::from_str_with_options(text, options).map_err(|e| yaml_error(&e))?;
    Ok(into_node(spanned, text))
}

fn breach_message(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    match breach {
        B::Depth { .. } => format!("nesting deeper than {MAX_DEPTH} levels of maps and lists"),
        B::Aliases { .. }
        | B::Anchors { .. }
        | B::AliasAnchorRatio { .. }
        | B::RecordedAnchorEvents { .. }
        | B::RecordedAnchorBytes { .. }
        | B::MergeKeys { .. } => {
            "too many YAML aliases or anchors (an alias bomb?); a spec needs none of these"
                .to_owned()
        }
        B::Documents { .. } => {
            "more than one YAML document (`---`); write one stack per file".to_owned()
        }
        B::Events { .. } | B::Nodes { .. } => {
            "too many YAML nodes for a spec (limit 200000)".to_owned()
        }
        B::ScalarBytes { .. } => "too much text for a spec".to_owned(),
        other => format!("the YAML exceeds a safety limit ({other:?})"),
    }
}

fn yaml_error(e: &serde_saphyr::Error) -> YamlError {
    use serde_saphyr::MessageFormatter;
    let inner = e.without_snippet();
    let mut message = serde_saphyr::UserMessageFormatter
        .format_message(inner)
        .into_owned();
    if message.contains("recursion limit exceeded") {
        message = format!("nesting deeper than {MAX_DEPTH} levels of maps and lists");
    } else if message.contains("replayed_events")
        || message.contains("alias") && message.contains("limit")
    {
        "YAML aliases expand to too much data (an alias bomb?); a spec needs no aliases"
            .clone_into(&mut message);
    }
    let pos = e
        .location()
        .filter(|l| l.line() > 0)
        .map(Pos::from_location);
    YamlError { message, pos }
}

/// The tree as serde-saphyr hands it over: every node wrapped in
/// `Spanned` so that its location survives.
enum Raw {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Int(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        i128::try_from(v)
            .map(Raw::Int)
            .or_else(|_| Ok(Raw::Float(v as f64)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Raw>>()? {
            let value = map.next_value::<Spanned<Raw>>()?;
            entries.push((key, value));
        }
        Ok(Raw::Map(entries))
    }
}

fn into_node(s: Spanned<Raw>, text: &str) -> Node {
    let loc = s.referenced;
    let pos = Pos::from_location(loc);
    let raw_text = || {
        let span = loc.span();
        let start = usize::try_from(span.byte_offset()?).ok()?;
        let len = usize::try_from(span.byte_len()?).ok()?;
        text.get(start..start.checked_add(len)?).map(str::to_owned)
    };
    let (value, raw) = match s.value {
        Raw::Null => (Value::Null, None),
        Raw::Bool(b) => (Value::Bool(b), raw_text()),
        Raw::Int(i) => (Value::Int(i), raw_text()),
        Raw::Float(f) => (Value::Float(f), raw_text()),
        Raw::Str(s) => (Value::Str(s), None),
        Raw::Seq(items) => (
            Value::Seq(items.into_iter().map(|i| into_node(i, text)).collect()),
            None,
        ),
        Raw::Map(entries) => (
            Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (into_node(k, text), into_node(v, text)))
                    .collect(),
            ),
            None,
        ),
    };
    Node { value, pos, raw }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_keep_their_text_and_position() {
        let n = parse("a: 15.0\nb:\n  - x\n  - yes\n").unwrap();
        let a = n.get("a").unwrap();
        assert_eq!(a.value, Value::Float(15.0));
        assert_eq!(a.raw.as_deref(), Some("15.0"));
        assert_eq!((a.pos.line, a.pos.column), (1, 4));
        let b = n.get("b").unwrap();
        let Value::Seq(items) = &b.value else {
            panic!()
        };
        assert_eq!(items[1].pos.line, 4);
        assert_eq!(items[1].scalar_text(), "yes");
    }

    #[test]
    fn hostile_input_fails_fast() {
        for (name, text) in [
            ("dup", "a: 1\na: 2\n".to_owned()),
            ("deep", "[".repeat(10_000) + &"]".repeat(10_000)),
            ("deep block", {
                let mut s = String::new();
                for i in 0..2000 {
                    s.push_str(&" ".repeat(i));
                    s.push_str("a:\n");
                }
                s
            }),
            (
                "bomb",
                "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]\n".to_owned(),
            ),
            ("syntax", "a: [1, 2\nb: 3\n".to_owned()),
            ("two docs", "a: 1\n---\nb: 2\n".to_owned()),
        ] {
            let start = std::time::Instant::now();
            let err = parse(&text).unwrap_err();
            assert!(!err.message.is_empty(), "{name}");
            assert!(start.elapsed().as_secs_f64() < 1.0, "{name}");
        }
    }
}
