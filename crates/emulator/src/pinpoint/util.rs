//! What every Pinpoint handler shares: the error enum, JSON bodies in and
//! out, timestamps in Pinpoint's string format, ids, ARNs, paging, tags.

use axum::http::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::{Iso8601, Rfc3339};

use super::shapes::Tags;
use crate::wire::{Ctx, Reply, Request};

/// Why a Pinpoint request fails, in the service's own error codes.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    /// A retired operation answered as unknown (no message).
    #[error("")]
    UnknownOperation,
}

impl Error {
    pub fn bad(msg: impl Into<String>) -> Self {
        Error::BadRequest(msg.into())
    }

    pub fn not_found(msg: impl Into<String>) -> Self {
        Error::NotFound(msg.into())
    }

    pub fn status(&self) -> u16 {
        match self {
            Error::BadRequest(_) => 400,
            Error::Forbidden(_) => 403,
            Error::NotFound(_) => 404,
            Error::MethodNotAllowed(_) => 405,
            Error::UnknownOperation => 404,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Error::BadRequest(_) => "BadRequestException",
            Error::Forbidden(_) => "ForbiddenException",
            Error::NotFound(_) => "NotFoundException",
            Error::MethodNotAllowed(_) => "MethodNotAllowedException",
            Error::UnknownOperation => "UnknownOperationException",
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// The message of a request for an application that does not exist.
pub const APP_NOT_FOUND: &str = "Application not found";

/// The 403 that answers engagement operations after the end of support.
pub const END_OF_SUPPORT: &str = "Amazon Pinpoint engagement features reached end of support on 2026-10-30: endpoints, segments, campaigns, analytics and event streams are no longer available. Use AWS End User Messaging for push, SMS and voice.";

/// A JSON reply with the request id header every Pinpoint reply carries.
pub fn json_reply(ctx: &Ctx, status: u16, body: &Value) -> Reply {
    Reply::new(
        StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
        "application/json",
        serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec()),
    )
    .with_header("x-amzn-RequestId", ctx.request_id.clone())
}

/// 204 with an empty body (TagResource, UntagResource).
pub fn no_content(ctx: &Ctx) -> Reply {
    Reply::new(StatusCode::NO_CONTENT, "application/json", Vec::new())
        .with_header("x-amzn-RequestId", ctx.request_id.clone())
}

/// `MessageBody`: `{"Message": ..., "RequestID": ...}`.
pub fn message_body(ctx: &Ctx, status: u16, message: &str) -> Reply {
    json_reply(
        ctx,
        status,
        &serde_json::json!({"Message": message, "RequestID": ctx.request_id}),
    )
}

/// Parses the request body as the payload shape `T`. An empty body is `{}`
/// (what the SDKs send for an unset payload); anything that is not a JSON
/// object of the right member types is a 400.
pub fn parse_body<T: DeserializeOwned>(req: &Request) -> Result<T> {
    let body: &[u8] = if req.body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &req.body
    };
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Error::bad(format!("Could not parse request body into json: {e}")))?;
    if !value.is_object() {
        return Err(Error::bad(
            "Could not parse request body into json: the body must be a JSON object",
        ));
    }
    serde_json::from_value(value).map_err(|e| Error::bad(format!("Invalid request body: {e}")))
}

/// Serialises a shape and drops absent (`null`) members at every depth, so
/// that what was never set is not on the wire.
pub fn to_json<T: Serialize>(value: &T) -> Value {
    let mut v = serde_json::to_value(value).unwrap_or(Value::Null);
    strip_nulls(&mut v);
    v
}

fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, x| !x.is_null());
            for x in map.values_mut() {
                strip_nulls(x);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// Merges `extra` into the object `base` (later wins).
pub fn merge(base: &mut Value, extra: Value) {
    if let (Value::Object(b), Value::Object(e)) = (base, extra) {
        for (k, v) in e {
            b.insert(k, v);
        }
    }
}

pub fn object(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    let mut map = Map::new();
    for (k, v) in pairs {
        if !v.is_null() {
            map.insert(k.to_owned(), v);
        }
    }
    Value::Object(map)
}

/// Pinpoint's date format: `2019-10-08T18:40:16.581Z`.
pub fn fmt_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// An ISO-8601 timestamp as the SDKs send it (RFC 3339 or the wider
/// ISO-8601 forms).
pub fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(s, &Iso8601::DEFAULT))
        .ok()
}

/// A real timestamp (KPI `StartTime`/`EndTime`): RFC 3339 in UTC.
pub fn fmt_timestamp(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// A new id: 32 lowercase hex characters.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

pub fn app_arn(ctx: &Ctx, app_id: &str) -> String {
    format!(
        "arn:aws:mobiletargeting:{}:{}:apps/{app_id}",
        ctx.region, ctx.account_id
    )
}

/// Reads `page-size`: absent is the default; it must be a positive number.
pub fn page_size(req: &Request, default: usize) -> Result<usize> {
    match req.query_param("page-size") {
        None | Some("") => Ok(default),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n.min(MAX_PAGE_SIZE)),
            _ => Err(Error::bad(format!(
                "Invalid page-size `{s}`: it must be a positive integer"
            ))),
        },
    }
}

