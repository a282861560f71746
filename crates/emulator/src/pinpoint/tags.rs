//! `TagResource`, `UntagResource`, `ListTagsForResource` on
//! `/v1/tags/{resource-arn}` (the ARN arrives percent-encoded in one path
//! segment; routing decoded it).

use serde_json::json;

use super::Params;
use super::shapes::{Tags, TagsModel};
use super::util::{self, Error, Result, json_reply, no_content, parse_body};
use crate::state::State;
use crate::wire::{Ctx, Reply, Request};

/// A taggable resource.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    App(String),
    Segment(String, String),
    Campaign(String, String),
    /// By template key (`PUSH/name`).
    Template(String),
}

fn parse_arn(ctx: &Ctx, arn: &str) -> Result<Target> {
    let invalid = || Error::bad(format!("Invalid ARN `{arn}`"));
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return Err(invalid());
    };
    if *prefix != "arn" || partition.is_empty() || *service != "mobiletargeting" {
        return Err(invalid());
    }
    let not_found = || Error::not_found(format!("Resource `{arn}` not found"));
    if *region != ctx.region || *account != ctx.account_id {
        return Err(not_found());
    }
    let segs: Vec<&str> = resource.split('/').collect();
    match segs.as_slice() {
        ["apps", app] => Ok(Target::App((*app).to_owned())),
        ["apps", app, "segments", id] => Ok(Target::Segment((*app).to_owned(), (*id).to_owned())),
        ["apps", app, "campaigns", id] => Ok(Target::Campaign((*app).to_owned(), (*id).to_owned())),
        ["templates", name, kind] => Ok(Target::Template(format!("{kind}/{name}"))),
        [..] if segs.iter().any(|s| s.is_empty()) => Err(invalid()),
        _ => Err(not_found()),
    }
}

fn tags_mut<'a>(state: &'a mut State, target: &Target) -> Option<&'a mut Tags> {
    let pp = &mut state.pinpoint;
    match target {
        Target::App(a) => pp.apps.get_mut(a).map(|a| &mut a.tags),
        Target::Segment(a, s) => pp
            .apps
            .get_mut(a)
            .and_then(|a| a.segments.get_mut(s))
            .map(|s| &mut s.tags),
        Target::Campaign(a, c) => pp
            .apps
            .get_mut(a)
            .and_then(|a| a.campaigns.get_mut(c))
            .map(|c| &mut c.tags),
        Target::Template(key) => pp.templates.get_mut(key).map(|t| &mut t.tags),
    }
}

/// Resolves the ARN to a live resource; after the end of support, segment,
/// campaign and template ARNs are refused.
fn target(ctx: &Ctx, state: &mut State, p: &Params) -> Result<Target> {
    let t = parse_arn(ctx, &p.arn)?;
    if ctx.end_of_support
        && matches!(
            t,
            Target::Segment(..) | Target::Campaign(..) | Target::Template(..)
        )
    {
        return Err(super::retired::refusal("TagResource", ctx.retired_shape));
    }
    if tags_mut(state, &t).is_none() {
        return Err(Error::not_found(format!("Resource `{}` not found", p.arn)));
    }
    Ok(t)
}

pub fn tag(ctx: &Ctx, state: &mut State, req: &Request, p: &Params) -> Result<Reply> {
    let body: TagsModel = parse_body(req)?;
    let t = target(ctx, state, p)?;
    let Some(new) = body.tags else {
        return Err(Error::bad("tags is required"));
    };
    let current = tags_mut(state, &t).ok_or_else(|| Error::not_found("Resource not found"))?;
    let mut merged = current.clone();
    merged.extend(new);
    util::validate_tags(&merged)?;
    *current = merged;
    Ok(no_content(ctx))
}

pub fn untag(ctx: &Ctx, state: &mut State, req: &Request, p: &Params) -> Result<Reply> {
    let t = target(ctx, state, p)?;
    let keys: Vec<&str> = req
        .query
        .iter()
        .filter(|(k, _)| k == "tagKeys")
        .map(|(_, v)| v.as_str())
        .collect();
    if keys.is_empty() {
        return Err(Error::bad("tagKeys is required"));
    }
    let current = tags_mut(state, &t).ok_or_else(|| Error::not_found("Resource not found"))?;
    for k in keys {
        current.remove(k);
    }
    Ok(no_content(ctx))
}

pub fn list(ctx: &Ctx, state: &mut State, p: &Params) -> Result<Reply> {
    let t = target(ctx, state, p)?;
    let tags = tags_mut(state, &t).ok_or_else(|| Error::not_found("Resource not found"))?;
    Ok(json_reply(ctx, 200, &json!({ "tags": tags })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        Ctx {
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            now: time::OffsetDateTime::UNIX_EPOCH,
            request_id: "r".into(),
            end_of_support: false,
            retired_shape: crate::RetiredShape::default(),
        }
    }

    #[test]
    fn arns_name_their_resources() {
        let c = ctx();
        let base = "arn:aws:mobiletargeting:us-east-1:123456789012";
        assert_eq!(
            parse_arn(&c, &format!("{base}:apps/a1")).unwrap(),
            Target::App("a1".into())
        );
        assert_eq!(
            parse_arn(&c, &format!("{base}:apps/a1/segments/s1")).unwrap(),
            Target::Segment("a1".into(), "s1".into())
        );
        assert_eq!(
            parse_arn(&c, &format!("{base}:templates/t/PUSH")).unwrap(),
            Target::Template("PUSH/t".into())
        );
        assert_eq!(parse_arn(&c, "not-an-arn").unwrap_err().status(), 400);
        assert_eq!(
            parse_arn(&c, "arn:aws:mobiletargeting:eu-west-1:123456789012:apps/a1")
                .unwrap_err()
                .status(),
            404
        );
    }
}
