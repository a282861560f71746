//! `export`: a [`Spec`] of what lives in the account around one app, so that
//! a stack built by hand can be taken over ([`AwsProvider::export`]).
//!
//! What is exported, with the readers a plan uses and the same per-kind
//! normalisation (every value goes through its `*_resource` function):
//!
//! - the app (name, user tags) and its settings;
//! - its push channels; credentials, which AWS never returns, become
//!   `${env:<STACK>_<CHANNEL>_<FIELD>}` placeholders ([`Placeholder`]).
//!   Write-only fields that are not secrets (APNs `bundle_id`, `team_id`,
//!   `token_key_id`; ADM `client_id`; Baidu `api_key`) cannot be
//!   placeholders: they are left out and named in a note;
//! - endpoints: Pinpoint cannot list an app's endpoints, so only the ids
//!   asked for and those indexed in the app's tags (an app `reconcile`
//!   created) are exported;
//! - every dimensional segment (imported ones cannot be described by a
//!   spec and are named in a note);
//! - every campaign but deleted ones, and the push templates they use;
//! - the event stream, with its Kinesis stream and IAM role when they are
//!   in this account and region (otherwise their ARNs stay);
//! - the CloudWatch alarms whose `ApplicationId` dimension is the app's id.
//!
//! Spec keys come from a resource's `reconcile:key` tag when it has one,
//! else from its name in snake_case (`high-value-customers` →
//! `high_value_customers`), made unique per kind. A family AWS no longer
//! serves (end of support) is left out with a note.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_cloudwatch::types::AlarmType;
use aws_sdk_pinpoint::types::{ApplicationResponse, SegmentType};
use reconcile_engine::ProviderError;
use reconcile_model::spec::{
    AdmChannel, ApnsAuthMethod, ApnsChannel, App, AppSettings, BaiduChannel, ChannelKey, Channels,
    EventStream, GcmAuthMethod, GcmChannel, Spec,
};
use reconcile_model::{
    Kind, Resource, SecretRef, campaign_resource, put_to_stream_policy, put_to_stream_policy_name,
    segment_resource, template_resource,
};
use serde::de::DeserializeOwned;

use crate::campaigns::{self, SegmentVersionContext, campaign_is_completed};
use crate::cloudwatch::{APP_DIMENSION, alarm_from_sdk};
use crate::errors::{caused, classify};
use crate::iam::role_resource;
use crate::kinesis::stream_resource;
use crate::provider::{AwsProvider, typed};
use crate::tags::{self, parse_index, parse_key_tag};
use crate::{segments, templates};

/// Which app to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppSelector {
    Id(String),
    Name(String),
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub app: AppSelector,
    /// Endpoint ids to export (Pinpoint cannot list them).
    pub endpoints: Vec<String>,
}

/// A credential the exported spec refers to by environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The variable (`RECIPE_APNS_CERTIFICATE`).
    pub env: String,
    /// Where the spec uses it (`channels.apns.certificate`).
    pub path: String,
}

