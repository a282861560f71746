//! The diff: desired resources against live ones, address by address and
//! field by field.
//!
//! [`diff`] matches the two sides by [`Address`] and gives one [`Change`] per
//! address, sorted by address (the [`planner`](crate::planner) orders them).
//! Fields are compared as JSON values after both sides were normalised by the
//! model; [`changed_paths`] names the differing fields as RFC 6901 pointers.
//! A change to a field the kind cannot change in place
//! ([`Kind::replace_paths`]) makes the change an [`Action::Replace`]; the
//! engine asks the kind, it names none.
//!
//! [`Kind::replace_paths`]: reconcile_model::Kind::replace_paths

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use reconcile_model::kind::ReplacePath;
use reconcile_model::resource::FINGERPRINT_ATTR;
use reconcile_model::resources::followed_segment;
use reconcile_model::{Address, Resource};
use serde_json::Value;

use crate::change::{Action, Change};
use crate::provider::{LiveState, Unavailable};

/// The key of an [`Unavailable`] address that stands for every resource of
/// its kind (`segment.*`).
pub const KIND_WIDE_KEY: &str = "*";

/// How many changed paths a reason names before it says "and N more".
const REASON_PATHS: usize = 5;

/// Whether `unavailable` covers `address`: the same address, or the kind-wide
/// marker (`segment.*`) of its kind.
pub fn unavailable_covers(unavailable: &Unavailable, address: &Address) -> bool {
    unavailable.address == *address
        || (unavailable.address.kind == address.kind && unavailable.address.key == KIND_WIDE_KEY)
}

/// Compares the desired resources with the live state.
///
/// - desired, not live: [`Action::Create`] ("not in the account");
/// - live, not desired: [`Action::Delete`] ("owned by stack, gone from the
///   spec"), except for adopted resources, which are never deleted (they are
///   left out);
/// - both: [`Action::NoOp`] when the attributes are equal,
///   [`Action::Replace`] when a field the kind cannot change in place
///   ([`Kind::replace_paths`](reconcile_model::Kind::replace_paths)) changed,
///   [`Action::Update`] otherwise. An adopted resource is at least an update
///   ("take ownership"), with `adopt` set.
///
/// Addresses covered by `live.unavailable` are left out on both sides: a
/// resource that could not be read is neither created nor deleted.
///
/// When a resource is replaced, what refers to it follows: the resources
/// inside a replaced app are replaced too (they are gone with the old app),
/// and any other resource that depends on a replaced one is at least updated
/// (its reference now resolves to a new id).
///
/// The changes come sorted by address.
pub fn diff(desired: &[Resource], live: &LiveState) -> Vec<Change> {
    let readable = |r: &&Resource| {
        !live
            .unavailable
            .iter()
            .any(|u| unavailable_covers(u, &r.address))
    };
    let wanted: BTreeMap<&Address, &Resource> = desired
        .iter()
        .filter(readable)
        .map(|r| (&r.address, r))
        .collect();
    let existing: BTreeMap<&Address, &Resource> = live
        .resources
        .iter()
        .filter(readable)
        .map(|r| (&r.address, r))
        .collect();
    let adopted: BTreeSet<&Address> = live.adopted.iter().collect();
    let conflicted: BTreeSet<&Address> = live.conflicts.iter().map(|c| &c.address).collect();

    let mut changes: BTreeMap<Address, Change> = BTreeMap::new();
    for (&address, &want) in &wanted {
        let change = match existing.get(address) {
            None => Change {
                address: address.clone(),
                action: Action::Create,
                before: None,
                after: Some(want.clone()),
                adopt: false,
                changed_paths: Vec::new(),
                sensitive: want.sensitive.clone(),
                reason: if conflicted.contains(address) {
                    "a namesake exists that this stack does not own (see conflicts)".to_owned()
                } else {
                    "not in the account".to_owned()
                },
            },
            Some(&have) => compare(have, want, adopted.contains(address)),
        };
        changes.insert(address.clone(), change);
    }
    for (&address, &have) in &existing {
        if wanted.contains_key(address) || adopted.contains(address) {
            continue;
        }
        changes.insert(
            address.clone(),
            Change {
                address: address.clone(),
                action: Action::Delete,
                before: Some(have.clone()),
                after: None,
                adopt: false,
                changed_paths: Vec::new(),
                sensitive: have.sensitive.clone(),
                reason: "owned by stack, gone from the spec".to_owned(),
            },
        );
    }
    follow_replacements(&mut changes);
    follow_segment_versions(&mut changes);
    changes.into_values().collect()
}

