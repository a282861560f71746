//! The planner: desired resources and live state in, an ordered [`Plan`] out.
//!
//! [`make_plan`] runs the [`diff`](crate::diff::diff()), builds the dependency
//! [`edges`](crate::graph::edges), sorts the changes topologically and stamps
//! the plan with [`live_fingerprint`], the hash `apply` compares against a
//! fresh read before it runs a saved plan.

use std::collections::BTreeSet;

use reconcile_model::{Address, Resource};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::change::Change;
use crate::diff::{KIND_WIDE_KEY, diff};
use crate::graph::{self, GraphError};
use crate::plan::{PLAN_FORMAT_VERSION, Plan};
use crate::provider::{LiveState, Unavailable};

/// Makes the plan for `stack`.
///
/// `spec_path` is the spec as named on the command line, `spec_dir` the
/// absolute directory secret files resolve against. Changes come in a valid
/// execution order (no-ops included). Resources the service could not read
/// (`live.unavailable`) get no change; the plan lists them as unavailable,
/// a kind-wide marker (`segment.*`) expanded to each desired resource of that
/// kind. Conflicts are copied.
///
/// Fails when an address appears twice on one side or the dependencies loop.
pub fn make_plan(
    stack: &str,
    spec_path: &str,
    spec_dir: &str,
    desired: Vec<Resource>,
    live: LiveState,
) -> Result<Plan, GraphError> {
    refuse_duplicates(&desired, "spec")?;
    refuse_duplicates(&live.resources, "live account")?;

    let changes = diff(&desired, &live);
    let edges = graph::edges(&changes);
    let nodes: Vec<Address> = changes.iter().map(|c| c.address.clone()).collect();
    let order = graph::order(&nodes, &edges)?;
    let mut by_address: std::collections::BTreeMap<Address, Change> = changes
        .into_iter()
        .map(|c| (c.address.clone(), c))
        .collect();
    let changes: Vec<Change> = order.iter().filter_map(|a| by_address.remove(a)).collect();

    Ok(Plan {
        format_version: PLAN_FORMAT_VERSION,
        stack: stack.to_owned(),
        spec_path: spec_path.to_owned(),
        spec_dir: spec_dir.to_owned(),
        changes,
        edges,
        live_fingerprint: live_fingerprint(&live),
        conflicts: live.conflicts.clone(),
        unavailable: expand_unavailable(&live.unavailable, &desired),
    })
}

fn refuse_duplicates(resources: &[Resource], side: &'static str) -> Result<(), GraphError> {
    let mut seen = BTreeSet::new();
    for r in resources {
        if !seen.insert(&r.address) {
            return Err(GraphError::Duplicate {
                address: r.address.clone(),
                side,
            });
        }
    }
    Ok(())
}

