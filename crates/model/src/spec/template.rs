//! Push message templates.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{PushAction, Tags};

/// A push template (API `PushNotificationTemplateRequest`, created with
/// `CreatePushTemplate`). Templates are account-wide (not inside the app) and
/// identified by `name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// The template name (API path `template-name`): starts with a letter or
    /// digit, then letters, digits, `_` and `-`, at most 128 characters;
    /// case-sensitive; cannot be renamed.
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$"))]
    pub name: String,
    /// Description of this version (API `TemplateDescription`). Trimmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Tags (API `tags`).
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
    /// Default values of the template's `{{variables}}`, as a map (API
    /// `DefaultSubstitutions`, sent as a JSON-encoded string).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub default_substitutions: BTreeMap<String, String>,
    /// Amazon Pinpoint recommender model id (API `RecommenderId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommender_id: Option<String>,
    /// Message for Apple channels (API `APNS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apns: Option<ApnsPushTemplate>,
    /// Message for FCM (API `GCM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcm: Option<AndroidPushTemplate>,
    /// Message for ADM (API `ADM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adm: Option<AndroidPushTemplate>,
    /// Message for Baidu (API `Baidu`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baidu: Option<AndroidPushTemplate>,
    /// Message for every channel without its own (API `Default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<DefaultPushTemplate>,
}

/// API `APNSPushNotificationTemplate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApnsPushTemplate {
    /// What a tap does (API `Action`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<PushAction>,
    /// The body (API `Body`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// URL of an image or video to attach (API `MediaUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    /// Raw JSON payload, overriding every other field (API `RawContent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_content: Option<String>,
    /// Sound to play, e.g. `default` (API `Sound`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sound: Option<String>,
    /// The title (API `Title`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// URL for `DEEP_LINK` and `URL` actions (API `Url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// API `AndroidPushNotificationTemplate` (FCM, ADM, Baidu).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AndroidPushTemplate {
    /// What a tap does (API `Action`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<PushAction>,
    /// The body (API `Body`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// URL of the large icon (API `ImageIconUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_icon_url: Option<String>,
    /// URL of an image shown in the notification (API `ImageUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Raw JSON payload, overriding every other field (API `RawContent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_content: Option<String>,
    /// URL of the small icon (API `SmallImageIconUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub small_image_icon_url: Option<String>,
    /// Sound to play, e.g. `default` (API `Sound`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sound: Option<String>,
    /// The title (API `Title`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// URL for `DEEP_LINK` and `URL` actions (API `Url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// API `DefaultPushNotificationTemplate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefaultPushTemplate {
    /// What a tap does (API `Action`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<PushAction>,
    /// The body (API `Body`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Sound to play (API `Sound`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sound: Option<String>,
    /// The title (API `Title`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// URL for `DEEP_LINK` and `URL` actions (API `Url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}
