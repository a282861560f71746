//! What the emulator keeps for Pinpoint. Serialised into the state file, so
//! every struct defaults its members (old files keep loading) and no secret
//! is stored: channel credentials are kept as "was given" flags only.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::shapes::{
    CampaignContent, CampaignHook, CampaignLimits, ChannelType, EndpointDemographic,
    EndpointLocation, EndpointUser, JourneyLimits, ListMap, PushTemplateContent, QuietTime,
    SegmentDimensions, SegmentGroupList, Tags,
};

/// The Pinpoint service's state: applications (with everything under them)
/// and the account-wide message templates.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// By application id.
    pub apps: BTreeMap<String, App>,
    /// By `"{TYPE}/{name}"` (`PUSH/flash-sale`); names are case-sensitive.
    pub templates: BTreeMap<String, Template>,
    /// Creation order of apps, segments, campaigns and templates.
    pub next_seq: u64,
}

impl State {
    pub fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct App {
    pub seq: u64,
    pub id: String,
    pub name: String,
    pub arn: String,
    pub creation_date: String,
    pub tags: Tags,
    pub settings: Settings,
    /// By path token (`apns`, `apns_sandbox`, `gcm`, ...).
    pub channels: BTreeMap<String, Channel>,
    /// By lower-cased id (endpoint ids are case-insensitive).
    pub endpoints: BTreeMap<String, Endpoint>,
    pub segments: BTreeMap<String, Segment>,
    pub campaigns: BTreeMap<String, Campaign>,
    pub event_stream: Option<EventStream>,
    /// Every simulated delivery, oldest first (the KPIs' source), capped at
    /// [`MAX_DELIVERIES`].
    pub deliveries: Vec<Delivery>,
}

/// How many deliveries an app remembers for its KPIs.
pub const MAX_DELIVERIES: usize = 10_000;

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub campaign_hook: Option<CampaignHook>,
    pub limits: Option<CampaignLimits>,
    pub quiet_time: Option<QuietTime>,
    pub journey_limits: Option<JourneyLimits>,
    /// Write-only: stored, never returned.
    pub cloud_watch_metrics_enabled: Option<bool>,
    /// Write-only: stored, never returned.
    pub event_tagging_enabled: Option<bool>,
    pub last_modified_date: Option<String>,
}

/// Which write-only credential members a channel was given. The values
/// themselves are never stored.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Credentials {
    pub certificate: bool,
    pub private_key: bool,
    pub token_key: bool,
    pub token_key_id: bool,
    pub bundle_id: bool,
    pub team_id: bool,
    pub api_key: bool,
    pub service_json: bool,
    pub client_id: bool,
    pub client_secret: bool,
    pub secret_key: bool,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Channel {
    pub enabled: bool,
    pub creation_date: String,
    pub last_modified_date: String,
    pub version: i64,
    pub default_authentication_method: Option<String>,
    pub credentials: Credentials,
    /// How many updates carried credential members (lets tests see a
    /// rotation without storing anything derived from the secret).
    pub credential_updates: u64,
    /// Returned plain members (email and SMS channels).
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Endpoint {
    /// The id as first given (lookups fold case).
    pub id: String,
    pub address: Option<String>,
    pub attributes: ListMap,
    pub channel_type: Option<ChannelType>,
    pub cohort_id: String,
    pub creation_date: String,
    pub demographic: Option<EndpointDemographic>,
    pub effective_date: String,
    pub endpoint_status: String,
    pub location: Option<EndpointLocation>,
    pub metrics: BTreeMap<String, f64>,
    pub opt_out: String,
    pub request_id: String,
    pub user: Option<EndpointUser>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Segment {
    pub seq: u64,
    pub id: String,
    pub arn: String,
    pub creation_date: String,
    pub tags: Tags,
    /// Every version, oldest first; the last is current.
    pub versions: Vec<SegmentVersion>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SegmentVersion {
    pub version: i64,
    pub name: Option<String>,
    pub dimensions: Option<SegmentDimensions>,
    pub segment_groups: Option<SegmentGroupList>,
    pub last_modified_date: String,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Campaign {
    pub seq: u64,
    pub id: String,
    pub arn: String,
    pub creation_date: String,
    pub tags: Tags,
    /// Every version, oldest first; the last is current. Each holds the
    /// write request as stored (with `SegmentVersion` resolved).
    pub versions: Vec<CampaignVersion>,
    /// `CampaignStatus`: SCHEDULED, EXECUTING, PENDING_NEXT_RUN, COMPLETED,
    /// PAUSED, DELETED or INVALID.
    pub status: String,
    /// When the next run is due (emulator clock, Pinpoint date format).
    pub next_run: Option<String>,
    pub activities: Vec<Activity>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CampaignVersion {
    pub version: i64,
    pub content: CampaignContent,
    pub last_modified_date: String,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Activity {
    pub id: String,
    pub scheduled_start: String,
    pub start: String,
    pub end: String,
    pub state: String,
    pub result: String,
    pub successful_endpoint_count: i64,
    pub total_endpoint_count: i64,
    pub treatment_id: String,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct EventStream {
    pub destination_stream_arn: String,
    pub role_arn: String,
    pub last_modified_date: String,
    pub last_updated_by: String,
}

/// One simulated delivery attempt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delivery {
    /// Unix milliseconds on the emulator clock.
    pub at_ms: i64,
    pub campaign_id: Option<String>,
    pub activity_id: Option<String>,
    /// The endpoint id (lower-cased) or, for address sends, the address.
    pub target: String,
    pub channel: ChannelType,
    pub successful: bool,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Template {
    pub seq: u64,
    pub name: String,
    /// `PUSH` (the only type served).
    pub template_type: String,
    pub arn: String,
    pub creation_date: String,
    pub tags: Tags,
    /// Live versions, oldest first.
    pub versions: Vec<TemplateVersion>,
    pub active_version: u64,
    /// The highest version number ever used (numbers are never reused).
    pub last_version: u64,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct TemplateVersion {
    pub version: u64,
    pub content: PushTemplateContent,
    pub creation_date: String,
    pub last_modified_date: String,
}
