//! The dependency graph of a plan: which change must finish before which.
//!
//! A resource depends on what its `depends_on` names (references written in
//! the spec, such as a campaign's segment and template, or an event stream's
//! role and stream) and, implicitly, on the stack's `app` when it lives in or
//! refers to the app (the kind says: [`Kind::implied_dependency`]; today
//! everything but IAM roles, Kinesis streams and templates). Kinds are
//! ordered role → stream → app → settings and channels → endpoints,
//! segments, templates → campaigns → event stream → alarms (the order of
//! [`Kind`]); that order breaks ties, the edges decide.
//!
//! [`Kind`]: reconcile_model::Kind
//! [`Kind::implied_dependency`]: reconcile_model::Kind::implied_dependency
//!
//! [`edges`] turns changes into ordering constraints, following Terraform's
//! destroy edges:
//!
//! - a create, update or replace runs after the creates/updates/replaces of
//!   what it depends on (in the desired state);
//! - a delete runs before the deletes of what it depended on (in the live
//!   state): campaigns before the segments they target, the event stream
//!   before its role, everything in the app before the app;
//! - a delete runs before the replace of what it depended on (a replace
//!   deletes first), unless that would close a loop (see below);
//! - an update that stops using a resource that is deleted runs before that
//!   delete (the campaign is retargeted before its old segment goes), and
//!   never waits for it.
//!
//! Nothing that stays waits for a delete it does not need. A replace is one
//! node (the executor deletes then creates). Because of that, one case has
//! no perfect order: `X` is updated to use the new version of a replaced `R`
//! and stops using `D`, which is deleted and used `R`. `X` must wait for `R`,
//! `D` must wait for `X`, so `D` cannot also go before `R`; it goes after.
//! With that rule the edges loop only where the dependencies themselves do
//! (a `depends_on` cycle in the spec or in the live state).
//!
//! [`order`] sorts topologically, deterministically (ready nodes in
//! [`Address`] order: kind order, then key), and names a cycle when there is
//! one.

use std::collections::{BTreeMap, BTreeSet};

use reconcile_model::Address;

use crate::change::{Action, Change};
use crate::plan::Edge;

/// Why changes cannot be ordered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// The dependencies loop. The addresses are in edge order: each must run
    /// before the next, and the last before the first.
    #[error("dependency cycle: {}", describe_cycle(.0))]
    Cycle(Vec<Address>),
    /// The same address was given twice (`side` is "spec" or "live account").
    #[error("`{address}` appears more than once in the {side}")]
    Duplicate {
        address: Address,
        side: &'static str,
    },
}

fn describe_cycle(cycle: &[Address]) -> String {
    let mut names: Vec<String> = cycle.iter().map(|a| format!("`{a}`")).collect();
    if let Some(first) = names.first().cloned() {
        names.push(first);
    }
    format!("{} (each must happen before the next)", names.join(" -> "))
}

/// Which state of a resource the dependencies are read from.
#[derive(Clone, Copy)]
enum Side {
    /// The desired resource (`after`).
    Desired,
    /// The live resource (`before`).
    Live,
}

/// The addresses `change` depends on in one state, restricted to `present`.
fn dependencies<'a>(
    change: &'a Change,
    side: Side,
    present: &BTreeMap<&'a Address, Action>,
) -> BTreeSet<&'a Address> {
    let resource = match side {
        Side::Desired => change.after.as_ref(),
        Side::Live => change.before.as_ref(),
    };
    let Some(resource) = resource else {
        return BTreeSet::new();
    };
    let mut deps: BTreeSet<&Address> = resource
        .depends_on
        .iter()
        .filter(|a| present.contains_key(a))
        .collect();
    if let Some(implied) = change.address.kind.implied_dependency()
        && let Some((app, _)) = present.get_key_value(&Address::singleton(implied))
    {
        deps.insert(app);
    }
    deps
}

