//! The app (Pinpoint project), its settings, and the app's tags: ownership,
//! write-only fingerprints and the index of owned resources
//! (see [`crate::tags`]).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_pinpoint::types::{
    ApplicationResponse, ApplicationSettingsResource, CampaignHook as SdkHook, CampaignLimits,
    CreateApplicationRequest, Mode, QuietTime as SdkQuietTime, TagsModel,
    WriteApplicationSettingsRequest,
};
use reconcile_engine::ProviderError;
use reconcile_model::resources::set_write_only_fingerprint;
use reconcile_model::spec::{App, AppSettings, CampaignHook, HookMode, Limits, QuietTime};
use reconcile_model::{Address, Kind, Resource, app_resource, app_settings_resource};

use crate::create::Creating;
use crate::errors::classify;
use crate::ids::AppInfo;
use crate::provider::{AwsProvider, fingerprint_of, typed};
use crate::tags::{
    self, INDEXED_KINDS, MAX_TAGS, fingerprint_tag, index_tags, is_index_tag, ownership_tags,
    tag_changes, user_tags,
};

/// Page size of the Pinpoint list calls (`page-size`; AWS documents no
/// maximum, the emulator clamps to 1000).
pub const PAGE_SIZE: &str = "1000";

/// The app's address.
pub fn app_address() -> Address {
    Address::singleton(Kind::App)
}

/// The live app as a resource: its name and the user's tags.
pub fn app_from_sdk(app: &ApplicationResponse) -> Resource {
    app_resource(&App {
        name: app.name().unwrap_or_default().to_owned(),
        tags: user_tags(&tags::from_hash(app.tags())),
        settings: None,
    })
}

/// Adds `set` and removes `remove` on a Pinpoint resource's tags.
pub async fn retag_pinpoint(
    client: &aws_sdk_pinpoint::Client,
    arn: &str,
    set: BTreeMap<String, String>,
    remove: Vec<String>,
) -> Result<(), ProviderError> {
    if !set.is_empty() {
        let model = TagsModel::builder()
            .set_tags(Some(set.into_iter().collect::<HashMap<_, _>>()))
            .build();
        client
            .tag_resource()
            .resource_arn(arn)
            .tags_model(model)
            .send()
            .await
            .map_err(|e| classify(&format!("TagResource `{arn}`"), e).error)?;
    }
    if !remove.is_empty() {
        client
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(remove))
            .send()
            .await
            .map_err(|e| classify(&format!("UntagResource `{arn}`"), e).error)?;
    }
    Ok(())
}

impl AwsProvider {
    /// Every app in the region (GetApps, all pages); the list carries tags.
    pub(crate) async fn list_apps(&self) -> Result<Vec<ApplicationResponse>, ProviderError> {
        crate::paging::all_pages(|token| async move {
            let page = {
                let _slot = self.permit().await;
                self.pinpoint()
                    .get_apps()
                    .page_size(PAGE_SIZE)
                    .set_token(token)
                    .send()
                    .await
                    .map_err(|e| classify("GetApps", e).error)?
            };
            Ok(page
                .applications_response()
                .map_or_else(Default::default, |r| {
                    (r.item().to_vec(), r.next_token().map(ToOwned::to_owned))
                }))
        })
        .await
    }

