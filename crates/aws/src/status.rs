//! The state of a stack as the recipe's validation section checks it, in one
//! read: [`AwsProvider::status`].
//!
//! The stack's resources are read the way a plan reads them
//! ([`read`](crate::read)); then, for what a plan does not need, a few more
//! calls: `GetChannels` (channel versions), `GetPushTemplate` (active
//! versions), `GetCampaign` and `GetCampaignActivities` (state, version and
//! the last run with its counts), `GetEventStream` (the target's ARNs),
//! `DescribeAlarms` (alarm states) and `GetApplicationDateRangeKpi` for the
//! KPIs the recipe reads ([`KPIS`]).
//!
//! Every part is a [`Part`]: its rows, or why it could not be read. A part
//! AWS no longer serves (the end of support of Pinpoint's engagement
//! features: endpoints, segments, campaigns, the event stream, KPIs) is
//! [`Part::Unavailable`] with AWS's message, never an error of the whole
//! report. Rows cover the resources of the spec and those the stack owns in
//! the account; `present: false` marks a resource of the spec that is not
//! there.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_pinpoint::types::ActivityResponse;
use aws_smithy_types::DateTime;
use reconcile_engine::{LiveState, ProviderError};
use reconcile_model::{Address, Api, Kind, Resource};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::campaigns;
use crate::errors::classify;
use crate::provider::AwsProvider;
use crate::read::KIND_WIDE_KEY;
use crate::templates;

/// The app KPIs the status reads: the recipe's endpoint count
/// (`unique-endpoints`, which the recipe queries although AWS documents no
/// KPI of that name), the delivery rate and the unique deliveries.
pub const KPIS: [&str; 3] = [
    "unique-endpoints",
    "successful-delivery-rate",
    "unique-deliveries",
];

/// One part of the report: its value, or why it is missing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Part<T> {
    /// Read.
    Ok { value: T },
    /// AWS no longer serves it (end of support) or does not serve it at
    /// all; `message` is AWS's.
    Unavailable { message: String },
    /// Reading it failed.
    Failed { message: String },
}

impl<T> Part<T> {
    fn from_result(r: Result<T, ProviderError>) -> Self {
        match r {
            Ok(value) => Part::Ok { value },
            Err(e) => Self::from_error(e),
        }
    }

    fn from_error(e: ProviderError) -> Self {
        match e {
            ProviderError::Unavailable(message) => Part::Unavailable { message },
            other => Part::Failed {
                message: other.to_string(),
            },
        }
    }

    /// The value, when it was read.
    pub fn value(&self) -> Option<&T> {
        match self {
            Part::Ok { value } => Some(value),
            _ => None,
        }
    }

    pub fn is_unavailable(&self) -> bool {
        matches!(self, Part::Unavailable { .. })
    }

    pub fn is_failed(&self) -> bool {
        matches!(self, Part::Failed { .. })
    }
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub stack: String,
    pub region: String,
    /// The stack's app (`None`: the stack has no app here).
    pub app: Option<AppStatus>,
    pub channels: Part<Vec<ChannelStatus>>,
    pub endpoints: Part<Vec<EndpointStatus>>,
    pub segments: Part<Vec<SegmentStatus>>,
    pub templates: Part<Vec<TemplateStatus>>,
    pub campaigns: Part<Vec<CampaignStatus>>,
    /// `None`: neither the spec nor the account has an event stream.
    pub event_stream: Part<Option<EventStreamStatus>>,
    pub alarms: Part<Vec<AlarmStatus>>,
    pub kpis: KpiReport,
}

impl StatusReport {
    /// Every part's state, for the exit status.
    fn parts(&self) -> Vec<(bool, bool)> {
        fn p<T>(part: &Part<T>) -> (bool, bool) {
            (part.is_unavailable(), part.is_failed())
        }
        let mut out = vec![
            p(&self.channels),
            p(&self.endpoints),
            p(&self.segments),
            p(&self.templates),
            p(&self.campaigns),
            p(&self.event_stream),
            p(&self.alarms),
        ];
        out.extend(self.kpis.values.iter().map(|k| p(&k.value)));
        out
    }

    /// True when some part is not served.
    pub fn has_unavailable(&self) -> bool {
        self.parts().iter().any(|(u, _)| *u)
    }

