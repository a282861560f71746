//! SSM Parameter Store and Secrets Manager through the real `aws-sdk-ssm`
//! and `aws-sdk-secretsmanager` clients: what a spec's `${ssm:…}` and
//! `${secretsmanager:…}` references read, and what tests seed them with.
#![allow(clippy::redundant_closure_for_method_calls)] // `is_some_and(|e| e.is_x())` reads best

mod harness;

use std::path::Path;

use aws_credential_types::Credentials;
use aws_sdk_secretsmanager::primitives::Blob;
use aws_sdk_ssm::types::{ParameterTier, ParameterType};
use axum::body::Body;
use axum::http::StatusCode;
use harness::{code, message};
use reconcile_emulator::Config;

const ACCOUNT: &str = "123456789012";
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn credentials() -> Credentials {
    Credentials::new("AKIDEXAMPLE", "secret", None, None, "test")
}

/// An SSM client that never retries, so that each error is seen once.
fn ssm(url: &str) -> aws_sdk_ssm::Client {
    aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::Config::builder()
            .behavior_version(aws_sdk_ssm::config::BehaviorVersion::latest())
            .region(aws_sdk_ssm::config::Region::new("us-east-1"))
            .endpoint_url(url)
            .credentials_provider(credentials())
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .build(),
    )
}

/// A Secrets Manager client that never retries.
fn sm(url: &str) -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::from_conf(
        aws_sdk_secretsmanager::Config::builder()
            .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
            .region(aws_sdk_secretsmanager::config::Region::new("us-east-1"))
            .endpoint_url(url)
            .credentials_provider(credentials())
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .build(),
    )
}

fn with_file(path: &Path) -> Config {
    Config {
        state_file: Some(path.to_owned()),
        ..Config::default()
    }
}

fn age_secs(date: Option<&aws_smithy_types::DateTime>) -> i64 {
    let now = aws_smithy_types::DateTime::from(std::time::SystemTime::now()).secs();
    now - date.expect("a date").secs()
}

async fn put(ssm: &aws_sdk_ssm::Client, name: &str, value: &str) -> i64 {
    ssm.put_parameter()
        .name(name)
        .value(value)
        .r#type(ParameterType::SecureString)
        .send()
        .await
        .expect("put")
        .version
}

// ---- SSM Parameter Store --------------------------------------------------

#[tokio::test]
async fn a_secure_string_reads_back_only_with_decryption() {
    let em = harness::start().await;
    let ssm = ssm(&em.url);
    let put = ssm
        .put_parameter()
        .name("/push/fcm/key")
        .value("hunter2")
        .r#type(ParameterType::SecureString)
        .description("the FCM key")
        .send()
        .await
        .expect("put");
    assert_eq!(put.version, 1);
    assert_eq!(put.tier, Some(ParameterTier::Standard));

    let got = ssm
        .get_parameter()
        .name("/push/fcm/key")
        .with_decryption(true)
        .send()
        .await
        .expect("get")
        .parameter
        .expect("parameter");
    assert_eq!(got.value.as_deref(), Some("hunter2"));
    assert_eq!(got.name.as_deref(), Some("/push/fcm/key"));
    assert_eq!(got.r#type, Some(ParameterType::SecureString));
    assert_eq!(got.version, 1);
    assert_eq!(
        got.arn.as_deref(),
        Some("arn:aws:ssm:us-east-1:123456789012:parameter/push/fcm/key")
    );
    assert_eq!(got.data_type.as_deref(), Some("text"));
    assert!((0..60).contains(&age_secs(got.last_modified_date.as_ref())));

    for decrypt in [None, Some(false)] {
        let sealed = ssm
            .get_parameter()
            .name("/push/fcm/key")
            .set_with_decryption(decrypt)
            .send()
            .await
            .expect("get without decryption")
            .parameter
            .expect("parameter")
            .value
            .expect("a value");
        assert_ne!(sealed, "hunter2");
        assert!(!sealed.contains("hunter2"), "{sealed}");
        assert!(
            sealed.starts_with("AQICAH"),
            "shaped as a KMS ciphertext: {sealed}"
        );
    }

    // A plain String comes back as it is, with or without decryption.
    ssm.put_parameter()
        .name("plain")
        .value("visible")
        .r#type(ParameterType::String)
        .send()
        .await
        .expect("put");
    let got = ssm.get_parameter().name("plain").send().await.expect("get");
    assert_eq!(got.parameter.unwrap().value.as_deref(), Some("visible"));
}

#[tokio::test]
async fn versions_count_from_one_and_selectors_read_them() {
    let em = harness::start().await;
    let ssm = ssm(&em.url);
    assert_eq!(put(&ssm, "/app/token", "first").await, 1);

    let err = ssm
        .put_parameter()
        .name("/app/token")
        .value("second")
        .r#type(ParameterType::SecureString)
        .send()
        .await
        .expect_err("exists");
    assert_eq!(code(&err).as_deref(), Some("ParameterAlreadyExists"));
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_parameter_already_exists())
    );

    // Overwrite without a type keeps the SecureString type.
    let second = ssm
        .put_parameter()
        .name("/app/token")
        .value("second")
        .overwrite(true)
        .send()
        .await
        .expect("overwrite");
    assert_eq!(second.version, 2);

    let latest = ssm
        .get_parameter()
        .name("/app/token")
        .with_decryption(true)
        .send()
        .await
        .unwrap()
        .parameter
        .unwrap();
    assert_eq!(
        (latest.value.as_deref(), latest.version, latest.r#type),
        (Some("second"), 2, Some(ParameterType::SecureString))
    );
    assert_eq!(latest.selector, None);

    let first = ssm
        .get_parameter()
        .name("/app/token:1")
        .with_decryption(true)
        .send()
        .await
        .expect("version 1")
        .parameter
        .unwrap();
    assert_eq!(first.value.as_deref(), Some("first"));
    assert_eq!(first.version, 1);
    assert_eq!(first.name.as_deref(), Some("/app/token"));
    assert_eq!(first.selector.as_deref(), Some(":1"));

    let err = ssm
        .get_parameter()
        .name("/app/token:9")
        .send()
        .await
        .expect_err("no version 9");
    assert_eq!(code(&err).as_deref(), Some("ParameterVersionNotFound"));
    assert!(message(&err).contains("version 9"), "{}", message(&err));
}

