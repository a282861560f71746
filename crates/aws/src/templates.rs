//! Pinpoint push templates: the SDK calls and the mappings between
//! [`PushNotificationTemplateResponse`]/[`PushNotificationTemplateRequest`]
//! and the typed [`Template`] of the spec.
//!
//! Templates are account-wide and identified by their name (the spec's
//! `name`, not its key). `ListTemplates` returns summaries without tags or
//! content, so reading a template takes one [`get_push_template`] each.
//!
//! # Versioning policy
//!
//! Pinpoint keeps numbered versions of a template and one *active* version,
//! which is what `GetPushTemplate` without a version and campaigns without
//! a template version use. reconcile keeps the history:
//!
//! * create: version 1, active;
//! * [`update_push_template`]: `UpdatePushTemplate` with
//!   `create-new-version=true` (a new version latest+1 with the spec's
//!   content), then `UpdateTemplateActiveVersion` to `latest`, so the active
//!   version is always the spec's. Read compares the active version;
//! * rollback: the before-image of an update is the previously active
//!   version, whose number `GetPushTemplate` returned as `Version`;
//!   [`activate_push_template_version`] makes it active again (no content is
//!   re-sent and nothing is lost). Re-sending the old content with
//!   [`update_push_template`] works too and makes yet another version;
//! * delete: [`delete_push_template`] without a version removes the
//!   template and all its versions.
//!
//! If the second call of an update fails, the new version exists but is not
//! active: the next plan reads the old active content and proposes the
//! update again, which creates one more version; nothing is left half
//! applied from the user's point of view.
//!
//! # Normalisation on read
//!
//! `TemplateDescription` is trimmed (empty reads as absent),
//! `DefaultSubstitutions` (a JSON object encoded as a string) becomes a map;
//! non-string values are kept as their JSON text. `reconcile:*` tags are
//! dropped.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_pinpoint::Client;
use aws_sdk_pinpoint::types as sdk;
use reconcile_model::spec::{AndroidPushTemplate, ApnsPushTemplate, DefaultPushTemplate, Template};
use reconcile_model::{Api, Kind};

pub use aws_sdk_pinpoint::types::{
    PushNotificationTemplateRequest, PushNotificationTemplateResponse, TemplateResponse,
};

use crate::errors::{Classified, classify};
use crate::mapping::{
    MappingError, create_tags, owned, push_action_from_sdk, push_action_to_sdk, text, user_tags,
};

/// The `template-type` path and query value of push templates.
const PUSH: &str = "PUSH";

fn apns_to_sdk(t: &ApnsPushTemplate) -> sdk::ApnsPushNotificationTemplate {
    sdk::ApnsPushNotificationTemplate::builder()
        .set_action(push_action_to_sdk(t.action))
        .set_body(t.body.clone())
        .set_media_url(t.media_url.clone())
        .set_raw_content(t.raw_content.clone())
        .set_sound(t.sound.clone())
        .set_title(t.title.clone())
        .set_url(t.url.clone())
        .build()
}

fn apns_from_sdk(t: &sdk::ApnsPushNotificationTemplate) -> ApnsPushTemplate {
    ApnsPushTemplate {
        action: push_action_from_sdk("Action", t.action()),
        body: owned(t.body()),
        media_url: owned(t.media_url()),
        raw_content: owned(t.raw_content()),
        sound: owned(t.sound()),
        title: owned(t.title()),
        url: owned(t.url()),
    }
}

fn android_to_sdk(t: &AndroidPushTemplate) -> sdk::AndroidPushNotificationTemplate {
    sdk::AndroidPushNotificationTemplate::builder()
        .set_action(push_action_to_sdk(t.action))
        .set_body(t.body.clone())
        .set_image_icon_url(t.image_icon_url.clone())
        .set_image_url(t.image_url.clone())
        .set_raw_content(t.raw_content.clone())
        .set_small_image_icon_url(t.small_image_icon_url.clone())
        .set_sound(t.sound.clone())
        .set_title(t.title.clone())
        .set_url(t.url.clone())
        .build()
}

fn android_from_sdk(t: &sdk::AndroidPushNotificationTemplate) -> AndroidPushTemplate {
    AndroidPushTemplate {
        action: push_action_from_sdk("Action", t.action()),
        body: owned(t.body()),
        image_icon_url: owned(t.image_icon_url()),
        image_url: owned(t.image_url()),
        raw_content: owned(t.raw_content()),
        small_image_icon_url: owned(t.small_image_icon_url()),
        sound: owned(t.sound()),
        title: owned(t.title()),
        url: owned(t.url()),
    }
}

