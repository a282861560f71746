//! Changes and plans: the data contract between diff, renderers, plan files
//! and the executor.

use std::collections::BTreeSet;

use reconcile_model::{Address, Resource};
use serde::{Deserialize, Serialize};

/// What a change does to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Nothing to do. `before` and `after` are both set and equal after
    /// normalisation.
    NoOp,
    /// The resource does not exist. `before` is `None`; `after` is the desired
    /// resource.
    Create,
    /// Changed in place. `before` is the live resource, `after` the desired.
    Update,
    /// A field that cannot change in place changed: delete then create.
    /// `before` is live, `after` desired.
    Replace,
    /// Owned by the stack, gone from the spec. `before` is live; `after` is
    /// `None`.
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::NoOp => "no-op",
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
        }
    }
}

/// One resource's change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub address: Address,
    pub action: Action,
    /// The live resource (see [`Action`] for when it is set).
    pub before: Option<Resource>,
    /// The desired resource (see [`Action`] for when it is set).
    pub after: Option<Resource>,
    /// The resource exists but is not owned by this stack and `--adopt` was
    /// given: apply tags it as the stack's before anything else.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adopt: bool,
    /// JSON pointers (into `attrs`) of the fields that differ. For display
    /// and for the executor's re-check; must not be used to build requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed_paths: Vec<String>,
    /// Pointers whose values are sensitive (union of both sides' `sensitive`).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub sensitive: BTreeSet<String>,
    /// Why, for people: "segment.vip is not in the account", "dimensions
    /// changed", "template name cannot change in place".
    pub reason: String,
}
