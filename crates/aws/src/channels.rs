//! The app's push channels: APNs (four flavours), FCM (`gcm`), ADM, Baidu.
//!
//! Reading takes `GetChannels` (one call for every channel's `Enabled`)
//! plus `Get<Channel>` only for the Apple and FCM channels present, whose
//! `DefaultAuthenticationMethod` the list lacks. Credentials are never
//! returned: the live resource carries the fingerprint stored in the app's
//! tags instead (see [`crate::tags`]). Writing resolves the credentials
//! from the step's `write_only` references just before the request and puts
//! them nowhere but the SDK builder.

use aws_sdk_pinpoint::types::{
    AdmChannelRequest, ApnsChannelRequest, ApnsSandboxChannelRequest, ApnsVoipChannelRequest,
    ApnsVoipSandboxChannelRequest, BaiduChannelRequest, GcmChannelRequest,
};
use reconcile_engine::ProviderError;
use reconcile_model::resources::set_write_only_fingerprint;
use reconcile_model::spec::{
    AdmChannel, ApnsAuthMethod, ApnsChannel, BaiduChannel, ChannelKey, GcmAuthMethod, GcmChannel,
};
use reconcile_model::{
    Address, Resource, adm_channel_resource, apns_channel_resource, baidu_channel_resource,
    gcm_channel_resource,
};

use crate::errors::classify;
use crate::provider::{AwsProvider, WoValue, typed};

/// What a channel response says, whatever its flavour.
#[derive(Debug, Clone, Default)]
pub struct ChannelState {
    pub enabled: Option<bool>,
    pub method: Option<String>,
    /// APNs `HasTokenKey`, FCM `HasFcmServiceCredentials`.
    pub has_token: Option<bool>,
}

/// The channel a `channel.<key>` address names.
pub fn channel_key(address: &Address) -> Result<ChannelKey, ProviderError> {
    ChannelKey::from_key(&address.key).ok_or_else(|| {
        ProviderError::Other(format!(
            "`{address}` is not a channel this provider manages"
        ))
    })
}

/// A live channel as a resource (no fingerprint).
pub fn channel_resource(key: ChannelKey, s: &ChannelState) -> Resource {
    let enabled = s.enabled.unwrap_or(true);
    let method = s.method.as_deref().map(str::to_ascii_uppercase);
    match key {
        ChannelKey::Gcm => gcm_channel_resource(&GcmChannel {
            enabled,
            default_authentication_method: Some(match method.as_deref() {
                Some("TOKEN") => GcmAuthMethod::Token,
                Some("KEY") => GcmAuthMethod::Key,
                _ if s.has_token == Some(true) => GcmAuthMethod::Token,
                _ => GcmAuthMethod::Key,
            }),
            api_key: None,
            service_json: None,
        }),
        ChannelKey::Adm => adm_channel_resource(&AdmChannel {
            enabled,
            client_id: None,
            client_secret: None,
        }),
        ChannelKey::Baidu => baidu_channel_resource(&BaiduChannel {
            enabled,
            api_key: None,
            secret_key: None,
        }),
        apns => apns_channel_resource(
            apns,
            &ApnsChannel {
                enabled,
                default_authentication_method: Some(match method.as_deref() {
                    Some("TOKEN") => ApnsAuthMethod::Token,
                    Some("CERTIFICATE") => ApnsAuthMethod::Certificate,
                    _ if s.has_token == Some(true) => ApnsAuthMethod::Token,
                    _ => ApnsAuthMethod::Certificate,
                }),
                certificate: None,
                private_key: None,
                bundle_id: None,
                team_id: None,
                token_key: None,
                token_key_id: None,
            },
        ),
    }
}

fn exposed(v: Option<&WoValue>) -> Option<String> {
    v.map(|v| v.expose().to_owned())
}