/// The unavailable entries as read, plus one entry per desired resource that
/// a kind-wide marker covers, sorted by address.
fn expand_unavailable(unavailable: &[Unavailable], desired: &[Resource]) -> Vec<Unavailable> {
    let mut out: Vec<Unavailable> = unavailable.to_vec();
    for marker in unavailable
        .iter()
        .filter(|u| u.address.key == KIND_WIDE_KEY)
    {
        for r in desired
            .iter()
            .filter(|r| r.address.kind == marker.address.kind)
        {
            if !out.iter().any(|u| u.address == r.address) {
                out.push(Unavailable {
                    address: r.address.clone(),
                    message: marker.message.clone(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.address.cmp(&b.address));
    out
}

/// SHA-256 (hex) of the live resources, sorted by address, as canonical JSON
/// (object keys sorted at every level). Equal live states give equal
/// fingerprints whatever order the provider read them in.
pub fn live_fingerprint(live: &LiveState) -> String {
    let mut resources: Vec<&Resource> = live.resources.iter().collect();
    resources.sort_by(|a, b| a.address.cmp(&b.address));
    let mut hasher = Sha256::new();
    for r in resources {
        // A Resource always serialises (its maps have string keys).
        let value = serde_json::to_value(r).unwrap_or(Value::Null);
        let bytes = serde_json::to_vec(&canonical(&value)).unwrap_or_default();
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(&bytes);
    }
    hex::encode(hasher.finalize())
}

/// `value` with the keys of every object in sorted order.
pub fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), canonical(&map[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::Action;
    use crate::provider::Conflict;
    use reconcile_model::Kind;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn res(address: &str, attrs: Value) -> Resource {
        Resource {
            address: address.parse().unwrap(),
            attrs,
            write_only: BTreeMap::default(),
            sensitive: BTreeSet::default(),
            depends_on: BTreeSet::default(),
        }
    }

    #[test]
    fn the_fingerprint_ignores_read_order_and_key_order_but_not_values() {
        let a = res(
            "segment.a",
            json!({"name": "a", "dimensions": {"x": 1, "y": 2}}),
        );
        let b = res("app", json!({"name": "shop"}));
        let a_reordered = res(
            "segment.a",
            json!({"dimensions": {"y": 2, "x": 1}, "name": "a"}),
        );
        let one = LiveState {
            resources: vec![a.clone(), b.clone()],
            ..LiveState::default()
        };
        let two = LiveState {
            resources: vec![b.clone(), a_reordered],
            ..LiveState::default()
        };
        assert_eq!(live_fingerprint(&one), live_fingerprint(&two));
        assert_eq!(live_fingerprint(&one).len(), 64);
        let changed = res(
            "segment.a",
            json!({"name": "a", "dimensions": {"x": 1, "y": 3}}),
        );
        let three = LiveState {
            resources: vec![b, changed],
            ..LiveState::default()
        };
        assert_ne!(live_fingerprint(&one), live_fingerprint(&three));
        assert_ne!(
            live_fingerprint(&one),
            live_fingerprint(&LiveState::default())
        );
    }

    #[test]
    fn plans_are_ordered_counted_and_copy_what_could_not_be_read() {
        let mut campaign = res("campaign.sale", json!({"name": "sale"}));
        campaign.depends_on.insert("segment.vip".parse().unwrap());
        let desired = vec![
            campaign,
            res("segment.vip", json!({"name": "vip"})),
            res("endpoint.e1", json!({"address": "x"})),
            res("app", json!({"name": "shop"})),
        ];
        let live = LiveState {
            resources: vec![res("app", json!({"name": "shop"}))],
            conflicts: vec![Conflict {
                address: "segment.vip".parse().unwrap(),
                live_id: "seg-1".into(),
                owner: Some("other".into()),
                message: "owned by stack `other`".into(),
            }],
            unavailable: vec![Unavailable {
                address: Address::new(Kind::Endpoint, "*"),
                message: "endpoints are no longer supported".into(),
            }],
            ..LiveState::default()
        };
        let plan = make_plan("shop", "spec.yaml", "/tmp", desired, live).unwrap();
        let order: Vec<String> = plan.changes.iter().map(|c| c.address.to_string()).collect();
        assert_eq!(order, ["app", "segment.vip", "campaign.sale"]);
        assert_eq!(plan.changes[0].action, Action::NoOp);
        assert!(plan.has_changes());
        let s = plan.summary();
        assert_eq!(
            (s.create, s.update, s.replace, s.delete, s.no_op, s.adopt),
            (2, 0, 0, 0, 1, 0)
        );
        assert_eq!(plan.conflicts.len(), 1);
        let unavailable: Vec<String> = plan
            .unavailable
            .iter()
            .map(|u| u.address.to_string())
            .collect();
        assert_eq!(unavailable, ["endpoint.*", "endpoint.e1"]);
        assert_eq!(plan.format_version, PLAN_FORMAT_VERSION);
    }

    #[test]
    fn an_unchanged_stack_has_no_changes() {
        let app = res("app", json!({"name": "shop"}));
        let plan = make_plan(
            "shop",
            "s.yaml",
            "/",
            vec![app.clone()],
            LiveState {
                resources: vec![app],
                ..LiveState::default()
            },
        )
        .unwrap();
        assert!(!plan.has_changes());
        assert_eq!(plan.summary().no_op, 1);
    }

    #[test]
    fn a_thousand_resource_stack_plans_in_order() {
        let mut desired = vec![res("app", json!({"name": "shop"}))];
        for i in 0..200 {
            desired.push(res(
                &format!("segment.s{i}"),
                json!({"name": format!("s{i}")}),
            ));
            desired.push(res(
                &format!("template.t{i}"),
                json!({"name": format!("t{i}")}),
            ));
            desired.push(res(
                &format!("endpoint.e{i}"),
                json!({"address": format!("tok{i}")}),
            ));
            let mut campaign = res(&format!("campaign.c{i}"), json!({"name": format!("c{i}")}));
            campaign
                .depends_on
                .insert(format!("segment.s{i}").parse().unwrap());
            campaign
                .depends_on
                .insert(format!("template.t{i}").parse().unwrap());
            desired.push(campaign);
            let mut alarm = res(&format!("alarm.a{i}"), json!({"name": format!("a{i}")}));
            alarm
                .depends_on
                .insert(format!("campaign.c{i}").parse().unwrap());
            desired.push(alarm);
        }
        let plan = make_plan("s", "s.yaml", "/", desired, LiveState::default()).unwrap();
        assert_eq!(plan.summary().create, 1001);
        let pos: BTreeMap<&Address, usize> = plan
            .changes
            .iter()
            .enumerate()
            .map(|(i, c)| (&c.address, i))
            .collect();
        assert!(!plan.edges.is_empty());
        for e in &plan.edges {
            assert!(
                pos[&e.before] < pos[&e.after],
                "{} before {}",
                e.before,
                e.after
            );
        }
        assert_eq!(plan.changes[0].address.to_string(), "app");
    }

    #[test]
    fn duplicate_addresses_are_refused() {
        let app = res("app", json!({"name": "shop"}));
        let err = make_plan(
            "s",
            "s.yaml",
            "/",
            vec![app.clone(), app],
            LiveState::default(),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "`app` appears more than once in the spec");
    }

    #[test]
    fn plan_files_round_trip_and_refuse_other_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        let plan = make_plan(
            "shop",
            "spec.yaml",
            "/tmp",
            vec![res("app", json!({"name": "shop"}))],
            LiveState::default(),
        )
        .unwrap();
        plan.save(&path).unwrap();
        assert_eq!(Plan::load(&path).unwrap(), plan);

        let mut value: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        value["format_version"] = json!(2);
        std::fs::write(&path, value.to_string()).unwrap();
        let err = Plan::load(&path).unwrap_err().to_string();
        assert!(err.contains("format version 2"), "{err}");
        assert!(err.contains("reads version 1"), "{err}");

        std::fs::write(&path, "not json").unwrap();
        assert!(
            Plan::load(&path)
                .unwrap_err()
                .to_string()
                .contains("not a reconcile plan file")
        );
        assert!(Plan::load(&dir.path().join("missing.json")).is_err());
    }
}
