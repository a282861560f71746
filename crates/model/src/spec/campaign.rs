//! Campaigns: a message (or a template) sent to a segment on a schedule.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::segment::AttributeDimension;
use super::{CampaignHook, Limits, MetricDimension, PushAction, QuietTime, SetDimension, Tags};

/// A campaign (API `WriteCampaignRequest`). Give exactly one of
/// `message_configuration` and `template`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    /// The campaign's display name (API `Name`). Not unique in AWS.
    pub name: String,
    /// Description (API `Description`). Trimmed; AWS returns `" "` for none,
    /// which reads back as absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Tags (API `tags`).
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
    /// The spec key of the target segment in `segments` (API `SegmentId`,
    /// filled in with that segment's id).
    pub segment: String,
    /// The segment version to target (API `SegmentVersion`): `latest`
    /// (default: whatever version the segment has when the campaign is
    /// created or updated) or a version number to pin.
    #[serde(default)]
    pub segment_version: SegmentVersion,
    /// The message for each channel (API `MessageConfiguration`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_configuration: Option<MessageConfiguration>,
    /// The spec key of a push template in `templates` (API
    /// `TemplateConfiguration.PushTemplate.Name`, filled in with that
    /// template's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The template version to use (API
    /// `TemplateConfiguration.PushTemplate.Version`). Default: the
    /// template's active version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_version: Option<u32>,
    /// When the campaign runs (API `Schedule`).
    pub schedule: Schedule,
    /// Sending limits (API `Limits`); `{}` reads back as absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Limits>,
    /// Percentage of the segment that receives nothing, as a control group,
    /// 0..=100 (API `HoldoutPercent`). Default 0.
    #[serde(default)]
    #[schemars(range(max = 100))]
    pub holdout_percent: u32,
    /// Pause the campaign (API `IsPaused`). Default `false`. Immediate
    /// campaigns cannot be paused.
    #[serde(default)]
    pub is_paused: bool,
    /// Delivery priority (API `Priority`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    /// Name of the default treatment (API `TreatmentName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treatment_name: Option<String>,
    /// Description of the default treatment (API `TreatmentDescription`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treatment_description: Option<String>,
    /// A/B test treatments besides the default one (API
    /// `AdditionalTreatments`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_treatments: Vec<Treatment>,
    /// A Lambda hook for this campaign (API `Hook`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook: Option<CampaignHook>,
}

/// Which version of a segment a campaign targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SegmentVersion {
    /// `latest`: the segment's version when the campaign is written.
    #[default]
    Latest,
    /// A pinned version number (1 or more).
    Pinned(u32),
}

impl Serialize for SegmentVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SegmentVersion::Latest => s.serialize_str("latest"),
            SegmentVersion::Pinned(v) => s.serialize_u32(*v),
        }
    }
}

impl<'de> Deserialize<'de> for SegmentVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = SegmentVersion;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`latest` or a segment version number (1 or more)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v == "latest" {
                    Ok(SegmentVersion::Latest)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(v), &self))
                }
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                match u32::try_from(v) {
                    Ok(v) if v >= 1 => Ok(SegmentVersion::Pinned(v)),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Unsigned(v), &self)),
                }
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                match u64::try_from(v) {
                    Ok(v) => self.visit_u64(v),
                    Err(_) => Err(E::invalid_value(serde::de::Unexpected::Signed(v), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for SegmentVersion {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SegmentVersion".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "`latest` or a segment version number to pin.",
            "anyOf": [
                { "type": "string", "enum": ["latest"] },
                { "type": "integer", "minimum": 1 }
            ]
        })
    }
}

/// When a campaign starts: `immediate` or an RFC 3339 time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartTime {
    /// `immediate` (API `"IMMEDIATE"`).
    Immediate,
    /// An RFC 3339 time, e.g. `2030-01-01T09:00:00Z`, as written (validation
    /// checks the format; resources carry it normalised to UTC).
    At(String),
}

impl Serialize for StartTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            StartTime::Immediate => s.serialize_str("immediate"),
            StartTime::At(t) => s.serialize_str(t),
        }
    }
}

impl<'de> Deserialize<'de> for StartTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.eq_ignore_ascii_case("immediate") {
            Ok(StartTime::Immediate)
        } else {
            Ok(StartTime::At(s))
        }
    }
}

impl JsonSchema for StartTime {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StartTime".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "`immediate`, or an RFC 3339 time such as `2030-01-01T09:00:00Z` (API `StartTime`: `IMMEDIATE` or ISO 8601). Must not be in the past.",
            "anyOf": [
                { "type": "string", "enum": ["immediate", "IMMEDIATE"] },
                { "type": "string", "format": "date-time" }
            ]
        })
    }
}

