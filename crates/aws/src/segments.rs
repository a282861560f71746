//! Pinpoint segments: the SDK calls and the mappings between
//! [`SegmentResponse`]/[`WriteSegmentRequest`] and the typed
//! [`Segment`] of the spec.
//!
//! What segments share with other kinds lives apart: conversions, tags and
//! [`MappingError`] in [`crate::mapping`], the attribute, set and metric
//! dimensions (also in campaign event filters) in `dimensions`.
//!
//! # Reading
//!
//! [`segment_from_sdk`] turns a live segment into the spec's struct:
//! source segment ids become spec keys (through the caller's lookup; an id
//! the stack does not know stays the raw id, so it shows as a difference),
//! `reconcile:*` tags are dropped, empty `Dimensions {}`/`SegmentGroups {}`
//! read as absent. Values the model cannot express (an enum value it does
//! not know) are dropped with a warning, so they show as a difference that
//! an update overwrites. The caller then passes the struct through
//! [`reconcile_model::segment_resource`] like the spec side.
//!
//! # Writing
//!
//! [`write_segment_request`] maps every field one to one. AWS takes either
//! `Dimensions` or `SegmentGroups` in one request, not both ("A
//! WriteSegmentRequest object can include a Dimensions object or a
//! SegmentGroups object, but not both"), so a segment with both is refused
//! before any call; a segment with neither (every endpoint) is sent with an
//! empty `Dimensions {}`. Tags are only sent on create: `UpdateSegment`
//! ignores them (the orchestrator uses `TagResource`).

use std::collections::HashMap;

use aws_sdk_pinpoint::Client;
use aws_sdk_pinpoint::types as sdk;
use reconcile_model::spec::{
    GpsCoordinates, GpsPointDimension, RecencyDimension, Segment, SegmentBehaviors,
    SegmentDemographics, SegmentDimensions, SegmentGroup, SegmentGroups, SegmentLocation,
    SegmentReference,
};

pub use aws_sdk_pinpoint::types::{SegmentResponse, WriteSegmentRequest};

use crate::dimensions::{
    attributes_from_sdk, attributes_to_sdk, metrics_from_sdk, metrics_to_sdk, set_from_sdk,
    set_to_sdk,
};
use crate::errors::{Classified, classify};
use crate::mapping::{
    MappingError, create_tags, from_wire, no_body, opt_i32, to_u32, user_tags, wire_name,
};

// ---------------------------------------------------------------------------
// Dimensions.

fn demographic_to_sdk(d: &SegmentDemographics) -> sdk::SegmentDemographics {
    sdk::SegmentDemographics::builder()
        .set_app_version(d.app_version.as_ref().map(set_to_sdk))
        .set_channel(d.channel.as_ref().map(set_to_sdk))
        .set_device_type(d.device_type.as_ref().map(set_to_sdk))
        .set_make(d.make.as_ref().map(set_to_sdk))
        .set_model(d.model.as_ref().map(set_to_sdk))
        .set_platform(d.platform.as_ref().map(set_to_sdk))
        .build()
}

fn location_to_sdk(l: &SegmentLocation) -> sdk::SegmentLocation {
    sdk::SegmentLocation::builder()
        .set_country(l.country.as_ref().map(set_to_sdk))
        .set_gps_point(l.gps_point.as_ref().map(|g| {
            sdk::GpsPointDimension::builder()
                .coordinates(
                    sdk::GpsCoordinates::builder()
                        .latitude(g.coordinates.latitude)
                        .longitude(g.coordinates.longitude)
                        .build(),
                )
                .set_range_in_kilometers(g.range_in_kilometers)
                .build()
        }))
        .build()
}

fn dimensions_to_sdk(d: &SegmentDimensions) -> sdk::SegmentDimensions {
    sdk::SegmentDimensions::builder()
        .set_attributes(attributes_to_sdk(&d.attributes))
        .set_behavior(d.behavior.as_ref().map(|b| {
            sdk::SegmentBehaviors::builder()
                .set_recency(b.recency.as_ref().map(|r| {
                    sdk::RecencyDimension::builder()
                        .duration(sdk::Duration::from(wire_name(&r.duration).as_str()))
                        .recency_type(sdk::RecencyType::from(wire_name(&r.recency_type).as_str()))
                        .build()
                }))
                .build()
        }))
        .set_demographic(d.demographic.as_ref().map(demographic_to_sdk))
        .set_location(d.location.as_ref().map(location_to_sdk))
        .set_metrics(metrics_to_sdk(&d.metrics))
        .set_user_attributes(attributes_to_sdk(&d.user_attributes))
        .build()
}

