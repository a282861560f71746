//! Endpoints: `UpdateEndpoint` (upsert, 202 "Accepted"), the batch form,
//! `GetEndpoint`, `DeleteEndpoint` (202 with the deleted endpoint). Ids are
//! case-insensitive: kept by lower-cased key, returned as first given.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Params;
use super::apps::{find, find_mut};
use super::model::Endpoint;
use super::shapes::{
    EndpointDemographic, EndpointLocation, EndpointRequest, EndpointUser, ListMap,
};
use super::util::{Error, Result, fmt_date, json_reply, message_body, parse_body, to_json};
use crate::state::State;
use crate::wire::{Ctx, Reply, Request};

/// The most items one `UpdateEndpointsBatch` takes.
pub const MAX_BATCH: usize = 100;

/// The key an endpoint id is stored under.
pub fn key(id: &str) -> String {
    id.to_lowercase()
}

/// `EndpointResponse`.
pub fn response(app_id: &str, e: &Endpoint) -> Value {
    let mut body = json!({
        "ApplicationId": app_id,
        "Attributes": e.attributes,
        "CohortId": e.cohort_id,
        "CreationDate": e.creation_date,
        "EffectiveDate": e.effective_date,
        "EndpointStatus": e.endpoint_status,
        "Id": e.id,
        "Metrics": e.metrics,
        "OptOut": e.opt_out,
        "RequestId": e.request_id,
    });
    if let Some(a) = &e.address {
        body["Address"] = json!(a);
    }
    if let Some(c) = e.channel_type {
        body["ChannelType"] = json!(c.as_str());
    }
    if let Some(d) = &e.demographic {
        body["Demographic"] = to_json(d);
    }
    if let Some(l) = &e.location {
        body["Location"] = to_json(l);
    }
    if let Some(u) = &e.user {
        let mut user = to_json(u);
        if u.user_attributes.is_none() {
            user["UserAttributes"] = json!({});
        }
        body["User"] = user;
    }
    body
}

fn validate_id(id: &str) -> Result<()> {
    if id.trim().is_empty() {
        return Err(Error::bad("Endpoint Id is required"));
    }
    if id.contains(['$', '{', '}']) {
        return Err(Error::bad(format!(
            "Invalid endpoint Id `{id}`: it can't contain $, {{ or }}"
        )));
    }
    Ok(())
}

fn validate_attributes(what: &str, attrs: Option<&ListMap>) -> Result<()> {
    for (k, values) in attrs.into_iter().flatten() {
        if k.is_empty() || k.chars().count() > 50 {
            return Err(Error::bad(format!(
                "Invalid {what} name `{k}`: names must be 1 to 50 characters long"
            )));
        }
        if values.len() > 50 {
            return Err(Error::bad(format!(
                "{what} `{k}` has {} values; at most 50 are allowed",
                values.len()
            )));
        }
        if let Some(v) = values.iter().find(|v| v.chars().count() > 100) {
            return Err(Error::bad(format!(
                "A value of {what} `{k}` is too long ({} characters; at most 100)",
                v.chars().count()
            )));
        }
    }
    Ok(())
}

fn validate(body: &EndpointRequest) -> Result<()> {
    if let Some(s) = &body.endpoint_status
        && s != "ACTIVE"
        && s != "INACTIVE"
    {
        return Err(Error::bad(format!(
            "Invalid EndpointStatus `{s}`: use ACTIVE or INACTIVE"
        )));
    }
    if let Some(o) = &body.opt_out
        && o != "ALL"
        && o != "NONE"
    {
        return Err(Error::bad(format!("Invalid OptOut `{o}`: use ALL or NONE")));
    }
    if let Some(d) = &body.effective_date
        && super::util::parse_time(d).is_none()
    {
        return Err(Error::bad(format!(
            "Invalid EffectiveDate `{d}`: use ISO 8601"
        )));
    }
    validate_attributes("attribute", body.attributes.as_ref())?;
    validate_attributes(
        "user attribute",
        body.user.as_ref().and_then(|u| u.user_attributes.as_ref()),
    )?;
    Ok(())
}

