//! Pinpoint campaigns: the SDK calls and the mappings between
//! [`CampaignResponse`]/[`WriteCampaignRequest`] and the typed [`Campaign`]
//! of the spec.
//!
//! Only the push parts of a campaign are modelled: the push messages of
//! `MessageConfiguration`, the push template of `TemplateConfiguration`.
//! Email/SMS/in-app messages, other template kinds and
//! `CustomDeliveryConfiguration` are not read and not written.
//!
//! # Writing: every member explicit
//!
//! [`write_campaign_request`] sends the members that can be emptied with
//! their empty value when the spec leaves them out: `Description: " "` (what
//! AWS itself returns for none), `Limits {}`, `Hook {}`,
//! `TemplateConfiguration {}`, `MessageConfiguration {}`,
//! `AdditionalTreatments []`, `HoldoutPercent 0`, `IsPaused false`,
//! `Schedule.IsLocalTime false`. So an update that removes a field removes
//! it whether `UpdateCampaign` replaces the campaign or merges into it (AWS
//! does not document which; the emulator merges). `Priority`,
//! `TreatmentName` and `TreatmentDescription` have no empty value and are
//! only sent when given. Times are sent in UTC RFC 3339, quiet times as
//! `HH:MM`, `start_time: immediate` as `"IMMEDIATE"`. Tags only on create.
//!
//! # Reading: the server's defaults folded
//!
//! [`campaign_from_sdk`] reads `Description: " "`/`""` as none, `Limits {}`,
//! `Hook {}`, `TemplateConfiguration {}`, `MessageConfiguration {}` as
//! absent, `AdditionalTreatments []` as none, a missing `HoldoutPercent` as
//! 0 and `IsPaused` as false, `"IMMEDIATE"` (any case) as `immediate`,
//! times in UTC RFC 3339 (`2030-01-01T09:00:00.000Z` reads
//! `2030-01-01T09:00:00Z`), the time zone upper-cased (`utc-05` reads
//! `UTC-05`, as the model folds the spec). Segment ids and template names
//! become spec keys through the caller's lookups (unknown ones stay raw, so
//! they show as a difference); `reconcile:*` tags are dropped.
//!
//! # `segment_version`
//!
//! The spec says `latest` (default) or a pinned number; AWS stores a number.
//! On write, `latest` sends the segment's current version (the caller knows
//! it from the segment it just read or wrote) and a pin sends the pin. On
//! read ([`SegmentVersionContext`]):
//!
//! * the spec pins a version: the live number is reported as a pin, so a
//!   different pin is a change;
//! * otherwise (`latest`, or no spec for this campaign): `latest` when the
//!   live number equals the segment's current version, or when the campaign
//!   is `COMPLETED` (it ran against the version that was latest then, and a
//!   finished campaign cannot be re-targeted); else the live number as a pin,
//!   which differs from the spec's `latest` and plans an update that
//!   re-targets the campaign to the segment's new version.
//!
//! So after the segment is updated, a scheduled campaign on `latest` shows
//! one change (`segment_version: 2 -> latest`) on the next plan; an
//! orchestrator that updates a segment and wants its campaigns to follow in
//! the same apply should plan the campaign update too.
//!
//! # Completed campaigns
//!
//! A `start_time: immediate` campaign runs once and becomes `COMPLETED` on
//! its own; AWS keeps it (it is still listed, with its tags), so the stack
//! still finds and owns it. Its schedule reads back `immediate`, and the
//! rule above folds its segment version, so an unchanged completed campaign
//! plans as no change: it is never re-created (re-creating would send the
//! message again to everyone). A completed campaign cannot be updated (the
//! emulator refuses; AWS's console only edits campaigns not yet sent): the
//! provider's read ([`campaign_is_completed`]) reads one that differs from
//! its spec as the spec (its tags aside, so it can still be adopted) and
//! warns with the fields that differ, rather than plan an update that would
//! fail, and never a replace.

use std::collections::HashMap;

use aws_sdk_pinpoint::Client;
use aws_sdk_pinpoint::types as sdk;
use reconcile_model::resources::{normalize_hhmm, normalize_time};
use reconcile_model::spec::{
    Campaign, CampaignHook, EventDimensions, EventFilter, Limits, Message, MessageConfiguration,
    QuietTime, Schedule, SegmentVersion, StartTime, Treatment,
};
use reconcile_model::{Api, Kind};

pub use aws_sdk_pinpoint::types::{CampaignResponse, WriteCampaignRequest};

use crate::dimensions::{
    attributes_from_sdk, attributes_to_sdk, metrics_from_sdk, metrics_to_sdk, set_from_sdk,
    set_to_sdk,
};
use crate::errors::{Classified, classify};
use crate::mapping::{
    MappingError, create_tags, from_wire, no_body, opt_i32, owned, push_action_from_sdk,
    push_action_to_sdk, text, to_i32, to_u32, user_tags, wire_name,
};

/// What a campaign's spec keys stand for when it is written.
#[derive(Clone, Copy)]
pub struct CampaignTargets<'a> {
    /// The id of the campaign's segment (`segment`).
    pub segment_id: &'a str,
    /// That segment's current version, sent for `segment_version: latest`.
    /// `None` leaves `SegmentVersion` out (the server then picks one).
    pub segment_current_version: Option<i32>,
    /// A template's spec key to its template name (`template`, treatments'
    /// `template`).
    pub template_name: &'a (dyn Fn(&str) -> Option<String> + Sync),
}

/// What [`campaign_from_sdk`] needs to fold `SegmentVersion` (see the
/// module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct SegmentVersionContext {
    /// The current version of the campaign's segment (`None`: unknown or
    /// the segment is gone).
    pub current: Option<i32>,
    /// The spec's `segment_version` for this campaign (`None`: the campaign
    /// is not in the spec).
    pub desired: Option<SegmentVersion>,
}

