//! Push message templates and their versions (reference section 3.7).
//!
//! Create makes version "1", which is active. Update overwrites the latest
//! version unless `create-new-version=true`, which adds latest+1 without
//! activating it; a `version` query must name the latest version. Get
//! without `version` returns the active version; Delete without `version`
//! deletes every version. Version numbers are never reused.

use serde_json::{Value, json};

use super::Params;
use super::model::{Template, TemplateVersion};
use super::shapes::{PushTemplateContent, PushTemplateRequest, TemplateActiveVersionRequest};
use super::util::{
    self, DEFAULT_PAGE_SIZE, Error, Result, fmt_date, json_reply, merge, message_body, parse_body,
    to_json,
};
use crate::state::State;
use crate::wire::{Ctx, Reply, Request};

/// AWS's quota of versions per template.
pub const MAX_VERSIONS: usize = 5_000;
/// AWS's quota of templates per account.
pub const MAX_TEMPLATES: usize = 20_000;

const TYPES: [&str; 5] = ["EMAIL", "SMS", "VOICE", "PUSH", "INAPP"];

/// The state key of a push template.
pub fn key(name: &str) -> String {
    format!("PUSH/{name}")
}

fn validate_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if first_ok && rest_ok && name.len() <= 128 {
        Ok(())
    } else {
        Err(Error::bad(format!(
            "Invalid template name `{name}`: it must start with a letter or digit and contain at most 128 letters, digits, underscores and hyphens"
        )))
    }
}

fn validate_content(c: &PushTemplateContent) -> Result<()> {
    if let Some(s) = &c.default_substitutions {
        let ok = serde_json::from_str::<Value>(s).is_ok_and(|v| v.is_object());
        if !ok {
            return Err(Error::bad(
                "DefaultSubstitutions must be a JSON object encoded as a string",
            ));
        }
    }
    Ok(())
}

fn find<'a>(state: &'a State, name: &str) -> Result<&'a Template> {
    state
        .pinpoint
        .templates
        .get(&key(name))
        .ok_or_else(|| Error::not_found("Template not found"))
}

fn find_mut<'a>(state: &'a mut State, name: &str) -> Result<&'a mut Template> {
    state
        .pinpoint
        .templates
        .get_mut(&key(name))
        .ok_or_else(|| Error::not_found("Template not found"))
}

/// A `version` query or body value: a positive integer.
fn parse_version(s: &str) -> Result<u64> {
    s.parse::<u64>()
        .ok()
        .filter(|&v| v > 0)
        .ok_or_else(|| Error::bad(format!("Invalid version `{s}`")))
}

fn version_of(t: &Template, v: u64) -> Result<&TemplateVersion> {
    t.versions
        .iter()
        .find(|x| x.version == v)
        .ok_or_else(|| Error::not_found(format!("Template version `{v}` not found")))
}

fn latest(t: &Template) -> Result<&TemplateVersion> {
    t.versions
        .last()
        .ok_or_else(|| Error::not_found("Template not found"))
}

/// Whether a push template (and, when given, that version) exists: what a
/// campaign's `TemplateConfiguration.PushTemplate` may name.
pub fn exists(state: &State, name: &str, version: Option<&str>) -> bool {
    let Ok(t) = find(state, name) else {
        return false;
    };
    match version {
        None | Some("latest") => true,
        Some(v) => parse_version(v).is_ok_and(|v| version_of(t, v).is_ok()),
    }
}

/// `PushNotificationTemplateResponse` for one version.
fn response(t: &Template, v: &TemplateVersion) -> Value {
    let mut body = to_json(&v.content);
    merge(
        &mut body,
        json!({
            "Arn": t.arn,
            "CreationDate": t.creation_date,
            "LastModifiedDate": v.last_modified_date,
            "tags": t.tags,
            "TemplateName": t.name,
            "TemplateType": t.template_type,
            "Version": v.version.to_string(),
        }),
    );
    body
}

