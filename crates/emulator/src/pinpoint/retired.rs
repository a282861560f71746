//! How the emulator refuses what AWS retired at Pinpoint's end of support.
//!
//! AWS has not published what the retired operations answer now, so a
//! client must not depend on one shape. The emulator can answer each
//! retired operation family in any of these shapes ([`RetiredShape`]),
//! chosen with `reconcile emulator --api today --retired-shape SHAPE` or
//! `PUT /_emulator/end-of-support {"enabled": true, "shape": "mixed"}`:
//!
//! | shape | status | `x-amzn-ErrorType` | message |
//! |---|---|---|---|
//! | `forbidden` | 403 | `ForbiddenException` | the end of support, in words |
//! | `not-found` | 404 | `NotFoundException` | `Resource not found` (what a missing resource also gets) |
//! | `bad-request` | 400 | `BadRequestException` | `This operation is not supported` |
//! | `unknown-operation` | 404 | `UnknownOperationException` | none |
//! | `mixed` | each family its own: settings and segments 400, endpoints and templates 404, campaigns and journeys unknown operation, event streams, KPIs and tags 403 | | |
//!
//! The families retired: app settings, endpoints, segments, templates,
//! campaigns, journeys, KPIs (analytics), the event stream, tag operations
//! on those resources, and `SendMessages` to `Endpoints`. Apps, channels,
//! tags on apps and `SendMessages` to `Addresses` are served.

use serde::{Deserialize, Serialize};

use super::util::{self, Error};

/// The shape of a refusal of a retired operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetiredShape {
    /// 403 `ForbiddenException` naming the end of support.
    #[default]
    Forbidden,
    /// 404 `NotFoundException`, as if the resource did not exist.
    NotFound,
    /// 400 `BadRequestException`.
    BadRequest,
    /// 404 `UnknownOperationException` with no message.
    UnknownOperation,
    /// A different shape per operation family (see the module docs).
    Mixed,
}

impl RetiredShape {
    pub const ALL: [RetiredShape; 5] = [
        RetiredShape::Forbidden,
        RetiredShape::NotFound,
        RetiredShape::BadRequest,
        RetiredShape::UnknownOperation,
        RetiredShape::Mixed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RetiredShape::Forbidden => "forbidden",
            RetiredShape::NotFound => "not-found",
            RetiredShape::BadRequest => "bad-request",
            RetiredShape::UnknownOperation => "unknown-operation",
            RetiredShape::Mixed => "mixed",
        }
    }
}

/// Whether AWS refuses `op` after the end of support.
pub fn is_retired(op: &str) -> bool {
    family(op).is_some()
}

/// The retired family of an operation, if it belongs to one.
fn family(op: &str) -> Option<Family> {
    if op.contains("ApplicationSettings") {
        Some(Family::Settings)
    } else if op.contains("Segment") {
        Some(Family::Segments)
    } else if op.contains("Endpoint") || op.contains("UserEndpoints") {
        Some(Family::Endpoints)
    } else if op.contains("Template") {
        Some(Family::Templates)
    } else if op.contains("Campaign") || op.contains("Journey") {
        Some(Family::Campaigns)
    } else if op.contains("EventStream") || op.contains("Kpi") {
        Some(Family::Analytics)
    } else {
        None
    }
}

#[derive(Debug, Clone, Copy)]
enum Family {
    Settings,
    Segments,
    Endpoints,
    Templates,
    Campaigns,
    Analytics,
}

/// The refusal of a retired operation (`op`; a tag operation on a retired
/// resource passes `"TagResource"`, which mixed answers with a 403).
pub fn refusal(op: &str, shape: RetiredShape) -> Error {
    let shape = match shape {
        RetiredShape::Mixed => match family(op) {
            Some(Family::Settings | Family::Segments) => RetiredShape::BadRequest,
            Some(Family::Endpoints | Family::Templates) => RetiredShape::NotFound,
            Some(Family::Campaigns) => RetiredShape::UnknownOperation,
            Some(Family::Analytics) | None => RetiredShape::Forbidden,
        },
        s => s,
    };
    match shape {
        RetiredShape::Forbidden | RetiredShape::Mixed => {
            Error::Forbidden(util::END_OF_SUPPORT.to_owned())
        }
        RetiredShape::NotFound => Error::not_found("Resource not found"),
        RetiredShape::BadRequest => Error::bad("This operation is not supported"),
        RetiredShape::UnknownOperation => Error::UnknownOperation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_gives_four_shapes_across_the_families() {
        let shapes: Vec<(u16, &str)> = [
            "GetApplicationSettings",
            "GetEndpoint",
            "GetCampaigns",
            "GetEventStream",
        ]
        .into_iter()
        .map(|op| {
            let e = refusal(op, RetiredShape::Mixed);
            (e.status(), e.code())
        })
        .collect();
        assert_eq!(
            shapes,
            [
                (400, "BadRequestException"),
                (404, "NotFoundException"),
                (404, "UnknownOperationException"),
                (403, "ForbiddenException"),
            ]
        );
    }

    #[test]
    fn apps_channels_and_messages_are_not_retired() {
        for op in [
            "GetApps",
            "CreateApp",
            "UpdateApnsChannel",
            "GetChannels",
            "SendMessages",
            "TagResource",
        ] {
            assert!(!is_retired(op), "{op}");
        }
        for op in [
            "GetSegments",
            "UpdateEndpoint",
            "ListTemplates",
            "GetCampaign",
            "PutEventStream",
            "GetApplicationDateRangeKpi",
            "UpdateApplicationSettings",
        ] {
            assert!(is_retired(op), "{op}");
        }
    }
}