/// Whether the campaign has run and finished (`COMPLETED`).
pub fn campaign_is_completed(resp: &CampaignResponse) -> bool {
    matches!(
        resp.state().and_then(|s| s.campaign_status()),
        Some(sdk::CampaignStatus::Completed)
    )
}

// ---------------------------------------------------------------------------
// Model -> SDK.

fn message_to_sdk(field: &str, m: &Message) -> Result<sdk::Message, MappingError> {
    Ok(sdk::Message::builder()
        .set_action(push_action_to_sdk(m.action))
        .set_body(m.body.clone())
        .set_image_icon_url(m.image_icon_url.clone())
        .set_image_small_icon_url(m.image_small_icon_url.clone())
        .set_image_url(m.image_url.clone())
        .set_json_body(m.json_body.clone())
        .set_media_url(m.media_url.clone())
        .set_raw_content(m.raw_content.clone())
        .set_silent_push(m.silent_push)
        .set_time_to_live(opt_i32(&format!("{field}.time_to_live"), m.time_to_live)?)
        .set_title(m.title.clone())
        .set_url(m.url.clone())
        .build())
}

fn messages_to_sdk(
    field: &str,
    m: Option<&MessageConfiguration>,
) -> Result<sdk::MessageConfiguration, MappingError> {
    let one = |name: &str, m: Option<&Message>| {
        m.map(|m| message_to_sdk(&format!("{field}.{name}"), m))
            .transpose()
    };
    let Some(m) = m else {
        return Ok(sdk::MessageConfiguration::builder().build());
    };
    Ok(sdk::MessageConfiguration::builder()
        .set_apns_message(one("apns_message", m.apns_message.as_ref())?)
        .set_gcm_message(one("gcm_message", m.gcm_message.as_ref())?)
        .set_adm_message(one("adm_message", m.adm_message.as_ref())?)
        .set_baidu_message(one("baidu_message", m.baidu_message.as_ref())?)
        .set_default_message(one("default_message", m.default_message.as_ref())?)
        .build())
}

fn template_to_sdk(
    field: &str,
    key: Option<&str>,
    version: Option<u32>,
    template_name: &dyn Fn(&str) -> Option<String>,
) -> Result<sdk::TemplateConfiguration, MappingError> {
    let Some(key) = key else {
        return Ok(sdk::TemplateConfiguration::builder().build());
    };
    let name = template_name(key).ok_or_else(|| MappingError::UnknownTemplate {
        field: field.to_owned(),
        key: key.to_owned(),
    })?;
    Ok(sdk::TemplateConfiguration::builder()
        .push_template(
            sdk::Template::builder()
                .name(name)
                .set_version(version.map(|v| v.to_string()))
                .build(),
        )
        .build())
}

fn event_dimensions_to_sdk(d: &EventDimensions) -> sdk::EventDimensions {
    sdk::EventDimensions::builder()
        .set_attributes(attributes_to_sdk(&d.attributes))
        .set_event_type(d.event_type.as_ref().map(set_to_sdk))
        .set_metrics(metrics_to_sdk(&d.metrics))
        .build()
}

fn schedule_to_sdk(s: &Schedule) -> sdk::Schedule {
    let start = match &s.start_time {
        StartTime::Immediate => "IMMEDIATE".to_owned(),
        StartTime::At(t) => normalize_time(t),
    };
    sdk::Schedule::builder()
        .start_time(start)
        .set_end_time(s.end_time.as_deref().map(normalize_time))
        .set_frequency(
            s.frequency
                .map(|f| sdk::Frequency::from(wire_name(&f).as_str())),
        )
        .is_local_time(s.is_local_time)
        .set_quiet_time(s.quiet_time.as_ref().map(|q| {
            sdk::QuietTime::builder()
                .start(normalize_hhmm(&q.start))
                .end(normalize_hhmm(&q.end))
                .build()
        }))
        .set_timezone(text(s.timezone.as_deref()))
        .set_event_filter(s.event_filter.as_ref().map(|f| {
            sdk::CampaignEventFilter::builder()
                .filter_type(sdk::FilterType::from(wire_name(&f.filter_type).as_str()))
                .dimensions(event_dimensions_to_sdk(&f.dimensions))
                .build()
        }))
        .build()
}

fn limits_to_sdk(l: Option<&Limits>) -> Result<sdk::CampaignLimits, MappingError> {
    let l = l.cloned().unwrap_or_default();
    Ok(sdk::CampaignLimits::builder()
        .set_daily(opt_i32("limits.daily", l.daily)?)
        .set_maximum_duration(opt_i32("limits.maximum_duration", l.maximum_duration)?)
        .set_messages_per_second(opt_i32(
            "limits.messages_per_second",
            l.messages_per_second,
        )?)
        .set_total(opt_i32("limits.total", l.total)?)
        .set_session(opt_i32("limits.session", l.session)?)
        .build())
}

fn hook_to_sdk(h: Option<&CampaignHook>) -> sdk::CampaignHook {
    let h = h.cloned().unwrap_or_default();
    sdk::CampaignHook::builder()
        .set_lambda_function_name(h.lambda_function_name)
        .set_mode(h.mode.map(|m| sdk::Mode::from(wire_name(&m).as_str())))
        .set_web_url(h.web_url)
        .build()
}

