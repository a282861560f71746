//! The AWS provider: `reconcile-engine`'s [`Provider`](reconcile_engine::Provider)
//! over aws-sdk-pinpoint, -iam, -kinesis and -cloudwatch.
//!
//! Start with [`connect::Clients`] (the SDK clients built from the
//! connection flags).

pub mod connect;
pub mod errors;

pub use connect::{Clients, ConnectOptions};