    /// Creates the app with its ownership tags and the index of what the
    /// stack already owns outside it (roles, streams, templates created
    /// before the app).
    pub(crate) async fn create_app(&self, after: &Resource) -> Result<Resource, ProviderError> {
        // Index entries added while CreateApp is out would be neither in its
        // tags nor written after: they wait for the app.
        let _guard = self.app_tags.lock().await;
        let Creating {
            spec: app,
            tags: mut all,
        } = self.creating::<App>(&app_address(), after).await?;
        {
            let reg = self.ids.lock();
            for (kind, entries) in &reg.owned {
                if *kind != Kind::Endpoint {
                    all.extend(index_tags(*kind, entries));
                }
            }
        }
        check_tag_count(&all)?;
        let req = CreateApplicationRequest::builder()
            .name(app.name.clone())
            .set_tags(Some(all.clone().into_iter().collect()))
            .build();
        let out = self
            .pinpoint()
            .create_app()
            .create_application_request(req)
            .customize()
            .config_override(crate::connect::pinpoint_once())
            .send()
            .await
            .map_err(|e| classify(&format!("CreateApp `{}`", app.name), e).error)?;
        let resp = out.application_response().ok_or_else(|| {
            ProviderError::Other(format!("CreateApp `{}` answered without the app", app.name))
        })?;
        let info = AppInfo {
            id: resp.id().unwrap_or_default().to_owned(),
            arn: resp.arn().unwrap_or_default().to_owned(),
            tags: all,
        };
        {
            let mut reg = self.ids.lock();
            reg.forget_app();
            reg.learn_account(&info.arn);
            reg.app = Some(info);
        }
        Ok(app_resource(&App {
            name: resp.name().unwrap_or(&app.name).to_owned(),
            tags: app.tags,
            settings: None,
        }))
    }

    /// Converges the app's user tags (a name change is a replacement, which
    /// the engine splits into a delete and a create); `adopt` adds the
    /// ownership tags.
    pub(crate) async fn update_app(
        &self,
        after: &Resource,
        adopt: bool,
    ) -> Result<Resource, ProviderError> {
        let app: App = typed(after)?;
        self.require_app(&after.address)?;
        let current = self.app_tags_now();
        let (mut set, remove) = tag_changes(&user_tags(&current), &app.tags);
        if adopt {
            set.extend(ownership_tags(&self.stack, &app_address()));
        }
        self.change_app_tags(set, remove).await?;
        Ok(app_resource(&App {
            name: app.name,
            tags: app.tags,
            settings: None,
        }))
    }

