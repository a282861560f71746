//! Test knobs: added latency, per-operation quotas, injected faults, request
//! counters. Configured by flags at start and on the control path
//! `/_emulator/...`, which no AWS API uses.
//!
//! Every decision is reproducible: the latency jitter and the random faults
//! of the `n`-th request to an operation (counted since start or the last
//! reset) come from a ChaCha generator seeded with `(seed, operation, n)`, so
//! the same seed gives the same faults at the same calls even when other
//! operations interleave differently. Scripted faults hit an exact call.
//!
//! Quotas are token buckets per operation with rate = burst, AWS's published
//! per-account rates ([`quota`]); they are off by default.
//!
//! ## Control path
//!
//! | request | effect |
//! |---|---|
//! | `GET /_emulator/counts` | requests per `Service:Operation` since the last reset |
//! | `GET /_emulator/faults` | of those, the ones answered with a fault, per operation: `{"throttled": n, "server_errors": n, "dropped": n}` |
//! | `POST /_emulator/reset` | counters, quota buckets; `?state=true` also empties the state |
//! | `GET /_emulator/knobs`, `PUT /_emulator/knobs` | the [`Knobs`] as JSON (PUT replaces them) |
//! | `POST /_emulator/clock` `{"advance_ms": N}` | moves the emulator's clock forward, at most [`MAX_CLOCK_OFFSET_MS`] (100 years) ahead in all |
//! | `PUT /_emulator/end-of-support` `{"enabled": true, "shape": "mixed"}` | answers as Pinpoint after its end of support; `shape` (optional) says how retired operations are refused (see [`crate::pinpoint::retired`]) |
//! | `GET /_emulator/state` | the whole state, as JSON (debugging) |
//!
//! Every input is checked before it takes effect, and refused with 400 and
//! a message naming the field otherwise: unknown fields, probabilities
//! outside `0..=1`, latencies over [`MAX_LATENCY_MS`], rates outside
//! `0..=`[`MAX_RATE`], scripted faults at call 0, a clock that would run
//! more than 100 years ahead. Nothing here can make a later request panic.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::state::MAX_CLOCK_OFFSET_MS;

/// The most latency (and, apart, jitter) a request may be given: ten
/// minutes, longer than any client timeout worth testing.
pub const MAX_LATENCY_MS: u64 = 10 * 60 * 1000;

/// The highest quota rate an override may set, in requests per second.
pub const MAX_RATE: f64 = 1_000_000.0;

/// The knob settings. [`Knobs::check`] says whether they are in range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Knobs {
    /// Fixed latency added to every AWS request, in milliseconds.
    pub latency_ms: u64,
    /// Random extra latency, uniform in `0..=jitter_ms`.
    pub jitter_ms: u64,
    /// Enforce AWS's published per-operation rates (throttle beyond them).
    pub quotas: bool,
    /// Rates that replace [`quota`]'s, in requests per second, keyed
    /// `Service:Operation` (e.g. `IAM:GetRole`). Used when `quotas` is on.
    pub rates: BTreeMap<String, f64>,
    /// Probability of an injected 500.
    pub error_rate: f64,
    /// Probability of an injected throttle.
    pub throttle_rate: f64,
    /// Probability that a mutating request is committed and its response lost.
    pub drop_rate: f64,
    /// Random faults hit only these operations (`Service:Operation` or
    /// `Service:*`); empty means all.
    pub fault_ops: Vec<String>,
    /// Faults at exact calls, whatever the rates say.
    pub script: Vec<ScriptedFault>,
    /// Seed of the fault generator.
    pub seed: u64,
}

/// A knob out of its range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("knob `{field}` is {value}: {expected}")]
pub struct InvalidKnob {
    /// `error_rate`, `rates["IAM:GetRole"]`, `script[2].nth`, …
    pub field: String,
    pub value: String,
    pub expected: String,
}

