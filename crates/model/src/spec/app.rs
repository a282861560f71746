//! The app (Pinpoint project), its settings and its push channels.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{CampaignHook, Limits, QuietTime, Tags, default_true};
use crate::secret::SecretRef;

/// The Pinpoint project (API `CreateApplicationRequest`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct App {
    /// The project's display name (API `Name`). Not unique in AWS: the stack
    /// finds its app by the `reconcile:stack` tag, not by name.
    pub name: String,
    /// Tags (API `tags`).
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
    /// Project-wide defaults (API `WriteApplicationSettingsRequest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<AppSettings>,
}

/// Project-wide settings (API `WriteApplicationSettingsRequest`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppSettings {
    /// Default quiet time for campaigns (API `QuietTime`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_time: Option<QuietTime>,
    /// Default sending limits for campaigns (API `Limits`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Limits>,
    /// Default campaign hook (API `CampaignHook`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_hook: Option<CampaignHook>,
    /// Send application metrics to CloudWatch (API `CloudWatchMetricsEnabled`).
    /// Write-only: AWS never returns it, so it is compared by fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudwatch_metrics_enabled: Option<bool>,
    /// Tag events with campaign and journey attributes (API
    /// `EventTaggingEnabled`). Write-only, compared by fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_tagging_enabled: Option<bool>,
}

/// The app's push channels (API `Update{APNS,APNSSandbox,APNSVoip,
/// APNSVoipSandbox,GCM,ADM,Baidu}Channel`). Each present channel becomes
/// one resource `channel.<key>`; an absent one is not configured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Channels {
    /// Apple production (API `UpdateApnsChannel`, `APNSChannelRequest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apns: Option<ApnsChannel>,
    /// Apple sandbox, for development builds (API `UpdateApnsSandboxChannel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apns_sandbox: Option<ApnsChannel>,
    /// Apple VoIP (API `UpdateApnsVoipChannel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apns_voip: Option<ApnsChannel>,
    /// Apple VoIP sandbox (API `UpdateApnsVoipSandboxChannel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apns_voip_sandbox: Option<ApnsChannel>,
    /// Firebase Cloud Messaging (API `UpdateGcmChannel`, `GCMChannelRequest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcm: Option<GcmChannel>,
    /// Amazon Device Messaging (API `UpdateAdmChannel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adm: Option<AdmChannel>,
    /// Baidu Cloud Push (API `UpdateBaiduChannel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baidu: Option<BaiduChannel>,
}

impl Channels {
    /// True when no channel is configured.
    pub fn is_empty(&self) -> bool {
        *self == Channels::default()
    }
}

/// Which channel: the key under `channels:` and the address key
/// (`channel.apns_sandbox`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChannelKey {
    Apns,
    ApnsSandbox,
    ApnsVoip,
    ApnsVoipSandbox,
    Gcm,
    Adm,
    Baidu,
}

impl ChannelKey {
    pub const ALL: [ChannelKey; 7] = [
        ChannelKey::Apns,
        ChannelKey::ApnsSandbox,
        ChannelKey::ApnsVoip,
        ChannelKey::ApnsVoipSandbox,
        ChannelKey::Gcm,
        ChannelKey::Adm,
        ChannelKey::Baidu,
    ];

    /// The spec key and API path token (`apns_sandbox`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKey::Apns => "apns",
            ChannelKey::ApnsSandbox => "apns_sandbox",
            ChannelKey::ApnsVoip => "apns_voip",
            ChannelKey::ApnsVoipSandbox => "apns_voip_sandbox",
            ChannelKey::Gcm => "gcm",
            ChannelKey::Adm => "adm",
            ChannelKey::Baidu => "baidu",
        }
    }

    /// The API's `Platform` value (`APNS_SANDBOX`).
    pub fn platform(self) -> &'static str {
        match self {
            ChannelKey::Apns => "APNS",
            ChannelKey::ApnsSandbox => "APNS_SANDBOX",
            ChannelKey::ApnsVoip => "APNS_VOIP",
            ChannelKey::ApnsVoipSandbox => "APNS_VOIP_SANDBOX",
            ChannelKey::Gcm => "GCM",
            ChannelKey::Adm => "ADM",
            ChannelKey::Baidu => "BAIDU",
        }
    }

    /// Parses a spec key (`apns_sandbox`).
    pub fn from_key(key: &str) -> Option<ChannelKey> {
        ChannelKey::ALL.into_iter().find(|k| k.as_str() == key)
    }

    /// True for the four Apple channels.
    pub fn is_apns(self) -> bool {
        matches!(
            self,
            ChannelKey::Apns
                | ChannelKey::ApnsSandbox
                | ChannelKey::ApnsVoip
                | ChannelKey::ApnsVoipSandbox
        )
    }
}