    /// True when reading some part failed (or a row carries an error).
    pub fn has_failures(&self) -> bool {
        let rows = self
            .templates
            .value()
            .is_some_and(|ts| ts.iter().any(|t| t.error.is_some()))
            || self
                .campaigns
                .value()
                .is_some_and(|cs| cs.iter().any(|c| c.error.is_some()));
        rows || self.parts().iter().any(|(_, f)| *f)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppStatus {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelStatus {
    /// The spec key (`apns`, `gcm`, ...).
    pub channel: String,
    pub present: bool,
    pub enabled: Option<bool>,
    /// `CERTIFICATE`/`TOKEN` (APNs), `KEY`/`TOKEN` (FCM).
    pub authentication_method: Option<String>,
    /// The channel's version (each update adds one).
    pub version: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointStatus {
    pub id: String,
    pub present: bool,
    pub channel_type: Option<String>,
    pub address: Option<String>,
    pub user_id: Option<String>,
    pub opt_out: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SegmentStatus {
    pub key: String,
    pub name: Option<String>,
    pub present: bool,
    pub id: Option<String>,
    pub version: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateStatus {
    pub key: String,
    pub name: Option<String>,
    pub present: bool,
    pub active_version: Option<String>,
    /// Why the active version could not be read.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignStatus {
    pub key: String,
    pub name: Option<String>,
    pub present: bool,
    pub id: Option<String>,
    /// `SCHEDULED`, `EXECUTING`, `PENDING_NEXT_RUN`, `COMPLETED`, `PAUSED`,
    /// `DELETED`, `INVALID`.
    pub state: Option<String>,
    pub version: Option<i32>,
    /// The latest run, when there was one.
    pub last_activity: Option<ActivityStatus>,
    /// Why the details could not be read.
    pub error: Option<String>,
}

/// One run of a campaign (`ActivityResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityStatus {
    pub id: Option<String>,
    pub state: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub successful_endpoint_count: Option<i32>,
    pub total_endpoint_count: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventStreamStatus {
    pub present: bool,
    pub destination_stream_arn: Option<String>,
    pub role_arn: Option<String>,
    pub last_modified_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlarmStatus {
    pub key: String,
    pub name: Option<String>,
    pub present: bool,
    pub metric_name: Option<String>,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    pub state: Option<String>,
    pub reason: Option<String>,
}

/// The KPIs over a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiReport {
    /// RFC 3339.
    pub start: String,
    pub end: String,
    /// One per [`KPIS`] name (none when the stack has no app).
    pub values: Vec<KpiStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiStatus {
    pub name: String,
    /// The value over the window; `None`: no data.
    pub value: Part<Option<f64>>,
}

/// What `GetCampaign` and `GetCampaignActivities` say of a campaign.
struct CampaignDetail {
    state: Option<String>,
    version: Option<i32>,
    last_activity: Option<ActivityStatus>,
}

/// The window of the KPIs, sent in whole seconds (`start` rounded down,
/// `end` up).
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
}

fn rfc3339(t: OffsetDateTime, round_up: bool) -> String {
    let whole = OffsetDateTime::from_unix_timestamp(smithy_time(t, round_up).secs()).unwrap_or(t);
    whole.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn smithy_time(t: OffsetDateTime, round_up: bool) -> DateTime {
    let extra = i64::from(round_up && t.nanosecond() > 0);
    DateTime::from_secs(t.unix_timestamp() + extra)
}

fn text(attrs: &Value, pointer: &str) -> Option<String> {
    attrs
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(ToOwned::to_owned)
}

/// The addresses of `kind`, from the spec and the account, with the live
/// resource when there is one.
fn rows<'a>(
    kind: Kind,
    desired: &'a [Resource],
    live: &'a LiveState,
) -> Vec<(Address, Option<&'a Resource>)> {
    let live_of: BTreeMap<&Address, &Resource> = live
        .resources
        .iter()
        .filter(|r| r.address.kind == kind)
        .map(|r| (&r.address, r))
        .collect();
    let addresses: BTreeSet<&Address> = desired
        .iter()
        .map(|r| &r.address)
        .filter(|a| a.kind == kind)
        .chain(live_of.keys().copied())
        .collect();
    addresses
        .into_iter()
        .map(|a| (a.clone(), live_of.get(a).copied()))
        .collect()
}

/// The kind's unavailability, if the read marked the whole kind.
fn unavailable(live: &LiveState, kind: Kind) -> Option<String> {
    live.unavailable
        .iter()
        .find(|u| u.address.kind == kind && u.address.key == KIND_WIDE_KEY)
        .map(|u| u.message.clone())
}

/// The latest of a campaign's runs.
fn latest(activities: &[ActivityResponse]) -> Option<&ActivityResponse> {
    let when = |a: &ActivityResponse| {
        a.start()
            .or_else(|| a.scheduled_start())
            .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
    };
    activities.iter().max_by_key(|a| when(a))
}

/// The single value of a KPI result; `None` when there is no data.
fn kpi_value(rows: &[aws_sdk_pinpoint::types::ResultRow]) -> Option<f64> {
    rows.first()
        .and_then(|r| r.values().first())
        .and_then(|v| v.value()?.parse::<f64>().ok())
}

impl AwsProvider {
    /// Reads the stack's status; `desired` are the spec's resources. Fails
    /// only when the stack itself cannot be read (the app list); every
    /// other problem stays in its part.
    pub async fn status(
        &self,
        desired: &[Resource],
        window: Window,
    ) -> Result<StatusReport, ProviderError> {
        // Boxed: the reads it joins make a large future.
        Box::pin(self.status_boxed(desired, window)).await
    }

    async fn status_boxed(
        &self,
        desired: &[Resource],
        window: Window,
    ) -> Result<StatusReport, ProviderError> {
        let live = Box::pin(self.read_live(desired, false, None)).await?;
        let (app, ids, names, versions) = {
            let reg = self.ids.lock();
            (
                reg.app.clone(),
                reg.ids.clone(),
                reg.names.clone(),
                reg.segment_versions.clone(),
            )
        };
        let app_id = app.as_ref().map(|a| a.id.clone());
        let app_status = app.as_ref().map(|a| AppStatus {
            id: a.id.clone(),
            name: live
                .resources
                .iter()
                .find(|r| r.address.kind == Kind::App)
                .and_then(|r| text(&r.attrs, "/name"))
                .unwrap_or_default(),
        });

        let campaign_ids: Vec<(Address, String)> = ids
            .iter()
            .filter(|(a, _)| a.kind == Kind::Campaign)
            .map(|(a, id)| (a.clone(), id.clone()))
            .collect();
        let template_names: Vec<(Address, String)> = names
            .iter()
            .filter(|(a, _)| a.kind == Kind::Template)
            .map(|(a, n)| (a.clone(), n.clone()))
            .collect();
        let alarm_names: Vec<String> = names
            .iter()
            .filter(|(a, _)| a.kind == Kind::Alarm)
            .map(|(_, n)| n.clone())
            .collect();

        let (
            channel_versions,
            template_versions,
            campaign_details,
            event_stream,
            alarm_states,
            kpis,
        ) = tokio::join!(
            self.channel_versions(app_id.as_deref()),
            self.template_versions(&template_names),
            self.campaign_details(app_id.as_deref(), &campaign_ids),
            async {
                // Today's AWS retired event streams: asked for only when the
                // spec has one, to say so.
                let asked = self.clients.api.serves(Kind::EventStream)
                    || desired.iter().any(|r| r.address.kind == Kind::EventStream);
                match &app_id {
                    Some(id) if asked => Some(
                        self.read_event_stream(id)
                            .await
                            .map_err(|e| self.retired(Kind::EventStream, e)),
                    ),
                    _ => None,
                }
            },
            self.alarm_states(&alarm_names),
            // Analytics went with Pinpoint's engagement features.
            self.kpis(
                app_id
                    .as_deref()
                    .filter(|_| self.clients.api == Api::Classic),
                window,
            ),
        );

        let channels = match (unavailable(&live, Kind::Channel), channel_versions) {
            (Some(message), _) => Part::Unavailable { message },
            (None, Err(e)) => Part::from_error(e),
            (None, Ok(versions)) => Part::Ok {
                value: rows(Kind::Channel, desired, &live)
                    .into_iter()
                    .map(|(a, r)| ChannelStatus {
                        present: r.is_some(),
                        enabled: r
                            .and_then(|r| r.attrs.get("enabled"))
                            .and_then(Value::as_bool),
                        authentication_method: r
                            .and_then(|r| text(&r.attrs, "/default_authentication_method")),
                        version: reconcile_model::spec::ChannelKey::from_key(&a.key)
                            .and_then(|k| versions.get(k.platform()).copied()),
                        channel: a.key,
                    })
                    .collect(),
            },
        };

        let endpoints = match unavailable(&live, Kind::Endpoint) {
            Some(message) => Part::Unavailable { message },
            None => Part::Ok {
                value: rows(Kind::Endpoint, desired, &live)
                    .into_iter()
                    .map(|(a, r)| EndpointStatus {
                        present: r.is_some(),
                        channel_type: r.and_then(|r| text(&r.attrs, "/channel_type")),
                        address: r.and_then(|r| text(&r.attrs, "/address")),
                        user_id: r.and_then(|r| text(&r.attrs, "/user/user_id")),
                        opt_out: r.and_then(|r| text(&r.attrs, "/opt_out")),
                        id: a.key,
                    })
                    .collect(),
            },
        };

        let named = |a: &Address, r: Option<&Resource>| {
            r.and_then(|r| text(&r.attrs, "/name")).or_else(|| {
                desired
                    .iter()
                    .find(|d| d.address == *a)
                    .and_then(|d| text(&d.attrs, "/name"))
            })
        };

        let segments = match unavailable(&live, Kind::Segment) {
            Some(message) => Part::Unavailable { message },
            None => Part::Ok {
                value: rows(Kind::Segment, desired, &live)
                    .into_iter()
                    .map(|(a, r)| SegmentStatus {
                        name: named(&a, r),
                        present: r.is_some(),
                        id: r.and_then(|_| ids.get(&a).cloned()),
                        version: r.and_then(|_| versions.get(&a).copied()),
                        key: a.key,
                    })
                    .collect(),
            },
        };

        let templates = match unavailable(&live, Kind::Template) {
            Some(message) => Part::Unavailable { message },
            None => Part::Ok {
                value: rows(Kind::Template, desired, &live)
                    .into_iter()
                    .map(|(a, r)| {
                        let version = r.and_then(|_| template_versions.get(&a));
                        TemplateStatus {
                            name: named(&a, r),
                            present: r.is_some(),
                            active_version: version.and_then(|v| v.as_ref().ok().cloned()),
                            error: version.and_then(|v| v.as_ref().err().cloned()),
                            key: a.key,
                        }
                    })
                    .collect(),
            },
        };

        let campaigns = match unavailable(&live, Kind::Campaign) {
            Some(message) => Part::Unavailable { message },
            None => match campaign_details {
                Err(e) => Part::from_error(e),
                Ok(details) => Part::Ok {
                    value: rows(Kind::Campaign, desired, &live)
                        .into_iter()
                        .map(|(a, r)| {
                            let detail = r.and_then(|_| details.get(&a));
                            let ok = detail.and_then(|d| d.as_ref().ok());
                            CampaignStatus {
                                name: named(&a, r),
                                present: r.is_some(),
                                id: r.and_then(|_| ids.get(&a).cloned()),
                                state: ok.and_then(|d| d.state.clone()),
                                version: ok.and_then(|d| d.version),
                                last_activity: ok.and_then(|d| d.last_activity.clone()),
                                error: detail.and_then(|d| d.as_ref().err().cloned()),
                                key: a.key,
                            }
                        })
                        .collect(),
                },
            },
        };

        let in_spec = desired.iter().any(|r| r.address.kind == Kind::EventStream);
        let event_stream = match (unavailable(&live, Kind::EventStream), event_stream) {
            (Some(message), _) => Part::Unavailable { message },
            (None, None) => Part::Ok {
                value: in_spec.then_some(EventStreamStatus {
                    present: false,
                    destination_stream_arn: None,
                    role_arn: None,
                    last_modified_date: None,
                }),
            },
            (None, Some(read)) => Part::from_result(read.map(|es| match es {
                Some(es) => Some(EventStreamStatus {
                    present: true,
                    destination_stream_arn: es.destination_stream_arn().map(ToOwned::to_owned),
                    role_arn: es.role_arn().map(ToOwned::to_owned),
                    last_modified_date: es.last_modified_date().map(ToOwned::to_owned),
                }),
                None => in_spec.then_some(EventStreamStatus {
                    present: false,
                    destination_stream_arn: None,
                    role_arn: None,
                    last_modified_date: None,
                }),
            })),
        };

        let alarms = match (unavailable(&live, Kind::Alarm), alarm_states) {
            (Some(message), _) => Part::Unavailable { message },
            (None, Err(e)) => Part::from_error(e),
            (None, Ok(states)) => Part::Ok {
                value: rows(Kind::Alarm, desired, &live)
                    .into_iter()
                    .map(|(a, r)| {
                        let name = named(&a, r);
                        let state = r.and(name.as_ref()).and_then(|n| states.get(n));
                        AlarmStatus {
                            present: r.is_some(),
                            metric_name: r.and_then(|r| text(&r.attrs, "/metric_name")),
                            state: state.map(|s| s.0.clone()),
                            reason: state.and_then(|s| s.1.clone()),
                            name,
                            key: a.key,
                        }
                    })
                    .collect(),
            },
        };

        Ok(StatusReport {
            stack: self.stack.clone(),
            region: self.clients.region.clone(),
            app: app_status,
            channels,
            endpoints,
            segments,
            templates,
            campaigns,
            event_stream,
            alarms,
            kpis: KpiReport {
                start: rfc3339(window.start, false),
                end: rfc3339(window.end, true),
                values: kpis,
            },
        })
    }

    /// The version of each configured channel, by `Platform` (`APNS`).
    async fn channel_versions(
        &self,
        app_id: Option<&str>,
    ) -> Result<BTreeMap<String, i32>, ProviderError> {
        let Some(app_id) = app_id else {
            return Ok(BTreeMap::new());
        };
        let _slot = self.permit().await;
        let out = self
            .pinpoint()
            .get_channels()
            .application_id(app_id)
            .send()
            .await
            .map_err(|e| classify("GetChannels", e).error)?;
        Ok(out
            .channels_response()
            .and_then(|c| c.channels())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.version()?)))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The active version of each template.
    async fn template_versions(
        &self,
        names: &[(Address, String)],
    ) -> BTreeMap<Address, Result<String, String>> {
        let reads = futures_util::future::join_all(names.iter().map(|(a, n)| async move {
            let _slot = self.permit().await;
            let r = match templates::get_push_template(self.pinpoint(), self.clients.api, n, None)
                .await
            {
                Ok(Some(t)) => Ok(t.version().unwrap_or_default().to_owned()),
                Ok(None) => Err(format!("template `{n}` not found")),
                Err(c) => Err(c.error.to_string()),
            };
            (a.clone(), r)
        }))
        .await;
        reads.into_iter().collect()
    }

    /// State, version and last run of each campaign. A refused family
    /// (end of support) fails the whole part; other errors stay per row.
    async fn campaign_details(
        &self,
        app_id: Option<&str>,
        campaigns: &[(Address, String)],
    ) -> Result<BTreeMap<Address, Result<CampaignDetail, String>>, ProviderError> {
        let Some(app_id) = app_id else {
            return Ok(BTreeMap::new());
        };
        let reads = futures_util::future::join_all(campaigns.iter().map(|(a, id)| async move {
            let (campaign, activities) = tokio::join!(
                async {
                    let _slot = self.permit().await;
                    campaigns::get_campaign(self.pinpoint(), self.clients.api, app_id, id).await
                },
                async {
                    let _slot = self.permit().await;
                    self.activities(app_id, id).await
                }
            );
            (a.clone(), campaign.map_err(|c| c.error), activities)
        }))
        .await;
        let mut out = BTreeMap::new();
        for (a, campaign, activities) in reads {
            let row = match (campaign, activities) {
                (Err(ProviderError::Unavailable(m)), _)
                | (_, Err(ProviderError::Unavailable(m))) => {
                    return Err(ProviderError::Unavailable(m));
                }
                (Err(e), _) | (_, Err(e)) => Err(e.to_string()),
                (Ok(None), _) => Err("the campaign is gone".to_owned()),
                (Ok(Some(c)), Ok(acts)) => Ok(CampaignDetail {
                    state: c
                        .state()
                        .and_then(|s| s.campaign_status())
                        .map(|s| s.as_str().to_owned()),
                    version: c.version(),
                    last_activity: latest(&acts).map(|x| ActivityStatus {
                        id: x.id().map(ToOwned::to_owned),
                        state: x.state().map(ToOwned::to_owned),
                        start: x.start().map(ToOwned::to_owned),
                        end: x.end().map(ToOwned::to_owned),
                        successful_endpoint_count: x.successful_endpoint_count(),
                        total_endpoint_count: x.total_endpoint_count(),
                    }),
                }),
            };
            out.insert(a, row);
        }
        Ok(out)
    }

    /// Every run of a campaign (all pages).
    async fn activities(
        &self,
        app_id: &str,
        campaign_id: &str,
    ) -> Result<Vec<ActivityResponse>, ProviderError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .pinpoint()
                .get_campaign_activities()
                .application_id(app_id)
                .campaign_id(campaign_id)
                .page_size(crate::app::PAGE_SIZE)
                .set_token(token.take())
                .send()
                .await
                .map_err(|e| {
                    classify(&format!("GetCampaignActivities `{campaign_id}`"), e).error
                })?;
            let Some(resp) = page.activities_response() else {
                break;
            };
            out.extend_from_slice(resp.item());
            match resp.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => break,
            }
        }
        Ok(out)
    }

    /// The state and reason of each alarm, by name.
    async fn alarm_states(
        &self,
        names: &[String],
    ) -> Result<BTreeMap<String, (String, Option<String>)>, ProviderError> {
        if names.is_empty() {
            return Ok(BTreeMap::new());
        }
        let alarms = self.read_alarms(names).await?;
        Ok(alarms
            .into_iter()
            .filter_map(|a| {
                let name = a.alarm.alarm_name()?.to_owned();
                let state = a.alarm.state_value()?.as_str().to_owned();
                Some((name, (state, a.alarm.state_reason().map(ToOwned::to_owned))))
            })
            .collect())
    }

    /// The [`KPIS`] of the app over the window.
    async fn kpis(&self, app_id: Option<&str>, window: Window) -> Vec<KpiStatus> {
        let Some(app_id) = app_id else {
            return Vec::new();
        };
        futures_util::future::join_all(KPIS.iter().map(|name| async move {
            let _slot = self.permit().await;
            let r = self
                .pinpoint()
                .get_application_date_range_kpi()
                .application_id(app_id)
                .kpi_name(*name)
                .start_time(smithy_time(window.start, false))
                .end_time(smithy_time(window.end, true))
                .send()
                .await;
            let value = match r {
                Ok(out) => Part::Ok {
                    value: kpi_value(
                        out.application_date_range_kpi_response()
                            .and_then(|k| k.kpi_result())
                            .map(aws_sdk_pinpoint::types::BaseKpiResult::rows)
                            .unwrap_or_default(),
                    ),
                },
                Err(e) => {
                    let c = classify(&format!("GetApplicationDateRangeKpi `{name}`"), e);
                    // A KPI name AWS does not know is a part it does not
                    // serve (the recipe's `unique-endpoints` is not
                    // documented).
                    if c.code.as_deref() == Some("BadRequestException") {
                        Part::Unavailable { message: c.message }
                    } else {
                        Part::from_error(c.error)
                    }
                }
            };
            KpiStatus {
                name: (*name).to_owned(),
                value,
            }
        }))
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_pinpoint::types::{ResultRow, ResultRowValue};

    #[test]
    fn parts_serialise_with_a_status() {
        let ok: Part<Vec<i32>> = Part::Ok { value: vec![1] };
        assert_eq!(
            serde_json::to_value(&ok).unwrap(),
            serde_json::json!({"status": "ok", "value": [1]})
        );
        let gone: Part<Vec<i32>> = Part::from_error(ProviderError::Unavailable("ended".into()));
        assert_eq!(
            serde_json::to_value(&gone).unwrap(),
            serde_json::json!({"status": "unavailable", "message": "ended"})
        );
    }

    #[test]
    fn the_latest_activity_is_the_last_to_start() {
        let a = |id: &str, start: &str| ActivityResponse::builder().id(id).start(start).build();
        let acts = [
            a("one", "2030-01-01T10:00:00Z"),
            a("three", "2030-01-03T10:00:00Z"),
            a("two", "2030-01-02T10:00:00Z"),
        ];
        assert_eq!(latest(&acts).and_then(ActivityResponse::id), Some("three"));
        assert!(latest(&[]).is_none());
    }

    #[test]
    fn kpi_values_are_parsed_and_no_rows_is_no_data() {
        let row = ResultRow::builder()
            .values(
                ResultRowValue::builder()
                    .key("UniqueDeliveries")
                    .r#type("Double")
                    .value("2.0")
                    .build(),
            )
            .build();
        assert_eq!(kpi_value(&[row]), Some(2.0));
        assert_eq!(kpi_value(&[]), None);
    }
}
