//! Reading the live state of a stack with the fewest calls the APIs allow.
//!
//! 1. `GetApps` (all pages; the list carries tags): the app tagged
//!    `reconcile:stack=<stack>` (and `reconcile:key=app`). Without one, an
//!    app with the spec's name is a conflict, or with `adopt` the app to
//!    take over. The app's tags also give the write-only fingerprints and
//!    the index of owned endpoints, roles, streams, templates and alarms.
//! 2. Then everything else at once, under a bound
//!    ([`ProviderOptions::read_parallelism`](crate::ProviderOptions)):
//!    settings (when the spec has them), channels, the event stream,
//!    segments and campaigns (lists that carry tags), endpoints, templates,
//!    roles, streams and alarms by id or name (the spec's and the index's).
//! 3. Classification, without calls: a resource tagged with this stack is
//!    live at the address its `reconcile:key` names; an untagged namesake of
//!    a desired resource is a conflict, or adopted with `adopt`; anything
//!    else is not the stack's business. Things inside the app (settings,
//!    channels, endpoints, event stream) belong to the app. When the app
//!    itself is a conflict (a stack built by hand, without `adopt`), what
//!    the spec wants that already lives in it (channels, endpoints, event
//!    stream, namesake segments and campaigns) is read the same way and
//!    reported as conflicts too, never as creates.
//!
//! Each phase has its file: `app` (1), `contents` (2), `classify`
//! (3); `named` holds the look-ups by name (templates, roles, streams,
//! alarms), which start with phase 1 and end with phase 2.
//!
//! A campaign that has completed reads as its spec except for its tags,
//! with a warning naming the fields that differ: AWS does not change a
//! campaign that has run, and re-creating it would send it again (see
//! [`campaigns`](crate::campaigns#completed-campaigns)).
//!
//! A family the service refuses (end of support: 403) marks its kind
//! unavailable (`<kind>.*` and every desired address of the kind) instead
//! of reading as absent, so it never turns into a delete or a create.

mod app;
mod classify;
mod contents;
mod named;

use std::collections::BTreeMap;

use reconcile_engine::{LiveState, ProviderError};
use reconcile_model::{Address, Api, Kind, Resource};

use crate::provider::{AwsProvider, name_of};

/// The key of an [`Unavailable`](reconcile_engine::provider::Unavailable)
/// address that covers a whole kind (the engine's, which reads it).
pub use reconcile_engine::diff::KIND_WIDE_KEY;

/// The desired resources by kind.
struct Desired<'a> {
    by_kind: BTreeMap<Kind, Vec<&'a Resource>>,
    by_address: BTreeMap<&'a Address, &'a Resource>,
}

impl<'a> Desired<'a> {
    fn new(desired: &'a [Resource]) -> Self {
        let mut by_kind: BTreeMap<Kind, Vec<&Resource>> = BTreeMap::new();
        for r in desired {
            by_kind.entry(r.address.kind).or_default().push(r);
        }
        Self {
            by_kind,
            by_address: desired.iter().map(|r| (&r.address, r)).collect(),
        }
    }

    fn of(&self, kind: Kind) -> &[&'a Resource] {
        self.by_kind.get(&kind).map_or(&[], Vec::as_slice)
    }

    fn names(&self, kind: Kind) -> impl Iterator<Item = &'a str> + '_ {
        self.of(kind).iter().filter_map(|r| name_of(r))
    }

    /// The desired address of `kind` whose name is `name`.
    fn wanted(&self, kind: Kind, name: &str, fold_case: bool) -> Option<Address> {
        self.of(kind)
            .iter()
            .find(|r| {
                name_of(r).is_some_and(|n| {
                    if fold_case {
                        n.eq_ignore_ascii_case(name)
                    } else {
                        n == name
                    }
                })
            })
            .map(|r| r.address.clone())
    }
}

/// What one read is for, shared by its three phases.
struct Scope<'a> {
    d: Desired<'a>,
    adopt: bool,
    /// The one address a `find` reads (`None`: a whole read).
    only: Option<&'a Address>,
    api: Api,
}

impl Scope<'_> {
    /// Whether the read asks for `kind`. Today's AWS refuses the kinds it
    /// retired: they are asked for only when the spec declares them (to
    /// report each as retired), never to find owned ones to prune (they
    /// could not be deleted anyway).
    fn want(&self, k: Kind) -> bool {
        self.only.is_none_or(|a| a.kind == k)
            && (self.api.serves(k) || self.only.is_some() || !self.d.of(k).is_empty())
    }
}

impl AwsProvider {
    /// Reads the live state: everything the stack owns and every unowned
    /// namesake of a desired resource. `only` restricts the read to one
    /// address (for `find`): then nothing is adopted and the registry's
    /// other entries are kept.
    pub(crate) async fn read_live(
        &self,
        desired: &[Resource],
        adopt: bool,
        only: Option<&Address>,
    ) -> Result<LiveState, ProviderError> {
        let scope = Scope {
            d: Desired::new(desired),
            adopt,
            only,
            api: self.clients.api,
        };
        let mut live = LiveState::default();

        // 1. The app, and at the same time the named things the spec wants
        // (they need nothing from the app). The named reads go on through
        // step 2: the app's contents start as soon as the app is known, not
        // when the slowest named read is done (49 alarms' tags held the
        // endpoints back by two seconds).
        let flags = named::NamedFlags::new(&scope);
        let first = named::Names::desired(&scope.d);
        let mut first_named = std::pin::pin!(futures_util::future::maybe_done(
            self.read_named(&first, flags)
        ));
        let app = self
            .read_app(&scope, &mut live, first_named.as_mut())
            .await?;

        // 2. Everything else, at once: what lives in the app, and named
        // things only the index (or a `find`) names.
        let reads = Box::pin(self.read_contents(&scope, &app, &first, flags, first_named)).await?;

        // 3. Classification, without calls.
        self.classify(&scope, &app, reads, &mut live)?;

        if let Some(a) = only {
            live.resources.retain(|r| r.address == *a);
        }
        live.resources.sort_by(|a, b| a.address.cmp(&b.address));
        live.adopted.sort();
        live.adopted.dedup();
        Ok(live)
    }

    /// The resource at `address` if it exists and this stack owns it.
    pub(crate) async fn find_one(
        &self,
        address: &Address,
    ) -> Result<Option<Resource>, ProviderError> {
        let live = Box::pin(self.read_live(&[], false, Some(address))).await?;
        self.sync_index().await?;
        if let Some(u) = live
            .unavailable
            .iter()
            .find(|u| u.address.kind == address.kind)
        {
            return Err(ProviderError::Unavailable(u.message.clone()));
        }
        Ok(live.resources.into_iter().find(|r| r.address == *address))
    }
}