/// The ordering constraints between `changes` (see the module docs for the
/// rules), sorted and without duplicates. No-ops take part like updates, so
/// that the order stays valid as a whole; the executor finishes them at once.
pub fn edges(changes: &[Change]) -> Vec<Edge> {
    let present: BTreeMap<&Address, Action> =
        changes.iter().map(|c| (&c.address, c.action)).collect();
    let stays = |a: Action| a != Action::Delete;
    let mut out: BTreeSet<(&Address, &Address)> = BTreeSet::new();
    // Deletes that should go before the replace of what they used; added
    // last, and only where they close no cycle.
    let mut before_replace: BTreeSet<(&Address, &Address)> = BTreeSet::new();

    for change in changes {
        let me = &change.address;
        if stays(change.action) {
            let desired = dependencies(change, Side::Desired, &present);
            for &dep in &desired {
                // A desired resource cannot wait for the delete of something
                // it depends on (the spec would be invalid); no edge.
                if stays(present[dep]) {
                    out.insert((dep, me));
                }
            }
            if matches!(change.action, Action::Update | Action::NoOp) {
                for dep in dependencies(change, Side::Live, &present) {
                    if present[dep] == Action::Delete && !desired.contains(dep) {
                        out.insert((me, dep));
                    }
                }
            }
        } else {
            for dep in dependencies(change, Side::Live, &present) {
                match present[dep] {
                    Action::Delete => {
                        out.insert((me, dep));
                    }
                    Action::Replace => {
                        before_replace.insert((me, dep));
                    }
                    _ => {}
                }
            }
        }
    }

    // Without these, no edge leads from a delete back to what stays, so the
    // edges loop only where the dependencies themselves do. A delete that
    // must also wait for a resource that needs the replaced one first (a
    // replace is one node) keeps the order that closes no loop.
    let mut successors: BTreeMap<&Address, BTreeSet<&Address>> = BTreeMap::new();
    for &(before, after) in &out {
        successors.entry(before).or_default().insert(after);
    }
    for (delete, replaced) in before_replace {
        if !reachable(&successors, replaced, delete) {
            out.insert((delete, replaced));
            successors.entry(delete).or_default().insert(replaced);
        }
    }
    out.into_iter()
        .map(|(before, after)| Edge {
            before: before.clone(),
            after: after.clone(),
        })
        .collect()
}

/// Whether `to` can be reached from `from` along `edges`.
fn reachable(
    successors: &BTreeMap<&Address, BTreeSet<&Address>>,
    from: &Address,
    to: &Address,
) -> bool {
    let mut seen: BTreeSet<&Address> = BTreeSet::new();
    let mut stack = vec![from];
    while let Some(at) = stack.pop() {
        if at == to {
            return true;
        }
        if seen.insert(at) {
            stack.extend(successors.get(at).into_iter().flatten().copied());
        }
    }
    false
}

