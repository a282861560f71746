//! Test pushes (`SendMessages` to endpoint ids): the recipe's step 8.
//!
//! [`AwsProvider::send_test`] finds the stack's app by its tags, the way
//! [`read`](crate::read) does, and sends one message to each endpoint id.
//! The message is written inline ([`Message::Inline`]: an APNs and an FCM
//! message as the recipe sends them, plus the default push message for the
//! other push channels) or names a push template ([`Message::Template`],
//! through `TemplateConfiguration`). Each endpoint gets a [`Delivery`]:
//! AWS's delivery status, status code and message, in the order the ids
//! were given.
//!
//! Since the end of support of Pinpoint's engagement features AWS refuses
//! `SendMessages` to endpoint ids, while sending to addresses lives on (AWS
//! End User Messaging Push). When endpoints are refused that way and every
//! [`Target`] carries its address and channel type (the spec has them), the
//! push goes to the addresses instead and the report says so
//! ([`SendReport::via_addresses`]).

use std::collections::HashMap;

use aws_sdk_pinpoint::types::builders::MessageRequestBuilder;
use aws_sdk_pinpoint::types::{
    Action, AddressConfiguration, ApnsMessage, ChannelType, DefaultPushNotificationMessage,
    DirectMessageConfiguration, EndpointMessageResult, EndpointSendConfiguration, GcmMessage,
    MessageRequest, MessageResult, Template as SdkTemplate, TemplateConfiguration,
};
use reconcile_engine::ProviderError;
use reconcile_model::{Address, Kind};
use serde::Serialize;

use crate::errors::classify;
use crate::provider::AwsProvider;

/// The delivery status of a successful delivery.
pub const SUCCESSFUL: &str = "SUCCESSFUL";
/// The status given to an endpoint AWS returned no result for.
pub const NO_RESULT: &str = "NO_RESULT";

/// What to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A message written on the command line; the device shows `title`
    /// (when given) and `body`, and tapping it opens the app.
    Inline { title: Option<String>, body: String },
    /// The active version of the push template `name` (its name in AWS).
    Template { name: String },
}

/// An endpoint to send to. Its address and channel type (`APNS`, `GCM`,
/// ...), when known, let the push go to the address when AWS no longer
/// serves endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub endpoint: String,
    pub address: Option<String>,
    pub channel_type: Option<String>,
}

/// Why a test push could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The stack has no app in this account and region.
    #[error(
        "stack `{stack}` has no app here (no app carries `reconcile:stack={stack}`); apply the spec first"
    )]
    NoApp { stack: String },
    /// Nothing to send to.
    #[error("no endpoint to send to")]
    NoEndpoints,
    /// AWS refused or failed the request.
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

/// What happened to the message sent to one endpoint
/// (`EndpointMessageResult`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// The endpoint id.
    pub endpoint: String,
    /// The address (device token) AWS sent to, when it says.
    pub address: Option<String>,
    /// `SUCCESSFUL`, `PERMANENT_FAILURE`, `TEMPORARY_FAILURE`, `THROTTLED`,
    /// `OPT_OUT`, ... ([`NO_RESULT`] when AWS returned nothing for it).
    pub delivery_status: String,
    /// The downstream service's status code (200 on success).
    pub status_code: Option<i32>,
    /// The status message (for a success, AWS's message id).
    pub status_message: Option<String>,
    pub message_id: Option<String>,
}

impl Delivery {
    pub fn successful(&self) -> bool {
        self.delivery_status == SUCCESSFUL
    }

    fn from_address_result(t: &Target, address: &str, r: Option<&MessageResult>) -> Self {
        match r {
            Some(r) => Self {
                endpoint: t.endpoint.clone(),
                address: Some(address.to_owned()),
                delivery_status: r
                    .delivery_status()
                    .map_or_else(|| NO_RESULT.to_owned(), |s| s.as_str().to_owned()),
                status_code: r.status_code(),
                status_message: r.status_message().map(ToOwned::to_owned),
                message_id: r.message_id().map(ToOwned::to_owned),
            },
            None => Self {
                address: Some(address.to_owned()),
                ..Self::from_sdk(&t.endpoint, None)
            },
        }
    }

    fn from_sdk(endpoint: &str, r: Option<&EndpointMessageResult>) -> Self {
        match r {
            Some(r) => Self {
                endpoint: endpoint.to_owned(),
                address: r.address().map(ToOwned::to_owned),
                delivery_status: r
                    .delivery_status()
                    .map_or_else(|| NO_RESULT.to_owned(), |s| s.as_str().to_owned()),
                status_code: r.status_code(),
                status_message: r.status_message().map(ToOwned::to_owned),
                message_id: r.message_id().map(ToOwned::to_owned),
            },
            None => Self {
                endpoint: endpoint.to_owned(),
                address: None,
                delivery_status: NO_RESULT.to_owned(),
                status_code: None,
                status_message: Some("AWS returned no result for this endpoint".to_owned()),
                message_id: None,
            },
        }
    }
}