fn cohort(id: &str) -> String {
    let h = id
        .to_lowercase()
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    (h % 100).to_string()
}

fn merge_opt<T: Clone>(new: Option<&T>, old: Option<&T>) -> Option<T> {
    new.or(old).cloned()
}

fn merge_demographic(
    new: Option<&EndpointDemographic>,
    old: Option<&EndpointDemographic>,
) -> Option<EndpointDemographic> {
    let (Some(n), Some(o)) = (new, old) else {
        return merge_opt(new, old);
    };
    Some(EndpointDemographic {
        app_version: merge_opt(n.app_version.as_ref(), o.app_version.as_ref()),
        locale: merge_opt(n.locale.as_ref(), o.locale.as_ref()),
        make: merge_opt(n.make.as_ref(), o.make.as_ref()),
        model: merge_opt(n.model.as_ref(), o.model.as_ref()),
        model_version: merge_opt(n.model_version.as_ref(), o.model_version.as_ref()),
        platform: merge_opt(n.platform.as_ref(), o.platform.as_ref()),
        platform_version: merge_opt(n.platform_version.as_ref(), o.platform_version.as_ref()),
        timezone: merge_opt(n.timezone.as_ref(), o.timezone.as_ref()),
    })
}

fn merge_location(
    new: Option<&EndpointLocation>,
    old: Option<&EndpointLocation>,
) -> Option<EndpointLocation> {
    let (Some(n), Some(o)) = (new, old) else {
        return merge_opt(new, old);
    };
    Some(EndpointLocation {
        city: merge_opt(n.city.as_ref(), o.city.as_ref()),
        country: merge_opt(n.country.as_ref(), o.country.as_ref()),
        latitude: n.latitude.or(o.latitude),
        longitude: n.longitude.or(o.longitude),
        postal_code: merge_opt(n.postal_code.as_ref(), o.postal_code.as_ref()),
        region: merge_opt(n.region.as_ref(), o.region.as_ref()),
    })
}

