//! Reverse plans: what undoes an apply, built from its journal and the live
//! account.
//!
//! [`reverse_plan`] walks an apply's steps backwards: a create is undone by a
//! delete, an update by an update back to the before-image, a delete by a
//! create from the before-image, a replace by a replace back. The result is an
//! ordinary [`Plan`] (so the same executor and renderers handle it) plus what
//! the plan alone cannot say:
//!
//! - [`ReversePlan::inexact`]: steps that cannot be undone exactly because
//!   the before-image lacks write-only values AWS never returns (a deleted
//!   channel's credentials, a rotated credential's old value), with what the
//!   user must supply. [`ReversePlan::supply`] fills them in; the executor
//!   skips those still missing and reports them.
//! - [`ReversePlan::drifted`]: resources that changed in the account after
//!   the apply left them (the live resource differs from the journal's
//!   `live_after`). `rollback` refuses these unless forced.
//!
//! The plan is decided by comparing each touched resource's before-image
//! (the goal) with the live resource (where it is now), so steps whose
//! outcome is unknown (in flight at a crash, lost responses) are undone only
//! if they took effect, and partly completed earlier rollbacks are finished.
//!
//! # Campaigns on `segment_version: latest`
//!
//! Undoing a segment's update does not bring its old version back: AWS
//! gives the segment a new version. A campaign on `latest` is recorded as
//! `latest` in both images (the provider folds the number), so comparing
//! images alone would leave it on the version the apply moved it to, one
//! behind the segment, and the next plan of the original spec would show
//! `segment_version: 2 -> "latest"`. So, as the forward plan does
//! ([`diff()`](crate::diff())), a campaign whose goal follows a segment
//! that the reverse plan updates is written too ("moves to its new
//! version", undoing the apply's step of it), and after that segment: the
//! reversed edge `campaign -> segment` is turned round. A pinned version is
//! a number in the goal and is written back as it was. A campaign that
//! follows such a segment but has no step left to undo in this apply is
//! named in [`ReversePlan::notes`].

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use reconcile_model::resource::FINGERPRINT_ATTR;
use reconcile_model::resources::followed_segment;
use reconcile_model::{Address, Resource, WriteOnly};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::change::{Action, Change};
use crate::journal::{JournalState, StepId, StepState, StepStatus, UndoStatus};
use crate::plan::{Edge, PLAN_FORMAT_VERSION, Plan};
use crate::provider::LiveState;

/// Which journal step one step of a reverse plan undoes. A reverse replace
/// has two: its delete undoes the forward create, its create the forward
/// delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoLink {
    pub address: Address,
    /// `Create`, `Update` or `Delete`: the reverse step's own action.
    pub action: Action,
    pub step_id: StepId,
}

/// The plan that undoes an apply, and what it cannot undo exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReversePlan {
    /// The apply being undone.
    pub apply_id: String,
    /// The reverse changes in a valid order, with edges. `live_fingerprint`
    /// is left empty: the caller fills it in if it saves the plan.
    pub plan: Plan,
    pub undoes: Vec<UndoLink>,
    /// Changes that need values the journal does not have, with what the
    /// user must supply. The executor skips them (and what depends on them)
    /// until [`ReversePlan::supply`] fills them in.
    pub inexact: Vec<(Address, String)>,
    /// Resources changed in the account after the apply left them.
    pub drifted: Vec<Address>,
    /// Things to tell the user that the rollback does not act on (an
    /// adopted resource keeps the stack's tags; a step whose outcome was
    /// unknown had no effect; a campaign on `latest` that cannot follow its
    /// segment's new version until the next apply).
    pub notes: Vec<(Address, String)>,
}

impl ReversePlan {
    /// Whether there is nothing to undo.
    pub fn is_empty(&self) -> bool {
        self.plan.changes.is_empty()
    }

    /// Supplies the write-only values of an inexact change (secret values by
    /// reference only). Returns `false` when `address` is not inexact.
    pub fn supply(&mut self, address: &Address, write_only: BTreeMap<String, WriteOnly>) -> bool {
        let Some(pos) = self.inexact.iter().position(|(a, _)| a == address) else {
            return false;
        };
        let Some(after) = self
            .plan
            .changes
            .iter_mut()
            .find(|c| &c.address == address)
            .and_then(|c| c.after.as_mut())
        else {
            return false;
        };
        after.write_only = write_only;
        self.inexact.remove(pos);
        true
    }

