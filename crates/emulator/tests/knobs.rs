//! The test knobs and the control path, seen by real SDK clients: seeded
//! faults, quotas, lost responses, latency, counters, reset, the clock.
#![allow(clippy::redundant_closure_for_method_calls)] // `is_some_and(|e| e.is_x())` reads best

mod harness;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::StatusCode;
use harness::code;
use reconcile_emulator::Config;
use reconcile_emulator::knobs::{Fault, Knobs, ScriptedFault};
use serde_json::json;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pinpoint.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn config(knobs: Knobs) -> Config {
    Config {
        knobs,
        ..Config::default()
    }
}

/// The outcome of 40 `ListRoles` calls: `None` for success, else the code.
async fn outcomes(seed: u64) -> Vec<Option<String>> {
    let em = harness::start_with(config(Knobs {
        seed,
        error_rate: 0.25,
        throttle_rate: 0.25,
        ..Knobs::default()
    }))
    .await;
    let iam = harness::iam_no_retry(&em.url);
    let mut out = Vec::new();
    for _ in 0..40 {
        out.push(
            iam.list_roles()
                .send()
                .await
                .err()
                .map(|e| code(&e).unwrap_or_else(|| "transport".into())),
        );
    }
    out
}

#[tokio::test]
async fn seeded_faults_are_reproducible() {
    let a = outcomes(7).await;
    let b = outcomes(7).await;
    assert_eq!(a, b, "same seed, same faults");
    let faults = a.iter().flatten().count();
    assert!((8..=32).contains(&faults), "about half fail: {faults}");
    assert!(a.iter().flatten().any(|c| c == "ServiceFailure"), "{a:?}");
    assert!(a.iter().flatten().any(|c| c == "Throttling"), "{a:?}");
    assert_ne!(a, outcomes(8).await, "another seed, other faults");
}

#[tokio::test]
async fn quotas_throttle_beyond_the_rate() {
    let em = harness::start_with(config(Knobs {
        quotas: true,
        rates: [("IAM:ListRoles".to_owned(), 3.0)].into(),
        ..Knobs::default()
    }))
    .await;
    let iam = harness::iam_no_retry(&em.url);
    let mut throttled = Vec::new();
    for _ in 0..6 {
        if let Err(e) = iam.list_roles().send().await {
            assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(400));
            throttled.push(code(&e));
        }
    }
    // A burst of 3 passes; the other calls come faster than 3/s.
    assert!((2..=3).contains(&throttled.len()), "{throttled:?}");
    assert!(throttled.iter().all(|c| c.as_deref() == Some("Throttling")));
    // Other operations have their own bucket (IAM's default 20/s).
    iam.get_role()
        .role_name("x")
        .send()
        .await
        .expect_err("no such role, but not throttled");
    // Tokens come back with time.
    tokio::time::sleep(Duration::from_millis(400)).await;
    iam.list_roles().send().await.expect("one token refilled");

    // The SDK's standard retries ride out a short burst of throttles.
    let patient = harness::iam(&em.url);
    for _ in 0..2 {
        patient
            .list_roles()
            .send()
            .await
            .expect("retried after backoff");
    }
}

#[tokio::test]
async fn pinpoint_throttles_with_429() {
    let em = harness::start_with(config(Knobs {
        quotas: true,
        rates: [("Pinpoint:GetApps".to_owned(), 1.0)].into(),
        ..Knobs::default()
    }))
    .await;
    let get = || {
        harness::aws_request("GET", "/v1/apps", "mobiletargeting")
            .body(Body::empty())
            .unwrap()
    };
    let first = harness::raw(&em.emulator, get()).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let second = harness::raw(&em.emulator, get()).await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        second.header("x-amzn-errortype"),
        Some("TooManyRequestsException")
    );
}

#[tokio::test]
async fn lost_responses_commit_the_change() {
    let em = harness::start_with(config(Knobs {
        script: vec![ScriptedFault {
            op: "IAM:CreateRole".into(),
            nth: 1,
            fault: Fault::DropAfterCommit,
        }],
        ..Knobs::default()
    }))
    .await;
    let iam = harness::iam_no_retry(&em.url);
    let err = iam
        .create_role()
        .role_name("r")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect_err("the response is lost");
    assert!(
        err.as_service_error().is_none(),
        "a transport error, not a service error: {err:?}"
    );
    iam.get_role()
        .role_name("r")
        .send()
        .await
        .expect("but the role was created");
    let err = iam
        .create_role()
        .role_name("r")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect_err("a retry of the create");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_entity_already_exists_exception())
    );
}