pub fn create(ctx: &Ctx, state: &mut State, req: &Request, p: &Params) -> Result<Reply> {
    validate_name(&p.id)?;
    let body: PushTemplateRequest = parse_body(req)?;
    validate_content(&body.content)?;
    let tags = body.tags.unwrap_or_default();
    util::validate_tags(&tags)?;
    if state.pinpoint.templates.contains_key(&key(&p.id)) {
        return Err(Error::bad("Template already exists"));
    }
    if state.pinpoint.templates.len() >= MAX_TEMPLATES {
        return Err(Error::bad(format!(
            "Maximum number of templates ({MAX_TEMPLATES}) reached"
        )));
    }
    let now = fmt_date(ctx.now);
    let arn = format!(
        "arn:aws:mobiletargeting:{}:{}:templates/{}/PUSH",
        ctx.region, ctx.account_id, p.id
    );
    let t = Template {
        seq: state.pinpoint.seq(),
        name: p.id.clone(),
        template_type: "PUSH".to_owned(),
        arn: arn.clone(),
        creation_date: now.clone(),
        tags,
        versions: vec![TemplateVersion {
            version: 1,
            content: body.content,
            creation_date: now.clone(),
            last_modified_date: now,
        }],
        active_version: 1,
        last_version: 1,
    };
    state.pinpoint.templates.insert(key(&p.id), t);
    Ok(json_reply(
        ctx,
        201,
        &json!({"Arn": arn, "Message": "Created", "RequestID": ctx.request_id}),
    ))
}

pub fn get(ctx: &Ctx, state: &State, req: &Request, p: &Params) -> Result<Reply> {
    let t = find(state, &p.id)?;
    let v = match req.query_param("version") {
        None => version_of(t, t.active_version)?,
        Some(s) => version_of(t, parse_version(s)?)?,
    };
    Ok(json_reply(ctx, 200, &response(t, v)))
}

pub fn update(ctx: &Ctx, state: &mut State, req: &Request, p: &Params) -> Result<Reply> {
    let body: PushTemplateRequest = parse_body(req)?;
    validate_content(&body.content)?;
    let create_new = match req.query_param("create-new-version") {
        None => false,
        Some(s) if s.eq_ignore_ascii_case("true") => true,
        Some(s) if s.eq_ignore_ascii_case("false") => false,
        Some(s) => {
            return Err(Error::bad(format!(
                "Invalid create-new-version `{s}`: use true or false"
            )));
        }
    };
    let version = req.query_param("version").map(parse_version).transpose()?;
    let t = find(state, &p.id)?;
    let last = latest(t)?.version;
    if create_new && version.is_some() {
        return Err(Error::bad(
            "version can't be specified together with create-new-version=true",
        ));
    }
    if let Some(v) = version
        && v != last
    {
        return Err(Error::bad(format!(
            "Version `{v}` is not the latest version of the template (latest is `{last}`)"
        )));
    }
    if create_new && t.versions.len() >= MAX_VERSIONS {
        return Err(Error::bad(format!(
            "Maximum number of versions ({MAX_VERSIONS}) reached for this template"
        )));
    }
    let now = fmt_date(ctx.now);
    let t = find_mut(state, &p.id)?;
    if create_new {
        t.last_version += 1;
        t.versions.push(TemplateVersion {
            version: t.last_version,
            content: body.content,
            creation_date: now.clone(),
            last_modified_date: now,
        });
    } else if let Some(v) = t.versions.last_mut() {
        v.content = body.content;
        v.last_modified_date = now;
    }
    Ok(message_body(ctx, 202, "Accepted"))
}

pub fn delete(ctx: &Ctx, state: &mut State, req: &Request, p: &Params) -> Result<Reply> {
    let version = req.query_param("version").map(parse_version).transpose()?;
    let t = find(state, &p.id)?;
    let Some(v) = version else {
        state.pinpoint.templates.remove(&key(&p.id));
        return Ok(message_body(ctx, 202, "Accepted"));
    };
    version_of(t, v)?;
    if v == t.active_version && t.versions.len() > 1 {
        return Err(Error::bad(format!(
            "Version `{v}` is the active version: activate another version before deleting it"
        )));
    }
    if t.versions.len() == 1 {
        state.pinpoint.templates.remove(&key(&p.id));
    } else {
        find_mut(state, &p.id)?.versions.retain(|x| x.version != v);
    }
    Ok(message_body(ctx, 202, "Accepted"))
}

