//! What the integration tests share: an emulator on a loopback port, real
//! SDK clients pointed at it, and calls to the control path.
#![allow(dead_code)]

use aws_credential_types::Credentials;
use aws_smithy_types::retry::RetryConfig;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use reconcile_emulator::{Config, Emulator};
use tower::ServiceExt as _;

/// An emulator serving on a free loopback port.
pub struct Running {
    pub emulator: Emulator,
    pub url: String,
}

/// Starts an emulator with the default configuration.
pub async fn start() -> Running {
    start_with(Config::default()).await
}

/// Starts an emulator with `config`.
pub async fn start_with(config: Config) -> Running {
    let emulator = Emulator::new(config).expect("emulator starts");
    let url = emulator.clone().spawn().await.expect("emulator serves");
    Running { emulator, url }
}

fn credentials() -> Credentials {
    Credentials::new("AKIDEXAMPLE", "secret", None, None, "test")
}

macro_rules! client_fn {
    ($name:ident, $name_no_retry:ident, $sdk:ident) => {
        /// A client with the SDK's default retries.
        pub fn $name(url: &str) -> $sdk::Client {
            $sdk::Client::from_conf(
                $sdk::Config::builder()
                    .behavior_version($sdk::config::BehaviorVersion::latest())
                    .region($sdk::config::Region::new("us-east-1"))
                    .endpoint_url(url)
                    .credentials_provider(credentials())
                    .build(),
            )
        }

        /// A client that never retries, so that each fault is seen.
        pub fn $name_no_retry(url: &str) -> $sdk::Client {
            $sdk::Client::from_conf(
                $sdk::Config::builder()
                    .behavior_version($sdk::config::BehaviorVersion::latest())
                    .region($sdk::config::Region::new("us-east-1"))
                    .endpoint_url(url)
                    .credentials_provider(credentials())
                    .retry_config(RetryConfig::disabled())
                    .build(),
            )
        }
    };
}

client_fn!(iam, iam_no_retry, aws_sdk_iam);
client_fn!(kinesis, kinesis_no_retry, aws_sdk_kinesis);
client_fn!(cloudwatch, cloudwatch_no_retry, aws_sdk_cloudwatch);
client_fn!(pinpoint, pinpoint_no_retry, aws_sdk_pinpoint);

/// A raw reply: status, headers, body.
pub struct Raw {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends one request through the router, in process.
pub async fn raw(em: &Emulator, req: Request<Body>) -> Raw {
    let resp = em.router().oneshot(req).await.expect("router answers");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body reads")
        .to_vec();
    Raw {
        status,
        headers,
        body,
    }
}

/// A signed-looking request (the emulator checks that `Authorization` is
/// there, not the signature) for `service`'s credential scope.
pub fn aws_request(method: &str, path: &str, service: &str) -> axum::http::request::Builder {
    Request::builder().method(method).uri(path).header(
        "authorization",
        format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
        ),
    )
}

/// Calls the control path with an optional JSON body.
pub async fn control(
    em: &Emulator,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> Raw {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(match body {
            Some(b) => Body::from(serde_json::to_vec(&b).expect("json")),
            None => Body::empty(),
        })
        .expect("request builds");
    raw(em, req).await
}

/// Moves the emulator's clock forward.
pub async fn advance_clock(em: &Emulator, ms: i64) {
    let r = control(
        em,
        "POST",
        "/_emulator/clock",
        Some(serde_json::json!({ "advance_ms": ms })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

/// The error code of an SDK error (`None` for transport errors).
pub fn code(err: &impl aws_sdk_iam::error::ProvideErrorMetadata) -> Option<String> {
    err.code().map(str::to_owned)
}

/// The error message of an SDK error.
pub fn message(err: &impl aws_sdk_iam::error::ProvideErrorMetadata) -> String {
    err.message().unwrap_or_default().to_owned()
}
