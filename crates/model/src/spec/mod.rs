//! The spec language: what a user writes, one YAML document per stack.
//!
//! Every type here derives `Deserialize` (the YAML), `Serialize` (the
//! resources' `attrs`, see [`crate::resources`]) and `JsonSchema` (the
//! editor schema, see [`crate::schema`]). Keys are snake_case and map one to
//! one onto the API's fields; each field's doc comment names the API field it
//! becomes, and those comments are the descriptions in
//! `specs/reconcile.schema.json`.
//!
//! Maps keyed by a *spec key* (`segments`, `campaigns`, ...) name resources
//! inside the stack; the key is what other resources refer to
//! (`segment: high_value_customers`) and what the `reconcile:key` tag holds.
//! Maps whose keys are user data (endpoint attribute names such as
//! `PurchaseHistory`) keep their keys exactly as written.
//!
//! Start with [`Spec`]. Loading and validation live in [`crate::load()`].

mod app;
mod campaign;
mod endpoint;
mod infra;
mod segment;
mod template;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use app::*;
pub use campaign::*;
pub use endpoint::*;
pub use infra::*;
pub use segment::*;
pub use template::*;

/// Tags: key/value pairs (API `tags`). At most 50, keys up to 128 and values
/// up to 256 characters; the prefixes `aws:` and `reconcile:` are reserved.
pub type Tags = BTreeMap<String, String>;

/// A whole push stack: everything one spec file manages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "reconcile stack spec")]
pub struct Spec {
    /// The stack's identity: every resource this spec creates is tagged
    /// `reconcile:stack=<stack>` and found again by that tag. Lower-case
    /// letters, digits and `-`, starting with a letter or digit, at most 63
    /// characters. Changing it orphans everything already created.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9-]{0,62}$"))]
    pub stack: String,
    /// AWS region (e.g. `us-east-1`). When absent, the usual AWS
    /// configuration (`AWS_REGION`, profile) decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The Pinpoint project (API `CreateApp`, `UpdateApplicationSettings`).
    pub app: App,
    /// Push channels of the app (API `Update*Channel`).
    #[serde(default, skip_serializing_if = "Channels::is_empty")]
    pub channels: Channels,
    /// Test devices and other endpoints to register, keyed by endpoint id
    /// (API `UpdateEndpoint`, path `endpoint-id`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub endpoints: BTreeMap<String, Endpoint>,
    /// Segments, keyed by spec key (API `CreateSegment`/`UpdateSegment`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub segments: BTreeMap<String, Segment>,
    /// Push message templates, keyed by spec key (API `CreatePushTemplate`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub templates: BTreeMap<String, Template>,
    /// Campaigns, keyed by spec key (API `CreateCampaign`/`UpdateCampaign`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub campaigns: BTreeMap<String, Campaign>,
    /// Where the app streams its events (API `PutEventStream`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_stream: Option<EventStream>,
    /// IAM roles, keyed by spec key (IAM `CreateRole`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub iam_roles: BTreeMap<String, IamRole>,
    /// Kinesis data streams, keyed by spec key (Kinesis `CreateStream`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kinesis_streams: BTreeMap<String, KinesisStream>,
    /// CloudWatch alarms on the app's metrics, keyed by spec key
    /// (CloudWatch `PutMetricAlarm`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub alarms: BTreeMap<String, Alarm>,
}

/// Quiet time: a daily window, in the recipient's local time, during which
/// no messages are sent (API `QuietTime`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietTime {
    /// Start of the window, 24-hour `HH:MM` (API `Start`).
    #[schemars(regex(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"))]
    pub start: String,
    /// End of the window, 24-hour `HH:MM` (API `End`).
    #[schemars(regex(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"))]
    pub end: String,
}

/// Sending limits (API `CampaignLimits`), for the app's defaults or one
/// campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Most messages one endpoint receives in 24 hours, 0..=100 (API `Daily`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 100))]
    pub daily: Option<u32>,
    /// Longest a campaign may run, in seconds, at least 60
    /// (API `MaximumDuration`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 60))]
    pub maximum_duration: Option<u32>,
    /// Messages sent per second, 1..=20000 (API `MessagesPerSecond`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 20000))]
    pub messages_per_second: Option<u32>,
    /// Most messages one endpoint receives from a campaign, 0..=100
    /// (API `Total`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 100))]
    pub total: Option<u32>,
    /// Most messages per endpoint per session (API `Session`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<u32>,
}

impl Limits {
    /// True when no limit is set (the API's `Limits: {}`).
    pub fn is_empty(&self) -> bool {
        *self == Limits::default()
    }
}

/// A Lambda function or web URL called around campaign delivery
/// (API `CampaignHook`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignHook {
    /// Name or ARN of the Lambda function (API `LambdaFunctionName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_function_name: Option<String>,
    /// When the hook runs (API `Mode`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<HookMode>,
    /// Web URL called for a custom delivery (API `WebUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_url: Option<String>,
}

impl CampaignHook {
    /// True when nothing is set (the API's empty `CampaignHook`).
    pub fn is_empty(&self) -> bool {
        *self == CampaignHook::default()
    }
}

/// API `CampaignHook.Mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HookMode {
    /// The hook delivers the messages (custom channel).
    Delivery,
    /// The hook filters or modifies the endpoints before delivery.
    Filter,
}

/// The channel types an endpoint or segment dimension names
/// (API `ChannelType`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum ChannelType {
    #[serde(rename = "PUSH")]
    Push,
    #[serde(rename = "GCM")]
    Gcm,
    #[serde(rename = "APNS")]
    Apns,
    #[serde(rename = "APNS_SANDBOX")]
    ApnsSandbox,
    #[serde(rename = "APNS_VOIP")]
    ApnsVoip,
    #[serde(rename = "APNS_VOIP_SANDBOX")]
    ApnsVoipSandbox,
    #[serde(rename = "ADM")]
    Adm,
    #[serde(rename = "SMS")]
    Sms,
    #[serde(rename = "VOICE")]
    Voice,
    #[serde(rename = "EMAIL")]
    Email,
    #[serde(rename = "BAIDU")]
    Baidu,
    #[serde(rename = "CUSTOM")]
    Custom,
    #[serde(rename = "IN_APP")]
    InApp,
}

/// What a push notification does when tapped (API `Action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PushAction {
    /// Open the app (the default on the device).
    OpenApp,
    /// Open a screen of the app by deep link (`url`).
    DeepLink,
    /// Open `url` in the browser.
    Url,
}

pub(crate) fn default_true() -> bool {
    true
}