#[tokio::test]
async fn an_arn_names_the_parameter_and_a_one_level_slash_is_dropped() {
    let em = harness::start().await;
    let ssm = ssm(&em.url);
    put(&ssm, "/a/b/c", "deep").await;
    put(&ssm, "/single", "top").await;

    let by_arn = ssm
        .get_parameter()
        .name("arn:aws:ssm:us-east-1:123456789012:parameter/a/b/c")
        .with_decryption(true)
        .send()
        .await
        .expect("by ARN")
        .parameter
        .unwrap();
    assert_eq!(by_arn.value.as_deref(), Some("deep"));
    assert_eq!(by_arn.name.as_deref(), Some("/a/b/c"));

    // AWS stores `/single` as `single`; either spelling and its ARN find it.
    for name in [
        "single",
        "/single",
        "arn:aws:ssm:us-east-1:123456789012:parameter/single",
        "arn:aws:ssm:us-east-1:123456789012:parameter/single:1",
    ] {
        let p = ssm
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"))
            .parameter
            .unwrap();
        assert_eq!(p.name.as_deref(), Some("single"), "{name}");
        assert_eq!(p.value.as_deref(), Some("top"), "{name}");
        assert_eq!(
            p.arn.as_deref(),
            Some("arn:aws:ssm:us-east-1:123456789012:parameter/single")
        );
    }

    for elsewhere in [
        "arn:aws:ssm:eu-west-1:123456789012:parameter/a/b/c",
        "arn:aws:ssm:us-east-1:999999999999:parameter/a/b/c",
    ] {
        let err = ssm
            .get_parameter()
            .name(elsewhere)
            .send()
            .await
            .expect_err("another Region or account");
        assert_eq!(
            code(&err).as_deref(),
            Some("ParameterNotFound"),
            "{elsewhere}"
        );
    }
}

