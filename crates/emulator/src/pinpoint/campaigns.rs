//! Campaigns: versions, state, activities, and their runs on the emulator
//! clock.
//!
//! A campaign is created SCHEDULED (PAUSED when `IsPaused`). [`tick`], run
//! before every Pinpoint request, starts each campaign whose start
//! (`IMMEDIATE` = its last create or update) is at least one second past on
//! the emulator clock: it evaluates the segment version against the app's
//! endpoints, delivers through the channels, records one activity and the
//! deliveries, writes `_campaign.send` events to the event stream, and
//! leaves the campaign COMPLETED (recurring campaigns: PENDING_NEXT_RUN until
//! their `EndTime`).

use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use super::Params;
use super::apps::{find, find_mut};
use super::eventstream;
use super::messages::{deliver_to_endpoint, endpoint_context, record, template_for};
use super::model::{Activity, App, Campaign, CampaignVersion, Delivery};
use super::segments::{list_body, version_matches};
use super::shapes::{
    CampaignContent, ChannelType, Frequency, MessageConfiguration, WriteCampaignRequest,
};
use super::util::{
    self, DEFAULT_PAGE_SIZE, Error, Result, fmt_date, json_reply, merge, parse_body, parse_time,
    to_json,
};
use crate::state::State;
use crate::wire::{Ctx, Reply, Request};

/// The campaign time zones AWS documents (UTC offsets, not IANA names).
pub const TIMEZONES: [&str; 31] = [
    "UTC",
    "UTC+01",
    "UTC+02",
    "UTC+03",
    "UTC+03:30",
    "UTC+04",
    "UTC+04:30",
    "UTC+05",
    "UTC+05:30",
    "UTC+05:45",
    "UTC+06",
    "UTC+06:30",
    "UTC+07",
    "UTC+08",
    "UTC+09",
    "UTC+09:30",
    "UTC+10",
    "UTC+10:30",
    "UTC+11",
    "UTC+12",
    "UTC+13",
    "UTC-02",
    "UTC-03",
    "UTC-04",
    "UTC-05",
    "UTC-06",
    "UTC-07",
    "UTC-08",
    "UTC-09",
    "UTC-10",
    "UTC-11",
];

/// Whether a `Timezone` is one of [`TIMEZONES`], ignoring case and
/// accepting an unpadded hour (`utc-4`).
///
/// IANA zone names (`America/New_York`, as the recipe users follow sends)
/// are accepted too: the model documents only offsets, AWS's answer to a zone
/// name is undocumented, and the recipe's `create-campaign` must succeed as
/// it did against AWS. `reconcile validate` still asks specs for an offset.
pub fn valid_timezone(tz: &str) -> bool {
    let upper = tz.trim().to_ascii_uppercase();
    if upper == "UTC" || is_iana_zone(tz.trim()) {
        return true;
    }
    let Some(rest) = upper.strip_prefix("UTC") else {
        return false;
    };
    let mut chars = rest.chars();
    let Some(sign @ ('+' | '-')) = chars.next() else {
        return false;
    };
    let offset = chars.as_str();
    let (hours, minutes) = match offset.split_once(':') {
        Some((h, m)) => (h, Some(m)),
        None => (offset, None),
    };
    if hours.is_empty() || hours.len() > 2 || !hours.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let normal = match minutes {
        Some(m) => format!("UTC{sign}{hours:0>2}:{m}"),
        None => format!("UTC{sign}{hours:0>2}"),
    };
    TIMEZONES.contains(&normal.as_str())
}

/// `Area/Location` with letters, digits, `_`, `-` and `+` in each part.
fn is_iana_zone(tz: &str) -> bool {
    let mut parts = tz.split('/');
    let Some(area) = parts.next() else {
        return false;
    };
    const AREAS: [&str; 10] = [
        "Africa",
        "America",
        "Antarctica",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
        "Etc",
    ];
    let rest: Vec<&str> = parts.collect();
    AREAS.contains(&area)
        && !rest.is_empty()
        && rest.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        })
}

fn is_immediate(start: &str) -> bool {
    start.eq_ignore_ascii_case("IMMEDIATE")
}

fn recurring(f: Option<Frequency>) -> Option<Duration> {
    match f {
        Some(Frequency::Hourly) => Some(Duration::hours(1)),
        Some(Frequency::Daily) => Some(Duration::days(1)),
        Some(Frequency::Weekly) => Some(Duration::weeks(1)),
        Some(Frequency::Monthly) => Some(Duration::days(30)),
        _ => None,
    }
}

