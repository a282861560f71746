//! The nine channels (`/v1/apps/{id}/channels/{token}`): Update is an
//! upsert that bumps `Version`; credentials are write-only (only "was
//! given" flags are kept) and show as `HasCredential`, `HasTokenKey`,
//! `HasFcmServiceCredentials` and `DefaultAuthenticationMethod`.

use serde_json::{Value, json};

use super::Params;
use super::apps::{find, find_mut};
use super::model::{App, Channel, Credentials};
use super::shapes::{ChannelRequest, ChannelType};
use super::util::{Error, Result, fmt_date, json_reply, parse_body};
use crate::state::State;
use crate::wire::{Ctx, Reply, Request};

/// The channel type of a path token.
pub fn channel_type(token: &str) -> Option<ChannelType> {
    Some(match token {
        "apns" => ChannelType::Apns,
        "apns_sandbox" => ChannelType::ApnsSandbox,
        "apns_voip" => ChannelType::ApnsVoip,
        "apns_voip_sandbox" => ChannelType::ApnsVoipSandbox,
        "gcm" => ChannelType::Gcm,
        "adm" => ChannelType::Adm,
        "baidu" => ChannelType::Baidu,
        "email" => ChannelType::Email,
        "sms" => ChannelType::Sms,
        _ => return None,
    })
}

/// The path token of a channel type, for those that are channels.
pub fn token(kind: ChannelType) -> Option<&'static str> {
    Some(match kind {
        ChannelType::Apns => "apns",
        ChannelType::ApnsSandbox => "apns_sandbox",
        ChannelType::ApnsVoip => "apns_voip",
        ChannelType::ApnsVoipSandbox => "apns_voip_sandbox",
        ChannelType::Gcm => "gcm",
        ChannelType::Adm => "adm",
        ChannelType::Baidu => "baidu",
        ChannelType::Email => "email",
        ChannelType::Sms => "sms",
        _ => return None,
    })
}

fn apns_certificate(c: &Credentials) -> bool {
    c.certificate && c.private_key
}

fn apns_token(c: &Credentials) -> bool {
    c.token_key && c.token_key_id && c.bundle_id && c.team_id
}

/// Whether the channel holds a usable credential.
pub fn has_credential(kind: ChannelType, ch: &Channel) -> bool {
    let c = &ch.credentials;
    match kind {
        k if k.is_apns() => apns_certificate(c) || apns_token(c),
        ChannelType::Gcm => c.api_key || c.service_json,
        ChannelType::Adm => c.client_id && c.client_secret,
        ChannelType::Baidu => c.api_key && c.secret_key,
        _ => true,
    }
}

/// The body of a channel response; `Platform` only outside `GetChannels`.
fn response(app_id: &str, kind: ChannelType, token: &str, ch: &Channel, platform: bool) -> Value {
    let mut body = json!({
        "ApplicationId": app_id,
        "CreationDate": ch.creation_date,
        "Enabled": ch.enabled,
        "Id": token,
        "IsArchived": false,
        "LastModifiedDate": ch.last_modified_date,
        "Version": ch.version,
    });
    if !matches!(kind, ChannelType::Sms | ChannelType::Email) {
        body["HasCredential"] = json!(has_credential(kind, ch));
    }
    if platform {
        body["Platform"] = json!(kind.as_str());
    }
    match kind {
        k if k.is_apns() => {
            body["HasTokenKey"] = json!(apns_token(&ch.credentials));
            if let Some(m) = &ch.default_authentication_method {
                body["DefaultAuthenticationMethod"] = json!(m);
            }
        }
        ChannelType::Gcm => {
            body["HasFcmServiceCredentials"] = json!(ch.credentials.service_json);
            if let Some(m) = &ch.default_authentication_method {
                body["DefaultAuthenticationMethod"] = json!(m);
            }
        }
        ChannelType::Email => {
            for (k, v) in &ch.fields {
                body[k.as_str()] = json!(v);
            }
            body["MessagesPerSecond"] = json!(1);
        }
        ChannelType::Sms => {
            for (k, v) in &ch.fields {
                body[k.as_str()] = json!(v);
            }
            body["PromotionalMessagesPerSecond"] = json!(20);
            body["TransactionalMessagesPerSecond"] = json!(20);
        }
        _ => {}
    }
    body
}

fn kind_of(p: &Params) -> Result<ChannelType> {
    channel_type(&p.sub).ok_or_else(|| Error::not_found("Resource not found"))
}