fn demographic_from_sdk(d: &sdk::SegmentDemographics) -> Option<SegmentDemographics> {
    let f = "Dimensions.Demographic";
    let v = SegmentDemographics {
        app_version: set_from_sdk(f, d.app_version()),
        channel: set_from_sdk(f, d.channel()),
        device_type: set_from_sdk(f, d.device_type()),
        make: set_from_sdk(f, d.make()),
        model: set_from_sdk(f, d.model()),
        platform: set_from_sdk(f, d.platform()),
    };
    (v != SegmentDemographics::default()).then_some(v)
}

fn location_from_sdk(l: &sdk::SegmentLocation) -> Option<SegmentLocation> {
    let gps_point = l.gps_point().and_then(|g| {
        let c = g.coordinates()?;
        Some(GpsPointDimension {
            coordinates: GpsCoordinates {
                latitude: c.latitude()?,
                longitude: c.longitude()?,
            },
            range_in_kilometers: g.range_in_kilometers(),
        })
    });
    let v = SegmentLocation {
        country: set_from_sdk("Dimensions.Location.Country", l.country()),
        gps_point,
    };
    (v != SegmentLocation::default()).then_some(v)
}

fn dimensions_from_sdk(d: &sdk::SegmentDimensions) -> SegmentDimensions {
    let recency = d.behavior().and_then(|b| b.recency()).and_then(|r| {
        Some(RecencyDimension {
            duration: from_wire("Recency.Duration", r.duration()?.as_str())?,
            recency_type: from_wire("Recency.RecencyType", r.recency_type()?.as_str())?,
        })
    });
    SegmentDimensions {
        attributes: attributes_from_sdk("Dimensions.Attributes", d.attributes()),
        behavior: recency.map(|r| SegmentBehaviors { recency: Some(r) }),
        demographic: d.demographic().and_then(demographic_from_sdk),
        location: d.location().and_then(location_from_sdk),
        metrics: metrics_from_sdk("Dimensions.Metrics", d.metrics()),
        user_attributes: attributes_from_sdk("Dimensions.UserAttributes", d.user_attributes()),
    }
}

fn non_empty(d: SegmentDimensions) -> Option<SegmentDimensions> {
    (d != SegmentDimensions::default()).then_some(d)
}

// ---------------------------------------------------------------------------
// Segments.

/// A live segment as the spec's [`Segment`]. `key_of_segment` maps a
/// segment id to its spec key (source segments of groups); an unknown id is
/// kept as is.
pub fn segment_from_sdk(
    resp: &SegmentResponse,
    key_of_segment: &dyn Fn(&str) -> Option<String>,
) -> Segment {
    let segment_groups = resp.segment_groups().and_then(|g| {
        let groups: Vec<SegmentGroup> = g
            .groups()
            .iter()
            .map(|group| SegmentGroup {
                dimensions: group.dimensions().iter().map(dimensions_from_sdk).collect(),
                source_segments: group
                    .source_segments()
                    .iter()
                    .map(|s| {
                        let id = s.id().unwrap_or_default();
                        SegmentReference {
                            segment: key_of_segment(id).unwrap_or_else(|| id.to_owned()),
                            version: s.version().map(to_u32),
                        }
                    })
                    .collect(),
                source_type: group
                    .source_type()
                    .and_then(|t| from_wire("SegmentGroups.SourceType", t.as_str())),
                group_type: group
                    .r#type()
                    .and_then(|t| from_wire("SegmentGroups.Type", t.as_str())),
            })
            .collect();
        let v = SegmentGroups {
            include: g
                .include()
                .and_then(|i| from_wire("SegmentGroups.Include", i.as_str())),
            groups,
        };
        (v != SegmentGroups::default()).then_some(v)
    });
    Segment {
        name: resp.name().unwrap_or_default().to_owned(),
        tags: user_tags(resp.tags()),
        dimensions: resp
            .dimensions()
            .map(dimensions_from_sdk)
            .and_then(non_empty),
        segment_groups,
    }
}