fn find_campaign<'a>(app: &'a App, id: &str) -> Result<&'a Campaign> {
    app.campaigns
        .get(id)
        .ok_or_else(|| Error::not_found("Campaign not found"))
}

fn current(c: &Campaign) -> Result<&CampaignVersion> {
    c.versions
        .last()
        .ok_or_else(|| Error::not_found("Campaign not found"))
}

/// Checks a campaign version as it will be stored and resolves its
/// `SegmentVersion`. `changed_segment` says whether the request named the
/// segment (an omitted `SegmentVersion` then means the current one).
fn validate(
    ctx: &Ctx,
    state: &State,
    app: &App,
    mut c: CampaignContent,
    changed_segment: bool,
) -> Result<CampaignContent> {
    util::required(c.name.as_ref(), "Name")?;
    let segment_id = util::required(c.segment_id.as_ref(), "SegmentId")?;
    let seg = app
        .segments
        .get(segment_id)
        .ok_or_else(|| Error::not_found("Segment not found"))?;
    let latest = seg.versions.last().map_or(1, |v| v.version);
    match c.segment_version {
        None => c.segment_version = Some(latest),
        Some(v) if changed_segment && (v < 1 || v > latest) => {
            return Err(Error::bad(format!(
                "SegmentVersion `{v}` does not exist for segment `{segment_id}` (latest is {latest})"
            )));
        }
        Some(_) => {}
    }
    let Some(schedule) = c.schedule.as_ref() else {
        return Err(Error::bad("Schedule is required"));
    };
    let start = util::required(schedule.start_time.as_ref(), "Schedule.StartTime")?;
    let start_at = if is_immediate(start) {
        ctx.now
    } else {
        let t = parse_time(start).ok_or_else(|| {
            Error::bad(format!(
                "Invalid StartTime `{start}`: use IMMEDIATE or an ISO 8601 date and time"
            ))
        })?;
        if t < ctx.now {
            return Err(Error::bad("StartTime must be at least current time."));
        }
        t
    };
    if let Some(end) = &schedule.end_time {
        let e = parse_time(end)
            .ok_or_else(|| Error::bad(format!("Invalid EndTime `{end}`: use ISO 8601")))?;
        if e <= start_at {
            return Err(Error::bad("EndTime must be after StartTime."));
        }
    }
    if recurring(schedule.frequency).is_some() && schedule.end_time.is_none() {
        return Err(Error::bad("EndTime is required for a recurring campaign."));
    }
    if matches!(
        schedule.frequency,
        Some(Frequency::Event | Frequency::InAppEvent)
    ) {
        let ok = schedule
            .event_filter
            .as_ref()
            .is_some_and(|f| f.filter_type.is_some() && f.dimensions.is_some());
        if !ok {
            return Err(Error::bad(
                "An event-based campaign needs Schedule.EventFilter with FilterType and Dimensions",
            ));
        }
    }
    if let Some(tz) = &schedule.timezone
        && !valid_timezone(tz)
    {
        return Err(Error::bad(format!(
            "Invalid Timezone `{tz}`: use one of {}",
            TIMEZONES.join(", ")
        )));
    }
    if schedule.is_local_time == Some(true) && schedule.timezone.is_none() {
        return Err(Error::bad("Timezone is required when IsLocalTime is true"));
    }
    if let Some(q) = &schedule.quiet_time {
        util::validate_quiet_time(q)?;
    }
    if c.is_paused == Some(true) && is_immediate(start) {
        return Err(Error::bad(
            "A campaign scheduled to start immediately can't be paused",
        ));
    }
    if c.message_configuration.is_none() && c.template_configuration.is_none() {
        return Err(Error::bad(
            "MessageConfiguration or TemplateConfiguration is required",
        ));
    }
    if let Some(t) = c
        .template_configuration
        .as_ref()
        .and_then(|t| t.push_template.as_ref())
    {
        let name = util::required(t.name.as_ref(), "TemplateConfiguration.PushTemplate.Name")?;
        if !super::templates::exists(state, name, t.version.as_deref()) {
            return Err(Error::bad(format!("Template `{name}` not found")));
        }
    }
    let holdout = c.holdout_percent.unwrap_or(0);
    if !(0..=100).contains(&holdout) {
        return Err(Error::bad("HoldoutPercent must be between 0 and 100"));
    }
    let mut total = holdout;
    for t in c.additional_treatments.iter().flatten() {
        let size = t
            .size_percent
            .ok_or_else(|| Error::bad("AdditionalTreatments[].SizePercent is required"))?;
        if !(0..=100).contains(&size) {
            return Err(Error::bad("SizePercent must be between 0 and 100"));
        }
        total += size;
    }
    if total > 100 {
        return Err(Error::bad(
            "HoldoutPercent and the treatments' SizePercent add up to more than 100",
        ));
    }
    if c.description.is_none() {
        c.description = Some(" ".to_owned());
    }
    Ok(c)
}

