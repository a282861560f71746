//! Renderings of a [`Plan`]: [`text()`] for people at a
//! terminal, [`json()`] for machines (a versioned format, see [`mod@json`]), and
//! [`markdown()`] for a pull-request comment.
//!
//! All three mask sensitive values the same way: a field at or below one of a
//! change's `sensitive` pointers shows as `(sensitive)` on both sides, and a
//! write-only fingerprint (`/write_only_fingerprint`) only says
//! `(sensitive value changed)`. Secret values themselves never reach a plan
//! (write-only fields hold references), so what is masked here are sensitive
//! attributes and the hashes of the secrets.
//!
//! The text and Markdown renderings also [`escape`] every piece of
//! user-controlled text they show (stack, spec path, addresses, reasons,
//! paths, values, body lines, AWS's messages): a control character or a bidi
//! override in a spec key, a name or a template body shows as `\u{1b}` or
//! `\u{202e}`, never raw. [`fields()`] hands both renderers fields already
//! escaped; a body keeps its line breaks as separate lines, each printed
//! behind the renderer's indentation and marker. The JSON rendering is left
//! as serde writes it (it escapes control characters itself).

use std::collections::BTreeSet;

use reconcile_model::escape::{escape, escape_json};
use reconcile_model::resource::FINGERPRINT_ATTR;
use reconcile_model::{Kind, Resource};
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use crate::change::{Action, Change};
use crate::diff::{KIND_WIDE_KEY, push_token};
use crate::plan::{Plan, Summary};

pub mod json;
pub mod markdown;
pub mod text;

pub use json::json;
pub use markdown::markdown;
pub use text::{TextOptions, text};

/// What a sensitive value shows as.
pub const MASK: &str = "(sensitive)";
/// What a changed write-only fingerprint shows as.
pub const MASK_CHANGED: &str = "(sensitive value changed)";

/// Strings longer than this (in characters), or with a line break, are
/// message bodies: shown as a line diff with the changed words marked.
const BODY_CHARS: usize = 40;

/// The symbol of an action, Terraform's where it has one.
pub fn symbol(action: Action) -> &'static str {
    match action {
        Action::Create => "+",
        Action::Update => "~",
        Action::Replace => "-/+",
        Action::Delete => "-",
        Action::NoOp => "=",
    }
}

/// "Plan: 3 to create, 1 to update, 0 to replace, 1 to delete." or
/// "No changes. The account matches the spec."
pub fn summary_line(plan: &Plan) -> String {
    let s = plan.summary();
    if plan.has_changes() {
        format!(
            "Plan: {} to create, {} to update, {} to replace, {} to delete.",
            s.create, s.update, s.replace, s.delete
        )
    } else {
        "No changes. The account matches the spec.".to_owned()
    }
}

/// "2 of them take over existing resources (`--adopt`)." when any change
/// adopts.
pub(crate) fn adopt_line(summary: &Summary) -> Option<String> {
    match summary.adopt {
        0 => None,
        1 => Some("1 of them takes over an existing resource (`--adopt`).".to_owned()),
        n => Some(format!(
            "{n} of them take over existing resources (`--adopt`)."
        )),
    }
}

/// The unavailable entries grouped by AWS's message, each group's addresses
/// in plan order. A kind-wide marker (`segment.*`) is shown only when no
/// address of its kind is listed, as `every <kind>`.
pub(crate) fn unavailable_groups(plan: &Plan) -> Vec<(String, Vec<String>)> {
    let named: BTreeSet<Kind> = plan
        .unavailable
        .iter()
        .filter(|u| u.address.key != KIND_WIDE_KEY)
        .map(|u| u.address.kind)
        .collect();
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for u in &plan.unavailable {
        let shown = if u.address.key == KIND_WIDE_KEY {
            if named.contains(&u.address.kind) {
                continue;
            }
            format!("every {}", u.address.kind)
        } else {
            u.address.to_string()
        };
        match groups.iter_mut().find(|(m, _)| *m == u.message) {
            Some((_, addresses)) => addresses.push(shown),
            None => groups.push((u.message.clone(), vec![shown])),
        }
    }
    groups
}

