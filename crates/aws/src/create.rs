//! The preamble every create of a taggable kind shares, written once
//! ([`AwsProvider::creating`]), in this order:
//!
//! 1. the step's resource as the kind's typed spec struct;
//! 2. for a kind found through the app's index ([`INDEXED_KINDS`]: roles,
//!    streams, templates, alarms), its name recorded in the registry and
//!    added to the index, before any call, so that a create whose response
//!    is lost is found by the next read (and a crash leaves at worst an
//!    entry for nothing, see [`crate::tags`]);
//! 3. the tags the create sends: the spec's own with this stack's
//!    ownership tags over them.
//!
//! The kind's module then builds its request from [`Creating`].

use reconcile_engine::ProviderError;
use reconcile_model::spec::{
    Alarm, App, Campaign, IamRole, KinesisStream, Segment, Tags, Template,
};
use reconcile_model::{Address, Resource};
use serde::de::DeserializeOwned;

use crate::provider::{AwsProvider, typed};
use crate::tags::{INDEXED_KINDS, ownership_tags};

/// The spec struct of a kind the stack tags when it creates it.
pub(crate) trait Taggable: DeserializeOwned {
    /// The name AWS knows it by (what the index holds for indexed kinds).
    fn name(&self) -> &str;
    /// The user's own tags.
    fn tags(&self) -> &Tags;
}

macro_rules! taggable {
    ($($t:ty),* $(,)?) => {$(
        impl Taggable for $t {
            fn name(&self) -> &str {
                &self.name
            }
            fn tags(&self) -> &Tags {
                &self.tags
            }
        }
    )*};
}

taggable!(
    App,
    Segment,
    Template,
    Campaign,
    IamRole,
    KinesisStream,
    Alarm
);

/// What a create knows once its preamble ran.
pub(crate) struct Creating<T> {
    /// The step's resource as the kind's spec struct.
    pub spec: T,
    /// The tags to create it with: the spec's, then the ownership tags.
    pub tags: Tags,
}

impl AwsProvider {
    /// The create preamble (see the module docs) for the resource `after`
    /// at `address`.
    pub(crate) async fn creating<T: Taggable>(
        &self,
        address: &Address,
        after: &Resource,
    ) -> Result<Creating<T>, ProviderError> {
        let spec: T = typed(after)?;
        if INDEXED_KINDS.contains(&address.kind) {
            self.ids
                .lock()
                .names
                .insert(address.clone(), spec.name().to_owned());
            self.index_add(address.kind, spec.name()).await?;
        }
        let mut tags = spec.tags().clone();
        tags.extend(ownership_tags(&self.stack, address));
        Ok(Creating { spec, tags })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use reconcile_model::Kind;
    use serde_json::json;

    use super::*;

    #[test]
    fn a_resource_its_kind_cannot_read_keeps_the_parser_error_as_source() {
        let r = Resource {
            address: Address::new(Kind::KinesisStream, "events"),
            attrs: json!({ "name": 7 }),
            write_only: BTreeMap::new(),
            sensitive: BTreeSet::new(),
            depends_on: BTreeSet::new(),
        };
        let err = typed::<KinesisStream>(&r).expect_err("not a stream");
        assert!(
            err.to_string().starts_with(
                "`kinesis_stream.events`: the attributes do not match the spec model: "
            ),
            "{err}"
        );
        let source = std::error::Error::source(&err).expect("a source");
        assert!(
            source.downcast_ref::<serde_json::Error>().is_some(),
            "{source}"
        );
    }
}
