//! What the SDK mappings of several kinds share: the spec's enums and
//! counts as the API's strings and `i32`s, the tags a request carries and
//! a response's user tags, trimmed text, and the errors a mapping or an
//! answer without its body gives.
//!
//! Per-kind mappings live with their kind ([`crate::segments`],
//! [`crate::templates`], [`crate::campaigns`], [`crate::kinesis`],
//! [`crate::cloudwatch`]...); the dimensions that segments and campaign
//! event filters share are in `dimensions`.

use std::collections::HashMap;

use aws_sdk_pinpoint::types as sdk;
use reconcile_engine::ProviderError;
use reconcile_model::spec::{PushAction, Tags};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::errors::{Classified, caused};

/// A spec value that cannot be turned into an API request (or a live value
/// that cannot be read back), found before any call is made.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    /// A reference names a segment whose id is not known (not created yet,
    /// or not in the spec).
    #[error("`{field}` names segment `{key}`, which has no id yet")]
    UnknownSegment { field: String, key: String },
    /// A reference names a template whose name is not known.
    #[error("`{field}` names template `{key}`, which is not in the spec")]
    UnknownTemplate { field: String, key: String },
    /// A number is larger than the API's 32-bit integer.
    #[error("`{field}` = `{value}` is larger than the API allows (`{max}`)")]
    OutOfRange { field: String, value: u64, max: i64 },
    /// A segment gives both `dimensions` and `segment_groups`.
    #[error(
        "segment `{name}` gives both `dimensions` and `segment_groups`; AWS accepts only one of them per segment"
    )]
    DimensionsAndGroups { name: String },
    /// A live template's `DefaultSubstitutions` is not a JSON object.
    #[error("template `{name}`: `DefaultSubstitutions` is not a JSON object: {message}")]
    DefaultSubstitutions { name: String, message: String },
}

impl From<MappingError> for Classified {
    fn from(e: MappingError) -> Self {
        let message = e.to_string();
        Classified {
            code: None,
            error: caused(message.clone(), e),
            message,
        }
    }
}

/// The wire name of a spec enum (its serde name, which is the API's).
pub(crate) fn wire_name<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// A spec enum from its wire name; `None` (and a warning) for a value the
/// model does not know.
pub(crate) fn from_wire<T: DeserializeOwned>(field: &str, s: &str) -> Option<T> {
    let v = serde_json::from_value(serde_json::Value::String(s.to_owned())).ok();
    if v.is_none() {
        tracing::warn!(
            field,
            value = s,
            "live value unknown to the spec model; ignored"
        );
    }
    v
}

/// The push action of a message or template as the API's.
pub(crate) fn push_action_to_sdk(a: Option<PushAction>) -> Option<sdk::Action> {
    a.map(|a| sdk::Action::from(wire_name(&a).as_str()))
}

/// A live push action (`field` names it in the warning for a value the
/// model does not know).
pub(crate) fn push_action_from_sdk(field: &str, a: Option<&sdk::Action>) -> Option<PushAction> {
    a.and_then(|a| from_wire(field, a.as_str()))
}

/// A spec count as the API's `i32`.
pub(crate) fn to_i32(field: &str, v: u32) -> Result<i32, MappingError> {
    i32::try_from(v).map_err(|_| MappingError::OutOfRange {
        field: field.to_owned(),
        value: u64::from(v),
        max: i64::from(i32::MAX),
    })
}

/// An optional spec count as the API's `i32`.
pub(crate) fn opt_i32(field: &str, v: Option<u32>) -> Result<Option<i32>, MappingError> {
    v.map(|v| to_i32(field, v)).transpose()
}

/// A spec count as the `i32` of a Kinesis or CloudWatch request: too large
/// is a rejection (`OutOfRange`) of the step, as AWS would answer.
pub(crate) fn api_i32(field: &str, v: u32) -> Result<i32, ProviderError> {
    to_i32(field, v).map_err(|_| ProviderError::Rejected {
        code: "OutOfRange".to_owned(),
        message: format!("`{field}` = `{v}` is larger than the API allows"),
    })
}

/// A live `i32` as a spec count (AWS never returns negatives; they read 0).
pub(crate) fn to_u32(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// The user's tags of a live Pinpoint resource: every `reconcile:` tag
/// removed ([`crate::tags::user_tags`] of the SDK's optional map).
pub(crate) fn user_tags(tags: Option<&HashMap<String, String>>) -> Tags {
    crate::tags::user_tags(tags.into_iter().flatten())
}

/// The tags a request carries: none when `extra` is `None` (updates: the
/// `Update*` calls ignore tags), else the spec's own overridden by `extra`
/// (the `reconcile:` tags the orchestrator adds on create).
pub(crate) fn create_tags(
    spec: &Tags,
    extra: Option<HashMap<String, String>>,
) -> Option<HashMap<String, String>> {
    let extra = extra?;
    let mut all: HashMap<String, String> =
        spec.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    all.extend(extra);
    (!all.is_empty()).then_some(all)
}

/// A trimmed, non-empty string.
pub(crate) fn text(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(ToOwned::to_owned)
}

/// An optional string as it is.
pub(crate) fn owned(s: Option<&str>) -> Option<String> {
    s.map(ToOwned::to_owned)
}

/// The error for a call that succeeded without the body it promises: its
/// outcome is unknown to the caller.
pub(crate) fn no_body(what: &str) -> Classified {
    let message = format!("{what}: the response has no body");
    Classified {
        code: None,
        error: ProviderError::UnknownOutcome(message.clone()),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_beyond_the_api_range_are_refused() {
        let err = to_i32("holdout_percent", u32::MAX).unwrap_err();
        assert!(err.to_string().contains("holdout_percent"), "{err}");
        assert_eq!(to_i32("x", 7).unwrap(), 7);
        assert_eq!(to_u32(-1), 0);
    }

    #[test]
    fn a_mapping_error_keeps_its_source_and_its_text() {
        let e = MappingError::UnknownSegment {
            field: "segment".to_owned(),
            key: "ghost".to_owned(),
        };
        let text = e.to_string();
        let c = Classified::from(e);
        assert_eq!(c.message, text);
        assert_eq!(c.error.to_string(), text);
        let source = std::error::Error::source(&c.error).expect("a source");
        assert!(source.downcast_ref::<MappingError>().is_some(), "{source}");
    }

    #[test]
    fn only_reconcile_tags_are_hidden_on_read() {
        let live = HashMap::from([
            ("reconcile:stack".to_owned(), "demo".to_owned()),
            ("reconcile:fp:x".to_owned(), "abc".to_owned()),
            ("team".to_owned(), "growth".to_owned()),
            ("aws:cloudformation".to_owned(), "x".to_owned()),
        ]);
        let tags = user_tags(Some(&live));
        assert_eq!(
            tags.keys().collect::<Vec<_>>(),
            ["aws:cloudformation", "team"]
        );
        let mine = Tags::from([("team".to_owned(), "growth".to_owned())]);
        let sent = create_tags(
            &mine,
            Some(HashMap::from([(
                "reconcile:key".to_owned(),
                "k".to_owned(),
            )])),
        )
        .unwrap();
        assert_eq!(sent.len(), 2);
        assert!(create_tags(&Tags::new(), None).is_none());
    }
}
