//! `SendMessages` and the simulated delivery shared with campaign runs.
//!
//! Nothing leaves the machine. A delivery succeeds when the endpoint (or
//! address) is usable, the app's channel for its type exists, is enabled and
//! holds a credential, and the request carries a message for that channel;
//! otherwise it fails with the status the module docs list. Every attempt is
//! remembered for the KPIs and, when the app has an event stream, written to
//! it as a Pinpoint-shaped event.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Params;
use super::apps::find;
use super::channels::{has_credential, token};
use super::endpoints::key;
use super::eventstream;
use super::model::{App, Delivery, Endpoint, MAX_DELIVERIES};
use super::shapes::{
    ChannelType, DirectMessageConfiguration, MessageRequest, TemplateConfiguration,
};
use super::util::{self, Error, Result, json_reply, parse_body};
use crate::state::State;
use crate::wire::{Ctx, Reply, Request};

/// What one delivery attempt came to (`EndpointMessageResult` /
/// `MessageResult`).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: &'static str,
    pub code: i64,
    pub message: String,
    pub message_id: Option<String>,
}

impl Outcome {
    fn fail(status: &'static str, code: i64, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            message_id: None,
        }
    }

    pub fn successful(&self) -> bool {
        self.status == "SUCCESSFUL"
    }

    fn to_json(&self, address: Option<&str>) -> Value {
        let mut v = json!({
            "DeliveryStatus": self.status,
            "StatusCode": self.code,
            "StatusMessage": self.message,
        });
        if let Some(id) = &self.message_id {
            v["MessageId"] = json!(id);
        }
        if let Some(a) = address {
            v["Address"] = json!(a);
        }
        v
    }
}

/// Delivers through the app's channel for `kind`; `has_message` says
/// whether the request carries a message for that channel.
pub fn deliver(app: &App, kind: ChannelType, has_message: bool) -> Outcome {
    let name = kind.as_str();
    let Some(tok) = token(kind) else {
        return Outcome::fail(
            "PERMANENT_FAILURE",
            400,
            format!("Channel type {name} is not supported"),
        );
    };
    let Some(ch) = app.channels.get(tok) else {
        return Outcome::fail(
            "PERMANENT_FAILURE",
            400,
            format!("{name} channel is not configured for this application"),
        );
    };
    if !ch.enabled {
        return Outcome::fail(
            "PERMANENT_FAILURE",
            400,
            format!("{name} channel is disabled"),
        );
    }
    if !has_credential(kind, ch) {
        return Outcome::fail(
            "PERMANENT_FAILURE",
            400,
            format!("{name} channel has no credentials"),
        );
    }
    if !has_message {
        return Outcome::fail(
            "PERMANENT_FAILURE",
            400,
            format!("No message is configured for channel {name}"),
        );
    }
    let id = util::new_id();
    Outcome {
        status: "SUCCESSFUL",
        code: 200,
        message: format!("MessageId: {id}"),
        message_id: Some(id),
    }
}

/// Delivers to an endpoint: the endpoint itself must be usable first.
pub fn deliver_to_endpoint(
    app: &App,
    e: Option<&Endpoint>,
    has_message: impl Fn(ChannelType) -> bool,
) -> Outcome {
    let Some(e) = e else {
        return Outcome::fail("PERMANENT_FAILURE", 404, "Endpoint not found");
    };
    if e.opt_out == "ALL" {
        return Outcome::fail("OPT_OUT", 400, "Endpoint has opted out of all messages");
    }
    if e.endpoint_status != "ACTIVE" {
        return Outcome::fail("PERMANENT_FAILURE", 400, "Endpoint is inactive");
    }
    let (Some(kind), Some(_)) = (e.channel_type, e.address.as_ref()) else {
        return Outcome::fail(
            "PERMANENT_FAILURE",
            400,
            "Endpoint has no ChannelType or Address",
        );
    };
    deliver(app, kind, has_message(kind))
}

/// Whether a template configuration names a template for a channel.
pub fn template_for(t: Option<&TemplateConfiguration>, kind: ChannelType) -> bool {
    let Some(t) = t else { return false };
    let named =
        |r: &Option<super::shapes::TemplateRef>| r.as_ref().and_then(|r| r.name.as_ref()).is_some();
    match kind {
        k if k.is_push() => named(&t.push_template),
        ChannelType::Sms => named(&t.sms_template),
        ChannelType::Email => named(&t.email_template),
        ChannelType::Voice => named(&t.voice_template),
        _ => false,
    }
}

fn direct_message_for(m: &DirectMessageConfiguration, kind: ChannelType) -> bool {
    let push_default = m.default_push_notification_message.is_some() || m.default_message.is_some();
    match kind {
        k if k.is_apns() => m.apns_message.is_some() || push_default,
        ChannelType::Gcm => m.gcm_message.is_some() || push_default,
        ChannelType::Adm => m.adm_message.is_some() || push_default,
        ChannelType::Baidu => m.baidu_message.is_some() || push_default,
        ChannelType::Sms => m.sms_message.is_some() || m.default_message.is_some(),
        ChannelType::Email => m.email_message.is_some() || m.default_message.is_some(),
        ChannelType::Voice => m.voice_message.is_some(),
        _ => false,
    }
}

/// Remembers a delivery for the KPIs, keeping at most [`MAX_DELIVERIES`].
pub fn record(app: &mut App, d: Delivery) {
    app.deliveries.push(d);
    if app.deliveries.len() > MAX_DELIVERIES {
        let extra = app.deliveries.len() - MAX_DELIVERIES;
        app.deliveries.drain(..extra);
    }
}

