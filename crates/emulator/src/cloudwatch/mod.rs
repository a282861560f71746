//! CloudWatch alarms: `PutMetricAlarm`, `DescribeAlarms`, `DeleteAlarms`,
//! `TagResource`, `UntagResource`, `ListTagsForResource`.
//!
//! CloudWatch is served in the three protocols its model lists, each answered
//! in its own shape:
//! - Smithy RPC v2 CBOR (`POST /service/GraniteServiceVersion20100801/operation/<Op>`,
//!   `smithy-protocol: rpc-v2-cbor`), which the Rust SDK, boto3 and the AWS
//!   CLI send today; timestamps are CBOR tag 1 epoch floats;
//! - awsJson1.0 (`X-Amz-Target: GraniteServiceVersion20100801.<Op>`);
//! - awsQuery (form `Action=…&Version=2010-08-01`, XML replies), which older
//!   clients and moto speak.
//!
//! CloudWatch is "awsQueryCompatible": every error also carries
//! `x-amzn-query-error: <Code>;Sender`, from which the SDKs take the code.
//!
//! # Choices
//!
//! | Behaviour | Emulator |
//! |---|---|
//! | New alarm | `INSUFFICIENT_DATA`, reason `Unchecked: Initial alarm creation` (as AWS documents); alarms are never evaluated |
//! | `PutMetricAlarm` on an existing alarm | replaces the configuration, keeps the state, ignores `Tags` (as AWS documents) |
//! | `DeleteAlarms` with names that do not exist | succeeds, deleting the ones that do (AWS documents "alarms you specify with correct names are still deleted"; moto answers 404) |
//! | Required members | `AlarmName`, `EvaluationPeriods`, `ComparisonOperator`; `Threshold` unless `ThresholdMetricId`; either `MetricName` + `Namespace` + `Period` + exactly one of `Statistic`/`ExtendedStatistic`, or `Metrics` (not both) |
//! | `Period` | 10, 20, 30 or a multiple of 60 |
//! | `DatapointsToAlarm` | at most `EvaluationPeriods` |
//! | Validation failures | 400 `ValidationError` (missing members and enum values, with AWS's "1 validation error detected" message) or `InvalidParameterCombination` |
//! | Unknown operation | CBOR: 404 `UnknownOperationException`; JSON: 400 `UnknownOperationException`; query: 400 `InvalidAction` |
//! | Malformed body | 400 `SerializationException` (CBOR, JSON), `MalformedInput` (query) |

pub mod alarms;
pub mod node;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::query::{self, Form, Xml};
use crate::wire::{Ctx, Reply, Request};
use node::Node;

pub use alarms::{Alarm, Dimension, Tag};

/// The namespace of CloudWatch's query XML.
pub const XMLNS: &str = "http://monitoring.amazonaws.com/doc/2010-08-01/";
const CBOR_PREFIX: &str = "/service/GraniteServiceVersion20100801/operation/";
const JSON_TARGET: &str = "GraniteServiceVersion20100801";

/// CloudWatch's state.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Alarms by name.
    pub alarms: std::collections::BTreeMap<String, Alarm>,
}

/// The wire protocol of a CloudWatch request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Cbor,
    Json,
    Query,
}

impl Protocol {
    /// The protocol a request uses (its path, target header, or form body).
    pub fn of(req: &Request) -> Protocol {
        if req.raw_path.starts_with(CBOR_PREFIX) {
            Protocol::Cbor
        } else if req.header("x-amz-target").is_some() {
            Protocol::Json
        } else {
            Protocol::Query
        }
    }
}

const OPERATIONS: &[&str] = &[
    "PutMetricAlarm",
    "DescribeAlarms",
    "DeleteAlarms",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
];

fn named_operation(req: &Request) -> Option<String> {
    match Protocol::of(req) {
        Protocol::Cbor => req.raw_path.strip_prefix(CBOR_PREFIX).map(str::to_owned),
        Protocol::Json => crate::awsjson::target_operation(req, JSON_TARGET).map(str::to_owned),
        Protocol::Query => Form::parse(&req.body)
            .ok()
            .and_then(|f| f.action().map(str::to_owned)),
    }
}

/// The operation a request names, if CloudWatch here serves it.
pub fn operation(req: &Request) -> Option<String> {
    named_operation(req).filter(|op| OPERATIONS.contains(&op.as_str()))
}

/// Whether an operation changes state.
pub fn is_mutating(op: &str) -> bool {
    matches!(
        op,
        "PutMetricAlarm" | "DeleteAlarms" | "TagResource" | "UntagResource"
    )
}

