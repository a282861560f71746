//! CloudWatch alarms on the app's metrics. `PutMetricAlarm` creates and
//! replaces an alarm's configuration (with the `ApplicationId` dimension
//! filled in from the app's id); it ignores `Tags` on an existing alarm, so
//! tag changes go through `TagResource`/`UntagResource`.
//!
//! Alarms are read with one `DescribeAlarms` for up to 100 names (the
//! spec's and the index's) plus `ListTagsForResource` per alarm (tags are
//! part of the resource, and ownership is read from them).

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, MetricAlarm, Statistic, Tag};
use reconcile_engine::ProviderError;
use reconcile_model::spec::Alarm;
use reconcile_model::{Address, Kind, Resource, alarm_resource};
use serde_json::Value;

use crate::create::Creating;
use crate::errors::classify;
use crate::mapping::{api_i32, wire_name};
use crate::provider::{AwsProvider, name_of, typed};
use crate::tags::{ownership_tags, tag_changes, user_tags};

/// The dimension that names the app.
pub const APP_DIMENSION: &str = "ApplicationId";
/// Most names one `DescribeAlarms` takes.
const NAMES_PER_CALL: usize = 100;

/// An alarm as read.
#[derive(Debug, Clone)]
pub struct AlarmRead {
    pub alarm: MetricAlarm,
    pub tags: BTreeMap<String, String>,
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(Value::String(s.to_owned())).ok()
}

/// A live alarm as a resource (`None` for an alarm the spec model cannot
/// describe, such as a metric-math alarm).
pub fn alarm_from_sdk(key: &str, r: &AlarmRead) -> Option<Resource> {
    let a = &r.alarm;
    let alarm = Alarm {
        name: a.alarm_name()?.to_owned(),
        description: a.alarm_description().map(ToOwned::to_owned),
        metric_name: a.metric_name()?.to_owned(),
        namespace: a.namespace().unwrap_or_default().to_owned(),
        statistic: parse(a.statistic()?.as_str())?,
        period: u32::try_from(a.period()?).ok()?,
        threshold: a.threshold()?,
        comparison_operator: parse(a.comparison_operator()?.as_str())?,
        evaluation_periods: u32::try_from(a.evaluation_periods()?).ok()?,
        datapoints_to_alarm: a.datapoints_to_alarm().and_then(|d| u32::try_from(d).ok()),
        treat_missing_data: a.treat_missing_data().and_then(parse).unwrap_or_default(),
        actions_enabled: a.actions_enabled().unwrap_or(true),
        alarm_actions: a.alarm_actions().to_vec(),
        ok_actions: a.ok_actions().to_vec(),
        insufficient_data_actions: a.insufficient_data_actions().to_vec(),
        dimensions: a
            .dimensions()
            .iter()
            .filter_map(|d| Some((d.name()?.to_owned(), d.value()?.to_owned())))
            .collect(),
        tags: user_tags(&r.tags),
    };
    Some(alarm_resource(key, &alarm))
}

fn cw_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