/// When a stored version is due: its start, `IMMEDIATE` meaning `at`.
fn start_of(c: &CampaignContent, at: OffsetDateTime) -> Option<OffsetDateTime> {
    let s = c.schedule.as_ref()?;
    if matches!(s.frequency, Some(Frequency::Event | Frequency::InAppEvent)) {
        return None;
    }
    let start = s.start_time.as_deref()?;
    if is_immediate(start) {
        Some(at)
    } else {
        parse_time(start)
    }
}

fn status_of(c: &CampaignContent) -> &'static str {
    if c.is_paused == Some(true) {
        "PAUSED"
    } else {
        "SCHEDULED"
    }
}

/// `CampaignResponse` of one version.
fn response(app_id: &str, c: &Campaign, v: &CampaignVersion) -> Value {
    let state = json!({ "CampaignStatus": c.status });
    let mut body = to_json(&v.content);
    let treatments: Vec<Value> = v
        .content
        .additional_treatments
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, t)| {
            let mut tv = to_json(t);
            merge(&mut tv, json!({"Id": (i + 1).to_string(), "State": state}));
            tv
        })
        .collect();
    let has_treatments = !treatments.is_empty();
    merge(
        &mut body,
        json!({
            "AdditionalTreatments": treatments,
            "ApplicationId": app_id,
            "Arn": c.arn,
            "CreationDate": c.creation_date,
            "Description": v.content.description.as_deref().unwrap_or(" "),
            "HoldoutPercent": v.content.holdout_percent.unwrap_or(0),
            "Id": c.id,
            "IsPaused": v.content.is_paused.unwrap_or(false),
            "LastModifiedDate": v.last_modified_date,
            "Limits": v.content.limits.as_ref().map_or(json!({}), to_json),
            "State": state,
            "tags": c.tags,
            "TemplateConfiguration": v.content.template_configuration.as_ref().map_or(json!({}), to_json),
            "Version": v.version,
        }),
    );
    if has_treatments {
        body["DefaultState"] = state;
    }
    body
}

pub fn create(ctx: &Ctx, state: &mut State, req: &Request, p: &Params) -> Result<Reply> {
    let body: WriteCampaignRequest = parse_body(req)?;
    let app = find(state, &p.app)?;
    let content = validate(ctx, state, app, body.content, true)?;
    let tags = body.tags.unwrap_or_default();
    util::validate_tags(&tags)?;
    let id = util::new_id();
    let now = fmt_date(ctx.now);
    let seq = state.pinpoint.seq();
    let app = find_mut(state, &p.app)?;
    let c = Campaign {
        seq,
        arn: format!("{}/campaigns/{id}", app.arn),
        id: id.clone(),
        creation_date: now.clone(),
        tags,
        status: status_of(&content).to_owned(),
        next_run: start_of(&content, ctx.now).map(fmt_date),
        versions: vec![CampaignVersion {
            version: 1,
            content,
            last_modified_date: now,
        }],
        activities: Vec::new(),
    };
    let reply = response(&app.id, &c, current(&c)?);
    app.campaigns.insert(id, c);
    Ok(json_reply(ctx, 201, &reply))
}

/// The members a request gave replace the previous version's; omitted
/// members keep theirs.
fn merge_content(old: &CampaignContent, new: CampaignContent) -> CampaignContent {
    let segment_named = new.segment_id.is_some();
    CampaignContent {
        additional_treatments: new
            .additional_treatments
            .or_else(|| old.additional_treatments.clone()),
        custom_delivery_configuration: new
            .custom_delivery_configuration
            .or_else(|| old.custom_delivery_configuration.clone()),
        description: new.description.or_else(|| old.description.clone()),
        holdout_percent: new.holdout_percent.or(old.holdout_percent),
        hook: new.hook.or_else(|| old.hook.clone()),
        is_paused: new.is_paused.or(old.is_paused),
        limits: new.limits.or_else(|| old.limits.clone()),
        message_configuration: new
            .message_configuration
            .or_else(|| old.message_configuration.clone()),
        name: new.name.or_else(|| old.name.clone()),
        schedule: new.schedule.or_else(|| old.schedule.clone()),
        segment_version: if segment_named {
            new.segment_version
        } else {
            new.segment_version.or(old.segment_version)
        },
        segment_id: new.segment_id.or_else(|| old.segment_id.clone()),
        template_configuration: new
            .template_configuration
            .or_else(|| old.template_configuration.clone()),
        treatment_description: new
            .treatment_description
            .or_else(|| old.treatment_description.clone()),
        treatment_name: new.treatment_name.or_else(|| old.treatment_name.clone()),
        priority: new.priority.or(old.priority),
    }
}