/// Sends one APNs flavour's update and reads its response.
macro_rules! apns_update {
    ($p:expr, $app:expr, $enabled:expr, $method:expr, $w:expr,
     $op:ident, $req:ident, $setter:ident, $out:ident) => {{
        let req = $req::builder()
            .enabled($enabled)
            .set_default_authentication_method($method)
            .set_certificate(exposed($w.certificate.as_ref()))
            .set_private_key(exposed($w.private_key.as_ref()))
            .set_token_key(exposed($w.token_key.as_ref()))
            .set_bundle_id(exposed($w.bundle_id.as_ref()))
            .set_team_id(exposed($w.team_id.as_ref()))
            .set_token_key_id(exposed($w.token_key_id.as_ref()))
            .build();
        let out = $p
            .pinpoint()
            .$op()
            .application_id($app)
            .$setter(req)
            .send()
            .await
            .map_err(|e| classify(stringify!($op), e).error)?;
        out.$out().map(|r| ChannelState {
            enabled: r.enabled(),
            method: r.default_authentication_method().map(ToOwned::to_owned),
            has_token: r.has_token_key(),
        })
    }};
}

/// Reads one APNs flavour (`None` when not configured).
macro_rules! apns_get {
    ($p:expr, $app:expr, $op:ident, $out:ident) => {{
        match $p.pinpoint().$op().application_id($app).send().await {
            Ok(out) => out.$out().map(|r| ChannelState {
                enabled: r.enabled(),
                method: r.default_authentication_method().map(ToOwned::to_owned),
                has_token: r.has_token_key(),
            }),
            Err(e) => {
                let c = classify(stringify!($op), e);
                if c.is_not_found() {
                    None
                } else {
                    return Err(c.error);
                }
            }
        }
    }};
}

/// Deletes one channel flavour; `Ok(false)` when it was not configured.
macro_rules! delete_channel {
    ($p:expr, $app:expr, $op:ident) => {{
        match $p.pinpoint().$op().application_id($app).send().await {
            Ok(_) => true,
            Err(e) => {
                let c = classify(stringify!($op), e);
                if c.is_not_found() {
                    false
                } else {
                    return Err(c.error);
                }
            }
        }
    }};
}

/// The APNs write-only values, resolved.
#[derive(Default)]
struct ApnsSecrets {
    certificate: Option<WoValue>,
    private_key: Option<WoValue>,
    token_key: Option<WoValue>,
    bundle_id: Option<WoValue>,
    team_id: Option<WoValue>,
    token_key_id: Option<WoValue>,
}

impl AwsProvider {
    /// Every configured push channel of the app, as resources without
    /// fingerprints.
    pub(crate) async fn read_channels(&self, app_id: &str) -> Result<Vec<Resource>, ProviderError> {
        let listed = {
            let _slot = self.permit().await;
            self.pinpoint()
                .get_channels()
                .application_id(app_id)
                .send()
                .await
                .map_err(|e| classify("GetChannels", e).error)?
        };
        let channels = listed
            .channels_response()
            .and_then(|c| c.channels())
            .cloned()
            .unwrap_or_default();
        let mut simple = Vec::new();
        let mut detailed = Vec::new();
        for key in ChannelKey::ALL {
            let Some(c) = channels.get(key.platform()) else {
                continue;
            };
            match key {
                ChannelKey::Adm | ChannelKey::Baidu => simple.push(channel_resource(
                    key,
                    &ChannelState {
                        enabled: c.enabled(),
                        ..ChannelState::default()
                    },
                )),
                _ => detailed.push(key),
            }
        }
        let details = futures_util::future::join_all(
            detailed
                .into_iter()
                .map(|key| async move { (key, self.get_channel_state(app_id, key).await) }),
        )
        .await;
        let mut out = simple;
        for (key, state) in details {
            if let Some(s) = state? {
                out.push(channel_resource(key, &s));
            }
        }
        out.sort_by(|a, b| a.address.cmp(&b.address));
        Ok(out)
    }

