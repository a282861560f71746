//! placeholder for the cloudwatch service.

use serde::{Deserialize, Serialize};

use crate::wire::{Ctx, Reply, Request};

/// The cloudwatch service's state.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct State {}

/// The operation a request names, if it is one of this service's.
pub fn operation(_req: &Request) -> Option<String> {
    None
}

/// Whether an operation changes state.
pub fn is_mutating(_op: &str) -> bool {
    false
}

/// Answers one request.
pub fn handle(op: &str, ctx: &Ctx, _state: &mut crate::state::State, _req: &Request) -> Reply {
    error(ctx, 400, "InvalidAction", &format!("{op} is not served"))
}

/// An error in this protocol's shape.
pub fn error(_ctx: &Ctx, status: u16, code: &str, message: &str) -> Reply {
    Reply::new(
        axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::BAD_REQUEST),
        "text/plain",
        format!("{code}: {message}"),
    )
}