/// The default page size of list operations (undocumented; see the module
/// docs).
pub const DEFAULT_PAGE_SIZE: usize = 20;
/// The largest page served; larger requests are clamped.
pub const MAX_PAGE_SIZE: usize = 1000;

/// One page of `items` (already in listing order) from the opaque token,
/// which is the decimal offset of the first item.
pub fn paginate<T: Clone>(
    items: &[T],
    token: Option<&str>,
    size: usize,
) -> Result<(Vec<T>, Option<String>)> {
    let start = match token {
        None | Some("") => 0,
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|&n| n <= items.len())
            .ok_or_else(|| Error::bad(format!("Invalid token `{t}`")))?,
    };
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    Ok((items[start..end].to_vec(), next))
}

/// AWS's tag rules: at most 50 per resource, keys 1-128 and values 0-256
/// characters of letters, digits, spaces and `_ . : / = + - @`, and no key
/// starting with the reserved `aws:` prefix.
pub fn validate_tags(tags: &Tags) -> Result<()> {
    if tags.len() > MAX_TAGS {
        return Err(Error::bad(format!(
            "Too many tags: {} given, at most {MAX_TAGS} are allowed per resource",
            tags.len()
        )));
    }
    let allowed = |c: char| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c);
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(Error::bad(format!(
                "Invalid tag key `{k}`: a key must be 1 to 128 characters long"
            )));
        }
        if v.chars().count() > 256 {
            return Err(Error::bad(format!(
                "Invalid value for tag `{k}`: a value must be at most 256 characters long"
            )));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(Error::bad(format!(
                "Invalid tag key `{k}`: the `aws:` prefix is reserved for AWS use"
            )));
        }
        if !k.chars().all(allowed) || !v.chars().all(allowed) {
            return Err(Error::bad(format!(
                "Invalid tag `{k}`: tags may contain only letters, digits, spaces and _ . : / = + - @"
            )));
        }
    }
    Ok(())
}

pub const MAX_TAGS: usize = 50;

/// A required string member: present and not empty.
pub fn required<'a>(value: Option<&'a String>, name: &str) -> Result<&'a str> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(Error::bad(format!("{name} is required"))),
    }
}

/// `HH:MM` in 24-hour time (quiet times).
pub fn valid_hhmm(s: &str) -> bool {
    let Some((h, m)) = s.split_once(':') else {
        return false;
    };
    h.len() == 2
        && m.len() == 2
        && h.parse::<u8>().is_ok_and(|h| h < 24)
        && m.parse::<u8>().is_ok_and(|m| m < 60)
}

pub fn validate_quiet_time(q: &super::shapes::QuietTime) -> Result<()> {
    for (name, v) in [("Start", &q.start), ("End", &q.end)] {
        if let Some(v) = v
            && !valid_hhmm(v)
        {
            return Err(Error::bad(format!(
                "QuietTime.{name} `{v}` is not a valid time: use HH:MM in 24-hour format"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_have_millisecond_precision_and_z() {
        let t = time::macros::datetime!(2019-10-08 18:40:16.581 UTC);
        assert_eq!(fmt_date(t), "2019-10-08T18:40:16.581Z");
        assert_eq!(fmt_timestamp(t), "2019-10-08T18:40:16.581Z");
        assert_eq!(parse_time("2019-10-08T18:40:16.581Z"), Some(t));
        assert!(parse_time("2024-01-01T00:00:00+02:00").is_some());
        assert!(parse_time("tomorrow").is_none());
    }

    #[test]
    fn paging_walks_every_item_once() {
        let items: Vec<u32> = (0..45).collect();
        let mut seen = Vec::new();
        let mut token = None;
        loop {
            let (page, next) = paginate(&items, token.as_deref(), 20).unwrap();
            seen.extend(page);
            match next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        assert_eq!(seen, items);
        assert!(paginate(&items, Some("x"), 20).is_err());
        assert!(paginate(&items, Some("46"), 20).is_err());
    }

    #[test]
    fn tag_rules() {
        let ok: Tags = [("reconcile:stack".to_owned(), "demo".to_owned())].into();
        assert!(validate_tags(&ok).is_ok());
        let reserved: Tags = [("AWS:x".to_owned(), "v".to_owned())].into();
        assert!(validate_tags(&reserved).is_err());
        let long: Tags = [("k".repeat(129), String::new())].into();
        assert!(validate_tags(&long).is_err());
        let many: Tags = (0..51).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(validate_tags(&many).is_err());
        let bad_char: Tags = [("k".to_owned(), "a;b".to_owned())].into();
        assert!(validate_tags(&bad_char).is_err());
    }

    #[test]
    fn quiet_time_format() {
        assert!(valid_hhmm("22:00"));
        assert!(valid_hhmm("08:05"));
        assert!(!valid_hhmm("8:00"));
        assert!(!valid_hhmm("24:00"));
        assert!(!valid_hhmm("noon"));
    }
}