pub fn update(ctx: &Ctx, state: &mut State, req: &Request, p: &Params) -> Result<Reply> {
    let body: WriteCampaignRequest = parse_body(req)?;
    let app = find(state, &p.app)?;
    let c = find_campaign(app, &p.id)?;
    if matches!(c.status.as_str(), "COMPLETED" | "DELETED") {
        return Err(Error::bad(format!(
            "A campaign in state {} can't be updated",
            c.status
        )));
    }
    let prev = current(c)?;
    let named = body.content.segment_id.is_some() || body.content.segment_version.is_some();
    let merged = merge_content(&prev.content, body.content);
    let content = validate(ctx, state, app, merged, named)?;
    let version = prev.version + 1;
    let app = find_mut(state, &p.app)?;
    let app_id = app.id.clone();
    let c = app
        .campaigns
        .get_mut(&p.id)
        .ok_or_else(|| Error::not_found("Campaign not found"))?;
    status_of(&content).clone_into(&mut c.status);
    c.next_run = start_of(&content, ctx.now).map(fmt_date);
    c.versions.push(CampaignVersion {
        version,
        content,
        last_modified_date: fmt_date(ctx.now),
    });
    let reply = response(&app_id, c, current(c)?);
    Ok(json_reply(ctx, 200, &reply))
}

pub fn get(ctx: &Ctx, state: &State, p: &Params) -> Result<Reply> {
    let app = find(state, &p.app)?;
    let c = find_campaign(app, &p.id)?;
    Ok(json_reply(ctx, 200, &response(&app.id, c, current(c)?)))
}

pub fn list(ctx: &Ctx, state: &State, req: &Request, p: &Params) -> Result<Reply> {
    let app = find(state, &p.app)?;
    let size = util::page_size(req, DEFAULT_PAGE_SIZE)?;
    let mut all: Vec<&Campaign> = app.campaigns.values().collect();
    all.sort_by_key(|c| c.seq);
    let (page, next) = util::paginate(&all, req.query_param("token"), size)?;
    let mut items = Vec::new();
    for c in page {
        items.push(response(&app.id, c, current(c)?));
    }
    Ok(json_reply(ctx, 200, &list_body(items, next)))
}

pub fn delete(ctx: &Ctx, state: &mut State, p: &Params) -> Result<Reply> {
    let app = find_mut(state, &p.app)?;
    let c = app
        .campaigns
        .remove(&p.id)
        .ok_or_else(|| Error::not_found("Campaign not found"))?;
    let reply = response(&app.id, &c, current(&c)?);
    Ok(json_reply(ctx, 200, &reply))
}

pub fn versions(ctx: &Ctx, state: &State, req: &Request, p: &Params) -> Result<Reply> {
    let app = find(state, &p.app)?;
    let c = find_campaign(app, &p.id)?;
    let size = util::page_size(req, DEFAULT_PAGE_SIZE)?;
    let (page, next) = util::paginate(&c.versions, req.query_param("token"), size)?;
    let items = page.iter().map(|v| response(&app.id, c, v)).collect();
    Ok(json_reply(ctx, 200, &list_body(items, next)))
}

pub fn version(ctx: &Ctx, state: &State, p: &Params) -> Result<Reply> {
    let app = find(state, &p.app)?;
    let c = find_campaign(app, &p.id)?;
    let n: i64 = p
        .version
        .parse()
        .map_err(|_| Error::bad(format!("Invalid version `{}`", p.version)))?;
    let v = c
        .versions
        .iter()
        .find(|v| v.version == n)
        .ok_or_else(|| Error::not_found("Campaign version not found"))?;
    Ok(json_reply(ctx, 200, &response(&app.id, c, v)))
}

