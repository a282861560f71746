//! A saved plan bound to its source: `apply plan.json` carries out a saved
//! plan only when a fresh plan of the same spec against the account as it
//! is now would do exactly the same.
//!
//! A saved plan is a file anyone with access to a CI artifact can edit. Its
//! `live_fingerprint` only says that the account did not move; nothing in it
//! proves that its changes are the ones the spec asks for. So `apply` plans
//! the spec again and compares, change by change ([`differences`]): the set
//! of addresses, each change's action and adoption, the resource before and
//! after (attributes field by field, write-only references by name,
//! dependencies), the conflicts and the unavailable parts. Any difference
//! refuses the whole plan with nothing applied, naming the address and the
//! field; an unedited plan of an unchanged account compares equal.
//!
//! What this guards against: a grafted change (a delete of another stack's
//! role), an action turned into another (a no-op into a delete or replace),
//! a value edited after review (a template body), a secret reference
//! pointed elsewhere (`${file:/etc/passwd}`), another stack's plan. What it
//! does not: a spec edited between plan and apply (the fresh plan is then
//! of that spec; GitOps applies the merged commit's own plan), or secrets
//! whose values changed behind the same reference (their fingerprints are
//! compared, so the plan is refused as any other difference).

use std::collections::BTreeMap;

use reconcile_model::{Address, Resource};
use serde_json::Value;

use crate::change::Change;
use crate::diff::changed_paths;
use crate::plan::Plan;

/// Where a saved plan and a fresh plan of its spec differ, for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The change it concerns; `None` for the plan as a whole.
    pub address: Option<Address>,
    pub what: String,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.address {
            Some(a) => write!(f, "`{a}`: {}", self.what),
            None => f.write_str(&self.what),
        }
    }
}

/// Every way `saved` differs from `fresh` (a plan of the same spec made
/// now); empty when the saved plan may be applied.
pub fn differences(saved: &Plan, fresh: &Plan) -> Vec<Difference> {
    let mut out = Vec::new();
    let whole = |what: String| Difference {
        address: None,
        what,
    };
    if saved.stack != fresh.stack {
        out.push(whole(format!(
            "stack: saved `{}`, the spec's `{}`",
            saved.stack, fresh.stack
        )));
    }
    let saved_changes: BTreeMap<&Address, &Change> =
        saved.changes.iter().map(|c| (&c.address, c)).collect();
    let fresh_changes: BTreeMap<&Address, &Change> =
        fresh.changes.iter().map(|c| (&c.address, c)).collect();
    if saved_changes.len() != saved.changes.len() {
        out.push(whole(
            "the saved plan names an address more than once".to_owned(),
        ));
    }
    let addresses: std::collections::BTreeSet<&Address> = saved_changes
        .keys()
        .chain(fresh_changes.keys())
        .copied()
        .collect();
    for address in addresses {
        let at = |what: String| Difference {
            address: Some(address.clone()),
            what,
        };
        match (saved_changes.get(address), fresh_changes.get(address)) {
            (Some(s), None) => out.push(at(format!(
                "the saved plan would {} it; a fresh plan has no change for it",
                s.action.as_str()
            ))),
            (None, Some(f)) => out.push(at(format!(
                "a fresh plan would {} it; the saved plan leaves it out",
                f.action.as_str()
            ))),
            (Some(s), Some(f)) => {
                if s.action != f.action {
                    out.push(at(format!(
                        "action: saved `{}`, fresh `{}`",
                        s.action.as_str(),
                        f.action.as_str()
                    )));
                }
                if s.adopt != f.adopt {
                    out.push(at(format!(
                        "adoption: saved {}, fresh {}",
                        s.adopt, f.adopt
                    )));
                }
                for (side, a, b) in [
                    ("before", &s.before, &f.before),
                    ("after", &s.after, &f.after),
                ] {
                    for what in resource_differences(a.as_ref(), b.as_ref()) {
                        out.push(at(format!("{side} {what}")));
                    }
                }
            }
            (None, None) => {}
        }
    }
    let mut saved_edges = saved.edges.clone();
    let mut fresh_edges = fresh.edges.clone();
    saved_edges.sort();
    fresh_edges.sort();
    if saved_edges != fresh_edges {
        out.push(whole(
            "the order between changes (edges) differs".to_owned(),
        ));
    }
    if saved.conflicts != fresh.conflicts {
        out.push(whole("the conflicts differ".to_owned()));
    }
    if saved.unavailable != fresh.unavailable {
        out.push(whole("the unavailable parts differ".to_owned()));
    }
    out
}