/// One address present on both sides.
fn compare(have: &Resource, want: &Resource, adopt: bool) -> Change {
    let paths = changed_paths(&have.attrs, &want.attrs);
    let immutable: Vec<&ReplacePath> = want
        .address
        .kind
        .replace_paths()
        .iter()
        .filter(|field| paths.iter().any(|p| is_at_or_below(p, field.path)))
        .collect();

    let mut reasons = Vec::new();
    if adopt {
        reasons.push("take ownership (tags it as this stack's)".to_owned());
    }
    let action = if immutable.is_empty() {
        reasons.extend(describe_fields(&paths));
        if paths.is_empty() && !adopt {
            Action::NoOp
        } else {
            Action::Update
        }
    } else {
        let names: Vec<String> = immutable
            .iter()
            .map(|p| format!("`{}`", p.path.trim_start_matches('/')))
            .collect();
        let mut why: Vec<&str> = Vec::new();
        for p in &immutable {
            if !why.contains(&p.reason) {
                why.push(p.reason);
            }
        }
        reasons.push(format!(
            "{} cannot change in place ({})",
            names.join(" and "),
            why.join("; ")
        ));
        Action::Replace
    };
    let reason = if reasons.is_empty() {
        "matches the spec".to_owned()
    } else {
        reasons.join("; ")
    };

    Change {
        address: want.address.clone(),
        action,
        before: Some(have.clone()),
        after: Some(want.clone()),
        adopt,
        changed_paths: paths,
        sensitive: have.sensitive.union(&want.sensitive).cloned().collect(),
        reason,
    }
}

/// "2 fields changed: /a, /b" and "credentials changed", as they apply.
fn describe_fields(paths: &[String]) -> Vec<String> {
    let fingerprint = format!("/{FINGERPRINT_ATTR}");
    let fields: Vec<&str> = paths
        .iter()
        .map(String::as_str)
        .filter(|p| *p != fingerprint)
        .collect();
    let mut out = Vec::new();
    if !fields.is_empty() {
        let noun = if fields.len() == 1 { "field" } else { "fields" };
        let mut named = fields
            .iter()
            .take(REASON_PATHS)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if fields.len() > REASON_PATHS {
            let _ = write!(named, " and {} more", fields.len() - REASON_PATHS);
        }
        out.push(format!("{} {noun} changed: {named}", fields.len()));
    }
    if fields.len() < paths.len() {
        out.push("credentials changed".to_owned());
    }
    out
}

/// A campaign on `segment_version: latest` whose segment is updated moves
/// to the segment's new version in the same apply (after the segment, by
/// the dependency edge), instead of showing as a change on the next plan.
fn follow_segment_versions(changes: &mut BTreeMap<Address, Change>) {
    let updated: BTreeSet<Address> = changes
        .values()
        .filter(|c| c.address.kind.versions_on_update() && c.action == Action::Update)
        .map(|c| c.address.clone())
        .collect();
    for change in changes.values_mut() {
        if change.action != Action::NoOp {
            continue;
        }
        let Some(segment) = change.after.as_ref().and_then(followed_segment) else {
            continue;
        };
        if updated.contains(&segment) {
            change.action = Action::Update;
            change.reason = format!("targets `{segment}`, which changes: moves to its new version");
        }
    }
}

/// Propagates replacements to what refers to the replaced resources.
fn follow_replacements(changes: &mut BTreeMap<Address, Change>) {
    // Each change follows the replacements once; a change made a replace
    // here can in turn make its own dependents follow, hence the loop.
    let mut handled: BTreeSet<Address> = BTreeSet::new();
    loop {
        let replaced: BTreeSet<Address> = changes
            .values()
            .filter(|c| c.action == Action::Replace)
            .map(|c| c.address.clone())
            .collect();
        let mut progressed = false;
        for change in changes.values_mut() {
            if !matches!(change.action, Action::NoOp | Action::Update)
                || handled.contains(&change.address)
            {
                continue;
            }
            let Some(after) = &change.after else { continue };
            let kind = change.address.kind;
            // The app, for what lives in it or is about it.
            let implied = kind.implied_dependency().map(Address::singleton);
            let mut refers: Vec<&Address> = after
                .depends_on
                .iter()
                .filter(|a| replaced.contains(*a))
                .collect();
            if let Some(app) = &implied
                && replaced.contains(app)
                && !refers.contains(&app)
            {
                refers.push(app);
            }
            if refers.is_empty() {
                continue;
            }
            if let Some(app) = &implied
                && kind.lives_in_app()
                && refers.contains(&app)
            {
                change.action = Action::Replace;
                change.reason = format!("re-created in the new app: `{app}` is replaced");
            } else {
                let names: Vec<String> = refers.iter().map(|a| format!("`{a}`")).collect();
                let why = format!("refers to {}, which is replaced", names.join(" and "));
                change.reason = if change.action == Action::NoOp {
                    why
                } else {
                    format!("{}; {why}", change.reason)
                };
                change.action = Action::Update;
            }
            handled.insert(change.address.clone());
            progressed = true;
        }
        if !progressed {
            break;
        }
    }
}

