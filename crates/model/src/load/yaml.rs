//! YAML text to a located tree ([`Node`]), refusing hostile input at the
//! place and field path of each problem.
//!
//! Two passes over the text:
//!
//! 1. [`scan`] reads the parser's event stream (nothing is built) with a
//!    path tracker, so that every refusal names its field: YAML tags (the
//!    spec language defines none; `!!python/object/apply:...` or `!Ref` must
//!    not quietly become text), duplicate keys at any depth, a second
//!    document (even an empty one after a trailing `---`), nesting deeper
//!    than [`MAX_DEPTH`], too many nodes, aliases or anchors, and every
//!    syntax error (tabs, a byte-order mark inside the text, an alias with
//!    no anchor).
//! 2. serde-saphyr builds the located tree, expanding aliases and merges
//!    under alias-bomb limits. What it refuses (a bad merge, an alias bomb)
//!    is given its field by [`path_at`]. Then every number that is not
//!    finite (`1e400`, `.nan`) is refused at its field.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::granit_parser::{self, ErrorKind, Event, Marker, Parser, ScanError, StrInput};
use serde_saphyr::{Location, Spanned};

use super::structure::{Issue, Seg};

/// Files larger than this are refused before parsing.
pub const MAX_SPEC_BYTES: usize = 4 * 1024 * 1024;
/// Deepest nesting of maps and lists accepted.
pub const MAX_DEPTH: usize = 64;
/// Most YAML nodes (keys, values, list items) accepted.
pub const MAX_NODES: usize = 200_000;
/// Most aliases (`*name`) and most anchors (`&name`) accepted.
pub const MAX_ALIASES: usize = 1_000;

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

    fn from_marker(m: &Marker) -> Pos {
        Pos {
            line: m.line() as u64,
            column: m.col() as u64 + 1,
        }
    }

    /// Where byte `offset` of `text` is (clamped to the text, and to a
    /// character boundary).
    pub fn of_offset(text: &str, offset: usize) -> Pos {
        let mut end = offset.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let before = &text[..end];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Pos {
            line: before.matches('\n').count() as u64 + 1,
            column: before[line_start..].chars().count() as u64 + 1,
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

/// Parses one YAML document into a [`Node`] tree, or says everything
/// [`scan`] refuses (or the first thing the tree builder refuses), each
/// with its position and field path.
pub fn parse(text: &str) -> Result<Node, Vec<Issue>> {
    let refused = scan(text);
    if !refused.is_empty() {
        return Err(refused);
    }
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.max_documents = 1;
    budget.max_nodes = MAX_NODES;
    budget.max_aliases = MAX_ALIASES;
    budget.max_anchors = MAX_ALIASES;
    budget.max_events = 500_000;
    budget.max_total_scalar_bytes = MAX_SPEC_BYTES;
    let mut alias_limits = serde_saphyr::options::AliasLimits::default();
    alias_limits.max_total_replayed_events = 10_000;
    alias_limits.max_replay_stack_depth = 16;
    alias_limits.max_alias_expansions_per_anchor = 1_000;
    let options = serde_saphyr::options! {
        budget: Some(budget),
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        alias_limits: alias_limits,
        strict_booleans: true,
        reject_unsupported_tags: true,
        // Handed over, so that every one is reported at its field, not
        // only the first.
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::PassThrough,
    };
    let spanned: Spanned<Raw> = serde_saphyr::from_str_with_options(text, options)
        .map_err(|e| vec![tree_error(text, &e)])?;
    let tree = into_node(spanned, text);
    let mut refused = Vec::new();
    non_finite(&tree, &mut Vec::new(), &mut refused);
    if refused.is_empty() {
        Ok(tree)
    } else {
        Err(refused)
    }
}

/// `1e400`, `.nan`, `-.inf`: YAML floats that are not numbers, which no
/// field takes (and which JSON, the next pass, cannot hold).
fn non_finite(node: &Node, path: &mut Vec<Seg>, refused: &mut Vec<Issue>) {
    match &node.value {
        Value::Float(f) if !f.is_finite() => refused.push(non_finite_issue(
            &node.raw.clone().unwrap_or_else(|| f.to_string()),
            node.pos,
            path,
        )),
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                non_finite(item, path, refused);
                path.pop();
            }
        }
        Value::Map(entries) => {
            for (k, v) in entries {
                path.push(Seg::Key(k.key_text().unwrap_or_else(|| "?".to_owned())));
                non_finite(k, path, refused);
                non_finite(v, path, refused);
                path.pop();
            }
        }
        _ => {}
    }
}

