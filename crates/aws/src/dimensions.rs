//! Pinpoint's attribute, set and metric dimensions, which segment criteria
//! ([`crate::segments`]) and campaign event filters ([`crate::campaigns`])
//! share: spec to SDK and back. Empty maps are sent as absent; live values
//! the model does not know are dropped with a warning
//! ([`from_wire`](crate::mapping::from_wire)).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_pinpoint::types as sdk;
use reconcile_model::spec::{AttributeDimension, MetricDimension, SetDimension};

use crate::mapping::{from_wire, wire_name};

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