    /// One channel's state (`None` when not configured).
    pub(crate) async fn get_channel_state(
        &self,
        app_id: &str,
        key: ChannelKey,
    ) -> Result<Option<ChannelState>, ProviderError> {
        let _slot = self.permit().await;
        Ok(match key {
            ChannelKey::Apns => apns_get!(self, app_id, get_apns_channel, apns_channel_response),
            ChannelKey::ApnsSandbox => apns_get!(
                self,
                app_id,
                get_apns_sandbox_channel,
                apns_sandbox_channel_response
            ),
            ChannelKey::ApnsVoip => {
                apns_get!(
                    self,
                    app_id,
                    get_apns_voip_channel,
                    apns_voip_channel_response
                )
            }
            ChannelKey::ApnsVoipSandbox => apns_get!(
                self,
                app_id,
                get_apns_voip_sandbox_channel,
                apns_voip_sandbox_channel_response
            ),
            ChannelKey::Gcm => match self
                .pinpoint()
                .get_gcm_channel()
                .application_id(app_id)
                .send()
                .await
            {
                Ok(out) => out.gcm_channel_response().map(|r| ChannelState {
                    enabled: r.enabled(),
                    method: r.default_authentication_method().map(ToOwned::to_owned),
                    has_token: r.has_fcm_service_credentials(),
                }),
                Err(e) => {
                    let c = classify("GetGcmChannel", e);
                    if c.is_not_found() {
                        None
                    } else {
                        return Err(c.error);
                    }
                }
            },
            ChannelKey::Adm => match self
                .pinpoint()
                .get_adm_channel()
                .application_id(app_id)
                .send()
                .await
            {
                Ok(out) => out.adm_channel_response().map(|r| ChannelState {
                    enabled: r.enabled(),
                    ..ChannelState::default()
                }),
                Err(e) => {
                    let c = classify("GetAdmChannel", e);
                    if c.is_not_found() {
                        None
                    } else {
                        return Err(c.error);
                    }
                }
            },
            ChannelKey::Baidu => match self
                .pinpoint()
                .get_baidu_channel()
                .application_id(app_id)
                .send()
                .await
            {
                Ok(out) => out.baidu_channel_response().map(|r| ChannelState {
                    enabled: r.enabled(),
                    ..ChannelState::default()
                }),
                Err(e) => {
                    let c = classify("GetBaiduChannel", e);
                    if c.is_not_found() {
                        None
                    } else {
                        return Err(c.error);
                    }
                }
            },
        })
    }

