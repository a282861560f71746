//! The request and reply every service module works on, independent of axum.

use axum::http::{HeaderMap, Method, StatusCode};
use bytes::Bytes;
use time::OffsetDateTime;

/// A whole request, read before dispatch.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    /// The path exactly as it arrived, still percent-encoded (Pinpoint's tag
    /// ARNs carry `%2F` that must not split the path).
    pub raw_path: String,
    /// Query pairs, percent-decoded, in order (keys may repeat).
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Request {
    /// The first value of a query parameter.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What a service module answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Reply {
    pub fn new(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }
}

/// Facts of the request's moment: who the account is, what time it is on the
/// emulator's clock (which tests can move), and the request id.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub region: String,
    pub account_id: String,
    pub now: OffsetDateTime,
    pub request_id: String,
    /// When set, Pinpoint answers as AWS does after the end of support of its
    /// engagement features.
    pub end_of_support: bool,
    /// How a retired operation is refused (with `end_of_support`).
    pub retired_shape: crate::pinpoint::retired::RetiredShape,
}
