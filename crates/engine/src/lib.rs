//! The engine: from desired and live resources to an ordered plan, and from
//! a plan to changes in the account, journaled so that they can be reversed.
//!
//! Start with [`provider::Provider`] (how the live account is read and
//! changed) and [`change::Change`] (one resource's change).
//!
//! Planning: [`make_plan`] takes the desired resources (from the spec) and
//! the [`LiveState`] a provider read, runs the [`diff()`] (field-level
//! changes, [`Action::Replace`] where a field cannot change in place, which
//! the kind says: [`Kind::replace_paths`]), builds the dependency [`graph`]
//! (deletes reversed, cycles reported as [`GraphError::Cycle`]) and returns
//! a [`Plan`] in execution order, stamped with the [`live_fingerprint`] it
//! was made from.
//! [`Plan::save`] / [`Plan::load`] keep it as versioned JSON; [`render`]
//! shows it as text, JSON (documented in `docs/plan-format.md`) or Markdown.
//!
//! Applying: [`execute`] walks a plan's graph under a [`Lock`], journaling
//! each step ([`Journal`]) before it is sent and undoing the completed ones
//! when one fails; [`reverse_plan`] turns a journal back into a plan that
//! undoes the apply, which [`rollback`] runs; [`list_applies`] is the history.
//!
//! The engine knows no kind of resource: where a fact depends on the kind
//! (where it lives, which fields force a replace, what a delete costs), it
//! asks [`Kind`], which holds each as an exhaustive match.
//!
//! [`Kind`]: reconcile_model::Kind
//! [`Kind::replace_paths`]: reconcile_model::Kind::replace_paths

pub mod bind;
pub mod change;
pub mod diff;
pub mod executor;
pub mod graph;
pub mod journal;
pub mod lock;
pub mod plan;
pub mod planner;
pub mod provider;
pub mod ratelimit;
pub mod render;
pub mod reverse;

pub use change::{Action, Change};
pub use diff::diff;
pub use executor::{
    ApplyReport, ExecError, ExecOptions, OnFailure, ProgressEvent, RetryDecision, RollbackReport,
    error_policy, execute, rollback,
};
pub use graph::GraphError;
pub use journal::{
    ApplyOutcome, ApplySummary, HistoryOutcome, Journal, JournalError, JournalState, Record,
    RollbackOutcome, StepId, list_applies,
};
pub use lock::{Lock, LockError, LockGuard, LockHolder};
pub use plan::{Edge, Plan, PlanFileError, Summary};
pub use planner::{live_fingerprint, make_plan};
pub use provider::{LiveState, Provider, ProviderError, ReadRequest, StepOutcome, StepRequest};
pub use ratelimit::{RateLimiter, default_rates};
pub use render::TextOptions;
pub use reverse::{ReversePlan, UndoLink, reverse_plan};
