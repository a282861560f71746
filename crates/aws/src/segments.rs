//! Pinpoint segments: the SDK calls and the mappings between
//! [`SegmentResponse`]/[`WriteSegmentRequest`] and the typed
//! [`Segment`] of the spec.
//!
//! Also home of what the three rich kinds (segments, templates, campaigns)
//! share: [`MappingError`], enum and integer conversions, tag filtering.
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

use std::collections::{BTreeMap, HashMap};

use aws_sdk_pinpoint::Client;
use aws_sdk_pinpoint::types as sdk;
use reconcile_engine::ProviderError;
use reconcile_model::spec::{
    AttributeDimension, GpsCoordinates, GpsPointDimension, MetricDimension, RecencyDimension,
    Segment, SegmentBehaviors, SegmentDemographics, SegmentDimensions, SegmentGroup, SegmentGroups,
    SegmentLocation, SegmentReference, SetDimension, Tags,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use aws_sdk_pinpoint::types::{SegmentResponse, WriteSegmentRequest};

use crate::errors::{Classified, classify};

/// A spec value that cannot be turned into an API request (or a live value
/// that cannot be read back), found before any call is made.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    /// A reference names a segment whose id is not known (not created yet,
    /// or not in the spec).
    #[error("`{field}` names segment `{key}`, which has no id yet")]
    UnknownSegment { field: String, key: String },
    /// A reference names a template whose name is not known.
    #[error("`{field}` names template `{key}`, which is not in the spec")]
    UnknownTemplate { field: String, key: String },
    /// A number is larger than the API's 32-bit integer.
    #[error("`{field}` = `{value}` is larger than the API allows (`{max}`)")]
    OutOfRange { field: String, value: u64, max: i64 },
    /// A segment gives both `dimensions` and `segment_groups`.
    #[error(
        "segment `{name}` gives both `dimensions` and `segment_groups`; AWS accepts only one of them per segment"
    )]
    DimensionsAndGroups { name: String },
    /// A live template's `DefaultSubstitutions` is not a JSON object.
    #[error("template `{name}`: `DefaultSubstitutions` is not a JSON object: {message}")]
    DefaultSubstitutions { name: String, message: String },
}

impl From<MappingError> for Classified {
    fn from(e: MappingError) -> Self {
        let message = e.to_string();
        Classified {
            code: None,
            error: ProviderError::Other(message.clone()),
            message,
        }
    }
}

// ---------------------------------------------------------------------------
// Helpers shared by the three rich kinds.

/// The wire name of a spec enum (its serde name, which is the API's).
pub(crate) fn wire_name<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// A spec enum from its wire name; `None` (and a warning) for a value the
/// model does not know.
pub(crate) fn from_wire<T: DeserializeOwned>(field: &str, s: &str) -> Option<T> {
    let v = serde_json::from_value(serde_json::Value::String(s.to_owned())).ok();
    if v.is_none() {
        tracing::warn!(
            field,
            value = s,
            "live value unknown to the spec model; ignored"
        );
    }
    v
}

/// A spec count as the API's `i32`.
pub(crate) fn to_i32(field: &str, v: u32) -> Result<i32, MappingError> {
    i32::try_from(v).map_err(|_| MappingError::OutOfRange {
        field: field.to_owned(),
        value: u64::from(v),
        max: i64::from(i32::MAX),
    })
}

/// An optional spec count as the API's `i32`.
pub(crate) fn opt_i32(field: &str, v: Option<u32>) -> Result<Option<i32>, MappingError> {
    v.map(|v| to_i32(field, v)).transpose()
}