fn treatment_to_sdk(
    i: usize,
    t: &Treatment,
    template_name: &dyn Fn(&str) -> Option<String>,
) -> Result<sdk::WriteTreatmentResource, MappingError> {
    let field = format!("additional_treatments[{i}]");
    Ok(sdk::WriteTreatmentResource::builder()
        .size_percent(to_i32(&format!("{field}.size_percent"), t.size_percent)?)
        .message_configuration(messages_to_sdk(
            &format!("{field}.message_configuration"),
            t.message_configuration.as_ref(),
        )?)
        .template_configuration(template_to_sdk(
            &format!("{field}.template"),
            t.template.as_deref(),
            t.template_version,
            template_name,
        )?)
        .set_schedule(t.schedule.as_ref().map(schedule_to_sdk))
        .set_treatment_name(t.treatment_name.clone())
        .set_treatment_description(text(t.treatment_description.as_deref()))
        .build())
}

/// The API request for a campaign (create and update alike: see the
/// module docs). `tags`: `None` sends no tags (update); `Some(extra)` sends
/// the campaign's own tags with `extra` (the `reconcile:` tags) merged over
/// them (create).
pub fn write_campaign_request(
    c: &Campaign,
    targets: &CampaignTargets<'_>,
    tags: Option<HashMap<String, String>>,
) -> Result<WriteCampaignRequest, MappingError> {
    let tags = create_tags(&c.tags, tags);
    let segment_version = match c.segment_version {
        SegmentVersion::Latest => targets.segment_current_version,
        SegmentVersion::Pinned(v) => Some(to_i32("segment_version", v)?),
    };
    let treatments = c
        .additional_treatments
        .iter()
        .enumerate()
        .map(|(i, t)| treatment_to_sdk(i, t, targets.template_name))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(WriteCampaignRequest::builder()
        .name(c.name.clone())
        .description(text(c.description.as_deref()).unwrap_or_else(|| " ".to_owned()))
        .segment_id(targets.segment_id)
        .set_segment_version(segment_version)
        .message_configuration(messages_to_sdk(
            "message_configuration",
            c.message_configuration.as_ref(),
        )?)
        .template_configuration(template_to_sdk(
            "template",
            c.template.as_deref(),
            c.template_version,
            targets.template_name,
        )?)
        .schedule(schedule_to_sdk(&c.schedule))
        .limits(limits_to_sdk(c.limits.as_ref())?)
        .holdout_percent(to_i32("holdout_percent", c.holdout_percent)?)
        .is_paused(c.is_paused)
        .set_priority(opt_i32("priority", c.priority)?)
        .set_treatment_name(c.treatment_name.clone())
        .set_treatment_description(text(c.treatment_description.as_deref()))
        .set_additional_treatments(Some(treatments))
        .hook(hook_to_sdk(c.hook.as_ref()))
        .set_tags(tags)
        .build())
}

// ---------------------------------------------------------------------------
// SDK -> model.

fn message_from_sdk(m: &sdk::Message) -> Message {
    Message {
        action: push_action_from_sdk("Message.Action", m.action()),
        body: owned(m.body()),
        image_icon_url: owned(m.image_icon_url()),
        image_small_icon_url: owned(m.image_small_icon_url()),
        image_url: owned(m.image_url()),
        json_body: owned(m.json_body()),
        media_url: owned(m.media_url()),
        raw_content: owned(m.raw_content()),
        silent_push: m.silent_push(),
        time_to_live: m.time_to_live().map(to_u32),
        title: owned(m.title()),
        url: owned(m.url()),
    }
}

fn messages_from_sdk(m: Option<&sdk::MessageConfiguration>) -> Option<MessageConfiguration> {
    let m = m?;
    let v = MessageConfiguration {
        apns_message: m.apns_message().map(message_from_sdk),
        gcm_message: m.gcm_message().map(message_from_sdk),
        adm_message: m.adm_message().map(message_from_sdk),
        baidu_message: m.baidu_message().map(message_from_sdk),
        default_message: m.default_message().map(message_from_sdk),
    };
    (v != MessageConfiguration::default()).then_some(v)
}

/// The push template of a `TemplateConfiguration`: (spec key, version).
fn template_from_sdk(
    t: Option<&sdk::TemplateConfiguration>,
    key_of_template: &dyn Fn(&str) -> Option<String>,
) -> (Option<String>, Option<u32>) {
    let Some(push) = t.and_then(|t| t.push_template()) else {
        return (None, None);
    };
    let Some(name) = push.name().filter(|n| !n.is_empty()) else {
        return (None, None);
    };
    let version = push.version().and_then(|v| {
        let parsed = v.trim().parse::<u32>().ok();
        if parsed.is_none() {
            tracing::warn!(
                version = v,
                "template version is not a number; read as the active version"
            );
        }
        parsed
    });
    (
        Some(key_of_template(name).unwrap_or_else(|| name.to_owned())),
        version,
    )
}

fn schedule_from_sdk(s: Option<&sdk::Schedule>) -> Schedule {
    let Some(s) = s else {
        return Schedule {
            start_time: StartTime::At(String::new()),
            end_time: None,
            frequency: None,
            is_local_time: false,
            quiet_time: None,
            timezone: None,
            event_filter: None,
        };
    };
    let start = s.start_time().unwrap_or_default().trim();
    let start_time = if start.eq_ignore_ascii_case("IMMEDIATE") {
        StartTime::Immediate
    } else {
        StartTime::At(normalize_time(start))
    };
    let quiet_time = s.quiet_time().and_then(|q| {
        (q.start().is_some() || q.end().is_some()).then(|| QuietTime {
            start: normalize_hhmm(q.start().unwrap_or_default()),
            end: normalize_hhmm(q.end().unwrap_or_default()),
        })
    });
    let event_filter = s.event_filter().and_then(|f| {
        let filter_type = from_wire("EventFilter.FilterType", f.filter_type()?.as_str())?;
        let dimensions = f
            .dimensions()
            .map(|d| EventDimensions {
                attributes: attributes_from_sdk("EventFilter.Attributes", d.attributes()),
                event_type: set_from_sdk("EventFilter.EventType", d.event_type()),
                metrics: metrics_from_sdk("EventFilter.Metrics", d.metrics()),
            })
            .unwrap_or_default();
        Some(EventFilter {
            filter_type,
            dimensions,
        })
    });
    Schedule {
        start_time,
        end_time: text(s.end_time()).map(|t| normalize_time(&t)),
        frequency: s
            .frequency()
            .and_then(|f| from_wire("Schedule.Frequency", f.as_str())),
        is_local_time: s.is_local_time().unwrap_or(false),
        quiet_time,
        timezone: text(s.timezone()).map(|t| t.to_ascii_uppercase()),
        event_filter,
    }
}