/// API `Schedule`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// `immediate` or an RFC 3339 time, not in the past (API `StartTime`).
    pub start_time: StartTime,
    /// RFC 3339 time after which the campaign stops (API `EndTime`).
    /// Required for recurring campaigns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// How often the campaign runs (API `Frequency`). Default `ONCE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<Frequency>,
    /// Send at `start_time` in each recipient's local time (API
    /// `IsLocalTime`). Default `false`.
    #[serde(default)]
    pub is_local_time: bool,
    /// Do not deliver within this daily window (API `QuietTime`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_time: Option<QuietTime>,
    /// The starting UTC offset (API `Timezone`): one of `UTC`, `UTC+01`,
    /// `UTC+02`, `UTC+03`, `UTC+03:30`, `UTC+04`, `UTC+04:30`, `UTC+05`,
    /// `UTC+05:30`, `UTC+05:45`, `UTC+06`, `UTC+06:30`, `UTC+07`, `UTC+08`,
    /// `UTC+09`, `UTC+09:30`, `UTC+10`, `UTC+10:30`, `UTC+11`, `UTC+12`,
    /// `UTC+13`, `UTC-02`, `UTC-03`, `UTC-04`, `UTC-05`, `UTC-06`, `UTC-07`,
    /// `UTC-08`, `UTC-09`, `UTC-10`, `UTC-11`. Not an IANA name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// For `EVENT` campaigns: which events trigger it (API `EventFilter`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_filter: Option<EventFilter>,
}

/// API `Schedule.Frequency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Frequency {
    Once,
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Event,
    InAppEvent,
}

/// API `CampaignEventFilter`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventFilter {
    /// `SYSTEM` or `ENDPOINT` events (API `FilterType`).
    pub filter_type: EventFilterType,
    /// The criteria (API `Dimensions`).
    pub dimensions: EventDimensions,
}

/// API `CampaignEventFilter.FilterType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventFilterType {
    System,
    Endpoint,
}

/// API `EventDimensions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventDimensions {
    /// Criteria on event attributes (API `Attributes`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, AttributeDimension>,
    /// The event types, e.g. `_session.start` (API `EventType`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<SetDimension>,
    /// Criteria on event metrics (API `Metrics`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, MetricDimension>,
}

/// API `MessageConfiguration` (push channels).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageConfiguration {
    /// For Apple channels (API `APNSMessage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apns_message: Option<Message>,
    /// For FCM (API `GCMMessage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcm_message: Option<Message>,
    /// For ADM (API `ADMMessage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adm_message: Option<Message>,
    /// For Baidu (API `BaiduMessage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baidu_message: Option<Message>,
    /// For every channel without its own (API `DefaultMessage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_message: Option<Message>,
}

/// A campaign's push message (API `Message`). Note: unlike templates and
/// direct sends, a campaign message has no `sound`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Message {
    /// What a tap does (API `Action`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<PushAction>,
    /// The body (API `Body`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// URL of the large icon (API `ImageIconUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_icon_url: Option<String>,
    /// URL of the small icon (API `ImageSmallIconUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_small_icon_url: Option<String>,
    /// URL of an image shown in the notification (API `ImageUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// JSON data payload (API `JsonBody`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_body: Option<String>,
    /// URL of an image or video to attach (API `MediaUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    /// Raw JSON payload, overriding every other field (API `RawContent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_content: Option<String>,
    /// Send a silent (data-only) notification (API `SilentPush`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silent_push: Option<bool>,
    /// Seconds the push service keeps an undelivered message (API
    /// `TimeToLive`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_live: Option<u32>,
    /// The title (API `Title`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// URL for `DEEP_LINK` and `URL` actions (API `Url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// An A/B test treatment (API `WriteTreatmentResource`). Give exactly one of
/// `message_configuration` and `template`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Treatment {
    /// Percentage of the segment that receives this treatment, 0..=100
    /// (API `SizePercent`).
    #[schemars(range(max = 100))]
    pub size_percent: u32,
    /// The message for each channel (API `MessageConfiguration`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_configuration: Option<MessageConfiguration>,
    /// The spec key of a push template in `templates` (API
    /// `TemplateConfiguration.PushTemplate.Name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The template version (API `TemplateConfiguration.PushTemplate.Version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_version: Option<u32>,
    /// This treatment's schedule (API `Schedule`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// Name (API `TreatmentName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treatment_name: Option<String>,
    /// Description (API `TreatmentDescription`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treatment_description: Option<String>,
}