/// A loud warning for deletes and replaces of what users care about (the
/// kind says what its delete costs: [`Kind::delete_consequence`]).
pub fn warning(change: &Change) -> Option<String> {
    let verb = match change.action {
        Action::Delete => "will be deleted",
        Action::Replace => "will be deleted and created again",
        _ => return None,
    };
    let consequence = change.address.kind.delete_consequence()?;
    Some(format!("`{}` {verb}: {consequence}.", change.address))
}

/// One line (or block) of a change's field-level details.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Field {
    /// A field only the desired side has.
    Added { path: String, value: String },
    /// A field only the live side has.
    Removed { path: String, value: String },
    /// A field both sides have, with different values.
    Changed {
        path: String,
        old: String,
        new: String,
        forces: bool,
    },
    /// A message body (long or multi-line string): a line diff.
    Body {
        path: String,
        lines: Vec<BodyLine>,
        forces: bool,
    },
    /// A write-only fingerprint that changed.
    SecretChanged { path: String },
}

/// One line of a body diff: its tag and its pieces, `true` for the changed
/// words.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BodyLine {
    pub tag: ChangeTag,
    pub parts: Vec<(bool, String)>,
}

fn fingerprint_path() -> String {
    format!("/{FINGERPRINT_ATTR}")
}

/// Whether pointer `path` is `base` or inside it.
fn at_or_below(path: &str, base: &str) -> bool {
    path == base
        || path
            .strip_prefix(base)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Whether the whole value at `path` is to be masked.
fn covered(path: &str, sensitive: &BTreeSet<String>) -> bool {
    at_or_below(path, &fingerprint_path()) || sensitive.iter().any(|s| at_or_below(path, s))
}

/// `value` (found at `path`) with every sensitive part replaced by
/// [`MASK`].
pub(crate) fn masked(value: &Value, path: &str, sensitive: &BTreeSet<String>) -> Value {
    if covered(path, sensitive) {
        return Value::String(MASK.to_owned());
    }
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let mut p = path.to_owned();
                    push_token(&mut p, k);
                    (k.clone(), masked(v, &p, sensitive))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| masked(v, &format!("{path}/{i}"), sensitive))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A resource's attributes, masked, or `null`.
pub(crate) fn masked_attrs(resource: Option<&Resource>, sensitive: &BTreeSet<String>) -> Value {
    resource.map_or(Value::Null, |r| masked(&r.attrs, "", sensitive))
}

/// The leaves of a value as the diff sees them: objects are walked, arrays are
/// one value unless they hold objects. Nulls are left out.
fn leaves(value: &Value, path: &mut String, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (k, v) in map {
                let len = path.len();
                push_token(path, k);
                leaves(v, path, out);
                path.truncate(len);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            for (i, v) in items.iter().enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                leaves(v, path, out);
                path.truncate(len);
            }
        }
        other => out.push((path.clone(), other.clone())),
    }
}

/// A value on one line (compact JSON, escaped: still JSON); a masked value
/// as the bare mask.
pub(crate) fn show(value: &Value) -> String {
    match value {
        Value::String(s) if s == MASK => MASK.to_owned(),
        other => escape_json(&serde_json::to_string(other).unwrap_or_default()).into_owned(),
    }
}

fn is_body(value: &Value) -> Option<&str> {
    value
        .as_str()
        .filter(|s| s.contains('\n') || s.chars().count() > BODY_CHARS)
}

/// A line diff of two bodies, with the changed words of changed lines marked.
fn body_diff(old: &str, new: &str) -> Vec<BodyLine> {
    let diff = TextDiff::from_lines(old, new);
    let mut lines = Vec::new();
    for op in diff.ops() {
        for change in diff.iter_inline_changes(op) {
            let parts = change
                .iter_strings_lossy()
                .map(|(emph, s)| (emph, s.trim_end_matches(['\n', '\r']).to_owned()))
                .filter(|(_, s)| !s.is_empty())
                .collect();
            lines.push(BodyLine {
                tag: change.tag(),
                parts,
            });
        }
    }
    lines
}

/// All lines of a body with one tag (a body that appears or goes).
fn whole_body(text: &str, tag: ChangeTag) -> Vec<BodyLine> {
    text.lines()
        .map(|l| BodyLine {
            tag,
            parts: vec![(false, l.to_owned())],
        })
        .collect()
}