fn limits_from_sdk(l: Option<&sdk::CampaignLimits>) -> Option<Limits> {
    let l = l?;
    let v = Limits {
        daily: l.daily().map(to_u32),
        maximum_duration: l.maximum_duration().map(to_u32),
        messages_per_second: l.messages_per_second().map(to_u32),
        total: l.total().map(to_u32),
        session: l.session().map(to_u32),
    };
    (!v.is_empty()).then_some(v)
}

fn hook_from_sdk(h: Option<&sdk::CampaignHook>) -> Option<CampaignHook> {
    let h = h?;
    let v = CampaignHook {
        lambda_function_name: text(h.lambda_function_name()),
        mode: h.mode().and_then(|m| from_wire("Hook.Mode", m.as_str())),
        web_url: text(h.web_url()),
    };
    (!v.is_empty()).then_some(v)
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(ToOwned::to_owned)
}

fn segment_version_from_sdk(
    live: Option<i32>,
    ctx: SegmentVersionContext,
    completed: bool,
) -> SegmentVersion {
    // The SDK fills a missing required `SegmentVersion` with 0.
    let Some(live) = live.filter(|v| *v > 0) else {
        return SegmentVersion::Latest;
    };
    let pinned = SegmentVersion::Pinned(to_u32(live));
    match ctx.desired {
        Some(SegmentVersion::Pinned(_)) => pinned,
        _ if ctx.current == Some(live) || completed => SegmentVersion::Latest,
        _ => pinned,
    }
}

/// A live campaign as the spec's [`Campaign`]. `key_of_segment` maps a
/// segment id, `key_of_template` a template name, to its spec key (unknown
/// ones stay raw); `versions` decides `segment_version` (see the module
/// docs).
pub fn campaign_from_sdk(
    resp: &CampaignResponse,
    key_of_segment: &dyn Fn(&str) -> Option<String>,
    key_of_template: &dyn Fn(&str) -> Option<String>,
    versions: SegmentVersionContext,
) -> Campaign {
    let segment_id = resp.segment_id().unwrap_or_default();
    let (template, template_version) =
        template_from_sdk(resp.template_configuration(), key_of_template);
    let additional_treatments = resp
        .additional_treatments()
        .iter()
        .map(|t| {
            let (template, template_version) =
                template_from_sdk(t.template_configuration(), key_of_template);
            Treatment {
                size_percent: t.size_percent().map_or(0, to_u32),
                message_configuration: messages_from_sdk(t.message_configuration()),
                template,
                template_version,
                schedule: t.schedule().map(|s| schedule_from_sdk(Some(s))),
                treatment_name: non_empty(t.treatment_name()),
                treatment_description: text(t.treatment_description()),
            }
        })
        .collect();
    Campaign {
        name: resp.name().unwrap_or_default().to_owned(),
        description: text(resp.description()),
        tags: user_tags(resp.tags()),
        segment: key_of_segment(segment_id).unwrap_or_else(|| segment_id.to_owned()),
        segment_version: segment_version_from_sdk(
            resp.segment_version(),
            versions,
            campaign_is_completed(resp),
        ),
        message_configuration: messages_from_sdk(resp.message_configuration()),
        template,
        template_version,
        schedule: schedule_from_sdk(resp.schedule()),
        limits: limits_from_sdk(resp.limits()),
        holdout_percent: resp.holdout_percent().map_or(0, to_u32),
        is_paused: resp.is_paused().unwrap_or(false),
        priority: resp.priority().map(to_u32),
        treatment_name: non_empty(resp.treatment_name()),
        treatment_description: text(resp.treatment_description()),
        additional_treatments,
        hook: hook_from_sdk(resp.hook()),
    }
}

// ---------------------------------------------------------------------------
// Calls.

/// Every campaign of the app (all pages).
pub async fn list_campaigns(
    client: &Client,
    app_id: &str,
) -> Result<Vec<CampaignResponse>, Classified> {
    crate::paging::all_pages(|token| async move {
        let page = client
            .get_campaigns()
            .application_id(app_id)
            .page_size(crate::app::PAGE_SIZE)
            .set_token(token)
            .send()
            .await
            .map_err(|e| classify("GetCampaigns", e))?;
        Ok(page
            .campaigns_response()
            .map_or_else(Default::default, |r| {
                (r.item().to_vec(), r.next_token().map(ToOwned::to_owned))
            }))
    })
    .await
}

/// One campaign, `None` when it does not exist.
pub async fn get_campaign(
    client: &Client,
    api: Api,
    app_id: &str,
    campaign_id: &str,
) -> Result<Option<CampaignResponse>, Classified> {
    match client
        .get_campaign()
        .application_id(app_id)
        .campaign_id(campaign_id)
        .send()
        .await
    {
        Ok(out) => Ok(out.campaign_response().cloned()),
        Err(e) => {
            let c = classify(&format!("GetCampaign `{campaign_id}`"), e);
            if c.is_absent(api, Kind::Campaign) {
                Ok(None)
            } else {
                Err(c)
            }
        }
    }
}