fn non_finite_issue(written: &str, pos: Pos, path: &[Seg]) -> Issue {
    Issue::new(path, format!("`{}` is not a finite number", clip(written)))
        .at(pos)
        .hint("YAML reads `.nan`, `.inf` and numbers beyond ±1.8e308 as floats that are not numbers; write a number in range, or quote it if it is text")
}

/// One open map or list while the event stream is read.
struct Frame {
    /// The step to the child being read; `None` between entries.
    seg: Option<Seg>,
    kind: FrameKind,
}

enum FrameKind {
    Seq {
        next: usize,
    },
    Map {
        /// The next node is a key.
        at_key: bool,
        /// The text keys so far, with where each was written.
        keys: HashMap<String, Pos>,
    },
}

/// The path of the node being read, kept up to date event by event.
#[derive(Default)]
struct Tracker {
    frames: Vec<Frame>,
}

impl Tracker {
    fn path(&self) -> Vec<Seg> {
        self.frames.iter().filter_map(|f| f.seg.clone()).collect()
    }

    fn depth(&self) -> usize {
        self.frames.len()
    }

    /// A node starts at `pos`; `text` is its text when it is a scalar.
    /// When it is a key already in its map, returns where the first one is.
    fn begin(&mut self, text: Option<&str>, pos: Pos) -> Option<Pos> {
        let frame = self.frames.last_mut()?;
        match &mut frame.kind {
            FrameKind::Seq { next } => {
                frame.seg = Some(Seg::Index(*next));
                None
            }
            FrameKind::Map { at_key: true, keys } => {
                let Some(text) = text else {
                    frame.seg = Some(Seg::Key("?".to_owned()));
                    return None;
                };
                frame.seg = Some(Seg::Key(text.to_owned()));
                match keys.entry(text.to_owned()) {
                    Entry::Occupied(first) => Some(*first.get()),
                    Entry::Vacant(slot) => {
                        slot.insert(pos);
                        None
                    }
                }
            }
            FrameKind::Map { at_key: false, .. } => None,
        }
    }

    /// The node that began last (a scalar, an alias, or a closed map or
    /// list) is complete.
    fn end(&mut self) {
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        match &mut frame.kind {
            FrameKind::Seq { next } => {
                *next += 1;
                frame.seg = None;
            }
            FrameKind::Map { at_key, .. } => {
                if *at_key {
                    *at_key = false;
                } else {
                    *at_key = true;
                    frame.seg = None;
                }
            }
        }
    }

    fn open(&mut self, map: bool) {
        let kind = if map {
            FrameKind::Map {
                at_key: true,
                keys: HashMap::new(),
            }
        } else {
            FrameKind::Seq { next: 0 }
        };
        self.frames.push(Frame { seg: None, kind });
    }

    fn close(&mut self) {
        self.frames.pop();
        self.end();
    }
}

fn parser(text: &str) -> Parser<'_, StrInput<'_>> {
    let mut options = granit_parser::Options::default();
    options.emit_comments = false;
    Parser::with_options(StrInput::new(text), options)
}