#[tokio::test]
async fn injected_errors_leave_state_untouched() {
    let em = harness::start_with(config(Knobs {
        script: vec![
            ScriptedFault {
                op: "Kinesis:CreateStream".into(),
                nth: 1,
                fault: Fault::ServerError,
            },
            ScriptedFault {
                op: "Kinesis:CreateStream".into(),
                nth: 2,
                fault: Fault::Throttle,
            },
        ],
        ..Knobs::default()
    }))
    .await;
    let k = harness::kinesis_no_retry(&em.url);
    let err = k
        .create_stream()
        .stream_name("s")
        .shard_count(1)
        .send()
        .await
        .expect_err("500");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(500));
    assert_eq!(code(&err).as_deref(), Some("InternalFailure"));
    let err = k
        .create_stream()
        .stream_name("s")
        .shard_count(1)
        .send()
        .await
        .expect_err("throttled");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_limit_exceeded_exception())
    );
    assert!(
        k.list_streams()
            .send()
            .await
            .unwrap()
            .stream_names
            .is_empty()
    );
    k.create_stream()
        .stream_name("s")
        .shard_count(1)
        .send()
        .await
        .expect("third time");

    // With the SDK's default retries a single injected 500 is invisible.
    em.emulator.knobs().set_knobs(Knobs {
        script: vec![ScriptedFault {
            op: "Kinesis:ListStreams".into(),
            nth: 2,
            fault: Fault::ServerError,
        }],
        ..Knobs::default()
    });
    let patient = harness::kinesis(&em.url);
    let names = patient
        .list_streams()
        .send()
        .await
        .expect("retried")
        .stream_names;
    assert_eq!(names, vec!["s"]);
    assert_eq!(
        em.emulator.knobs().counts()["Kinesis:ListStreams"],
        3,
        "1 before, 2 now"
    );
}