impl AwsProvider {
    /// Reads the alarms with these names (missing ones are left out).
    pub(crate) async fn read_alarms(
        &self,
        names: &[String],
    ) -> Result<Vec<AlarmRead>, ProviderError> {
        let mut alarms = Vec::new();
        for chunk in names.chunks(NAMES_PER_CALL) {
            let mut token = None;
            loop {
                let _slot = self.permit().await;
                let out = self
                    .clients
                    .cloudwatch
                    .describe_alarms()
                    .set_alarm_names(Some(chunk.to_vec()))
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|e| classify("DescribeAlarms", e).error)?;
                alarms.extend(out.metric_alarms().iter().cloned());
                match out.next_token() {
                    Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                    _ => break,
                }
            }
        }
        let tagged = futures_util::future::join_all(alarms.into_iter().map(|alarm| async move {
            let tags = match alarm.alarm_arn() {
                Some(arn) => {
                    // Paced (20/s), without a read slot, like endpoint reads.
                    self.pace_read("alarm-tags-read").await;
                    self.alarm_tags(arn).await?.unwrap_or_default()
                }
                None => BTreeMap::new(),
            };
            Ok::<_, ProviderError>(AlarmRead { alarm, tags })
        }))
        .await;
        tagged.into_iter().collect()
    }

    /// An alarm's tags; `None` when the alarm is gone.
    pub(crate) async fn alarm_tags(
        &self,
        arn: &str,
    ) -> Result<Option<BTreeMap<String, String>>, ProviderError> {
        match self
            .clients
            .cloudwatch
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
        {
            Ok(out) => Ok(Some(
                out.tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                    .collect(),
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

    /// The ARN of an alarm: recorded, or built from the account.
    fn alarm_arn(&self, address: &Address, name: &str) -> Option<String> {
        let reg = self.ids.lock();
        reg.arns.get(address).cloned().or_else(|| {
            reg.account.as_ref().map(|account| {
                format!(
                    "arn:aws:cloudwatch:{}:{account}:alarm:{name}",
                    self.clients.region
                )
            })
        })
    }

    /// Creates or updates an alarm (`PutMetricAlarm` replaces the whole
    /// configuration), then converges its tags.
    pub(crate) async fn put_alarm(
        &self,
        address: &Address,
        before: Option<&Resource>,
        after: &Resource,
        create: bool,
        adopt: bool,
    ) -> Result<Resource, ProviderError> {
        let app_id = self.require_app(address)?;
        // `PutMetricAlarm` both creates and updates: every put runs the
        // create preamble (the name recorded and indexed, the tags a
        // create sends).
        let Creating {
            spec: a,
            tags: create_tags,
        } = self.creating::<Alarm>(address, after).await?;
        let mut dimensions: Vec<Dimension> = vec![
            Dimension::builder()
                .name(APP_DIMENSION)
                .value(&app_id)
                .build(),
        ];
        dimensions.extend(
            a.dimensions
                .iter()
                .filter(|(k, _)| k.as_str() != APP_DIMENSION)
                .map(|(k, v)| Dimension::builder().name(k).value(v).build()),
        );
        let cw = &self.clients.cloudwatch;
        cw.put_metric_alarm()
            .alarm_name(&a.name)
            .set_alarm_description(a.description.clone())
            .actions_enabled(a.actions_enabled)
            .set_alarm_actions(Some(a.alarm_actions.clone()))
            .set_ok_actions(Some(a.ok_actions.clone()))
            .set_insufficient_data_actions(Some(a.insufficient_data_actions.clone()))
            .metric_name(&a.metric_name)
            .namespace(&a.namespace)
            .statistic(Statistic::from(wire_name(&a.statistic).as_str()))
            .set_dimensions(Some(dimensions))
            .period(api_i32("period", a.period)?)
            .evaluation_periods(api_i32("evaluation_periods", a.evaluation_periods)?)
            .set_datapoints_to_alarm(
                a.datapoints_to_alarm
                    .map(|d| api_i32("datapoints_to_alarm", d))
                    .transpose()?,
            )
            .threshold(a.threshold)
            .comparison_operator(ComparisonOperator::from(
                wire_name(&a.comparison_operator).as_str(),
            ))
            .treat_missing_data(wire_name(&a.treat_missing_data))
            .set_tags(create.then(|| cw_tags(&create_tags)))
            .send()
            .await
            .map_err(|e| classify(&format!("PutMetricAlarm `{}`", a.name), e).error)?;
        if !create {
            let had: Option<Alarm> = before.map(typed).transpose()?;
            let had_tags = had.map(|h| h.tags).unwrap_or_default();
            let (mut set, remove) = tag_changes(&had_tags, &a.tags);
            if adopt {
                set.extend(ownership_tags(&self.stack, address));
            }
            if !set.is_empty() || !remove.is_empty() {
                let arn = self.alarm_arn(address, &a.name).ok_or_else(|| {
                    ProviderError::Other(format!("the ARN of alarm `{}` is not known", a.name))
                })?;
                if !set.is_empty() {
                    cw.tag_resource()
                        .resource_arn(&arn)
                        .set_tags(Some(cw_tags(&set)))
                        .send()
                        .await
                        .map_err(|e| classify(&format!("TagResource `{arn}`"), e).error)?;
                }
                if !remove.is_empty() {
                    cw.untag_resource()
                        .resource_arn(&arn)
                        .set_tag_keys(Some(remove))
                        .send()
                        .await
                        .map_err(|e| classify(&format!("UntagResource `{arn}`"), e).error)?;
                }
            }
        }
        if let Some(arn) = self.alarm_arn(address, &a.name) {
            self.ids.lock().arns.insert(address.clone(), arn);
        }
        Ok(alarm_resource(&address.key, &a))
    }

    /// Deletes an alarm. `DeleteAlarms` succeeds for names that do not
    /// exist, so a missing alarm is not reported.
    pub(crate) async fn delete_alarm(
        &self,
        address: &Address,
        before: Option<&Resource>,
    ) -> Result<(), ProviderError> {
        let name = before
            .and_then(name_of)
            .map(ToOwned::to_owned)
            .or_else(|| self.ids.lock().names.get(address).cloned())
            .ok_or_else(|| ProviderError::NotFound(address.clone()))?;
        self.clients
            .cloudwatch
            .delete_alarms()
            .alarm_names(&name)
            .send()
            .await
            .map_err(|e| classify(&format!("DeleteAlarms `{name}`"), e).error)?;
        self.ids.lock().arns.remove(address);
        self.index_remove(Kind::Alarm, &name).await
    }
}
