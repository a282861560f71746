//! `reconcile graph`: the stack's dependency graph as Mermaid or DOT, ready
//! to paste into a README or a pull request.
//!
//! The edges are the plan's own: the plan of the spec against an empty
//! account, where every resource is created, orders its changes by exactly
//! these edges. No account is read and no secret is resolved.
//!
//! Labels are addresses, whose keys come from the spec: they are
//! [`escape`]d (no control character or bidi override in the output), then
//! quoted for Mermaid or DOT.
#![allow(clippy::print_stdout)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use miette::{IntoDiagnostic, Result};
use reconcile_engine::{LiveState, Plan, make_plan};
use reconcile_model::Address;
use reconcile_model::escape::escape;

use super::common;
use crate::Outcome;

/// Print the stack's dependency graph: the order `apply` follows.
#[derive(Debug, Args)]
pub struct GraphArgs {
    pub spec: PathBuf,
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart (`graph TD`), for Markdown.
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

pub fn run(args: &GraphArgs) -> Result<Outcome> {
    let loaded = common::load_spec(&args.spec)?;
    let plan = make_plan(
        &loaded.spec.stack,
        &args.spec.display().to_string(),
        &common::absolute(&loaded.dir).display().to_string(),
        loaded.spec.unsealed_resources(),
        LiveState::default(),
    )
    .into_diagnostic()?;
    let rendered = match args.format {
        GraphFormat::Mermaid => mermaid(&plan),
        GraphFormat::Dot => dot(&plan),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(rendered.as_bytes()).into_diagnostic()?;
    out.flush().into_diagnostic()?;
    Ok(Outcome::Success)
}

/// The nodes in plan order (a valid creation order).
fn nodes(plan: &Plan) -> Vec<&Address> {
    plan.changes.iter().map(|c| &c.address).collect()
}

/// Mermaid node ids: the address with every other character as `_`, made
/// unique (`endpoint.ios-user-001` → `endpoint_ios_user_001`).
fn mermaid_ids<'a>(nodes: &[&'a Address]) -> Vec<(&'a Address, String)> {
    let mut taken = BTreeSet::new();
    nodes
        .iter()
        .map(|a| {
            let base: String = a
                .to_string()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            let mut id = base.clone();
            let mut n = 2;
            while !taken.insert(id.clone()) {
                id = format!("{base}_{n}");
                n += 1;
            }
            (*a, id)
        })
        .collect()
}

/// A Mermaid flowchart: one node per resource labelled with its address,
/// one arrow per ordering edge (from what comes first).
pub fn mermaid(plan: &Plan) -> String {
    let ids = mermaid_ids(&nodes(plan));
    let id_of = |a: &Address| {
        ids.iter()
            .find(|(x, _)| *x == a)
            .map_or_else(String::new, |(_, id)| id.clone())
    };
    let mut out = String::from("graph TD\n");
    for (a, id) in &ids {
        let label = escape(&a.to_string()).replace('"', "#quot;");
        let _ = writeln!(out, "    {id}[\"{label}\"]");
    }
    for e in &plan.edges {
        let _ = writeln!(out, "    {} --> {}", id_of(&e.before), id_of(&e.after));
    }
    out
}

/// A DOT string literal of `s`, escaped.
fn dot_string(s: &str) -> String {
    format!(
        "\"{}\"",
        escape(s).replace('\\', "\\\\").replace('"', "\\\"")
    )
}

/// A Graphviz digraph: the same nodes and edges.
pub fn dot(plan: &Plan) -> String {
    let mut out = format!(
        "digraph {} {{\n    rankdir=TB;\n    node [shape=box];\n",
        dot_string(&plan.stack)
    );
    for a in nodes(plan) {
        let _ = writeln!(out, "    {};", dot_string(&a.to_string()));
    }
    for e in &plan.edges {
        let _ = writeln!(
            out,
            "    {} -> {};",
            dot_string(&e.before.to_string()),
            dot_string(&e.after.to_string())
        );
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_ids_are_safe_and_unique() {
        let a: Address = "endpoint.a-b".parse().unwrap();
        let b: Address = "endpoint.a_b".parse().unwrap();
        let ids = mermaid_ids(&[&a, &b]);
        assert_eq!(ids[0].1, "endpoint_a_b");
        assert_eq!(ids[1].1, "endpoint_a_b_2");
    }

    #[test]
    fn dot_strings_are_escaped() {
        assert_eq!(dot_string(r#"a"b"#), r#""a\"b""#);
        // The backslash is doubled by `escape`, then again for DOT, which
        // shows `\\`: unambiguous in the picture too.
        assert_eq!(dot_string(r"b\c"), r#""b\\\\c""#);
        assert_eq!(dot_string("e\u{1b}[2J"), r#""e\\u{1b}[2J""#);
    }

    #[test]
    fn mermaid_labels_show_control_characters_escaped() {
        let segment = reconcile_model::Resource {
            address: "segment.x\u{1b}[2J\u{202e}y".parse().unwrap(),
            attrs: serde_json::json!({"name": "n"}),
            write_only: std::collections::BTreeMap::new(),
            sensitive: BTreeSet::new(),
            depends_on: BTreeSet::new(),
        };
        let plan = make_plan("s", "s.yaml", ".", vec![segment], LiveState::default()).unwrap();
        let out = mermaid(&plan);
        assert!(out.contains(r#"["segment.x\u{1b}[2J\u{202e}y"]"#), "{out}");
        assert!(!out.contains('\u{1b}') && !out.contains('\u{202e}'));
    }
}