/// Whether pointer `path` is `field` or inside it.
fn is_at_or_below(path: &str, field: &str) -> bool {
    path == field
        || path
            .strip_prefix(field)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The fields that differ between `before` and `after`, as RFC 6901 pointers
/// (the whole value is `""`).
///
/// Objects are compared key by key (a missing key and `null` are the same),
/// down to the leaves. Arrays are compared as one value at their pointer,
/// except arrays of the same length holding objects, which are compared
/// element by element (`/schedule/quiet_times/0/start`). Numbers compare by
/// value (`1` equals `1.0`). The order is the order of `after`'s keys, then
/// the keys only `before` has.
pub fn changed_paths(before: &Value, after: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(&mut String::new(), before, after, &mut out);
    out
}

fn walk(path: &mut String, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys = y.keys().chain(x.keys().filter(|k| !y.contains_key(*k)));
            for key in keys {
                let len = path.len();
                push_token(path, key);
                walk(
                    path,
                    x.get(key).unwrap_or(&Value::Null),
                    y.get(key).unwrap_or(&Value::Null),
                    out,
                );
                path.truncate(len);
            }
        }
        (Value::Array(x), Value::Array(y))
            if x.len() == y.len() && x.iter().chain(y).any(Value::is_object) =>
        {
            for (i, (xa, yb)) in x.iter().zip(y).enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                walk(path, xa, yb, out);
                path.truncate(len);
            }
        }
        _ => {
            if !same(a, b) {
                out.push(path.clone());
            }
        }
    }
}

/// Appends one reference token to a pointer, escaped (`~` → `~0`, `/` → `~1`).
pub(crate) fn push_token(path: &mut String, token: &str) {
    path.push('/');
    for c in token.chars() {
        match c {
            '~' => path.push_str("~0"),
            '/' => path.push_str("~1"),
            c => path.push(c),
        }
    }
}