/// The outcome of a test push.
#[derive(Debug, Clone, Serialize)]
pub struct SendReport {
    pub app_id: String,
    /// AWS refused endpoint ids (end of support); the push went to the
    /// endpoints' addresses.
    pub via_addresses: bool,
    /// One per endpoint, in the order the ids were given.
    pub deliveries: Vec<Delivery>,
}

impl SendReport {
    /// True when every delivery succeeded.
    pub fn all_successful(&self) -> bool {
        self.deliveries.iter().all(Delivery::successful)
    }
}

/// The `SendMessages` request for `endpoints` and `message`.
pub fn message_request(endpoints: &[String], message: &Message) -> MessageRequest {
    let targets: HashMap<String, EndpointSendConfiguration> = endpoints
        .iter()
        .map(|id| (id.clone(), EndpointSendConfiguration::builder().build()))
        .collect();
    with_message(
        MessageRequest::builder().set_endpoints(Some(targets)),
        message,
    )
}

/// The `SendMessages` request for `(address, channel type)` pairs.
pub fn address_request(addresses: &[(String, String)], message: &Message) -> MessageRequest {
    let targets: HashMap<String, AddressConfiguration> = addresses
        .iter()
        .map(|(address, channel)| {
            (
                address.clone(),
                AddressConfiguration::builder()
                    .channel_type(ChannelType::from(channel.as_str()))
                    .build(),
            )
        })
        .collect();
    with_message(
        MessageRequest::builder().set_addresses(Some(targets)),
        message,
    )
}

fn with_message(builder: MessageRequestBuilder, message: &Message) -> MessageRequest {
    match message {
        Message::Inline { title, body } => builder
            .message_configuration(
                DirectMessageConfiguration::builder()
                    .apns_message(
                        ApnsMessage::builder()
                            .action(Action::OpenApp)
                            .set_title(title.clone())
                            .body(body)
                            .sound("default")
                            .build(),
                    )
                    .gcm_message(
                        GcmMessage::builder()
                            .action(Action::OpenApp)
                            .set_title(title.clone())
                            .body(body)
                            .sound("default")
                            .build(),
                    )
                    .default_push_notification_message(
                        DefaultPushNotificationMessage::builder()
                            .action(Action::OpenApp)
                            .set_title(title.clone())
                            .body(body)
                            .build(),
                    )
                    .build(),
            )
            .build(),
        // `MessageConfiguration` is required even when a template carries
        // the message.
        Message::Template { name } => builder
            .message_configuration(DirectMessageConfiguration::builder().build())
            .template_configuration(
                TemplateConfiguration::builder()
                    .push_template(SdkTemplate::builder().name(name).build())
                    .build(),
            )
            .build(),
    }
}

/// Sends `message` to the endpoints `endpoints` of the app `app_id` and
/// returns one [`Delivery`] per endpoint, in the order given.
pub async fn send_to_endpoints(
    client: &aws_sdk_pinpoint::Client,
    app_id: &str,
    endpoints: &[String],
    message: &Message,
) -> Result<Vec<Delivery>, ProviderError> {
    let out = Box::pin(
        client
            .send_messages()
            .application_id(app_id)
            .message_request(message_request(endpoints, message))
            .send(),
    )
    .await
    .map_err(|e| classify("SendMessages", e).error)?;
    let results = out
        .message_response()
        .and_then(|r| r.endpoint_result())
        .cloned()
        .unwrap_or_default();
    Ok(endpoints
        .iter()
        .map(|id| {
            // Endpoint ids are case-insensitive; AWS may echo another case.
            let r = results.get(id).or_else(|| {
                results
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(id))
                    .map(|(_, v)| v)
            });
            Delivery::from_sdk(id, r)
        })
        .collect())
}