    /// Removes an address from the plan (its changes, links and edges).
    pub(crate) fn drop_address(&mut self, address: &Address) {
        self.plan.changes.retain(|c| &c.address != address);
        self.plan
            .edges
            .retain(|e| &e.before != address && &e.after != address);
        self.undoes.retain(|l| &l.address != address);
        self.inexact.retain(|(a, _)| a != address);
        self.drifted.retain(|a| a != address);
    }
}

/// Builds the plan that undoes the apply in `journal`, given the account as
/// it is now (`live`: at least every resource the apply touched).
pub fn reverse_plan(journal: &JournalState, live: &LiveState) -> ReversePlan {
    let apply_id = journal.header.apply_id.clone();
    let live_by: BTreeMap<&Address, &Resource> =
        live.resources.iter().map(|r| (&r.address, r)).collect();

    // Completion rank: steps that finished later are undone earlier.
    let mut rank: BTreeMap<StepId, usize> = BTreeMap::new();
    for (i, id) in journal.completed.iter().enumerate() {
        rank.insert(*id, i);
    }
    let base = journal.completed.len();
    for id in journal.steps.keys() {
        rank.entry(*id).or_insert(base + *id as usize);
    }

    let mut by_address: BTreeMap<&Address, Vec<&StepState>> = BTreeMap::new();
    for step in journal.steps.values() {
        by_address.entry(&step.address).or_default().push(step);
    }

    let mut out = ReversePlan {
        apply_id: apply_id.clone(),
        plan: Plan {
            format_version: PLAN_FORMAT_VERSION,
            stack: journal.header.stack.clone(),
            spec_path: journal.header.spec_path.clone(),
            spec_dir: journal.header.spec_dir.clone(),
            changes: Vec::new(),
            edges: Vec::new(),
            live_fingerprint: String::new(),
            conflicts: Vec::new(),
            unavailable: Vec::new(),
        },
        undoes: Vec::new(),
        inexact: Vec::new(),
        drifted: Vec::new(),
        notes: Vec::new(),
    };
    let mut changes: Vec<(usize, Change)> = Vec::new();
    // Touched resources already back at their goal: a campaign among them
    // may still have to follow its segment (see the module docs).
    let mut settled: Vec<Settled> = Vec::new();

    for (address, steps) in by_address {
        let pending: Vec<&StepState> = steps
            .iter()
            .copied()
            .filter(|s| may_have_effect(s) && !matches!(s.undo, UndoStatus::Undone { .. }))
            .collect();
        if pending.is_empty() {
            continue;
        }
        let goal = steps[0].before.as_ref();
        let current = live_by.get(address).copied();
        let certain = pending.iter().all(|s| {
            matches!(s.status, StepStatus::Succeeded { .. })
                && matches!(s.undo, UndoStatus::NotUndone)
        });
        if certain {
            let expected = pending
                .iter()
                .max_by_key(|s| rank[&s.step_id])
                .and_then(|s| match &s.status {
                    StepStatus::Succeeded { live_after } => live_after.as_ref(),
                    _ => None,
                });
            if !same(expected, current) {
                out.drifted.push(address.clone());
            }
        }
        if pending.iter().any(|s| s.adopt) {
            out.notes.push((
                address.clone(),
                "was adopted by this apply; it keeps the stack's ownership tags".into(),
            ));
        }
        let was_replaced = steps.iter().any(|s| s.replace);
        let action = match (goal, current) {
            (None, None) => None,
            (Some(_), None) => Some(Action::Create),
            (None, Some(_)) => Some(Action::Delete),
            (Some(g), Some(c)) if g.attrs == c.attrs => None,
            (Some(_), Some(_)) if was_replaced && pending.len() >= 2 => Some(Action::Replace),
            (Some(_), Some(_)) => Some(Action::Update),
        };
        let order = pending.iter().map(|s| rank[&s.step_id]).max().unwrap_or(0);
        let Some(action) = action else {
            if let (Some(goal), Some(current)) = (goal, current) {
                settled.push(Settled {
                    goal: goal.clone(),
                    current: current.clone(),
                    step_id: pending[pending.len() - 1].step_id,
                    order,
                });
            }
            if !certain {
                out.notes.push((
                    address.clone(),
                    "its step's outcome was unknown; the account shows it had no lasting effect"
                        .into(),
                ));
            }
            continue;
        };

        // Links: a reverse delete undoes the step that made the current
        // resource (the last one); a reverse create undoes the step that
        // removed the old one (the first one).
        let first = pending[0].step_id;
        let last = pending[pending.len() - 1].step_id;
        let links: Vec<(Action, StepId)> = match action {
            Action::Replace => vec![(Action::Delete, last), (Action::Create, first)],
            Action::Create => vec![(Action::Create, first)],
            other => vec![(other, last)],
        };
        for (a, id) in links {
            out.undoes.push(UndoLink {
                address: address.clone(),
                action: a,
                step_id: id,
            });
        }

        if let Some(what) = inexact_reason(action, goal, current, &steps) {
            out.inexact.push((address.clone(), what));
        }

        let after = match action {
            Action::Delete => None,
            _ => goal.cloned(),
        };
        let before = current.cloned();
        let reason = match action {
            Action::Create => format!("deleted by apply {apply_id}; create it again"),
            Action::Delete => format!("created by apply {apply_id}; delete it"),
            Action::Replace => format!("replaced by apply {apply_id}; replace it back"),
            _ => format!("changed by apply {apply_id}; change it back"),
        };
        let mut sensitive = BTreeSet::new();
        for r in before.iter().chain(after.iter()) {
            sensitive.extend(r.sensitive.iter().cloned());
        }
        let changed_paths = changed_paths(
            before.as_ref().map(|r| &r.attrs),
            after.as_ref().map(|r| &r.attrs),
        );
        changes.push((
            order,
            Change {
                address: address.clone(),
                action,
                before,
                after,
                adopt: false,
                changed_paths,
                sensitive,
                reason,
            },
        ));
    }

    let moved = follow_segments(&mut out, &mut changes, settled);
    let members: BTreeSet<Address> = changes.iter().map(|(_, c)| c.address.clone()).collect();
    out.plan.edges = reverse_edges(&journal.header.edges, &members);
    order_followers(&mut out, &changes, &moved);
    note_stranded_followers(&mut out, &changes, live, &moved);
    out.plan.changes = order_changes(changes, &out.plan.edges);
    out
}