impl Knobs {
    /// Whether every knob is in its range; the first one that is not.
    pub fn check(&self) -> Result<(), InvalidKnob> {
        let bad = |field: String, value: String, expected: String| {
            Err(InvalidKnob {
                field,
                value,
                expected,
            })
        };
        for (field, p) in [
            ("error_rate", self.error_rate),
            ("throttle_rate", self.throttle_rate),
            ("drop_rate", self.drop_rate),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return bad(
                    field.into(),
                    p.to_string(),
                    "a probability is between 0 and 1".into(),
                );
            }
        }
        for (field, ms) in [
            ("latency_ms", self.latency_ms),
            ("jitter_ms", self.jitter_ms),
        ] {
            if ms > MAX_LATENCY_MS {
                return bad(
                    field.into(),
                    ms.to_string(),
                    format!("at most {MAX_LATENCY_MS} ms (ten minutes)"),
                );
            }
        }
        for (op, rate) in &self.rates {
            if !(0.0..=MAX_RATE).contains(rate) {
                return bad(
                    format!("rates[\"{op}\"]"),
                    rate.to_string(),
                    format!("requests per second, between 0 and {MAX_RATE}"),
                );
            }
        }
        for (i, s) in self.script.iter().enumerate() {
            if s.nth == 0 {
                return bad(
                    format!("script[{i}].nth"),
                    "0".into(),
                    "calls are counted from 1".into(),
                );
            }
            if s.op.is_empty() {
                return bad(
                    format!("script[{i}].op"),
                    "empty".into(),
                    "`Service:Operation` or `Service:*`".into(),
                );
            }
        }
        if let Some(i) = self.fault_ops.iter().position(String::is_empty) {
            return bad(
                format!("fault_ops[{i}]"),
                "empty".into(),
                "`Service:Operation` or `Service:*`".into(),
            );
        }
        Ok(())
    }
}

/// A fault for the `nth` request (1-based, counted since start or the last
/// reset) to `op` (`Service:Operation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedFault {
    pub op: String,
    pub nth: u64,
    pub fault: Fault,
}

/// What the knobs decide for one request before it is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    None,
    /// Answer the protocol's throttle (Pinpoint: 429 `TooManyRequestsException`).
    Throttle,
    /// Answer 500 without touching state.
    ServerError,
    /// Handle the request, commit, then drop the response.
    DropAfterCommit,
}

/// AWS's published default rate for `Service:Operation`, in requests per
/// second per account and region (rate = burst).
///
/// Pinpoint: the current quotas page (reference, section 6). Kinesis: the
/// per-API limits of its API reference (per-shard data-plane limits are
/// applied account-wide here). CloudWatch: its service quotas page (alarm
/// APIs). IAM publishes no per-API rate; 20/s is our choice.
pub fn quota(op: &str) -> f64 {
    let (service, name) = op.split_once(':').unwrap_or(("", op));
    match service {
        "Pinpoint" => match name {
            "CreateCampaign" | "UpdateCampaign" | "DeleteCampaign" | "CreateSegment"
            | "UpdateSegment" | "DeleteSegment" => 25.0,
            "CreateEmailTemplate"
            | "UpdateEmailTemplate"
            | "CreatePushTemplate"
            | "UpdatePushTemplate"
            | "CreateSmsTemplate"
            | "UpdateSmsTemplate"
            | "CreateVoiceTemplate"
            | "UpdateVoiceTemplate"
            | "CreateInAppTemplate"
            | "UpdateInAppTemplate"
            | "GetEndpoint"
            | "UpdateEndpoint" => 10.0,
            "UpdateEndpointsBatch" => 2.0,
            "DeleteEndpoint" => 5.0,
            "PutEvents" => 15.0,
            "PhoneNumberValidate" => 20.0,
            "SendMessages" => 4000.0,
            "SendUsersMessages" => 6000.0,
            _ => 300.0,
        },
        "Kinesis" => match name {
            "DescribeStream" => 10.0,
            "DescribeStreamSummary" => 20.0,
            "ListShards" => 1000.0,
            "PutRecord" | "PutRecords" => 1000.0,
            // CreateStream, DeleteStream, ListStreams, tags, retention,
            // UpdateShardCount, GetShardIterator, GetRecords.
            _ => 5.0,
        },
        "CloudWatch" => match name {
            "DescribeAlarms" => 9.0,
            "PutMetricAlarm" | "DeleteAlarms" => 3.0,
            _ => 20.0,
        },
        _ => 20.0,
    }
}

