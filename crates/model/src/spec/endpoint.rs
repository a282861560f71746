//! Endpoints: devices (or other addresses) registered with the app.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ChannelType;

/// One endpoint (API `EndpointRequest`), keyed in the spec by its endpoint
/// id (no `$`, `{` or `}`; ids are case-insensitive in AWS, so two keys that
/// differ only in case are the same endpoint).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// The channel that reaches this endpoint (API `ChannelType`).
    pub channel_type: ChannelType,
    /// The device token or address (API `Address`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Custom attributes, each a list of values (API `Attributes`). Names are
    /// kept exactly as written.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Device and app facts (API `Demographic`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demographic: Option<EndpointDemographic>,
    /// Where the device is (API `Location`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<EndpointLocation>,
    /// Custom numeric metrics (API `Metrics`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, f64>,
    /// Opt-out state (API `OptOut`). Default `NONE` (receives messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt_out: Option<OptOut>,
    /// The user this endpoint belongs to (API `User`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<EndpointUser>,
    /// When the endpoint was last updated, ISO 8601 (API `EffectiveDate`).
    /// Normally omitted: the server sets it on every update, so live reads
    /// should leave it out unless the spec pins it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_date: Option<String>,
    /// `ACTIVE` or `INACTIVE` (API `EndpointStatus`). Normally omitted: the
    /// server sets it (and deactivates other endpoints with the same
    /// address), so live reads should leave it out unless the spec sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_status: Option<EndpointStatus>,
}

/// API `EndpointDemographic`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointDemographic {
    /// App version (API `AppVersion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    /// Locale, `en_US` style (API `Locale`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Manufacturer (API `Make`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub make: Option<String>,
    /// Model (API `Model`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Model version (API `ModelVersion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
    /// Platform, e.g. `iOS`, `Android` (API `Platform`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Platform version, e.g. `"15.0"` (quote it) (API `PlatformVersion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    /// IANA time zone, e.g. `America/New_York` (API `Timezone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// API `EndpointLocation`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointLocation {
    /// City (API `City`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Country, ISO 3166-1 alpha-2 or alpha-3 (API `Country`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Latitude, -90..=90 (API `Latitude`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = -90.0, max = 90.0))]
    pub latitude: Option<f64>,
    /// Longitude, -180..=180 (API `Longitude`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = -180.0, max = 180.0))]
    pub longitude: Option<f64>,
    /// Postal code (API `PostalCode`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Region or state (API `Region`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// API `EndpointUser`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointUser {
    /// The user's id (API `UserId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Custom user attributes, each a list of values (API `UserAttributes`).
    /// Names are kept exactly as written.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub user_attributes: BTreeMap<String, Vec<String>>,
}

/// API `EndpointRequest.OptOut`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OptOut {
    /// The user opted out of all messages.
    All,
    /// The user receives messages.
    None,
}

/// API `EndpointRequest.EndpointStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EndpointStatus {
    Active,
    Inactive,
}