/// A touched resource the reverse plan leaves alone: its goal equals the
/// live resource.
struct Settled {
    goal: Resource,
    current: Resource,
    /// The last step of it that may have had effect and is not undone.
    step_id: StepId,
    order: usize,
}

/// Whether `change` gives its resource a new version that followers move
/// to: an update of a kind AWS versions ([`Kind::versions_on_update`]).
fn makes_new_version(change: &Change) -> bool {
    change.address.kind.versions_on_update() && change.action == Action::Update
}

/// Adds an update for every settled resource that follows a segment the
/// reverse plan updates (undoing its last step). Returns the segments that
/// get a new version.
fn follow_segments(
    out: &mut ReversePlan,
    changes: &mut Vec<(usize, Change)>,
    settled: Vec<Settled>,
) -> BTreeSet<Address> {
    let moved: BTreeSet<Address> = changes
        .iter()
        .filter(|(_, c)| makes_new_version(c))
        .map(|(_, c)| c.address.clone())
        .collect();
    for s in settled {
        let Some(segment) = followed_segment(&s.goal).filter(|a| moved.contains(a)) else {
            continue;
        };
        let address = s.goal.address.clone();
        out.undoes.push(UndoLink {
            address: address.clone(),
            action: Action::Update,
            step_id: s.step_id,
        });
        let mut sensitive = s.current.sensitive.clone();
        sensitive.extend(s.goal.sensitive.iter().cloned());
        changes.push((
            s.order,
            Change {
                address,
                action: Action::Update,
                before: Some(s.current),
                after: Some(s.goal),
                adopt: false,
                changed_paths: Vec::new(),
                sensitive,
                reason: format!(
                    "targets `{segment}`, which changes back: moves to its new version"
                ),
            },
        ));
    }
    moved
}

