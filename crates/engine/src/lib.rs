//! The engine: from desired and live resources to an ordered plan, and from
//! a plan to changes in the account, journaled so that they can be reversed.
//!
//! Start with [`provider::Provider`] (how the live account is read and
//! changed) and [`change::Change`] (one resource's change).

pub mod change;
pub mod plan;
pub mod provider;

pub use change::{Action, Change};
pub use plan::{Edge, Plan};
pub use provider::{LiveState, Provider, ProviderError, ReadRequest, StepOutcome, StepRequest};