/// The API request for a segment. `id_of_segment` maps the spec key of a
/// source segment to its id. `tags`: `None` sends no tags (update);
/// `Some(extra)` sends the segment's own tags with `extra` (the
/// `reconcile:` tags) merged over them (create).
pub fn write_segment_request(
    seg: &Segment,
    id_of_segment: &dyn Fn(&str) -> Option<String>,
    tags: Option<HashMap<String, String>>,
) -> Result<WriteSegmentRequest, MappingError> {
    let tags = create_tags(&seg.tags, tags);
    let groups = seg.segment_groups.as_ref();
    if seg.dimensions.is_some() && groups.is_some() {
        return Err(MappingError::DimensionsAndGroups {
            name: seg.name.clone(),
        });
    }
    let segment_groups = groups
        .map(|g| -> Result<sdk::SegmentGroupList, MappingError> {
            let mut out = Vec::new();
            for (i, group) in g.groups.iter().enumerate() {
                let mut sources = Vec::new();
                for (j, s) in group.source_segments.iter().enumerate() {
                    let field = format!("segment_groups.groups[{i}].source_segments[{j}]");
                    let id =
                        id_of_segment(&s.segment).ok_or_else(|| MappingError::UnknownSegment {
                            field: field.clone(),
                            key: s.segment.clone(),
                        })?;
                    sources.push(
                        sdk::SegmentReference::builder()
                            .id(id)
                            .set_version(opt_i32(&format!("{field}.version"), s.version)?)
                            .build(),
                    );
                }
                out.push(
                    sdk::SegmentGroup::builder()
                        .set_dimensions(
                            (!group.dimensions.is_empty())
                                .then(|| group.dimensions.iter().map(dimensions_to_sdk).collect()),
                        )
                        .set_source_segments((!sources.is_empty()).then_some(sources))
                        .set_source_type(
                            group
                                .source_type
                                .map(|t| sdk::SourceType::from(wire_name(&t).as_str())),
                        )
                        .set_type(
                            group
                                .group_type
                                .map(|t| sdk::Type::from(wire_name(&t).as_str())),
                        )
                        .build(),
                );
            }
            Ok(sdk::SegmentGroupList::builder()
                .set_groups((!out.is_empty()).then_some(out))
                .set_include(
                    g.include
                        .map(|t| sdk::Include::from(wire_name(&t).as_str())),
                )
                .build())
        })
        .transpose()?;
    let dimensions = match (&seg.dimensions, &segment_groups) {
        (Some(d), _) => Some(dimensions_to_sdk(d)),
        (None, None) => Some(sdk::SegmentDimensions::builder().build()),
        (None, Some(_)) => None,
    };
    Ok(WriteSegmentRequest::builder()
        .name(seg.name.clone())
        .set_dimensions(dimensions)
        .set_segment_groups(segment_groups)
        .set_tags(tags)
        .build())
}

/// Every segment of the app (all pages).
pub async fn list_segments(
    client: &Client,
    app_id: &str,
) -> Result<Vec<SegmentResponse>, Classified> {
    crate::paging::all_pages(|token| async move {
        let page = client
            .get_segments()
            .application_id(app_id)
            .page_size(crate::app::PAGE_SIZE)
            .set_token(token)
            .send()
            .await
            .map_err(|e| classify("GetSegments", e))?;
        Ok(page.segments_response().map_or_else(Default::default, |r| {
            (r.item().to_vec(), r.next_token().map(ToOwned::to_owned))
        }))
    })
    .await
}

/// One segment, `None` when it does not exist.
pub async fn get_segment(
    client: &Client,
    app_id: &str,
    segment_id: &str,
) -> Result<Option<SegmentResponse>, Classified> {
    match client
        .get_segment()
        .application_id(app_id)
        .segment_id(segment_id)
        .send()
        .await
    {
        Ok(out) => Ok(out.segment_response().cloned()),
        Err(e) => {
            let c = classify(&format!("GetSegment `{segment_id}`"), e);
            if c.is_not_found() { Ok(None) } else { Err(c) }
        }
    }
}

