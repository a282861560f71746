//! Pinpoint's JSON shapes (botocore model `pinpoint/2016-12-01`), typed so
//! that a member of the wrong type is a 400 and not something echoed back.
//!
//! Member names are the wire names: PascalCase through `rename_all`, with
//! explicit renames where the model spells an acronym (`APNSMessage`, `MD5`,
//! `GPSPoint`) and for the lowercase `tags`. Unknown members are ignored, as
//! AWS ignores them. Every member is optional here; required members are
//! checked by the handlers so the error says what is missing. Values are
//! written back with [`crate::pinpoint::util::to_json`], which drops absent
//! members.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A map of tags as the wire carries it (`"tags": {...}`).
pub type Tags = BTreeMap<String, String>;
/// `map<string, [string]>`: endpoint attributes and substitutions.
pub type ListMap = BTreeMap<String, Vec<String>>;

// ---------------------------------------------------------------- enums

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    OpenApp,
    DeepLink,
    Url,
}

/// `ChannelType`, the kind of address an endpoint or a send targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChannelType {
    Push,
    Gcm,
    Apns,
    ApnsSandbox,
    ApnsVoip,
    ApnsVoipSandbox,
    Adm,
    Sms,
    Voice,
    Email,
    Baidu,
    Custom,
    InApp,
}