/// Creates a campaign; `tags` (the `reconcile:` tags) are merged over the
/// campaign's own.
pub async fn create_campaign(
    client: &Client,
    app_id: &str,
    c: &Campaign,
    targets: &CampaignTargets<'_>,
    tags: Option<HashMap<String, String>>,
) -> Result<CampaignResponse, Classified> {
    let what = format!("CreateCampaign `{}`", c.name);
    let req = write_campaign_request(c, targets, Some(tags.unwrap_or_default()))?;
    let out = client
        .create_campaign()
        .application_id(app_id)
        .write_campaign_request(req)
        .customize()
        .config_override(crate::connect::pinpoint_once())
        .send()
        .await
        .map_err(|e| classify(&what, e))?;
    out.campaign_response()
        .cloned()
        .ok_or_else(|| no_body(&what))
}

/// Writes the next version of a campaign. Tags are not sent
/// (`UpdateCampaign` ignores them).
pub async fn update_campaign(
    client: &Client,
    app_id: &str,
    campaign_id: &str,
    c: &Campaign,
    targets: &CampaignTargets<'_>,
) -> Result<CampaignResponse, Classified> {
    let what = format!("UpdateCampaign `{campaign_id}`");
    let req = write_campaign_request(c, targets, None)?;
    let out = client
        .update_campaign()
        .application_id(app_id)
        .campaign_id(campaign_id)
        .write_campaign_request(req)
        .send()
        .await
        .map_err(|e| classify(&what, e))?;
    out.campaign_response()
        .cloned()
        .ok_or_else(|| no_body(&what))
}

