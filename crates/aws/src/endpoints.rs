//! Endpoints (devices), read one by one: Pinpoint has no call that lists an
//! app's endpoints, so the provider reads the ids the spec names and the ids
//! the stack owns, kept in the app's tags (`reconcile:own:endpoint:<n>`,
//! see [`crate::tags`]), which is how an endpoint removed from the spec is
//! found and deleted.
//!
//! `UpdateEndpoint` merges (members it is given replace, omitted ones stay;
//! attribute maps merge by key), so an update that drops a member or a map
//! key deletes the endpoint and writes it again.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_pinpoint::types::{
    ChannelType as SdkChannelType, EndpointDemographic as SdkDemographic,
    EndpointLocation as SdkLocation, EndpointRequest, EndpointResponse, EndpointUser as SdkUser,
};
use reconcile_engine::ProviderError;
use reconcile_model::spec::{
    Endpoint, EndpointDemographic, EndpointLocation, EndpointStatus, EndpointUser, OptOut,
};
use reconcile_model::{Address, Kind, Resource, endpoint_resource};
use serde_json::Value;

use crate::errors::classify;
use crate::provider::{AwsProvider, typed};

/// The wire name of a spec enum (its serde name, which is the API's).
fn wire<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// A spec enum from its wire name.
fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(Value::String(s.to_owned())).ok()
}

fn lists(
    m: Option<&std::collections::HashMap<String, Vec<String>>>,
) -> BTreeMap<String, Vec<String>> {
    m.map(|m| {
        m.iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    })
    .unwrap_or_default()
}

/// A live endpoint as the spec's struct. `effective_date` and
/// `endpoint_status` are server-set; they are kept only when the spec sets
/// them (`keep_server_fields`).
pub fn endpoint_from_sdk(
    e: &EndpointResponse,
    keep_server_fields: (bool, bool),
) -> Option<Endpoint> {
    let channel_type = parse(e.channel_type()?.as_str())?;
    let demographic = e.demographic().map(|d| EndpointDemographic {
        app_version: d.app_version().map(ToOwned::to_owned),
        locale: d.locale().map(ToOwned::to_owned),
        make: d.make().map(ToOwned::to_owned),
        model: d.model().map(ToOwned::to_owned),
        model_version: d.model_version().map(ToOwned::to_owned),
        platform: d.platform().map(ToOwned::to_owned),
        platform_version: d.platform_version().map(ToOwned::to_owned),
        timezone: d.timezone().map(ToOwned::to_owned),
    });
    let location = e.location().map(|l| EndpointLocation {
        city: l.city().map(ToOwned::to_owned),
        country: l.country().map(ToOwned::to_owned),
        latitude: l.latitude(),
        longitude: l.longitude(),
        postal_code: l.postal_code().map(ToOwned::to_owned),
        region: l.region().map(ToOwned::to_owned),
    });
    let user = e.user().map(|u| EndpointUser {
        user_id: u.user_id().map(ToOwned::to_owned),
        user_attributes: lists(u.user_attributes()),
    });
    Some(Endpoint {
        channel_type,
        address: e.address().map(ToOwned::to_owned),
        attributes: lists(e.attributes()),
        demographic,
        location,
        metrics: e
            .metrics()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect())
            .unwrap_or_default(),
        opt_out: e.opt_out().and_then(parse::<OptOut>),
        user,
        effective_date: e
            .effective_date()
            .filter(|_| keep_server_fields.0)
            .map(ToOwned::to_owned),
        endpoint_status: e
            .endpoint_status()
            .filter(|_| keep_server_fields.1)
            .and_then(parse::<EndpointStatus>),
    })
}