fn default_to_sdk(t: &DefaultPushTemplate) -> sdk::DefaultPushNotificationTemplate {
    sdk::DefaultPushNotificationTemplate::builder()
        .set_action(push_action_to_sdk(t.action))
        .set_body(t.body.clone())
        .set_sound(t.sound.clone())
        .set_title(t.title.clone())
        .set_url(t.url.clone())
        .build()
}

fn default_from_sdk(t: &sdk::DefaultPushNotificationTemplate) -> DefaultPushTemplate {
    DefaultPushTemplate {
        action: push_action_from_sdk("Action", t.action()),
        body: owned(t.body()),
        sound: owned(t.sound()),
        title: owned(t.title()),
        url: owned(t.url()),
    }
}

/// `DefaultSubstitutions` as sent: the map as a JSON object string.
fn substitutions_to_json(m: &BTreeMap<String, String>) -> Option<String> {
    (!m.is_empty()).then(|| {
        let obj: serde_json::Map<String, serde_json::Value> = m
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        serde_json::Value::Object(obj).to_string()
    })
}

/// `DefaultSubstitutions` as read: a JSON object string to a map; values
/// that are not strings keep their JSON text.
fn substitutions_from_json(
    name: &str,
    s: Option<&str>,
) -> Result<BTreeMap<String, String>, MappingError> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(BTreeMap::new());
    };
    let err = |message: String| MappingError::DefaultSubstitutions {
        name: name.to_owned(),
        message,
    };
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(serde_json::Value::Object(obj)) => Ok(obj
            .into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(v) => (k, v),
                other => (k, other.to_string()),
            })
            .collect()),
        Ok(other) => Err(err(format!("got `{other}`"))),
        Err(e) => Err(err(e.to_string())),
    }
}

/// A live push template (its active version, as `GetPushTemplate` returns
/// it) as the spec's [`Template`].
pub fn template_from_sdk(
    resp: &PushNotificationTemplateResponse,
) -> Result<Template, MappingError> {
    let name = resp.template_name().unwrap_or_default().to_owned();
    Ok(Template {
        default_substitutions: substitutions_from_json(&name, resp.default_substitutions())?,
        name,
        description: text(resp.template_description()),
        tags: user_tags(resp.tags()),
        recommender_id: owned(resp.recommender_id()),
        apns: resp.apns().map(apns_from_sdk),
        gcm: resp.gcm().map(android_from_sdk),
        adm: resp.adm().map(android_from_sdk),
        baidu: resp.baidu().map(android_from_sdk),
        default: resp.default_value().map(default_from_sdk),
    })
}

/// The API request for a template's content. `tags`: `None` sends no
/// tags (update); `Some(extra)` sends the template's own tags with `extra`
/// (the `reconcile:` tags) merged over them (create).
pub fn push_template_request(
    t: &Template,
    tags: Option<HashMap<String, String>>,
) -> PushNotificationTemplateRequest {
    content(t).set_tags(create_tags(&t.tags, tags)).build()
}

fn content(t: &Template) -> sdk::builders::PushNotificationTemplateRequestBuilder {
    PushNotificationTemplateRequest::builder()
        .set_adm(t.adm.as_ref().map(android_to_sdk))
        .set_apns(t.apns.as_ref().map(apns_to_sdk))
        .set_baidu(t.baidu.as_ref().map(android_to_sdk))
        .set_default(t.default.as_ref().map(default_to_sdk))
        .set_default_substitutions(substitutions_to_json(&t.default_substitutions))
        .set_gcm(t.gcm.as_ref().map(android_to_sdk))
        .set_recommender_id(t.recommender_id.clone())
        .set_template_description(text(t.description.as_deref()))
}

/// Every push template of the account (all pages). Summaries only: no
/// tags, no content; see [`get_push_template`].
pub async fn list_push_templates(client: &Client) -> Result<Vec<TemplateResponse>, Classified> {
    crate::paging::all_pages(|token| async move {
        let page = client
            .list_templates()
            .template_type(PUSH)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify("ListTemplates", e))?;
        Ok(page
            .templates_response()
            .map_or_else(Default::default, |r| {
                let push = r
                    .item()
                    .iter()
                    .filter(|t| t.template_type().is_none_or(|k| k.as_str() == PUSH))
                    .cloned()
                    .collect();
                (push, r.next_token().map(ToOwned::to_owned))
            }))
    })
    .await
}

/// One push template with its tags and content: the active version, or
/// `version`. `None` when the template (or that version) does not exist.
pub async fn get_push_template(
    client: &Client,
    api: Api,
    name: &str,
    version: Option<&str>,
) -> Result<Option<PushNotificationTemplateResponse>, Classified> {
    match client
        .get_push_template()
        .template_name(name)
        .set_version(version.map(ToOwned::to_owned))
        .send()
        .await
    {
        Ok(out) => Ok(out.push_notification_template_response().cloned()),
        Err(e) => {
            let c = classify(&format!("GetPushTemplate `{name}`"), e);
            if c.is_absent(api, Kind::Template) {
                Ok(None)
            } else {
                Err(c)
            }
        }
    }
}