impl std::fmt::Display for ChannelKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An Apple channel (API `APNSChannelRequest` and its sandbox/VoIP twins).
///
/// Certificate authentication needs `certificate` and `private_key`; token
/// authentication needs `token_key`, `token_key_id`, `bundle_id` and
/// `team_id`. None of the credential fields (nor `bundle_id`, `team_id`,
/// `token_key_id`) is ever returned by AWS: they are compared by fingerprint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApnsChannel {
    /// Whether the channel is enabled (API `Enabled`). Default `true`.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Which credentials Pinpoint uses by default (API
    /// `DefaultAuthenticationMethod`). Default: `TOKEN` when `token_key` is
    /// given, else `CERTIFICATE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_authentication_method: Option<ApnsAuthMethod>,
    /// The APNs client certificate, PEM (API `Certificate`). A secret
    /// reference. Write-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<SecretRef>,
    /// The certificate's private key, PEM (API `PrivateKey`). A secret
    /// reference. Write-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<SecretRef>,
    /// The app's bundle identifier, for token authentication (API
    /// `BundleId`). Write-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<String>,
    /// The Apple developer team id, for token authentication (API `TeamId`).
    /// Write-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// The `.p8` authentication key, for token authentication (API
    /// `TokenKey`). A secret reference. Write-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_key: Option<SecretRef>,
    /// The key id of `token_key` (API `TokenKeyId`). Write-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_key_id: Option<String>,
}

/// API `APNSChannelRequest.DefaultAuthenticationMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApnsAuthMethod {
    /// Certificate (`certificate` + `private_key`).
    Certificate,
    /// Token (`token_key`, `token_key_id`, `bundle_id`, `team_id`).
    Token,
}

/// Firebase Cloud Messaging (API `GCMChannelRequest`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GcmChannel {
    /// Whether the channel is enabled (API `Enabled`). Default `true`.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Which credentials Pinpoint uses by default (API
    /// `DefaultAuthenticationMethod`): `KEY` (legacy server key, `api_key`)
    /// or `TOKEN` (service account JSON, `service_json`). Default: `TOKEN`
    /// when `service_json` is given, else `KEY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_authentication_method: Option<GcmAuthMethod>,
    /// Legacy FCM server key (API `ApiKey`). A secret reference. Write-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<SecretRef>,
    /// FCM service account JSON (API `ServiceJson`). A secret reference.
    /// Write-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_json: Option<SecretRef>,
}

/// API `GCMChannelRequest.DefaultAuthenticationMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GcmAuthMethod {
    /// Legacy server key (`api_key`).
    Key,
    /// Service account JSON (`service_json`).
    Token,
}

/// Amazon Device Messaging (API `ADMChannelRequest`). Both fields are
/// required by the API and neither is ever returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdmChannel {
    /// Whether the channel is enabled (API `Enabled`). Default `true`.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// The ADM client id (API `ClientId`). Write-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The ADM client secret (API `ClientSecret`). A secret reference.
    /// Write-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<SecretRef>,
}

/// Baidu Cloud Push (API `BaiduChannelRequest`). Both credentials are
/// required by the API and neither is ever returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BaiduChannel {
    /// Whether the channel is enabled (API `Enabled`). Default `true`.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// The Baidu API key (API `ApiKey`). Write-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// The Baidu secret key (API `SecretKey`). A secret reference.
    /// Write-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<SecretRef>,
}
