//! Segments: who a campaign targets.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Tags;

/// A dynamic segment (API `WriteSegmentRequest`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    /// The segment's display name (API `Name`). Not unique in AWS.
    pub name: String,
    /// Tags (API `tags`).
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
    /// The criteria (API `Dimensions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<SegmentDimensions>,
    /// Groups of other segments and criteria (API `SegmentGroups`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_groups: Option<SegmentGroups>,
}

/// API `SegmentDimensions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentDimensions {
    /// Criteria on endpoint custom attributes, by attribute name
    /// (API `Attributes`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, AttributeDimension>,
    /// Criteria on behaviour (API `Behavior`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behavior: Option<SegmentBehaviors>,
    /// Criteria on device facts (API `Demographic`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demographic: Option<SegmentDemographics>,
    /// Criteria on location (API `Location`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<SegmentLocation>,
    /// Criteria on endpoint metrics, by metric name (API `Metrics`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, MetricDimension>,
    /// Criteria on user attributes, by attribute name (API `UserAttributes`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub user_attributes: BTreeMap<String, AttributeDimension>,
}

/// API `AttributeDimension`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributeDimension {
    /// How `values` are matched (API `AttributeType`). Default `INCLUSIVE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_type: Option<AttributeType>,
    /// The values (API `Values`).
    pub values: Vec<String>,
}

/// API `AttributeDimension.AttributeType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AttributeType {
    Inclusive,
    Exclusive,
    Contains,
    Before,
    After,
    Between,
    NotBetween,
    On,
}

/// API `SegmentBehaviors`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentBehaviors {
    /// How recently the endpoint was active (API `Recency`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recency: Option<RecencyDimension>,
}

/// API `RecencyDimension`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecencyDimension {
    /// The window (API `Duration`).
    pub duration: RecencyDuration,
    /// Active or inactive within the window (API `RecencyType`).
    pub recency_type: RecencyType,
}

/// API `RecencyDimension.Duration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum RecencyDuration {
    #[serde(rename = "HR_24")]
    Hr24,
    #[serde(rename = "DAY_7")]
    Day7,
    #[serde(rename = "DAY_14")]
    Day14,
    #[serde(rename = "DAY_30")]
    Day30,
}

/// API `RecencyDimension.RecencyType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecencyType {
    Active,
    Inactive,
}

/// API `SegmentDemographics`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentDemographics {
    /// App versions (API `AppVersion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<SetDimension>,
    /// Channel types (API `Channel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<SetDimension>,
    /// Device types (API `DeviceType`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_type: Option<SetDimension>,
    /// Manufacturers (API `Make`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub make: Option<SetDimension>,
    /// Models (API `Model`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<SetDimension>,
    /// Platforms, e.g. `iOS`, `Android` (API `Platform`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<SetDimension>,
}

/// API `SetDimension`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetDimension {
    /// Include or exclude `values` (API `DimensionType`). Default `INCLUSIVE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension_type: Option<DimensionType>,
    /// The values (API `Values`).
    pub values: Vec<String>,
}

/// API `SetDimension.DimensionType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DimensionType {
    Inclusive,
    Exclusive,
}

/// API `SegmentLocation`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentLocation {
    /// Countries, ISO 3166-1 alpha-2 (API `Country`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<SetDimension>,
    /// Distance from a point (API `GPSPoint`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gps_point: Option<GpsPointDimension>,
}

/// API `GPSPointDimension`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GpsPointDimension {
    /// The point (API `Coordinates`).
    pub coordinates: GpsCoordinates,
    /// The radius in kilometres (API `RangeInKilometers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_in_kilometers: Option<f64>,
}

/// API `GPSCoordinates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GpsCoordinates {
    /// Latitude, -90..=90 (API `Latitude`).
    #[schemars(range(min = -90.0, max = 90.0))]
    pub latitude: f64,
    /// Longitude, -180..=180 (API `Longitude`).
    #[schemars(range(min = -180.0, max = 180.0))]
    pub longitude: f64,
}

/// API `MetricDimension`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricDimension {
    /// How the metric compares with `value` (API `ComparisonOperator`).
    pub comparison_operator: MetricComparison,
    /// The value compared with (API `Value`).
    pub value: f64,
}

/// API `MetricDimension.ComparisonOperator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MetricComparison {
    GreaterThan,
    LessThan,
    GreaterThanOrEqual,
    LessThanOrEqual,
    Equal,
}

/// API `SegmentGroupList`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentGroups {
    /// How the groups combine (API `Include`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<GroupInclude>,
    /// The groups (API `Groups`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<SegmentGroup>,
}

/// API `SegmentGroup`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentGroup {
    /// Criteria applied to the source segments (API `Dimensions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<SegmentDimensions>,
    /// The segments this group starts from (API `SourceSegments`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_segments: Vec<SegmentReference>,
    /// How the source segments combine (API `SourceType`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<GroupInclude>,
    /// How the dimensions combine (API `Type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "type")]
    pub group_type: Option<GroupInclude>,
}

/// API `SegmentReference`: another segment of this spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentReference {
    /// The spec key of a segment in `segments` (API `Id`, filled in with
    /// that segment's id).
    pub segment: String,
    /// Pin a version of that segment (API `Version`). Default: latest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
}

/// API `Include` / `SourceType` / `Type` of segment groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GroupInclude {
    All,
    Any,
    None,
}