/// An exported spec, the variables it needs and what could not be exported.
#[derive(Debug, Clone)]
pub struct Exported {
    pub spec: Spec,
    /// The app's id (for messages).
    pub app_id: String,
    pub placeholders: Vec<Placeholder>,
    /// Things the user should know (left out, not found, to fill in).
    pub notes: Vec<String>,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no app has the id `{0}` in this account and region")]
    NoAppWithId(String),
    #[error("no app is named `{0}` in this account and region")]
    NoAppNamed(String),
    #[error("{} apps are named `{name}` ({}); choose one with `--app-id`", ids.len(), ids.join(", "))]
    AmbiguousName { name: String, ids: Vec<String> },
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

/// `name` as a spec key: snake_case, letters and digits joined by `_`
/// (`PinpointServiceRole-x1` → `pinpoint_service_role_x1`).
pub fn snake_key(name: &str) -> String {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            let boundary = c.is_ascii_uppercase()
                && prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
            if boundary && !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
        prev = Some(c);
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// The environment variable of a placeholder: `<STACK>_<CHANNEL>_<FIELD>`
/// in upper case, `-` as `_`.
pub fn placeholder_env(stack: &str, channel: ChannelKey, field: &str) -> String {
    format!("{stack}_{channel}_{field}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Unique spec keys per kind.
#[derive(Default)]
struct Keys {
    taken: BTreeMap<Kind, BTreeSet<String>>,
}

impl Keys {
    /// A key for a resource of `kind` named `name`: its `reconcile:key`
    /// tag's key when it has one of this kind, else the name in snake_case;
    /// `_2`, `_3`... when taken.
    fn assign(&mut self, kind: Kind, name: &str, tags: &BTreeMap<String, String>) -> String {
        self.assign_or(kind, name, tags, None)
    }

    /// [`Keys::assign`], with `preferred` before the name.
    fn assign_or(
        &mut self,
        kind: Kind,
        name: &str,
        tags: &BTreeMap<String, String>,
        preferred: Option<&str>,
    ) -> String {
        let tagged = tags
            .get(reconcile_model::resource::TAG_KEY)
            .and_then(|v| parse_key_tag(v))
            .filter(|a| a.kind == kind && !a.key.is_empty())
            .map(|a| a.key)
            .or_else(|| preferred.map(ToOwned::to_owned));
        let base = tagged.unwrap_or_else(|| {
            let k = snake_key(name);
            if k.is_empty() {
                kind.as_str().to_owned()
            } else {
                k
            }
        });
        let taken = self.taken.entry(kind).or_default();
        let mut key = base.clone();
        let mut n = 2;
        while taken.contains(&key) {
            key = format!("{base}_{n}");
            n += 1;
        }
        taken.insert(key.clone());
        key
    }
}

/// The resource's attributes as its spec struct.
fn spec_of<T: DeserializeOwned>(r: &Resource) -> Result<T, ProviderError> {
    typed(r)
}

/// The last `/`-separated part of an ARN's resource (`stream/x` → `x`,
/// `role/path/x` → `x`), when `arn` is of `service` in `region` (IAM:
/// any region).
fn arn_name<'a>(arn: &'a str, service: &str, region: Option<&str>) -> Option<&'a str> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some(svc), Some(reg), Some(_), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    if svc != service || region.is_some_and(|r| r != reg) {
        return None;
    }
    resource.rsplit('/').next().filter(|n| !n.is_empty())
}

/// A family's read: its value, or `None` with a note when AWS no longer
/// serves it.
fn served<T>(
    r: Result<T, ProviderError>,
    what: &str,
    notes: &mut Vec<String>,
) -> Result<Option<T>, ProviderError> {
    match r {
        Ok(t) => Ok(Some(t)),
        Err(ProviderError::Unavailable(m)) => {
            notes.push(format!(
                "{what}: not exported, AWS no longer serves them: {m}"
            ));
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

impl AwsProvider {
    /// A family's result with a failure of a kind the API retired turned
    /// into [`ProviderError::Unavailable`] (see [`AwsProvider::retired`]).
    fn retire_err<T>(&self, kind: Kind, r: Result<T, ProviderError>) -> Result<T, ProviderError> {
        r.map_err(|e| self.retired(kind, e))
    }

    /// The app to export.
    async fn export_app(&self, which: &AppSelector) -> Result<ApplicationResponse, ExportError> {
        match which {
            AppSelector::Id(id) => {
                match self.pinpoint().get_app().application_id(id).send().await {
                    Ok(out) => out
                        .application_response()
                        .cloned()
                        .ok_or_else(|| ExportError::NoAppWithId(id.clone())),
                    Err(e) => {
                        let c = classify(&format!("GetApp `{id}`"), e);
                        if c.is_not_found() {
                            Err(ExportError::NoAppWithId(id.clone()))
                        } else {
                            Err(c.error.into())
                        }
                    }
                }
            }
            AppSelector::Name(name) => {
                let mut apps: Vec<ApplicationResponse> = self
                    .list_apps()
                    .await?
                    .into_iter()
                    .filter(|a| a.name() == Some(name.as_str()))
                    .collect();
                match apps.len() {
                    0 => Err(ExportError::NoAppNamed(name.clone())),
                    1 => Ok(apps.remove(0)),
                    _ => Err(ExportError::AmbiguousName {
                        name: name.clone(),
                        ids: apps
                            .iter()
                            .filter_map(|a| a.id().map(ToOwned::to_owned))
                            .collect(),
                    }),
                }
            }
        }
    }

    /// Exports the app `req.app` and what belongs to it as a spec of this
    /// provider's stack.
    pub async fn export(&self, req: &ExportRequest) -> Result<Exported, ExportError> {
        // Boxed: the reads it joins make a large future.
        Box::pin(self.export_boxed(req)).await
    }

    async fn export_boxed(&self, req: &ExportRequest) -> Result<Exported, ExportError> {
        let app = self.export_app(&req.app).await?;
        let app_id = app.id().unwrap_or_default().to_owned();
        let app_tags = tags::from_hash(app.tags());
        if let Some(arn) = app.arn() {
            self.ids.lock().learn_account(arn);
        }
        let mut notes = Vec::new();
        let mut keys = Keys::default();

        let mut endpoint_ids: BTreeMap<String, (bool, bool)> = req
            .endpoints
            .iter()
            .map(|id| (id.clone(), (false, false)))
            .collect();
        for id in parse_index(&app_tags)
            .remove(&Kind::Endpoint)
            .unwrap_or_default()
        {
            if !endpoint_ids.keys().any(|k| k.eq_ignore_ascii_case(&id)) {
                endpoint_ids.insert(id, (false, false));
            }
        }

        // Today's AWS has no app settings: not asked for (see `kind`).
        let ask_settings = self.clients.api.serves(Kind::AppSettings);
        let (settings, channels, event_stream, endpoints, segment_list, campaign_list, alarms) = tokio::join!(
            async {
                if ask_settings {
                    self.read_settings(&app_id).await
                } else {
                    Err(ProviderError::Unavailable(
                        reconcile_model::Api::retired_note(
                            Kind::AppSettings,
                            "not asked (`--api classic` asks)",
                        ),
                    ))
                }
            },
            self.read_channels(&app_id),
            self.read_event_stream(&app_id),
            async {
                if endpoint_ids.is_empty() {
                    Ok(Vec::new())
                } else {
                    self.read_endpoints(&app_id, &endpoint_ids).await
                }
            },
            async {
                segments::list_segments(self.pinpoint(), &app_id)
                    .await
                    .map_err(|c| c.error)
            },
            async {
                campaigns::list_campaigns(self.pinpoint(), &app_id)
                    .await
                    .map_err(|c| c.error)
            },
            self.alarms_on_app(&app_id),
        );

        // The app and its settings.
        let settings = match served(
            self.retire_err(Kind::AppSettings, settings),
            "app settings",
            &mut notes,
        )? {
            Some(r) => {
                let s: AppSettings = spec_of(&r)?;
                (s != AppSettings::default()).then_some(s)
            }
            None => None,
        };
        let app_spec = App {
            name: app.name().unwrap_or_default().to_owned(),
            tags: tags::user_tags(&app_tags),
            settings,
        };

        // Channels, credentials as placeholders.
        let mut placeholders = Vec::new();
        let channels = match served(
            self.retire_err(Kind::Channel, channels),
            "channels",
            &mut notes,
        )? {
            Some(list) => self.export_channels(&list, &mut placeholders, &mut notes)?,
            None => Channels::default(),
        };

        // Endpoints.
        let mut endpoint_specs = BTreeMap::new();
        if let Some(list) = served(
            self.retire_err(Kind::Endpoint, endpoints),
            "endpoints",
            &mut notes,
        )? {
            for r in &list {
                endpoint_specs.insert(r.address.key.clone(), spec_of(r)?);
            }
            for id in endpoint_ids.keys() {
                if !list.iter().any(|r| r.address.key.eq_ignore_ascii_case(id)) {
                    notes.push(format!("endpoint `{id}`: not found in the app"));
                }
            }
        }
        notes.push(
            "endpoints: Pinpoint cannot list an app's endpoints; only those named with `--endpoint` (and those a `reconcile` stack indexed in the app's tags) are exported".to_owned(),
        );

        // Segments.
        let mut segment_keys: BTreeMap<String, String> = BTreeMap::new();
        let mut segment_versions: BTreeMap<String, i32> = BTreeMap::new();
        let mut segment_specs = BTreeMap::new();
        let segment_list = served(
            self.retire_err(Kind::Segment, segment_list),
            "segments",
            &mut notes,
        )?
        .unwrap_or_default();
        let mut dimensional = Vec::new();
        for s in &segment_list {
            let name = s.name().unwrap_or_default();
            if s.segment_type() == Some(&SegmentType::Import) {
                notes.push(format!(
                    "segment `{name}` ({}): an imported segment, which a spec cannot describe; left out",
                    s.id().unwrap_or_default()
                ));
                continue;
            }
            let key = keys.assign(Kind::Segment, name, &tags::from_hash(s.tags()));
            if let Some(id) = s.id() {
                segment_keys.insert(id.to_owned(), key.clone());
                if let Some(v) = s.version() {
                    segment_versions.insert(id.to_owned(), v);
                }
            }
            dimensional.push((key, s));
        }
        for (key, s) in dimensional {
            let seg = segments::segment_from_sdk(s, &|id| segment_keys.get(id).cloned());
            segment_specs.insert(key.clone(), spec_of(&segment_resource(&key, &seg))?);
        }

        // Campaigns and the templates they use.
        let campaign_list = served(
            self.retire_err(Kind::Campaign, campaign_list),
            "campaigns",
            &mut notes,
        )?
        .unwrap_or_default();
        let mut kept = Vec::new();
        for c in &campaign_list {
            let deleted = c
                .state()
                .and_then(|s| s.campaign_status())
                .is_some_and(|s| s.as_str() == "DELETED");
            if deleted {
                notes.push(format!(
                    "campaign `{}`: deleted (its segment is gone); left out",
                    c.name().unwrap_or_default()
                ));
            } else {
                kept.push(c);
            }
        }
        let mut template_names: BTreeSet<String> = BTreeSet::new();
        for c in &kept {
            let configs = std::iter::once(c.template_configuration()).chain(
                c.additional_treatments()
                    .iter()
                    .map(|t| t.template_configuration()),
            );
            for t in configs.flatten() {
                if let Some(n) = t
                    .push_template()
                    .and_then(|p| p.name())
                    .filter(|n| !n.is_empty())
                {
                    template_names.insert(n.to_owned());
                }
            }
        }
        let template_reads =
            futures_util::future::join_all(template_names.iter().map(|n| async move {
                let _slot = self.permit().await;
                (
                    n.clone(),
                    templates::get_push_template(self.pinpoint(), self.clients.api, n, None)
                        .await
                        .map_err(|c| c.error),
                )
            }))
            .await;
        let mut template_keys: BTreeMap<String, String> = BTreeMap::new();
        let mut template_specs = BTreeMap::new();
        for (name, read) in template_reads {
            match read? {
                Some(t) => {
                    let key = keys.assign(Kind::Template, &name, &tags::from_hash(t.tags()));
                    let spec = templates::template_from_sdk(&t)
                        .map_err(|e| caused(format!("template `{name}`: {e}"), e))?;
                    template_specs.insert(key.clone(), spec_of(&template_resource(&key, &spec))?);
                    template_keys.insert(name, key);
                }
                None => notes.push(format!(
                    "template `{name}`: a campaign uses it but it does not exist"
                )),
            }
        }
        let mut campaign_specs = BTreeMap::new();
        for c in kept {
            let name = c.name().unwrap_or_default();
            let key = keys.assign(Kind::Campaign, name, &tags::from_hash(c.tags()));
            let current = c
                .segment_id()
                .and_then(|id| segment_versions.get(id).copied());
            let spec = campaigns::campaign_from_sdk(
                c,
                &|id| segment_keys.get(id).cloned(),
                &|n| template_keys.get(n).cloned(),
                SegmentVersionContext {
                    current,
                    desired: None,
                },
            );
            if campaign_is_completed(c) {
                notes.push(format!(
                    "campaign `{name}`: completed; applying the spec will not run it again"
                ));
            }
            campaign_specs.insert(key.clone(), spec_of(&campaign_resource(&key, &spec))?);
        }

        // The event stream with its stream and role.
        let mut kinesis_streams = BTreeMap::new();
        let mut iam_roles = BTreeMap::new();
        let event_stream = match served(
            self.retire_err(Kind::EventStream, event_stream),
            "the event stream",
            &mut notes,
        )?
        .flatten()
        {
            Some(es) => {
                let stream_arn = es.destination_stream_arn().unwrap_or_default().to_owned();
                let role_arn = es.role_arn().unwrap_or_default().to_owned();
                let mut stream_ref = stream_arn.clone();
                let mut role_ref = role_arn.clone();
                let stream_name = arn_name(&stream_arn, "kinesis", Some(&self.clients.region));
                let role_name = arn_name(&role_arn, "iam", None);
                let (stream, role) = tokio::join!(
                    async {
                        match stream_name {
                            Some(n) => self.read_stream(n).await,
                            None => Ok(None),
                        }
                    },
                    async {
                        match role_name {
                            Some(n) => self.read_role(n).await,
                            None => Ok(None),
                        }
                    }
                );
                let (stream, role) = (stream?, role?);
                let mut stream_key = None;
                match (stream_name, stream) {
                    (Some(name), Some(s)) => {
                        // A role `reconcile` made names the stream's key in
                        // its generated policy; keep that key, so that the
                        // policy reads back as `allow_put_to_stream`.
                        let prefix = put_to_stream_policy_name("");
                        let generated = role.as_ref().and_then(|r| {
                            r.inline.iter().find_map(|(policy, doc)| {
                                let key = policy.strip_prefix(prefix.as_str())?;
                                (*doc == put_to_stream_policy(&stream_arn)).then_some(key)
                            })
                        });
                        let key = keys.assign_or(Kind::KinesisStream, name, &s.tags, generated);
                        kinesis_streams.insert(key.clone(), spec_of(&stream_resource(&key, &s))?);
                        stream_ref.clone_from(&key);
                        stream_key = Some(key);
                    }
                    (Some(_), None) => notes.push(format!(
                        "event stream: the Kinesis stream `{stream_arn}` does not exist; its ARN stays"
                    )),
                    (None, _) => {}
                }
                match (role_name, role) {
                    (Some(name), Some(r)) => {
                        let key = keys.assign(Kind::IamRole, name, &r.tags());
                        let lookup = |k: &str| {
                            (stream_key.as_deref() == Some(k)).then(|| stream_arn.clone())
                        };
                        iam_roles.insert(key.clone(), spec_of(&role_resource(&key, &r, &lookup))?);
                        role_ref.clone_from(&key);
                    }
                    (Some(_), None) => notes.push(format!(
                        "event stream: the role `{role_arn}` does not exist; its ARN stays"
                    )),
                    (None, _) => {}
                }
                Some(EventStream {
                    stream: stream_ref,
                    role: role_ref,
                })
            }
            None => None,
        };

        // Alarms on the app.
        let mut alarm_specs = BTreeMap::new();
        for a in alarms? {
            let name = a.alarm.alarm_name().unwrap_or_default().to_owned();
            let key = keys.assign(Kind::Alarm, &name, &a.tags);
            match alarm_from_sdk(&key, &a) {
                Some(r) => {
                    alarm_specs.insert(key, spec_of(&r)?);
                }
                None => notes.push(format!(
                    "alarm `{name}`: not a single-metric alarm a spec can describe; left out"
                )),
            }
        }

        let spec = Spec {
            stack: self.stack.clone(),
            region: Some(self.clients.region.clone()),
            app: app_spec,
            channels,
            endpoints: endpoint_specs,
            segments: segment_specs,
            templates: template_specs,
            campaigns: campaign_specs,
            event_stream,
            iam_roles,
            kinesis_streams,
            alarms: alarm_specs,
        };
        Ok(Exported {
            spec,
            app_id,
            placeholders,
            notes,
        })
    }

    /// The live channels as the spec's, credentials as placeholders.
    fn export_channels(
        &self,
        list: &[Resource],
        placeholders: &mut Vec<Placeholder>,
        notes: &mut Vec<String>,
    ) -> Result<Channels, ProviderError> {
        let mut out = Channels::default();
        let mut secret = |key: ChannelKey, field: &str| {
            let env = placeholder_env(&self.stack, key, field);
            placeholders.push(Placeholder {
                env: env.clone(),
                path: format!("channels.{key}.{field}"),
            });
            Some(SecretRef::Env(env))
        };
        for r in list {
            let Some(key) = ChannelKey::from_key(&r.address.key) else {
                continue;
            };
            match key {
                ChannelKey::Gcm => {
                    let mut c: GcmChannel = spec_of(r)?;
                    match c.default_authentication_method {
                        Some(GcmAuthMethod::Token) => c.service_json = secret(key, "service_json"),
                        _ => c.api_key = secret(key, "api_key"),
                    }
                    out.gcm = Some(c);
                }
                ChannelKey::Adm => {
                    let mut c: AdmChannel = spec_of(r)?;
                    c.client_secret = secret(key, "client_secret");
                    notes.push(
                        "channels.adm: add `client_id` (AWS never returns it; it is not a secret reference)".to_owned(),
                    );
                    out.adm = Some(c);
                }
                ChannelKey::Baidu => {
                    let mut c: BaiduChannel = spec_of(r)?;
                    c.secret_key = secret(key, "secret_key");
                    notes.push(
                        "channels.baidu: add `api_key` (AWS never returns it; it is not a secret reference)".to_owned(),
                    );
                    out.baidu = Some(c);
                }
                apns => {
                    let mut c: ApnsChannel = spec_of(r)?;
                    match c.default_authentication_method {
                        Some(ApnsAuthMethod::Token) => {
                            c.token_key = secret(apns, "token_key");
                            notes.push(format!(
                                "channels.{apns}: token authentication: add `token_key_id`, `bundle_id` and `team_id` (AWS never returns them)"
                            ));
                        }
                        _ => {
                            c.certificate = secret(apns, "certificate");
                            c.private_key = secret(apns, "private_key");
                        }
                    }
                    match apns {
                        ChannelKey::ApnsSandbox => out.apns_sandbox = Some(c),
                        ChannelKey::ApnsVoip => out.apns_voip = Some(c),
                        ChannelKey::ApnsVoipSandbox => out.apns_voip_sandbox = Some(c),
                        _ => out.apns = Some(c),
                    }
                }
            }
        }
        Ok(out)
    }

    /// The metric alarms whose `ApplicationId` dimension is `app_id`, with
    /// their tags.
    async fn alarms_on_app(
        &self,
        app_id: &str,
    ) -> Result<Vec<crate::cloudwatch::AlarmRead>, ProviderError> {
        let mut names = Vec::new();
        let mut token = None;
        loop {
            let out = {
                let _slot = self.permit().await;
                self.clients
                    .cloudwatch
                    .describe_alarms()
                    .alarm_types(AlarmType::MetricAlarm)
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|e| classify("DescribeAlarms", e).error)?
            };
            for a in out.metric_alarms() {
                let on_app = a
                    .dimensions()
                    .iter()
                    .any(|d| d.name() == Some(APP_DIMENSION) && d.value() == Some(app_id));
                if let (true, Some(name)) = (on_app, a.alarm_name()) {
                    names.push(name.to_owned());
                }
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => break,
            }
        }
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut read = self.read_alarms(&names).await?;
        read.sort_by(|a, b| a.alarm.alarm_name().cmp(&b.alarm.alarm_name()));
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_snake_case_keys() {
        assert_eq!(snake_key("high-value-customers"), "high_value_customers");
        assert_eq!(
            snake_key("PinpointServiceRole-ab12cd"),
            "pinpoint_service_role_ab12cd"
        );
        assert_eq!(snake_key("flash sale (v2)"), "flash_sale_v2");
        assert_eq!(snake_key("--"), "");
    }

    #[test]
    fn keys_are_unique_and_prefer_the_key_tag() {
        let mut keys = Keys::default();
        let none = BTreeMap::new();
        assert_eq!(keys.assign(Kind::Segment, "vip", &none), "vip");
        assert_eq!(keys.assign(Kind::Segment, "VIP", &none), "vip_2");
        assert_eq!(keys.assign(Kind::Campaign, "vip", &none), "vip");
        let tagged = BTreeMap::from([(
            reconcile_model::resource::TAG_KEY.to_owned(),
            "segment/high_value".to_owned(),
        )]);
        assert_eq!(
            keys.assign(Kind::Segment, "whatever", &tagged),
            "high_value"
        );
        // A key tag of another kind is not taken.
        assert_eq!(keys.assign(Kind::Alarm, "x", &tagged), "x");
        assert_eq!(keys.assign(Kind::Alarm, "--", &none), "alarm");
    }

    #[test]
    fn placeholders_are_upper_snake_case() {
        assert_eq!(
            placeholder_env("flash-sale", ChannelKey::ApnsSandbox, "private_key"),
            "FLASH_SALE_APNS_SANDBOX_PRIVATE_KEY"
        );
    }

    #[test]
    fn arn_names() {
        assert_eq!(
            arn_name(
                "arn:aws:kinesis:us-east-1:123456789012:stream/pinpoint-events",
                "kinesis",
                Some("us-east-1")
            ),
            Some("pinpoint-events")
        );
        assert_eq!(
            arn_name(
                "arn:aws:kinesis:eu-west-1:123456789012:stream/x",
                "kinesis",
                Some("us-east-1")
            ),
            None
        );
        assert_eq!(
            arn_name("arn:aws:iam::123456789012:role/service/Writer", "iam", None),
            Some("Writer")
        );
        assert_eq!(
            arn_name(
                "arn:aws:firehose:us-east-1:1:deliverystream/x",
                "kinesis",
                None
            ),
            None
        );
    }
}
