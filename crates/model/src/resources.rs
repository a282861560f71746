//! From a [`Spec`] to [`Resource`]s: the contract between the spec, the
//! provider and the engine.
//!
//! # The contract
//!
//! [`Spec::resources`] returns one [`Resource`] per managed thing, in
//! [`Kind`] order:
//!
//! | address | from | `depends_on` |
//! |---|---|---|
//! | `iam_role.<key>` | `iam_roles.<key>` | `kinesis_stream.<allow_put_to_stream>` |
//! | `kinesis_stream.<key>` | `kinesis_streams.<key>` | — |
//! | `app` | `app` (name, tags; not settings) | — |
//! | `app_settings` | `app.settings`, when given | `app` |
//! | `channel.<apns\|apns_sandbox\|apns_voip\|apns_voip_sandbox\|gcm\|adm\|baidu>` | `channels.<key>` | `app` |
//! | `endpoint.<id>` | `endpoints.<id>` | `app` |
//! | `segment.<key>` | `segments.<key>` | `app`, source segments |
//! | `template.<key>` | `templates.<key>` | — (templates are account-wide) |
//! | `campaign.<key>` | `campaigns.<key>` | `app`, its segment, its templates |
//! | `event_stream` | `event_stream` | `app`, the stream and role when they are spec keys |
//! | `alarm.<key>` | `alarms.<key>` | `app` |
//!
//! `attrs` is `serde_json::to_value` of the resource's typed spec struct
//! after normalisation, so the provider can `serde_json::from_value` it back
//! into the same struct (e.g. [`Segment`]). To describe the live account the
//! provider builds the same struct from the API's output and calls the SAME
//! per-kind function ([`segment_resource`], [`campaign_resource`], ...), so
//! that both sides are normalised by one piece of code. In `attrs`:
//!
//! * keys are the spec's snake_case keys; user-data map keys (endpoint
//!   attribute names, tag keys) are kept as written;
//! * absent optionals, empty maps and empty lists are omitted;
//! * defaults are filled so that a live read and a spec agree: channel
//!   `enabled: true`, `default_authentication_method` inferred from the
//!   credentials, stream `shard_count: 1` (`PROVISIONED` only) and
//!   `retention_period_hours: 24`, campaign `segment_version: latest`,
//!   `frequency: ONCE`, `holdout_percent: 0`, `is_paused: false`, endpoint
//!   `opt_out: NONE`, segment `attribute_type`/`dimension_type: INCLUSIVE`,
//!   role `path: /` and `trusted_service: pinpoint.amazonaws.com`, alarm
//!   `namespace: AWS/Pinpoint`, `treat_missing_data: missing`,
//!   `datapoints_to_alarm` = `evaluation_periods`;
//! * normalisation: campaign timezones upper-cased (`utc` → `UTC`), quiet
//!   times `HH:MM`, times RFC 3339 in UTC, `description`s trimmed (empty or
//!   `" "` → absent), `Limits {}` and empty hooks → absent, managed policy
//!   ARNs sorted;
//! * references stay spec keys (`segment: high_value_customers`,
//!   `template: flash_sale`, `allow_put_to_stream: events`, event stream
//!   `stream`/`role`) and appear in `depends_on` as addresses. The provider
//!   maps keys to ids/ARNs on write and back to keys on read (by the
//!   `reconcile:key` tag); an event stream `stream`/`role` that starts with
//!   `arn:` is an external ARN and stays an ARN;
//! * `tags` are the user's tags only: the provider adds
//!   [`TAG_STACK`](crate::resource::TAG_STACK)/[`TAG_KEY`](crate::resource::TAG_KEY)
//!   on create and strips every `reconcile:` tag on read;
//! * campaign `segment_version`: the provider reports `latest` when the
//!   campaign's `SegmentVersion` equals the segment's current version;
//! * alarm `dimensions` never hold `ApplicationId`: the provider adds it
//!   (the app's id) on write and removes it on read;
//! * IAM roles: the trust policy is [`trust_policy`]`(trusted_service)`;
//!   `allow_put_to_stream: <key>` stands for the inline policy
//!   [`put_to_stream_policy_name`]`(key)` = [`put_to_stream_policy`]`(arn of
//!   that stream)`. It is NOT listed in `inline_policies`; on read the
//!   provider folds an inline policy of that name whose document equals the
//!   generated one back into `allow_put_to_stream`.
//!
//! # Write-only fields
//!
//! Fields AWS never returns (every channel credential, also APNs
//! `bundle_id`/`team_id`/`token_key_id` and ADM `client_id`/Baidu `api_key`;
//! app settings `cloudwatch_metrics_enabled`/`event_tagging_enabled`) are
//! removed from `attrs` and put into [`Resource::write_only`] under their
//! snake_case field name: a [`WriteOnly::Secret`] reference for secrets, a
//! [`WriteOnly::Plain`] JSON value otherwise. [`Spec::resources`] then
//! resolves them and sets `attrs.write_only_fingerprint` =
//! [`fingerprint`]`(stack, fields)` over the
//! `(field, value)` pairs in field-name order (a Plain value as its JSON
//! text, e.g. `true`), and marks `/write_only_fingerprint` sensitive. The
//! per-kind functions leave the fingerprint out; a provider reading live
//! state sets it from the app's `reconcile:fp:<address>` tag with
//! [`set_write_only_fingerprint`].

