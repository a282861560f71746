//! Phase 1: the stack's app among all apps (`GetApps`), and what its tags
//! tell (the index of owned resources, the write-only fingerprints), taken
//! into the registry.

use std::collections::{BTreeMap, BTreeSet};
use std::pin::Pin;

use aws_sdk_pinpoint::types::ApplicationResponse;
use futures_util::future::MaybeDone;
use reconcile_engine::provider::Conflict;
use reconcile_engine::{LiveState, ProviderError};
use reconcile_model::{Address, Kind};

use super::classify::Candidate;
use super::named::NamedReads;
use super::{Desired, Scope};
use crate::app::{app_address, app_from_sdk};
use crate::ids::AppInfo;
use crate::provider::{AwsProvider, name_of};
use crate::tags::{self, Owner, fingerprints, owner, parse_index};

/// How the stack's app was found.
enum AppChoice {
    Owned(ApplicationResponse),
    Adopted(ApplicationResponse),
    /// A namesake the stack may not use (reported as a conflict).
    Conflict(ForeignApp),
    None,
}

/// An app with the spec's name that is not the stack's (a conflict). What
/// it holds is read too, so that everything the spec wants that already
/// lives in it (the recipe's segment, campaign, channels...) is reported as
/// a conflict, not as a create.
pub(super) struct ForeignApp {
    pub(super) id: String,
    /// The stack that owns it, if another one does.
    owner: Option<String>,
}

impl ForeignApp {
    /// Reports `address` (a desired resource found in this app) as a
    /// conflict; `live_id` is the resource's id, or its path in the app.
    pub(super) fn conflict(
        &self,
        live: &mut LiveState,
        d: &Desired<'_>,
        address: Address,
        live_id: String,
    ) {
        if !d.by_address.contains_key(&address)
            || live.conflicts.iter().any(|c| c.address == address)
        {
            return;
        }
        let message = match &self.owner {
            Some(s) => format!("is in app `{}`, which belongs to stack `{s}`", self.id),
            None => format!(
                "is in app `{}`, which has the spec's name but no `reconcile:stack` tag; `--adopt` takes both over",
                self.id
            ),
        };
        live.conflicts.push(Conflict {
            address,
            live_id,
            owner: self.owner.clone(),
            message,
        });
    }

    /// The path of a thing inside the app, as its live id.
    pub(super) fn path(&self, address: &Address) -> String {
        match address.kind {
            Kind::Channel => format!("apps/{}/channels/{}", self.id, address.key),
            Kind::Endpoint => format!("apps/{}/endpoints/{}", self.id, address.key),
            Kind::EventStream => format!("apps/{}/eventstream", self.id),
            _ => format!("apps/{}/{address}", self.id),
        }
    }
}

/// What the stack owns by kind, as the app's tags index it.
type Index = BTreeMap<Kind, BTreeSet<String>>;
/// Write-only fingerprints by address.
type Fingerprints = BTreeMap<Address, String>;

/// What phase 1 found.
pub(super) struct AppRead {
    /// The stack's app (owned or adopted).
    pub(super) app: Option<ApplicationResponse>,
    /// Whether `app` is taken over (what belongs to it is adopted with it).
    pub(super) adopted: bool,
    /// A namesake app that is not the stack's, whose contents are read to
    /// report them as conflicts (a whole read only, not a `find`).
    pub(super) foreign: Option<ForeignApp>,
    /// The name the registry knows for a `find`'s address.
    pub(super) hint: Option<String>,
    /// What the stack owns by kind, as indexed (and, for a `find`, as
    /// indexed meanwhile).
    pub(super) index: Index,
    /// The write-only fingerprints kept in the app's tags.
    pub(super) fps: Fingerprints,
}

impl AppRead {
    /// The id of the stack's app.
    pub(super) fn id(&self) -> Option<String> {
        self.app
            .as_ref()
            .and_then(|a| a.id())
            .map(ToOwned::to_owned)
    }
}

impl AwsProvider {
    /// Phase 1: lists the apps (while `named`, the first look-ups by name,
    /// makes progress too), chooses the stack's and takes what its tags
    /// say into the registry.
    pub(super) async fn read_app<F>(
        &self,
        scope: &Scope<'_>,
        live: &mut LiveState,
        mut named: Pin<&mut MaybeDone<F>>,
    ) -> Result<AppRead, ProviderError>
    where
        F: Future<Output = NamedReads>,
    {
        let apps = {
            let mut list = std::pin::pin!(self.list_apps());
            std::future::poll_fn(|cx| {
                let _ = named.as_mut().poll(cx);
                list.as_mut().poll(cx)
            })
            .await?
        };
        let d = &scope.d;
        let only = scope.only;
        let app_name = d.of(Kind::App).first().and_then(|r| name_of(r));
        let choice = self.choose_app(apps, app_name, scope.adopt, live)?;
        let (app, adopted, foreign) = match choice {
            AppChoice::Owned(a) => (Some(a), false, None),
            AppChoice::Adopted(a) => (Some(a), true, None),
            // Inside a conflicting app only for a whole read, not a `find`.
            AppChoice::Conflict(f) => (None, false, Some(f).filter(|_| only.is_none())),
            AppChoice::None => (None, false, None),
        };
        let (hint, index, fps) = self.learn_app(app.as_ref(), only);
        if let Some(a) = &app
            && scope.want(Kind::App)
        {
            live.resources.push(app_from_sdk(a));
        }
        Ok(AppRead {
            app,
            adopted,
            foreign,
            hint,
            index,
            fps,
        })
    }