fn activity_response(app_id: &str, campaign_id: &str, a: &Activity) -> Value {
    json!({
        "ApplicationId": app_id,
        "CampaignId": campaign_id,
        "End": a.end,
        "Id": a.id,
        "Result": a.result,
        "ScheduledStart": a.scheduled_start,
        "Start": a.start,
        "State": a.state,
        "SuccessfulEndpointCount": a.successful_endpoint_count,
        "TimezonesCompletedCount": 1,
        "TimezonesTotalCount": 1,
        "TotalEndpointCount": a.total_endpoint_count,
        "TreatmentId": a.treatment_id,
    })
}

pub fn activities(ctx: &Ctx, state: &State, req: &Request, p: &Params) -> Result<Reply> {
    let app = find(state, &p.app)?;
    let c = find_campaign(app, &p.id)?;
    let size = util::page_size(req, DEFAULT_PAGE_SIZE)?;
    let newest_first: Vec<&Activity> = c.activities.iter().rev().collect();
    let (page, next) = util::paginate(&newest_first, req.query_param("token"), size)?;
    let items = page
        .into_iter()
        .map(|a| activity_response(&app.id, &c.id, a))
        .collect();
    Ok(json_reply(ctx, 200, &list_body(items, next)))
}

// ------------------------------------------------------------ runs

fn campaign_message_for(m: Option<&MessageConfiguration>, kind: ChannelType) -> bool {
    let Some(m) = m else { return false };
    let default = m.default_message.is_some();
    match kind {
        k if k.is_apns() => m.apns_message.is_some() || default,
        ChannelType::Gcm => m.gcm_message.is_some() || default,
        ChannelType::Adm => m.adm_message.is_some() || default,
        ChannelType::Baidu => m.baidu_message.is_some() || default,
        ChannelType::Sms => m.sms_message.is_some() || default,
        ChannelType::Email => m.email_message.is_some() || default,
        ChannelType::InApp => m.in_app_message.is_some(),
        ChannelType::Custom => m.custom_message.is_some(),
        _ => false,
    }
}

/// What one run produced, applied after the app is no longer borrowed.
struct Run {
    activity: Activity,
    deliveries: Vec<Delivery>,
    events: Vec<(String, Value)>,
}

/// Runs a campaign version once against the app's endpoints.
fn run(ctx: &Ctx, app: &App, c: &Campaign, scheduled: OffsetDateTime) -> Option<Run> {
    let v = c.versions.last()?;
    let seg = app.segments.get(v.content.segment_id.as_deref()?)?;
    let wanted = v.content.segment_version.unwrap_or(1);
    let sv = seg
        .versions
        .iter()
        .find(|x| x.version == wanted)
        .or(seg.versions.last())?;
    let holdout = v.content.holdout_percent.unwrap_or(0);
    let activity_id = util::new_id();
    let at_ms = (ctx.now.unix_timestamp_nanos() / 1_000_000) as i64;
    let has_message = |kind| {
        campaign_message_for(v.content.message_configuration.as_ref(), kind)
            || template_for(v.content.template_configuration.as_ref(), kind)
    };
    let mut total = 0;
    let mut successful = 0;
    let mut deliveries = Vec::new();
    let mut events = Vec::new();
    for e in app.endpoints.values() {
        if e.endpoint_status != "ACTIVE" || e.opt_out == "ALL" {
            continue;
        }
        if !version_matches(app, sv, e, ctx.now, 5) {
            continue;
        }
        if e.cohort_id
            .parse::<i64>()
            .is_ok_and(|cohort| cohort < holdout)
        {
            continue;
        }
        total += 1;
        let out = deliver_to_endpoint(app, Some(e), has_message);
        if out.successful() {
            successful += 1;
        }
        let kind = e.channel_type.unwrap_or(ChannelType::Push);
        deliveries.push(Delivery {
            at_ms,
            campaign_id: Some(c.id.clone()),
            activity_id: Some(activity_id.clone()),
            target: super::endpoints::key(&e.id),
            channel: kind,
            successful: out.successful(),
        });
        let event = json!({
            "event_type": "_campaign.send",
            "event_timestamp": at_ms,
            "arrival_timestamp": at_ms,
            "event_version": "3.1",
            "application": {"app_id": app.id, "sdk": {}},
            "client": {"client_id": e.id},
            "device": {"platform": {}},
            "session": {},
            "attributes": {
                "treatment_id": "0",
                "campaign_activity_id": activity_id,
                "delivery_type": kind.as_str(),
                "campaign_id": c.id,
                "campaign_send_status": if out.successful() { "SUCCESS" } else { "FAILURE" },
            },
            "client_context": {"custom": {"endpoint": endpoint_context(e)}},
            "awsAccountId": ctx.account_id,
        });
        events.push((e.id.clone(), event));
    }
    let now = fmt_date(ctx.now);
    Some(Run {
        activity: Activity {
            id: activity_id,
            scheduled_start: fmt_date(scheduled),
            start: now.clone(),
            end: now,
            state: "COMPLETED".to_owned(),
            result: "SUCCESS".to_owned(),
            successful_endpoint_count: successful,
            total_endpoint_count: total,
            treatment_id: "0".to_owned(),
        },
        deliveries,
        events,
    })
}