fn check_type(kind: &str) -> Result<String> {
    let upper = kind.to_ascii_uppercase();
    if TYPES.contains(&upper.as_str()) {
        Ok(upper)
    } else {
        Err(Error::bad(format!(
            "Invalid template type `{kind}`: use one of {}",
            TYPES.join(", ")
        )))
    }
}

pub fn list(ctx: &Ctx, state: &State, req: &Request) -> Result<Reply> {
    let size = util::page_size(req, DEFAULT_PAGE_SIZE)?;
    let kind = req
        .query_param("template-type")
        .map(check_type)
        .transpose()?;
    let prefix = req.query_param("prefix").unwrap_or_default();
    let mut all: Vec<&Template> = state
        .pinpoint
        .templates
        .values()
        .filter(|t| kind.as_deref().is_none_or(|k| k == t.template_type))
        .filter(|t| t.name.starts_with(prefix))
        .collect();
    all.sort_by_key(|t| t.seq);
    let (page, next) = util::paginate(&all, req.query_param("next-token"), size)?;
    let mut items = Vec::new();
    for t in page {
        let v = version_of(t, t.active_version)?;
        items.push(json!({
            "CreationDate": t.creation_date,
            "LastModifiedDate": v.last_modified_date,
            "TemplateName": t.name,
            "TemplateType": t.template_type,
            "Version": v.version.to_string(),
        }));
    }
    Ok(json_reply(
        ctx,
        200,
        &super::segments::list_body(items, next),
    ))
}

pub fn versions(ctx: &Ctx, state: &State, req: &Request, p: &Params) -> Result<Reply> {
    let kind = check_type(&p.sub)?;
    let size = util::page_size(req, DEFAULT_PAGE_SIZE)?;
    if kind != "PUSH" {
        return Err(Error::not_found("Template not found"));
    }
    let t = find(state, &p.id)?;
    let (page, next) = util::paginate(&t.versions, req.query_param("next-token"), size)?;
    let items: Vec<Value> = page
        .iter()
        .map(|v| {
            let mut item = json!({
                "CreationDate": v.creation_date,
                "LastModifiedDate": v.last_modified_date,
                "TemplateName": t.name,
                "TemplateType": t.template_type,
                "Version": v.version.to_string(),
            });
            if let Some(d) = &v.content.default_substitutions {
                item["DefaultSubstitutions"] = json!(d);
            }
            if let Some(d) = &v.content.template_description {
                item["TemplateDescription"] = json!(d);
            }
            item
        })
        .collect();
    Ok(json_reply(
        ctx,
        200,
        &super::segments::list_body(items, next),
    ))
}

pub fn set_active(ctx: &Ctx, state: &mut State, req: &Request, p: &Params) -> Result<Reply> {
    let kind = check_type(&p.sub)?;
    let body: TemplateActiveVersionRequest = parse_body(req)?;
    let wanted = util::required(body.version.as_ref(), "Version")?.to_owned();
    if kind != "PUSH" {
        return Err(Error::not_found("Template not found"));
    }
    let t = find(state, &p.id)?;
    let v = if wanted.eq_ignore_ascii_case("latest") {
        latest(t)?.version
    } else {
        version_of(t, parse_version(&wanted)?)?.version
    };
    find_mut(state, &p.id)?.active_version = v;
    Ok(message_body(ctx, 200, "Accepted"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_names_follow_the_model_pattern() {
        assert!(validate_name("flash-sale-template").is_ok());
        assert!(validate_name("A_1").is_ok());
        assert!(validate_name("-lead").is_err());
        assert!(validate_name("has space").is_err());
        assert!(validate_name(&"a".repeat(129)).is_err());
    }
}