    /// Chooses the stack's app among all apps.
    fn choose_app(
        &self,
        apps: Vec<ApplicationResponse>,
        desired_name: Option<&str>,
        adopt: bool,
        live: &mut LiveState,
    ) -> Result<AppChoice, ProviderError> {
        let mut mine = Vec::new();
        let mut namesakes = Vec::new();
        for app in apps {
            let o = owner(&tags::from_hash(app.tags()), &self.stack);
            if o == Owner::Stack(app_address()) {
                mine.push(app);
            } else if desired_name.is_some_and(|n| app.name() == Some(n)) {
                namesakes.push((app, o));
            }
        }
        if mine.len() > 1 {
            let ids: Vec<&str> = mine.iter().filter_map(ApplicationResponse::id).collect();
            return Err(ProviderError::Other(format!(
                "several apps carry `reconcile:stack={}`: {}; delete or untag all but one",
                self.stack,
                ids.join(", ")
            )));
        }
        if let Some(app) = mine.pop() {
            return Ok(AppChoice::Owned(app));
        }
        let candidates = namesakes
            .into_iter()
            .map(|(app, o)| Candidate {
                wanted: Some(app_address()),
                owner: o,
                live_id: app.id().unwrap_or_default().to_owned(),
                item: app,
            })
            .collect();
        if let Some(p) = Self::place(live, Kind::App, adopt, candidates)
            .into_iter()
            .next()
        {
            return Ok(AppChoice::Adopted(p.item));
        }
        Ok(live
            .conflicts
            .iter()
            .find(|c| c.address == app_address())
            .map_or(AppChoice::None, |c| {
                AppChoice::Conflict(ForeignApp {
                    id: c.live_id.clone(),
                    owner: c.owner.clone(),
                })
            }))
    }

    /// Takes the app into the registry (a whole read starts it afresh) and
    /// returns what a `find` knows of its address's name, the index and
    /// the fingerprints.
    fn learn_app(
        &self,
        app: Option<&ApplicationResponse>,
        only: Option<&Address>,
    ) -> (Option<String>, Index, Fingerprints) {
        let mut reg = self.ids.lock();
        if only.is_none() {
            reg.names.clear();
            reg.arns.clear();
            reg.ids.clear();
            reg.segment_versions.clear();
        }
        // A `find` runs alongside the apply's other steps, which change
        // the app's tags (index entries, fingerprints) and the registry
        // with them; its listing may predate those changes. So it only
        // fills in what the registry does not know (the app after a
        // lost CreateApp) and never replaces or forgets: replacing the
        // index with an older listing lost entries that the next index
        // write then dropped from the app for good.
        let known = only.is_some()
            && reg
                .app
                .as_ref()
                .zip(app)
                .is_some_and(|(r, a)| a.id() == Some(r.id.as_str()));
        match app {
            Some(a) if known => {
                let mut index = reg.owned.clone();
                for (kind, names) in parse_index(&tags::from_hash(a.tags())) {
                    index.entry(kind).or_default().extend(names);
                }
                let fps = reg
                    .app
                    .as_ref()
                    .map(|r| fingerprints(&r.tags))
                    .unwrap_or_default();
                let hint = only.and_then(|a| reg.names.get(a).cloned());
                (hint, index, fps)
            }
            None if only.is_some() => {
                let hint = only.and_then(|a| reg.names.get(a).cloned());
                (hint, reg.owned.clone(), BTreeMap::new())
            }
            Some(a) => {
                let info = AppInfo {
                    id: a.id().unwrap_or_default().to_owned(),
                    arn: a.arn().unwrap_or_default().to_owned(),
                    tags: tags::from_hash(a.tags()),
                };
                reg.learn_account(&info.arn);
                let mut index = parse_index(&info.tags);
                if only.is_some() {
                    // A find that learns the app keeps what steps
                    // indexed meanwhile (`sync_index` writes it).
                    for (kind, names) in &reg.owned {
                        index
                            .entry(*kind)
                            .or_default()
                            .extend(names.iter().cloned());
                    }
                }
                reg.owned.clone_from(&index);
                let fps = fingerprints(&info.tags);
                reg.app = Some(info);
                let hint = only.and_then(|a| reg.names.get(a).cloned());
                (hint, index, fps)
            }
            None => {
                reg.forget_app();
                if only.is_none() {
                    reg.owned.clear();
                }
                let hint = only.and_then(|a| reg.names.get(a).cloned());
                (hint, reg.owned.clone(), BTreeMap::new())
            }
        }
    }
}