use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::address::{Address, Kind};
use crate::resource::{FINGERPRINT_ATTR, Resource, WriteOnly};
use crate::secret::{SecretError, SecretRef, Secrets, fingerprint};
use crate::spec::{
    AdmChannel, Alarm, ApnsAuthMethod, ApnsChannel, App, AppSettings, AttributeType, BaiduChannel,
    Campaign, CampaignHook, ChannelKey, DimensionType, Endpoint, EndpointDemographic,
    EndpointLocation, EndpointUser, EventDimensions, EventStream, Frequency,
    GENERATED_POLICY_PREFIX, GcmAuthMethod, GcmChannel, IamRole, KinesisStream, Limits,
    MessageConfiguration, OptOut, QuietTime, Schedule, Segment, SegmentDemographics,
    SegmentDimensions, SegmentGroups, SegmentLocation, SetDimension, Spec, StreamMode, Template,
};

/// A resource could not be built: a secret reference did not resolve.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// `path` is the field's place in the spec (`channels.apns.certificate`).
    #[error("`{path}` (`{reference}`): {source}")]
    Secret {
        address: Address,
        field: String,
        path: String,
        reference: Box<SecretRef>,
        #[source]
        source: Box<SecretError>,
    },
}

impl Spec {
    /// Every resource this spec manages, normalised, with write-only values
    /// resolved into fingerprints through `secrets` (the spec's directory for
    /// `${file:...}`, and what was fetched from AWS for `${ssm:...}` and
    /// `${secretsmanager:...}`). See the module docs for the contract.
    pub fn resources(&self, secrets: &Secrets) -> Result<Vec<Resource>, ResolveError> {
        let mut out = self.unsealed_resources();
        for r in &mut out {
            seal_write_only(&self.stack, r, secrets)?;
        }
        Ok(out)
    }

    /// The secret references that live in AWS, as the provider must fetch
    /// them ([`SecretRef::fetch_key`]), each once, in a stable order.
    pub fn remote_secrets(&self) -> Vec<SecretRef> {
        let set: std::collections::BTreeSet<SecretRef> = self
            .unsealed_resources()
            .iter()
            .flat_map(|r| r.write_only.values())
            .filter_map(|w| match w {
                WriteOnly::Secret(r) => r.fetch_key(),
                WriteOnly::Plain(_) => None,
            })
            .collect();
        set.into_iter().collect()
    }