impl ChannelType {
    /// The wire name (`APNS_SANDBOX`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelType::Push => "PUSH",
            ChannelType::Gcm => "GCM",
            ChannelType::Apns => "APNS",
            ChannelType::ApnsSandbox => "APNS_SANDBOX",
            ChannelType::ApnsVoip => "APNS_VOIP",
            ChannelType::ApnsVoipSandbox => "APNS_VOIP_SANDBOX",
            ChannelType::Adm => "ADM",
            ChannelType::Sms => "SMS",
            ChannelType::Voice => "VOICE",
            ChannelType::Email => "EMAIL",
            ChannelType::Baidu => "BAIDU",
            ChannelType::Custom => "CUSTOM",
            ChannelType::InApp => "IN_APP",
        }
    }

    pub fn is_apns(self) -> bool {
        matches!(
            self,
            ChannelType::Apns
                | ChannelType::ApnsSandbox
                | ChannelType::ApnsVoip
                | ChannelType::ApnsVoipSandbox
        )
    }

    pub fn is_push(self) -> bool {
        self.is_apns()
            || matches!(
                self,
                ChannelType::Gcm | ChannelType::Adm | ChannelType::Baidu
            )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AttributeType {
    Inclusive,
    Exclusive,
    Contains,
    Before,
    After,
    On,
    Between,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DimensionType {
    Inclusive,
    Exclusive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecencyType {
    Active,
    Inactive,
}

/// `ALL | ANY | NONE` (segment groups' `Include`, `Type`, `SourceType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Include {
    All,
    Any,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FilterType {
    System,
    Endpoint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HookMode {
    Delivery,
    Filter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MessageType {
    Transactional,
    Promotional,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Layout {
    BottomBanner,
    TopBanner,
    Overlays,
    MobileFeed,
    MiddleBanner,
    Carousel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Alignment {
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ButtonAction {
    Link,
    DeepLink,
    Close,
}

// ---------------------------------------------------------------- apps

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateApplicationRequest {
    pub name: Option<String>,
    #[serde(rename = "tags")]
    pub tags: Option<Tags>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CampaignHook {
    pub lambda_function_name: Option<String>,
    pub mode: Option<HookMode>,
    pub web_url: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CampaignLimits {
    pub daily: Option<i64>,
    pub maximum_duration: Option<i64>,
    pub messages_per_second: Option<i64>,
    pub total: Option<i64>,
    pub session: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct QuietTime {
    pub end: Option<String>,
    pub start: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct JourneyTimeframeCap {
    pub cap: Option<i64>,
    pub days: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct JourneyLimits {
    pub daily_cap: Option<i64>,
    pub timeframe_cap: Option<JourneyTimeframeCap>,
    pub total_cap: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WriteApplicationSettingsRequest {
    pub campaign_hook: Option<CampaignHook>,
    pub cloud_watch_metrics_enabled: Option<bool>,
    pub event_tagging_enabled: Option<bool>,
    pub limits: Option<CampaignLimits>,
    pub quiet_time: Option<QuietTime>,
    pub journey_limits: Option<JourneyLimits>,
}

// ---------------------------------------------------------------- tags

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TagsModel {
    pub tags: Option<Tags>,
}

// ---------------------------------------------------------------- channels

/// The union of every channel request's members (`APNSChannelRequest`,
/// `GCMChannelRequest`, ...). Each channel reads only its own members; the
/// others are ignored as AWS ignores unknown members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChannelRequest {
    pub enabled: Option<bool>,
    pub default_authentication_method: Option<String>,
    // APNs family (all write-only)
    pub bundle_id: Option<String>,
    pub certificate: Option<String>,
    pub private_key: Option<String>,
    pub team_id: Option<String>,
    pub token_key: Option<String>,
    pub token_key_id: Option<String>,
    // GCM (write-only); Baidu reuses ApiKey
    pub api_key: Option<String>,
    pub service_json: Option<String>,
    // ADM (write-only)
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    // Baidu (write-only)
    pub secret_key: Option<String>,
    // Email (returned)
    pub configuration_set: Option<String>,
    pub from_address: Option<String>,
    pub identity: Option<String>,
    pub role_arn: Option<String>,
    pub orchestration_sending_role_arn: Option<String>,
    // SMS (returned)
    pub sender_id: Option<String>,
    pub short_code: Option<String>,
}

// ---------------------------------------------------------------- endpoints

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct EndpointDemographic {
    pub app_version: Option<String>,
    pub locale: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub model_version: Option<String>,
    pub platform: Option<String>,
    pub platform_version: Option<String>,
    pub timezone: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct EndpointLocation {
    pub city: Option<String>,
    pub country: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub postal_code: Option<String>,
    pub region: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct EndpointUser {
    pub user_attributes: Option<ListMap>,
    pub user_id: Option<String>,
}

/// `EndpointRequest`, and with `Id` an `EndpointBatchItem`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EndpointRequest {
    pub address: Option<String>,
    pub attributes: Option<ListMap>,
    pub channel_type: Option<ChannelType>,
    pub demographic: Option<EndpointDemographic>,
    pub effective_date: Option<String>,
    pub endpoint_status: Option<String>,
    pub id: Option<String>,
    pub location: Option<EndpointLocation>,
    pub metrics: Option<BTreeMap<String, f64>>,
    pub opt_out: Option<String>,
    pub request_id: Option<String>,
    pub user: Option<EndpointUser>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EndpointBatchRequest {
    pub item: Option<Vec<EndpointRequest>>,
}

// ---------------------------------------------------------------- segments

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDimension {
    pub attribute_type: Option<AttributeType>,
    pub values: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct SetDimension {
    pub dimension_type: Option<DimensionType>,
    pub values: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct MetricDimension {
    pub comparison_operator: Option<String>,
    pub value: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct RecencyDimension {
    pub duration: Option<RecencyDuration>,
    pub recency_type: Option<RecencyType>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct SegmentBehaviors {
    pub recency: Option<RecencyDimension>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct SegmentDemographics {
    pub app_version: Option<SetDimension>,
    pub channel: Option<SetDimension>,
    pub device_type: Option<SetDimension>,
    pub make: Option<SetDimension>,
    pub model: Option<SetDimension>,
    pub platform: Option<SetDimension>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct GpsCoordinates {
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct GpsPointDimension {
    pub coordinates: Option<GpsCoordinates>,
    pub range_in_kilometers: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct SegmentLocation {
    pub country: Option<SetDimension>,
    #[serde(rename = "GPSPoint")]
    pub gps_point: Option<GpsPointDimension>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct SegmentDimensions {
    pub attributes: Option<BTreeMap<String, AttributeDimension>>,
    pub behavior: Option<SegmentBehaviors>,
    pub demographic: Option<SegmentDemographics>,
    pub location: Option<SegmentLocation>,
    pub metrics: Option<BTreeMap<String, MetricDimension>>,
    pub user_attributes: Option<BTreeMap<String, AttributeDimension>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct SegmentReference {
    pub id: Option<String>,
    pub version: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct SegmentGroup {
    pub dimensions: Option<Vec<SegmentDimensions>>,
    pub source_segments: Option<Vec<SegmentReference>>,
    pub source_type: Option<Include>,
    #[serde(rename = "Type")]
    pub kind: Option<Include>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct SegmentGroupList {
    pub groups: Option<Vec<SegmentGroup>>,
    pub include: Option<Include>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WriteSegmentRequest {
    pub dimensions: Option<SegmentDimensions>,
    pub name: Option<String>,
    pub segment_groups: Option<SegmentGroupList>,
    #[serde(rename = "tags")]
    pub tags: Option<Tags>,
}

// ---------------------------------------------------------------- templates

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct AndroidPushNotificationTemplate {
    pub action: Option<Action>,
    pub body: Option<String>,
    pub image_icon_url: Option<String>,
    pub image_url: Option<String>,
    pub raw_content: Option<String>,
    pub small_image_icon_url: Option<String>,
    pub sound: Option<String>,
    pub title: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ApnsPushNotificationTemplate {
    pub action: Option<Action>,
    pub body: Option<String>,
    pub media_url: Option<String>,
    pub raw_content: Option<String>,
    pub sound: Option<String>,
    pub title: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct DefaultPushNotificationTemplate {
    pub action: Option<Action>,
    pub body: Option<String>,
    pub sound: Option<String>,
    pub title: Option<String>,
    pub url: Option<String>,
}

/// `PushNotificationTemplateRequest` minus `tags` (create-only): what one
/// template version holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct PushTemplateContent {
    #[serde(rename = "ADM")]
    pub adm: Option<AndroidPushNotificationTemplate>,
    #[serde(rename = "APNS")]
    pub apns: Option<ApnsPushNotificationTemplate>,
    pub baidu: Option<AndroidPushNotificationTemplate>,
    pub default: Option<DefaultPushNotificationTemplate>,
    pub default_substitutions: Option<String>,
    #[serde(rename = "GCM")]
    pub gcm: Option<AndroidPushNotificationTemplate>,
    pub recommender_id: Option<String>,
    pub template_description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PushTemplateRequest {
    #[serde(flatten)]
    pub content: PushTemplateContent,
    pub tags: Option<Tags>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TemplateActiveVersionRequest {
    pub version: Option<String>,
}

// ---------------------------------------------------------------- campaigns

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Message {
    pub action: Option<Action>,
    pub body: Option<String>,
    pub image_icon_url: Option<String>,
    pub image_small_icon_url: Option<String>,
    pub image_url: Option<String>,
    pub json_body: Option<String>,
    pub media_url: Option<String>,
    pub raw_content: Option<String>,
    pub silent_push: Option<bool>,
    pub time_to_live: Option<i64>,
    pub title: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CampaignCustomMessage {
    pub data: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct MessageHeader {
    pub name: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CampaignEmailMessage {
    pub body: Option<String>,
    pub from_address: Option<String>,
    pub headers: Option<Vec<MessageHeader>>,
    pub html_body: Option<String>,
    pub title: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CampaignSmsMessage {
    pub body: Option<String>,
    pub message_type: Option<MessageType>,
    pub origination_number: Option<String>,
    pub sender_id: Option<String>,
    pub entity_id: Option<String>,
    pub template_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct InAppMessageBodyConfig {
    pub alignment: Option<Alignment>,
    pub body: Option<String>,
    pub text_color: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct InAppMessageHeaderConfig {
    pub alignment: Option<Alignment>,
    pub header: Option<String>,
    pub text_color: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct OverrideButtonConfiguration {
    pub button_action: Option<ButtonAction>,
    pub link: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct DefaultButtonConfiguration {
    pub background_color: Option<String>,
    pub border_radius: Option<i64>,
    pub button_action: Option<ButtonAction>,
    pub link: Option<String>,
    pub text: Option<String>,
    pub text_color: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct InAppMessageButton {
    pub android: Option<OverrideButtonConfiguration>,
    pub default_config: Option<DefaultButtonConfiguration>,
    #[serde(rename = "IOS")]
    pub ios: Option<OverrideButtonConfiguration>,
    pub web: Option<OverrideButtonConfiguration>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct InAppMessageContent {
    pub background_color: Option<String>,
    pub body_config: Option<InAppMessageBodyConfig>,
    pub header_config: Option<InAppMessageHeaderConfig>,
    pub image_url: Option<String>,
    pub primary_btn: Option<InAppMessageButton>,
    pub secondary_btn: Option<InAppMessageButton>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CampaignInAppMessage {
    pub body: Option<String>,
    pub content: Option<Vec<InAppMessageContent>>,
    pub custom_config: Option<BTreeMap<String, String>>,
    pub layout: Option<Layout>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct MessageConfiguration {
    #[serde(rename = "ADMMessage")]
    pub adm_message: Option<Message>,
    #[serde(rename = "APNSMessage")]
    pub apns_message: Option<Message>,
    pub baidu_message: Option<Message>,
    pub custom_message: Option<CampaignCustomMessage>,
    pub default_message: Option<Message>,
    pub email_message: Option<CampaignEmailMessage>,
    #[serde(rename = "GCMMessage")]
    pub gcm_message: Option<Message>,
    #[serde(rename = "SMSMessage")]
    pub sms_message: Option<CampaignSmsMessage>,
    pub in_app_message: Option<CampaignInAppMessage>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CustomDeliveryConfiguration {
    pub delivery_uri: Option<String>,
    pub endpoint_types: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct EventDimensions {
    pub attributes: Option<BTreeMap<String, AttributeDimension>>,
    pub event_type: Option<SetDimension>,
    pub metrics: Option<BTreeMap<String, MetricDimension>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CampaignEventFilter {
    pub dimensions: Option<EventDimensions>,
    pub filter_type: Option<FilterType>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Schedule {
    pub end_time: Option<String>,
    pub event_filter: Option<CampaignEventFilter>,
    pub frequency: Option<Frequency>,
    pub is_local_time: Option<bool>,
    pub quiet_time: Option<QuietTime>,
    pub start_time: Option<String>,
    pub timezone: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct TemplateRef {
    pub name: Option<String>,
    pub version: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct TemplateConfiguration {
    pub email_template: Option<TemplateRef>,
    pub push_template: Option<TemplateRef>,
    #[serde(rename = "SMSTemplate")]
    pub sms_template: Option<TemplateRef>,
    pub voice_template: Option<TemplateRef>,
    pub in_app_template: Option<TemplateRef>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct WriteTreatmentResource {
    pub custom_delivery_configuration: Option<CustomDeliveryConfiguration>,
    pub message_configuration: Option<MessageConfiguration>,
    pub schedule: Option<Schedule>,
    pub size_percent: Option<i64>,
    pub template_configuration: Option<TemplateConfiguration>,
    pub treatment_description: Option<String>,
    pub treatment_name: Option<String>,
}

/// `WriteCampaignRequest` minus `tags`: what one campaign version holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CampaignContent {
    pub additional_treatments: Option<Vec<WriteTreatmentResource>>,
    pub custom_delivery_configuration: Option<CustomDeliveryConfiguration>,
    pub description: Option<String>,
    pub holdout_percent: Option<i64>,
    pub hook: Option<CampaignHook>,
    pub is_paused: Option<bool>,
    pub limits: Option<CampaignLimits>,
    pub message_configuration: Option<MessageConfiguration>,
    pub name: Option<String>,
    pub schedule: Option<Schedule>,
    pub segment_id: Option<String>,
    pub segment_version: Option<i64>,
    pub template_configuration: Option<TemplateConfiguration>,
    pub treatment_description: Option<String>,
    pub treatment_name: Option<String>,
    pub priority: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct WriteCampaignRequest {
    #[serde(flatten)]
    pub content: CampaignContent,
    pub tags: Option<Tags>,
}

// ---------------------------------------------------------------- event stream

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WriteEventStream {
    pub destination_stream_arn: Option<String>,
    pub role_arn: Option<String>,
}

// ---------------------------------------------------------------- messages

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddressConfiguration {
    pub body_override: Option<String>,
    pub channel_type: Option<ChannelType>,
    pub context: Option<BTreeMap<String, String>>,
    pub raw_content: Option<String>,
    pub substitutions: Option<ListMap>,
    pub title_override: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EndpointSendConfiguration {
    pub body_override: Option<String>,
    pub context: Option<BTreeMap<String, String>>,
    pub raw_content: Option<String>,
    pub substitutions: Option<ListMap>,
    pub title_override: Option<String>,
}

/// `ADMMessage`, `APNSMessage`, `BaiduMessage`, `GCMMessage` and
/// `DefaultPushNotificationMessage` share these members; each carries a few
/// more, typed here so that a wrong type is still a 400.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PushMessage {
    pub action: Option<Action>,
    pub body: Option<String>,
    pub data: Option<BTreeMap<String, String>>,
    pub raw_content: Option<String>,
    pub silent_push: Option<bool>,
    pub sound: Option<String>,
    pub substitutions: Option<ListMap>,
    pub title: Option<String>,
    pub url: Option<String>,
    pub time_to_live: Option<i64>,
    pub image_icon_url: Option<String>,
    pub image_url: Option<String>,
    pub small_image_icon_url: Option<String>,
    pub icon_reference: Option<String>,
    // ADM
    pub consolidation_key: Option<String>,
    pub expires_after: Option<String>,
    #[serde(rename = "MD5")]
    pub md5: Option<String>,
    // APNs
    #[serde(rename = "APNSPushType")]
    pub apns_push_type: Option<String>,
    pub badge: Option<i64>,
    pub category: Option<String>,
    pub collapse_id: Option<String>,
    pub media_url: Option<String>,
    pub preferred_authentication_method: Option<String>,
    pub priority: Option<String>,
    pub thread_id: Option<String>,
    // GCM
    pub collapse_key: Option<String>,
    pub restricted_package_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DefaultMessage {
    pub body: Option<String>,
    pub substitutions: Option<ListMap>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SimpleEmailPart {
    pub charset: Option<String>,
    pub data: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SimpleEmail {
    pub html_part: Option<SimpleEmailPart>,
    pub subject: Option<SimpleEmailPart>,
    pub text_part: Option<SimpleEmailPart>,
    pub headers: Option<Vec<MessageHeader>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RawEmail {
    pub data: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EmailMessage {
    pub body: Option<String>,
    pub feedback_forwarding_address: Option<String>,
    pub from_address: Option<String>,
    pub raw_email: Option<RawEmail>,
    pub reply_to_addresses: Option<Vec<String>>,
    pub simple_email: Option<SimpleEmail>,
    pub substitutions: Option<ListMap>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SmsMessage {
    pub body: Option<String>,
    pub keyword: Option<String>,
    pub media_url: Option<String>,
    pub message_type: Option<MessageType>,
    pub origination_number: Option<String>,
    pub sender_id: Option<String>,
    pub substitutions: Option<ListMap>,
    pub entity_id: Option<String>,
    pub template_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VoiceMessage {
    pub body: Option<String>,
    pub language_code: Option<String>,
    pub origination_number: Option<String>,
    pub substitutions: Option<ListMap>,
    pub voice_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DirectMessageConfiguration {
    #[serde(rename = "ADMMessage")]
    pub adm_message: Option<PushMessage>,
    #[serde(rename = "APNSMessage")]
    pub apns_message: Option<PushMessage>,
    pub baidu_message: Option<PushMessage>,
    pub default_message: Option<DefaultMessage>,
    pub default_push_notification_message: Option<PushMessage>,
    pub email_message: Option<EmailMessage>,
    #[serde(rename = "GCMMessage")]
    pub gcm_message: Option<PushMessage>,
    #[serde(rename = "SMSMessage")]
    pub sms_message: Option<SmsMessage>,
    pub voice_message: Option<VoiceMessage>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageRequest {
    pub addresses: Option<BTreeMap<String, AddressConfiguration>>,
    pub context: Option<BTreeMap<String, String>>,
    pub endpoints: Option<BTreeMap<String, EndpointSendConfiguration>>,
    pub message_configuration: Option<DirectMessageConfiguration>,
    pub template_configuration: Option<TemplateConfiguration>,
    pub trace_id: Option<String>,
}