#[tokio::test]
async fn missing_parameters_are_parameter_not_found() {
    let em = harness::start().await;
    let ssm = ssm(&em.url);
    let err = ssm
        .get_parameter()
        .name("/nope")
        .send()
        .await
        .expect_err("missing");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_parameter_not_found())
    );
    let raw = err.raw_response().expect("a reply");
    assert_eq!(raw.status().as_u16(), 400);
    assert_eq!(message(&err), "", "AWS's ParameterNotFound has no message");

    let err = ssm
        .delete_parameter()
        .name("/nope")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(code(&err).as_deref(), Some("ParameterNotFound"));

    put(&ssm, "/p/here", "x").await;
    let got = ssm
        .get_parameters()
        .names("/p/here")
        .names("/nope")
        .names("/p/here:7")
        .names("/p/here")
        .with_decryption(true)
        .send()
        .await
        .expect("get several");
    let found: Vec<_> = got.parameters().iter().map(|p| p.name()).collect();
    assert_eq!(found, vec![Some("/p/here")]);
    assert_eq!(got.invalid_parameters(), ["/nope", "/p/here:7"]);

    ssm.delete_parameter()
        .name("/p/here")
        .send()
        .await
        .expect("delete");
    let err = ssm
        .get_parameter()
        .name("/p/here")
        .send()
        .await
        .expect_err("deleted");
    assert_eq!(code(&err).as_deref(), Some("ParameterNotFound"));

    let eleven: Vec<String> = (0..11).map(|i| format!("/p{i}")).collect();
    let err = ssm
        .get_parameters()
        .set_names(Some(eleven))
        .send()
        .await
        .expect_err("more than 10");
    assert_eq!(code(&err).as_deref(), Some("ValidationException"));
}

#[tokio::test]
async fn names_values_and_tiers_are_checked_as_aws_checks_them() {
    let em = harness::start().await;
    let ssm = ssm(&em.url);
    let try_put = |name: String, value: String, tier: Option<ParameterTier>| {
        let ssm = ssm.clone();
        async move {
            ssm.put_parameter()
                .name(name)
                .value(value)
                .r#type(ParameterType::SecureString)
                .set_tier(tier)
                .send()
                .await
        }
    };
    let refused = [
        ("a/b", "ValidationException"),
        ("/a//b", "ValidationException"),
        ("has space", "ValidationException"),
        ("/a/b$", "ValidationException"),
        ("awsThing", "ValidationException"),
        ("SSM-thing", "ValidationException"),
        ("/ssm/x", "ValidationException"),
        ("/aws/x", "AccessDeniedException"),
    ];
    for (name, expected) in refused {
        let err = try_put(name.into(), "v".into(), None)
            .await
            .expect_err(name);
        assert_eq!(code(&err).as_deref(), Some(expected), "{name}: {err:?}");
    }
    let deep = "/l".repeat(16);
    let err = try_put(deep, "v".into(), None)
        .await
        .expect_err("16 levels");
    assert_eq!(
        code(&err).as_deref(),
        Some("HierarchyLevelLimitExceededException")
    );
    try_put("/l".repeat(15), "v".into(), None)
        .await
        .expect("15 levels");
    let err = try_put(format!("/{}", "n".repeat(2048)), "v".into(), None)
        .await
        .expect_err("too long");
    assert_eq!(code(&err).as_deref(), Some("ValidationException"));

    let err = try_put("/empty".into(), String::new(), None)
        .await
        .expect_err("empty value");
    assert_eq!(code(&err).as_deref(), Some("ValidationException"));

    let big = "x".repeat(4097);
    let err = try_put("/big".into(), big.clone(), None)
        .await
        .expect_err("over 4096 in Standard");
    assert_eq!(code(&err).as_deref(), Some("ValidationException"));
    assert!(!message(&err).contains(&big));
    let advanced = try_put("/big".into(), big.clone(), Some(ParameterTier::Advanced))
        .await
        .expect("Advanced holds 8192");
    assert_eq!(advanced.tier, Some(ParameterTier::Advanced));
    let intelligent = try_put("/big2".into(), big, Some(ParameterTier::IntelligentTiering))
        .await
        .expect("Intelligent-Tiering picks Advanced");
    assert_eq!(intelligent.tier, Some(ParameterTier::Advanced));

    let err = ssm
        .put_parameter()
        .name("/untyped")
        .value("v")
        .send()
        .await
        .expect_err("a new parameter needs a type");
    assert_eq!(code(&err).as_deref(), Some("ValidationException"));
}