/// Creates the template `t.name` (version 1, active); `tags` are merged
/// over the template's own (`None` = no extra). Returns the template's ARN when AWS gives it.
pub async fn create_push_template(
    client: &Client,
    t: &Template,
    tags: Option<HashMap<String, String>>,
) -> Result<Option<String>, Classified> {
    let out = client
        .create_push_template()
        .template_name(&t.name)
        .push_notification_template_request(push_template_request(
            t,
            Some(tags.unwrap_or_default()),
        ))
        .customize()
        .config_override(crate::connect::pinpoint_once())
        .send()
        .await
        .map_err(|e| classify(&format!("CreatePushTemplate `{}`", t.name), e))?;
    Ok(out
        .create_template_message_body()
        .and_then(|b| b.arn())
        .map(ToOwned::to_owned))
}

/// Writes `t` as a new version of template `t.name` and makes it the
/// active one (see the module docs). Tags are not sent (ignored by
/// `UpdatePushTemplate`).
pub async fn update_push_template(client: &Client, t: &Template) -> Result<(), Classified> {
    client
        .update_push_template()
        .template_name(&t.name)
        .create_new_version(true)
        .push_notification_template_request(push_template_request(t, None))
        .send()
        .await
        .map_err(|e| classify(&format!("UpdatePushTemplate `{}`", t.name), e))?;
    activate_push_template_version(client, &t.name, "latest").await
}

/// Makes `version` (a version number, or `latest`) the active version of
/// push template `name`.
pub async fn activate_push_template_version(
    client: &Client,
    name: &str,
    version: &str,
) -> Result<(), Classified> {
    client
        .update_template_active_version()
        .template_name(name)
        .template_type(PUSH)
        .template_active_version_request(
            sdk::TemplateActiveVersionRequest::builder()
                .version(version)
                .build(),
        )
        .send()
        .await
        .map_err(|e| {
            classify(
                &format!("UpdateTemplateActiveVersion `{name}` to `{version}`"),
                e,
            )
        })?;
    Ok(())
}