/// The `client_context.custom.endpoint` string of stream events.
pub fn endpoint_context(e: &Endpoint) -> String {
    let mut v = json!({
        "ChannelType": e.channel_type.map(ChannelType::as_str),
        "EndpointStatus": e.endpoint_status,
        "OptOut": e.opt_out,
        "RequestId": e.request_id,
        "EffectiveDate": e.effective_date,
        "User": e.user.as_ref().map_or(json!({}), util::to_json),
    });
    if let Some(a) = &e.address {
        v["Address"] = json!(a);
    }
    v.to_string()
}

pub fn send(ctx: &Ctx, state: &mut State, req: &Request, p: &Params) -> Result<Reply> {
    let body: MessageRequest = parse_body(req)?;
    let Some(config) = body.message_configuration.as_ref() else {
        return Err(Error::bad("MessageConfiguration is required"));
    };
    let addresses = body.addresses.clone().unwrap_or_default();
    let endpoints = body.endpoints.clone().unwrap_or_default();
    if addresses.is_empty() && endpoints.is_empty() {
        return Err(Error::bad("Addresses or Endpoints is required"));
    }
    if ctx.end_of_support && !endpoints.is_empty() {
        return Err(super::retired::refusal("SendMessages", ctx.retired_shape));
    }
    for (addr, a) in &addresses {
        if a.channel_type.is_none() {
            return Err(Error::bad(format!(
                "ChannelType is required for address `{addr}`"
            )));
        }
    }
    if let Some(t) = body
        .template_configuration
        .as_ref()
        .and_then(|t| t.push_template.as_ref())
    {
        let name = util::required(t.name.as_ref(), "TemplateConfiguration.PushTemplate.Name")?;
        if !super::templates::exists(state, name, t.version.as_deref()) {
            return Err(Error::bad(format!("Template `{name}` not found")));
        }
    }
    let app = find(state, &p.app)?;
    let has_message = |kind| {
        direct_message_for(config, kind) || template_for(body.template_configuration.as_ref(), kind)
    };
    let at_ms = (ctx.now.unix_timestamp_nanos() / 1_000_000) as i64;
    let mut deliveries = Vec::new();
    let mut events = Vec::new();
    let mut result = BTreeMap::new();
    for (addr, a) in &addresses {
        let kind = a.channel_type.unwrap_or(ChannelType::Push);
        let out = deliver(app, kind, has_message(kind));
        deliveries.push(Delivery {
            at_ms,
            campaign_id: None,
            activity_id: None,
            target: addr.clone(),
            channel: kind,
            successful: out.successful(),
        });
        events.push((
            addr.clone(),
            direct_event(ctx, app, kind, &out, body.trace_id.as_deref(), addr, None),
        ));
        result.insert(addr.clone(), out.to_json(None));
    }
    let mut endpoint_result = BTreeMap::new();
    for id in endpoints.keys() {
        let e = app.endpoints.get(&key(id));
        let out = deliver_to_endpoint(app, e, has_message);
        // Opted-out endpoints are not attempted: no delivery, no event.
        let attempted = out.status != "OPT_OUT";
        if let (Some(e), Some(kind), true) = (e, e.and_then(|e| e.channel_type), attempted) {
            deliveries.push(Delivery {
                at_ms,
                campaign_id: None,
                activity_id: None,
                target: key(&e.id),
                channel: kind,
                successful: out.successful(),
            });
            events.push((
                e.id.clone(),
                direct_event(
                    ctx,
                    app,
                    kind,
                    &out,
                    body.trace_id.as_deref(),
                    &e.id,
                    Some(e),
                ),
            ));
        }
        endpoint_result.insert(
            id.clone(),
            out.to_json(e.and_then(|e| e.address.as_deref())),
        );
    }
    let app_id = app.id.clone();
    let app = super::apps::find_mut(state, &p.app)?;
    for d in deliveries {
        record(app, d);
    }
    eventstream::publish(ctx, state, &app_id, events);
    let mut reply = json!({"ApplicationId": app_id, "RequestId": ctx.request_id});
    if !result.is_empty() {
        reply["Result"] = json!(result);
    }
    if !endpoint_result.is_empty() {
        reply["EndpointResult"] = json!(endpoint_result);
    }
    Ok(json_reply(ctx, 200, &reply))
}

/// The stream event of a direct send. AWS documents no event for direct
/// push sends; this one has the envelope of the documented campaign event.
fn direct_event(
    ctx: &Ctx,
    app: &App,
    kind: ChannelType,
    out: &Outcome,
    trace_id: Option<&str>,
    client_id: &str,
    endpoint: Option<&Endpoint>,
) -> Value {
    let ms = (ctx.now.unix_timestamp_nanos() / 1_000_000) as i64;
    let mut attributes = json!({
        "delivery_type": kind.as_str(),
        "send_status": if out.successful() { "SUCCESS" } else { "FAILURE" },
        "status_code": out.code.to_string(),
    });
    if let Some(id) = &out.message_id {
        attributes["message_id"] = json!(id);
    }
    if let Some(t) = trace_id {
        attributes["trace_id"] = json!(t);
    }
    let mut event = json!({
        "event_type": "_direct.send",
        "event_timestamp": ms,
        "arrival_timestamp": ms,
        "event_version": "3.1",
        "application": {"app_id": app.id, "sdk": {}},
        "client": {"client_id": client_id},
        "device": {"platform": {}},
        "session": {},
        "attributes": attributes,
        "awsAccountId": ctx.account_id,
    });
    if let Some(e) = endpoint {
        event["client_context"] = json!({"custom": {"endpoint": endpoint_context(e)}});
    }
    event
}