/// Orders every change whose goal follows a segment in `moved` after that
/// segment's update (the reversed edge ran the other way), unless another
/// path already orders the follower first (then it is noted).
fn order_followers(out: &mut ReversePlan, changes: &[(usize, Change)], moved: &BTreeSet<Address>) {
    for (_, change) in changes {
        let Some(segment) = change
            .after
            .as_ref()
            .and_then(followed_segment)
            .filter(|a| moved.contains(a))
        else {
            continue;
        };
        let follower = &change.address;
        let mut edges: Vec<Edge> = out
            .plan
            .edges
            .iter()
            .filter(|e| !(&e.before == follower && e.after == segment))
            .cloned()
            .collect();
        if reaches(&edges, follower, &segment) {
            out.notes.push((
                follower.clone(),
                format!(
                    "must be written before `{segment}`, so it keeps that segment's earlier version; `reconcile apply` moves it to the new one"
                ),
            ));
            continue;
        }
        edges.push(Edge {
            before: segment,
            after: follower.clone(),
        });
        edges.sort();
        edges.dedup();
        out.plan.edges = edges;
    }
}

/// Names the live resources that follow a segment in `moved` but get no
/// change: this apply left no step of them to undo, so the rollback cannot
/// write them and they stay on the segment's earlier version.
fn note_stranded_followers(
    out: &mut ReversePlan,
    changes: &[(usize, Change)],
    live: &LiveState,
    moved: &BTreeSet<Address>,
) {
    let changed: BTreeSet<&Address> = changes.iter().map(|(_, c)| &c.address).collect();
    for r in &live.resources {
        let Some(segment) = followed_segment(r).filter(|a| moved.contains(a)) else {
            continue;
        };
        if !changed.contains(&r.address) {
            out.notes.push((
                r.address.clone(),
                format!(
                    "follows `{segment}` (`segment_version: latest`), which this rollback changes, but this apply left no step of it to undo; `reconcile apply` moves it to the segment's new version"
                ),
            ));
        }
    }
}

/// Whether `to` can be reached from `from` along `edges`.
fn reaches(edges: &[Edge], from: &Address, to: &Address) -> bool {
    let mut next: BTreeMap<&Address, Vec<&Address>> = BTreeMap::new();
    for e in edges {
        next.entry(&e.before).or_default().push(&e.after);
    }
    let mut seen: BTreeSet<&Address> = BTreeSet::new();
    let mut stack = vec![from];
    while let Some(a) = stack.pop() {
        if a == to {
            return true;
        }
        if seen.insert(a) {
            stack.extend(next.get(a).into_iter().flatten().copied());
        }
    }
    false
}

/// Whether a step may have changed the account.
fn may_have_effect(step: &StepState) -> bool {
    !matches!(
        step.status,
        StepStatus::Failed {
            outcome_unknown: false,
            ..
        }
    )
}

fn same(a: Option<&Resource>, b: Option<&Resource>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.attrs == b.attrs,
        _ => false,
    }
}

/// Why undoing at this address cannot restore the before-image exactly.
fn inexact_reason(
    action: Action,
    goal: Option<&Resource>,
    current: Option<&Resource>,
    steps: &[&StepState],
) -> Option<String> {
    let goal = goal?;
    if !goal.write_only.is_empty() {
        return None;
    }
    let fingerprint = |r: &Resource| {
        r.attrs
            .get(FINGERPRINT_ATTR)
            .filter(|v| !v.is_null())
            .cloned()
    };
    let goal_fp = fingerprint(goal)?;
    let needs_values = match action {
        Action::Create | Action::Replace => true,
        Action::Update => current.and_then(fingerprint).as_ref() != Some(&goal_fp),
        _ => false,
    };
    if !needs_values {
        return None;
    }
    let fields: BTreeSet<&str> = steps
        .iter()
        .filter_map(|s| s.after.as_ref())
        .flat_map(|r| r.write_only.keys().map(String::as_str))
        .collect();
    let fields = if fields.is_empty() {
        "its write-only fields (credentials)".to_owned()
    } else {
        let list: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
        format!("the write-only fields {}", list.join(", "))
    };
    Some(match action {
        Action::Update => format!(
            "{fields} changed and their earlier values were never returned by AWS; supply the values it had before this apply"
        ),
        _ => format!(
            "{fields} were never returned by AWS, so the journal cannot re-create it; supply the values it had before this apply"
        ),
    })
}