/// Deletes push template `name` with all its versions. A template that is
/// already gone is `Ok(false)`.
pub async fn delete_push_template(client: &Client, name: &str) -> Result<bool, Classified> {
    match client
        .delete_push_template()
        .template_name(name)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) => {
            let c = classify(&format!("DeletePushTemplate `{name}`"), e);
            if c.is_not_found() { Ok(false) } else { Err(c) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reconcile_model::template_resource;
    use serde_json::json;

    fn spec(v: serde_json::Value) -> Template {
        serde_json::from_value(v).unwrap()
    }

    /// What `GetPushTemplate` returns after a create with `req`.
    fn echo(name: &str, req: &PushNotificationTemplateRequest) -> PushNotificationTemplateResponse {
        PushNotificationTemplateResponse::builder()
            .template_name(name)
            .template_type(sdk::TemplateType::Push)
            .arn(format!(
                "arn:aws:mobiletargeting:us-east-1:123456789012:templates/{name}/PUSH"
            ))
            .creation_date("2030-01-01T00:00:00.000Z")
            .last_modified_date("2030-01-01T00:00:00.000Z")
            .version("1")
            .set_adm(req.adm().cloned())
            .set_apns(req.apns().cloned())
            .set_baidu(req.baidu().cloned())
            .set_default(req.default_value().cloned())
            .set_default_substitutions(req.default_substitutions().map(ToOwned::to_owned))
            .set_gcm(req.gcm().cloned())
            .set_recommender_id(req.recommender_id().map(ToOwned::to_owned))
            .set_template_description(req.template_description().map(ToOwned::to_owned))
            .set_tags(req.tags().cloned())
            .build()
    }

    fn android(tag: &str) -> serde_json::Value {
        json!({
            "action": "URL",
            "body": format!("{tag} body"),
            "image_icon_url": format!("https://x/{tag}/icon.png"),
            "image_url": format!("https://x/{tag}/image.png"),
            "raw_content": format!("{{\"{tag}\":1}}"),
            "small_image_icon_url": format!("https://x/{tag}/small.png"),
            "sound": format!("{tag}.caf"),
            "title": format!("{tag} title"),
            "url": format!("https://x/{tag}")
        })
    }

    fn full() -> Template {
        spec(json!({
            "name": "flash-sale-template",
            "description": "Flash sale",
            "tags": { "team": "growth" },
            "default_substitutions": { "User.FirstName": "friend", "Discount": "50%" },
            "recommender_id": "rec-1",
            "apns": {
                "action": "DEEP_LINK",
                "body": "apns body",
                "media_url": "https://x/apns/media.mp4",
                "raw_content": "{\"aps\":{}}",
                "sound": "default",
                "title": "apns title",
                "url": "app://sale"
            },
            "gcm": android("gcm"),
            "adm": android("adm"),
            "baidu": android("baidu"),
            "default": {
                "action": "OPEN_APP",
                "body": "default body",
                "sound": "default",
                "title": "default title",
                "url": "https://x/default"
            }
        }))
    }

    #[test]
    fn every_field_lands_in_its_api_field() {
        let req = push_template_request(&full(), None);
        let apns = req.apns().unwrap();
        assert_eq!(apns.action(), Some(&sdk::Action::DeepLink));
        assert_eq!(apns.media_url(), Some("https://x/apns/media.mp4"));
        assert_eq!(apns.raw_content(), Some("{\"aps\":{}}"));
        assert_eq!(apns.url(), Some("app://sale"));
        for (name, t) in [
            ("gcm", req.gcm()),
            ("adm", req.adm()),
            ("baidu", req.baidu()),
        ] {
            let t = t.unwrap();
            assert_eq!(t.action(), Some(&sdk::Action::Url));
            assert_eq!(t.body(), Some(format!("{name} body").as_str()));
            assert_eq!(
                t.image_icon_url(),
                Some(format!("https://x/{name}/icon.png").as_str())
            );
            assert_eq!(
                t.image_url(),
                Some(format!("https://x/{name}/image.png").as_str())
            );
            assert_eq!(
                t.small_image_icon_url(),
                Some(format!("https://x/{name}/small.png").as_str())
            );
            assert_eq!(t.sound(), Some(format!("{name}.caf").as_str()));
            assert_eq!(t.title(), Some(format!("{name} title").as_str()));
        }
        let d = req.default_value().unwrap();
        assert_eq!(d.action(), Some(&sdk::Action::OpenApp));
        assert_eq!(d.title(), Some("default title"));
        assert_eq!(req.template_description(), Some("Flash sale"));
        assert_eq!(req.recommender_id(), Some("rec-1"));
        let subs: serde_json::Value =
            serde_json::from_str(req.default_substitutions().unwrap()).unwrap();
        assert_eq!(
            subs,
            json!({ "User.FirstName": "friend", "Discount": "50%" })
        );
    }

    #[test]
    fn a_full_template_round_trips_through_the_server_echo() {
        let t = full();
        let extra = HashMap::from([("reconcile:stack".to_owned(), "demo".to_owned())]);
        let req = push_template_request(&t, Some(extra));
        assert_eq!(req.tags().unwrap().len(), 2);
        let live = template_from_sdk(&echo(&t.name, &req)).unwrap();
        assert_eq!(live, t);
        assert_eq!(
            template_resource("flash", &live).attrs,
            template_resource("flash", &t).attrs
        );
    }

    #[test]
    fn an_update_carries_no_tags() {
        let req = push_template_request(&full(), None);
        assert!(req.tags().is_none());
        assert!(req.apns().is_some());
    }

    #[test]
    fn a_minimal_template_round_trips() {
        let t = spec(json!({ "name": "t1", "default": { "body": "hi" } }));
        let req = push_template_request(&t, None);
        assert!(req.default_substitutions().is_none());
        assert!(req.template_description().is_none());
        assert_eq!(template_from_sdk(&echo("t1", &req)).unwrap(), t);
    }

    #[test]
    fn descriptions_are_trimmed_like_the_model() {
        let t = spec(json!({ "name": "t1", "description": "  " }));
        let req = push_template_request(&t, None);
        assert!(req.template_description().is_none());
        let resp = PushNotificationTemplateResponse::builder()
            .template_name("t1")
            .template_description("  Sale ")
            .build();
        assert_eq!(
            template_from_sdk(&resp).unwrap().description.as_deref(),
            Some("Sale")
        );
    }

    #[test]
    fn default_substitutions_read_from_a_json_string() {
        let read = |s: &str| substitutions_from_json("t", Some(s));
        assert_eq!(
            read(r#"{"a":"1","b":2,"c":true}"#).unwrap(),
            BTreeMap::from([
                ("a".to_owned(), "1".to_owned()),
                ("b".to_owned(), "2".to_owned()),
                ("c".to_owned(), "true".to_owned())
            ])
        );
        assert!(read("").unwrap().is_empty());
        assert!(read("{}").unwrap().is_empty());
        let err = read("[1]").unwrap_err();
        assert!(err.to_string().contains("not a JSON object"), "{err}");
        assert!(read("{nope").is_err());
    }
}