/// Sorts `nodes` so that every edge's `before` comes before its `after`.
/// Among nodes that are ready at the same time the smallest [`Address`]
/// (kind order, then key) goes first, so the result depends only on the
/// input. Edges that name an address outside `nodes` are ignored.
pub fn order(nodes: &[Address], edges: &[Edge]) -> Result<Vec<Address>, GraphError> {
    let mut indegree: BTreeMap<&Address, usize> = BTreeMap::new();
    for node in nodes {
        if indegree.insert(node, 0).is_some() {
            return Err(GraphError::Duplicate {
                address: node.clone(),
                side: "plan",
            });
        }
    }
    let mut successors: BTreeMap<&Address, BTreeSet<&Address>> = BTreeMap::new();
    for edge in edges {
        if !indegree.contains_key(&edge.before) || !indegree.contains_key(&edge.after) {
            continue;
        }
        if successors
            .entry(&edge.before)
            .or_default()
            .insert(&edge.after)
            && let Some(d) = indegree.get_mut(&edge.after)
        {
            *d += 1;
        }
    }

    let mut ready: BTreeSet<&Address> = indegree
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(a, _)| *a)
        .collect();
    let mut sorted = Vec::with_capacity(nodes.len());
    while let Some(next) = ready.pop_first() {
        sorted.push(next.clone());
        for succ in successors.get(next).into_iter().flatten() {
            if let Some(d) = indegree.get_mut(succ) {
                *d -= 1;
                if *d == 0 {
                    ready.insert(succ);
                }
            }
        }
    }
    if sorted.len() == nodes.len() {
        return Ok(sorted);
    }

    // Every node left has a predecessor that is left too: walk predecessors
    // from the smallest one until an address repeats.
    let done: BTreeSet<&Address> = sorted.iter().collect();
    let mut predecessors: BTreeMap<&Address, BTreeSet<&Address>> = BTreeMap::new();
    for (from, tos) in &successors {
        if done.contains(from) {
            continue;
        }
        for to in tos {
            predecessors.entry(to).or_default().insert(from);
        }
    }
    let mut walk: Vec<&Address> = Vec::new();
    let mut at = indegree
        .keys()
        .copied()
        .find(|a| !done.contains(a))
        .ok_or_else(|| GraphError::Cycle(Vec::new()))?;
    loop {
        if let Some(pos) = walk.iter().position(|a| *a == at) {
            let mut cycle: Vec<Address> = walk[pos..].iter().map(|a| (*a).clone()).collect();
            // The walk went backwards along edges; turn it around and start
            // at the smallest address so the message is stable.
            cycle.reverse();
            if let Some(min) = cycle
                .iter()
                .enumerate()
                .min_by_key(|(_, a)| *a)
                .map(|(i, _)| i)
            {
                cycle.rotate_left(min);
            }
            return Err(GraphError::Cycle(cycle));
        }
        walk.push(at);
        at = predecessors
            .get(at)
            .and_then(|p| p.first().copied())
            .ok_or_else(|| GraphError::Cycle(walk.iter().map(|a| (*a).clone()).collect()))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use reconcile_model::{Kind, Resource};
    use serde_json::json;

    fn addr(s: &str) -> Address {
        s.parse().unwrap()
    }

    fn res(address: &str, deps: &[&str]) -> Resource {
        Resource {
            address: addr(address),
            attrs: json!({"name": address}),
            write_only: BTreeMap::default(),
            sensitive: BTreeSet::default(),
            depends_on: deps.iter().map(|d| addr(d)).collect(),
        }
    }

    fn change(action: Action, address: &str, before: &[&str], after: &[&str]) -> Change {
        let live = res(address, before);
        let desired = res(address, after);
        Change {
            address: addr(address),
            action,
            before: (action != Action::Create).then_some(live),
            after: (action != Action::Delete).then_some(desired),
            adopt: false,
            changed_paths: Vec::new(),
            sensitive: BTreeSet::default(),
            reason: String::new(),
        }
    }

    fn create(address: &str, deps: &[&str]) -> Change {
        change(Action::Create, address, &[], deps)
    }

    fn delete(address: &str, deps: &[&str]) -> Change {
        change(Action::Delete, address, deps, &[])
    }

    /// The recipe's stack, every resource with its references.
    fn recipe(make: fn(&str, &[&str]) -> Change) -> Vec<Change> {
        vec![
            make("alarm.delivery_failures", &[]),
            make("alarm.campaign_failures", &["campaign.flash_sale"]),
            make(
                "event_stream",
                &["iam_role.events", "kinesis_stream.events"],
            ),
            make(
                "campaign.flash_sale",
                &["segment.high_value", "template.flash_sale"],
            ),
            make("template.flash_sale", &[]),
            make("segment.high_value", &[]),
            make("endpoint.ios-user-001", &["channel.apns"]),
            make("endpoint.android-user-002", &["channel.gcm"]),
            make("channel.gcm", &[]),
            make("channel.apns", &[]),
            make("app_settings", &[]),
            make("app", &[]),
            make("kinesis_stream.events", &[]),
            make("iam_role.events", &[]),
        ]
    }

    fn plan_order(changes: &[Change]) -> Result<Vec<String>, GraphError> {
        let nodes: Vec<Address> = changes.iter().map(|c| c.address.clone()).collect();
        Ok(order(&nodes, &edges(changes))?
            .iter()
            .map(ToString::to_string)
            .collect())
    }

    fn has_path(edges: &[Edge], from: &str, to: &str) -> bool {
        let (from, to) = (addr(from), addr(to));
        let mut seen = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(at) = stack.pop() {
            if at == to {
                return true;
            }
            if seen.insert(at.clone()) {
                stack.extend(
                    edges
                        .iter()
                        .filter(|e| e.before == at)
                        .map(|e| e.after.clone()),
                );
            }
        }
        false
    }

    #[test]
    fn creates_follow_the_chain() {
        let order = plan_order(&recipe(create)).unwrap();
        assert_eq!(
            order,
            [
                "iam_role.events",
                "kinesis_stream.events",
                "app",
                "app_settings",
                "channel.apns",
                "channel.gcm",
                "endpoint.android-user-002",
                "endpoint.ios-user-001",
                "segment.high_value",
                "template.flash_sale",
                "campaign.flash_sale",
                "event_stream",
                "alarm.campaign_failures",
                "alarm.delivery_failures",
            ]
        );
        let e = edges(&recipe(create));
        for (before, after) in [
            ("app", "segment.high_value"),
            ("segment.high_value", "campaign.flash_sale"),
            ("template.flash_sale", "campaign.flash_sale"),
            ("iam_role.events", "event_stream"),
            ("kinesis_stream.events", "event_stream"),
            ("app", "alarm.delivery_failures"),
            ("channel.apns", "endpoint.ios-user-001"),
        ] {
            assert!(
                e.contains(&Edge {
                    before: addr(before),
                    after: addr(after)
                }),
                "{before} -> {after}"
            );
        }
        // Templates, roles and streams do not wait for the app.
        assert!(!has_path(&e, "app", "template.flash_sale"));
        assert!(!has_path(&e, "app", "iam_role.events"));
    }

    #[test]
    fn deletes_run_the_chain_backwards() {
        let changes = recipe(delete);
        let order = plan_order(&changes).unwrap();
        let pos = |a: &str| order.iter().position(|x| x == a).unwrap();
        assert!(pos("campaign.flash_sale") < pos("segment.high_value"));
        assert!(pos("campaign.flash_sale") < pos("template.flash_sale"));
        assert!(pos("alarm.campaign_failures") < pos("campaign.flash_sale"));
        assert!(pos("event_stream") < pos("iam_role.events"));
        assert!(pos("event_stream") < pos("kinesis_stream.events"));
        assert!(pos("endpoint.ios-user-001") < pos("channel.apns"));
        for c in &changes {
            if c.address.kind.depends_on_app() {
                assert!(
                    pos(&c.address.to_string()) < pos("app"),
                    "{} before app",
                    c.address
                );
            }
        }
        assert_eq!(order.last().map(String::as_str), Some("app"));
    }

    #[test]
    fn a_dependent_does_not_wait_for_a_delete_it_does_not_need() {
        // The campaign moves from the old segment to a new one; the old
        // segment goes; the app gets a settings change meanwhile.
        let changes = vec![
            change(Action::Update, "app", &[], &[]),
            create("segment.new", &[]),
            delete("segment.old", &[]),
            change(
                Action::Update,
                "campaign.flash_sale",
                &["segment.old"],
                &["segment.new"],
            ),
            create("alarm.new", &["campaign.flash_sale"]),
        ];
        let e = edges(&changes);
        // The campaign stops using the old segment before the segment goes…
        assert!(e.contains(&Edge {
            before: addr("campaign.flash_sale"),
            after: addr("segment.old")
        }));
        // …and nothing that stays waits for that delete.
        for stays in ["app", "segment.new", "campaign.flash_sale", "alarm.new"] {
            assert!(
                !has_path(&e, "segment.old", stays),
                "{stays} waits for the delete"
            );
        }
        assert!(has_path(&e, "segment.new", "campaign.flash_sale"));
        assert!(has_path(&e, "app", "segment.new"));
        let order = plan_order(&changes).unwrap();
        assert_eq!(
            order,
            [
                "app",
                "segment.new",
                "campaign.flash_sale",
                "segment.old",
                "alarm.new"
            ]
        );
    }

    #[test]
    fn a_delete_goes_before_the_replace_of_what_it_used() {
        let changes = vec![
            change(Action::Replace, "iam_role.events", &[], &[]),
            delete("event_stream", &["iam_role.events"]),
            create("alarm.x", &[]),
        ];
        let e = edges(&changes);
        assert!(e.contains(&Edge {
            before: addr("event_stream"),
            after: addr("iam_role.events")
        }));
        assert!(plan_order(&changes).is_ok());
    }

    #[test]
    fn a_delete_waits_for_a_replace_when_it_cannot_go_first() {
        // `campaign.x` moves from `segment.d` (deleted) to the new version of
        // `template.r` (replaced); `segment.d` used `template.r`.
        let changes = vec![
            change(Action::Replace, "template.r", &[], &[]),
            delete("segment.d", &["template.r"]),
            change(
                Action::Update,
                "campaign.x",
                &["segment.d"],
                &["template.r"],
            ),
        ];
        let e = edges(&changes);
        assert!(has_path(&e, "template.r", "campaign.x"));
        assert!(has_path(&e, "campaign.x", "segment.d"));
        assert!(!e.contains(&Edge {
            before: addr("segment.d"),
            after: addr("template.r")
        }));
        assert_eq!(
            plan_order(&changes).unwrap(),
            ["template.r", "campaign.x", "segment.d"]
        );
    }

    #[test]
    fn cycles_are_named() {
        let changes = vec![
            create("campaign.a", &["segment.b"]),
            create("segment.b", &["campaign.a"]),
            create("template.t", &[]),
        ];
        let err = plan_order(&changes).unwrap_err();
        assert_eq!(
            err,
            GraphError::Cycle(vec![addr("segment.b"), addr("campaign.a")])
        );
        assert_eq!(
            err.to_string(),
            "dependency cycle: `segment.b` -> `campaign.a` -> `segment.b` (each must happen before the next)"
        );
        let err = plan_order(&[create("segment.s", &["segment.s"])]).unwrap_err();
        assert_eq!(err, GraphError::Cycle(vec![addr("segment.s")]));
    }

    #[test]
    fn duplicates_are_refused() {
        let err = order(&[addr("app"), addr("app")], &[]).unwrap_err();
        assert!(matches!(err, GraphError::Duplicate { .. }));
    }

    #[test]
    fn order_depends_only_on_the_input() {
        let mut changes = recipe(create);
        let first = plan_order(&changes).unwrap();
        changes.reverse();
        assert_eq!(plan_order(&changes).unwrap(), first);
        changes.rotate_left(5);
        assert_eq!(plan_order(&changes).unwrap(), first);
    }

    fn action_strategy() -> impl Strategy<Value = Action> {
        prop_oneof![
            Just(Action::Create),
            Just(Action::Update),
            Just(Action::Replace),
            Just(Action::Delete),
            Just(Action::NoOp),
        ]
    }

    proptest! {
        /// For any changes whose dependencies do not loop (each resource
        /// refers only to earlier ones, on either side), the edges do not
        /// loop either, and a delete only ever holds up deletes and replaces.
        #[test]
        fn edges_of_acyclic_dependencies_can_be_ordered(
            specs in proptest::collection::vec(
                (
                    0usize..Kind::ALL.len(),
                    action_strategy(),
                    proptest::collection::vec(any::<proptest::sample::Index>(), 0..4),
                    proptest::collection::vec(any::<proptest::sample::Index>(), 0..4),
                ),
                1..30,
            ),
        ) {
            let addresses: Vec<Address> = specs
                .iter()
                .enumerate()
                .map(|(i, (k, _, _, _))| Address::new(Kind::ALL[*k], format!("r{i}")))
                .collect();
            let changes: Vec<Change> = specs
                .iter()
                .enumerate()
                .map(|(i, (_, action, before, after))| {
                    let pick = |picks: &Vec<proptest::sample::Index>| -> Vec<String> {
                        if i == 0 {
                            return Vec::new();
                        }
                        picks.iter().map(|p| addresses[p.index(i)].to_string()).collect()
                    };
                    let (b, a) = (pick(before), pick(after));
                    let b: Vec<&str> = b.iter().map(String::as_str).collect();
                    let a: Vec<&str> = a.iter().map(String::as_str).collect();
                    change(*action, &addresses[i].to_string(), &b, &a)
                })
                .collect();
            let e = edges(&changes);
            let sorted = order(&addresses, &e);
            prop_assert!(sorted.is_ok(), "{:?}", sorted);
            let action: BTreeMap<&Address, Action> =
                changes.iter().map(|c| (&c.address, c.action)).collect();
            for edge in &e {
                if action[&edge.before] == Action::Delete {
                    prop_assert!(
                        matches!(action[&edge.after], Action::Delete | Action::Replace),
                        "{} waits for the delete of {}", edge.after, edge.before
                    );
                }
            }
        }

        #[test]
        fn order_respects_every_edge(
            n in 1usize..40,
            kinds in proptest::collection::vec(0usize..Kind::ALL.len(), 40),
            pairs in proptest::collection::vec((0usize..40, 0usize..40), 0..120),
            perm_seed in proptest::collection::vec(any::<u32>(), 40),
        ) {
            // Nodes in a random rank order; edges only go from lower to
            // higher rank, so the graph is a DAG.
            let nodes: Vec<Address> = (0..n)
                .map(|i| Address::new(Kind::ALL[kinds[i]], format!("r{i}")))
                .collect();
            let mut by_rank: Vec<usize> = (0..n).collect();
            by_rank.sort_by_key(|&i| (perm_seed[i], i));
            let mut rank_of = vec![0; n];
            for (rank, &i) in by_rank.iter().enumerate() {
                rank_of[i] = rank;
            }
            let edges: Vec<Edge> = pairs
                .iter()
                .map(|&(a, b)| (a % n, b % n))
                .filter(|(a, b)| rank_of[*a] < rank_of[*b])
                .map(|(a, b)| Edge { before: nodes[a].clone(), after: nodes[b].clone() })
                .collect();
            let sorted = order(&nodes, &edges).unwrap();
            prop_assert_eq!(sorted.len(), nodes.len());
            let pos: BTreeMap<&Address, usize> = sorted.iter().enumerate().map(|(i, a)| (a, i)).collect();
            prop_assert_eq!(pos.len(), nodes.len());
            for e in &edges {
                prop_assert!(pos[&e.before] < pos[&e.after], "{} before {}", e.before, e.after);
            }
            let mut shuffled = nodes.clone();
            shuffled.reverse();
            prop_assert_eq!(order(&shuffled, &edges).unwrap(), sorted);
        }
    }
}
