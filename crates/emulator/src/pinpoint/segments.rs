//! Dimensional segments with every version kept, and the evaluation of a
//! segment version against an app's endpoints (what a campaign run targets).

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::Params;
use super::apps::{find, find_mut};
use super::model::{App, Endpoint, Segment, SegmentVersion};
use super::shapes::{
    AttributeDimension, AttributeType, DimensionType, Include, ListMap, MetricDimension,
    RecencyDuration, RecencyType, SegmentDimensions, SegmentGroupList, SetDimension,
    WriteSegmentRequest,
};
use super::util::{
    self, DEFAULT_PAGE_SIZE, Error, Result, fmt_date, json_reply, parse_body, parse_time, to_json,
};
use crate::state::State;
use crate::wire::{Ctx, Reply, Request};

/// AWS's quota of dimensions per segment.
pub const MAX_DIMENSIONS: usize = 100;

const OPERATORS: [&str; 5] = [
    "GREATER_THAN",
    "LESS_THAN",
    "GREATER_THAN_OR_EQUAL",
    "LESS_THAN_OR_EQUAL",
    "EQUAL",
];

/// `SegmentResponse` for one version.
pub fn response(app_id: &str, s: &Segment, v: &SegmentVersion) -> Value {
    let mut body = json!({
        "ApplicationId": app_id,
        "Arn": s.arn,
        "CreationDate": s.creation_date,
        "Id": s.id,
        "LastModifiedDate": v.last_modified_date,
        "SegmentType": "DIMENSIONAL",
        "tags": s.tags,
        "Version": v.version,
    });
    if let Some(n) = &v.name {
        body["Name"] = json!(n);
    }
    if let Some(d) = &v.dimensions {
        body["Dimensions"] = to_json(d);
    }
    if let Some(g) = &v.segment_groups {
        body["SegmentGroups"] = to_json(g);
    }
    body
}

fn current(s: &Segment) -> Result<&SegmentVersion> {
    s.versions
        .last()
        .ok_or_else(|| Error::not_found("Segment not found"))
}

fn find_segment<'a>(app: &'a App, id: &str) -> Result<&'a Segment> {
    app.segments
        .get(id)
        .ok_or_else(|| Error::not_found("Segment not found"))
}

fn check_set(name: &str, d: Option<&SetDimension>, count: &mut usize) -> Result<()> {
    if let Some(d) = d {
        *count += 1;
        if d.values.is_none() {
            return Err(Error::bad(format!("{name}.Values is required")));
        }
    }
    Ok(())
}

