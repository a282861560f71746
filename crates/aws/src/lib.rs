//! The AWS provider: `reconcile-engine`'s [`Provider`](reconcile_engine::Provider)
//! over aws-sdk-pinpoint, -iam, -kinesis and -cloudwatch.
//!
//! Start with [`connect::Clients`] (the SDK clients built from the
//! connection flags).

pub mod campaigns;
pub mod connect;
pub mod errors;
pub mod segments;
pub mod templates;

pub use connect::{Clients, ConnectOptions};
