//! No code. This crate exists for its `Cargo.toml`: it turns on, for the
//! `reconcile` binary, the features that the test build turns on anyway, so
//! that `cargo build` followed by `cargo test --workspace` compiles no
//! dependency twice. See the manifest for why and how the list is kept.