/// Deletes a campaign; returns what it was. A campaign that is already
/// gone is `Ok(None)`.
pub async fn delete_campaign(
    client: &Client,
    app_id: &str,
    campaign_id: &str,
) -> Result<Option<CampaignResponse>, Classified> {
    match client
        .delete_campaign()
        .application_id(app_id)
        .campaign_id(campaign_id)
        .send()
        .await
    {
        Ok(out) => Ok(out.campaign_response().cloned()),
        Err(e) => {
            let c = classify(&format!("DeleteCampaign `{campaign_id}`"), e);
            if c.is_not_found() { Ok(None) } else { Err(c) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reconcile_model::campaign_resource;
    use reconcile_model::spec::{EventFilterType, Frequency, HookMode, PushAction};
    use serde_json::json;

    fn spec(v: serde_json::Value) -> Campaign {
        serde_json::from_value(v).unwrap()
    }

    fn template_names(key: &str) -> Option<String> {
        match key {
            "flash" => Some("flash-sale-template".to_owned()),
            "alt" => Some("alt-template".to_owned()),
            _ => None,
        }
    }

    fn template_keys(name: &str) -> Option<String> {
        match name {
            "flash-sale-template" => Some("flash".to_owned()),
            "alt-template" => Some("alt".to_owned()),
            _ => None,
        }
    }

    fn segment_keys(id: &str) -> Option<String> {
        (id == "seg-id").then(|| "high_value".to_owned())
    }

    fn targets() -> CampaignTargets<'static> {
        CampaignTargets {
            segment_id: "seg-id",
            segment_current_version: Some(3),
            template_name: &template_names,
        }
    }

    const LATEST: SegmentVersionContext = SegmentVersionContext {
        current: Some(3),
        desired: Some(SegmentVersion::Latest),
    };

    /// What the server echoes for a write: the request's fields plus its own.
    fn echo(req: &WriteCampaignRequest, status: sdk::CampaignStatus) -> CampaignResponse {
        let state = sdk::CampaignState::builder()
            .campaign_status(status)
            .build();
        let treatments = req
            .additional_treatments()
            .iter()
            .enumerate()
            .map(|(i, t)| {
                sdk::TreatmentResource::builder()
                    .id((i + 1).to_string())
                    .set_size_percent(t.size_percent())
                    .set_message_configuration(t.message_configuration().cloned())
                    .set_template_configuration(t.template_configuration().cloned())
                    .set_schedule(t.schedule().cloned())
                    .set_treatment_name(t.treatment_name().map(ToOwned::to_owned))
                    .set_treatment_description(t.treatment_description().map(ToOwned::to_owned))
                    .state(state.clone())
                    .build()
            })
            .collect();
        CampaignResponse::builder()
            .application_id("app1")
            .arn("arn:aws:mobiletargeting:us-east-1:123456789012:apps/app1/campaigns/c1")
            .creation_date("2030-01-01T00:00:00.000Z")
            .last_modified_date("2030-01-01T00:00:00.000Z")
            .id("c1")
            .version(1)
            .state(state)
            .set_additional_treatments(Some(treatments))
            .set_description(req.description().map(ToOwned::to_owned))
            .set_holdout_percent(req.holdout_percent())
            .set_hook(req.hook().cloned())
            .set_is_paused(req.is_paused())
            .set_limits(req.limits().cloned())
            .set_message_configuration(req.message_configuration().cloned())
            .set_name(req.name().map(ToOwned::to_owned))
            .set_priority(req.priority())
            .set_schedule(req.schedule().cloned())
            .set_segment_id(req.segment_id().map(ToOwned::to_owned))
            .set_segment_version(req.segment_version())
            .set_tags(req.tags().cloned())
            .set_template_configuration(req.template_configuration().cloned())
            .set_treatment_description(req.treatment_description().map(ToOwned::to_owned))
            .set_treatment_name(req.treatment_name().map(ToOwned::to_owned))
            .build()
    }

    fn message(tag: &str) -> serde_json::Value {
        json!({
            "action": "DEEP_LINK",
            "body": format!("{tag} body"),
            "image_icon_url": format!("https://x/{tag}/icon.png"),
            "image_small_icon_url": format!("https://x/{tag}/small.png"),
            "image_url": format!("https://x/{tag}/image.png"),
            "json_body": format!("{{\"{tag}\":true}}"),
            "media_url": format!("https://x/{tag}/media.mp4"),
            "raw_content": format!("{{\"raw\":\"{tag}\"}}"),
            "silent_push": false,
            "time_to_live": 3600,
            "title": format!("{tag} title"),
            "url": format!("app://{tag}")
        })
    }

    /// Every field, already in normalised form.
    fn full() -> Campaign {
        spec(json!({
            "name": "flash-sale",
            "description": "Flash sale for high-value customers",
            "tags": { "team": "growth" },
            "segment": "high_value",
            "segment_version": "latest",
            "message_configuration": {
                "apns_message": message("apns"),
                "gcm_message": message("gcm"),
                "adm_message": message("adm"),
                "baidu_message": message("baidu"),
                "default_message": message("default")
            },
            "schedule": {
                "start_time": "2030-01-01T09:00:00Z",
                "end_time": "2030-02-01T09:00:00Z",
                "frequency": "EVENT",
                "is_local_time": true,
                "quiet_time": { "start": "22:00", "end": "08:00" },
                "timezone": "UTC-05",
                "event_filter": {
                    "filter_type": "ENDPOINT",
                    "dimensions": {
                        "attributes": { "Cart": { "attribute_type": "EXCLUSIVE", "values": ["empty"] } },
                        "event_type": { "dimension_type": "INCLUSIVE", "values": ["_session.start"] },
                        "metrics": { "total": { "comparison_operator": "GREATER_THAN", "value": 10.0 } }
                    }
                }
            },
            "limits": { "daily": 2, "maximum_duration": 600, "messages_per_second": 50, "total": 5, "session": 1 },
            "holdout_percent": 10,
            "is_paused": true,
            "priority": 4,
            "treatment_name": "A",
            "treatment_description": "the default",
            "additional_treatments": [
                {
                    "size_percent": 40,
                    "template": "alt",
                    "template_version": 2,
                    "treatment_name": "B",
                    "treatment_description": "with a template",
                    "schedule": { "start_time": "2030-01-02T09:00:00Z", "frequency": "ONCE", "is_local_time": false }
                },
                { "size_percent": 20, "message_configuration": { "default_message": { "body": "C" } } }
            ],
            "hook": { "lambda_function_name": "filter-fn", "mode": "FILTER", "web_url": "https://hook" }
        }))
    }

    #[test]
    fn every_field_lands_in_its_api_field() {
        let req = write_campaign_request(&full(), &targets(), Some(HashMap::new())).unwrap();
        assert_eq!(req.name(), Some("flash-sale"));
        assert_eq!(
            req.description(),
            Some("Flash sale for high-value customers")
        );
        assert_eq!(req.segment_id(), Some("seg-id"));
        assert_eq!(
            req.segment_version(),
            Some(3),
            "latest = the segment's current version"
        );
        let mc = req.message_configuration().unwrap();
        for (tag, m) in [
            ("apns", mc.apns_message()),
            ("gcm", mc.gcm_message()),
            ("adm", mc.adm_message()),
            ("baidu", mc.baidu_message()),
            ("default", mc.default_message()),
        ] {
            let m = m.unwrap();
            assert_eq!(m.action(), Some(&sdk::Action::DeepLink));
            assert_eq!(m.body(), Some(format!("{tag} body").as_str()));
            assert_eq!(
                m.image_icon_url(),
                Some(format!("https://x/{tag}/icon.png").as_str())
            );
            assert_eq!(
                m.image_small_icon_url(),
                Some(format!("https://x/{tag}/small.png").as_str())
            );
            assert_eq!(
                m.image_url(),
                Some(format!("https://x/{tag}/image.png").as_str())
            );
            assert_eq!(m.json_body(), Some(format!("{{\"{tag}\":true}}").as_str()));
            assert_eq!(
                m.media_url(),
                Some(format!("https://x/{tag}/media.mp4").as_str())
            );
            assert_eq!(
                m.raw_content(),
                Some(format!("{{\"raw\":\"{tag}\"}}").as_str())
            );
            assert_eq!(m.silent_push(), Some(false));
            assert_eq!(m.time_to_live(), Some(3600));
            assert_eq!(m.title(), Some(format!("{tag} title").as_str()));
            assert_eq!(m.url(), Some(format!("app://{tag}").as_str()));
        }
        let sched = req.schedule().unwrap();
        assert_eq!(sched.start_time(), Some("2030-01-01T09:00:00Z"));
        assert_eq!(sched.end_time(), Some("2030-02-01T09:00:00Z"));
        assert_eq!(sched.frequency(), Some(&sdk::Frequency::Event));
        assert_eq!(sched.is_local_time(), Some(true));
        assert_eq!(sched.quiet_time().unwrap().start(), Some("22:00"));
        assert_eq!(sched.quiet_time().unwrap().end(), Some("08:00"));
        assert_eq!(sched.timezone(), Some("UTC-05"));
        let filter = sched.event_filter().unwrap();
        assert_eq!(filter.filter_type(), Some(&sdk::FilterType::Endpoint));
        let dims = filter.dimensions().unwrap();
        assert_eq!(dims.event_type().unwrap().values(), ["_session.start"]);
        assert_eq!(
            dims.attributes().unwrap()["Cart"].attribute_type(),
            Some(&sdk::AttributeType::Exclusive)
        );
        assert_eq!(
            dims.metrics().unwrap()["total"].comparison_operator(),
            Some("GREATER_THAN")
        );
        let lim = req.limits().unwrap();
        assert_eq!(
            (
                lim.daily(),
                lim.maximum_duration(),
                lim.messages_per_second(),
                lim.total(),
                lim.session()
            ),
            (Some(2), Some(600), Some(50), Some(5), Some(1))
        );
        assert_eq!(req.holdout_percent(), Some(10));
        assert_eq!(req.is_paused(), Some(true));
        assert_eq!(req.priority(), Some(4));
        assert_eq!(req.treatment_name(), Some("A"));
        assert_eq!(req.treatment_description(), Some("the default"));
        let treat = &req.additional_treatments()[0];
        assert_eq!(treat.size_percent(), Some(40));
        let push = treat
            .template_configuration()
            .unwrap()
            .push_template()
            .unwrap();
        assert_eq!(push.name(), Some("alt-template"));
        assert_eq!(push.version(), Some("2"));
        assert_eq!(treat.treatment_name(), Some("B"));
        assert_eq!(
            treat.schedule().unwrap().start_time(),
            Some("2030-01-02T09:00:00Z")
        );
        let hook = req.hook().unwrap();
        assert_eq!(hook.lambda_function_name(), Some("filter-fn"));
        assert_eq!(hook.mode(), Some(&sdk::Mode::Filter));
        assert_eq!(hook.web_url(), Some("https://hook"));
        assert!(req.tags().unwrap().contains_key("team"));
    }

    #[test]
    fn a_full_campaign_round_trips_through_the_server_echo() {
        let c = full();
        let req = write_campaign_request(&c, &targets(), Some(HashMap::new())).unwrap();
        let live = campaign_from_sdk(
            &echo(&req, sdk::CampaignStatus::Scheduled),
            &segment_keys,
            &template_keys,
            LATEST,
        );
        assert_eq!(live, c);
        assert_eq!(
            campaign_resource("flash", &live).attrs,
            campaign_resource("flash", &c).attrs
        );
    }

    #[test]
    fn a_template_campaign_round_trips_and_clears_the_messages() {
        let c = spec(json!({
            "name": "t",
            "segment": "high_value",
            "template": "flash",
            "schedule": { "start_time": "immediate" }
        }));
        let req = write_campaign_request(&c, &targets(), None).unwrap();
        let push = req
            .template_configuration()
            .unwrap()
            .push_template()
            .unwrap();
        assert_eq!(push.name(), Some("flash-sale-template"));
        assert_eq!(push.version(), None, "no version: the active one");
        assert_eq!(
            req.message_configuration(),
            Some(&sdk::MessageConfiguration::builder().build())
        );
        assert_eq!(req.schedule().unwrap().start_time(), Some("IMMEDIATE"));
        let live = campaign_from_sdk(
            &echo(&req, sdk::CampaignStatus::Scheduled),
            &segment_keys,
            &template_keys,
            LATEST,
        );
        assert_eq!(live, c);
    }

    #[test]
    fn unknown_templates_are_refused_before_any_call() {
        let c = spec(json!({
            "name": "t", "segment": "s", "template": "ghost",
            "schedule": { "start_time": "immediate" }
        }));
        let err = write_campaign_request(&c, &targets(), None).unwrap_err();
        assert!(
            matches!(&err, MappingError::UnknownTemplate { key, field } if key == "ghost" && field == "template"),
            "{err}"
        );
    }

    #[test]
    fn absent_members_are_sent_empty_so_an_update_clears_them() {
        let c = spec(json!({
            "name": "min", "segment": "high_value",
            "message_configuration": { "default_message": { "body": "hi" } },
            "schedule": { "start_time": "immediate" }
        }));
        let req = write_campaign_request(&c, &targets(), None).unwrap();
        assert_eq!(req.description(), Some(" "));
        assert_eq!(req.limits(), Some(&sdk::CampaignLimits::builder().build()));
        assert_eq!(req.hook(), Some(&sdk::CampaignHook::builder().build()));
        assert_eq!(
            req.template_configuration(),
            Some(&sdk::TemplateConfiguration::builder().build())
        );
        assert_eq!(
            req.additional_treatments(),
            &[] as &[sdk::WriteTreatmentResource]
        );
        assert_eq!(req.holdout_percent(), Some(0));
        assert_eq!(req.is_paused(), Some(false));
        assert_eq!(req.schedule().unwrap().is_local_time(), Some(false));
        assert_eq!(req.priority(), None);
        assert_eq!(req.treatment_name(), None);
        assert!(req.tags().is_none());
        // And the echo of all those empties reads back as the spec.
        let live = campaign_from_sdk(
            &echo(&req, sdk::CampaignStatus::Scheduled),
            &segment_keys,
            &template_keys,
            LATEST,
        );
        assert_eq!(
            campaign_resource("min", &live).attrs,
            campaign_resource("min", &c).attrs
        );
    }

    #[test]
    fn the_servers_additions_read_as_the_spec_defaults() {
        // Captured shape of a real API-created campaign.
        let resp = CampaignResponse::builder()
            .id("c1")
            .name("flash")
            .description(" ")
            .segment_id("seg-id")
            .segment_version(3)
            .holdout_percent(0)
            .is_paused(false)
            .limits(sdk::CampaignLimits::builder().build())
            .template_configuration(sdk::TemplateConfiguration::builder().build())
            .set_additional_treatments(Some(vec![]))
            .tags("reconcile:stack", "demo")
            .tags("reconcile:key", "campaign.flash")
            .message_configuration(
                sdk::MessageConfiguration::builder()
                    .default_message(sdk::Message::builder().body("hi").build())
                    .build(),
            )
            .schedule(
                sdk::Schedule::builder()
                    .start_time("2030-01-01T14:00:00.000Z")
                    .timezone("utc-05")
                    .quiet_time(sdk::QuietTime::builder().start("22:00").end("8:00").build())
                    .build(),
            )
            .state(
                sdk::CampaignState::builder()
                    .campaign_status(sdk::CampaignStatus::Scheduled)
                    .build(),
            )
            .build();
        let live = campaign_from_sdk(&resp, &segment_keys, &template_keys, LATEST);
        let desired = spec(json!({
            "name": "flash",
            "segment": "high_value",
            "message_configuration": { "default_message": { "body": "hi" } },
            "schedule": {
                "start_time": "2030-01-01T09:00:00-05:00",
                "timezone": "UTC-05",
                "quiet_time": { "start": "22:00", "end": "08:00" }
            }
        }));
        assert_eq!(live.description, None);
        assert_eq!(live.limits, None);
        assert_eq!(live.template, None);
        assert!(live.additional_treatments.is_empty());
        assert!(live.tags.is_empty());
        assert_eq!(live.schedule.timezone.as_deref(), Some("UTC-05"));
        assert_eq!(
            live.schedule.start_time,
            StartTime::At("2030-01-01T14:00:00Z".to_owned())
        );
        assert_eq!(
            campaign_resource("flash", &live).attrs,
            campaign_resource("flash", &desired).attrs
        );
    }

    #[test]
    fn immediate_reads_back_in_any_case() {
        for wire in ["IMMEDIATE", "immediate", " Immediate "] {
            let s = sdk::Schedule::builder().start_time(wire).build();
            assert_eq!(schedule_from_sdk(Some(&s)).start_time, StartTime::Immediate);
        }
    }

    #[test]
    fn segment_version_reads_latest_only_when_it_is() {
        let ctx = |current, desired| SegmentVersionContext { current, desired };
        let pinned = |v| SegmentVersion::Pinned(v);
        let latest = SegmentVersion::Latest;
        // (live, current, desired, completed) -> read
        let cases = [
            (Some(3), Some(3), Some(latest), false, latest),
            (Some(2), Some(3), Some(latest), false, pinned(2)),
            (Some(2), Some(3), Some(latest), true, latest),
            (Some(3), Some(3), Some(pinned(3)), false, pinned(3)),
            (Some(2), Some(3), Some(pinned(3)), false, pinned(2)),
            (Some(2), Some(2), None, false, latest),
            (Some(2), None, Some(latest), false, pinned(2)),
            (Some(0), Some(3), Some(latest), false, latest),
            (None, Some(3), Some(latest), false, latest),
        ];
        for (live, current, desired, completed, want) in cases {
            assert_eq!(
                segment_version_from_sdk(live, ctx(current, desired), completed),
                want,
                "live {live:?} current {current:?} desired {desired:?} completed {completed}"
            );
        }
        let c = spec(json!({
            "name": "p", "segment": "s", "segment_version": 2,
            "message_configuration": { "default_message": { "body": "hi" } },
            "schedule": { "start_time": "immediate" }
        }));
        let req = write_campaign_request(&c, &targets(), None).unwrap();
        assert_eq!(req.segment_version(), Some(2), "a pin is sent as is");
    }

    #[test]
    fn a_completed_immediate_campaign_reads_as_its_spec() {
        let c = spec(json!({
            "name": "now", "segment": "high_value",
            "message_configuration": { "default_message": { "body": "hi" } },
            "schedule": { "start_time": "immediate" }
        }));
        let at_create = CampaignTargets {
            segment_current_version: Some(1),
            ..targets()
        };
        let req = write_campaign_request(&c, &at_create, None).unwrap();
        let resp = echo(&req, sdk::CampaignStatus::Completed);
        assert!(campaign_is_completed(&resp));
        // The segment moved on to version 3 since; the campaign already ran.
        let live = campaign_from_sdk(&resp, &segment_keys, &template_keys, LATEST);
        assert_eq!(live, c);
        // The same campaign not yet run would be re-targeted.
        let resp = echo(&req, sdk::CampaignStatus::Scheduled);
        assert!(!campaign_is_completed(&resp));
        let live = campaign_from_sdk(&resp, &segment_keys, &template_keys, LATEST);
        assert_eq!(live.segment_version, SegmentVersion::Pinned(1));
    }

    #[test]
    fn every_enum_value_is_an_api_value() {
        for a in [PushAction::OpenApp, PushAction::DeepLink, PushAction::Url] {
            assert!(sdk::Action::values().contains(&wire_name(&a).as_str()));
        }
        for f in [
            Frequency::Once,
            Frequency::Hourly,
            Frequency::Daily,
            Frequency::Weekly,
            Frequency::Monthly,
            Frequency::Event,
            Frequency::InAppEvent,
        ] {
            assert!(
                sdk::Frequency::values().contains(&wire_name(&f).as_str()),
                "{f:?}"
            );
            let s = sdk::Schedule::builder()
                .start_time("IMMEDIATE")
                .frequency(sdk::Frequency::from(wire_name(&f).as_str()))
                .build();
            assert_eq!(schedule_from_sdk(Some(&s)).frequency, Some(f));
        }
        for t in [EventFilterType::System, EventFilterType::Endpoint] {
            assert!(sdk::FilterType::values().contains(&wire_name(&t).as_str()));
        }
        for m in [HookMode::Delivery, HookMode::Filter] {
            assert!(sdk::Mode::values().contains(&wire_name(&m).as_str()));
        }
    }

    #[test]
    fn numbers_beyond_the_api_range_are_refused() {
        let mut c = full();
        c.holdout_percent = u32::MAX;
        let err = write_campaign_request(&c, &targets(), None).unwrap_err();
        assert!(err.to_string().contains("holdout_percent"), "{err}");
    }
}