/// The first pass: reads the event stream and returns every refusal (the
/// last one may have stopped the pass: a syntax error or a limit).
pub fn scan(text: &str) -> Vec<Issue> {
    let mut refused = Vec::new();
    let mut t = Tracker::default();
    let (mut documents, mut nodes, mut aliases, mut anchors) = (0usize, 0usize, 0usize, 0usize);
    let mut parser = parser(text);
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(ev) => ev,
            Err(e) => {
                refused.push(scan_error(text, &e, t.path()));
                break;
            }
        };
        let pos = Pos::from_marker(&span.start);
        let (tag, anchor) = match &event {
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    refused.push(second_document(text, &span, pos));
                    break;
                }
                continue;
            }
            Event::Scalar(value, _, anchor, tag) => {
                if let Some(first) = t.begin(Some(value), pos) {
                    refused.push(duplicate_key(value, first, pos, t.path()));
                }
                (tag.as_deref(), *anchor)
            }
            Event::Alias(_) => {
                t.begin(None, pos);
                aliases += 1;
                (None, 0)
            }
            Event::SequenceStart(_, anchor, tag) | Event::MappingStart(_, anchor, tag) => {
                t.begin(None, pos);
                if t.depth() >= MAX_DEPTH {
                    refused.push(
                        Issue::new(
                            &t.path(),
                            format!("nesting deeper than {MAX_DEPTH} levels of maps and lists"),
                        )
                        .at(pos)
                        .hint("a spec needs a few levels; this file looks generated or corrupted"),
                    );
                    break;
                }
                (tag.as_deref(), *anchor)
            }
            Event::SequenceEnd | Event::MappingEnd => {
                t.close();
                continue;
            }
            _ => continue,
        };
        nodes += 1;
        anchors += usize::from(anchor != 0);
        if let Some(tag) = tag {
            let at = span.tag_start.as_ref().map_or(pos, Pos::from_marker);
            refused.push(tag_refused(tag, at, t.path()));
        }
        if let Some(limit) = [
            (nodes > MAX_NODES)
                .then(|| format!("more than {MAX_NODES} YAML nodes (keys, values, list items)")),
            (aliases > MAX_ALIASES)
                .then(|| format!("more than {MAX_ALIASES} YAML aliases (`*name`): an alias bomb?")),
            (anchors > MAX_ALIASES)
                .then(|| format!("more than {MAX_ALIASES} YAML anchors (`&name`)")),
        ]
        .into_iter()
        .flatten()
        .next()
        {
            refused.push(
                Issue::new(&t.path(), format!("{limit}; the limit is reached here"))
                    .at(pos)
                    .hint("a spec is far smaller and needs no aliases; this file looks generated or corrupted"),
            );
            break;
        }
        match event {
            Event::SequenceStart(..) => t.open(false),
            Event::MappingStart(..) => t.open(true),
            _ => t.end(),
        }
    }
    refused
}

/// The field path at `pos`: the path of the last node that starts at or
/// before it (for a key, the path of its map plus the key).
pub fn path_at(text: &str, pos: Pos) -> Vec<Seg> {
    let mut t = Tracker::default();
    let mut last = Vec::new();
    let mut parser = parser(text);
    while let Some(Ok((event, span))) = parser.next_event() {
        let at = Pos::from_marker(&span.start);
        if at > pos {
            break;
        }
        match &event {
            Event::Scalar(value, ..) => {
                t.begin(Some(value), at);
                last = t.path();
                t.end();
            }
            Event::Alias(_) => {
                t.begin(None, at);
                last = t.path();
                t.end();
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                t.begin(None, at);
                last = t.path();
                t.open(matches!(event, Event::MappingStart(..)));
            }
            Event::SequenceEnd | Event::MappingEnd => t.close(),
            _ => {}
        }
    }
    last
}

/// Shortens what the file says for a message.
fn clip(s: &str) -> String {
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}...")
    } else {
        s.to_owned()
    }
}

fn second_document(text: &str, span: &granit_parser::Span, pos: Pos) -> Issue {
    let after = span
        .end
        .byte_offset()
        .and_then(|at| text.get(at..))
        .unwrap_or_default();
    let empty = after
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
    if empty {
        Issue::new(
            &[],
            "a second YAML document starts here (an empty one): a spec is one document",
        )
        .at(pos)
        .hint("remove this `---` line: at the end of a file it starts a second, empty document")
    } else {
        Issue::new(
            &[],
            "a second YAML document starts here: a spec is one document",
        )
        .at(pos)
        .hint("write one stack per file")
    }
}

fn duplicate_key(key: &str, first: Pos, pos: Pos, path: Vec<Seg>) -> Issue {
    Issue::new(
        &path,
        format!(
            "duplicate key `{}`: this map has it already (line {}, column {})",
            clip(key),
            first.line,
            first.column
        ),
    )
    .at(pos)
    .hint("YAML keeps one value per key: remove one of them, or merge the two")
}