/// JSON pointers of the attributes that differ between two values.
fn changed_paths(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
    fn walk(path: &str, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<String>) {
        match (a, b) {
            (Some(Value::Object(x)), Some(Value::Object(y))) => {
                let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for k in keys {
                    let token = k.replace('~', "~0").replace('/', "~1");
                    walk(&format!("{path}/{token}"), x.get(k), y.get(k), out);
                }
            }
            (a, b) if a != b => out.push(path.to_owned()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let (Some(a), Some(b)) = (before, after) {
        walk("", Some(a), Some(b), &mut out);
    }
    out
}

/// The forward edges reversed, restricted to `members`, keeping orderings
/// that ran through resources the reverse plan does not touch.
fn reverse_edges(forward: &[Edge], members: &BTreeSet<Address>) -> Vec<Edge> {
    let mut next: BTreeMap<&Address, Vec<&Address>> = BTreeMap::new();
    for e in forward {
        next.entry(&e.before).or_default().push(&e.after);
    }
    let mut edges = BTreeSet::new();
    for start in members {
        let mut stack: Vec<&Address> = next.get(start).cloned().unwrap_or_default();
        let mut seen: BTreeSet<&Address> = BTreeSet::new();
        while let Some(a) = stack.pop() {
            if !seen.insert(a) {
                continue;
            }
            if members.contains(a) {
                // Forward: start before a. Reverse: a before start.
                if a != start {
                    edges.insert(Edge {
                        before: a.clone(),
                        after: start.clone(),
                    });
                }
                continue;
            }
            if let Some(n) = next.get(a) {
                stack.extend(n.iter().copied());
            }
        }
    }
    edges.into_iter().collect()
}

/// Orders changes topologically by `edges`, latest-completed first among
/// those that are free to go.
fn order_changes(changes: Vec<(usize, Change)>, edges: &[Edge]) -> Vec<Change> {
    let mut indeg: BTreeMap<Address, usize> = changes
        .iter()
        .map(|(_, c)| (c.address.clone(), 0))
        .collect();
    let mut succ: BTreeMap<&Address, Vec<&Address>> = BTreeMap::new();
    for e in edges {
        *indeg.entry(e.after.clone()).or_default() += 1;
        succ.entry(&e.before).or_default().push(&e.after);
    }
    let rank: BTreeMap<Address, usize> = changes
        .iter()
        .map(|(r, c)| (c.address.clone(), *r))
        .collect();
    let mut heap: BinaryHeap<(usize, Reverse<Address>)> = indeg
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(a, _)| (rank[a], Reverse(a.clone())))
        .collect();
    let mut by_address: BTreeMap<Address, Change> = changes
        .into_iter()
        .map(|(_, c)| (c.address.clone(), c))
        .collect();
    let mut out = Vec::with_capacity(by_address.len());
    while let Some((_, Reverse(a))) = heap.pop() {
        if let Some(next) = succ.get(&a) {
            for n in next {
                if let Some(d) = indeg.get_mut(*n) {
                    *d -= 1;
                    if *d == 0 {
                        heap.push((rank[*n], Reverse((*n).clone())));
                    }
                }
            }
        }
        if let Some(c) = by_address.remove(&a) {
            out.push(c);
        }
    }
    // A cycle cannot arise from reversing a DAG; keep anything left anyway.
    out.extend(by_address.into_values());
    out
}

#[cfg(test)]
mod tests {
    use reconcile_model::SecretRef;
    use serde_json::json;
    use time::OffsetDateTime;

    use super::*;
    use crate::journal::{ApplyHeader, Record};

    fn res(address: &str, attrs: Value) -> Resource {
        Resource {
            address: address.parse().unwrap(),
            attrs,
            write_only: BTreeMap::new(),
            sensitive: BTreeSet::new(),
            depends_on: BTreeSet::new(),
        }
    }

    fn addr(s: &str) -> Address {
        s.parse().unwrap()
    }

    fn journal(edges: &[(&str, &str)], records: Vec<Record>) -> JournalState {
        let mut state = JournalState::start(&Record::ApplyStarted(ApplyHeader {
            apply_id: "A1".into(),
            stack: "demo".into(),
            plan_live_fingerprint: String::new(),
            pid: 1,
            host: "h".into(),
            started_at: OffsetDateTime::UNIX_EPOCH,
            spec_path: String::new(),
            spec_dir: String::new(),
            planned_steps: records.len() / 2,
            edges: edges
                .iter()
                .map(|(b, a)| Edge {
                    before: addr(b),
                    after: addr(a),
                })
                .collect(),
        }))
        .unwrap();
        for r in &records {
            state.apply(r).unwrap();
        }
        state
    }

    /// A started step that succeeded, leaving `after` live.
    fn done(
        id: StepId,
        action: Action,
        before: Option<Resource>,
        after: Option<Resource>,
    ) -> Vec<Record> {
        let address = before.as_ref().or(after.as_ref()).unwrap().address.clone();
        let live_after = after.clone().map(|mut r| {
            r.write_only.clear();
            r
        });
        vec![
            Record::StepStarted {
                step_id: id,
                address,
                action,
                replace: false,
                adopt: false,
                before,
                after,
            },
            Record::StepSucceeded {
                step_id: id,
                live_after,
            },
        ]
    }

    fn live(resources: Vec<Resource>) -> LiveState {
        LiveState {
            resources,
            ..LiveState::default()
        }
    }

    #[test]
    fn a_rotated_credential_is_named_with_the_fields_to_supply() {
        let before = res(
            "channel.apns",
            json!({ "enabled": true, FINGERPRINT_ATTR: "old" }),
        );
        let mut desired = res(
            "channel.apns",
            json!({ "enabled": true, FINGERPRINT_ATTR: "new" }),
        );
        desired.write_only.insert(
            "token_key".into(),
            WriteOnly::Secret(SecretRef::Env("APNS_KEY".into())),
        );
        let state = journal(&[], done(0, Action::Update, Some(before), Some(desired)));
        let now = res(
            "channel.apns",
            json!({ "enabled": true, FINGERPRINT_ATTR: "new" }),
        );
        let rp = reverse_plan(&state, &live(vec![now]));
        assert_eq!(rp.plan.changes.len(), 1);
        assert_eq!(rp.plan.changes[0].action, Action::Update);
        assert_eq!(
            rp.plan.changes[0].changed_paths,
            vec![format!("/{FINGERPRINT_ATTR}")]
        );
        assert_eq!(rp.inexact.len(), 1);
        assert!(
            rp.inexact[0].1.contains("`token_key`"),
            "{}",
            rp.inexact[0].1
        );
        assert!(rp.drifted.is_empty());
        // An update that left the credentials alone is exact.
        let before = res("segment.s", json!({ "v": 1 }));
        let after = res("segment.s", json!({ "v": 2 }));
        let state = journal(
            &[],
            done(0, Action::Update, Some(before), Some(after.clone())),
        );
        assert!(reverse_plan(&state, &live(vec![after])).inexact.is_empty());
    }

    #[test]
    fn the_undo_order_is_the_forward_order_reversed_even_through_untouched_resources() {
        // Forward: role -> stream (no-op, not journaled) -> event_stream,
        // and app -> segment -> campaign.
        let mut records = Vec::new();
        for (i, a) in [
            "iam_role.r",
            "app",
            "segment.s",
            "campaign.c",
            "event_stream",
        ]
        .iter()
        .enumerate()
        {
            records.extend(done(
                i as StepId,
                Action::Create,
                None,
                Some(res(a, json!({ "n": i }))),
            ));
        }
        let state = journal(
            &[
                ("iam_role.r", "kinesis_stream.k"),
                ("kinesis_stream.k", "event_stream"),
                ("app", "segment.s"),
                ("segment.s", "campaign.c"),
            ],
            records,
        );
        let now: Vec<Resource> = state.succeeded().filter_map(|s| s.after.clone()).collect();
        let rp = reverse_plan(&state, &live(now));
        assert!(rp.plan.changes.iter().all(|c| c.action == Action::Delete));
        let edges: BTreeSet<(String, String)> = rp
            .plan
            .edges
            .iter()
            .map(|e| (e.before.to_string(), e.after.to_string()))
            .collect();
        let expect: BTreeSet<(String, String)> = [
            ("event_stream", "iam_role.r"),
            ("segment.s", "app"),
            ("campaign.c", "segment.s"),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
        assert_eq!(edges, expect);
        let order: Vec<String> = rp
            .plan
            .changes
            .iter()
            .map(|c| c.address.to_string())
            .collect();
        let pos = |a: &str| order.iter().position(|x| x == a).unwrap();
        assert!(pos("campaign.c") < pos("segment.s") && pos("segment.s") < pos("app"));
        assert!(pos("event_stream") < pos("iam_role.r"));
        // Latest completed first among free ones.
        assert_eq!(order[0], "event_stream");
    }

    #[test]
    fn an_in_flight_step_is_undone_only_if_it_took_effect() {
        let mut records = done(
            0,
            Action::Create,
            None,
            Some(res("segment.a", json!({ "v": 1 }))),
        );
        records.push(Record::StepStarted {
            step_id: 1,
            address: addr("segment.b"),
            action: Action::Create,
            replace: false,
            adopt: false,
            before: None,
            after: Some(res("segment.b", json!({ "v": 1 }))),
        });
        let state = journal(&[], records);
        let a = res("segment.a", json!({ "v": 1 }));
        // The crashed create never reached the service.
        let rp = reverse_plan(&state, &live(vec![a.clone()]));
        let addrs: Vec<String> = rp
            .plan
            .changes
            .iter()
            .map(|c| c.address.to_string())
            .collect();
        assert_eq!(addrs, vec!["segment.a"]);
        // It did: it is deleted too, undoing step 1.
        let rp = reverse_plan(&state, &live(vec![a, res("segment.b", json!({ "v": 1 }))]));
        assert_eq!(rp.plan.changes.len(), 2);
        assert!(rp.undoes.contains(&UndoLink {
            address: addr("segment.b"),
            action: Action::Delete,
            step_id: 1
        }));
        assert!(rp.drifted.is_empty(), "an unknown outcome is not drift");
    }

    #[test]
    fn a_resource_gone_or_changed_since_the_apply_is_drift() {
        let mut records = done(
            0,
            Action::Create,
            None,
            Some(res("segment.a", json!({ "v": 1 }))),
        );
        records.extend(done(
            1,
            Action::Delete,
            Some(res("segment.b", json!({ "v": 1 }))),
            None,
        ));
        let state = journal(&[], records);
        // segment.a was deleted by hand; segment.b re-created by hand.
        let rp = reverse_plan(&state, &live(vec![res("segment.b", json!({ "v": 7 }))]));
        assert_eq!(rp.drifted, vec![addr("segment.a"), addr("segment.b")]);
        // Nothing left to delete at segment.a; segment.b is changed back.
        let actions: Vec<(String, Action)> = rp
            .plan
            .changes
            .iter()
            .map(|c| (c.address.to_string(), c.action))
            .collect();
        assert_eq!(actions, vec![("segment.b".to_owned(), Action::Update)]);
    }

    /// Apply B updated `segment.s` and moved `campaign.c` (on `latest`) to
    /// its new version; both images of the campaign say `latest`.
    fn segment_and_follower(records_after: Vec<Record>) -> JournalState {
        let mut records = done(
            0,
            Action::Update,
            Some(res("segment.s", json!({ "dims": "A" }))),
            Some(res("segment.s", json!({ "dims": "B" }))),
        );
        records.extend(records_after);
        journal(&[("segment.s", "campaign.c")], records)
    }

    fn campaign(version: Value, name: &str) -> Resource {
        res(
            "campaign.c",
            json!({ "name": name, "segment": "s", "segment_version": version }),
        )
    }

    #[test]
    fn a_campaign_on_latest_follows_the_segment_the_rollback_updates() {
        let c = campaign(json!("latest"), "c");
        let state = segment_and_follower(done(1, Action::Update, Some(c.clone()), Some(c.clone())));
        let now = live(vec![res("segment.s", json!({ "dims": "B" })), c]);
        let rp = reverse_plan(&state, &now);
        let actions: Vec<(String, Action)> = rp
            .plan
            .changes
            .iter()
            .map(|c| (c.address.to_string(), c.action))
            .collect();
        assert_eq!(
            actions,
            vec![
                ("segment.s".to_owned(), Action::Update),
                ("campaign.c".to_owned(), Action::Update),
            ],
            "the segment first, then the campaign that follows it"
        );
        assert_eq!(
            rp.plan.edges,
            vec![Edge {
                before: addr("segment.s"),
                after: addr("campaign.c"),
            }]
        );
        let follower = &rp.plan.changes[1];
        assert!(follower.changed_paths.is_empty());
        assert!(
            follower.reason.contains("moves to its new version"),
            "{}",
            follower.reason
        );
        assert!(rp.undoes.contains(&UndoLink {
            address: addr("campaign.c"),
            action: Action::Update,
            step_id: 1,
        }));
        assert!(rp.drifted.is_empty() && rp.notes.is_empty(), "{rp:?}");
    }

    #[test]
    fn a_pinned_campaign_stays_as_it_is() {
        let c = campaign(json!(1), "c");
        let state = segment_and_follower(done(1, Action::Update, Some(c.clone()), Some(c.clone())));
        let rp = reverse_plan(
            &state,
            &live(vec![res("segment.s", json!({ "dims": "B" })), c]),
        );
        let addresses: Vec<String> = rp
            .plan
            .changes
            .iter()
            .map(|c| c.address.to_string())
            .collect();
        assert_eq!(addresses, vec!["segment.s"]);
        assert!(rp.notes.is_empty());
    }

    #[test]
    fn a_campaign_changed_back_is_written_after_its_segment() {
        // The apply renamed the campaign too: it is changed back anyway,
        // but after the segment, so that it takes the segment's new version.
        let old = campaign(json!("latest"), "old");
        let new = campaign(json!("latest"), "new");
        let state = segment_and_follower(done(1, Action::Update, Some(old), Some(new.clone())));
        let rp = reverse_plan(
            &state,
            &live(vec![res("segment.s", json!({ "dims": "B" })), new]),
        );
        let order: Vec<String> = rp
            .plan
            .changes
            .iter()
            .map(|c| c.address.to_string())
            .collect();
        assert_eq!(order, vec!["segment.s", "campaign.c"]);
        assert_eq!(rp.plan.changes[1].changed_paths, vec!["/name"]);
        assert_eq!(rp.plan.edges.len(), 1);
        assert_eq!(rp.plan.edges[0].before, addr("segment.s"));
    }

    #[test]
    fn a_follower_with_no_step_left_to_undo_is_named() {
        // The campaign's step failed (it changed nothing): the rollback has
        // no step of it to undo, so it says what `apply` will do.
        let c = campaign(json!("latest"), "c");
        let state = segment_and_follower(vec![
            Record::StepStarted {
                step_id: 1,
                address: addr("campaign.c"),
                action: Action::Update,
                replace: false,
                adopt: false,
                before: Some(c.clone()),
                after: Some(c.clone()),
            },
            Record::StepFailed {
                step_id: 1,
                error: "throttled".into(),
                outcome_unknown: false,
            },
        ]);
        let rp = reverse_plan(
            &state,
            &live(vec![res("segment.s", json!({ "dims": "B" })), c]),
        );
        assert_eq!(rp.plan.changes.len(), 1);
        assert_eq!(rp.notes.len(), 1, "{:?}", rp.notes);
        assert_eq!(rp.notes[0].0, addr("campaign.c"));
        assert!(
            rp.notes[0].1.contains("`reconcile apply`"),
            "{:?}",
            rp.notes
        );
    }
}