#[tokio::test]
async fn latency_and_jitter() {
    let em = harness::start_with(config(Knobs {
        latency_ms: 120,
        jitter_ms: 30,
        ..Knobs::default()
    }))
    .await;
    let cw = harness::cloudwatch(&em.url);
    let t = Instant::now();
    cw.describe_alarms().send().await.expect("describe");
    let took = t.elapsed();
    assert!(took >= Duration::from_millis(120), "{took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[tokio::test]
async fn control_path() {
    let em = harness::start().await;
    let iam = harness::iam(&em.url);
    iam.create_role()
        .role_name("r")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    iam.get_role().role_name("r").send().await.unwrap();
    iam.get_role().role_name("r").send().await.unwrap();

    let counts = harness::control(&em.emulator, "GET", "/_emulator/counts", None).await;
    assert_eq!(counts.status, StatusCode::OK);
    assert_eq!(
        counts.json(),
        json!({"IAM:CreateRole": 1, "IAM:GetRole": 2})
    );

    // Knobs round-trip as JSON; partial documents take defaults.
    let put = harness::control(
        &em.emulator,
        "PUT",
        "/_emulator/knobs",
        Some(json!({"latency_ms": 5, "quotas": true, "seed": 3})),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK);
    let got = harness::control(&em.emulator, "GET", "/_emulator/knobs", None)
        .await
        .json();
    assert_eq!(got["latency_ms"], 5);
    assert_eq!(got["quotas"], true);
    assert_eq!(got["error_rate"], 0.0);
    let bad = harness::control(
        &em.emulator,
        "PUT",
        "/_emulator/knobs",
        Some(json!({"latency_ms": "slow"})),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // The clock.
    let before = em.emulator.with_state(|s| s.clock_offset_ms);
    harness::advance_clock(&em.emulator, 60_000).await;
    assert_eq!(
        em.emulator.with_state(|s| s.clock_offset_ms),
        before + 60_000
    );
    let back = harness::control(
        &em.emulator,
        "POST",
        "/_emulator/clock",
        Some(json!({"advance_ms": -1})),
    )
    .await;
    assert_eq!(back.status, StatusCode::BAD_REQUEST);

    // End of support.
    let eos = harness::control(
        &em.emulator,
        "PUT",
        "/_emulator/end-of-support",
        Some(json!({"enabled": true})),
    )
    .await;
    assert_eq!(eos.status, StatusCode::OK);
    let state = harness::control(&em.emulator, "GET", "/_emulator/state", None)
        .await
        .json();
    assert_eq!(state["end_of_support"], true);
    assert!(state["iam"]["roles"]["r"].is_object(), "{state}");

    // Reset: counters only, then the state too.
    let reset = harness::control(&em.emulator, "POST", "/_emulator/reset", None).await;
    assert_eq!(reset.status, StatusCode::OK);
    assert_eq!(
        harness::control(&em.emulator, "GET", "/_emulator/counts", None)
            .await
            .json(),
        json!({})
    );
    iam.get_role()
        .role_name("r")
        .send()
        .await
        .expect("state kept");
    harness::control(&em.emulator, "POST", "/_emulator/reset?state=true", None).await;
    let err = iam
        .get_role()
        .role_name("r")
        .send()
        .await
        .expect_err("state cleared");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_no_such_entity_exception())
    );

    assert_eq!(
        harness::control(&em.emulator, "GET", "/_emulator/nope", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        harness::control(&em.emulator, "DELETE", "/_emulator/knobs", None)
            .await
            .status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn requests_no_service_claims() {
    let em = harness::start().await;
    let r = harness::raw(
        &em.emulator,
        harness::aws_request("GET", "/favicon.ico", "s3")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let big = vec![b'a'; reconcile_emulator::dispatch::MAX_BODY + 1];
    let r = harness::raw(
        &em.emulator,
        harness::aws_request("POST", "/", "kinesis")
            .header("x-amz-target", "Kinesis_20131202.ListStreams")
            .body(Body::from(big))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["__type"], "RequestEntityTooLarge");
}

/// Knobs out of their range are refused with 400 naming the field, and the
/// knobs in force stay as they were; at start too.
#[tokio::test]
async fn out_of_range_knobs_are_refused() {
    let em = harness::start().await;
    let good = json!({"latency_ms": 5, "error_rate": 0.5});
    let put = harness::control(&em.emulator, "PUT", "/_emulator/knobs", Some(good)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text());
    for (bad, field) in [
        (json!({"error_rate": 1e308}), "error_rate"),
        (json!({"throttle_rate": -0.1}), "throttle_rate"),
        (json!({"drop_rate": 1.5}), "drop_rate"),
        // serde's own message: "expected u64 at line 1 column 16".
        (json!({"latency_ms": -5}), "expected u64"),
        (
            json!({"latency_ms": 18_446_744_073_709_551_615_u64}),
            "latency_ms",
        ),
        (json!({"jitter_ms": 600_001}), "jitter_ms"),
        (json!({"rates": {"IAM:GetRole": 1e308}}), "IAM:GetRole"),
        (json!({"rates": {"IAM:GetRole": -1.0}}), "IAM:GetRole"),
        (
            json!({"script": [{"op": "IAM:GetRole", "nth": 0, "fault": "throttle"}]}),
            "script[0].nth",
        ),
        (json!({"fault_ops": [""]}), "fault_ops[0]"),
        (json!({"error_rat": 0.5}), "error_rat"),
    ] {
        let r = harness::control(&em.emulator, "PUT", "/_emulator/knobs", Some(bad.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text());
        assert!(r.text().contains(field), "{bad}: {}", r.text());
    }
    let now = harness::control(&em.emulator, "GET", "/_emulator/knobs", None)
        .await
        .json();
    assert_eq!(
        (now["latency_ms"].clone(), now["error_rate"].clone()),
        (json!(5), json!(0.5))
    );

    let err = reconcile_emulator::Emulator::new(config(Knobs {
        error_rate: 1e308,
        ..Knobs::default()
    }))
    .expect_err("refused at start");
    assert!(err.to_string().contains("error_rate"), "{err}");
}

/// An advance that would put the clock past any date (it was accepted, and
/// every request then panicked, after a restart too) is refused with 400;
/// the emulator answers on and its clock has not moved. The bound is 100
/// years in all, checked on the sum.
#[tokio::test]
async fn a_huge_clock_advance_is_refused() {
    let em = harness::start().await;
    let max = reconcile_emulator::state::MAX_CLOCK_OFFSET_MS;
    for advance in [
        json!(i64::MAX),
        json!(max + 1),
        json!(u64::MAX),
        json!(1e300),
    ] {
        let r = harness::control(
            &em.emulator,
            "POST",
            "/_emulator/clock",
            Some(json!({ "advance_ms": advance })),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{advance}: {}", r.text());
    }
    assert_eq!(em.emulator.with_state(|s| s.clock_offset_ms), 0);
    let iam = harness::iam_no_retry(&em.url);
    iam.list_roles().send().await.expect("still answers");

    // Up to the bound in steps; one millisecond more is refused.
    harness::advance_clock(&em.emulator, max - 1000).await;
    harness::advance_clock(&em.emulator, 1000).await;
    let r = harness::control(
        &em.emulator,
        "POST",
        "/_emulator/clock",
        Some(json!({ "advance_ms": 1 })),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("100 years"), "{}", r.text());
    iam.create_role()
        .role_name("r")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect("a write 100 years ahead");
    let role = iam
        .get_role()
        .role_name("r")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    let year = time::OffsetDateTime::from_unix_timestamp(role.create_date.secs())
        .unwrap()
        .year();
    assert!(year >= 2125, "{year}");
}