fn tag_refused(tag: &granit_parser::Tag, at: Pos, path: Vec<Seg>) -> Issue {
    let written = clip(&tag.original());
    let hint = if tag.core_suffix().is_some() {
        format!("remove `{written}`; to make a value text, quote it")
    } else {
        format!(
            "remove `{written}`: tags make other YAML tools build objects or run code, and mean nothing to reconcile; refer to another entry by its key"
        )
    };
    Issue::new(
        &path,
        format!("the YAML tag `{written}` is not allowed: the spec language defines no tags"),
    )
    .at(at)
    .expected("a plain value: text, a number, `true`/`false`, a list or a map")
    .hint(hint)
}

fn scan_error(text: &str, e: &ScanError, path: Vec<Seg>) -> Issue {
    let pos = Pos::from_marker(e.marker());
    let (message, hint) = match e.kind() {
        ErrorKind::UnknownAnchor => {
            let name: String = e
                .marker()
                .byte_offset()
                .and_then(|at| text.get(at..))
                .map(|rest| {
                    rest.trim_start_matches('*')
                        .chars()
                        .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
                        .collect()
                })
                .unwrap_or_default();
            let name = clip(&name);
            (
                format!("the alias `*{name}` refers to no anchor `&{name}` written before it"),
                Some(format!(
                    "write the value itself, or anchor it first (`key: &{name} value`)"
                )),
            )
        }
        ErrorKind::BomInsideDocument => (
            "a byte-order mark (U+FEFF) inside the text".to_owned(),
            Some(
                "delete the invisible U+FEFF character here (an editor or a copy-paste added it)"
                    .to_owned(),
            ),
        ),
        ErrorKind::TabNotAllowed
        | ErrorKind::TabInBlockIndentation
        | ErrorKind::TabAtBlockScalarStart
        | ErrorKind::TabInIndentation
        | ErrorKind::TabInPlainScalar => (
            e.kind().to_string(),
            Some("YAML indents with spaces: replace the tab with spaces".to_owned()),
        ),
        ErrorKind::RecursionLimitExceeded => (
            format!("nesting deeper than {MAX_DEPTH} levels of maps and lists"),
            None,
        ),
        kind => (kind.to_string(), None),
    };
    Issue::new(&path, format!("invalid YAML: {message}"))
        .at(pos)
        .maybe_hint(hint)
}