/// How two versions of one resource differ: attributes by JSON pointer
/// (sensitive ones masked), write-only fields by name, dependencies.
fn resource_differences(saved: Option<&Resource>, fresh: Option<&Resource>) -> Vec<String> {
    let (s, f) = match (saved, fresh) {
        (None, None) => return Vec::new(),
        (Some(_), None) => return vec!["is set in the saved plan only".to_owned()],
        (None, Some(_)) => return vec!["is missing from the saved plan".to_owned()],
        (Some(s), Some(f)) => (s, f),
    };
    let mut out = Vec::new();
    if s.address != f.address {
        out.push(format!(
            "address: saved `{}`, fresh `{}`",
            s.address, f.address
        ));
    }
    for path in changed_paths(&s.attrs, &f.attrs) {
        let sensitive = s.sensitive.contains(&path) || f.sensitive.contains(&path);
        let show = |r: &Resource| {
            if sensitive {
                "(sensitive)".to_owned()
            } else {
                shorten(r.attrs.pointer(&path).unwrap_or(&Value::Null))
            }
        };
        out.push(format!("{path}: saved {}, fresh {}", show(s), show(f)));
    }
    let names: std::collections::BTreeSet<&String> =
        s.write_only.keys().chain(f.write_only.keys()).collect();
    for name in names {
        let (a, b) = (s.write_only.get(name), f.write_only.get(name));
        if a != b {
            // References (`${env:NAME}`) and plain write-only values are not
            // secrets; the secret values never are in a plan.
            let show = |w: Option<&reconcile_model::WriteOnly>| {
                w.map_or_else(
                    || "(none)".to_owned(),
                    |w| shorten(&serde_json::to_value(w).unwrap_or(Value::Null)),
                )
            };
            out.push(format!(
                "write-only `{name}`: saved {}, fresh {}",
                show(a),
                show(b)
            ));
        }
    }
    if s.depends_on != f.depends_on {
        out.push("dependencies differ".to_owned());
    }
    if s.sensitive != f.sensitive {
        out.push("sensitive fields differ".to_owned());
    }
    out
}

/// A value as JSON, cut to 80 characters.
fn shorten(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() <= 80 {
        text
    } else {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}...")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::Action;
    use reconcile_model::Kind;
    use serde_json::json;

    fn resource(kind: Kind, key: &str, attrs: Value) -> Resource {
        Resource {
            address: Address::new(kind, key),
            attrs,
            write_only: BTreeMap::new(),
            sensitive: std::collections::BTreeSet::new(),
            depends_on: std::collections::BTreeSet::new(),
        }
    }

    fn plan(changes: Vec<Change>) -> Plan {
        Plan {
            format_version: crate::plan::PLAN_FORMAT_VERSION,
            stack: "s".into(),
            spec_path: "s.yaml".into(),
            spec_dir: "/".into(),
            changes,
            edges: Vec::new(),
            live_fingerprint: "fp".into(),
            conflicts: Vec::new(),
            unavailable: Vec::new(),
        }
    }

    fn change(action: Action, r: &Resource) -> Change {
        Change {
            address: r.address.clone(),
            action,
            before: Some(r.clone()),
            after: Some(r.clone()),
            adopt: false,
            changed_paths: Vec::new(),
            sensitive: std::collections::BTreeSet::new(),
            reason: String::new(),
        }
    }

    #[test]
    fn an_unedited_plan_has_no_difference() {
        let t = resource(Kind::Template, "t", json!({"name": "t", "body": "hi"}));
        let p = plan(vec![change(Action::NoOp, &t)]);
        assert!(differences(&p, &p.clone()).is_empty());
    }

    #[test]
    fn a_grafted_delete_an_action_and_a_value_are_named() {
        let t = resource(Kind::Template, "t", json!({"name": "t", "body": "hi"}));
        let fresh = plan(vec![change(Action::NoOp, &t)]);
        let mut saved = fresh.clone();
        saved.changes[0].action = Action::Replace;
        saved.changes[0].after.as_mut().unwrap().attrs["body"] = json!("evil");
        let role = resource(Kind::IamRole, "x", json!({"name": "other-stacks-role"}));
        let mut grafted = change(Action::Delete, &role);
        grafted.after = None;
        saved.changes.push(grafted);
        let text: Vec<String> = differences(&saved, &fresh)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            text,
            [
                "`iam_role.x`: the saved plan would delete it; a fresh plan has no change for it",
                "`template.t`: action: saved `replace`, fresh `no-op`",
                "`template.t`: after /body: saved \"evil\", fresh \"hi\"",
            ]
        );
    }

    #[test]
    fn sensitive_values_are_masked() {
        let mut c = resource(
            Kind::Channel,
            "gcm",
            json!({"write_only_fingerprint": "aa"}),
        );
        c.sensitive.insert("/write_only_fingerprint".into());
        let fresh = plan(vec![change(Action::NoOp, &c)]);
        let mut saved = fresh.clone();
        saved.changes[0].after.as_mut().unwrap().attrs["write_only_fingerprint"] = json!("bb");
        let d = differences(&saved, &fresh);
        assert_eq!(d.len(), 1);
        assert!(d[0].what.contains("(sensitive)"), "{}", d[0]);
        assert!(!d[0].what.contains("bb"), "{}", d[0]);
    }
}
