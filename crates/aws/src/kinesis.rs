//! Kinesis data streams: read with `DescribeStreamSummary` and
//! `ListTagsForStream` (in parallel); created with their tags, then waited
//! for until `ACTIVE` (a stream cannot take writes, retention changes or an
//! event stream before).

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use aws_sdk_kinesis::types::{
    ScalingType, StreamDescriptionSummary, StreamMode as SdkMode, StreamModeDetails, StreamStatus,
};
use reconcile_engine::ProviderError;
use reconcile_model::spec::{KinesisStream, StreamMode};
use reconcile_model::{Address, Kind, Resource, kinesis_stream_resource};

use crate::create::Creating;
use crate::errors::{caused, classify};
use crate::mapping::api_i32;
use crate::provider::{AwsProvider, name_of, typed};
use crate::tags::{ownership_tags, tag_changes, user_tags};

/// A stream as read.
#[derive(Debug, Clone)]
pub struct StreamRead {
    pub summary: StreamDescriptionSummary,
    pub tags: BTreeMap<String, String>,
}

/// A live stream as a resource.
pub fn stream_resource(key: &str, s: &StreamRead) -> Resource {
    let mode = match s
        .summary
        .stream_mode_details()
        .map(StreamModeDetails::stream_mode)
    {
        Some(SdkMode::OnDemand) => StreamMode::OnDemand,
        _ => StreamMode::Provisioned,
    };
    kinesis_stream_resource(
        key,
        &KinesisStream {
            name: s.summary.stream_name().to_owned(),
            shard_count: (mode == StreamMode::Provisioned)
                .then(|| u32::try_from(s.summary.open_shard_count()).unwrap_or(0)),
            retention_period_hours: u32::try_from(s.summary.retention_period_hours()).unwrap_or(0),
            stream_mode: mode,
            tags: user_tags(&s.tags),
        },
    )
}

fn sdk_mode(mode: StreamMode) -> Result<StreamModeDetails, ProviderError> {
    StreamModeDetails::builder()
        .stream_mode(match mode {
            StreamMode::Provisioned => SdkMode::Provisioned,
            StreamMode::OnDemand => SdkMode::OnDemand,
        })
        .build()
        .map_err(|e| caused(format!("StreamModeDetails: {e}"), e))
}

impl AwsProvider {
    /// Reads a stream by name (`None` when there is none).
    pub(crate) async fn read_stream(
        &self,
        name: &str,
    ) -> Result<Option<StreamRead>, ProviderError> {
        let (summary, tags) = tokio::join!(
            async {
                let _slot = self.permit().await;
                self.describe_stream(name).await
            },
            async {
                let _slot = self.permit().await;
                self.stream_tags(name).await
            }
        );
        let Some(summary) = summary? else {
            return Ok(None);
        };
        Ok(Some(StreamRead {
            summary,
            tags: tags?.unwrap_or_default(),
        }))
    }

    async fn describe_stream(
        &self,
        name: &str,
    ) -> Result<Option<StreamDescriptionSummary>, ProviderError> {
        match self
            .clients
            .kinesis
            .describe_stream_summary()
            .stream_name(name)
            .send()
            .await
        {
            Ok(out) => Ok(out.stream_description_summary().cloned()),
            Err(e) => {
                let c = classify(&format!("DescribeStreamSummary `{name}`"), e);
                if c.is_not_found() {
                    Ok(None)
                } else {
                    Err(c.error)
                }
            }
        }
    }

    pub(crate) async fn stream_tags(
        &self,
        name: &str,
    ) -> Result<Option<BTreeMap<String, String>>, ProviderError> {
        let mut tags = BTreeMap::new();
        let mut start: Option<String> = None;
        loop {
            let out = match self
                .clients
                .kinesis
                .list_tags_for_stream()
                .stream_name(name)
                .set_exclusive_start_tag_key(start.take())
                .send()
                .await
            {
                Ok(out) => out,
                Err(e) => {
                    let c = classify(&format!("ListTagsForStream `{name}`"), e);
                    if c.is_not_found() {
                        return Ok(None);
                    }
                    return Err(c.error);
                }
            };
            for t in out.tags() {
                tags.insert(t.key().to_owned(), t.value().unwrap_or_default().to_owned());
            }
            match out.tags().last() {
                Some(last) if out.has_more_tags() => start = Some(last.key().to_owned()),
                _ => break,
            }
        }
        Ok(Some(tags))
    }