fn channel<'a>(app: &'a App, p: &Params) -> Result<&'a Channel> {
    app.channels
        .get(&p.sub)
        .ok_or_else(|| Error::not_found("Resource not found"))
}

pub fn get(ctx: &Ctx, state: &State, p: &Params) -> Result<Reply> {
    let kind = kind_of(p)?;
    let app = find(state, &p.app)?;
    let ch = channel(app, p)?;
    Ok(json_reply(
        ctx,
        200,
        &response(&app.id, kind, &p.sub, ch, true),
    ))
}

pub fn delete(ctx: &Ctx, state: &mut State, p: &Params) -> Result<Reply> {
    let kind = kind_of(p)?;
    let app = find_mut(state, &p.app)?;
    let ch = app
        .channels
        .remove(&p.sub)
        .ok_or_else(|| Error::not_found("Resource not found"))?;
    Ok(json_reply(
        ctx,
        200,
        &response(&app.id, kind, &p.sub, &ch, true),
    ))
}

pub fn list(ctx: &Ctx, state: &State, p: &Params) -> Result<Reply> {
    let app = find(state, &p.app)?;
    let mut channels = serde_json::Map::new();
    for (token, ch) in &app.channels {
        if let Some(kind) = channel_type(token) {
            channels.insert(
                kind.as_str().to_owned(),
                response(&app.id, kind, token, ch, false),
            );
        }
    }
    channels.insert(
        "IN_APP".to_owned(),
        json!({"Enabled": true, "IsArchived": false, "Version": 0}),
    );
    Ok(json_reply(ctx, 200, &json!({ "Channels": channels })))
}

/// A member counts as given when it is a non-blank string.
fn given(v: Option<&String>) -> bool {
    v.is_some_and(|s| !s.trim().is_empty())
}

fn require(members: &[(&str, Option<&String>)]) -> Result<()> {
    let missing: Vec<&str> = members
        .iter()
        .filter(|(_, v)| !given(*v))
        .map(|(n, _)| *n)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::bad(format!("Missing {}", missing.join(", "))))
    }
}

