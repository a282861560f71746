//! Test knobs: added latency, per-operation quotas, injected faults, request
//! counters. Configured by flags at start and on the control path
//! `/_emulator/...`, which no AWS API uses.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The knob settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Knobs {
    /// Fixed latency added to every AWS request, in milliseconds.
    pub latency_ms: u64,
    /// Random extra latency, uniform in `0..=jitter_ms`.
    pub jitter_ms: u64,
    /// Enforce AWS's published per-operation rates (429 beyond them).
    pub quotas: bool,
    /// Probability of an injected 500.
    pub error_rate: f64,
    /// Probability of an injected 429.
    pub throttle_rate: f64,
    /// Probability that a mutating request is committed and its response lost.
    pub drop_rate: f64,
    /// Seed of the fault generator.
    pub seed: u64,
}

/// What the knobs decide for one request before it is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Answer 429 `TooManyRequestsException` (or the protocol's throttle).
    Throttle,
    /// Answer 500 without touching state.
    ServerError,
    /// Handle the request, commit, then drop the response.
    DropAfterCommit,
}

/// The knobs' live state: settings plus counters.
#[derive(Debug, Default)]
pub struct Runtime {
    inner: Mutex<RuntimeInner>,
}

#[derive(Debug, Default)]
struct RuntimeInner {
    knobs: Knobs,
    counts: BTreeMap<String, u64>,
}

impl Runtime {
    pub fn new(knobs: Knobs) -> Self {
        Self {
            inner: Mutex::new(RuntimeInner {
                knobs,
                counts: BTreeMap::new(),
            }),
        }
    }

    /// Counts the request and decides its latency and fault. `op` is
    /// `Service:Operation`, e.g. `Pinpoint:CreateSegment`.
    pub fn before(&self, op: &str, _mutating: bool) -> (Duration, Fault) {
        let mut inner = self.inner.lock().expect("knobs lock");
        *inner.counts.entry(op.to_owned()).or_default() += 1;
        (Duration::from_millis(inner.knobs.latency_ms), Fault::None)
    }

    /// Requests seen per operation since start or the last reset.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.inner.lock().expect("knobs lock").counts.clone()
    }

    pub fn knobs(&self) -> Knobs {
        self.inner.lock().expect("knobs lock").knobs.clone()
    }

    pub fn set_knobs(&self, knobs: Knobs) {
        self.inner.lock().expect("knobs lock").knobs = knobs;
    }

    pub fn reset_counts(&self) {
        self.inner.lock().expect("knobs lock").counts.clear();
    }
}

use crate::dispatch::{Emulator, Service};
use crate::wire::{Ctx, Reply, Request};

/// Answers the control path `/_emulator/...`.
pub fn control(em: &Emulator, req: &Request) -> Reply {
    match req.raw_path.as_str() {
        "/_emulator/counts" => Reply::new(
            axum::http::StatusCode::OK,
            "application/json",
            serde_json::to_vec(&em.knobs().counts()).expect("counts serialise"),
        ),
        _ => Reply::new(
            axum::http::StatusCode::NOT_FOUND,
            "application/json",
            r#"{"message":"unknown control path"}"#,
        ),
    }
}

/// The reply for a request that names no operation the service serves.
pub fn unknown_operation(service: Service, ctx: &Ctx, req: &Request) -> Reply {
    let _ = req;
    service.error(ctx, 400, "UnknownOperationException", "unknown operation")
}