    /// Creates or updates a channel (`Update<Channel>` is an upsert), with
    /// the credentials resolved from the step's references; then records
    /// their fingerprint in the app's tags.
    pub(crate) async fn put_channel(
        &self,
        address: &Address,
        after: &Resource,
    ) -> Result<Resource, ProviderError> {
        let key = channel_key(address)?;
        let app_id = self.require_app(address)?;
        let app = app_id.as_str();
        let state = match key {
            ChannelKey::Gcm => {
                let c: GcmChannel = typed(after)?;
                let api_key = self.write_only(after, "api_key")?;
                let service_json = self.write_only(after, "service_json")?;
                let req = GcmChannelRequest::builder()
                    .enabled(c.enabled)
                    .set_default_authentication_method(c.default_authentication_method.map(|m| {
                        match m {
                            GcmAuthMethod::Key => "KEY".to_owned(),
                            GcmAuthMethod::Token => "TOKEN".to_owned(),
                        }
                    }))
                    .set_api_key(exposed(api_key.as_ref()))
                    .set_service_json(exposed(service_json.as_ref()))
                    .build();
                let out = self
                    .pinpoint()
                    .update_gcm_channel()
                    .application_id(app)
                    .gcm_channel_request(req)
                    .send()
                    .await
                    .map_err(|e| classify("UpdateGcmChannel", e).error)?;
                out.gcm_channel_response().map(|r| ChannelState {
                    enabled: r.enabled(),
                    method: r.default_authentication_method().map(ToOwned::to_owned),
                    has_token: r.has_fcm_service_credentials(),
                })
            }
            ChannelKey::Adm => {
                let c: AdmChannel = typed(after)?;
                let client_id = self.write_only(after, "client_id")?;
                let client_secret = self.write_only(after, "client_secret")?;
                let req = AdmChannelRequest::builder()
                    .enabled(c.enabled)
                    .set_client_id(exposed(client_id.as_ref()))
                    .set_client_secret(exposed(client_secret.as_ref()))
                    .build();
                let out = self
                    .pinpoint()
                    .update_adm_channel()
                    .application_id(app)
                    .adm_channel_request(req)
                    .send()
                    .await
                    .map_err(|e| classify("UpdateAdmChannel", e).error)?;
                out.adm_channel_response().map(|r| ChannelState {
                    enabled: r.enabled(),
                    ..ChannelState::default()
                })
            }
            ChannelKey::Baidu => {
                let c: BaiduChannel = typed(after)?;
                let api_key = self.write_only(after, "api_key")?;
                let secret_key = self.write_only(after, "secret_key")?;
                let req = BaiduChannelRequest::builder()
                    .enabled(c.enabled)
                    .set_api_key(exposed(api_key.as_ref()))
                    .set_secret_key(exposed(secret_key.as_ref()))
                    .build();
                let out = self
                    .pinpoint()
                    .update_baidu_channel()
                    .application_id(app)
                    .baidu_channel_request(req)
                    .send()
                    .await
                    .map_err(|e| classify("UpdateBaiduChannel", e).error)?;
                out.baidu_channel_response().map(|r| ChannelState {
                    enabled: r.enabled(),
                    ..ChannelState::default()
                })
            }
            apns => {
                let c: ApnsChannel = typed(after)?;
                let method = c.default_authentication_method.map(|m| match m {
                    ApnsAuthMethod::Certificate => "CERTIFICATE".to_owned(),
                    ApnsAuthMethod::Token => "TOKEN".to_owned(),
                });
                let w = ApnsSecrets {
                    certificate: self.write_only(after, "certificate")?,
                    private_key: self.write_only(after, "private_key")?,
                    token_key: self.write_only(after, "token_key")?,
                    bundle_id: self.write_only(after, "bundle_id")?,
                    team_id: self.write_only(after, "team_id")?,
                    token_key_id: self.write_only(after, "token_key_id")?,
                };
                match apns {
                    ChannelKey::ApnsSandbox => apns_update!(
                        self,
                        app,
                        c.enabled,
                        method,
                        w,
                        update_apns_sandbox_channel,
                        ApnsSandboxChannelRequest,
                        apns_sandbox_channel_request,
                        apns_sandbox_channel_response
                    ),
                    ChannelKey::ApnsVoip => apns_update!(
                        self,
                        app,
                        c.enabled,
                        method,
                        w,
                        update_apns_voip_channel,
                        ApnsVoipChannelRequest,
                        apns_voip_channel_request,
                        apns_voip_channel_response
                    ),
                    ChannelKey::ApnsVoipSandbox => apns_update!(
                        self,
                        app,
                        c.enabled,
                        method,
                        w,
                        update_apns_voip_sandbox_channel,
                        ApnsVoipSandboxChannelRequest,
                        apns_voip_sandbox_channel_request,
                        apns_voip_sandbox_channel_response
                    ),
                    _ => apns_update!(
                        self,
                        app,
                        c.enabled,
                        method,
                        w,
                        update_apns_channel,
                        ApnsChannelRequest,
                        apns_channel_request,
                        apns_channel_response
                    ),
                }
            }
        };
        self.follow_fingerprint(after).await?;
        let mut live = channel_resource(key, &state.unwrap_or_default());
        if let Some(fp) = self.stored_fingerprint(address) {
            set_write_only_fingerprint(&mut live, fp);
        }
        Ok(live)
    }

    /// Deletes a channel and its fingerprint tag.
    pub(crate) async fn delete_channel(&self, address: &Address) -> Result<(), ProviderError> {
        let key = channel_key(address)?;
        let app_id = self.require_app(address)?;
        let app = app_id.as_str();
        let existed = match key {
            ChannelKey::Apns => delete_channel!(self, app, delete_apns_channel),
            ChannelKey::ApnsSandbox => delete_channel!(self, app, delete_apns_sandbox_channel),
            ChannelKey::ApnsVoip => delete_channel!(self, app, delete_apns_voip_channel),
            ChannelKey::ApnsVoipSandbox => {
                delete_channel!(self, app, delete_apns_voip_sandbox_channel)
            }
            ChannelKey::Gcm => delete_channel!(self, app, delete_gcm_channel),
            ChannelKey::Adm => delete_channel!(self, app, delete_adm_channel),
            ChannelKey::Baidu => delete_channel!(self, app, delete_baidu_channel),
        };
        self.store_fingerprint(address, None).await?;
        if existed {
            Ok(())
        } else {
            Err(ProviderError::NotFound(address.clone()))
        }
    }
}