    pub(crate) async fn delete_app(&self, address: &Address) -> Result<(), ProviderError> {
        let app_id = self.require_app(address)?;
        match self
            .pinpoint()
            .delete_app()
            .application_id(&app_id)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) => {
                let c = classify(&format!("DeleteApp `{app_id}`"), e);
                if c.is_not_found() {
                    self.ids.lock().forget_app();
                    return Err(ProviderError::NotFound(address.clone()));
                }
                return Err(c.error);
            }
        }
        self.ids.lock().forget_app();
        Ok(())
    }

    /// The app's tags as last seen (empty without an app).
    pub(crate) fn app_tags_now(&self) -> BTreeMap<String, String> {
        self.ids
            .lock()
            .app
            .as_ref()
            .map(|a| a.tags.clone())
            .unwrap_or_default()
    }

    /// Sets and removes app tags, keeping the registry's copy in step.
    /// Callers that compute `set`/`remove` from the registry's copy must
    /// hold `app_tags` (see [`Self::index_add`]).
    async fn change_app_tags_locked(
        &self,
        set: BTreeMap<String, String>,
        remove: Vec<String>,
    ) -> Result<(), ProviderError> {
        let Some((arn, mut now)) = self
            .ids
            .lock()
            .app
            .as_ref()
            .map(|a| (a.arn.clone(), a.tags.clone()))
        else {
            return Ok(());
        };
        let set: BTreeMap<String, String> = set
            .into_iter()
            .filter(|(k, v)| now.get(k) != Some(v))
            .collect();
        let remove: Vec<String> = remove.into_iter().filter(|k| now.contains_key(k)).collect();
        if set.is_empty() && remove.is_empty() {
            return Ok(());
        }
        for k in &remove {
            now.remove(k);
        }
        now.extend(set.clone());
        check_tag_count(&now)?;
        match retag_pinpoint(self.pinpoint(), &arn, set, remove).await {
            Ok(()) => {}
            // The app is gone (deleted by a step running alongside, as
            // rollbacks and destroys do): there is no index to keep, as
            // when there is no app yet.
            Err(ProviderError::Rejected { code, .. }) if code == "NotFoundException" => {
                self.ids.lock().forget_app();
                return Ok(());
            }
            Err(e) => return Err(e),
        }
        if let Some(app) = self.ids.lock().app.as_mut() {
            app.tags = now;
        }
        Ok(())
    }

    /// [`Self::change_app_tags_locked`] under the app-tags lock.
    pub(crate) async fn change_app_tags(
        &self,
        set: BTreeMap<String, String>,
        remove: Vec<String>,
    ) -> Result<(), ProviderError> {
        let _guard = self.app_tags.lock().await;
        self.change_app_tags_locked(set, remove).await
    }

    /// Records the write-only fingerprint of `address` in the app's tags
    /// (`None` removes it).
    pub(crate) async fn store_fingerprint(
        &self,
        address: &Address,
        fingerprint: Option<&str>,
    ) -> Result<(), ProviderError> {
        let tag = fingerprint_tag(address);
        match fingerprint {
            Some(fp) => {
                self.change_app_tags(BTreeMap::from([(tag, fp.to_owned())]), Vec::new())
                    .await
            }
            None => self.change_app_tags(BTreeMap::new(), vec![tag]).await,
        }
    }

    /// After a write of `after`: the fingerprint tag follows what was sent.
    /// Credentials sent: their fingerprint is stored. None sent and none
    /// wanted: the tag goes. None sent but a fingerprint wanted (a
    /// before-image from a live read, as a rollback sends it): the
    /// credentials did not change, and neither does the tag.
    pub(crate) async fn follow_fingerprint(&self, after: &Resource) -> Result<(), ProviderError> {
        let fp = fingerprint_of(after);
        if !after.write_only.is_empty() {
            self.store_fingerprint(&after.address, fp).await
        } else if fp.is_none() {
            self.store_fingerprint(&after.address, None).await
        } else {
            tracing::warn!(
                address = %after.address,
                "write-only values were not sent (AWS never returns them); they stay as they are"
            );
            Ok(())
        }
    }

    /// The fingerprint stored for `address`, if any.
    pub(crate) fn stored_fingerprint(&self, address: &Address) -> Option<String> {
        self.ids
            .lock()
            .app
            .as_ref()
            .and_then(|a| a.tags.get(&fingerprint_tag(address)).cloned())
    }

    /// Adds an entry to the index of `kind` (before the resource is
    /// created, so that a crash leaves at worst an entry for nothing).
    pub(crate) async fn index_add(&self, kind: Kind, entry: &str) -> Result<(), ProviderError> {
        self.index_change(kind, entry, true).await
    }

    /// Removes an entry from the index of `kind` (after the delete).
    pub(crate) async fn index_remove(&self, kind: Kind, entry: &str) -> Result<(), ProviderError> {
        self.index_change(kind, entry, false).await
    }

    async fn index_change(&self, kind: Kind, entry: &str, add: bool) -> Result<(), ProviderError> {
        debug_assert!(INDEXED_KINDS.contains(&kind));
        let _guard = self.app_tags.lock().await;
        let (entries, current) = {
            let mut reg = self.ids.lock();
            let set = reg.owned.entry(kind).or_default();
            let changed = if add {
                set.insert(entry.to_owned())
            } else {
                set.remove(entry)
            };
            let entries = set.clone();
            let Some(app) = reg.app.as_ref() else {
                // No app yet: it gets the index when it is created.
                return Ok(());
            };
            let current: BTreeMap<String, String> = app
                .tags
                .iter()
                .filter(|(k, _)| is_index_tag(k, kind))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !changed && current == index_tags(kind, &entries) {
                return Ok(());
            }
            (entries, current)
        };
        let (set, remove) = tag_changes(&current, &index_tags(kind, &entries));
        self.change_app_tags_locked(set, remove).await
    }

    /// Writes the index of every kind whose app tags differ from the
    /// registry's entries; no request when they agree. A `find` that learns
    /// the app after a lost CreateApp calls it: steps that ran meanwhile
    /// indexed into the registry only.
    pub(crate) async fn sync_index(&self) -> Result<(), ProviderError> {
        let _guard = self.app_tags.lock().await;
        let (set, remove) = {
            let reg = self.ids.lock();
            let Some(app) = reg.app.as_ref() else {
                return Ok(());
            };
            let mut set = BTreeMap::new();
            let mut remove = Vec::new();
            for kind in INDEXED_KINDS {
                let current: BTreeMap<String, String> = app
                    .tags
                    .iter()
                    .filter(|(k, _)| is_index_tag(k, kind))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let entries = reg.owned.get(&kind).cloned().unwrap_or_default();
                let (s, r) = tag_changes(&current, &index_tags(kind, &entries));
                set.extend(s);
                remove.extend(r);
            }
            (set, remove)
        };
        self.change_app_tags_locked(set, remove).await
    }

    /// Reads the app settings (GetApplicationSettings) as a resource,
    /// without its fingerprint.
    pub(crate) async fn read_settings(&self, app_id: &str) -> Result<Resource, ProviderError> {
        let _slot = self.permit().await;
        let out = self
            .pinpoint()
            .get_application_settings()
            .application_id(app_id)
            .send()
            .await
            .map_err(|e| classify("GetApplicationSettings", e).error)?;
        Ok(settings_from_sdk(out.application_settings_resource()))
    }

    /// Writes the app settings (UpdateApplicationSettings). Every member is
    /// sent, empty when the spec leaves it out, because AWS keeps members a
    /// request omits.
    pub(crate) async fn put_settings(&self, after: &Resource) -> Result<Resource, ProviderError> {
        let app_id = self.require_app(&after.address)?;
        let s: AppSettings = typed(after)?;
        let flag = |field: &str| -> Result<Option<bool>, ProviderError> {
            Ok(self
                .write_only(after, field)?
                .and_then(|v| v.expose().parse::<bool>().ok()))
        };
        let req = WriteApplicationSettingsRequest::builder()
            .quiet_time(
                SdkQuietTime::builder()
                    .set_start(s.quiet_time.as_ref().map(|q| q.start.clone()))
                    .set_end(s.quiet_time.as_ref().map(|q| q.end.clone()))
                    .build(),
            )
            .limits(limits_to_sdk(s.limits.as_ref())?)
            .campaign_hook(hook_to_sdk(s.campaign_hook.as_ref()))
            .set_cloud_watch_metrics_enabled(flag("cloudwatch_metrics_enabled")?)
            .set_event_tagging_enabled(flag("event_tagging_enabled")?)
            .build();
        let out = self
            .pinpoint()
            .update_application_settings()
            .application_id(&app_id)
            .write_application_settings_request(req)
            .send()
            .await
            .map_err(|e| classify("UpdateApplicationSettings", e).error)?;
        self.follow_fingerprint(after).await?;
        let mut live = settings_from_sdk(out.application_settings_resource());
        if let Some(fp) = self.stored_fingerprint(&live.address) {
            set_write_only_fingerprint(&mut live, fp);
        }
        Ok(live)
    }

    /// "Deletes" the settings: there is nothing to delete in AWS, so the
    /// members the spec managed are emptied and the fingerprint goes.
    pub(crate) async fn reset_settings(&self, address: &Address) -> Result<(), ProviderError> {
        let app_id = self.require_app(address)?;
        let req = WriteApplicationSettingsRequest::builder()
            .quiet_time(SdkQuietTime::builder().build())
            .limits(CampaignLimits::builder().build())
            .campaign_hook(SdkHook::builder().build())
            .build();
        self.pinpoint()
            .update_application_settings()
            .application_id(&app_id)
            .write_application_settings_request(req)
            .send()
            .await
            .map_err(|e| classify("UpdateApplicationSettings", e).error)?;
        self.store_fingerprint(address, None).await
    }
}