fn merge_map<V: Clone>(
    old: &BTreeMap<String, V>,
    new: Option<&BTreeMap<String, V>>,
) -> BTreeMap<String, V> {
    let mut out = old.clone();
    if let Some(n) = new {
        out.extend(n.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    out
}

fn merge_user(new: Option<&EndpointUser>, old: Option<&EndpointUser>) -> Option<EndpointUser> {
    let (Some(n), Some(o)) = (new, old) else {
        return merge_opt(new, old);
    };
    let attrs = merge_map(
        &o.user_attributes.clone().unwrap_or_default(),
        n.user_attributes.as_ref(),
    );
    Some(EndpointUser {
        user_attributes: Some(attrs),
        user_id: merge_opt(n.user_id.as_ref(), o.user_id.as_ref()),
    })
}

/// The endpoint an update leaves (validated beforehand).
fn build(ctx: &Ctx, id: &str, old: Option<&Endpoint>, body: &EndpointRequest) -> Endpoint {
    let now = fmt_date(ctx.now);
    Endpoint {
        id: old.map_or_else(|| id.to_owned(), |e| e.id.clone()),
        address: merge_opt(body.address.as_ref(), old.and_then(|e| e.address.as_ref())),
        attributes: merge_map(
            &old.map(|e| e.attributes.clone()).unwrap_or_default(),
            body.attributes.as_ref(),
        ),
        channel_type: body.channel_type.or(old.and_then(|e| e.channel_type)),
        cohort_id: old.map_or_else(|| cohort(id), |e| e.cohort_id.clone()),
        creation_date: old.map_or_else(|| now.clone(), |e| e.creation_date.clone()),
        demographic: merge_demographic(
            body.demographic.as_ref(),
            old.and_then(|e| e.demographic.as_ref()),
        ),
        effective_date: body
            .effective_date
            .as_deref()
            .and_then(super::util::parse_time)
            .map_or_else(|| now.clone(), fmt_date),
        endpoint_status: body
            .endpoint_status
            .clone()
            .unwrap_or_else(|| "ACTIVE".to_owned()),
        location: merge_location(
            body.location.as_ref(),
            old.and_then(|e| e.location.as_ref()),
        ),
        metrics: merge_map(
            &old.map(|e| e.metrics.clone()).unwrap_or_default(),
            body.metrics.as_ref(),
        ),
        opt_out: body
            .opt_out
            .clone()
            .or(old.map(|e| e.opt_out.clone()))
            .unwrap_or_else(|| "NONE".to_owned()),
        request_id: body
            .request_id
            .clone()
            .unwrap_or_else(|| ctx.request_id.clone()),
        user: merge_user(body.user.as_ref(), old.and_then(|e| e.user.as_ref())),
    }
}

/// Stores an endpoint; other endpoints with the same address go INACTIVE.
fn store(endpoints: &mut BTreeMap<String, Endpoint>, e: Endpoint) {
    let k = key(&e.id);
    if let Some(addr) = &e.address {
        for (other_key, other) in endpoints.iter_mut() {
            if *other_key != k && other.address.as_deref() == Some(addr) {
                "INACTIVE".clone_into(&mut other.endpoint_status);
            }
        }
    }
    endpoints.insert(k, e);
}

pub fn update(ctx: &Ctx, state: &mut State, req: &Request, p: &Params) -> Result<Reply> {
    let body: EndpointRequest = parse_body(req)?;
    validate_id(&p.id)?;
    validate(&body)?;
    let app = find(state, &p.app)?;
    let e = build(ctx, &p.id, app.endpoints.get(&key(&p.id)), &body);
    store(&mut find_mut(state, &p.app)?.endpoints, e);
    Ok(message_body(ctx, 202, "Accepted"))
}

pub fn update_batch(ctx: &Ctx, state: &mut State, req: &Request, p: &Params) -> Result<Reply> {
    let body: super::shapes::EndpointBatchRequest = parse_body(req)?;
    let items = body.item.ok_or_else(|| Error::bad("Item is required"))?;
    if items.len() > MAX_BATCH {
        return Err(Error::bad(format!(
            "Too many endpoints in the batch: {} given, at most {MAX_BATCH}",
            items.len()
        )));
    }
    for item in &items {
        validate_id(item.id.as_deref().unwrap_or(""))?;
        validate(item)?;
    }
    find(state, &p.app)?;
    let app = find_mut(state, &p.app)?;
    for item in &items {
        let id = item.id.as_deref().unwrap_or_default();
        let e = build(ctx, id, app.endpoints.get(&key(id)), item);
        store(&mut app.endpoints, e);
    }
    Ok(message_body(ctx, 202, "Accepted"))
}

pub fn get(ctx: &Ctx, state: &State, p: &Params) -> Result<Reply> {
    let app = find(state, &p.app)?;
    let e = app
        .endpoints
        .get(&key(&p.id))
        .ok_or_else(|| Error::not_found("Resource not found"))?;
    Ok(json_reply(ctx, 200, &response(&app.id, e)))
}

pub fn delete(ctx: &Ctx, state: &mut State, p: &Params) -> Result<Reply> {
    let app = find_mut(state, &p.app)?;
    let e = app
        .endpoints
        .remove(&key(&p.id))
        .ok_or_else(|| Error::not_found("Resource not found"))?;
    Ok(json_reply(ctx, 202, &response(&app.id, &e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cohorts_are_stable_and_in_range() {
        let c = cohort("ios-user-001");
        assert_eq!(c, cohort("IOS-USER-001"));
        assert!(c.parse::<u32>().unwrap() < 100);
    }

    #[test]
    fn ids_reject_reserved_characters() {
        assert!(validate_id("ok-id").is_ok());
        assert!(validate_id("a$b").is_err());
        assert!(validate_id("{x}").is_err());
        assert!(validate_id(" ").is_err());
    }
}