#[tokio::test]
async fn a_request_without_a_signature_is_refused() {
    let em = harness::start().await;
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/")
        .header("x-amz-target", "AmazonSSM.GetParameter")
        .header("content-type", "application/x-amz-json-1.1")
        .body(Body::from(r#"{"Name":"/x"}"#))
        .unwrap();
    let r = harness::raw(&em.emulator, req).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["__type"], "MissingAuthenticationTokenException");

    let req = harness::aws_request("POST", "/", "ssm")
        .header("x-amz-target", "AmazonSSM.LabelParameterVersion")
        .header("content-type", "application/x-amz-json-1.1")
        .body(Body::from("{}"))
        .unwrap();
    let r = harness::raw(&em.emulator, req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["__type"], "UnknownOperationException");
}

#[tokio::test]
async fn parameters_are_bounded() {
    let em = harness::start().await;
    let ssm = ssm(&em.url);
    put(&ssm, "/t/seed", "x").await;
    em.emulator.with_state(|s| {
        let seed = s.ssm.parameters["/t/seed"].clone();
        for i in 1..reconcile_emulator::ssm::MAX_PARAMETERS {
            s.ssm.parameters.insert(format!("/p{i}"), seed.clone());
        }
    });
    let err = ssm
        .put_parameter()
        .name("/one-more")
        .value("x")
        .r#type(ParameterType::String)
        .send()
        .await
        .expect_err("over the quota");
    assert_eq!(code(&err).as_deref(), Some("ParameterLimitExceeded"));
    // Overwriting one that exists is still allowed.
    ssm.put_parameter()
        .name("/t/seed")
        .value("y")
        .overwrite(true)
        .send()
        .await
        .expect("overwrite");

    // Versions beyond 100 push out the oldest.
    for _ in 0..reconcile_emulator::ssm::MAX_VERSIONS {
        ssm.put_parameter()
            .name("/t/seed")
            .value("z")
            .overwrite(true)
            .send()
            .await
            .expect("overwrite");
    }
    let kept = em
        .emulator
        .with_state(|s| s.ssm.parameters["/t/seed"].versions.len());
    assert_eq!(kept, reconcile_emulator::ssm::MAX_VERSIONS);
    let err = ssm
        .get_parameter()
        .name("/t/seed:1")
        .send()
        .await
        .expect_err("version 1 is gone");
    assert_eq!(code(&err).as_deref(), Some("ParameterVersionNotFound"));
}

// ---- Secrets Manager ------------------------------------------------------

const TOKEN_1: &str = "11111111-1111-4111-8111-111111111111";
const TOKEN_2: &str = "22222222-2222-4222-8222-222222222222";

#[tokio::test]
async fn a_secret_is_created_read_versioned_and_described() {
    let em = harness::start().await;
    let sm = sm(&em.url);
    let created = sm
        .create_secret()
        .name("push/apns")
        .secret_string(r#"{"key":"v1"}"#)
        .description("APNs key")
        .client_request_token(TOKEN_1)
        .tags(
            aws_sdk_secretsmanager::types::Tag::builder()
                .key("team")
                .value("push")
                .build(),
        )
        .send()
        .await
        .expect("create");
    let arn = created.arn.clone().expect("ARN");
    let prefix = format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:push/apns-");
    let suffix = arn.strip_prefix(&prefix).expect("the ARN names the secret");
    assert!(
        suffix.len() == 6 && suffix.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{arn}"
    );
    assert_eq!(created.name.as_deref(), Some("push/apns"));
    assert_eq!(created.version_id.as_deref(), Some(TOKEN_1));

    let partial = format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:push/apns");
    for id in ["push/apns", arn.as_str(), partial.as_str()] {
        let got = sm
            .get_secret_value()
            .secret_id(id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{id}: {e:?}"));
        assert_eq!(
            got.secret_string.as_deref(),
            Some(r#"{"key":"v1"}"#),
            "{id}"
        );
        assert_eq!(got.arn.as_deref(), Some(arn.as_str()));
        assert_eq!(got.version_id.as_deref(), Some(TOKEN_1));
        assert_eq!(got.version_stages(), ["AWSCURRENT"]);
        assert!((0..60).contains(&age_secs(got.created_date.as_ref())));
    }

    let err = sm
        .create_secret()
        .name("push/apns")
        .secret_string("again")
        .send()
        .await
        .expect_err("exists");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_resource_exists_exception())
    );
    // A retry of the create (same token, same value) is answered as the first.
    let retried = sm
        .create_secret()
        .name("push/apns")
        .secret_string(r#"{"key":"v1"}"#)
        .client_request_token(TOKEN_1)
        .send()
        .await
        .expect("an idempotent retry");
    assert_eq!(retried.arn.as_deref(), Some(arn.as_str()));
    assert_eq!(retried.version_id.as_deref(), Some(TOKEN_1));

    let put = sm
        .put_secret_value()
        .secret_id("push/apns")
        .secret_string(r#"{"key":"v2"}"#)
        .client_request_token(TOKEN_2)
        .send()
        .await
        .expect("put");
    assert_eq!(put.version_id.as_deref(), Some(TOKEN_2));
    assert_eq!(put.version_stages(), ["AWSCURRENT"]);
    // A retry with the same token and value changes nothing.
    let retry = sm
        .put_secret_value()
        .secret_id(&arn)
        .secret_string(r#"{"key":"v2"}"#)
        .client_request_token(TOKEN_2)
        .send()
        .await
        .expect("retry");
    assert_eq!(retry.version_id.as_deref(), Some(TOKEN_2));
    let err = sm
        .put_secret_value()
        .secret_id("push/apns")
        .secret_string("other")
        .client_request_token(TOKEN_2)
        .send()
        .await
        .expect_err("the token is taken");
    assert_eq!(code(&err).as_deref(), Some("ResourceExistsException"));

    let current = sm
        .get_secret_value()
        .secret_id("push/apns")
        .send()
        .await
        .unwrap();
    assert_eq!(current.secret_string.as_deref(), Some(r#"{"key":"v2"}"#));
    let previous = sm
        .get_secret_value()
        .secret_id("push/apns")
        .version_stage("AWSPREVIOUS")
        .send()
        .await
        .expect("previous");
    assert_eq!(previous.secret_string.as_deref(), Some(r#"{"key":"v1"}"#));
    let by_id = sm
        .get_secret_value()
        .secret_id("push/apns")
        .version_id(TOKEN_1)
        .send()
        .await
        .expect("by version id");
    assert_eq!(by_id.version_stages(), ["AWSPREVIOUS"]);
    let err = sm
        .get_secret_value()
        .secret_id("push/apns")
        .version_stage("AWSPENDING")
        .send()
        .await
        .expect_err("no such stage");
    assert_eq!(code(&err).as_deref(), Some("ResourceNotFoundException"));

    let described = sm
        .describe_secret()
        .secret_id(&partial)
        .send()
        .await
        .expect("describe");
    assert_eq!(described.arn.as_deref(), Some(arn.as_str()));
    assert_eq!(described.description.as_deref(), Some("APNs key"));
    assert_eq!(described.tags()[0].key.as_deref(), Some("team"));
    let stages = described.version_ids_to_stages.expect("stages");
    assert_eq!(stages.len(), 2);
    assert_eq!(stages[TOKEN_1], ["AWSPREVIOUS"]);
    assert_eq!(stages[TOKEN_2], ["AWSCURRENT"]);
    assert!(described.deleted_date.is_none());
    assert!((0..60).contains(&age_secs(described.created_date.as_ref())));
    assert!((0..60).contains(&age_secs(described.last_changed_date.as_ref())));
}

#[tokio::test]
async fn missing_secrets_are_resource_not_found_with_aws_words() {
    let em = harness::start().await;
    let sm = sm(&em.url);
    for id in [
        "nope".to_owned(),
        format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:nope-AbCdEf"),
    ] {
        let err = sm
            .get_secret_value()
            .secret_id(&id)
            .send()
            .await
            .expect_err("missing");
        assert!(
            err.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()),
            "{id}"
        );
        assert_eq!(
            message(&err),
            "Secrets Manager can't find the specified secret."
        );
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
    }
    // The right name with the wrong suffix is not the secret.
    let arn = sm
        .create_secret()
        .name("real")
        .secret_string("v")
        .send()
        .await
        .unwrap()
        .arn
        .unwrap();
    let wrong = format!("{}XXXXXX", &arn[..arn.len() - 6]);
    let wrong = if wrong == arn {
        format!("{}YYYYYY", &arn[..arn.len() - 6])
    } else {
        wrong
    };
    let err = sm
        .get_secret_value()
        .secret_id(wrong)
        .send()
        .await
        .expect_err("wrong suffix");
    assert_eq!(code(&err).as_deref(), Some("ResourceNotFoundException"));

    let err = sm
        .create_secret()
        .name("bad name")
        .secret_string("v")
        .send()
        .await
        .expect_err("a space");
    assert_eq!(code(&err).as_deref(), Some("ValidationException"));
}

#[tokio::test]
async fn binary_secrets_and_secrets_without_a_value() {
    let em = harness::start().await;
    let sm = sm(&em.url);
    sm.create_secret()
        .name("bin")
        .secret_binary(Blob::new(vec![0u8, 1, 2, 255]))
        .send()
        .await
        .expect("create");
    let got = sm.get_secret_value().secret_id("bin").send().await.unwrap();
    assert_eq!(got.secret_binary.unwrap().as_ref(), [0u8, 1, 2, 255]);
    assert!(got.secret_string.is_none());

    let empty = sm
        .create_secret()
        .name("later")
        .send()
        .await
        .expect("create without a value");
    assert!(empty.version_id.is_none());
    let err = sm
        .get_secret_value()
        .secret_id("later")
        .send()
        .await
        .expect_err("no value yet");
    assert_eq!(code(&err).as_deref(), Some("ResourceNotFoundException"));
    sm.put_secret_value()
        .secret_id("later")
        .secret_string("now")
        .send()
        .await
        .expect("first value");
    let got = sm
        .get_secret_value()
        .secret_id("later")
        .send()
        .await
        .unwrap();
    assert_eq!(got.secret_string.as_deref(), Some("now"));

    let err = sm
        .create_secret()
        .name("both")
        .secret_string("s")
        .secret_binary(Blob::new("b"))
        .send()
        .await
        .expect_err("both");
    assert_eq!(code(&err).as_deref(), Some("InvalidParameterException"));
    let err = sm
        .create_secret()
        .name("huge")
        .secret_string("x".repeat(65_537))
        .send()
        .await
        .expect_err("over 64 KiB");
    assert_eq!(code(&err).as_deref(), Some("ValidationException"));
}

#[tokio::test]
async fn deletion_is_scheduled_refused_meanwhile_restorable_and_final() {
    let em = harness::start().await;
    let sm = sm(&em.url);
    sm.create_secret()
        .name("s")
        .secret_string("v")
        .send()
        .await
        .unwrap();

    let deleted = sm
        .delete_secret()
        .secret_id("s")
        .send()
        .await
        .expect("delete");
    let in_days = (deleted.deletion_date.unwrap().secs()
        - aws_smithy_types::DateTime::from(std::time::SystemTime::now()).secs())
        / 86_400;
    assert!(
        (29..=30).contains(&in_days),
        "30 days by default: {in_days}"
    );

    let err = sm
        .get_secret_value()
        .secret_id("s")
        .send()
        .await
        .expect_err("marked for deletion");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_invalid_request_exception())
    );
    assert_eq!(
        message(&err),
        "You can't perform this operation on the secret because it was marked for deletion."
    );
    let described = sm.describe_secret().secret_id("s").send().await.unwrap();
    assert!(described.deleted_date.is_some());
    let err = sm
        .create_secret()
        .name("s")
        .secret_string("v")
        .send()
        .await
        .expect_err("name still taken");
    assert_eq!(code(&err).as_deref(), Some("InvalidRequestException"));
    let err = sm
        .delete_secret()
        .secret_id("s")
        .send()
        .await
        .expect_err("already deleted");
    assert_eq!(code(&err).as_deref(), Some("InvalidRequestException"));

    sm.restore_secret()
        .secret_id("s")
        .send()
        .await
        .expect("restore");
    let got = sm.get_secret_value().secret_id("s").send().await.unwrap();
    assert_eq!(got.secret_string.as_deref(), Some("v"));

    let err = sm
        .delete_secret()
        .secret_id("s")
        .recovery_window_in_days(3)
        .send()
        .await
        .expect_err("under 7 days");
    assert_eq!(code(&err).as_deref(), Some("InvalidParameterException"));

    sm.delete_secret()
        .secret_id("s")
        .recovery_window_in_days(7)
        .send()
        .await
        .expect("delete in 7 days");
    harness::advance_clock(&em.emulator, 7 * DAY_MS).await;
    let err = sm
        .describe_secret()
        .secret_id("s")
        .send()
        .await
        .expect_err("gone after the window");
    assert_eq!(code(&err).as_deref(), Some("ResourceNotFoundException"));
    sm.create_secret()
        .name("s")
        .secret_string("again")
        .send()
        .await
        .expect("the name is free again");

    sm.delete_secret()
        .secret_id("s")
        .force_delete_without_recovery(true)
        .send()
        .await
        .expect("force");
    let err = sm
        .get_secret_value()
        .secret_id("s")
        .send()
        .await
        .expect_err("gone at once");
    assert_eq!(code(&err).as_deref(), Some("ResourceNotFoundException"));
    assert!(
        em.emulator
            .with_state(|s| s.secretsmanager.secrets.is_empty())
    );
}

#[tokio::test]
async fn secrets_are_bounded() {
    let em = harness::start().await;
    let sm = sm(&em.url);
    sm.create_secret()
        .name("seed")
        .secret_string("v")
        .send()
        .await
        .unwrap();
    em.emulator.with_state(|s| {
        let seed = s.secretsmanager.secrets["seed"].clone();
        for i in 1..reconcile_emulator::secretsmanager::MAX_SECRETS {
            s.secretsmanager
                .secrets
                .insert(format!("s{i}"), seed.clone());
        }
    });
    let err = sm
        .create_secret()
        .name("one-more")
        .secret_string("v")
        .send()
        .await
        .expect_err("over the bound");
    assert_eq!(code(&err).as_deref(), Some("LimitExceededException"));
    em.emulator
        .with_state(|s| s.secretsmanager.secrets.retain(|k, _| k == "seed"));

    // The bytes held over every version are bounded too.
    let value = "x".repeat(65_536);
    let per_secret = 100;
    let mut refused = None;
    'fill: for secret in 0..10 {
        let name = format!("big{secret}");
        sm.create_secret()
            .name(&name)
            .secret_string("v")
            .send()
            .await
            .unwrap();
        for _ in 0..per_secret {
            if let Err(e) = sm
                .put_secret_value()
                .secret_id(&name)
                .secret_string(&value)
                .send()
                .await
            {
                refused = Some(e);
                break 'fill;
            }
        }
    }
    let err = refused.expect("refused before 64 MB");
    assert_eq!(code(&err).as_deref(), Some("LimitExceededException"));
    let held: usize = em.emulator.with_state(|s| {
        s.secretsmanager
            .secrets
            .values()
            .flat_map(|s| &s.versions)
            .map(|v| match &v.value {
                reconcile_emulator::secretsmanager::SecretValue::String(s)
                | reconcile_emulator::secretsmanager::SecretValue::Binary(s) => s.len(),
            })
            .sum()
    });
    assert!(held <= reconcile_emulator::secretsmanager::MAX_STORED_BYTES);
}

// ---- both, through a state file --------------------------------------------

#[tokio::test]
async fn parameters_and_secrets_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    let arn = {
        let em = harness::start_with(with_file(&file)).await;
        put(&ssm(&em.url), "/push/fcm", "kept-parameter").await;
        let sm = sm(&em.url);
        let arn = sm
            .create_secret()
            .name("push/apns")
            .secret_string("kept-secret")
            .send()
            .await
            .unwrap()
            .arn
            .unwrap();
        sm.put_secret_value()
            .secret_id("push/apns")
            .secret_string("kept-secret-2")
            .send()
            .await
            .unwrap();
        arn
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the state file holds secrets: owner only");
    }

    let em = harness::start_with(with_file(&file)).await;
    let p = ssm(&em.url)
        .get_parameter()
        .name("/push/fcm")
        .with_decryption(true)
        .send()
        .await
        .expect("parameter survived")
        .parameter
        .unwrap();
    assert_eq!(p.value.as_deref(), Some("kept-parameter"));
    let sm = sm(&em.url);
    let s = sm
        .get_secret_value()
        .secret_id(&arn)
        .send()
        .await
        .expect("secret survived");
    assert_eq!(s.secret_string.as_deref(), Some("kept-secret-2"));
    let previous = sm
        .get_secret_value()
        .secret_id("push/apns")
        .version_stage("AWSPREVIOUS")
        .send()
        .await
        .expect("its versions too");
    assert_eq!(previous.secret_string.as_deref(), Some("kept-secret"));
}

#[tokio::test]
async fn a_state_file_from_before_these_services_still_loads() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    std::fs::write(
        &file,
        br#"{"pinpoint":{},"iam":{},"kinesis":{},"cloudwatch":{}}"#,
    )
    .unwrap();
    let em = harness::start_with(with_file(&file)).await;
    let err = ssm(&em.url)
        .get_parameter()
        .name("/x")
        .send()
        .await
        .expect_err("empty");
    assert_eq!(code(&err).as_deref(), Some("ParameterNotFound"));
    put(&ssm(&em.url), "/x", "v").await;
}
