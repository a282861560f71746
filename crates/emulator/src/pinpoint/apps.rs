//! Applications (projects) and their settings.

use serde_json::{Value, json};

use super::Params;
use super::model::App;
use super::shapes::{CreateApplicationRequest, WriteApplicationSettingsRequest};
use super::util::{
    self, APP_NOT_FOUND, DEFAULT_PAGE_SIZE, Error, Result, fmt_date, json_reply, parse_body,
    to_json,
};
use crate::state::State;
use crate::wire::{Ctx, Reply, Request};

/// AWS's quota of projects per region.
pub const MAX_APPS: usize = 100;

/// The app a request names, or 404 "Application not found".
pub fn find<'a>(state: &'a State, id: &str) -> Result<&'a App> {
    state
        .pinpoint
        .apps
        .get(id)
        .ok_or_else(|| Error::not_found(APP_NOT_FOUND))
}

pub fn find_mut<'a>(state: &'a mut State, id: &str) -> Result<&'a mut App> {
    state
        .pinpoint
        .apps
        .get_mut(id)
        .ok_or_else(|| Error::not_found(APP_NOT_FOUND))
}

/// `ApplicationResponse`.
pub fn response(app: &App) -> Value {
    json!({
        "Arn": app.arn,
        "Id": app.id,
        "Name": app.name,
        "tags": app.tags,
        "CreationDate": app.creation_date,
    })
}

pub fn create(ctx: &Ctx, state: &mut State, req: &Request) -> Result<Reply> {
    let body: CreateApplicationRequest = parse_body(req)?;
    let name = util::required(body.name.as_ref(), "Name")?.to_owned();
    let tags = body.tags.unwrap_or_default();
    util::validate_tags(&tags)?;
    if state.pinpoint.apps.len() >= MAX_APPS {
        return Err(Error::bad(format!(
            "Maximum number of applications ({MAX_APPS}) reached for this account in {}",
            ctx.region
        )));
    }
    let id = util::new_id();
    let app = App {
        seq: state.pinpoint.seq(),
        arn: util::app_arn(ctx, &id),
        id: id.clone(),
        name,
        creation_date: fmt_date(ctx.now),
        tags,
        ..App::default()
    };
    let body = response(&app);
    state.pinpoint.apps.insert(id, app);
    Ok(json_reply(ctx, 201, &body))
}

pub fn get(ctx: &Ctx, state: &State, p: &Params) -> Result<Reply> {
    Ok(json_reply(ctx, 200, &response(find(state, &p.app)?)))
}

pub fn list(ctx: &Ctx, state: &State, req: &Request) -> Result<Reply> {
    let size = util::page_size(req, DEFAULT_PAGE_SIZE)?;
    let mut apps: Vec<&App> = state.pinpoint.apps.values().collect();
    apps.sort_by_key(|a| a.seq);
    let (page, next) = util::paginate(&apps, req.query_param("token"), size)?;
    let items: Vec<Value> = page.into_iter().map(response).collect();
    let mut body = json!({ "Item": items });
    if let Some(next) = next {
        body["NextToken"] = json!(next);
    }
    Ok(json_reply(ctx, 200, &body))
}

pub fn delete(ctx: &Ctx, state: &mut State, p: &Params) -> Result<Reply> {
    let app = state
        .pinpoint
        .apps
        .remove(&p.app)
        .ok_or_else(|| Error::not_found(APP_NOT_FOUND))?;
    Ok(json_reply(ctx, 200, &response(&app)))
}

/// `ApplicationSettingsResource`; the write-only members are never in it.
fn settings_response(app: &App) -> Value {
    let s = &app.settings;
    let mut body = json!({
        "ApplicationId": app.id,
        "CampaignHook": s.campaign_hook.as_ref().map_or(json!({}), to_json),
        "LastModifiedDate": s.last_modified_date.as_deref().unwrap_or(&app.creation_date),
        "Limits": s.limits.as_ref().map_or(json!({}), to_json),
        "QuietTime": s.quiet_time.as_ref().map_or(json!({}), to_json),
    });
    if let Some(j) = &s.journey_limits {
        body["JourneyLimits"] = to_json(j);
    }
    body
}

pub fn get_settings(ctx: &Ctx, state: &State, p: &Params) -> Result<Reply> {
    Ok(json_reply(
        ctx,
        200,
        &settings_response(find(state, &p.app)?),
    ))
}

pub fn update_settings(ctx: &Ctx, state: &mut State, req: &Request, p: &Params) -> Result<Reply> {
    let body: WriteApplicationSettingsRequest = parse_body(req)?;
    find(state, &p.app)?;
    if let Some(q) = &body.quiet_time {
        util::validate_quiet_time(q)?;
    }
    let app = find_mut(state, &p.app)?;
    let s = &mut app.settings;
    if let Some(v) = body.campaign_hook {
        s.campaign_hook = Some(v);
    }
    if let Some(v) = body.limits {
        s.limits = Some(v);
    }
    if let Some(v) = body.quiet_time {
        s.quiet_time = Some(v);
    }
    if let Some(v) = body.journey_limits {
        s.journey_limits = Some(v);
    }
    if let Some(v) = body.cloud_watch_metrics_enabled {
        s.cloud_watch_metrics_enabled = Some(v);
    }
    if let Some(v) = body.event_tagging_enabled {
        s.event_tagging_enabled = Some(v);
    }
    s.last_modified_date = Some(fmt_date(ctx.now));
    Ok(json_reply(ctx, 200, &settings_response(app)))
}
