//! The `Provider` trait: how the engine reads and changes the live account.
//!
//! The engine knows resources only as [`Resource`] values at [`Address`]es.
//! A provider (AWS through the SDKs in `reconcile-aws`) turns those into API
//! calls, keeps the mapping from addresses to server-generated ids, and
//! normalises what it reads so that an unchanged resource compares equal.

use std::future::Future;

use reconcile_model::{Address, Resource};
use serde::{Deserialize, Serialize};

use crate::change::Action;

/// What to read.
#[derive(Debug, Clone)]
pub struct ReadRequest<'a> {
    /// The stack whose resources (by tag `reconcile:stack`) are read.
    pub stack: &'a str,
    /// The desired resources; those not found by tag are looked up by name
    /// so that an unowned namesake is reported (or adopted).
    pub desired: &'a [Resource],
    /// Take over unowned resources that carry a wanted name.
    pub adopt: bool,
}

/// What the account holds for a stack.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LiveState {
    /// Live resources at their addresses: those the stack owns, and (with
    /// `adopt`) unowned namesakes of desired resources.
    pub resources: Vec<Resource>,
    /// Addresses of `resources` that are not yet owned and will be adopted.
    #[serde(default)]
    pub adopted: Vec<Address>,
    /// Resources that exist with a wanted name but belong to no stack or to
    /// another one (without `adopt`).
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    /// Parts the service refused to read (end of support, permissions).
    #[serde(default)]
    pub unavailable: Vec<Unavailable>,
}

/// An unowned resource where the spec wants one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub address: Address,
    /// How the live resource is known (its id or ARN).
    pub live_id: String,
    /// The stack that owns it, if another one does.
    pub owner: Option<String>,
    pub message: String,
}

/// A resource (or a whole kind of them) that could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unavailable {
    pub address: Address,
    /// AWS's own message.
    pub message: String,
}

/// One step for the provider to carry out.
#[derive(Debug, Clone)]
pub struct StepRequest<'a> {
    /// `Create`, `Update` or `Delete` (the executor splits `Replace` into a
    /// delete and a create).
    pub action: Action,
    pub address: &'a Address,
    pub before: Option<&'a Resource>,
    pub after: Option<&'a Resource>,
    /// Tag the live resource as this stack's first.
    pub adopt: bool,
}

/// The result of a step: the resource as it is now (`None` after a delete).
#[derive(Debug, Clone)]
pub struct StepOutcome {
    pub after: Option<Resource>,
}

/// Why a provider call failed; the executor's retry policy reads this.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The service refused because of rate; retry later.
    #[error("throttled: {0}")]
    Throttled(String),
    /// The request may or may not have taken effect (timeout, 5xx, lost
    /// response). A create must be looked up before it is retried.
    #[error("outcome unknown: {0}")]
    UnknownOutcome(String),
    /// The service no longer serves this operation family.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The resource to change does not exist.
    #[error("`{0}` does not exist")]
    NotFound(Address),
    /// The service rejected the request; retrying will not help.
    #[error("{code}: {message}")]
    Rejected { code: String, message: String },
    /// A secret reference could not be resolved.
    #[error("secret for `{address}`: {message}")]
    Secret { address: Address, message: String },
    /// Anything else.
    #[error("{0}")]
    Other(String),
    /// Anything else, caused by another error (an SDK's, a parser's): the
    /// message is shown as [`ProviderError::Other`]'s is, and the error it
    /// came from stays reachable as its `source()`.
    #[error("{message}")]
    Caused {
        message: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl ProviderError {
    /// Whether trying again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::Throttled(_) | ProviderError::UnknownOutcome(_)
        )
    }
}

/// Reads and changes the live account.
pub trait Provider: Send + Sync + 'static {
    /// Reads everything the stack owns and everything the spec names.
    fn read(
        &self,
        req: &ReadRequest<'_>,
    ) -> impl Future<Output = Result<LiveState, ProviderError>> + Send;

    /// Carries out one step.
    fn apply(
        &self,
        step: &StepRequest<'_>,
    ) -> impl Future<Output = Result<StepOutcome, ProviderError>> + Send;

    /// After a create whose outcome is unknown: the resource if it exists
    /// (found by the stack's tags), so that the create is not repeated.
    fn find(
        &self,
        stack: &str,
        address: &Address,
    ) -> impl Future<Output = Result<Option<Resource>, ProviderError>> + Send;

    /// The operation class of a step, for client-side rate limits
    /// (e.g. `segment-write`, `template-write`, `endpoint-write`, `other`).
    fn rate_class(&self, address: &Address, action: Action) -> &'static str;
}
