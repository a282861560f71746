//! The app's event stream (`/v1/apps/{id}/eventstream`) and the writing of
//! Pinpoint events to the emulated Kinesis stream it names.

use serde_json::{Value, json};

use super::Params;
use super::apps::{find, find_mut};
use super::model::EventStream;
use super::shapes::WriteEventStream;
use super::util::{self, Error, Result, fmt_date, json_reply, parse_body};
use crate::state::State;
use crate::wire::{Ctx, Reply, Request};

/// `LastUpdatedBy`: AWS shows the caller's IAM user id; the emulator has no
/// users, so a fixed one.
pub const LAST_UPDATED_BY: &str = "AIDAEMULATOR000000001";

fn response(app_id: &str, s: &EventStream) -> Value {
    json!({
        "ApplicationId": app_id,
        "DestinationStreamArn": s.destination_stream_arn,
        "LastModifiedDate": s.last_modified_date,
        "LastUpdatedBy": s.last_updated_by,
        "RoleArn": s.role_arn,
    })
}

/// The role name of an IAM role ARN in this account.
fn role_name<'a>(ctx: &Ctx, arn: &'a str) -> Option<&'a str> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path = resource.strip_prefix("role/")?;
    let name = path.rsplit('/').next()?;
    (account == ctx.account_id && !name.is_empty()).then_some(name)
}

/// Whether the emulated IAM has the role (names are case-insensitive).
fn role_exists(state: &State, name: &str) -> bool {
    state.iam.roles.contains_key(&name.to_lowercase())
}

/// Whether the emulated Kinesis has the stream.
fn stream_exists(state: &State, arn: &str) -> bool {
    crate::kinesis::stream_exists(&state.kinesis, arn)
}

pub fn put(ctx: &Ctx, state: &mut State, req: &Request, p: &Params) -> Result<Reply> {
    let body: WriteEventStream = parse_body(req)?;
    let stream = util::required(body.destination_stream_arn.as_ref(), "DestinationStreamArn")?;
    let role = util::required(body.role_arn.as_ref(), "RoleArn")?;
    find(state, &p.app)?;
    if stream.starts_with("arn:aws:firehose:") {
        return Err(Error::bad(format!(
            "DestinationStreamArn `{stream}` names a Firehose delivery stream; the emulator serves Kinesis data streams only"
        )));
    }
    let kinesis_prefix = format!("arn:aws:kinesis:{}:{}:stream/", ctx.region, ctx.account_id);
    if !stream.starts_with(&kinesis_prefix) {
        return Err(Error::bad(format!(
            "Invalid DestinationStreamArn `{stream}`: expected a Kinesis stream ARN `{kinesis_prefix}<name>`"
        )));
    }
    let role_ok = role_name(ctx, role).is_some_and(|n| role_exists(state, n));
    if !role_ok {
        return Err(Error::bad(format!(
            "Could not assume the role `{role}`: make sure the IAM Role is configured correctly"
        )));
    }
    if !stream_exists(state, stream) {
        return Err(Error::bad(format!(
            "Kinesis stream `{stream}` not found: make sure the stream exists and is active"
        )));
    }
    let s = EventStream {
        destination_stream_arn: stream.to_owned(),
        role_arn: role.to_owned(),
        last_modified_date: fmt_date(ctx.now),
        last_updated_by: LAST_UPDATED_BY.to_owned(),
    };
    let app = find_mut(state, &p.app)?;
    let reply = response(&app.id, &s);
    app.event_stream = Some(s);
    Ok(json_reply(ctx, 200, &reply))
}

pub fn get(ctx: &Ctx, state: &State, p: &Params) -> Result<Reply> {
    let app = find(state, &p.app)?;
    let s = app
        .event_stream
        .as_ref()
        .ok_or_else(|| Error::not_found("Resource not found"))?;
    Ok(json_reply(ctx, 200, &response(&app.id, s)))
}

pub fn delete(ctx: &Ctx, state: &mut State, p: &Params) -> Result<Reply> {
    let app = find_mut(state, &p.app)?;
    let s = app
        .event_stream
        .take()
        .ok_or_else(|| Error::not_found("Resource not found"))?;
    Ok(json_reply(ctx, 200, &response(&app.id, &s)))
}

/// Writes events (partition key, event) to the app's event stream, if it
/// has one. A stream deleted since is skipped, as AWS drops the events.
pub fn publish(ctx: &Ctx, state: &mut State, app_id: &str, events: Vec<(String, Value)>) {
    let now_ms = (ctx.now.unix_timestamp_nanos() / 1_000_000) as i64;
    let Some(arn) = state
        .pinpoint
        .apps
        .get(app_id)
        .and_then(|a| a.event_stream.as_ref())
        .map(|s| s.destination_stream_arn.clone())
    else {
        return;
    };
    for (partition_key, event) in events {
        let data = event.to_string().into_bytes();
        // A stream deleted since the event stream was set drops the event.
        let _ = crate::kinesis::append_record_at(
            &mut state.kinesis,
            &arn,
            data,
            &partition_key,
            now_ms,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_come_from_arns_of_this_account() {
        let ctx = Ctx {
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            now: time::OffsetDateTime::UNIX_EPOCH,
            request_id: "r".into(),
            end_of_support: false,
            retired_shape: crate::RetiredShape::default(),
        };
        assert_eq!(
            role_name(&ctx, "arn:aws:iam::123456789012:role/PinpointRole"),
            Some("PinpointRole")
        );
        assert_eq!(
            role_name(&ctx, "arn:aws:iam::123456789012:role/service-role/x/Deep"),
            Some("Deep")
        );
        assert_eq!(role_name(&ctx, "arn:aws:iam::999999999999:role/R"), None);
        assert_eq!(role_name(&ctx, "arn:aws:iam::123456789012:user/U"), None);
    }
}