/// A live `i32` as a spec count (AWS never returns negatives; they read 0).
pub(crate) fn to_u32(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// The user's tags of a live resource: every `reconcile:` tag removed.
pub(crate) fn user_tags(tags: Option<&HashMap<String, String>>) -> Tags {
    tags.into_iter()
        .flatten()
        .filter(|(k, _)| !k.starts_with("reconcile:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The tags sent on create: the spec's own, overridden by `extra` (the
/// `reconcile:` tags the orchestrator adds).
pub(crate) fn create_tags(
    spec: &Tags,
    extra: Option<HashMap<String, String>>,
) -> Option<HashMap<String, String>> {
    let mut all: HashMap<String, String> =
        spec.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    all.extend(extra.unwrap_or_default());
    (!all.is_empty()).then_some(all)
}

/// A trimmed, non-empty string.
pub(crate) fn text(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(ToOwned::to_owned)
}

/// The error for a call that succeeded without the body it promises.
pub(crate) fn no_body(what: &str) -> Classified {
    let message = format!("{what}: the response has no body");
    Classified {
        code: None,
        error: ProviderError::UnknownOutcome(message.clone()),
        message,
    }
}

// ---------------------------------------------------------------------------
// Dimensions, shared with campaign event filters.

pub(crate) fn attribute_to_sdk(a: &AttributeDimension) -> sdk::AttributeDimension {
    sdk::AttributeDimension::builder()
        .set_attribute_type(
            a.attribute_type
                .map(|t| sdk::AttributeType::from(wire_name(&t).as_str())),
        )
        .set_values(Some(a.values.clone()))
        .build()
}

pub(crate) fn attribute_from_sdk(field: &str, a: &sdk::AttributeDimension) -> AttributeDimension {
    AttributeDimension {
        attribute_type: a
            .attribute_type()
            .and_then(|t| from_wire(field, t.as_str())),
        values: a.values().to_vec(),
    }
}

pub(crate) fn attributes_to_sdk(
    m: &BTreeMap<String, AttributeDimension>,
) -> Option<HashMap<String, sdk::AttributeDimension>> {
    (!m.is_empty()).then(|| {
        m.iter()
            .map(|(k, v)| (k.clone(), attribute_to_sdk(v)))
            .collect()
    })
}

pub(crate) fn attributes_from_sdk(
    field: &str,
    m: Option<&HashMap<String, sdk::AttributeDimension>>,
) -> BTreeMap<String, AttributeDimension> {
    m.into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), attribute_from_sdk(field, v)))
        .collect()
}

pub(crate) fn set_to_sdk(s: &SetDimension) -> sdk::SetDimension {
    sdk::SetDimension::builder()
        .set_dimension_type(
            s.dimension_type
                .map(|t| sdk::DimensionType::from(wire_name(&t).as_str())),
        )
        .set_values(Some(s.values.clone()))
        .build()
}

pub(crate) fn set_from_sdk(field: &str, s: Option<&sdk::SetDimension>) -> Option<SetDimension> {
    s.map(|s| SetDimension {
        dimension_type: s
            .dimension_type()
            .and_then(|t| from_wire(field, t.as_str())),
        values: s.values().to_vec(),
    })
}

pub(crate) fn metrics_to_sdk(
    m: &BTreeMap<String, MetricDimension>,
) -> Option<HashMap<String, sdk::MetricDimension>> {
    (!m.is_empty()).then(|| {
        m.iter()
            .map(|(k, v)| {
                let d = sdk::MetricDimension::builder()
                    .comparison_operator(wire_name(&v.comparison_operator))
                    .value(v.value)
                    .build();
                (k.clone(), d)
            })
            .collect()
    })
}

pub(crate) fn metrics_from_sdk(
    field: &str,
    m: Option<&HashMap<String, sdk::MetricDimension>>,
) -> BTreeMap<String, MetricDimension> {
    m.into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let op = from_wire(field, v.comparison_operator().unwrap_or_default())?;
            Some((
                k.clone(),
                MetricDimension {
                    comparison_operator: op,
                    value: v.value().unwrap_or_default(),
                },
            ))
        })
        .collect()
}

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
/// source segment to its id; `tags` (the `reconcile:` tags, or any extra)
/// are merged over the segment's own and sent (create only).
pub fn write_segment_request(
    seg: &Segment,
    id_of_segment: &dyn Fn(&str) -> Option<String>,
    tags: Option<HashMap<String, String>>,
) -> Result<WriteSegmentRequest, MappingError> {
    request(seg, id_of_segment, create_tags(&seg.tags, tags))
}

/// The request with exactly `tags`.
fn request(
    seg: &Segment,
    id_of_segment: &dyn Fn(&str) -> Option<String>,
    tags: Option<HashMap<String, String>>,
) -> Result<WriteSegmentRequest, MappingError> {
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
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .get_segments()
            .application_id(app_id)
            .set_token(token.take())
            .send()
            .await
            .map_err(|e| classify("GetSegments", e))?;
        let Some(resp) = page.segments_response() else {
            break;
        };
        out.extend_from_slice(resp.item());
        match resp.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_owned()),
            _ => break,
        }
    }
    Ok(out)
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

/// Creates a segment; `tags` are merged over the segment's own.
pub async fn create_segment(
    client: &Client,
    app_id: &str,
    seg: &Segment,
    tags: Option<HashMap<String, String>>,
    id_of_segment: &dyn Fn(&str) -> Option<String>,
) -> Result<SegmentResponse, Classified> {
    let what = format!("CreateSegment `{}`", seg.name);
    let req = write_segment_request(seg, id_of_segment, tags)?;
    let out = client
        .create_segment()
        .application_id(app_id)
        .write_segment_request(req)
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
    id_of_segment: &dyn Fn(&str) -> Option<String>,
) -> Result<SegmentResponse, Classified> {
    let what = format!("UpdateSegment `{segment_id}`");
    let req = request(seg, id_of_segment, None)?;
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
