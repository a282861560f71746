//! A local AWS-compatible endpoint for the subset of Pinpoint, IAM, Kinesis and
//! CloudWatch that `reconcile` uses, faithful at the wire so that the Rust
//! SDKs, boto3 and the AWS CLI cannot tell it from AWS on what it serves.
//! It also serves the secrets a spec refers to: SSM Parameter Store
//! parameters ([`ssm`]: put, get, get several, delete) and Secrets Manager
//! secrets ([`secretsmanager`]: create, get value, put value, describe,
//! delete, restore), so that tests and `--local` runs can seed them with the
//! AWS CLI or an SDK.
//!
//! Start with [`Emulator`]: build one with a [`Config`], take its axum
//! [`Router`](axum::Router) with [`Emulator::router`] (tests call it with
//! `oneshot`), or [`Emulator::serve`] it on a loopback port. Requests go
//! through [`dispatch`], which finds the service from the wire protocol
//! (path `/v1/...` for Pinpoint, form `Action=` for IAM, `X-Amz-Target` for
//! Kinesis, SSM and Secrets Manager, the Smithy RPC v2 CBOR path for
//! CloudWatch), applies the test knobs of [`knobs`], and hands the request
//! to the service's module.
//!
//! With a state file, any number of emulators (in as many processes) share
//! it without losing a write: [`store`] says how. [`serve`] bounds what a
//! client that connects and stalls can hold.

pub mod awsjson;
pub mod dispatch;
pub mod knobs;
pub mod query;
pub mod serve;
pub mod state;
pub mod store;
pub mod wire;

pub mod cloudwatch;
pub mod iam;
pub mod kinesis;
pub mod pinpoint;
pub mod secretsmanager;
pub mod ssm;
pub mod sts;

pub use dispatch::{Emulator, StartError};
pub use pinpoint::retired::RetiredShape;
pub use state::{Api, Config};
