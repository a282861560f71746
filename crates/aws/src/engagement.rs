//! Orchestration of the three rich Pinpoint kinds (segments, push templates,
//! campaigns) over the SDK mappings of [`crate::segments`],
//! [`crate::templates`] and [`crate::campaigns`]: spec keys to server ids
//! and names through the registry, ownership tags on create, tag changes
//! through `TagResource` (the `Update*` calls ignore tags), the template
//! index in the app's tags.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_pinpoint::types::{CampaignResponse, SegmentResponse};
use reconcile_engine::ProviderError;
use reconcile_model::spec::{Campaign, Segment, SegmentVersion, Template};
use reconcile_model::{
    Address, Kind, Resource, campaign_resource, segment_resource, template_resource,
};

use crate::app::retag_pinpoint;
use crate::campaigns::{self, CampaignTargets, SegmentVersionContext};
use crate::create::Creating;
use crate::errors::{caused, classify};
use crate::ids::Registry;
use crate::provider::{AwsProvider, name_of, typed};
use crate::tags::{ownership_tags, tag_changes};
use crate::templates;
use crate::{mapping, segments};

/// A live segment as a resource, its source segments named by key.
pub fn segment_live(key: &str, resp: &SegmentResponse, reg: &Registry) -> Resource {
    let seg = segments::segment_from_sdk(resp, &|id| {
        reg.address_of_id(Kind::Segment, id).map(|a| a.key)
    });
    segment_resource(key, &seg)
}

/// A live campaign as a resource: segment ids and template names become
/// keys, `segment_version` folds to `latest` as [`campaigns`] explains.
pub fn campaign_live(
    key: &str,
    resp: &CampaignResponse,
    reg: &Registry,
    desired: Option<SegmentVersion>,
) -> Resource {
    let current = resp
        .segment_id()
        .and_then(|id| reg.address_of_id(Kind::Segment, id))
        .and_then(|a| reg.segment_versions.get(&a).copied());
    let c = campaigns::campaign_from_sdk(
        resp,
        &|id| reg.address_of_id(Kind::Segment, id).map(|a| a.key),
        &|name| reg.address_of_name(Kind::Template, name).map(|a| a.key),
        SegmentVersionContext { current, desired },
    );
    campaign_resource(key, &c)
}