/// Builds the channel an update leaves, or the 400 it deserves.
fn build(
    ctx: &Ctx,
    kind: ChannelType,
    old: Option<&Channel>,
    body: &ChannelRequest,
) -> Result<Channel> {
    let mut creds = old.map(|c| c.credentials).unwrap_or_default();
    let before = creds;
    let mut method = body
        .default_authentication_method
        .as_deref()
        .map(str::to_ascii_uppercase);
    let mut fields = old.map(|c| c.fields.clone()).unwrap_or_default();
    match kind {
        k if k.is_apns() => {
            if let Some(m) = &method
                && m != "CERTIFICATE"
                && m != "TOKEN"
            {
                return Err(Error::bad(format!(
                    "Invalid DefaultAuthenticationMethod `{m}`: use CERTIFICATE or TOKEN"
                )));
            }
            let sent_token = [
                &body.token_key,
                &body.token_key_id,
                &body.bundle_id,
                &body.team_id,
            ]
            .iter()
            .any(|v| given(v.as_ref()));
            let sent_cert = given(body.certificate.as_ref()) || given(body.private_key.as_ref());
            creds.certificate |= given(body.certificate.as_ref());
            creds.private_key |= given(body.private_key.as_ref());
            creds.token_key |= given(body.token_key.as_ref());
            creds.token_key_id |= given(body.token_key_id.as_ref());
            creds.bundle_id |= given(body.bundle_id.as_ref());
            creds.team_id |= given(body.team_id.as_ref());
            if method.is_none() {
                method = if sent_token {
                    Some("TOKEN".into())
                } else if sent_cert {
                    Some("CERTIFICATE".into())
                } else {
                    old.and_then(|c| c.default_authentication_method.clone())
                };
            }
            match method.as_deref() {
                Some("TOKEN") if !apns_token(&creds) => {
                    return Err(Error::bad(
                        "TOKEN authentication needs TokenKey, TokenKeyId, BundleId and TeamId",
                    ));
                }
                Some("CERTIFICATE") if !apns_certificate(&creds) => {
                    return Err(Error::bad(
                        "CERTIFICATE authentication needs Certificate and PrivateKey",
                    ));
                }
                None => {
                    return Err(Error::bad(
                        "Missing credentials: send Certificate and PrivateKey, or TokenKey, TokenKeyId, BundleId and TeamId",
                    ));
                }
                _ => {}
            }
        }
        ChannelType::Gcm => {
            if let Some(m) = &method
                && m != "KEY"
                && m != "TOKEN"
            {
                return Err(Error::bad(format!(
                    "Invalid DefaultAuthenticationMethod `{m}`: use KEY or TOKEN"
                )));
            }
            if let Some(sj) = body.service_json.as_ref().filter(|s| given(Some(s))) {
                let ok = serde_json::from_str::<Value>(sj).is_ok_and(|v| v.is_object());
                if !ok {
                    return Err(Error::bad("ServiceJson is not a valid JSON object"));
                }
            }
            creds.api_key |= given(body.api_key.as_ref());
            creds.service_json |= given(body.service_json.as_ref());
            if method.is_none() {
                method = if given(body.service_json.as_ref()) {
                    Some("TOKEN".into())
                } else if given(body.api_key.as_ref()) {
                    Some("KEY".into())
                } else {
                    old.and_then(|c| c.default_authentication_method.clone())
                };
            }
            match method.as_deref() {
                Some("KEY") if !creds.api_key => {
                    return Err(Error::bad("KEY authentication needs ApiKey"));
                }
                Some("TOKEN") if !creds.service_json => {
                    return Err(Error::bad("TOKEN authentication needs ServiceJson"));
                }
                None => {
                    return Err(Error::bad(
                        "Missing credentials: send ApiKey or ServiceJson",
                    ));
                }
                _ => {}
            }
        }
        ChannelType::Adm => {
            require(&[
                ("ClientId", body.client_id.as_ref()),
                ("ClientSecret", body.client_secret.as_ref()),
            ])?;
            creds.client_id = true;
            creds.client_secret = true;
            method = None;
        }
        ChannelType::Baidu => {
            require(&[
                ("ApiKey", body.api_key.as_ref()),
                ("SecretKey", body.secret_key.as_ref()),
            ])?;
            creds.api_key = true;
            creds.secret_key = true;
            method = None;
        }
        ChannelType::Email => {
            require(&[
                ("FromAddress", body.from_address.as_ref()),
                ("Identity", body.identity.as_ref()),
            ])?;
            for (name, v) in [
                ("FromAddress", &body.from_address),
                ("Identity", &body.identity),
                ("RoleArn", &body.role_arn),
                ("ConfigurationSet", &body.configuration_set),
                (
                    "OrchestrationSendingRoleArn",
                    &body.orchestration_sending_role_arn,
                ),
            ] {
                if let Some(v) = v {
                    fields.insert(name.to_owned(), v.clone());
                }
            }
            method = None;
        }
        ChannelType::Sms => {
            for (name, v) in [
                ("SenderId", &body.sender_id),
                ("ShortCode", &body.short_code),
            ] {
                if let Some(v) = v {
                    fields.insert(name.to_owned(), v.clone());
                }
            }
            method = None;
        }
        _ => return Err(Error::not_found("Resource not found")),
    }
    let now = fmt_date(ctx.now);
    let sent_credentials = creds != before
        || [
            &body.certificate,
            &body.private_key,
            &body.token_key,
            &body.api_key,
            &body.service_json,
            &body.client_secret,
            &body.secret_key,
        ]
        .iter()
        .any(|v| given(v.as_ref()));
    Ok(Channel {
        enabled: body.enabled.or(old.map(|c| c.enabled)).unwrap_or(true),
        creation_date: old.map_or_else(|| now.clone(), |c| c.creation_date.clone()),
        last_modified_date: now,
        version: old.map_or(1, |c| c.version + 1),
        default_authentication_method: method,
        credentials: creds,
        credential_updates: old.map_or(0, |c| c.credential_updates) + u64::from(sent_credentials),
        fields,
    })
}

pub fn update(ctx: &Ctx, state: &mut State, req: &Request, p: &Params) -> Result<Reply> {
    let kind = kind_of(p)?;
    let body: ChannelRequest = parse_body(req)?;
    let app = find(state, &p.app)?;
    let ch = build(ctx, kind, app.channels.get(&p.sub), &body)?;
    let app = find_mut(state, &p.app)?;
    let reply = response(&app.id, kind, &p.sub, &ch, true);
    app.channels.insert(p.sub.clone(), ch);
    Ok(json_reply(ctx, 200, &reply))
}