    /// The resources without resolving secrets: `write_only` is filled,
    /// `attrs.write_only_fingerprint` is not.
    pub fn unsealed_resources(&self) -> Vec<Resource> {
        let mut out = Vec::new();
        for (k, v) in &self.iam_roles {
            out.push(iam_role_resource(k, v));
        }
        for (k, v) in &self.kinesis_streams {
            out.push(kinesis_stream_resource(k, v));
        }
        out.push(app_resource(&self.app));
        if let Some(s) = &self.app.settings {
            out.push(app_settings_resource(s));
        }
        let ch = &self.channels;
        for (key, c) in [
            (ChannelKey::Apns, &ch.apns),
            (ChannelKey::ApnsSandbox, &ch.apns_sandbox),
            (ChannelKey::ApnsVoip, &ch.apns_voip),
            (ChannelKey::ApnsVoipSandbox, &ch.apns_voip_sandbox),
        ] {
            if let Some(c) = c {
                out.push(apns_channel_resource(key, c));
            }
        }
        if let Some(c) = &ch.gcm {
            out.push(gcm_channel_resource(c));
        }
        if let Some(c) = &ch.adm {
            out.push(adm_channel_resource(c));
        }
        if let Some(c) = &ch.baidu {
            out.push(baidu_channel_resource(c));
        }
        for (k, v) in &self.endpoints {
            out.push(endpoint_resource(k, v));
        }
        for (k, v) in &self.segments {
            out.push(segment_resource(k, v));
        }
        for (k, v) in &self.templates {
            out.push(template_resource(k, v));
        }
        for (k, v) in &self.campaigns {
            out.push(campaign_resource(k, v));
        }
        if let Some(es) = &self.event_stream {
            out.push(event_stream_resource(es));
        }
        for (k, v) in &self.alarms {
            out.push(alarm_resource(k, v));
        }
        out
    }
}

/// Where an address's resource is written in the spec (`channels.apns`,
/// `app.settings`, `segments.high_value`).
pub fn spec_path(address: &Address) -> String {
    let key = &address.key;
    match address.kind {
        Kind::IamRole => format!("iam_roles.{key}"),
        Kind::KinesisStream => format!("kinesis_streams.{key}"),
        Kind::App => "app".to_owned(),
        Kind::AppSettings => "app.settings".to_owned(),
        Kind::Channel => format!("channels.{key}"),
        Kind::Endpoint => format!("endpoints.{key}"),
        Kind::Segment => format!("segments.{key}"),
        Kind::Template => format!("templates.{key}"),
        Kind::Campaign => format!("campaigns.{key}"),
        Kind::EventStream => "event_stream".to_owned(),
        Kind::Alarm => format!("alarms.{key}"),
    }
}

/// Resolves `resource.write_only` and sets `attrs.write_only_fingerprint`
/// (and marks it sensitive). Does nothing when there are no write-only
/// values.
pub fn seal_write_only(
    stack: &str,
    resource: &mut Resource,
    secrets: &Secrets,
) -> Result<(), ResolveError> {
    if resource.write_only.is_empty() {
        return Ok(());
    }
    let mut resolved: Vec<(String, String)> = Vec::new();
    for (field, value) in &resource.write_only {
        let text = match value {
            WriteOnly::Plain(v) => v.to_string(),
            WriteOnly::Secret(r) => secrets
                .resolve(r)
                .map_err(|source| ResolveError::Secret {
                    address: resource.address.clone(),
                    field: field.clone(),
                    path: format!("{}.{field}", spec_path(&resource.address)),
                    reference: Box::new(r.clone()),
                    source: Box::new(source),
                })?
                .expose()
                .to_owned(),
        };
        resolved.push((field.clone(), text));
    }
    let fp = fingerprint(
        stack,
        resolved.iter().map(|(f, v)| (f.as_str(), v.as_str())),
    );
    set_write_only_fingerprint(resource, fp);
    Ok(())
}

/// Sets `attrs.write_only_fingerprint` and marks it sensitive. The provider
/// uses this for live resources, with the fingerprint it stored at apply.
pub fn set_write_only_fingerprint(resource: &mut Resource, fingerprint: String) {
    if let Value::Object(map) = &mut resource.attrs {
        map.insert(FINGERPRINT_ATTR.to_owned(), Value::String(fingerprint));
        resource.sensitive.insert(format!("/{FINGERPRINT_ATTR}"));
    }
}

fn resource(address: Address, attrs: &impl Serialize) -> Resource {
    Resource {
        address,
        // The spec types serialise to JSON objects by construction (string
        // map keys only); non-finite floats become `null`.
        attrs: serde_json::to_value(attrs).expect("spec types serialise to JSON"),
        write_only: std::collections::BTreeMap::new(),
        sensitive: std::collections::BTreeSet::new(),
        depends_on: std::collections::BTreeSet::new(),
    }
}

fn app_address() -> Address {
    Address::singleton(Kind::App)
}

fn secret(r: &mut Resource, field: &str, value: Option<SecretRef>) {
    if let Some(v) = value {
        r.write_only.insert(field.to_owned(), WriteOnly::Secret(v));
    }
}