/// The knobs' live state: settings, counters, quota buckets.
#[derive(Debug, Default)]
pub struct Runtime {
    inner: Mutex<RuntimeInner>,
}

#[derive(Debug, Default)]
struct RuntimeInner {
    knobs: Knobs,
    counts: BTreeMap<String, u64>,
    faults: BTreeMap<String, FaultCounts>,
    buckets: HashMap<String, Bucket>,
}

/// Requests of one operation answered with a fault (injected or by a quota).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultCounts {
    /// 429 `TooManyRequestsException` (a quota or an injected throttle).
    pub throttled: u64,
    /// Injected 5xx.
    pub server_errors: u64,
    /// Committed, then the response dropped.
    pub dropped: u64,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// The decision for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub latency: Duration,
    pub fault: Fault,
}

fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn matches_op(pattern: &str, op: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => op.starts_with(prefix),
        None => pattern == op,
    }
}

impl Runtime {
    pub fn new(knobs: Knobs) -> Self {
        Self {
            inner: Mutex::new(RuntimeInner {
                knobs,
                ..RuntimeInner::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RuntimeInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts the request and decides its latency and fault. `op` is
    /// `Service:Operation`, e.g. `Pinpoint:CreateSegment`.
    pub fn before(&self, op: &str, mutating: bool) -> (Duration, Fault) {
        let d = self.decide(op, mutating, Instant::now());
        (d.latency, d.fault)
    }

    /// [`Runtime::before`] at a given instant (quota buckets refill on it).
    pub fn decide(&self, op: &str, mutating: bool, now: Instant) -> Decision {
        let mut inner = self.lock();
        let n = {
            let c = inner.counts.entry(op.to_owned()).or_default();
            *c += 1;
            *c
        };
        let knobs = &inner.knobs;
        let mut rng = ChaCha8Rng::seed_from_u64(
            knobs.seed ^ fnv1a(op).rotate_left(17) ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15),
        );
        let jitter = if knobs.jitter_ms > 0 {
            rng.random_range(0..=knobs.jitter_ms)
        } else {
            0
        };
        let latency = Duration::from_millis(knobs.latency_ms.saturating_add(jitter));
        let roll: f64 = rng.random();

        let scripted = knobs
            .script
            .iter()
            .find(|s| s.nth == n && matches_op(&s.op, op))
            .map(|s| s.fault);
        let random =
            if knobs.fault_ops.is_empty() || knobs.fault_ops.iter().any(|p| matches_op(p, op)) {
                let t = knobs.throttle_rate.max(0.0);
                let e = t + knobs.error_rate.max(0.0);
                let d = e + knobs.drop_rate.max(0.0);
                if roll < t {
                    Fault::Throttle
                } else if roll < e {
                    Fault::ServerError
                } else if mutating && roll < d {
                    Fault::DropAfterCommit
                } else {
                    Fault::None
                }
            } else {
                Fault::None
            };
        let rate = knobs
            .quotas
            .then(|| knobs.rates.get(op).copied().unwrap_or_else(|| quota(op)));

        let mut fault = scripted.unwrap_or(random);
        if let Some(rate) = rate {
            let bucket = inner.buckets.entry(op.to_owned()).or_insert(Bucket {
                tokens: rate,
                last: now,
            });
            let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
            bucket.tokens = (bucket.tokens + elapsed * rate).min(rate);
            bucket.last = now;
            if bucket.tokens >= 1.0 {
                bucket.tokens -= 1.0;
            } else if fault == Fault::None {
                fault = Fault::Throttle;
            }
        }
        if fault != Fault::None {
            let f = inner.faults.entry(op.to_owned()).or_default();
            match fault {
                Fault::Throttle => f.throttled += 1,
                Fault::ServerError => f.server_errors += 1,
                Fault::DropAfterCommit => f.dropped += 1,
                Fault::None => {}
            }
        }
        Decision { latency, fault }
    }

    /// Requests seen per operation since start or the last reset.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.lock().counts.clone()
    }

    /// Of [`Runtime::counts`], the requests answered with a fault, per
    /// operation (operations without one are absent).
    pub fn faults(&self) -> BTreeMap<String, FaultCounts> {
        self.lock().faults.clone()
    }

    pub fn knobs(&self) -> Knobs {
        self.lock().knobs.clone()
    }

    /// Replaces the knobs; quota buckets start full again.
    pub fn set_knobs(&self, knobs: Knobs) {
        let mut inner = self.lock();
        inner.knobs = knobs;
        inner.buckets.clear();
    }

    /// Clears the counters (so scripted faults count from one again) and
    /// refills the quota buckets.
    pub fn reset_counts(&self) {
        let mut inner = self.lock();
        inner.counts.clear();
        inner.faults.clear();
        inner.buckets.clear();
    }
}

use crate::dispatch::{Emulator, Service};
use crate::wire::{Ctx, Reply, Request};

fn json_reply(status: StatusCode, value: &serde_json::Value) -> Reply {
    Reply::new(
        status,
        "application/json",
        serde_json::to_vec(value).unwrap_or_default(),
    )
}

fn control_error(status: StatusCode, message: &str) -> Reply {
    json_reply(status, &serde_json::json!({ "message": message }))
}

/// Answers the control path `/_emulator/...` (see the module docs).
pub fn control(em: &Emulator, req: &Request) -> Reply {
    let path = req.raw_path.trim_end_matches('/');
    match (&req.method, path) {
        (&Method::GET, "/_emulator/counts") => {
            json_reply(StatusCode::OK, &serde_json::json!(em.knobs().counts()))
        }
        (&Method::GET, "/_emulator/faults") => {
            json_reply(StatusCode::OK, &serde_json::json!(em.knobs().faults()))
        }
        (&Method::POST, "/_emulator/reset") => {
            em.knobs().reset_counts();
            let clear_state = req.query_param("state") == Some("true");
            if clear_state && let Err(e) = em.replace_state(|s| *s = crate::state::State::default())
            {
                return control_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
            }
            json_reply(
                StatusCode::OK,
                &serde_json::json!({ "counts": "reset", "state": if clear_state { "reset" } else { "kept" } }),
            )
        }
        (&Method::GET, "/_emulator/knobs") => json_reply(
            StatusCode::OK,
            &serde_json::to_value(em.knobs().knobs()).unwrap_or_default(),
        ),
        (&Method::PUT, "/_emulator/knobs") => {
            match serde_json::from_slice::<Knobs>(&req.body)
                .map_err(|e| e.to_string())
                .and_then(|k| k.check().map(|()| k).map_err(|e| e.to_string()))
            {
                Ok(k) => {
                    em.knobs().set_knobs(k.clone());
                    json_reply(StatusCode::OK, &serde_json::to_value(k).unwrap_or_default())
                }
                Err(e) => control_error(StatusCode::BAD_REQUEST, &format!("invalid knobs: {e}")),
            }
        }
        (&Method::POST, "/_emulator/clock") => advance_clock(em, req),
        (&Method::PUT, "/_emulator/end-of-support") => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Switch {
                enabled: bool,
                #[serde(default)]
                shape: Option<crate::pinpoint::retired::RetiredShape>,
            }
            match serde_json::from_slice::<Switch>(&req.body) {
                Ok(s) => match em.replace_state(|st| {
                    st.end_of_support = s.enabled;
                    if let Some(shape) = s.shape {
                        st.retired_shape = shape;
                    }
                    st.retired_shape
                }) {
                    Ok(shape) => json_reply(
                        StatusCode::OK,
                        &serde_json::json!({ "enabled": s.enabled, "shape": shape }),
                    ),
                    Err(e) => control_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
                },
                Err(e) => control_error(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "expected {{\"enabled\": true|false, \"shape\": \"forbidden|not-found|bad-request|unknown-operation|mixed\"}}: {e}"
                    ),
                ),
            }
        }
        (&Method::GET, "/_emulator/state") => {
            // Straight to bytes: `serde_json::Value` cannot hold the 128-bit
            // Kinesis hash keys and sequence numbers (the dump was `null`
            // once a stream existed).
            match em.with_state(|s| serde_json::to_vec(&*s)) {
                Ok(bytes) => Reply::new(StatusCode::OK, "application/json", bytes),
                Err(e) => control_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
            }
        }
        (
            _,
            "/_emulator/counts"
            | "/_emulator/faults"
            | "/_emulator/reset"
            | "/_emulator/knobs"
            | "/_emulator/clock"
            | "/_emulator/end-of-support"
            | "/_emulator/state",
        ) => control_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed on this control path",
        ),
        _ => control_error(StatusCode::NOT_FOUND, "unknown control path"),
    }
}

