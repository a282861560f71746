//! The AWS neighbours of the app: IAM roles, Kinesis streams, the event
//! stream that joins them to the app, and CloudWatch alarms.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tags, default_true};

/// The service a role trusts by default.
pub const DEFAULT_TRUSTED_SERVICE: &str = "pinpoint.amazonaws.com";
/// The default CloudWatch namespace of alarms.
pub const DEFAULT_ALARM_NAMESPACE: &str = "AWS/Pinpoint";
/// The prefix of inline policies that `reconcile` generates
/// (`reconcile-put-to-<stream key>`); reserved.
pub const GENERATED_POLICY_PREFIX: &str = "reconcile-";

/// An IAM role (IAM `CreateRole`, `AttachRolePolicy`, `PutRolePolicy`).
///
/// The trust policy is generated: it lets `trusted_service` assume the role
/// (`sts:AssumeRole`). `allow_put_to_stream: <kinesis_streams key>` adds a
/// least-privilege inline policy named `reconcile-put-to-<key>` that allows
/// `kinesis:PutRecords` and `kinesis:DescribeStream` on that one stream
/// (see [`crate::resources::put_to_stream_policy`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IamRole {
    /// The role name (IAM `RoleName`): up to 64 characters of letters,
    /// digits and `+=,.@_-`; unique in the account.
    #[schemars(regex(pattern = r"^[A-Za-z0-9+=,.@_-]{1,64}$"))]
    pub name: String,
    /// The role path (IAM `Path`). Default `/`.
    #[serde(default = "default_path")]
    pub path: String,
    /// Description (IAM `Description`). Trimmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The AWS service principal allowed to assume the role (the generated
    /// `AssumeRolePolicyDocument`). Default `pinpoint.amazonaws.com`.
    #[serde(default = "default_trusted_service")]
    pub trusted_service: String,
    /// Managed policies to attach (IAM `AttachRolePolicy` `PolicyArn`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_policy_arns: Vec<String>,
    /// Inline policies by name (IAM `PutRolePolicy` `PolicyName` and
    /// `PolicyDocument`), each a policy document written as a YAML map.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inline_policies: BTreeMap<String, serde_json::Value>,
    /// Tags (IAM `Tags`).
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
    /// The spec key of a stream in `kinesis_streams` that this role may
    /// write to: generates the inline policy `reconcile-put-to-<key>` with
    /// `kinesis:PutRecords` and `kinesis:DescribeStream` on that stream only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_put_to_stream: Option<String>,
}

fn default_path() -> String {
    "/".to_owned()
}

fn default_trusted_service() -> String {
    DEFAULT_TRUSTED_SERVICE.to_owned()
}

/// A Kinesis data stream (Kinesis `CreateStream`,
/// `IncreaseStreamRetentionPeriod`, `AddTagsToStream`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KinesisStream {
    /// The stream name (Kinesis `StreamName`): up to 128 characters of
    /// letters, digits, `_`, `.` and `-`.
    #[schemars(regex(pattern = r"^[a-zA-Z0-9_.-]{1,128}$"))]
    pub name: String,
    /// Number of shards (Kinesis `ShardCount`). Default 1 for `PROVISIONED`;
    /// not allowed with `ON_DEMAND`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub shard_count: Option<u32>,
    /// Hours records are kept, 24..=8760 (Kinesis `RetentionPeriodHours`).
    /// Default 24.
    #[serde(default = "default_retention")]
    #[schemars(range(min = 24, max = 8760))]
    pub retention_period_hours: u32,
    /// Capacity mode (Kinesis `StreamModeDetails.StreamMode`). Default
    /// `PROVISIONED`.
    #[serde(default)]
    pub stream_mode: StreamMode,
    /// Tags (Kinesis `Tags`).
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

fn default_retention() -> u32 {
    24
}

/// Kinesis `StreamMode`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StreamMode {
    /// Fixed shard count.
    #[default]
    Provisioned,
    /// Capacity managed by AWS.
    OnDemand,
}

/// The app's event stream (API `WriteEventStream`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventStream {
    /// A spec key of `kinesis_streams`, or the ARN of an existing Kinesis
    /// stream or Firehose delivery stream (API `DestinationStreamArn`).
    pub stream: String,
    /// A spec key of `iam_roles`, or the ARN of an existing role that
    /// Pinpoint assumes to write to the stream (API `RoleArn`).
    pub role: String,
}

/// A CloudWatch alarm on one of the app's metrics (CloudWatch
/// `PutMetricAlarm`). The dimension `ApplicationId` is filled in with the
/// app's id; do not write it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alarm {
    /// The alarm name (CloudWatch `AlarmName`), unique in the account and
    /// region.
    pub name: String,
    /// Description (CloudWatch `AlarmDescription`). Trimmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The metric, e.g. `DirectSendMessagePermanentFailure` (CloudWatch
    /// `MetricName`).
    pub metric_name: String,
    /// The metric's namespace (CloudWatch `Namespace`). Default
    /// `AWS/Pinpoint`.
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// How data points are aggregated (CloudWatch `Statistic`).
    pub statistic: Statistic,
    /// Seconds per data point: 10, 20, 30 or a multiple of 60 (CloudWatch
    /// `Period`).
    #[schemars(range(min = 10))]
    pub period: u32,
    /// The value compared with (CloudWatch `Threshold`).
    pub threshold: f64,
    /// How the statistic compares with `threshold` (CloudWatch
    /// `ComparisonOperator`).
    pub comparison_operator: AlarmComparison,
    /// Number of periods compared (CloudWatch `EvaluationPeriods`).
    #[schemars(range(min = 1))]
    pub evaluation_periods: u32,
    /// Data points within `evaluation_periods` that must breach (CloudWatch
    /// `DatapointsToAlarm`). Default: `evaluation_periods`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub datapoints_to_alarm: Option<u32>,
    /// How missing data counts (CloudWatch `TreatMissingData`). Default
    /// `missing`.
    #[serde(default)]
    pub treat_missing_data: TreatMissingData,
    /// Whether actions run on state changes (CloudWatch `ActionsEnabled`).
    /// Default `true`.
    #[serde(default = "default_true")]
    pub actions_enabled: bool,
    /// ARNs notified on `ALARM` (CloudWatch `AlarmActions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarm_actions: Vec<String>,
    /// ARNs notified on `OK` (CloudWatch `OKActions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ok_actions: Vec<String>,
    /// ARNs notified on `INSUFFICIENT_DATA` (CloudWatch
    /// `InsufficientDataActions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub insufficient_data_actions: Vec<String>,
    /// Extra metric dimensions by name (CloudWatch `Dimensions`), besides
    /// `ApplicationId`, which is always added.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dimensions: BTreeMap<String, String>,
    /// Tags (CloudWatch `Tags`).
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

fn default_namespace() -> String {
    DEFAULT_ALARM_NAMESPACE.to_owned()
}

/// CloudWatch `Statistic`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Statistic {
    SampleCount,
    Average,
    Sum,
    Minimum,
    Maximum,
}

/// CloudWatch `ComparisonOperator` (static thresholds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AlarmComparison {
    GreaterThanOrEqualToThreshold,
    GreaterThanThreshold,
    LessThanThreshold,
    LessThanOrEqualToThreshold,
}

/// CloudWatch `TreatMissingData`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum TreatMissingData {
    /// Missing data points breach the threshold.
    Breaching,
    /// Missing data points do not breach.
    NotBreaching,
    /// The alarm keeps its state.
    Ignore,
    /// The alarm looks further back (CloudWatch's default).
    #[default]
    Missing,
}