fn plain(r: &mut Resource, field: &str, value: Option<impl Serialize>) {
    if let Some(v) = value {
        let v = serde_json::to_value(v).expect("plain write-only values serialise");
        r.write_only.insert(field.to_owned(), WriteOnly::Plain(v));
    }
}

fn trimmed(s: Option<&String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// `8:00` → `08:00`; anything that is not `H:MM`/`HH:MM` stays as written.
pub fn normalize_hhmm(s: &str) -> String {
    let t = s.trim();
    match t.split_once(':') {
        Some((h, m))
            if (1..=2).contains(&h.len())
                && m.len() == 2
                && h.bytes().all(|b| b.is_ascii_digit())
                && m.bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("{h:0>2}:{m}")
        }
        _ => t.to_owned(),
    }
}

fn normalize_quiet_time(q: Option<&QuietTime>) -> Option<QuietTime> {
    q.map(|q| QuietTime {
        start: normalize_hhmm(&q.start),
        end: normalize_hhmm(&q.end),
    })
}

/// An RFC 3339 time in UTC (`2030-01-01T14:00:00Z`); anything that does not
/// parse stays as written.
pub fn normalize_time(s: &str) -> String {
    match OffsetDateTime::parse(s.trim(), &Rfc3339) {
        Ok(t) => t
            .to_offset(time::UtcOffset::UTC)
            .format(&Rfc3339)
            .unwrap_or_else(|_| s.to_owned()),
        Err(_) => s.trim().to_owned(),
    }
}

fn normalize_limits(l: Option<&Limits>) -> Option<Limits> {
    l.filter(|l| !l.is_empty()).cloned()
}

fn normalize_hook(h: Option<&CampaignHook>) -> Option<CampaignHook> {
    h.filter(|h| !h.is_empty()).cloned()
}

/// `iam_role.<key>`. Depends on the stream of `allow_put_to_stream`.
pub fn iam_role_resource(key: &str, role: &IamRole) -> Resource {
    let mut v = role.clone();
    v.description = trimmed(role.description.as_ref());
    if v.path.trim().is_empty() {
        "/".clone_into(&mut v.path);
    }
    v.managed_policy_arns.sort();
    v.managed_policy_arns.dedup();
    let mut r = resource(Address::new(Kind::IamRole, key), &v);
    if let Some(stream) = &role.allow_put_to_stream {
        r.depends_on
            .insert(Address::new(Kind::KinesisStream, stream.clone()));
    }
    r
}

/// The trust policy of a role that `service` may assume.
pub fn trust_policy(service: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": "sts:AssumeRole"
        }]
    })
}

/// The name of the inline policy generated by `allow_put_to_stream: <key>`.
pub fn put_to_stream_policy_name(stream_key: &str) -> String {
    format!("{GENERATED_POLICY_PREFIX}put-to-{stream_key}")
}

/// The least-privilege policy generated by `allow_put_to_stream`: write
/// records to, and describe, the one stream `stream_arn`.
pub fn put_to_stream_policy(stream_arn: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["kinesis:PutRecords", "kinesis:DescribeStream"],
            "Resource": stream_arn
        }]
    })
}

/// `kinesis_stream.<key>`.
pub fn kinesis_stream_resource(key: &str, stream: &KinesisStream) -> Resource {
    let mut v = stream.clone();
    v.shard_count = match v.stream_mode {
        StreamMode::Provisioned => Some(v.shard_count.unwrap_or(1)),
        StreamMode::OnDemand => None,
    };
    resource(Address::new(Kind::KinesisStream, key), &v)
}

/// `app`: the name and tags (settings are [`app_settings_resource`]).
pub fn app_resource(app: &App) -> Resource {
    let v = App {
        name: app.name.clone(),
        tags: app.tags.clone(),
        settings: None,
    };
    resource(app_address(), &v)
}