/// The most runs one campaign makes in one tick (a clock moved far ahead
/// must not stall a request).
const MAX_RUNS_PER_TICK: usize = 100;

/// Starts every campaign that is due on the emulator clock.
pub fn tick(ctx: &Ctx, state: &mut State) {
    let due: Vec<(String, String)> = state
        .pinpoint
        .apps
        .values()
        .flat_map(|a| {
            a.campaigns
                .values()
                .filter(|c| matches!(c.status.as_str(), "SCHEDULED" | "PENDING_NEXT_RUN"))
                .filter(|c| {
                    c.next_run
                        .as_deref()
                        .and_then(parse_time)
                        .is_some_and(|t| t + Duration::seconds(1) <= ctx.now)
                })
                .map(|c| (a.id.clone(), c.id.clone()))
        })
        .collect();
    for (app_id, campaign_id) in due {
        for _ in 0..MAX_RUNS_PER_TICK {
            if !run_once(ctx, state, &app_id, &campaign_id) {
                break;
            }
        }
    }
}

/// Runs a due campaign once; false when it is not (or no longer) due.
fn run_once(ctx: &Ctx, state: &mut State, app_id: &str, campaign_id: &str) -> bool {
    let Some(app) = state.pinpoint.apps.get(app_id) else {
        return false;
    };
    let Some(c) = app.campaigns.get(campaign_id) else {
        return false;
    };
    let Some(scheduled) = c.next_run.as_deref().and_then(parse_time) else {
        return false;
    };
    if scheduled + Duration::seconds(1) > ctx.now
        || !matches!(c.status.as_str(), "SCHEDULED" | "PENDING_NEXT_RUN")
    {
        return false;
    }
    let Some(content) = c.versions.last().map(|v| v.content.clone()) else {
        return false;
    };
    let outcome = run(ctx, app, c, scheduled);
    let Some(app) = state.pinpoint.apps.get_mut(app_id) else {
        return false;
    };
    let events = match outcome {
        None => {
            // The segment is gone: the campaign fails as DELETED.
            if let Some(c) = app.campaigns.get_mut(campaign_id) {
                "DELETED".clone_into(&mut c.status);
                c.next_run = None;
            }
            return false;
        }
        Some(r) => {
            for d in r.deliveries {
                record(app, d);
            }
            if let Some(c) = app.campaigns.get_mut(campaign_id) {
                c.activities.push(r.activity);
                let schedule = content.schedule.as_ref();
                let next = recurring(schedule.and_then(|s| s.frequency))
                    .map(|period| scheduled + period)
                    .filter(|next| {
                        schedule
                            .and_then(|s| s.end_time.as_deref())
                            .and_then(parse_time)
                            .is_some_and(|end| *next <= end)
                    });
                match next {
                    Some(n) => {
                        "PENDING_NEXT_RUN".clone_into(&mut c.status);
                        c.next_run = Some(fmt_date(n));
                    }
                    None => {
                        "COMPLETED".clone_into(&mut c.status);
                        c.next_run = None;
                    }
                }
            }
            r.events
        }
    };
    eventstream::publish(ctx, state, app_id, events);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timezones_match_the_documented_offsets() {
        for tz in [
            "UTC",
            "utc",
            "UTC+01",
            "utc+01",
            "UTC-4",
            "UTC+05:30",
            "utc+5:30",
            "America/New_York",
        ] {
            assert!(valid_timezone(tz), "{tz}");
        }
        for tz in [
            "America/Nowhere Land",
            "UTC+14",
            "UTC-01",
            "UTC+5:15",
            "GMT",
            "UTC+",
            "",
        ] {
            assert!(!valid_timezone(tz), "{tz}");
        }
    }
}