/// The spec's endpoint as the API's request.
pub fn endpoint_request(e: &Endpoint) -> EndpointRequest {
    EndpointRequest::builder()
        .channel_type(SdkChannelType::from(wire(&e.channel_type).as_str()))
        .set_address(e.address.clone())
        .set_attributes(
            (!e.attributes.is_empty()).then(|| e.attributes.clone().into_iter().collect()),
        )
        .set_demographic(e.demographic.as_ref().map(|d| {
            SdkDemographic::builder()
                .set_app_version(d.app_version.clone())
                .set_locale(d.locale.clone())
                .set_make(d.make.clone())
                .set_model(d.model.clone())
                .set_model_version(d.model_version.clone())
                .set_platform(d.platform.clone())
                .set_platform_version(d.platform_version.clone())
                .set_timezone(d.timezone.clone())
                .build()
        }))
        .set_location(e.location.as_ref().map(|l| {
            SdkLocation::builder()
                .set_city(l.city.clone())
                .set_country(l.country.clone())
                .set_latitude(l.latitude)
                .set_longitude(l.longitude)
                .set_postal_code(l.postal_code.clone())
                .set_region(l.region.clone())
                .build()
        }))
        .set_metrics((!e.metrics.is_empty()).then(|| e.metrics.clone().into_iter().collect()))
        .set_opt_out(e.opt_out.map(|o| wire(&o)))
        .set_user(e.user.as_ref().map(|u| {
            SdkUser::builder()
                .set_user_id(u.user_id.clone())
                .set_user_attributes(
                    (!u.user_attributes.is_empty())
                        .then(|| u.user_attributes.clone().into_iter().collect()),
                )
                .build()
        }))
        .set_effective_date(e.effective_date.clone())
        .set_endpoint_status(e.endpoint_status.map(|s| wire(&s)))
        .build()
}

/// Whether going from `before` to `after` drops a member or a map key,
/// which `UpdateEndpoint` (a merge) cannot do.
pub fn drops_something(before: &Value, after: &Value) -> bool {
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else {
        return false;
    };
    b.iter().any(|(k, bv)| match a.get(k) {
        None => true,
        Some(av) if matches!(k.as_str(), "attributes" | "metrics" | "user") => {
            drops_something(bv, av)
        }
        Some(av) if k == "user_attributes" => drops_something(bv, av),
        Some(_) => false,
    })
}

impl AwsProvider {
    /// Reads the endpoints with these ids; missing ones are left out.
    /// `keep` says, per id, whether the spec sets `effective_date` and
    /// `endpoint_status` (otherwise they are not read).
    pub(crate) async fn read_endpoints(
        &self,
        app_id: &str,
        ids: &BTreeMap<String, (bool, bool)>,
    ) -> Result<Vec<Resource>, ProviderError> {
        // Paced, without a read slot: the pace (10/s) bounds them already,
        // and reads that waited for a slot went out together, over the quota.
        let results = futures_util::future::join_all(ids.iter().map(|(id, keep)| async move {
            self.pace_read("endpoint-read").await;
            (id, *keep, self.get_endpoint(app_id, id).await)
        }))
        .await;
        let mut out = Vec::new();
        for (id, keep, r) in results {
            if let Some(e) = r?
                && let Some(ep) = endpoint_from_sdk(&e, keep)
            {
                out.push(endpoint_resource(id, &ep));
            }
        }
        Ok(out)
    }

    /// One endpoint (`None` when it does not exist). The caller paces it
    /// (`endpoint-read`).
    async fn get_endpoint(
        &self,
        app_id: &str,
        id: &str,
    ) -> Result<Option<EndpointResponse>, ProviderError> {
        match self
            .pinpoint()
            .get_endpoint()
            .application_id(app_id)
            .endpoint_id(id)
            .send()
            .await
        {
            Ok(out) => Ok(out.endpoint_response().cloned()),
            Err(e) => {
                let c = classify(&format!("GetEndpoint `{id}`"), e);
                if c.is_absent(self.clients.api, Kind::Endpoint) {
                    Ok(None)
                } else {
                    Err(c.error)
                }
            }
        }
    }