/// `app_settings`. `cloudwatch_metrics_enabled` and `event_tagging_enabled`
/// are write-only (Plain).
pub fn app_settings_resource(settings: &AppSettings) -> Resource {
    let v = AppSettings {
        quiet_time: normalize_quiet_time(settings.quiet_time.as_ref()),
        limits: normalize_limits(settings.limits.as_ref()),
        campaign_hook: normalize_hook(settings.campaign_hook.as_ref()),
        cloudwatch_metrics_enabled: None,
        event_tagging_enabled: None,
    };
    let mut r = resource(Address::singleton(Kind::AppSettings), &v);
    plain(
        &mut r,
        "cloudwatch_metrics_enabled",
        settings.cloudwatch_metrics_enabled,
    );
    plain(
        &mut r,
        "event_tagging_enabled",
        settings.event_tagging_enabled,
    );
    r.depends_on.insert(app_address());
    r
}

fn channel_address(key: ChannelKey) -> Address {
    Address::new(Kind::Channel, key.as_str())
}

/// `channel.<apns|apns_sandbox|apns_voip|apns_voip_sandbox>`: `enabled` and
/// `default_authentication_method` in attrs; `certificate`, `private_key`,
/// `token_key` (Secret) and `bundle_id`, `team_id`, `token_key_id` (Plain)
/// write-only.
pub fn apns_channel_resource(key: ChannelKey, ch: &ApnsChannel) -> Resource {
    let method = ch
        .default_authentication_method
        .unwrap_or(if ch.token_key.is_some() {
            ApnsAuthMethod::Token
        } else {
            ApnsAuthMethod::Certificate
        });
    let v = ApnsChannel {
        enabled: ch.enabled,
        default_authentication_method: Some(method),
        certificate: None,
        private_key: None,
        bundle_id: None,
        team_id: None,
        token_key: None,
        token_key_id: None,
    };
    let mut r = resource(channel_address(key), &v);
    secret(&mut r, "certificate", ch.certificate.clone());
    secret(&mut r, "private_key", ch.private_key.clone());
    secret(&mut r, "token_key", ch.token_key.clone());
    plain(&mut r, "bundle_id", ch.bundle_id.as_ref());
    plain(&mut r, "team_id", ch.team_id.as_ref());
    plain(&mut r, "token_key_id", ch.token_key_id.as_ref());
    r.depends_on.insert(app_address());
    r
}

/// `channel.gcm`: `api_key`, `service_json` write-only (Secret).
pub fn gcm_channel_resource(ch: &GcmChannel) -> Resource {
    let method = ch
        .default_authentication_method
        .unwrap_or(if ch.service_json.is_some() {
            GcmAuthMethod::Token
        } else {
            GcmAuthMethod::Key
        });
    let v = GcmChannel {
        enabled: ch.enabled,
        default_authentication_method: Some(method),
        api_key: None,
        service_json: None,
    };
    let mut r = resource(channel_address(ChannelKey::Gcm), &v);
    secret(&mut r, "api_key", ch.api_key.clone());
    secret(&mut r, "service_json", ch.service_json.clone());
    r.depends_on.insert(app_address());
    r
}

/// `channel.adm`: `client_id` (Plain) and `client_secret` (Secret)
/// write-only.
pub fn adm_channel_resource(ch: &AdmChannel) -> Resource {
    let v = AdmChannel {
        enabled: ch.enabled,
        client_id: None,
        client_secret: None,
    };
    let mut r = resource(channel_address(ChannelKey::Adm), &v);
    plain(&mut r, "client_id", ch.client_id.as_ref());
    secret(&mut r, "client_secret", ch.client_secret.clone());
    r.depends_on.insert(app_address());
    r
}

/// `channel.baidu`: `api_key` (Plain) and `secret_key` (Secret) write-only.
pub fn baidu_channel_resource(ch: &BaiduChannel) -> Resource {
    let v = BaiduChannel {
        enabled: ch.enabled,
        api_key: None,
        secret_key: None,
    };
    let mut r = resource(channel_address(ChannelKey::Baidu), &v);
    plain(&mut r, "api_key", ch.api_key.as_ref());
    secret(&mut r, "secret_key", ch.secret_key.clone());
    r.depends_on.insert(app_address());
    r
}

/// `endpoint.<id>`. `opt_out` defaults to `NONE`.
pub fn endpoint_resource(id: &str, ep: &Endpoint) -> Resource {
    let mut v = ep.clone();
    v.opt_out = Some(ep.opt_out.unwrap_or(OptOut::None));
    if v.demographic
        .as_ref()
        .is_some_and(|d| *d == EndpointDemographic::default())
    {
        v.demographic = None;
    }
    if v.location
        .as_ref()
        .is_some_and(|l| *l == EndpointLocation::default())
    {
        v.location = None;
    }
    if v.user
        .as_ref()
        .is_some_and(|u| *u == EndpointUser::default())
    {
        v.user = None;
    }
    let mut r = resource(Address::new(Kind::Endpoint, id), &v);
    r.depends_on.insert(app_address());
    r
}