/// Creates a segment; `tags` (the `reconcile:` tags) are merged over the
/// segment's own.
pub async fn create_segment(
    client: &Client,
    app_id: &str,
    seg: &Segment,
    tags: Option<HashMap<String, String>>,
    id_of_segment: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<SegmentResponse, Classified> {
    let what = format!("CreateSegment `{}`", seg.name);
    let req = write_segment_request(seg, id_of_segment, Some(tags.unwrap_or_default()))?;
    let out = client
        .create_segment()
        .application_id(app_id)
        .write_segment_request(req)
        .customize()
        .config_override(crate::connect::pinpoint_once())
        .send()
        .await
        .map_err(|e| classify(&what, e))?;
    out.segment_response()
        .cloned()
        .ok_or_else(|| no_body(&what))
}

/// Writes the next version of a segment. Tags are not sent (`UpdateSegment`
/// ignores them).
pub async fn update_segment(
    client: &Client,
    app_id: &str,
    segment_id: &str,
    seg: &Segment,
    id_of_segment: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<SegmentResponse, Classified> {
    let what = format!("UpdateSegment `{segment_id}`");
    let req = write_segment_request(seg, id_of_segment, None)?;
    let out = client
        .update_segment()
        .application_id(app_id)
        .segment_id(segment_id)
        .write_segment_request(req)
        .send()
        .await
        .map_err(|e| classify(&what, e))?;
    out.segment_response()
        .cloned()
        .ok_or_else(|| no_body(&what))
}

/// Deletes a segment; returns what it was. A segment that is already gone
/// is `Ok(None)`.
pub async fn delete_segment(
    client: &Client,
    app_id: &str,
    segment_id: &str,
) -> Result<Option<SegmentResponse>, Classified> {
    match client
        .delete_segment()
        .application_id(app_id)
        .segment_id(segment_id)
        .send()
        .await
    {
        Ok(out) => Ok(out.segment_response().cloned()),
        Err(e) => {
            let c = classify(&format!("DeleteSegment `{segment_id}`"), e);
            if c.is_not_found() { Ok(None) } else { Err(c) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dimensions::{attribute_from_sdk, attribute_to_sdk};
    use reconcile_model::segment_resource;
    use reconcile_model::spec::{
        AttributeDimension, AttributeType, DimensionType, GroupInclude, MetricComparison,
        MetricDimension, SetDimension,
    };
    use serde_json::json;
    use std::collections::BTreeMap;

    fn spec(v: serde_json::Value) -> Segment {
        serde_json::from_value(v).unwrap()
    }

    fn no_ids(_: &str) -> Option<String> {
        None
    }

    /// What the server echoes for a write: the request's fields plus its own.
    fn echo(req: &WriteSegmentRequest) -> SegmentResponse {
        SegmentResponse::builder()
            .application_id("app1")
            .arn("arn:aws:mobiletargeting:us-east-1:123456789012:apps/app1/segments/s1")
            .creation_date("2030-01-01T00:00:00.000Z")
            .id("s1")
            .segment_type(sdk::SegmentType::Dimensional)
            .set_name(req.name().map(ToOwned::to_owned))
            .set_dimensions(req.dimensions().cloned())
            .set_segment_groups(req.segment_groups().cloned())
            .set_tags(req.tags().cloned())
            .version(1)
            .build()
    }

    fn full() -> Segment {
        spec(json!({
            "name": "high-value",
            "tags": { "team": "growth" },
            "dimensions": {
                "attributes": {
                    "Interests": { "attribute_type": "CONTAINS", "values": ["shoes"] },
                    "Signup": { "attribute_type": "BETWEEN",
                                "values": ["2024-01-01T00:00:00Z", "2024-12-31T00:00:00Z"] }
                },
                "behavior": { "recency": { "duration": "DAY_7", "recency_type": "INACTIVE" } },
                "demographic": {
                    "app_version": { "values": ["1.2.3"] },
                    "channel": { "dimension_type": "INCLUSIVE", "values": ["APNS"] },
                    "device_type": { "values": ["PHONE"] },
                    "make": { "values": ["Apple"] },
                    "model": { "values": ["iPhone15"] },
                    "platform": { "dimension_type": "EXCLUSIVE", "values": ["iOS", "Android"] }
                },
                "location": {
                    "country": { "values": ["FR"] },
                    "gps_point": {
                        "coordinates": { "latitude": 47.6, "longitude": -122.3 },
                        "range_in_kilometers": 25.5
                    }
                },
                "metrics": {
                    "purchases": { "comparison_operator": "GREATER_THAN_OR_EQUAL", "value": 3.0 }
                },
                "user_attributes": {
                    "PurchaseHistory": { "attribute_type": "INCLUSIVE", "values": ["high-value"] }
                }
            }
        }))
    }

    #[test]
    fn every_dimension_lands_in_its_api_field() {
        let req = write_segment_request(&full(), &no_ids, None).unwrap();
        assert_eq!(req.name(), Some("high-value"));
        assert!(req.segment_groups().is_none());
        let dims = req.dimensions().unwrap();
        let attr = &dims.attributes().unwrap()["Interests"];
        assert_eq!(attr.attribute_type(), Some(&sdk::AttributeType::Contains));
        assert_eq!(attr.values(), ["shoes"]);
        let signup = &dims.attributes().unwrap()["Signup"];
        assert_eq!(signup.attribute_type(), Some(&sdk::AttributeType::Between));
        let recency = dims.behavior().unwrap().recency().unwrap();
        assert_eq!(recency.duration(), Some(&sdk::Duration::Day7));
        assert_eq!(recency.recency_type(), Some(&sdk::RecencyType::Inactive));
        let demo = dims.demographic().unwrap();
        assert_eq!(demo.app_version().unwrap().values(), ["1.2.3"]);
        assert_eq!(demo.app_version().unwrap().dimension_type(), None);
        assert_eq!(demo.channel().unwrap().values(), ["APNS"]);
        assert_eq!(
            demo.channel().unwrap().dimension_type(),
            Some(&sdk::DimensionType::Inclusive)
        );
        assert_eq!(demo.device_type().unwrap().values(), ["PHONE"]);
        assert_eq!(demo.make().unwrap().values(), ["Apple"]);
        assert_eq!(demo.model().unwrap().values(), ["iPhone15"]);
        assert_eq!(demo.platform().unwrap().values(), ["iOS", "Android"]);
        assert_eq!(
            demo.platform().unwrap().dimension_type(),
            Some(&sdk::DimensionType::Exclusive)
        );
        let loc = dims.location().unwrap();
        assert_eq!(loc.country().unwrap().values(), ["FR"]);
        let gps = loc.gps_point().unwrap();
        assert_eq!(gps.coordinates().unwrap().latitude(), Some(47.6));
        assert_eq!(gps.coordinates().unwrap().longitude(), Some(-122.3));
        assert_eq!(gps.range_in_kilometers(), Some(25.5));
        let metric = &dims.metrics().unwrap()["purchases"];
        assert_eq!(metric.comparison_operator(), Some("GREATER_THAN_OR_EQUAL"));
        assert_eq!(metric.value(), Some(3.0));
        let user = &dims.user_attributes().unwrap()["PurchaseHistory"];
        assert_eq!(user.attribute_type(), Some(&sdk::AttributeType::Inclusive));
        assert_eq!(user.values(), ["high-value"]);
    }

    #[test]
    fn a_full_segment_round_trips_through_the_server_echo() {
        let seg = full();
        let extra = HashMap::from([
            ("reconcile:stack".to_owned(), "demo".to_owned()),
            ("reconcile:key".to_owned(), "segment.vip".to_owned()),
        ]);
        let req = write_segment_request(&seg, &no_ids, Some(extra)).unwrap();
        let tags = req.tags().unwrap();
        assert_eq!(tags["team"], "growth");
        assert_eq!(tags["reconcile:stack"], "demo");
        let live = segment_from_sdk(&echo(&req), &no_ids);
        assert_eq!(live, seg);
        assert_eq!(
            segment_resource("vip", &live).attrs,
            segment_resource("vip", &seg).attrs
        );
    }

    #[test]
    fn groups_refer_to_segments_by_key_and_write_ids() {
        let seg = spec(json!({
            "name": "combined",
            "segment_groups": {
                "include": "ANY",
                "groups": [{
                    "source_segments": [
                        { "segment": "vip", "version": 2 },
                        { "segment": "lapsed" }
                    ],
                    "source_type": "ALL",
                    "type": "NONE",
                    "dimensions": [{ "demographic": { "platform": { "values": ["iOS"] } } }]
                }]
            }
        }));
        let ids = |k: &str| match k {
            "vip" => Some("id-vip".to_owned()),
            "lapsed" => Some("id-lapsed".to_owned()),
            _ => None,
        };
        let keys = |id: &str| id.strip_prefix("id-").map(ToOwned::to_owned);
        let req = write_segment_request(&seg, &ids, None).unwrap();
        assert!(req.dimensions().is_none(), "AWS takes groups or dimensions");
        let g = req.segment_groups().unwrap();
        assert_eq!(g.include(), Some(&sdk::Include::Any));
        let group = &g.groups()[0];
        assert_eq!(group.source_type(), Some(&sdk::SourceType::All));
        assert_eq!(group.r#type(), Some(&sdk::Type::None));
        let refs: Vec<(Option<&str>, Option<i32>)> = group
            .source_segments()
            .iter()
            .map(|s| (s.id(), s.version()))
            .collect();
        assert_eq!(refs, [(Some("id-vip"), Some(2)), (Some("id-lapsed"), None)]);
        let live = segment_from_sdk(&echo(&req), &keys);
        assert_eq!(live, seg);
        // An id the stack does not know stays raw: it shows as a change.
        let live = segment_from_sdk(&echo(&req), &no_ids);
        let sources = &live.segment_groups.unwrap().groups[0].source_segments;
        assert_eq!(sources[0].segment, "id-vip");
    }

    #[test]
    fn a_reference_without_an_id_is_refused_before_any_call() {
        let seg = spec(json!({
            "name": "combined",
            "segment_groups": { "groups": [{ "source_segments": [{ "segment": "ghost" }] }] }
        }));
        let err = write_segment_request(&seg, &no_ids, None).unwrap_err();
        assert!(
            matches!(&err, MappingError::UnknownSegment { key, .. } if key == "ghost"),
            "{err}"
        );
        assert!(err.to_string().contains("source_segments[0]"), "{err}");
    }

    #[test]
    fn dimensions_and_groups_together_are_refused() {
        let seg = spec(json!({
            "name": "both",
            "dimensions": { "demographic": { "platform": { "values": ["iOS"] } } },
            "segment_groups": { "include": "ALL" }
        }));
        let err = write_segment_request(&seg, &no_ids, None).unwrap_err();
        assert!(
            matches!(err, MappingError::DimensionsAndGroups { .. }),
            "{err}"
        );
    }

    #[test]
    fn a_segment_of_everyone_sends_empty_dimensions_and_reads_back_as_none() {
        let seg = spec(json!({ "name": "all" }));
        let req = write_segment_request(&seg, &no_ids, None).unwrap();
        assert_eq!(
            req.dimensions(),
            Some(&sdk::SegmentDimensions::builder().build())
        );
        assert!(req.tags().is_none());
        let live = segment_from_sdk(&echo(&req), &no_ids);
        assert_eq!(live, seg);
    }

    #[test]
    fn server_defaults_read_like_the_spec_after_normalisation() {
        // The server fills INCLUSIVE, returns empty sub-objects and an empty
        // group list; the spec left all of them out.
        let seg = spec(json!({
            "name": "vip",
            "dimensions": { "user_attributes": { "PurchaseHistory": { "values": ["high-value"] } } }
        }));
        let resp = SegmentResponse::builder()
            .id("s1")
            .name("vip")
            .dimensions(
                sdk::SegmentDimensions::builder()
                    .user_attributes(
                        "PurchaseHistory",
                        sdk::AttributeDimension::builder()
                            .attribute_type(sdk::AttributeType::Inclusive)
                            .values("high-value")
                            .build(),
                    )
                    .demographic(sdk::SegmentDemographics::builder().build())
                    .location(sdk::SegmentLocation::builder().build())
                    .behavior(sdk::SegmentBehaviors::builder().build())
                    .build(),
            )
            .segment_groups(sdk::SegmentGroupList::builder().build())
            .tags("reconcile:stack", "demo")
            .build();
        let live = segment_from_sdk(&resp, &no_ids);
        assert!(live.tags.is_empty());
        assert!(live.segment_groups.is_none());
        assert_eq!(
            segment_resource("vip", &live).attrs,
            segment_resource("vip", &seg).attrs
        );
    }

    #[test]
    fn every_enum_value_maps_to_the_api_name_and_back() {
        for t in [
            AttributeType::Inclusive,
            AttributeType::Exclusive,
            AttributeType::Contains,
            AttributeType::Before,
            AttributeType::After,
            AttributeType::Between,
            AttributeType::NotBetween,
            AttributeType::On,
        ] {
            let a = AttributeDimension {
                attribute_type: Some(t),
                values: vec!["x".to_owned()],
            };
            let s = attribute_to_sdk(&a);
            assert_eq!(s.attribute_type().unwrap().as_str(), wire_name(&t));
            // The SDK knows every value but NOT_BETWEEN, which it passes through.
            assert_eq!(
                sdk::AttributeType::values().contains(&wire_name(&t).as_str()),
                t != AttributeType::NotBetween
            );
            assert_eq!(attribute_from_sdk("t", &s), a);
        }
        assert_eq!(wire_name(&AttributeType::NotBetween), "NOT_BETWEEN");
        for t in [DimensionType::Inclusive, DimensionType::Exclusive] {
            let d = SetDimension {
                dimension_type: Some(t),
                values: vec![],
            };
            assert_eq!(set_from_sdk("t", Some(&set_to_sdk(&d))), Some(d));
        }
        for op in [
            MetricComparison::GreaterThan,
            MetricComparison::LessThan,
            MetricComparison::GreaterThanOrEqual,
            MetricComparison::LessThanOrEqual,
            MetricComparison::Equal,
        ] {
            let m = BTreeMap::from([(
                "m".to_owned(),
                MetricDimension {
                    comparison_operator: op,
                    value: 1.5,
                },
            )]);
            let s = metrics_to_sdk(&m).unwrap();
            assert_eq!(metrics_from_sdk("t", Some(&s)), m);
        }
        for include in [GroupInclude::All, GroupInclude::Any, GroupInclude::None] {
            assert!(sdk::Include::values().contains(&wire_name(&include).as_str()));
            assert!(sdk::SourceType::values().contains(&wire_name(&include).as_str()));
            assert!(sdk::Type::values().contains(&wire_name(&include).as_str()));
        }
        for (d, wire) in [
            ("HR_24", sdk::Duration::Hr24),
            ("DAY_7", sdk::Duration::Day7),
            ("DAY_14", sdk::Duration::Day14),
            ("DAY_30", sdk::Duration::Day30),
        ] {
            let seg = spec(json!({ "name": "r", "dimensions": {
                "behavior": { "recency": { "duration": d, "recency_type": "ACTIVE" } } } }));
            let req = write_segment_request(&seg, &no_ids, None).unwrap();
            let r = req
                .dimensions()
                .unwrap()
                .behavior()
                .unwrap()
                .recency()
                .unwrap();
            assert_eq!(r.duration(), Some(&wire));
            assert_eq!(segment_from_sdk(&echo(&req), &no_ids), seg);
        }
    }

    #[test]
    fn unknown_live_values_are_dropped_not_guessed() {
        let metrics = HashMap::from([(
            "m".to_owned(),
            sdk::MetricDimension::builder()
                .comparison_operator("ROUGHLY")
                .value(1.0)
                .build(),
        )]);
        assert!(metrics_from_sdk("t", Some(&metrics)).is_empty());
        let a = sdk::AttributeDimension::builder()
            .attribute_type(sdk::AttributeType::from("SOMEDAY"))
            .values("x")
            .build();
        assert_eq!(attribute_from_sdk("t", &a).attribute_type, None);
    }
}
