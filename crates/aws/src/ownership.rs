//! Ownership at every write: before an update or a delete (in an apply, an
//! apply of a saved plan, a rollback or a destroy), the target is read
//! again and must carry this stack's `reconcile:stack` and `reconcile:key`
//! tags; otherwise the step is refused and the apply fails (and rolls back,
//! as for any failure).
//!
//! | kind | what is read just before the write |
//! |---|---|
//! | `app`, `segment`, `campaign`, `template` | Pinpoint `ListTagsForResource` of its ARN |
//! | `iam_role` | IAM `GetRole` (its tags; [`AwsProvider::get_role`], as a plan reads it) |
//! | `kinesis_stream` | Kinesis `ListTagsForStream` |
//! | `alarm` | CloudWatch `ListTagsForResource` |
//! | `app_settings`, `channel`, `endpoint`, `event_stream` | untaggable: they belong to the app, whose tags are read |
//!
//! A step that adopts a resource (`--adopt`, reviewed in the plan) may
//! write to one that carries no stack's tags, never to another stack's.
//! A resource that is gone by the time of a delete needs no delete (the
//! executor counts it done); one gone before an update is an error.
//!
//! The plan's read found these resources by the same tags, so this costs
//! one read per write and matters when something changed between the read
//! and the write: a journal's before-image rolled back after another stack
//! took the resource over, a retagged resource, a registry filled from an
//! earlier read.

use std::collections::BTreeMap;

use reconcile_engine::{Action, ProviderError};
use reconcile_model::{Address, Kind};

use crate::errors::classify;
use crate::iam::role_tags;
use crate::provider::AwsProvider;
use crate::tags::{self, Owner, owner};

impl AwsProvider {
    /// Refuses a write of `action` to `address` unless the live resource
    /// is this stack's (or, with `adopt`, nobody's). See the module docs.
    pub(crate) async fn ensure_owned(
        &self,
        address: &Address,
        action: Action,
        adopt: bool,
    ) -> Result<(), ProviderError> {
        let in_app = !address.kind.has_own_tags();
        let target = if in_app {
            Address::singleton(Kind::App)
        } else {
            address.clone()
        };
        let Some(tags) = self.live_tags(&target).await? else {
            return Err(ProviderError::NotFound(address.clone()));
        };
        match owner(&tags, &self.stack) {
            Owner::Stack(a) if a == target => Ok(()),
            Owner::Unowned if adopt => Ok(()),
            o => {
                let whose = match o {
                    Owner::Stack(a) => format!("this stack's `{a}`"),
                    Owner::OtherStack(s) => format!("stack `{s}`'s"),
                    Owner::Unowned => "no stack's".to_owned(),
                };
                let what = if in_app {
                    format!("its app is {whose}")
                } else {
                    format!("it is {whose}")
                };
                Err(ProviderError::Rejected {
                    code: "NotOwned".to_owned(),
                    message: format!(
                        "refusing to {} `{address}`: {what}, not this stack's (`reconcile:stack={}`); nothing was sent",
                        action.as_str(),
                        self.stack
                    ),
                })
            }
        }
    }

    /// The tags of the live resource at `address` (a taggable kind), or
    /// `None` when it is gone.
    async fn live_tags(
        &self,
        address: &Address,
    ) -> Result<Option<BTreeMap<String, String>>, ProviderError> {
        let (arn, name) = {
            let reg = self.ids.lock();
            let arn = if address.kind == Kind::App {
                reg.app.as_ref().map(|a| a.arn.clone())
            } else {
                reg.arns.get(address).cloned()
            };
            (arn, reg.names.get(address).cloned())
        };
        let unknown = || {
            ProviderError::Other(format!(
                "cannot check that `{address}` is this stack's: it was not found by its tags when the account was read"
            ))
        };
        match address.kind {
            Kind::App | Kind::Segment | Kind::Campaign | Kind::Template => {
                let arn = arn.ok_or_else(unknown)?;
                let _slot = self.permit().await;
                match self
                    .pinpoint()
                    .list_tags_for_resource()
                    .resource_arn(&arn)
                    .send()
                    .await
                {
                    Ok(out) => Ok(Some(
                        out.tags_model()
                            .map(|t| tags::from_hash(t.tags()))
                            .unwrap_or_default(),
                    )),
                    Err(e) => {
                        let c = classify(&format!("ListTagsForResource `{arn}`"), e);
                        if c.is_not_found() {
                            Ok(None)
                        } else {
                            Err(c.error)
                        }
                    }
                }
            }
            Kind::IamRole => {
                let name = name.ok_or_else(unknown)?;
                Ok(self.get_role(&name).await?.as_ref().map(role_tags))
            }
            Kind::KinesisStream => {
                let name = name.ok_or_else(unknown)?;
                let _slot = self.permit().await;
                self.stream_tags(&name).await
            }
            Kind::Alarm => {
                let arn = arn.ok_or_else(unknown)?;
                // Paced without a read slot, as the plan's reads of alarm
                // tags are (see `crate::provider::read_rates`).
                self.pace_read("alarm-tags-read").await;
                self.alarm_tags(&arn).await
            }
            Kind::AppSettings | Kind::Channel | Kind::Endpoint | Kind::EventStream => {
                Err(ProviderError::Other(format!(
                    "`{address}` has no tags of its own; its app's are read"
                )))
            }
        }
    }
}