/// The field-level details of a change: every field of a create or delete,
/// the changed fields of an update or replace, nothing for a no-op. Values
/// are masked, and everything in them is escaped, ready to print: paths,
/// values ([`show`]) and each line of a body.
pub(crate) fn fields(change: &Change) -> Vec<Field> {
    raw_fields(change).into_iter().map(escaped).collect()
}

/// A field's path and body lines escaped (its values are escaped by
/// [`show`]).
fn escaped(field: Field) -> Field {
    let path = |p: String| escape(&p).into_owned();
    match field {
        Field::Added { path: p, value } => Field::Added {
            path: path(p),
            value,
        },
        Field::Removed { path: p, value } => Field::Removed {
            path: path(p),
            value,
        },
        Field::Changed {
            path: p,
            old,
            new,
            forces,
        } => Field::Changed {
            path: path(p),
            old,
            new,
            forces,
        },
        Field::Body {
            path: p,
            lines,
            forces,
        } => Field::Body {
            path: path(p),
            lines: lines
                .into_iter()
                .map(|l| BodyLine {
                    tag: l.tag,
                    parts: l
                        .parts
                        .into_iter()
                        .map(|(emph, s)| (emph, escape(&s).into_owned()))
                        .collect(),
                })
                .collect(),
            forces,
        },
        Field::SecretChanged { path: p } => Field::SecretChanged { path: path(p) },
    }
}

/// [`fields`] before escaping.
fn raw_fields(change: &Change) -> Vec<Field> {
    let sensitive = &change.sensitive;
    let one_side = |resource: Option<&Resource>, added: bool| {
        let mut found = Vec::new();
        if let Some(r) = resource {
            leaves(&r.attrs, &mut String::new(), &mut found);
        }
        found
            .into_iter()
            .map(|(path, value)| {
                let value = masked(&value, &path, sensitive);
                match (is_body(&value), added) {
                    (Some(text), true) => Field::Body {
                        lines: whole_body(text, ChangeTag::Insert),
                        path,
                        forces: false,
                    },
                    (Some(text), false) => Field::Body {
                        lines: whole_body(text, ChangeTag::Delete),
                        path,
                        forces: false,
                    },
                    (None, true) => Field::Added {
                        path,
                        value: show(&value),
                    },
                    (None, false) => Field::Removed {
                        path,
                        value: show(&value),
                    },
                }
            })
            .collect()
    };
    match change.action {
        Action::NoOp => Vec::new(),
        Action::Create => one_side(change.after.as_ref(), true),
        Action::Delete => one_side(change.before.as_ref(), false),
        Action::Update | Action::Replace => {
            let immutable = change.address.kind.replace_paths();
            let at = |r: Option<&Resource>, path: &str| {
                r.and_then(|r| r.attrs.pointer(path))
                    .filter(|v| !v.is_null())
                    .map(|v| masked(v, path, sensitive))
            };
            change
                .changed_paths
                .iter()
                .map(|path| {
                    let forces = change.action == Action::Replace
                        && immutable.iter().any(|i| at_or_below(path, i.path));
                    let old = at(change.before.as_ref(), path);
                    let new = at(change.after.as_ref(), path);
                    let path = path.clone();
                    if at_or_below(&path, &fingerprint_path()) && old.is_some() && new.is_some() {
                        return Field::SecretChanged { path };
                    }
                    match (old, new) {
                        (Some(old), Some(new)) => match (old.as_str(), new.as_str()) {
                            (Some(a), Some(b)) if is_body(&old).or(is_body(&new)).is_some() => {
                                Field::Body {
                                    lines: body_diff(a, b),
                                    path,
                                    forces,
                                }
                            }
                            _ => Field::Changed {
                                old: show(&old),
                                new: show(&new),
                                path,
                                forces,
                            },
                        },
                        (None, Some(new)) => Field::Added {
                            path,
                            value: show(&new),
                        },
                        (Some(old), None) => Field::Removed {
                            path,
                            value: show(&old),
                        },
                        (None, None) => Field::Changed {
                            old: "null".to_owned(),
                            new: "null".to_owned(),
                            path,
                            forces,
                        },
                    }
                })
                .collect()
        }
    }
}

/// The path as shown: the whole resource when the pointer is empty.
pub(crate) fn show_path(path: &str) -> &str {
    if path.is_empty() {
        "(whole resource)"
    } else {
        path
    }
}

#[cfg(test)]
mod tests;
