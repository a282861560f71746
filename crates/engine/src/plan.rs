//! The plan: changes, the order between them, and the origin it was made from.

use reconcile_model::Address;
use serde::{Deserialize, Serialize};

use crate::change::Change;
use crate::provider::{Conflict, Unavailable};

/// The version of the saved plan format (`--out plan.json`). Bumped on any
/// incompatible change; `apply` refuses other versions.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// An ordered set of changes for one stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Always [`PLAN_FORMAT_VERSION`] when written by this build.
    pub format_version: u32,
    pub stack: String,
    /// The spec the plan was made from (as given on the command line), and
    /// the directory secret files are resolved against (absolute).
    pub spec_path: String,
    pub spec_dir: String,
    /// Every resource's change, no-ops included, in a valid execution order.
    pub changes: Vec<Change>,
    /// `before` runs (and must succeed) before `after`. Deletes already have
    /// their edges reversed.
    pub edges: Vec<Edge>,
    /// A hash of the live state the plan was made from; `apply` of a saved
    /// plan re-reads the account and refuses when it differs.
    pub live_fingerprint: String,
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    #[serde(default)]
    pub unavailable: Vec<Unavailable>,
}

/// An ordering constraint between two changes of a plan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Edge {
    pub before: Address,
    pub after: Address,
}