/// More than [`MAX_TAGS`] tags on the app.
fn check_tag_count(tags: &BTreeMap<String, String>) -> Result<(), ProviderError> {
    if tags.len() > MAX_TAGS {
        return Err(ProviderError::Rejected {
            code: "TooManyTags".to_owned(),
            message: format!(
                "the app would carry {} tags, more than AWS's {MAX_TAGS}: its own, the ownership tags, one fingerprint per channel with credentials and the index of owned endpoints, roles, streams, templates and alarms; remove user tags from the app",
                tags.len()
            ),
        });
    }
    Ok(())
}

/// Live settings as a resource (no fingerprint).
pub fn settings_from_sdk(s: Option<&ApplicationSettingsResource>) -> Resource {
    let quiet_time = s.and_then(|s| s.quiet_time()).and_then(|q| {
        Some(QuietTime {
            start: q.start()?.to_owned(),
            end: q.end()?.to_owned(),
        })
    });
    let limits = s.and_then(|s| s.limits()).map(limits_from_sdk);
    let campaign_hook = s.and_then(|s| s.campaign_hook()).map(hook_from_sdk);
    app_settings_resource(&AppSettings {
        quiet_time,
        limits,
        campaign_hook,
        cloudwatch_metrics_enabled: None,
        event_tagging_enabled: None,
    })
}