fn normalize_set(s: &mut Option<SetDimension>) {
    if let Some(s) = s {
        s.dimension_type.get_or_insert(DimensionType::Inclusive);
    }
}

fn normalize_dimensions(d: &mut SegmentDimensions) {
    for a in d
        .attributes
        .values_mut()
        .chain(d.user_attributes.values_mut())
    {
        a.attribute_type.get_or_insert(AttributeType::Inclusive);
    }
    if d.behavior.as_ref().is_some_and(|b| b.recency.is_none()) {
        d.behavior = None;
    }
    if let Some(demo) = &mut d.demographic {
        for s in [
            &mut demo.app_version,
            &mut demo.channel,
            &mut demo.device_type,
            &mut demo.make,
            &mut demo.model,
            &mut demo.platform,
        ] {
            normalize_set(s);
        }
        if *demo == SegmentDemographics::default() {
            d.demographic = None;
        }
    }
    if let Some(loc) = &mut d.location {
        normalize_set(&mut loc.country);
        if *loc == SegmentLocation::default() {
            d.location = None;
        }
    }
}

fn normalize_event_dimensions(d: &mut EventDimensions) {
    for a in d.attributes.values_mut() {
        a.attribute_type.get_or_insert(AttributeType::Inclusive);
    }
    normalize_set(&mut d.event_type);
}

/// `segment.<key>`. Depends on the app and on the segments its groups name.
pub fn segment_resource(key: &str, seg: &Segment) -> Resource {
    let mut v = seg.clone();
    if let Some(d) = &mut v.dimensions {
        normalize_dimensions(d);
        if *d == SegmentDimensions::default() {
            v.dimensions = None;
        }
    }
    if let Some(g) = &mut v.segment_groups {
        for group in &mut g.groups {
            for d in &mut group.dimensions {
                normalize_dimensions(d);
            }
        }
        if *g == SegmentGroups::default() {
            v.segment_groups = None;
        }
    }
    let mut r = resource(Address::new(Kind::Segment, key), &v);
    r.depends_on.insert(app_address());
    for group in v.segment_groups.iter().flat_map(|g| &g.groups) {
        for s in &group.source_segments {
            r.depends_on
                .insert(Address::new(Kind::Segment, s.segment.clone()));
        }
    }
    r
}

/// `template.<key>`. Templates are account-wide: no dependency on the app.
pub fn template_resource(key: &str, t: &Template) -> Resource {
    let mut v = t.clone();
    v.description = trimmed(t.description.as_ref());
    resource(Address::new(Kind::Template, key), &v)
}

fn normalize_schedule(s: &mut Schedule) {
    if let crate::spec::StartTime::At(t) = &mut s.start_time {
        *t = normalize_time(t);
    }
    s.end_time = s.end_time.as_deref().map(normalize_time);
    s.frequency.get_or_insert(Frequency::Once);
    s.quiet_time = normalize_quiet_time(s.quiet_time.as_ref());
    s.timezone = s.timezone.as_deref().map(|t| t.trim().to_ascii_uppercase());
    if let Some(f) = &mut s.event_filter {
        normalize_event_dimensions(&mut f.dimensions);
    }
}

fn normalize_messages(m: &mut Option<MessageConfiguration>) {
    if m.as_ref()
        .is_some_and(|m| *m == MessageConfiguration::default())
    {
        *m = None;
    }
}

/// The segment whose current version `r` follows: a campaign on
/// `segment_version: latest` follows the segment it targets (the provider
/// reads `latest` when the campaign's version is the segment's current
/// one). When that segment is updated (AWS versions every segment update,
/// [`Kind::versions_on_update`]), the campaign must be written after it,
/// or it stays on the version before. One rule for the forward plan and the
/// reverse one.
pub fn followed_segment(r: &Resource) -> Option<Address> {
    match r.address.kind {
        Kind::Campaign => {
            let latest = r.attrs.get("segment_version").and_then(Value::as_str) == Some("latest");
            let segment = r.attrs.get("segment").and_then(Value::as_str)?;
            latest.then(|| Address::new(Kind::Segment, segment))
        }
        Kind::IamRole
        | Kind::KinesisStream
        | Kind::App
        | Kind::AppSettings
        | Kind::Channel
        | Kind::Endpoint
        | Kind::Segment
        | Kind::Template
        | Kind::EventStream
        | Kind::Alarm => None,
    }
}