/// What the tree builder refused, at its place and field.
fn tree_error(text: &str, e: &serde_saphyr::Error) -> Issue {
    use serde_saphyr::Error as E;
    use serde_saphyr::MessageFormatter;
    let inner = e.without_snippet();
    let pos = e
        .location()
        .filter(|l| l.line() > 0)
        .map(Pos::from_location);
    let path = pos.map(|p| path_at(text, p)).unwrap_or_default();
    let (message, hint) = match inner {
        E::NonFiniteFloat { value, .. } => {
            let mut issue = non_finite_issue(value, pos.unwrap_or_default(), &path);
            issue.pos = pos;
            return issue;
        }
        E::MergeValueNotMapOrSeqOfMaps { .. } | E::MergeKeyNotAllowed { .. } => (
            "invalid YAML: a merge (`<<`) takes a map or a list of maps".to_owned(),
            Some("write `<<: *anchor` where the anchor names a map, or remove the `<<` entry".to_owned()),
        ),
        E::DuplicateMappingKey { key, .. } => (
            format!(
                "duplicate key `{}`: this map has it already",
                clip(key.as_deref().unwrap_or("?"))
            ),
            Some("YAML keeps one value per key: remove one of them, or merge the two".to_owned()),
        ),
        E::UnknownAnchor { .. } => (
            "invalid YAML: an alias refers to no anchor written before it".to_owned(),
            None,
        ),
        E::Budget { breach, .. } => (format!("invalid YAML: {}", breach_message(breach)), None),
        E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. } => (
            "invalid YAML: YAML aliases expand to too much data (an alias bomb?); a spec needs no aliases".to_owned(),
            None,
        ),
        other => {
            let message = serde_saphyr::UserMessageFormatter.format_message(other);
            if message.contains("replayed_events")
                || message.contains("alias") && message.contains("limit")
            {
                (
                    "invalid YAML: YAML aliases expand to too much data (an alias bomb?); a spec needs no aliases".to_owned(),
                    None,
                )
            } else if message.contains("recursion limit exceeded") {
                (
                    format!("invalid YAML: nesting deeper than {MAX_DEPTH} levels of maps and lists"),
                    None,
                )
            } else {
                (format!("invalid YAML: {message}"), None)
            }
        }
    };
    let mut issue = Issue::new(&path, message).maybe_hint(hint);
    issue.pos = pos;
    issue
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
            format!("too many YAML nodes for a spec (limit {MAX_NODES})")
        }
        B::ScalarBytes { .. } => "too much text for a spec".to_owned(),
        other => format!("the YAML exceeds a safety limit ({other:?})"),
    }
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
            assert!(!err[0].message.is_empty(), "{name}");
            assert!(err[0].pos.is_some_and(|p| p.line > 0), "{name}: {err:?}");
            assert!(start.elapsed().as_secs_f64() < 1.0, "{name}");
        }
    }

    fn refused(text: &str) -> Vec<(String, (u64, u64), String)> {
        parse(text)
            .unwrap_err()
            .into_iter()
            .map(|i| {
                let pos = i.pos.unwrap_or_default();
                (
                    super::super::structure::path_string(&i.path),
                    (pos.line, pos.column),
                    i.message,
                )
            })
            .collect()
    }

    #[test]
    fn every_tag_is_refused_at_its_field() {
        let r = refused(
            "a: !!python/object/apply:os.system x\nb:\n  - !Ref vip\nc: !!binary aGk=\nstack: !!int 5\n!!str k: v\n",
        );
        let at: Vec<_> = r.iter().map(|(p, pos, _)| (p.as_str(), *pos)).collect();
        assert_eq!(
            at,
            [
                ("a", (1, 4)),
                ("b[0]", (3, 5)),
                ("c", (4, 4)),
                ("stack", (5, 8)),
                ("k", (6, 1))
            ]
        );
        assert!(
            r[0].2.contains("`!!python/object/apply:os.system`"),
            "{r:?}"
        );
        assert!(r[1].2.contains("`!Ref`"), "{r:?}");
    }

    #[test]
    fn every_non_finite_number_is_refused() {
        let r = refused("a: 1e400\nb:\n  c: .NaN\n  d: [-.inf]\ne: '1e400'\n");
        let at: Vec<_> = r.iter().map(|(p, pos, _)| (p.as_str(), *pos)).collect();
        assert_eq!(at, [("a", (1, 4)), ("b.c", (3, 6)), ("b.d[0]", (4, 7))]);
        assert!(r[0].2.contains("`1e400`"), "{r:?}");
    }

    #[test]
    fn duplicate_keys_name_the_map_and_the_key() {
        let r = refused("a:\n  b:\n    - x: 1\n      x: 2\n  b: 3\n");
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!((r[0].0.as_str(), r[0].1), ("a.b[0].x", (4, 7)));
        assert!(r[0].2.contains("(line 3, column 7)"), "{r:?}");
        assert_eq!((r[1].0.as_str(), r[1].1), ("a.b", (5, 3)));
    }

    #[test]
    fn yaml_errors_carry_the_field_path() {
        for (text, path, pos) in [
            ("a:\n  b: *nope\n", "a.b", (2, 6)),
            ("a:\n  b: 1\n  \u{feff}c: 2\n", "a", (3, 3)),
            ("a:\n  b:\n\tc: 1\n", "a.b", (3, 2)),
            ("a:\n  b: 1e400\n", "a.b", (2, 6)),
            ("a:\n  - .nan\n", "a[0]", (2, 5)),
            ("a: [1, -.inf]\n", "a[1]", (1, 8)),
            ("base: &b {x: 1}\nd:\n  <<: 5\n", "d.<<", (3, 7)),
            ("a: 1\n---\n", "", (2, 1)),
        ] {
            let r = refused(text);
            assert_eq!(r.len(), 1, "{text:?}: {r:?}");
            assert_eq!((r[0].0.as_str(), r[0].1), (path, pos), "{text:?}: {r:?}");
        }
    }
}
