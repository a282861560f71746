//! The machine rendering (`reconcile plan --format json`), format version 1.
//!
//! This is a stable, documented output for scripts and pipelines; it is not
//! the saved plan file (`--out`), which is [`Plan`] serialised for `apply`.
//! The same description lives in `docs/plan-format.md`.
//!
//! ```json
//! {
//!   "format_version": 1,
//!   "stack": "flash-sale",
//!   "spec_path": "specs/flash-sale.yaml",
//!   "live_fingerprint": "9f2c…",
//!   "has_changes": true,
//!   "summary": {"create": 3, "update": 1, "replace": 0, "delete": 1, "no_op": 2, "adopt": 0},
//!   "changes": [
//!     {
//!       "address": "segment.high_value",
//!       "kind": "segment",
//!       "action": "update",
//!       "reason": "1 field changed: /dimensions/demographic/platform/values",
//!       "adopt": false,
//!       "changed_paths": ["/dimensions/demographic/platform/values"],
//!       "sensitive_paths": [],
//!       "depends_on": ["app"],
//!       "before": {"name": "high-value-customers", "dimensions": {…}},
//!       "after": {"name": "high-value-customers", "dimensions": {…}}
//!     }
//!   ],
//!   "edges": [{"before": "app", "after": "segment.high_value"}],
//!   "conflicts": [{"address": "app", "live_id": "4f1…", "owner": null, "message": "…"}],
//!   "unavailable": [{"address": "segment.*", "message": "…"}]
//! }
//! ```
//!
//! - `format_version`: bumped on any incompatible change; fields may be added
//!   within a version.
//! - `summary`: counts per action; `adopt` counts changes that take over an
//!   unowned resource (those are also counted under their action).
//! - `changes`: every resource, no-ops included, in execution order.
//!   `action` is one of `create`, `update`, `replace`, `delete`, `no-op`.
//!   `before` is the live attributes (`null` for a create), `after` the
//!   desired ones (`null` for a delete). `changed_paths` are RFC 6901
//!   pointers into those attributes (empty for creates, deletes and no-ops).
//!   `depends_on` is what the desired resource (the live one for a delete)
//!   refers to.
//! - Sensitive values: every value at or below a pointer of
//!   `sensitive_paths`, and the write-only fingerprint
//!   `/write_only_fingerprint`, is the string `"(sensitive)"`. Secrets are
//!   never in the output.
//! - `edges`: `before` must finish before `after` starts (deletes already
//!   reversed).
//! - `conflicts`: resources that exist with a wanted name but that this stack
//!   does not own (`owner` is the stack that does, or `null`).
//! - `unavailable`: what AWS refused to read, with its message; an address
//!   with key `*` (`segment.*`) stands for the whole kind. Those resources get
//!   no change.

use serde_json::{Value, json};

use super::masked_attrs;
use crate::change::{Action, Change};
use crate::plan::Plan;

/// The version of this output format.
pub const FORMAT_VERSION: u32 = 1;

/// Renders a plan for machines (see the module docs for the format).
pub fn json(plan: &Plan) -> Value {
    let s = plan.summary();
    json!({
        "format_version": FORMAT_VERSION,
        "stack": plan.stack,
        "spec_path": plan.spec_path,
        "live_fingerprint": plan.live_fingerprint,
        "has_changes": plan.has_changes(),
        "summary": {
            "create": s.create,
            "update": s.update,
            "replace": s.replace,
            "delete": s.delete,
            "no_op": s.no_op,
            "adopt": s.adopt,
        },
        "changes": plan.changes.iter().map(change).collect::<Vec<_>>(),
        "edges": plan.edges.iter().map(|e| json!({
            "before": e.before.to_string(),
            "after": e.after.to_string(),
        })).collect::<Vec<_>>(),
        "conflicts": plan.conflicts.iter().map(|c| json!({
            "address": c.address.to_string(),
            "live_id": c.live_id,
            "owner": c.owner,
            "message": c.message,
        })).collect::<Vec<_>>(),
        "unavailable": plan.unavailable.iter().map(|u| json!({
            "address": u.address.to_string(),
            "message": u.message,
        })).collect::<Vec<_>>(),
    })
}

fn change(c: &Change) -> Value {
    let refers = if c.action == Action::Delete {
        c.before.as_ref()
    } else {
        c.after.as_ref()
    };
    let depends_on: Vec<String> = refers
        .map(|r| r.depends_on.iter().map(ToString::to_string).collect())
        .unwrap_or_default();
    json!({
        "address": c.address.to_string(),
        "kind": c.address.kind.as_str(),
        "action": c.action.as_str(),
        "reason": c.reason,
        "adopt": c.adopt,
        "changed_paths": c.changed_paths,
        "sensitive_paths": c.sensitive,
        "depends_on": depends_on,
        "before": masked_attrs(c.before.as_ref(), &c.sensitive),
        "after": masked_attrs(c.after.as_ref(), &c.sensitive),
    })
}