/// `campaign.<key>`. Depends on the app, its segment and the templates it
/// (or a treatment) uses.
pub fn campaign_resource(key: &str, c: &Campaign) -> Resource {
    let mut v = c.clone();
    v.description = trimmed(c.description.as_ref());
    v.treatment_description = trimmed(c.treatment_description.as_ref());
    normalize_schedule(&mut v.schedule);
    normalize_messages(&mut v.message_configuration);
    v.limits = normalize_limits(c.limits.as_ref());
    v.hook = normalize_hook(c.hook.as_ref());
    for t in &mut v.additional_treatments {
        t.treatment_description = trimmed(t.treatment_description.as_ref());
        normalize_messages(&mut t.message_configuration);
        if let Some(s) = &mut t.schedule {
            normalize_schedule(s);
        }
    }
    let mut r = resource(Address::new(Kind::Campaign, key), &v);
    r.depends_on.insert(app_address());
    r.depends_on
        .insert(Address::new(Kind::Segment, c.segment.clone()));
    let templates = c.template.iter().chain(
        c.additional_treatments
            .iter()
            .filter_map(|t| t.template.as_ref()),
    );
    for t in templates {
        r.depends_on.insert(Address::new(Kind::Template, t.clone()));
    }
    r
}

/// True when an event stream's `stream`/`role` is an ARN rather than a spec
/// key.
pub fn is_arn(s: &str) -> bool {
    s.starts_with("arn:")
}

/// `event_stream`. Depends on the app, and on the stream and role when they
/// are spec keys.
pub fn event_stream_resource(es: &EventStream) -> Resource {
    let mut r = resource(Address::singleton(Kind::EventStream), es);
    r.depends_on.insert(app_address());
    if !is_arn(&es.stream) {
        r.depends_on
            .insert(Address::new(Kind::KinesisStream, es.stream.clone()));
    }
    if !is_arn(&es.role) {
        r.depends_on
            .insert(Address::new(Kind::IamRole, es.role.clone()));
    }
    r
}