/// Sends `message` to the targets' addresses (targets without an address
/// and a channel type get no result) and returns one [`Delivery`] per
/// target.
pub async fn send_to_addresses(
    client: &aws_sdk_pinpoint::Client,
    app_id: &str,
    targets: &[Target],
    message: &Message,
) -> Result<Vec<Delivery>, ProviderError> {
    let addresses: Vec<(String, String)> = targets
        .iter()
        .filter_map(|t| Some((t.address.clone()?, t.channel_type.clone()?)))
        .collect();
    let out = Box::pin(
        client
            .send_messages()
            .application_id(app_id)
            .message_request(address_request(&addresses, message))
            .send(),
    )
    .await
    .map_err(|e| classify("SendMessages", e).error)?;
    let results = out
        .message_response()
        .and_then(|r| r.result())
        .cloned()
        .unwrap_or_default();
    Ok(targets
        .iter()
        .map(|t| match &t.address {
            Some(a) if t.channel_type.is_some() => {
                Delivery::from_address_result(t, a, results.get(a))
            }
            _ => Delivery::from_sdk(&t.endpoint, None),
        })
        .collect())
}

impl AwsProvider {
    /// The id of the stack's app, found by its `reconcile:stack` tag as a
    /// plan finds it (`None` when the stack has no app).
    pub async fn stack_app_id(&self) -> Result<Option<String>, ProviderError> {
        self.find_one(&Address::singleton(Kind::App)).await?;
        Ok(self.ids.app_id())
    }

    /// Sends a test push to endpoints of the stack's app; to their
    /// addresses when AWS no longer serves endpoints (see the module docs).
    pub async fn send_test(
        &self,
        targets: &[Target],
        message: &Message,
    ) -> Result<SendReport, SendError> {
        if targets.is_empty() {
            return Err(SendError::NoEndpoints);
        }
        let app_id = self.stack_app_id().await?.ok_or_else(|| SendError::NoApp {
            stack: self.stack.clone(),
        })?;
        let ids: Vec<String> = targets.iter().map(|t| t.endpoint.clone()).collect();
        let addressable = targets
            .iter()
            .all(|t| t.address.is_some() && t.channel_type.is_some());
        // Today's AWS serves no endpoint ids: straight to the addresses.
        let by_id = if self.clients.api.serves(Kind::Endpoint) || !addressable {
            Box::pin(send_to_endpoints(self.pinpoint(), &app_id, &ids, message))
                .await
                .map_err(|e| self.retired(Kind::Endpoint, e))
        } else {
            Err(ProviderError::Unavailable(
                reconcile_model::Api::retired_note(Kind::Endpoint, "not asked"),
            ))
        };
        match by_id {
            Ok(deliveries) => Ok(SendReport {
                app_id,
                via_addresses: false,
                deliveries,
            }),
            Err(ProviderError::Unavailable(m)) if addressable => {
                tracing::info!("AWS refuses endpoint ids ({m}); sending to their addresses");
                let deliveries = Box::pin(send_to_addresses(
                    self.pinpoint(),
                    &app_id,
                    targets,
                    message,
                ))
                .await?;
                Ok(SendReport {
                    app_id,
                    via_addresses: true,
                    deliveries,
                })
            }
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inline_message_reaches_every_push_channel() {
        let req = message_request(
            &["a".to_owned(), "b".to_owned()],
            &Message::Inline {
                title: Some("Test".to_owned()),
                body: "It works".to_owned(),
            },
        );
        let m = req.message_configuration().unwrap();
        assert_eq!(m.apns_message().unwrap().body(), Some("It works"));
        assert_eq!(m.gcm_message().unwrap().title(), Some("Test"));
        assert_eq!(
            m.default_push_notification_message().unwrap().action(),
            Some(&Action::OpenApp)
        );
        assert!(req.template_configuration().is_none());
        let mut ids: Vec<&String> = req.endpoints().unwrap().keys().collect();
        ids.sort();
        assert_eq!(ids, ["a", "b"]);
    }

    #[test]
    fn a_template_message_names_the_template_only() {
        let req = message_request(
            &["a".to_owned()],
            &Message::Template {
                name: "flash-sale-template".to_owned(),
            },
        );
        let t = req
            .template_configuration()
            .unwrap()
            .push_template()
            .unwrap();
        assert_eq!(t.name(), Some("flash-sale-template"));
        assert!(
            req.message_configuration()
                .unwrap()
                .apns_message()
                .is_none()
        );
    }

    #[test]
    fn addresses_carry_their_channel_type() {
        let req = address_request(
            &[("token-1".to_owned(), "GCM".to_owned())],
            &Message::Inline {
                title: None,
                body: "x".to_owned(),
            },
        );
        let a = &req.addresses().unwrap()["token-1"];
        assert_eq!(a.channel_type(), Some(&ChannelType::Gcm));
        assert!(req.endpoints().is_none());
    }

    #[test]
    fn a_missing_result_is_a_failure() {
        let d = Delivery::from_sdk("x", None);
        assert!(!d.successful());
        assert_eq!(d.delivery_status, NO_RESULT);
    }
}