fn count(v: Option<i32>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

fn signed(field: &str, v: Option<u32>) -> Result<Option<i32>, ProviderError> {
    v.map(|v| {
        i32::try_from(v).map_err(|_| ProviderError::Rejected {
            code: "OutOfRange".to_owned(),
            message: format!("`{field}` = `{v}` is larger than the API allows"),
        })
    })
    .transpose()
}

/// API `CampaignLimits` as the spec's [`Limits`].
pub fn limits_from_sdk(l: &CampaignLimits) -> Limits {
    Limits {
        daily: count(l.daily()),
        maximum_duration: count(l.maximum_duration()),
        messages_per_second: count(l.messages_per_second()),
        total: count(l.total()),
        session: count(l.session()),
    }
}

/// The spec's [`Limits`] as API `CampaignLimits` (empty when absent).
pub fn limits_to_sdk(l: Option<&Limits>) -> Result<CampaignLimits, ProviderError> {
    let Some(l) = l else {
        return Ok(CampaignLimits::builder().build());
    };
    Ok(CampaignLimits::builder()
        .set_daily(signed("limits.daily", l.daily)?)
        .set_maximum_duration(signed("limits.maximum_duration", l.maximum_duration)?)
        .set_messages_per_second(signed("limits.messages_per_second", l.messages_per_second)?)
        .set_total(signed("limits.total", l.total)?)
        .set_session(signed("limits.session", l.session)?)
        .build())
}

/// API `CampaignHook` as the spec's [`CampaignHook`].
pub fn hook_from_sdk(h: &SdkHook) -> CampaignHook {
    CampaignHook {
        lambda_function_name: h.lambda_function_name().map(ToOwned::to_owned),
        mode: h.mode().and_then(|m| match m {
            Mode::Delivery => Some(HookMode::Delivery),
            Mode::Filter => Some(HookMode::Filter),
            _ => None,
        }),
        web_url: h.web_url().map(ToOwned::to_owned),
    }
}

/// The spec's [`CampaignHook`] as API `CampaignHook` (empty when absent).
pub fn hook_to_sdk(h: Option<&CampaignHook>) -> SdkHook {
    let Some(h) = h else {
        return SdkHook::builder().build();
    };
    SdkHook::builder()
        .set_lambda_function_name(h.lambda_function_name.clone())
        .set_mode(h.mode.map(|m| match m {
            HookMode::Delivery => Mode::Delivery,
            HookMode::Filter => Mode::Filter,
        }))
        .set_web_url(h.web_url.clone())
        .build()
}
