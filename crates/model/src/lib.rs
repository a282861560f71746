//! The typed model of a push stack.
//!
//! Start with [`Spec`](spec::Spec) (what a user writes) and
//! [`Resource`](resource::Resource) (what both the spec and the live account
//! become, and what the engine diffs). [`address`] names resources,
//! [`secret`] keeps credentials out of everything that prints or persists.

pub mod address;
pub mod resource;
pub mod secret;

pub use address::{Address, Kind};
pub use resource::{Resource, WriteOnly};
pub use secret::{SecretRef, SecretValue};
