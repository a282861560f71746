//! The app's event stream: which Kinesis stream Pinpoint writes events to,
//! through which role.
//!
//! A role that was just created takes a while to reach every IAM endpoint;
//! until then `PutEventStream` answers 400 "...make sure the IAM Role is
//! configured correctly". The provider retries that answer with backoff for
//! [`ProviderOptions::role_propagation_wait`](crate::ProviderOptions).

use std::time::{Duration, Instant};

use aws_sdk_pinpoint::types::{EventStream as SdkEventStream, WriteEventStream};
use reconcile_engine::ProviderError;
use reconcile_model::resources::is_arn;
use reconcile_model::spec::EventStream;
use reconcile_model::{Address, Kind, Resource, event_stream_resource};

use crate::errors::classify;
use crate::ids::Registry;
use crate::provider::{AwsProvider, typed};

/// The substring of AWS's answer while a new role propagates.
pub const ROLE_NOT_READY: &str = "make sure the IAM Role is configured correctly";

/// A live event stream as a resource: ARNs of the stack's own stream and
/// role become their spec keys, others stay ARNs.
pub fn event_stream_from_sdk(s: &SdkEventStream, reg: &Registry) -> Resource {
    let stream = s.destination_stream_arn().unwrap_or_default();
    let role = s.role_arn().unwrap_or_default();
    event_stream_resource(&EventStream {
        stream: reg
            .address_of_arn(Kind::KinesisStream, stream)
            .map_or_else(|| stream.to_owned(), |a| a.key),
        role: reg
            .address_of_arn(Kind::IamRole, role)
            .map_or_else(|| role.to_owned(), |a| a.key),
    })
}

impl AwsProvider {
    /// The app's event stream (`None` when it has none).
    pub(crate) async fn read_event_stream(
        &self,
        app_id: &str,
    ) -> Result<Option<SdkEventStream>, ProviderError> {
        let _slot = self.permit().await;
        match self
            .pinpoint()
            .get_event_stream()
            .application_id(app_id)
            .send()
            .await
        {
            Ok(out) => Ok(out.event_stream().cloned()),
            Err(e) => {
                let c = classify("GetEventStream", e);
                if c.is_absent(self.clients.api, Kind::EventStream) {
                    Ok(None)
                } else {
                    Err(c.error)
                }
            }
        }
    }

    /// The ARN an event stream's `stream`/`role` stands for.
    fn resolve_arn(&self, kind: Kind, value: &str) -> Result<String, ProviderError> {
        if is_arn(value) {
            return Ok(value.to_owned());
        }
        let address = Address::new(kind, value);
        let reg = self.ids.lock();
        if let Some(arn) = reg.arns.get(&address) {
            return Ok(arn.clone());
        }
        let built = match (reg.names.get(&address), reg.account.as_deref()) {
            (Some(name), Some(account)) if kind == Kind::KinesisStream => Some(format!(
                "arn:aws:kinesis:{}:{account}:stream/{name}",
                self.clients.region
            )),
            _ => None,
        };
        built.ok_or_else(|| {
            ProviderError::Other(format!(
                "the event stream names `{address}`, whose ARN is not known (it does not exist or was not read)"
            ))
        })
    }

    /// Sets the event stream (`PutEventStream` is an upsert), retrying
    /// while IAM propagates a new role.
    pub(crate) async fn put_event_stream(
        &self,
        after: &Resource,
    ) -> Result<Resource, ProviderError> {
        let app_id = self.require_app(&after.address)?;
        let es: EventStream = typed(after)?;
        let stream_arn = self.resolve_arn(Kind::KinesisStream, &es.stream)?;
        let role_arn = self.resolve_arn(Kind::IamRole, &es.role)?;
        let started = Instant::now();
        let mut delay = Duration::from_millis(500);
        let out = loop {
            let req = WriteEventStream::builder()
                .destination_stream_arn(&stream_arn)
                .role_arn(&role_arn)
                .build();
            match self
                .pinpoint()
                .put_event_stream()
                .application_id(&app_id)
                .write_event_stream(req)
                .send()
                .await
            {
                Ok(out) => break out,
                Err(e) => {
                    let c = classify("PutEventStream", e);
                    let waiting = c.code.as_deref() == Some("BadRequestException")
                        && c.message.contains(ROLE_NOT_READY);
                    let left = self
                        .opts
                        .role_propagation_wait
                        .saturating_sub(started.elapsed());
                    if !waiting || left.is_zero() {
                        return Err(c.error);
                    }
                    tracing::info!(
                        role = %role_arn,
                        "Pinpoint cannot use the role yet (IAM propagation); retrying"
                    );
                    tokio::time::sleep(delay.min(left)).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
            }
        };
        let reg = self.ids.lock();
        Ok(out.event_stream().map_or_else(
            || event_stream_resource(&es),
            |s| event_stream_from_sdk(s, &reg),
        ))
    }

    pub(crate) async fn delete_event_stream(&self, address: &Address) -> Result<(), ProviderError> {
        let app_id = self.require_app(address)?;
        match self
            .pinpoint()
            .delete_event_stream()
            .application_id(&app_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let c = classify("DeleteEventStream", e);
                if c.is_not_found() {
                    Err(ProviderError::NotFound(address.clone()))
                } else {
                    Err(c.error)
                }
            }
        }
    }
}