fn check_attrs(
    name: &str,
    attrs: Option<&std::collections::BTreeMap<String, AttributeDimension>>,
    count: &mut usize,
) -> Result<()> {
    for (k, a) in attrs.into_iter().flatten() {
        *count += 1;
        let Some(values) = &a.values else {
            return Err(Error::bad(format!("{name}.{k}.Values is required")));
        };
        match a.attribute_type {
            Some(AttributeType::Before | AttributeType::After | AttributeType::On)
                if (values.len() != 1 || parse_time(&values[0]).is_none()) =>
            {
                return Err(Error::bad(format!(
                    "{name}.{k} needs exactly one ISO 8601 date value"
                )));
            }
            Some(AttributeType::Between)
                if (values.len() != 2 || values.iter().any(|v| parse_time(v).is_none())) =>
            {
                return Err(Error::bad(format!(
                    "{name}.{k} (BETWEEN) needs exactly two ISO 8601 date values"
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_metrics(
    name: &str,
    metrics: Option<&std::collections::BTreeMap<String, MetricDimension>>,
    count: &mut usize,
) -> Result<()> {
    for (k, m) in metrics.into_iter().flatten() {
        *count += 1;
        match &m.comparison_operator {
            Some(op) if OPERATORS.contains(&op.as_str()) => {}
            Some(op) => {
                return Err(Error::bad(format!(
                    "Invalid ComparisonOperator `{op}` in {name}.{k}: use one of {}",
                    OPERATORS.join(", ")
                )));
            }
            None => {
                return Err(Error::bad(format!(
                    "{name}.{k}.ComparisonOperator is required"
                )));
            }
        }
        if m.value.is_none() {
            return Err(Error::bad(format!("{name}.{k}.Value is required")));
        }
    }
    Ok(())
}

/// Checks required members of a dimension set; returns how many dimensions
/// it has.
pub fn check_dimensions(d: &SegmentDimensions) -> Result<usize> {
    let mut n = 0;
    check_attrs("Attributes", d.attributes.as_ref(), &mut n)?;
    check_attrs("UserAttributes", d.user_attributes.as_ref(), &mut n)?;
    check_metrics("Metrics", d.metrics.as_ref(), &mut n)?;
    if let Some(b) = &d.behavior
        && let Some(r) = &b.recency
    {
        n += 1;
        if r.duration.is_none() || r.recency_type.is_none() {
            return Err(Error::bad(
                "Behavior.Recency needs Duration and RecencyType",
            ));
        }
    }
    if let Some(demo) = &d.demographic {
        check_set("Demographic.AppVersion", demo.app_version.as_ref(), &mut n)?;
        check_set("Demographic.Channel", demo.channel.as_ref(), &mut n)?;
        check_set("Demographic.DeviceType", demo.device_type.as_ref(), &mut n)?;
        check_set("Demographic.Make", demo.make.as_ref(), &mut n)?;
        check_set("Demographic.Model", demo.model.as_ref(), &mut n)?;
        check_set("Demographic.Platform", demo.platform.as_ref(), &mut n)?;
    }
    if let Some(loc) = &d.location {
        check_set("Location.Country", loc.country.as_ref(), &mut n)?;
        if let Some(g) = &loc.gps_point {
            n += 1;
            let ok = g
                .coordinates
                .as_ref()
                .is_some_and(|c| c.latitude.is_some() && c.longitude.is_some());
            if !ok {
                return Err(Error::bad(
                    "Location.GPSPoint.Coordinates needs Latitude and Longitude",
                ));
            }
        }
    }
    Ok(n)
}

fn validate(
    app: &App,
    name: Option<&String>,
    d: Option<&SegmentDimensions>,
    g: Option<&SegmentGroupList>,
) -> Result<()> {
    util::required(name, "Name")?;
    let mut n = 0;
    if let Some(d) = d {
        n += check_dimensions(d)?;
    }
    for group in g.and_then(|g| g.groups.as_ref()).into_iter().flatten() {
        for d in group.dimensions.iter().flatten() {
            n += check_dimensions(d)?;
        }
        for s in group.source_segments.iter().flatten() {
            let id = util::required(s.id.as_ref(), "SourceSegments.Id")?;
            let seg = app
                .segments
                .get(id)
                .ok_or_else(|| Error::bad(format!("Source segment `{id}` not found")))?;
            if let Some(v) = s.version
                && (v < 1 || v > seg.versions.len() as i64)
            {
                return Err(Error::bad(format!(
                    "Source segment `{id}` has no version {v}"
                )));
            }
        }
    }
    if n > MAX_DIMENSIONS {
        return Err(Error::bad(format!(
            "Too many dimensions: {n}, at most {MAX_DIMENSIONS} per segment"
        )));
    }
    Ok(())
}

pub fn create(ctx: &Ctx, state: &mut State, req: &Request, p: &Params) -> Result<Reply> {
    let body: WriteSegmentRequest = parse_body(req)?;
    let app = find(state, &p.app)?;
    validate(
        app,
        body.name.as_ref(),
        body.dimensions.as_ref(),
        body.segment_groups.as_ref(),
    )?;
    let tags = body.tags.unwrap_or_default();
    util::validate_tags(&tags)?;
    let id = util::new_id();
    let now = fmt_date(ctx.now);
    let seq = state.pinpoint.seq();
    let app = find_mut(state, &p.app)?;
    let seg = Segment {
        seq,
        arn: format!("{}/segments/{id}", app.arn),
        id: id.clone(),
        creation_date: now.clone(),
        tags,
        versions: vec![SegmentVersion {
            version: 1,
            name: body.name,
            dimensions: body.dimensions,
            segment_groups: body.segment_groups,
            last_modified_date: now,
        }],
    };
    let reply = response(&app.id, &seg, current(&seg)?);
    app.segments.insert(id, seg);
    Ok(json_reply(ctx, 201, &reply))
}

pub fn update(ctx: &Ctx, state: &mut State, req: &Request, p: &Params) -> Result<Reply> {
    let body: WriteSegmentRequest = parse_body(req)?;
    let app = find(state, &p.app)?;
    let seg = find_segment(app, &p.id)?;
    let prev = current(seg)?;
    let next = SegmentVersion {
        version: prev.version + 1,
        name: body.name.or_else(|| prev.name.clone()),
        dimensions: body.dimensions.or_else(|| prev.dimensions.clone()),
        segment_groups: body.segment_groups.or_else(|| prev.segment_groups.clone()),
        last_modified_date: fmt_date(ctx.now),
    };
    validate(
        app,
        next.name.as_ref(),
        next.dimensions.as_ref(),
        next.segment_groups.as_ref(),
    )?;
    let app = find_mut(state, &p.app)?;
    let app_id = app.id.clone();
    let seg = app
        .segments
        .get_mut(&p.id)
        .ok_or_else(|| Error::not_found("Segment not found"))?;
    seg.versions.push(next);
    let reply = response(&app_id, seg, current(seg)?);
    Ok(json_reply(ctx, 200, &reply))
}

pub fn get(ctx: &Ctx, state: &State, p: &Params) -> Result<Reply> {
    let app = find(state, &p.app)?;
    let seg = find_segment(app, &p.id)?;
    Ok(json_reply(ctx, 200, &response(&app.id, seg, current(seg)?)))
}

pub fn list(ctx: &Ctx, state: &State, req: &Request, p: &Params) -> Result<Reply> {
    let app = find(state, &p.app)?;
    let size = util::page_size(req, DEFAULT_PAGE_SIZE)?;
    let mut segs: Vec<&Segment> = app.segments.values().collect();
    segs.sort_by_key(|s| s.seq);
    let (page, next) = util::paginate(&segs, req.query_param("token"), size)?;
    let mut items = Vec::new();
    for s in page {
        items.push(response(&app.id, s, current(s)?));
    }
    Ok(json_reply(ctx, 200, &list_body(items, next)))
}

pub fn list_body(items: Vec<Value>, next: Option<String>) -> Value {
    let mut body = json!({ "Item": items });
    if let Some(n) = next {
        body["NextToken"] = json!(n);
    }
    body
}

pub fn delete(ctx: &Ctx, state: &mut State, p: &Params) -> Result<Reply> {
    let app = find_mut(state, &p.app)?;
    let seg = app
        .segments
        .remove(&p.id)
        .ok_or_else(|| Error::not_found("Segment not found"))?;
    for c in app.campaigns.values_mut() {
        let uses = c
            .versions
            .last()
            .is_some_and(|v| v.content.segment_id.as_deref() == Some(seg.id.as_str()));
        if uses
            && matches!(
                c.status.as_str(),
                "SCHEDULED" | "PENDING_NEXT_RUN" | "PAUSED"
            )
        {
            "DELETED".clone_into(&mut c.status);
            c.next_run = None;
        }
    }
    let reply = response(&app.id, &seg, current(&seg)?);
    Ok(json_reply(ctx, 200, &reply))
}

pub fn versions(ctx: &Ctx, state: &State, req: &Request, p: &Params) -> Result<Reply> {
    let app = find(state, &p.app)?;
    let seg = find_segment(app, &p.id)?;
    let size = util::page_size(req, DEFAULT_PAGE_SIZE)?;
    let (page, next) = util::paginate(&seg.versions, req.query_param("token"), size)?;
    let items = page.iter().map(|v| response(&app.id, seg, v)).collect();
    Ok(json_reply(ctx, 200, &list_body(items, next)))
}

pub fn version(ctx: &Ctx, state: &State, p: &Params) -> Result<Reply> {
    let app = find(state, &p.app)?;
    let seg = find_segment(app, &p.id)?;
    let v: i64 = p
        .version
        .parse()
        .map_err(|_| Error::bad(format!("Invalid version `{}`", p.version)))?;
    let ver = seg
        .versions
        .iter()
        .find(|x| x.version == v)
        .ok_or_else(|| Error::not_found("Segment version not found"))?;
    Ok(json_reply(ctx, 200, &response(&app.id, seg, ver)))
}

// ------------------------------------------------------------ evaluation

fn set_matches(d: Option<&SetDimension>, value: Option<&str>) -> bool {
    let Some(d) = d else { return true };
    let values = d.values.as_deref().unwrap_or_default();
    let hit = value.is_some_and(|v| values.iter().any(|x| x.eq_ignore_ascii_case(v)));
    match d.dimension_type.unwrap_or(DimensionType::Inclusive) {
        DimensionType::Inclusive => hit,
        DimensionType::Exclusive => !hit,
    }
}

fn attr_matches(d: &AttributeDimension, have: Option<&Vec<String>>) -> bool {
    let want = d.values.as_deref().unwrap_or_default();
    let have = have.map(Vec::as_slice).unwrap_or_default();
    let dates = || have.iter().filter_map(|h| parse_time(h));
    let first = || want.first().and_then(|w| parse_time(w));
    match d.attribute_type.unwrap_or(AttributeType::Inclusive) {
        AttributeType::Inclusive => have.iter().any(|h| want.contains(h)),
        AttributeType::Exclusive => !have.iter().any(|h| want.contains(h)),
        AttributeType::Contains => have
            .iter()
            .any(|h| want.iter().any(|w| h.contains(w.as_str()))),
        AttributeType::Before => first().is_some_and(|w| dates().any(|h| h < w)),
        AttributeType::After => first().is_some_and(|w| dates().any(|h| h > w)),
        AttributeType::On => first().is_some_and(|w| dates().any(|h| h.date() == w.date())),
        AttributeType::Between => {
            let lo = want.first().and_then(|w| parse_time(w));
            let hi = want.get(1).and_then(|w| parse_time(w));
            match (lo, hi) {
                (Some(lo), Some(hi)) => dates().any(|h| lo <= h && h <= hi),
                _ => false,
            }
        }
    }
}

fn attrs_match(
    dims: Option<&std::collections::BTreeMap<String, AttributeDimension>>,
    have: Option<&ListMap>,
) -> bool {
    dims.into_iter()
        .flatten()
        .all(|(k, d)| attr_matches(d, have.and_then(|h| h.get(k))))
}

fn metric_matches(d: &MetricDimension, have: Option<f64>) -> bool {
    let (Some(v), Some(want)) = (have, d.value) else {
        return false;
    };
    match d.comparison_operator.as_deref() {
        Some("GREATER_THAN") => v > want,
        Some("LESS_THAN") => v < want,
        Some("GREATER_THAN_OR_EQUAL") => v >= want,
        Some("LESS_THAN_OR_EQUAL") => v <= want,
        Some("EQUAL") => (v - want).abs() < f64::EPSILON,
        _ => false,
    }
}

fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// Whether an endpoint is in a dimension set.
pub fn dimensions_match(d: &SegmentDimensions, e: &Endpoint, now: OffsetDateTime) -> bool {
    let demo = e.demographic.as_ref();
    if let Some(sd) = &d.demographic {
        let ok = set_matches(
            sd.app_version.as_ref(),
            demo.and_then(|x| x.app_version.as_deref()),
        ) && set_matches(
            sd.channel.as_ref(),
            e.channel_type.map(super::shapes::ChannelType::as_str),
        ) && set_matches(sd.make.as_ref(), demo.and_then(|x| x.make.as_deref()))
            && set_matches(sd.model.as_ref(), demo.and_then(|x| x.model.as_deref()))
            && set_matches(
                sd.platform.as_ref(),
                demo.and_then(|x| x.platform.as_deref()),
            );
        if !ok {
            return false;
        }
    }
    if let Some(loc) = &d.location {
        let country = e.location.as_ref().and_then(|l| l.country.as_deref());
        if !set_matches(loc.country.as_ref(), country) {
            return false;
        }
        if let Some(g) = &loc.gps_point {
            let here = e
                .location
                .as_ref()
                .and_then(|l| Some((l.latitude?, l.longitude?)));
            let there = g
                .coordinates
                .as_ref()
                .and_then(|c| Some((c.latitude?, c.longitude?)));
            let range = g.range_in_kilometers.unwrap_or(100.0);
            match (here, there) {
                (Some(h), Some(t)) if haversine_km(h, t) <= range => {}
                _ => return false,
            }
        }
    }
    if !attrs_match(d.attributes.as_ref(), Some(&e.attributes)) {
        return false;
    }
    let user_attrs = e.user.as_ref().and_then(|u| u.user_attributes.as_ref());
    if !attrs_match(d.user_attributes.as_ref(), user_attrs) {
        return false;
    }
    for (k, m) in d.metrics.iter().flatten() {
        if !metric_matches(m, e.metrics.get(k).copied()) {
            return false;
        }
    }
    if let Some(r) = d.behavior.as_ref().and_then(|b| b.recency.as_ref()) {
        let days = match r.duration {
            Some(RecencyDuration::Hr24) => 1,
            Some(RecencyDuration::Day7) => 7,
            Some(RecencyDuration::Day14) => 14,
            Some(RecencyDuration::Day30) | None => 30,
        };
        let active =
            parse_time(&e.effective_date).is_some_and(|t| now - t <= time::Duration::days(days));
        let want_active = r.recency_type != Some(RecencyType::Inactive);
        if active != want_active {
            return false;
        }
    }
    true
}

fn combine(kind: Option<Include>, results: impl Iterator<Item = bool>) -> bool {
    let results: Vec<bool> = results.collect();
    match kind.unwrap_or(Include::Any) {
        Include::All => results.iter().all(|&b| b),
        Include::Any => results.is_empty() || results.iter().any(|&b| b),
        Include::None => !results.iter().any(|&b| b),
    }
}

/// Whether an endpoint is in a segment version (its dimensions and its
/// segment groups, source segments evaluated to a bounded depth).
pub fn version_matches(
    app: &App,
    v: &SegmentVersion,
    e: &Endpoint,
    now: OffsetDateTime,
    depth: u8,
) -> bool {
    if let Some(d) = &v.dimensions
        && !dimensions_match(d, e, now)
    {
        return false;
    }
    let Some(groups) = v.segment_groups.as_ref() else {
        return true;
    };
    let Some(list) = groups.groups.as_ref().filter(|g| !g.is_empty()) else {
        return true;
    };
    combine(
        groups.include.or(Some(Include::All)),
        list.iter().map(|g| {
            let dims = combine(
                g.kind.or(Some(Include::All)),
                g.dimensions
                    .iter()
                    .flatten()
                    .map(|d| dimensions_match(d, e, now)),
            );
            let sources = g.source_segments.as_deref().unwrap_or_default();
            let from_sources = sources.is_empty()
                || depth == 0
                || combine(
                    g.source_type.or(Some(Include::Any)),
                    sources.iter().map(|s| {
                        let seg = s.id.as_ref().and_then(|id| app.segments.get(id));
                        let ver = seg.and_then(|seg| match s.version {
                            Some(n) => seg.versions.iter().find(|x| x.version == n),
                            None => seg.versions.last(),
                        });
                        ver.is_some_and(|ver| version_matches(app, ver, e, now, depth - 1))
                    }),
                );
            dims && from_sources
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pinpoint::shapes::{EndpointDemographic, EndpointLocation, EndpointUser};

    fn endpoint(platform: &str, country: &str, purchase: &str) -> Endpoint {
        Endpoint {
            id: "e".into(),
            demographic: Some(EndpointDemographic {
                platform: Some(platform.into()),
                ..Default::default()
            }),
            location: Some(EndpointLocation {
                country: Some(country.into()),
                ..Default::default()
            }),
            user: Some(EndpointUser {
                user_attributes: Some([("PurchaseHistory".into(), vec![purchase.into()])].into()),
                user_id: None,
            }),
            ..Default::default()
        }
    }

    #[test]
    fn the_recipe_segment_picks_high_value_customers() {
        let d: SegmentDimensions = serde_json::from_value(json!({
            "UserAttributes": {"PurchaseHistory": {"AttributeType": "INCLUSIVE", "Values": ["high-value"]}},
            "Demographic": {"Platform": {"DimensionType": "INCLUSIVE", "Values": ["iOS", "Android"]}}
        }))
        .unwrap();
        let now = OffsetDateTime::UNIX_EPOCH;
        assert!(dimensions_match(
            &d,
            &endpoint("iOS", "US", "high-value"),
            now
        ));
        assert!(!dimensions_match(
            &d,
            &endpoint("Android", "US", "medium-value"),
            now
        ));
        assert!(!dimensions_match(
            &d,
            &endpoint("Windows", "US", "high-value"),
            now
        ));
    }

    #[test]
    fn exclusive_dimensions_invert() {
        let d: SegmentDimensions = serde_json::from_value(json!({
            "Location": {"Country": {"DimensionType": "EXCLUSIVE", "Values": ["US"]}},
            "UserAttributes": {"PurchaseHistory": {"AttributeType": "EXCLUSIVE", "Values": ["low-value"]}}
        }))
        .unwrap();
        let now = OffsetDateTime::UNIX_EPOCH;
        assert!(!dimensions_match(
            &d,
            &endpoint("iOS", "US", "high-value"),
            now
        ));
        assert!(dimensions_match(
            &d,
            &endpoint("iOS", "DE", "high-value"),
            now
        ));
        assert!(!dimensions_match(
            &d,
            &endpoint("iOS", "DE", "low-value"),
            now
        ));
    }

    #[test]
    fn metric_operators_are_checked() {
        let d = SegmentDimensions {
            metrics: Some(
                [(
                    "score".into(),
                    MetricDimension {
                        comparison_operator: Some("GREATERISH".into()),
                        value: Some(1.0),
                    },
                )]
                .into(),
            ),
            ..Default::default()
        };
        assert!(check_dimensions(&d).is_err());
    }
}