    /// Creates or updates an endpoint (indexed in the app's tags first).
    pub(crate) async fn put_endpoint(
        &self,
        address: &Address,
        before: Option<&Resource>,
        after: &Resource,
        create: bool,
    ) -> Result<Resource, ProviderError> {
        let app_id = self.require_app(address)?;
        let ep: Endpoint = typed(after)?;
        let id = address.key.as_str();
        self.index_add(Kind::Endpoint, id).await?;
        if !create && before.is_some_and(|b| drops_something(&b.attrs, &after.attrs)) {
            self.delete_endpoint_call(&app_id, id).await?;
        }
        self.pinpoint()
            .update_endpoint()
            .application_id(&app_id)
            .endpoint_id(id)
            .endpoint_request(endpoint_request(&ep))
            .send()
            .await
            .map_err(|e| classify(&format!("UpdateEndpoint `{id}`"), e).error)?;
        // UpdateEndpoint answers 202 without the endpoint: what was sent is
        // what it holds now.
        Ok(endpoint_resource(id, &ep))
    }

    /// `Ok(false)` when the endpoint did not exist.
    async fn delete_endpoint_call(&self, app_id: &str, id: &str) -> Result<bool, ProviderError> {
        match self
            .pinpoint()
            .delete_endpoint()
            .application_id(app_id)
            .endpoint_id(id)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) => {
                let c = classify(&format!("DeleteEndpoint `{id}`"), e);
                if c.is_not_found() {
                    Ok(false)
                } else {
                    Err(c.error)
                }
            }
        }
    }

    /// Deletes an endpoint, then drops it from the index.
    pub(crate) async fn delete_endpoint(&self, address: &Address) -> Result<(), ProviderError> {
        let app_id = self.require_app(address)?;
        let existed = self.delete_endpoint_call(&app_id, &address.key).await?;
        self.index_remove(Kind::Endpoint, &address.key).await?;
        if existed {
            Ok(())
        } else {
            Err(ProviderError::NotFound(address.clone()))
        }
    }
}

/// The endpoint ids to read: the spec's and the index's (an index entry
/// that differs from a spec key only in case is the same endpoint).
pub fn endpoint_ids(
    desired: &[&Resource],
    indexed: Option<&BTreeSet<String>>,
) -> BTreeMap<String, (bool, bool)> {
    let mut out: BTreeMap<String, (bool, bool)> = desired
        .iter()
        .map(|r| {
            (
                r.address.key.clone(),
                (
                    r.attrs.get("effective_date").is_some(),
                    r.attrs.get("endpoint_status").is_some(),
                ),
            )
        })
        .collect();
    for id in indexed.into_iter().flatten() {
        if !out.keys().any(|k| k.eq_ignore_ascii_case(id)) {
            out.insert(id.clone(), (false, false));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dropping_a_member_or_key_is_detected() {
        let before = json!({"channel_type": "APNS", "attributes": {"a": ["1"], "b": ["2"]}});
        assert!(drops_something(
            &before,
            &json!({"channel_type": "APNS", "attributes": {"a": ["1"]}})
        ));
        assert!(drops_something(&before, &json!({"channel_type": "APNS"})));
        assert!(!drops_something(
            &before,
            &json!({"channel_type": "APNS", "attributes": {"a": ["9"], "b": ["2"], "c": ["3"]}})
        ));
    }

    #[test]
    fn endpoints_round_trip_through_the_api_shapes() {
        let ep: Endpoint = serde_json::from_value(json!({
            "channel_type": "APNS",
            "address": "token",
            "attributes": {"PurchaseHistory": ["high-value"]},
            "demographic": {"platform": "iOS"},
            "user": {"user_id": "u1"}
        }))
        .unwrap();
        let req = endpoint_request(&ep);
        let resp = EndpointResponse::builder()
            .set_address(req.address().map(ToOwned::to_owned))
            .set_channel_type(req.channel_type().cloned())
            .set_attributes(req.attributes().cloned())
            .set_demographic(req.demographic().cloned())
            .set_user(req.user().cloned())
            .opt_out("NONE")
            .endpoint_status("ACTIVE")
            .effective_date("2030-01-01T00:00:00.000Z")
            .build();
        let back = endpoint_from_sdk(&resp, (false, false)).unwrap();
        assert_eq!(
            endpoint_resource("x", &back).attrs,
            endpoint_resource("x", &ep).attrs
        );
    }
}