/// The model's shape name of an error code (for `__type`).
fn shape_of(code: &str) -> &str {
    match code {
        "LimitExceeded" => "LimitExceededFault",
        "InvalidParameterValue" => "InvalidParameterValueException",
        "InvalidParameterCombination" => "InvalidParameterCombinationException",
        "MissingParameter" => "MissingRequiredParameterException",
        "InternalServiceError" => "InternalServiceFault",
        other => other,
    }
}

/// An error in the Smithy RPC v2 CBOR shape.
pub fn error(ctx: &Ctx, status: u16, code: &str, message: &str) -> Reply {
    error_in(Protocol::Cbor, ctx, status, code, message)
}

/// An error in `protocol`'s shape, with the query-compatible header.
pub fn error_in(protocol: Protocol, ctx: &Ctx, status: u16, code: &str, message: &str) -> Reply {
    let status_code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let fault = if status >= 500 { "Receiver" } else { "Sender" };
    let type_name = format!("com.amazonaws.cloudwatch#{}", shape_of(code));
    let reply = match protocol {
        Protocol::Query => return query::error(ctx, XMLNS, status, code, message),
        Protocol::Cbor => {
            let mut body = Node::map();
            body.set("__type", Node::str(type_name));
            body.set("message", Node::str(message));
            Reply::new(status_code, "application/cbor", body.to_cbor())
                .with_header("smithy-protocol", "rpc-v2-cbor")
        }
        Protocol::Json => Reply::new(
            status_code,
            &crate::awsjson::content_type("1.0"),
            serde_json::to_vec(&serde_json::json!({ "__type": type_name, "message": message }))
                .unwrap_or_default(),
        ),
    };
    reply
        .with_header("x-amzn-query-error", format!("{code};{fault}"))
        .with_header("x-amzn-RequestId", &ctx.request_id)
}

/// The reply to an operation CloudWatch here does not serve.
pub fn unknown_operation(ctx: &Ctx, req: &Request) -> Reply {
    let protocol = Protocol::of(req);
    let op = named_operation(req).unwrap_or_default();
    match protocol {
        Protocol::Cbor => error_in(
            protocol,
            ctx,
            404,
            "UnknownOperationException",
            &format!("Unknown operation `{op}`"),
        ),
        Protocol::Json => error_in(
            protocol,
            ctx,
            400,
            "UnknownOperationException",
            &format!("Unknown operation `{op}`"),
        ),
        Protocol::Query => match Form::parse(&req.body) {
            Err(e) => error_in(protocol, ctx, 400, "MalformedInput", &e.to_string()),
            Ok(_) if op.is_empty() => {
                error_in(protocol, ctx, 400, "MissingAction", "Missing Action")
            }
            Ok(_) => error_in(
                protocol,
                ctx,
                400,
                "InvalidAction",
                &format!("Could not find operation {op} for version 2010-08-01"),
            ),
        },
    }
}

/// Answers one request. Validation happens before any change, so an error
/// leaves the state untouched.
pub fn handle(op: &str, ctx: &Ctx, state: &mut crate::state::State, req: &Request) -> Reply {
    let protocol = Protocol::of(req);
    let input = match protocol {
        Protocol::Cbor => Node::from_cbor(&req.body).map_err(|e| ("SerializationException", e)),
        Protocol::Json => Node::from_json(&req.body).map_err(|e| ("SerializationException", e)),
        Protocol::Query => Form::parse(&req.body)
            .map(|f| Node::from_form(&f))
            .map_err(|e| ("MalformedInput", e.to_string())),
    };
    let input = match input {
        Ok(n) => n,
        Err((code, message)) => {
            return error_in(
                protocol,
                ctx,
                400,
                code,
                &format!("the request body cannot be read: {message}"),
            );
        }
    };
    match alarms::run(op, ctx, &mut state.cloudwatch, &input) {
        Ok(output) => success(protocol, ctx, op, output),
        Err(f) => error_in(protocol, ctx, f.status, f.code, &f.message),
    }
}

/// A success reply; `output` is `None` for operations without output.
fn success(protocol: Protocol, ctx: &Ctx, op: &str, output: Option<Node>) -> Reply {
    match protocol {
        Protocol::Cbor => {
            let reply = match output {
                Some(n) => Reply::new(StatusCode::OK, "application/cbor", n.to_cbor()),
                None => Reply {
                    status: StatusCode::OK,
                    headers: Vec::new(),
                    body: bytes::Bytes::new(),
                },
            };
            reply
                .with_header("smithy-protocol", "rpc-v2-cbor")
                .with_header("x-amzn-RequestId", &ctx.request_id)
        }
        Protocol::Json => {
            crate::awsjson::reply(ctx, "1.0", &output.unwrap_or_else(Node::map).to_json())
        }
        Protocol::Query => {
            let result = output.map(|n| {
                let mut x = Xml::new();
                n.write_xml(&mut x);
                x.finish()
            });
            query::reply(ctx, XMLNS, op, result.as_deref())
        }
    }
}
