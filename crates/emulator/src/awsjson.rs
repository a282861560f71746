//! The awsJson protocols (1.0 and 1.1), shared by Kinesis, Secrets Manager
//! and CloudWatch's JSON mode: `POST /` with `X-Amz-Target: Prefix.Operation`,
//! a JSON object in and out, errors as `{"__type": "Code", "message": "…"}`.

use axum::http::StatusCode;
use serde_json::{Map, Value};

use crate::wire::{Ctx, Reply, Request};

/// `application/x-amz-json-1.0` or `-1.1`.
pub fn content_type(version: &str) -> String {
    format!("application/x-amz-json-{version}")
}

/// The operation named by `X-Amz-Target: {prefix}.{Operation}`.
pub fn target_operation<'a>(req: &'a Request, prefix: &str) -> Option<&'a str> {
    req.header("x-amz-target")?
        .strip_prefix(prefix)?
        .strip_prefix('.')
        .filter(|op| !op.is_empty())
}

/// The request body as a JSON object; an empty body is `{}`. Anything else is
/// the protocol's 400 `SerializationException`.
pub fn body(req: &Request) -> Result<Map<String, Value>, (u16, &'static str, String)> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err((
            400,
            "SerializationException",
            "the request body is not a JSON object".to_owned(),
        )),
        Err(e) => Err((
            400,
            "SerializationException",
            format!("the request body is not valid JSON: {e}"),
        )),
    }
}

/// A 200 reply with a JSON body.
pub fn reply(ctx: &Ctx, version: &str, value: &Value) -> Reply {
    Reply::new(
        StatusCode::OK,
        &content_type(version),
        serde_json::to_vec(value).unwrap_or_default(),
    )
    .with_header("x-amzn-RequestId", &ctx.request_id)
}

/// An error: `{"__type": code, "message": message}` with the status.
pub fn error(ctx: &Ctx, version: &str, status: u16, code: &str, message: &str) -> Reply {
    let body = serde_json::json!({ "__type": code, "message": message });
    Reply::new(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        &content_type(version),
        serde_json::to_vec(&body).unwrap_or_default(),
    )
    .with_header("x-amzn-RequestId", &ctx.request_id)
}