/// `alarm.<key>`. The `ApplicationId` dimension is not in attrs (the
/// provider adds it); `datapoints_to_alarm` defaults to
/// `evaluation_periods`.
pub fn alarm_resource(key: &str, a: &Alarm) -> Resource {
    let mut v = a.clone();
    v.description = trimmed(a.description.as_ref());
    v.datapoints_to_alarm = Some(a.datapoints_to_alarm.unwrap_or(a.evaluation_periods));
    v.dimensions.remove("ApplicationId");
    let mut r = resource(Address::new(Kind::Alarm, key), &v);
    r.depends_on.insert(app_address());
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
stack: demo
app:
  name: demo-app
  tags: { team: growth }
  settings:
    quiet_time: { start: "8:00", end: "22:00" }
    limits: {}
    cloudwatch_metrics_enabled: true
channels:
  gcm:
    api_key: ${env:RECONCILE_TEST_NEVER_SET_FCM}
  apns:
    token_key: ${env:RECONCILE_TEST_NEVER_SET_P8}
    token_key_id: ABC123
    bundle_id: com.example.app
    team_id: TEAM1
segments:
  high_value:
    name: high-value
    dimensions:
      user_attributes:
        PurchaseHistory: { values: [high-value] }
campaigns:
  flash:
    name: flash
    description: "  "
    segment: high_value
    message_configuration:
      default_message: { body: hi }
    schedule:
      start_time: IMMEDIATE
      timezone: utc-05
      quiet_time: { start: "22:00", end: "8:00" }
    limits: {}
kinesis_streams:
  events: { name: ev }
iam_roles:
  writer: { name: w, allow_put_to_stream: events }
event_stream: { stream: events, role: writer }
alarms:
  failures:
    name: f
    metric_name: DirectSendMessagePermanentFailure
    statistic: Sum
    period: 300
    threshold: 5
    comparison_operator: GreaterThanThreshold
    evaluation_periods: 2
"#;

    fn spec() -> Spec {
        serde_saphyr::from_str(SPEC).unwrap()
    }

    fn find<'a>(rs: &'a [Resource], addr: &str) -> &'a Resource {
        rs.iter().find(|r| r.address.to_string() == addr).unwrap()
    }

    #[test]
    fn resources_follow_the_contract() {
        let rs = spec().unsealed_resources();
        let addrs: Vec<String> = rs.iter().map(|r| r.address.to_string()).collect();
        assert_eq!(
            addrs,
            [
                "iam_role.writer",
                "kinesis_stream.events",
                "app",
                "app_settings",
                "channel.apns",
                "channel.gcm",
                "segment.high_value",
                "campaign.flash",
                "event_stream",
                "alarm.failures"
            ]
        );
        let c = find(&rs, "campaign.flash");
        assert_eq!(
            c.attrs,
            json!({
                "name": "flash",
                "segment": "high_value",
                "segment_version": "latest",
                "message_configuration": { "default_message": { "body": "hi" } },
                "schedule": {
                    "start_time": "immediate",
                    "frequency": "ONCE",
                    "is_local_time": false,
                    "quiet_time": { "start": "22:00", "end": "08:00" },
                    "timezone": "UTC-05"
                },
                "holdout_percent": 0,
                "is_paused": false
            })
        );
        assert!(
            c.depends_on
                .contains(&"segment.high_value".parse().unwrap())
        );
        let apns = find(&rs, "channel.apns");
        assert_eq!(
            apns.attrs,
            json!({ "enabled": true, "default_authentication_method": "TOKEN" })
        );
        assert_eq!(
            apns.write_only.keys().collect::<Vec<_>>(),
            ["bundle_id", "team_id", "token_key", "token_key_id"]
        );
        let settings = find(&rs, "app_settings");
        assert_eq!(
            settings.attrs,
            json!({ "quiet_time": { "start": "08:00", "end": "22:00" } })
        );
        assert_eq!(
            settings.write_only["cloudwatch_metrics_enabled"],
            WriteOnly::Plain(json!(true))
        );
        assert_eq!(find(&rs, "kinesis_stream.events").attrs["shard_count"], 1);
        assert_eq!(find(&rs, "alarm.failures").attrs["datapoints_to_alarm"], 2);
        let es = find(&rs, "event_stream");
        assert!(es.depends_on.contains(&"iam_role.writer".parse().unwrap()));
        assert!(
            es.depends_on
                .contains(&"kinesis_stream.events".parse().unwrap())
        );
    }

    #[test]
    fn attrs_round_trip_into_the_typed_structs() {
        let rs = spec().unsealed_resources();
        let c: Campaign =
            serde_json::from_value(find(&rs, "campaign.flash").attrs.clone()).unwrap();
        assert_eq!(
            campaign_resource("flash", &c).attrs,
            find(&rs, "campaign.flash").attrs
        );
        let s: Segment =
            serde_json::from_value(find(&rs, "segment.high_value").attrs.clone()).unwrap();
        assert_eq!(
            segment_resource("high_value", &s).attrs,
            find(&rs, "segment.high_value").attrs
        );
    }

    #[test]
    fn a_missing_secret_names_the_field() {
        let err = spec().resources(&Secrets::local(".")).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("channels.apns.token_key"), "{text}");
        assert!(text.contains("RECONCILE_TEST_NEVER_SET_P8"), "{text}");
    }

    #[test]
    fn fingerprints_cover_plain_write_only_values() {
        let mut s = spec();
        s.channels = crate::spec::Channels::default();
        let rs = s.resources(&Secrets::local(".")).unwrap();
        let settings = find(&rs, "app_settings");
        let fp = settings.attrs[FINGERPRINT_ATTR]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(settings.sensitive.contains("/write_only_fingerprint"));
        s.app.settings.as_mut().unwrap().cloudwatch_metrics_enabled = Some(false);
        let rs = s.resources(&Secrets::local(".")).unwrap();
        assert_ne!(
            find(&rs, "app_settings").attrs[FINGERPRINT_ATTR],
            fp.as_str()
        );
    }
}