/// `POST /_emulator/clock`: forward only, and never further than
/// [`MAX_CLOCK_OFFSET_MS`] ahead in all (checked under the state's lock, so
/// that two processes advancing at once cannot pass it together).
fn advance_clock(em: &Emulator, req: &Request) -> Reply {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Advance {
        advance_ms: i64,
    }
    let a = match serde_json::from_slice::<Advance>(&req.body) {
        Ok(a) => a,
        Err(e) => {
            return control_error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "expected {{\"advance_ms\": N}} with 0 <= N <= {MAX_CLOCK_OFFSET_MS}: {e}"
                ),
            );
        }
    };
    if a.advance_ms < 0 {
        return control_error(StatusCode::BAD_REQUEST, "the clock only moves forward");
    }
    let moved = em.update(|s| match s.clock_offset_ms.checked_add(a.advance_ms) {
        Some(offset) if offset <= MAX_CLOCK_OFFSET_MS => {
            s.clock_offset_ms = offset;
            Ok(offset)
        }
        _ => Err(format!(
            "`advance_ms` {} would put the clock more than {MAX_CLOCK_OFFSET_MS} ms (100 years) \
             ahead (it is {} ms ahead now)",
            a.advance_ms, s.clock_offset_ms
        )),
    });
    match moved {
        Ok(Ok(offset)) => json_reply(
            StatusCode::OK,
            &serde_json::json!({ "clock_offset_ms": offset }),
        ),
        Ok(Err(message)) => control_error(StatusCode::BAD_REQUEST, &message),
        Err(e) => control_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// The reply for a request that names no operation the service serves, in
/// that protocol's shape.
pub fn unknown_operation(service: Service, ctx: &Ctx, req: &Request) -> Reply {
    service.unknown_operation(ctx, req)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knobs(f: impl FnOnce(&mut Knobs)) -> Runtime {
        let mut k = Knobs::default();
        f(&mut k);
        Runtime::new(k)
    }

    #[test]
    fn off_by_default() {
        let rt = Runtime::default();
        let now = Instant::now();
        for _ in 0..1000 {
            let d = rt.decide("Pinpoint:UpdateEndpointsBatch", true, now);
            assert_eq!(d.fault, Fault::None);
            assert_eq!(d.latency, Duration::ZERO);
        }
        assert_eq!(rt.counts()["Pinpoint:UpdateEndpointsBatch"], 1000);
    }

    #[test]
    fn same_seed_same_faults_whatever_the_interleaving() {
        let set = |k: &mut Knobs| {
            k.seed = 42;
            k.error_rate = 0.2;
            k.throttle_rate = 0.2;
            k.drop_rate = 0.2;
            k.jitter_ms = 50;
        };
        let a = knobs(set);
        let b = knobs(set);
        let now = Instant::now();
        let seq_a: Vec<Decision> = (0..200)
            .map(|_| a.decide("IAM:CreateRole", true, now))
            .collect();
        let mut seq_b = Vec::new();
        for _ in 0..200 {
            b.decide("Kinesis:PutRecord", true, now);
            seq_b.push(b.decide("IAM:CreateRole", true, now));
        }
        assert_eq!(seq_a, seq_b);
        let faults = seq_a.iter().filter(|d| d.fault != Fault::None).count();
        assert!(
            (80..160).contains(&faults),
            "about 60% faulted, got {faults}"
        );
        assert!(seq_a.iter().any(|d| d.latency > Duration::ZERO));
        assert!(seq_a.iter().all(|d| d.latency <= Duration::from_millis(50)));

        let other = knobs(|k| {
            set(k);
            k.seed = 43;
        });
        let seq_c: Vec<Decision> = (0..200)
            .map(|_| other.decide("IAM:CreateRole", true, now))
            .collect();
        assert_ne!(seq_a, seq_c);
    }

    #[test]
    fn drops_only_mutating_requests() {
        let rt = knobs(|k| k.drop_rate = 1.0);
        let now = Instant::now();
        assert_eq!(rt.decide("IAM:GetRole", false, now).fault, Fault::None);
        assert_eq!(
            rt.decide("IAM:CreateRole", true, now).fault,
            Fault::DropAfterCommit
        );
    }

    #[test]
    fn quotas_are_token_buckets_with_rate_equal_to_burst() {
        let rt = knobs(|k| k.quotas = true);
        let t0 = Instant::now();
        let allowed = (0..10)
            .filter(|_| rt.decide("Pinpoint:UpdateEndpointsBatch", true, t0).fault == Fault::None)
            .count();
        assert_eq!(allowed, 2);
        // Half a second later one more token has come back.
        let t1 = t0 + Duration::from_millis(500);
        assert_eq!(
            rt.decide("Pinpoint:UpdateEndpointsBatch", true, t1).fault,
            Fault::None
        );
        assert_eq!(
            rt.decide("Pinpoint:UpdateEndpointsBatch", true, t1).fault,
            Fault::Throttle
        );
        // 12 requests, 3 let through: 9 throttled, counted apart.
        assert_eq!(rt.counts()["Pinpoint:UpdateEndpointsBatch"], 12);
        assert_eq!(
            rt.faults()["Pinpoint:UpdateEndpointsBatch"],
            FaultCounts {
                throttled: 9,
                ..FaultCounts::default()
            }
        );
        // Other operations have their own bucket.
        assert_eq!(rt.decide("Pinpoint:GetApps", false, t1).fault, Fault::None);
        // Overrides replace the published rate.
        rt.set_knobs(Knobs {
            quotas: true,
            rates: [("Pinpoint:UpdateEndpointsBatch".to_owned(), 5.0)].into(),
            ..Knobs::default()
        });
        let allowed = (0..10)
            .filter(|_| rt.decide("Pinpoint:UpdateEndpointsBatch", true, t1).fault == Fault::None)
            .count();
        assert_eq!(allowed, 5);
    }

    #[test]
    fn scripted_faults_hit_the_exact_call_and_restart_after_reset() {
        let rt = knobs(|k| {
            k.script = vec![ScriptedFault {
                op: "Kinesis:*".into(),
                nth: 2,
                fault: Fault::ServerError,
            }];
        });
        let now = Instant::now();
        assert_eq!(
            rt.decide("Kinesis:CreateStream", true, now).fault,
            Fault::None
        );
        assert_eq!(
            rt.decide("Kinesis:CreateStream", true, now).fault,
            Fault::ServerError
        );
        assert_eq!(
            rt.decide("Kinesis:CreateStream", true, now).fault,
            Fault::None
        );
        assert_eq!(rt.faults()["Kinesis:CreateStream"].server_errors, 1);
        rt.reset_counts();
        assert!(rt.faults().is_empty());
        rt.decide("Kinesis:CreateStream", true, now);
        assert_eq!(
            rt.decide("Kinesis:CreateStream", true, now).fault,
            Fault::ServerError
        );
    }

    #[test]
    fn published_rates() {
        assert!((quota("Pinpoint:CreateCampaign") - 25.0).abs() < f64::EPSILON);
        assert!((quota("Pinpoint:CreatePushTemplate") - 10.0).abs() < f64::EPSILON);
        assert!((quota("Pinpoint:SendMessages") - 4000.0).abs() < f64::EPSILON);
        assert!((quota("Pinpoint:GetApps") - 300.0).abs() < f64::EPSILON);
        assert!((quota("Kinesis:DescribeStreamSummary") - 20.0).abs() < f64::EPSILON);
    }
}