    /// Polls until the stream is `ACTIVE`, with backoff, for at most
    /// [`ProviderOptions::stream_active_wait`](crate::ProviderOptions).
    async fn wait_active(&self, name: &str) -> Result<StreamDescriptionSummary, ProviderError> {
        // Every 200 ms for the first two seconds (a stream of the emulator is
        // ACTIVE after one; the poll's overshoot is what an apply waits on),
        // then backing off to every 2 s (AWS takes tens of seconds).
        let started = Instant::now();
        let mut delay = Duration::from_millis(200);
        loop {
            if let Some(s) = self.describe_stream(name).await?
                && *s.stream_status() == StreamStatus::Active
            {
                return Ok(s);
            }
            let left = self
                .opts
                .stream_active_wait
                .saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(ProviderError::Other(format!(
                    "Kinesis stream `{name}` did not become ACTIVE within {:?}",
                    self.opts.stream_active_wait
                )));
            }
            tokio::time::sleep(delay.min(left)).await;
            if started.elapsed() >= Duration::from_secs(2) {
                delay = (delay * 2).min(Duration::from_secs(2));
            }
        }
    }

    /// Creates a stream with its tags and waits until it is `ACTIVE`.
    pub(crate) async fn create_stream(
        &self,
        address: &Address,
        after: &Resource,
    ) -> Result<Resource, ProviderError> {
        let Creating { spec: s, tags } = self.creating::<KinesisStream>(address, after).await?;
        let shards = match s.stream_mode {
            StreamMode::Provisioned => Some(api_i32("shard_count", s.shard_count.unwrap_or(1))?),
            StreamMode::OnDemand => None,
        };
        self.clients
            .kinesis
            .create_stream()
            .stream_name(&s.name)
            .set_shard_count(shards)
            .stream_mode_details(sdk_mode(s.stream_mode)?)
            .set_tags(Some(tags.into_iter().collect::<HashMap<_, _>>()))
            .customize()
            .config_override(crate::connect::kinesis_once())
            .send()
            .await
            .map_err(|e| classify(&format!("CreateStream `{}`", s.name), e).error)?;
        let mut summary = self.wait_active(&s.name).await?;
        let hours = api_i32("retention_period_hours", s.retention_period_hours)?;
        if summary.retention_period_hours() < hours {
            self.clients
                .kinesis
                .increase_stream_retention_period()
                .stream_name(&s.name)
                .retention_period_hours(hours)
                .send()
                .await
                .map_err(|e| {
                    classify(&format!("IncreaseStreamRetentionPeriod `{}`", s.name), e).error
                })?;
            summary.retention_period_hours = hours;
        }
        {
            let mut reg = self.ids.lock();
            reg.learn_account(summary.stream_arn());
            reg.arns
                .insert(address.clone(), summary.stream_arn().to_owned());
        }
        Ok(kinesis_stream_resource(&address.key, &s))
    }

    /// Converges retention, capacity mode, shard count and tags.
    pub(crate) async fn update_stream(
        &self,
        address: &Address,
        before: Option<&Resource>,
        after: &Resource,
        adopt: bool,
    ) -> Result<Resource, ProviderError> {
        let want: KinesisStream = typed(after)?;
        let have: Option<KinesisStream> = before.map(typed).transpose()?;
        let name = want.name.as_str();
        let k = &self.clients.kinesis;
        if adopt {
            k.add_tags_to_stream()
                .stream_name(name)
                .set_tags(Some(
                    ownership_tags(&self.stack, address).into_iter().collect(),
                ))
                .send()
                .await
                .map_err(|e| classify(&format!("AddTagsToStream `{name}`"), e).error)?;
            self.index_add(Kind::KinesisStream, name).await?;
        }
        let hours = api_i32("retention_period_hours", want.retention_period_hours)?;
        let had_hours = have.as_ref().map(|h| h.retention_period_hours);
        if had_hours != Some(want.retention_period_hours) {
            let increase = had_hours.is_none_or(|h| h < want.retention_period_hours);
            let r = if increase {
                k.increase_stream_retention_period()
                    .stream_name(name)
                    .retention_period_hours(hours)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| classify(&format!("IncreaseStreamRetentionPeriod `{name}`"), e))
            } else {
                k.decrease_stream_retention_period()
                    .stream_name(name)
                    .retention_period_hours(hours)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| classify(&format!("DecreaseStreamRetentionPeriod `{name}`"), e))
            };
            r.map_err(|c| c.error)?;
        }
        let mut wait = false;
        if have
            .as_ref()
            .is_some_and(|h| h.stream_mode != want.stream_mode)
        {
            let arn = self.stream_arn(address, name).await?;
            k.update_stream_mode()
                .stream_arn(arn)
                .stream_mode_details(sdk_mode(want.stream_mode)?)
                .send()
                .await
                .map_err(|e| classify(&format!("UpdateStreamMode `{name}`"), e).error)?;
            self.wait_active(name).await?;
        }
        if want.stream_mode == StreamMode::Provisioned
            && have.as_ref().and_then(|h| h.shard_count) != want.shard_count
            && let Some(n) = want.shard_count
        {
            k.update_shard_count()
                .stream_name(name)
                .target_shard_count(api_i32("shard_count", n)?)
                .scaling_type(ScalingType::UniformScaling)
                .send()
                .await
                .map_err(|e| classify(&format!("UpdateShardCount `{name}`"), e).error)?;
            wait = true;
        }
        let had_tags = have.as_ref().map(|h| h.tags.clone()).unwrap_or_default();
        let (set, remove) = tag_changes(&had_tags, &want.tags);
        if !set.is_empty() {
            k.add_tags_to_stream()
                .stream_name(name)
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await
                .map_err(|e| classify(&format!("AddTagsToStream `{name}`"), e).error)?;
        }
        if !remove.is_empty() {
            k.remove_tags_from_stream()
                .stream_name(name)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .map_err(|e| classify(&format!("RemoveTagsFromStream `{name}`"), e).error)?;
        }
        if wait {
            self.wait_active(name).await?;
        }
        Ok(kinesis_stream_resource(&address.key, &want))
    }

    async fn stream_arn(&self, address: &Address, name: &str) -> Result<String, ProviderError> {
        if let Some(arn) = self.ids.lock().arns.get(address).cloned() {
            return Ok(arn);
        }
        self.describe_stream(name)
            .await?
            .map(|s| s.stream_arn().to_owned())
            .ok_or_else(|| ProviderError::NotFound(address.clone()))
    }

    pub(crate) async fn delete_stream(
        &self,
        address: &Address,
        before: Option<&Resource>,
    ) -> Result<(), ProviderError> {
        let name = before
            .and_then(name_of)
            .map(ToOwned::to_owned)
            .or_else(|| self.ids.lock().names.get(address).cloned())
            .ok_or_else(|| ProviderError::NotFound(address.clone()))?;
        let mut waited = false;
        let existed = loop {
            match self
                .clients
                .kinesis
                .delete_stream()
                .stream_name(&name)
                .send()
                .await
            {
                Ok(_) => break true,
                Err(e) => {
                    let c = classify(&format!("DeleteStream `{name}`"), e);
                    if c.is_not_found() {
                        break false;
                    }
                    // Only an ACTIVE stream can be deleted: one still
                    // CREATING (an apply stopped while it waited, then
                    // rolled back) or UPDATING is waited for first.
                    if !waited && c.code.as_deref() == Some("ResourceInUseException") {
                        waited = true;
                        self.wait_active(&name).await?;
                        continue;
                    }
                    return Err(c.error);
                }
            }
        };
        self.ids.lock().arns.remove(address);
        self.index_remove(Kind::KinesisStream, &name).await?;
        if existed {
            Ok(())
        } else {
            Err(ProviderError::NotFound(address.clone()))
        }
    }
}
