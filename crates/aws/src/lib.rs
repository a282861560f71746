//! The AWS provider: `reconcile-engine`'s [`Provider`](reconcile_engine::Provider)
//! over aws-sdk-pinpoint, -iam, -kinesis and -cloudwatch.
//!
//! Start with [`AwsProvider`] (built from [`connect::Clients`], the SDK
//! clients made from the connection flags). [`read`] explains how the live
//! state is read with the fewest calls, [`tags`] what the provider keeps in
//! tags (ownership, write-only fingerprints, the index of owned resources),
//! [`provider`] how steps are carried out. The SDK mappings of the rich
//! Pinpoint kinds live in [`segments`], [`templates`] and [`campaigns`];
//! [`engagement`] orchestrates them. What the mappings of several kinds
//! share is in [`mapping`], and every create starts with the same preamble
//! (`create`).

pub mod app;
pub mod campaigns;
pub mod channels;
pub mod cloudwatch;
pub mod connect;
mod create;
mod dimensions;
pub mod endpoints;
pub mod engagement;
pub mod errors;
pub mod event_stream;
pub mod export;
pub mod iam;
pub mod ids;
pub mod kinesis;
pub mod mapping;
pub mod ownership;
pub mod paging;
pub mod provider;
pub mod read;
pub mod secrets;
pub mod segments;
pub mod send;
pub mod status;
pub mod tags;
pub mod templates;

pub use connect::{Clients, ConnectOptions};
pub use provider::{AwsProvider, ProviderOptions};