/// Deep equality where a missing key equals `null` and numbers compare by
/// value.
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x
            .iter()
            .map(|(k, v)| (v, y.get(k).unwrap_or(&Value::Null)))
            .chain(
                y.iter()
                    .filter(|(k, _)| !x.contains_key(*k))
                    .map(|(_, v)| (&Value::Null, v)),
            )
            .all(|(p, q)| same(p, q)),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(p), Some(q)) = (x.as_i64(), y.as_i64()) {
                p == q
            } else if let (Some(p), Some(q)) = (x.as_u64(), y.as_u64()) {
                p == q
            } else {
                x.as_f64() == y.as_f64()
            }
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Conflict;
    use reconcile_model::Kind;
    use serde_json::json;

    fn res(address: &str, attrs: Value) -> Resource {
        Resource {
            address: address.parse().unwrap(),
            attrs,
            write_only: BTreeMap::new(),
            sensitive: BTreeSet::new(),
            depends_on: BTreeSet::new(),
        }
    }

    fn live(resources: Vec<Resource>) -> LiveState {
        LiveState {
            resources,
            ..LiveState::default()
        }
    }

    fn one(changes: &[Change], address: &str) -> Change {
        let address: Address = address.parse().unwrap();
        changes
            .iter()
            .find(|c| c.address == address)
            .cloned()
            .unwrap_or_else(|| panic!("no change for {address}"))
    }

    #[test]
    fn normalised_equal_values_are_no_ops() {
        // Key order, `null` against a missing key, and `1` against `1.0` are
        // all the same value.
        let desired = res(
            "segment.vip",
            json!({"name": "vip", "limit": 1, "dimensions": {"a": ["x"], "b": {"c": true}}}),
        );
        let current = res(
            "segment.vip",
            json!({"dimensions": {"b": {"c": true}, "a": ["x"]}, "limit": 1.0, "name": "vip", "description": null}),
        );
        let changes = diff(&[desired], &live(vec![current]));
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].action, Action::NoOp);
        assert!(changes[0].changed_paths.is_empty());
        assert_eq!(changes[0].reason, "matches the spec");
    }

    #[test]
    fn nested_changes_name_leaf_pointers() {
        let desired = res(
            "segment.high_value",
            json!({
                "name": "high-value-customers",
                "dimensions": {
                    "demographic": {"platform": {"dimension_type": "INCLUSIVE", "values": ["iOS"]}},
                    "user_attributes": {"purchase/history": {"attribute_type": "INCLUSIVE", "values": ["high-value"]}}
                }
            }),
        );
        let current = res(
            "segment.high_value",
            json!({
                "name": "high-value-customers",
                "dimensions": {
                    "demographic": {"platform": {"dimension_type": "INCLUSIVE", "values": ["iOS", "Android"]}},
                    "user_attributes": {"purchase/history": {"attribute_type": "EXCLUSIVE", "values": ["high-value"]}},
                    "location": {"country": {"values": ["US"]}}
                }
            }),
        );
        let c = one(
            &diff(&[desired], &live(vec![current])),
            "segment.high_value",
        );
        assert_eq!(c.action, Action::Update);
        assert_eq!(
            c.changed_paths,
            [
                "/dimensions/demographic/platform/values",
                "/dimensions/user_attributes/purchase~1history/attribute_type",
                "/dimensions/location",
            ]
        );
        assert_eq!(
            c.reason,
            "3 fields changed: /dimensions/demographic/platform/values, \
             /dimensions/user_attributes/purchase~1history/attribute_type, /dimensions/location"
        );
    }

    #[test]
    fn arrays_of_objects_of_the_same_length_compare_element_wise() {
        let a = json!({"rules": [{"start": "22:00", "end": "08:00"}, {"start": "1"}]});
        let b = json!({"rules": [{"start": "23:00", "end": "08:00"}, {"start": "1"}]});
        assert_eq!(changed_paths(&a, &b), ["/rules/0/start"]);
        let c = json!({"rules": [{"start": "22:00", "end": "08:00"}]});
        assert_eq!(changed_paths(&a, &c), ["/rules"]);
        assert_eq!(
            changed_paths(&json!({"v": [1, 2]}), &json!({"v": [2, 1]})),
            ["/v"]
        );
    }

    #[test]
    fn immutable_fields_replace() {
        let c = one(
            &diff(
                &[res("app", json!({"name": "shop-v2"}))],
                &live(vec![res("app", json!({"name": "shop"}))]),
            ),
            "app",
        );
        assert_eq!(c.action, Action::Replace);
        assert_eq!(c.changed_paths, ["/name"]);
        assert_eq!(
            c.reason,
            "`name` cannot change in place (AWS has no UpdateApp)"
        );

        let c = one(
            &diff(
                &[res("iam_role.events", json!({"name": "r2", "path": "/x/"}))],
                &live(vec![res(
                    "iam_role.events",
                    json!({"name": "r", "path": "/"}),
                )]),
            ),
            "iam_role.events",
        );
        assert_eq!(c.action, Action::Replace);
        assert!(
            c.reason
                .starts_with("`name` and `path` cannot change in place")
        );

        // A mutable field of the same kind updates in place.
        let c = one(
            &diff(
                &[res(
                    "template.sale",
                    json!({"name": "t", "apns": {"body": "b"}}),
                )],
                &live(vec![res(
                    "template.sale",
                    json!({"name": "t", "apns": {"body": "a"}}),
                )]),
            ),
            "template.sale",
        );
        assert_eq!(c.action, Action::Update);
        assert_eq!(Kind::Segment.replace_paths(), &[]);
    }

    #[test]
    fn resources_in_a_replaced_app_are_replaced_and_references_updated() {
        let mut segment = res("segment.vip", json!({"name": "vip"}));
        segment.depends_on.insert(Address::singleton(Kind::App));
        let alarm = res("alarm.failures", json!({"name": "failures"}));
        let template = res("template.t", json!({"name": "t"}));
        let desired = vec![
            res("app", json!({"name": "shop-v2"})),
            segment.clone(),
            alarm.clone(),
            template.clone(),
        ];
        let current = live(vec![
            res("app", json!({"name": "shop"})),
            segment,
            alarm,
            template,
        ]);
        let changes = diff(&desired, &current);
        assert_eq!(one(&changes, "app").action, Action::Replace);
        let seg = one(&changes, "segment.vip");
        assert_eq!(seg.action, Action::Replace);
        assert_eq!(seg.reason, "re-created in the new app: `app` is replaced");
        let alarm = one(&changes, "alarm.failures");
        assert_eq!(alarm.action, Action::Update);
        assert_eq!(alarm.reason, "refers to `app`, which is replaced");
        assert_eq!(one(&changes, "template.t").action, Action::NoOp);
    }

    #[test]
    fn a_fingerprint_change_alone_is_credentials_changed() {
        let mut want = res(
            "channel.apns",
            json!({"enabled": true, FINGERPRINT_ATTR: "aaaa"}),
        );
        want.sensitive.insert("/token_key".into());
        let have = res(
            "channel.apns",
            json!({"enabled": true, FINGERPRINT_ATTR: "bbbb"}),
        );
        let c = one(&diff(&[want.clone()], &live(vec![have])), "channel.apns");
        assert_eq!(c.action, Action::Update);
        assert_eq!(c.reason, "credentials changed");
        assert_eq!(c.changed_paths, ["/write_only_fingerprint"]);
        assert!(c.sensitive.contains("/token_key"));

        let have = res(
            "channel.apns",
            json!({"enabled": false, FINGERPRINT_ATTR: "bbbb"}),
        );
        let c = one(&diff(&[want], &live(vec![have])), "channel.apns");
        assert_eq!(c.reason, "1 field changed: /enabled; credentials changed");
    }

    #[test]
    fn creates_deletes_and_adoption() {
        let desired = vec![
            res("segment.new", json!({"name": "new"})),
            res("segment.taken", json!({"name": "taken"})),
            res("campaign.mine", json!({"name": "mine"})),
        ];
        let state = LiveState {
            resources: vec![
                res("segment.old", json!({"name": "old"})),
                res("segment.taken", json!({"name": "taken"})),
                res("campaign.mine", json!({"name": "mine-but-renamed"})),
                res("template.adopted_only", json!({"name": "x"})),
            ],
            adopted: vec![
                "segment.taken".parse().unwrap(),
                "campaign.mine".parse().unwrap(),
                "template.adopted_only".parse().unwrap(),
            ],
            ..LiveState::default()
        };
        let changes = diff(&desired, &state);
        let addresses: Vec<String> = changes.iter().map(|c| c.address.to_string()).collect();
        // Sorted by address; the adopted-but-undesired template is untouched.
        assert_eq!(
            addresses,
            [
                "segment.new",
                "segment.old",
                "segment.taken",
                "campaign.mine"
            ]
        );
        let new = one(&changes, "segment.new");
        assert_eq!(
            (new.action, new.reason.as_str()),
            (Action::Create, "not in the account")
        );
        assert!(new.before.is_none() && new.after.is_some());
        let old = one(&changes, "segment.old");
        assert_eq!(
            (old.action, old.reason.as_str()),
            (Action::Delete, "owned by stack, gone from the spec")
        );
        assert!(old.before.is_some() && old.after.is_none());
        let taken = one(&changes, "segment.taken");
        assert_eq!(taken.action, Action::Update);
        assert!(taken.adopt);
        assert_eq!(taken.reason, "take ownership (tags it as this stack's)");
        let mine = one(&changes, "campaign.mine");
        assert!(mine.adopt);
        assert_eq!(
            mine.reason,
            "take ownership (tags it as this stack's); 1 field changed: /name"
        );
    }

    #[test]
    fn a_conflicting_create_says_so() {
        let state = LiveState {
            conflicts: vec![Conflict {
                address: Address::singleton(Kind::App),
                live_id: "abc".into(),
                owner: None,
                message: "an app named `shop` exists".into(),
            }],
            ..LiveState::default()
        };
        let c = one(&diff(&[res("app", json!({"name": "shop"}))], &state), "app");
        assert_eq!(c.action, Action::Create);
        assert!(c.reason.contains("namesake"), "{}", c.reason);
    }

    #[test]
    fn unavailable_resources_are_neither_created_nor_deleted() {
        let state = LiveState {
            resources: vec![res("campaign.old", json!({"name": "old"}))],
            unavailable: vec![
                Unavailable {
                    address: "segment.*".parse().unwrap(),
                    message: "segments are no longer supported".into(),
                },
                Unavailable {
                    address: "campaign.old".parse().unwrap(),
                    message: "gone".into(),
                },
            ],
            ..LiveState::default()
        };
        let desired = vec![
            res("segment.vip", json!({"name": "vip"})),
            res("template.t", json!({"name": "t"})),
        ];
        let changes = diff(&desired, &state);
        let addresses: Vec<String> = changes.iter().map(|c| c.address.to_string()).collect();
        assert_eq!(addresses, ["template.t"]);
    }

    #[test]
    fn pointer_tokens_are_escaped() {
        let mut p = String::new();
        push_token(&mut p, "a/b~c");
        assert_eq!(p, "/a~1b~0c");
    }
}