/// The `segment_version` a campaign resource asks for.
pub fn desired_segment_version(r: &Resource) -> Option<SegmentVersion> {
    r.attrs
        .get("segment_version")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

/// The error of a call that succeeded without the body it promises: the
/// outcome is unknown to the caller.
fn no_body(what: &str) -> ProviderError {
    mapping::no_body(what).error
}

fn hash(tags: BTreeMap<String, String>) -> Option<HashMap<String, String>> {
    Some(tags.into_iter().collect())
}

impl AwsProvider {
    fn record_segment(&self, address: &Address, resp: &SegmentResponse) {
        let mut reg = self.ids.lock();
        if let Some(id) = resp.id() {
            reg.ids.insert(address.clone(), id.to_owned());
        }
        if let Some(arn) = resp.arn() {
            reg.learn_account(arn);
            reg.arns.insert(address.clone(), arn.to_owned());
        }
        if let Some(v) = resp.version() {
            reg.segment_versions.insert(address.clone(), v);
        }
    }

    fn record_campaign(&self, address: &Address, resp: &CampaignResponse) {
        let mut reg = self.ids.lock();
        if let Some(id) = resp.id() {
            reg.ids.insert(address.clone(), id.to_owned());
        }
        if let Some(arn) = resp.arn() {
            reg.arns.insert(address.clone(), arn.to_owned());
        }
    }

    fn id_of(&self, address: &Address) -> Result<String, ProviderError> {
        self.ids
            .lock()
            .ids
            .get(address)
            .cloned()
            .ok_or_else(|| ProviderError::NotFound(address.clone()))
    }

    /// Sets the user's tags of a Pinpoint resource from `before` to `after`
    /// (and the ownership tags when adopting).
    async fn retag(
        &self,
        address: &Address,
        arn: Option<String>,
        before: &BTreeMap<String, String>,
        after: &BTreeMap<String, String>,
        adopt: bool,
    ) -> Result<(), ProviderError> {
        let (mut set, remove) = tag_changes(before, after);
        if adopt {
            set.extend(ownership_tags(&self.stack, address));
        }
        if set.is_empty() && remove.is_empty() {
            return Ok(());
        }
        let arn = arn.ok_or_else(|| {
            ProviderError::Other(format!(
                "the ARN of `{address}` is not known; cannot tag it"
            ))
        })?;
        retag_pinpoint(self.pinpoint(), &arn, set, remove).await
    }

    fn segment_id_lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        move |key| {
            self.ids
                .lock()
                .ids
                .get(&Address::new(Kind::Segment, key))
                .cloned()
        }
    }

    pub(crate) async fn create_segment(
        &self,
        address: &Address,
        after: &Resource,
    ) -> Result<Resource, ProviderError> {
        let app_id = self.require_app(address)?;
        let Creating { spec: seg, tags } = self.creating::<Segment>(address, after).await?;
        let req = {
            let lookup = self.segment_id_lookup();
            segments::write_segment_request(&seg, &lookup, hash(tags))
                .map_err(|e| caused(format!("`{address}`: {e}"), e))?
        };
        let what = format!("CreateSegment `{}`", seg.name);
        let out = self
            .pinpoint()
            .create_segment()
            .application_id(&app_id)
            .write_segment_request(req)
            .customize()
            .config_override(crate::connect::pinpoint_once())
            .send()
            .await
            .map_err(|e| classify(&what, e).error)?;
        let resp = out
            .segment_response()
            .cloned()
            .ok_or_else(|| no_body(&what))?;
        self.record_segment(address, &resp);
        Ok(segment_live(&address.key, &resp, &self.ids.lock()))
    }

    pub(crate) async fn update_segment(
        &self,
        address: &Address,
        before: Option<&Resource>,
        after: &Resource,
        adopt: bool,
    ) -> Result<Resource, ProviderError> {
        let app_id = self.require_app(address)?;
        let id = self.id_of(address)?;
        let seg: Segment = typed(after)?;
        let had: Option<Segment> = before.map(typed).transpose()?;
        let content_changed = had.as_ref().is_none_or(|h| {
            let mut h = h.clone();
            h.tags.clone_from(&seg.tags);
            h != seg
        });
        // A new segment version only when the criteria change: every
        // version bump makes campaigns on `latest` out of date.
        if content_changed {
            // UpdateSegment ignores tags; they follow below.
            let req = {
                let lookup = self.segment_id_lookup();
                segments::write_segment_request(&seg, &lookup, None)
                    .map_err(|e| caused(format!("`{address}`: {e}"), e))?
            };
            let what = format!("UpdateSegment `{id}`");
            let out = self
                .pinpoint()
                .update_segment()
                .application_id(&app_id)
                .segment_id(&id)
                .write_segment_request(req)
                .send()
                .await
                .map_err(|e| classify(&what, e).error)?;
            let resp = out
                .segment_response()
                .cloned()
                .ok_or_else(|| no_body(&what))?;
            self.record_segment(address, &resp);
        }
        let arn = self.ids.lock().arns.get(address).cloned();
        let had_tags = had.map(|h| h.tags).unwrap_or_default();
        self.retag(address, arn, &had_tags, &seg.tags, adopt)
            .await?;
        Ok(segment_resource(&address.key, &seg))
    }

    pub(crate) async fn delete_segment(&self, address: &Address) -> Result<(), ProviderError> {
        let app_id = self.require_app(address)?;
        let id = self.id_of(address)?;
        let gone = segments::delete_segment(self.pinpoint(), &app_id, &id)
            .await
            .map_err(|c| c.error)?;
        {
            let mut reg = self.ids.lock();
            reg.ids.remove(address);
            reg.segment_versions.remove(address);
        }
        match gone {
            Some(_) => Ok(()),
            None => Err(ProviderError::NotFound(address.clone())),
        }
    }

    fn template_arn(&self, address: &Address, name: &str) -> Option<String> {
        let reg = self.ids.lock();
        reg.arns.get(address).cloned().or_else(|| {
            reg.account.as_ref().map(|account| {
                format!(
                    "arn:aws:mobiletargeting:{}:{account}:templates/{name}/PUSH",
                    self.clients.region
                )
            })
        })
    }

    pub(crate) async fn create_template(
        &self,
        address: &Address,
        after: &Resource,
    ) -> Result<Resource, ProviderError> {
        let Creating { spec: t, tags } = self.creating::<Template>(address, after).await?;
        let arn = templates::create_push_template(self.pinpoint(), &t, hash(tags))
            .await
            .map_err(|c| c.error)?;
        if let Some(arn) = arn.or_else(|| self.template_arn(address, &t.name)) {
            let mut reg = self.ids.lock();
            reg.learn_account(&arn);
            reg.arns.insert(address.clone(), arn);
        }
        Ok(template_resource(&address.key, &t))
    }

    pub(crate) async fn update_template(
        &self,
        address: &Address,
        before: Option<&Resource>,
        after: &Resource,
        adopt: bool,
    ) -> Result<Resource, ProviderError> {
        let t: Template = typed(after)?;
        let had: Option<Template> = before.map(typed).transpose()?;
        let content_changed = had.as_ref().is_none_or(|h| {
            let mut h = h.clone();
            h.tags.clone_from(&t.tags);
            h != t
        });
        if content_changed {
            templates::update_push_template(self.pinpoint(), &t)
                .await
                .map_err(|c| c.error)?;
        }
        if adopt {
            self.index_add(Kind::Template, &t.name).await?;
        }
        let had_tags = had.map(|h| h.tags).unwrap_or_default();
        let arn = self.template_arn(address, &t.name);
        self.retag(address, arn, &had_tags, &t.tags, adopt).await?;
        Ok(template_resource(&address.key, &t))
    }

    pub(crate) async fn delete_template(
        &self,
        address: &Address,
        before: Option<&Resource>,
    ) -> Result<(), ProviderError> {
        let name = before
            .and_then(name_of)
            .map(ToOwned::to_owned)
            .or_else(|| self.ids.lock().names.get(address).cloned())
            .ok_or_else(|| ProviderError::NotFound(address.clone()))?;
        let existed = templates::delete_push_template(self.pinpoint(), &name)
            .await
            .map_err(|c| c.error)?;
        self.ids.lock().arns.remove(address);
        self.index_remove(Kind::Template, &name).await?;
        if existed {
            Ok(())
        } else {
            Err(ProviderError::NotFound(address.clone()))
        }
    }

    /// What a campaign's spec keys stand for now.
    fn campaign_targets(&self, c: &Campaign) -> Result<(String, Option<i32>), ProviderError> {
        let segment = Address::new(Kind::Segment, c.segment.clone());
        let reg = self.ids.lock();
        let id = reg.ids.get(&segment).cloned().ok_or_else(|| {
            ProviderError::Other(format!(
                "the campaign targets `{segment}`, whose id is not known (it does not exist or was not read)"
            ))
        })?;
        Ok((id, reg.segment_versions.get(&segment).copied()))
    }

    /// The campaign's request, its keys resolved (built apart from the
    /// call: the lookups it takes are not `Sync`).
    fn campaign_request(
        &self,
        address: &Address,
        c: &Campaign,
        segment_id: &str,
        version: Option<i32>,
        tags: Option<HashMap<String, String>>,
    ) -> Result<aws_sdk_pinpoint::types::WriteCampaignRequest, ProviderError> {
        let template_name = |key: &str| {
            self.ids
                .lock()
                .names
                .get(&Address::new(Kind::Template, key))
                .cloned()
        };
        let targets = CampaignTargets {
            segment_id,
            segment_current_version: version,
            template_name: &template_name,
        };
        campaigns::write_campaign_request(c, &targets, tags)
            .map_err(|e| caused(format!("`{address}`: {e}"), e))
    }

    pub(crate) async fn create_campaign(
        &self,
        address: &Address,
        after: &Resource,
    ) -> Result<Resource, ProviderError> {
        let app_id = self.require_app(address)?;
        let Creating { spec: c, tags } = self.creating::<Campaign>(address, after).await?;
        let (segment_id, version) = self.campaign_targets(&c)?;
        let req = self.campaign_request(address, &c, &segment_id, version, hash(tags))?;
        let what = format!("CreateCampaign `{}`", c.name);
        let out = self
            .pinpoint()
            .create_campaign()
            .application_id(&app_id)
            .write_campaign_request(req)
            .customize()
            .config_override(crate::connect::pinpoint_once())
            .send()
            .await
            .map_err(|e| classify(&what, e).error)?;
        let resp = out
            .campaign_response()
            .cloned()
            .ok_or_else(|| no_body(&what))?;
        self.record_campaign(address, &resp);
        Ok(campaign_live(
            &address.key,
            &resp,
            &self.ids.lock(),
            Some(c.segment_version),
        ))
    }

    pub(crate) async fn update_campaign(
        &self,
        address: &Address,
        before: Option<&Resource>,
        after: &Resource,
        adopt: bool,
    ) -> Result<Resource, ProviderError> {
        let app_id = self.require_app(address)?;
        let id = self.id_of(address)?;
        let c: Campaign = typed(after)?;
        let had: Option<Campaign> = before.map(typed).transpose()?;
        let (segment_id, version) = self.campaign_targets(&c)?;
        let content_changed = had.as_ref().is_none_or(|h| {
            let mut h = h.clone();
            h.tags.clone_from(&c.tags);
            h != c
        });
        // A campaign on `latest` is also written when only its segment
        // changed (the engine plans that update), to move it to the new
        // segment version.
        // (A change of tags alone never writes the campaign: TagResource.)
        let tags_only = had.as_ref().is_some_and(|h| h.tags != c.tags);
        let follows_segment = c.segment_version == SegmentVersion::Latest && !tags_only;
        let req = if content_changed || follows_segment {
            Some(self.campaign_request(address, &c, &segment_id, version, None)?)
        } else {
            None
        };
        let resp = match req {
            Some(req) => {
                let what = format!("UpdateCampaign `{id}`");
                match self
                    .pinpoint()
                    .update_campaign()
                    .application_id(&app_id)
                    .campaign_id(&id)
                    .write_campaign_request(req)
                    .send()
                    .await
                {
                    Ok(out) => Some(
                        out.campaign_response()
                            .cloned()
                            .ok_or_else(|| no_body(&what))?,
                    ),
                    Err(e) => {
                        let c = classify(&what, e);
                        // A campaign that has run keeps the version it ran
                        // with: nothing to move.
                        if !content_changed && c.message.contains("COMPLETED") {
                            None
                        } else {
                            return Err(c.error);
                        }
                    }
                }
            }
            None => None,
        };
        if let Some(r) = &resp {
            self.record_campaign(address, r);
        }
        let arn = self.ids.lock().arns.get(address).cloned();
        let had_tags = had.map(|h| h.tags).unwrap_or_default();
        self.retag(address, arn, &had_tags, &c.tags, adopt).await?;
        Ok(campaign_resource(&address.key, &c))
    }

    pub(crate) async fn delete_campaign(&self, address: &Address) -> Result<(), ProviderError> {
        let app_id = self.require_app(address)?;
        let id = self.id_of(address)?;
        let gone = campaigns::delete_campaign(self.pinpoint(), &app_id, &id)
            .await
            .map_err(|e| e.error)?;
        self.ids.lock().ids.remove(address);
        match gone {
            Some(_) => Ok(()),
            None => Err(ProviderError::NotFound(address.clone())),
        }
    }
}
