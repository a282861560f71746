//! The resource value both sides of a diff share.
//!
//! The spec (desired) and the provider (live) both produce [`Resource`]s. The
//! engine compares two resources at the same [`Address`] field by field,
//! knowing nothing of AWS.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::secret::SecretRef;

/// Tag key that names the stack owning a taggable resource.
pub const TAG_STACK: &str = "reconcile:stack";
/// Tag key that names the resource's address inside its stack.
pub const TAG_KEY: &str = "reconcile:key";
/// Prefix of the app tags that hold write-only fingerprints
/// (`reconcile:fp:<address>`), so that any machine planning the stack reads them.
pub const TAG_FINGERPRINT_PREFIX: &str = "reconcile:fp:";

/// One resource, desired or live, in its canonical normalised form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub address: Address,
    /// The attributes in spec shape (snake_case keys, one to one with the API's
    /// fields), normalised: server defaults folded, references to other
    /// resources written as their addresses (`segment: high_value`), empty
    /// maps and lists dropped. This is what the diff compares.
    pub attrs: serde_json::Value,
    /// Fields AWS never returns (credentials, and a few plain write-only
    /// fields such as APNs `bundle_id`). Desired resources carry them so apply
    /// can send them; live resources leave this empty. Never compared: their
    /// fingerprint in `attrs` (`write_only_fingerprint`) is.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub write_only: BTreeMap<String, WriteOnly>,
    /// JSON pointers (RFC 6901) into `attrs` whose values are sensitive and must
    /// be masked by every renderer.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub sensitive: BTreeSet<String>,
    /// Addresses this resource refers to; the plan orders by these edges.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub depends_on: BTreeSet<Address>,
}

/// A write-only field's desired value. Secrets travel as references only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteOnly {
    /// A value that is not secret but that AWS does not return.
    Plain(serde_json::Value),
    /// A secret, by reference (`${env:NAME}`, `${file:path}`).
    Secret(SecretRef),
}

/// The attribute under which a resource's write-only fingerprint lives.
pub const FINGERPRINT_ATTR: &str = "write_only_fingerprint";
