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
//! A campaign that has completed reads as its spec except for its tags,
//! with a warning naming the fields that differ: AWS does not change a
//! campaign that has run, and re-creating it would send it again (see
//! [`campaigns`](crate::campaigns#completed-campaigns)).
//!
//! A family the service refuses (end of support: 403) marks its kind
//! unavailable (`<kind>.*` and every desired address of the kind) instead
//! of reading as absent, so it never turns into a delete or a create.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_pinpoint::types::{ApplicationResponse, PushNotificationTemplateResponse};
use reconcile_engine::provider::{Conflict, Unavailable};
use reconcile_engine::{LiveState, ProviderError};
use reconcile_model::resources::set_write_only_fingerprint;
use reconcile_model::{Address, Kind, Resource};

use crate::app::{app_address, app_from_sdk};
use crate::cloudwatch::{AlarmRead, alarm_from_sdk};
use crate::endpoints::endpoint_ids;
use crate::engagement::{campaign_live, desired_segment_version, segment_live};
use crate::event_stream::event_stream_from_sdk;
use crate::iam::{RoleRead, role_resource};
use crate::ids::AppInfo;
use crate::kinesis::{StreamRead, stream_resource};
use crate::provider::{AwsProvider, name_of};
use crate::tags::{self, Owner, fingerprints, owner, parse_index};
use crate::{campaigns, segments, templates};

/// The key of an [`Unavailable`] address that covers a whole kind (the
/// engine's, which reads it).
pub use reconcile_engine::diff::KIND_WIDE_KEY;

/// A live resource found by name or listing, before it is placed.
struct Candidate<T> {
    /// The desired address whose name it carries, if any.
    wanted: Option<Address>,
    owner: Owner,
    /// How it is known (id, ARN or name), for conflicts.
    live_id: String,
    item: T,
}

/// A candidate placed at an address.
struct Placed<T> {
    address: Address,
    adopted: bool,
    item: T,
}

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
struct ForeignApp {
    id: String,
    /// The stack that owns it, if another one does.
    owner: Option<String>,
}

impl ForeignApp {
    /// Reports `address` (a desired resource found in this app) as a
    /// conflict; `live_id` is the resource's id, or its path in the app.
    fn conflict(&self, live: &mut LiveState, d: &Desired<'_>, address: Address, live_id: String) {
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
    fn path(&self, address: &Address) -> String {
        match address.kind {
            Kind::Channel => format!("apps/{}/channels/{}", self.id, address.key),
            Kind::Endpoint => format!("apps/{}/endpoints/{}", self.id, address.key),
            Kind::EventStream => format!("apps/{}/eventstream", self.id),
            _ => format!("apps/{}/{address}", self.id),
        }
    }
}

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

/// The names to look up for a named kind: the spec's, the index's and a
/// hint (a `find`).
fn lookup_names<'a>(
    desired: impl Iterator<Item = &'a str>,
    indexed: Option<&BTreeSet<String>>,
    hint: Option<&String>,
    fold_case: bool,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let all = desired
        .map(ToOwned::to_owned)
        .chain(indexed.into_iter().flatten().cloned())
        .chain(hint.cloned());
    for n in all {
        let dup = out.iter().any(|o| {
            if fold_case {
                o.eq_ignore_ascii_case(&n)
            } else {
                *o == n
            }
        });
        if !dup {
            out.push(n);
        }
    }
    out
}

/// Runs the reads of a list of names at once.
async fn each<T, F, Fut>(names: &[String], read: F) -> Result<Vec<(String, T)>, ProviderError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, ProviderError>>,
{
    let results = futures_util::future::join_all(names.iter().map(|n| {
        let fut = read(n.clone());
        async move { (n.clone(), fut.await) }
    }))
    .await;
    let mut out = Vec::new();
    for (n, r) in results {
        if let Some(t) = r? {
            out.push((n, t));
        }
    }
    Ok(out)
}

/// A campaign that has run (`COMPLETED`) as the plan should see it. AWS
/// keeps it but does not change it any more (the emulator refuses
/// `UpdateCampaign`; AWS's console only edits campaigns not yet sent), and
/// re-creating it would send it again. So where the spec describes it
/// differently (the recipe's campaign ran with `Timezone: America/New_York`,
/// which a spec cannot even write), no change could make them equal: it
/// reads as the spec's campaign, except for its tags (which still change,
/// so it can be adopted), and a warning names the fields that differ from
/// what was sent.
fn completed_campaign(live: Resource, want: &Resource, id: &str) -> Resource {
    let tags = live.attrs.get("tags").cloned();
    let strip = |v: &serde_json::Value| {
        let mut v = v.clone();
        if let Some(m) = v.as_object_mut() {
            m.remove("tags");
        }
        v
    };
    let differs = reconcile_engine::diff::changed_paths(&strip(&live.attrs), &strip(&want.attrs));
    if differs.is_empty() {
        return live;
    }
    tracing::warn!(
        "{} (`{id}`) has completed, and AWS does not change a campaign that has run: \
         {} stay as sent, not as the spec says (to send a new campaign, give it a new key)",
        live.address,
        differs.join(", ")
    );
    let mut out = want.clone();
    out.write_only.clear();
    if let Some(m) = out.attrs.as_object_mut() {
        match tags {
            Some(t) => m.insert("tags".to_owned(), t),
            None => m.remove("tags"),
        };
    }
    out
}

/// Why an unowned namesake is a conflict (the renderings add its live id
/// and owner).
fn conflict_message(owner: &Owner) -> String {
    match owner {
        Owner::OtherStack(s) => format!("has the spec's name but belongs to stack `{s}`"),
        _ => "has the spec's name but no `reconcile:stack` tag; `--adopt` takes it over".to_owned(),
    }
}

/// Names of named things to look up, by kind.
#[derive(Default)]
struct Names {
    roles: Vec<String>,
    streams: Vec<String>,
    templates: Vec<String>,
    alarms: Vec<String>,
}

/// Which named kinds a read needs.
#[derive(Clone, Copy)]
struct NamedFlags {
    templates: bool,
    roles: bool,
    streams: bool,
    alarms: bool,
}

type Found<T> = Option<Result<Vec<T>, ProviderError>>;

/// What the look-ups by name found.
struct NamedReads {
    templates: Found<(String, PushNotificationTemplateResponse)>,
    roles: Found<(String, RoleRead)>,
    streams: Found<(String, StreamRead)>,
    alarms: Found<AlarmRead>,
}

fn merge_found<T>(a: Found<T>, b: Found<T>) -> Found<T> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(Err(e)), _) | (_, Some(Err(e))) => Some(Err(e)),
        (Some(Ok(mut x)), Some(Ok(y))) => {
            x.extend(y);
            Some(Ok(x))
        }
    }
}

impl NamedReads {
    fn merge(self, other: NamedReads) -> NamedReads {
        NamedReads {
            templates: merge_found(self.templates, other.templates),
            roles: merge_found(self.roles, other.roles),
            streams: merge_found(self.streams, other.streams),
            alarms: merge_found(self.alarms, other.alarms),
        }
    }
}

/// The index's (and a hint's) names not looked up already.
fn more_names(
    done: &[String],
    indexed: Option<&BTreeSet<String>>,
    hint: Option<&String>,
    fold_case: bool,
) -> Vec<String> {
    lookup_names(std::iter::empty(), indexed, hint, fold_case)
        .into_iter()
        .filter(|n| {
            !done.iter().any(|d| {
                if fold_case {
                    d.eq_ignore_ascii_case(n)
                } else {
                    d == n
                }
            })
        })
        .collect()
}

impl AwsProvider {
    /// Looks up named things (templates, roles, streams, alarms) at once.
    async fn read_named(&self, names: &Names, flags: NamedFlags) -> NamedReads {
        let (templates, roles, streams, alarms) = tokio::join!(
            async {
                if !flags.templates || names.templates.is_empty() {
                    return None;
                }
                Some(
                    each(&names.templates, |n| async move {
                        self.pace_read("template-read").await;
                        let _slot = self.permit().await;
                        templates::get_push_template(self.pinpoint(), self.clients.api, &n, None)
                            .await
                            .map_err(|c| c.error)
                    })
                    .await,
                )
            },
            async {
                if !flags.roles || names.roles.is_empty() {
                    return None;
                }
                Some(each(&names.roles, |n| async move { self.read_role(&n).await }).await)
            },
            async {
                if !flags.streams || names.streams.is_empty() {
                    return None;
                }
                Some(
                    each(
                        &names.streams,
                        |n| async move { self.read_stream(&n).await },
                    )
                    .await,
                )
            },
            async {
                if !flags.alarms || names.alarms.is_empty() {
                    return None;
                }
                Some(
                    self.read_alarms(&names.alarms)
                        .await
                        .map(|v| v.into_iter().collect()),
                )
            },
        );
        NamedReads {
            templates,
            roles,
            streams,
            alarms,
        }
    }
}

impl AwsProvider {
    /// Places candidates of `kind`: owned ones at their tagged address,
    /// then, where the stack has nothing yet, unowned namesakes of desired
    /// resources as conflicts (or adopted).
    fn place<T>(
        live: &mut LiveState,
        kind: Kind,
        adopt: bool,
        candidates: Vec<Candidate<T>>,
    ) -> Vec<Placed<T>> {
        let mut placed: Vec<Placed<T>> = Vec::new();
        let mut rest = Vec::new();
        for c in candidates {
            match &c.owner {
                Owner::Stack(a) if a.kind == kind => {
                    if placed.iter().any(|p| p.address == *a) {
                        tracing::warn!(address = %a, live_id = %c.live_id, "two live resources carry the same address; ignoring one");
                        continue;
                    }
                    placed.push(Placed {
                        address: a.clone(),
                        adopted: false,
                        item: c.item,
                    });
                }
                _ => rest.push(c),
            }
        }
        for c in rest {
            let Some(wanted) = c.wanted else { continue };
            if placed.iter().any(|p| p.address == wanted) {
                continue;
            }
            if adopt && matches!(c.owner, Owner::Unowned | Owner::Stack(_)) {
                live.adopted.push(wanted.clone());
                placed.push(Placed {
                    address: wanted,
                    adopted: true,
                    item: c.item,
                });
            } else {
                live.conflicts.push(Conflict {
                    message: conflict_message(&c.owner),
                    address: wanted,
                    live_id: c.live_id,
                    owner: match c.owner {
                        Owner::OtherStack(s) => Some(s),
                        _ => None,
                    },
                });
            }
        }
        placed
    }

    /// The result of a family's read: the value, or (for a refused family,
    /// or any failure of a kind the API retired: [`AwsProvider::retired`])
    /// its kind marked unavailable.
    fn family<T>(
        &self,
        live: &mut LiveState,
        kind: Kind,
        desired: &Desired<'_>,
        r: Option<Result<T, ProviderError>>,
    ) -> Result<Option<T>, ProviderError> {
        match r.map(|r| r.map_err(|e| self.retired(kind, e))) {
            None => Ok(None),
            Some(Ok(t)) => Ok(Some(t)),
            Some(Err(ProviderError::Unavailable(message))) => {
                live.unavailable.push(Unavailable {
                    address: Address::new(kind, KIND_WIDE_KEY),
                    message: message.clone(),
                });
                for r in desired.of(kind) {
                    live.unavailable.push(Unavailable {
                        address: r.address.clone(),
                        message: message.clone(),
                    });
                }
                Ok(None)
            }
            Some(Err(e)) => Err(e),
        }
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
        let d = Desired::new(desired);
        // Today's AWS refuses the kinds it retired: they are asked for only
        // when the spec declares them (to report each as retired), never to
        // find owned ones to prune (they could not be deleted anyway).
        let api = self.clients.api;
        let want = |k: Kind| {
            only.is_none_or(|a| a.kind == k)
                && (api.serves(k) || only.is_some() || !d.of(k).is_empty())
        };
        let mut live = LiveState::default();

        // 1. The app, and at the same time the named things the spec wants
        // (they need nothing from the app).
        let named_flags = NamedFlags {
            templates: want(Kind::Template) || want(Kind::Campaign),
            roles: want(Kind::IamRole) || want(Kind::EventStream),
            streams: want(Kind::KinesisStream) || want(Kind::EventStream) || want(Kind::IamRole),
            alarms: want(Kind::Alarm),
        };
        let first = Names {
            roles: lookup_names(d.names(Kind::IamRole), None, None, true),
            streams: lookup_names(d.names(Kind::KinesisStream), None, None, false),
            templates: lookup_names(d.names(Kind::Template), None, None, false),
            alarms: lookup_names(d.names(Kind::Alarm), None, None, false),
        };
        // The named reads go on through step 2: the app's contents start as
        // soon as the app is known, not when the slowest named read is done
        // (49 alarms' tags held the endpoints back by two seconds).
        let mut first_named = std::pin::pin!(futures_util::future::maybe_done(
            self.read_named(&first, named_flags)
        ));
        let apps = {
            let mut list = std::pin::pin!(self.list_apps());
            std::future::poll_fn(|cx| {
                let _ = first_named.as_mut().poll(cx);
                list.as_mut().poll(cx)
            })
            .await?
        };
        let app_name = d.of(Kind::App).first().and_then(|r| name_of(r));
        let choice = self.choose_app(apps, app_name, adopt, &mut live)?;
        let (app, app_adopted, foreign) = match choice {
            AppChoice::Owned(a) => (Some(a), false, None),
            AppChoice::Adopted(a) => (Some(a), true, None),
            // Inside a conflicting app only for a whole read, not a `find`.
            AppChoice::Conflict(f) => (None, false, Some(f).filter(|_| only.is_none())),
            AppChoice::None => (None, false, None),
        };
        let (hints, index, fps) = {
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
                    .zip(app.as_ref())
                    .is_some_and(|(r, a)| a.id() == Some(r.id.as_str()));
            match &app {
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
                    let hints = only.and_then(|a| reg.names.get(a).cloned());
                    (hints, index, fps)
                }
                None if only.is_some() => {
                    let hints = only.and_then(|a| reg.names.get(a).cloned());
                    (hints, reg.owned.clone(), BTreeMap::new())
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
                    let hints = only.and_then(|a| reg.names.get(a).cloned());
                    (hints, index, fps)
                }
                None => {
                    reg.forget_app();
                    if only.is_none() {
                        reg.owned.clear();
                    }
                    let hints = only.and_then(|a| reg.names.get(a).cloned());
                    (hints, reg.owned.clone(), BTreeMap::new())
                }
            }
        };
        if let Some(a) = &app
            && want(Kind::App)
        {
            live.resources.push(app_from_sdk(a));
        }
        let app_id = app.as_ref().and_then(|a| a.id()).map(ToOwned::to_owned);
        let hint = |k: Kind| hints.as_ref().filter(|_| only.is_some_and(|a| a.kind == k));

        // 2. Everything else, at once: what lives in the app, and named
        // things only the index (or a `find`) names.
        // A `find` that knows the resource's name reads that one alone, not
        // everything of its kind the index names.
        let indexed = |k: Kind| {
            if hint(k).is_some() {
                None
            } else {
                index.get(&k)
            }
        };
        let more = Names {
            roles: more_names(
                &first.roles,
                indexed(Kind::IamRole),
                hint(Kind::IamRole),
                true,
            ),
            streams: more_names(
                &first.streams,
                indexed(Kind::KinesisStream),
                hint(Kind::KinesisStream),
                false,
            ),
            templates: more_names(
                &first.templates,
                indexed(Kind::Template),
                hint(Kind::Template),
                false,
            ),
            alarms: more_names(
                &first.alarms,
                indexed(Kind::Alarm),
                hint(Kind::Alarm),
                false,
            ),
        };
        let mut endpoints = endpoint_ids(d.of(Kind::Endpoint), index.get(&Kind::Endpoint));
        if let Some(a) = only.filter(|a| a.kind == Kind::Endpoint) {
            endpoints.retain(|id, _| id.eq_ignore_ascii_case(&a.key));
            endpoints.entry(a.key.clone()).or_insert((false, false));
        }
        // The app whose contents are read: the stack's, or a conflicting
        // namesake's (whose contents then only give conflicts).
        let read_app_id = app_id
            .clone()
            .or_else(|| foreign.as_ref().map(|f| f.id.clone()));
        let in_app = |k: Kind| read_app_id.clone().filter(|_| want(k));
        // Not in a conflicting app: every app has settings, so they would
        // only repeat the app's conflict.
        let settings_app = app_id
            .clone()
            .filter(|_| want(Kind::AppSettings))
            .filter(|_| only.is_some() || !d.of(Kind::AppSettings).is_empty());
        let (
            settings,
            channels,
            event_stream,
            endpoint_reads,
            segment_list,
            campaign_list,
            more_reads,
            (),
        ) = tokio::join!(
            async {
                match &settings_app {
                    Some(id) => Some(self.read_settings(id).await),
                    None => None,
                }
            },
            async {
                match in_app(Kind::Channel) {
                    Some(id) => Some(self.read_channels(&id).await),
                    None => None,
                }
            },
            async {
                match in_app(Kind::EventStream) {
                    Some(id) => Some(self.read_event_stream(&id).await),
                    None => None,
                }
            },
            async {
                match in_app(Kind::Endpoint) {
                    Some(id) => Some(self.read_endpoints(&id, &endpoints).await),
                    None => None,
                }
            },
            async {
                match in_app(Kind::Segment).or_else(|| in_app(Kind::Campaign)) {
                    Some(id) => {
                        let _slot = self.permit().await;
                        Some(
                            segments::list_segments(self.pinpoint(), &id)
                                .await
                                .map_err(|c| c.error),
                        )
                    }
                    None => None,
                }
            },
            async {
                match in_app(Kind::Campaign) {
                    Some(id) => {
                        let _slot = self.permit().await;
                        Some(
                            campaigns::list_campaigns(self.pinpoint(), &id)
                                .await
                                .map_err(|c| c.error),
                        )
                    }
                    None => None,
                }
            },
            self.read_named(&more, named_flags),
            first_named.as_mut(),
        );
        let first_reads = first_named
            .as_mut()
            .take_output()
            .ok_or_else(|| ProviderError::Other("the named reads did not finish".into()))?;
        let NamedReads {
            templates: template_reads,
            roles: role_reads,
            streams: stream_reads,
            alarms: alarm_reads,
        } = first_reads.merge(more_reads);

        // 3. Classification, in dependency order (streams before the roles
        // whose policies name them, segments and templates before the
        // campaigns that name them).
        let stack = self.stack.clone();
        let push = |live: &mut LiveState, r: Resource, adopted: bool| {
            if adopted && !live.adopted.contains(&r.address) {
                live.adopted.push(r.address.clone());
            }
            live.resources.push(r);
        };

        if let Some(streams) = self.family(&mut live, Kind::KinesisStream, &d, stream_reads)? {
            let cands = streams
                .into_iter()
                .map(|(name, s)| Candidate {
                    wanted: d.wanted(Kind::KinesisStream, &name, false),
                    owner: owner(&s.tags, &stack),
                    live_id: s.summary.stream_arn().to_owned(),
                    item: s,
                })
                .collect();
            for p in Self::place(&mut live, Kind::KinesisStream, adopt, cands) {
                {
                    let mut reg = self.ids.lock();
                    reg.learn_account(p.item.summary.stream_arn());
                    reg.names
                        .insert(p.address.clone(), p.item.summary.stream_name().to_owned());
                    reg.arns
                        .insert(p.address.clone(), p.item.summary.stream_arn().to_owned());
                    if !p.adopted {
                        reg.owned
                            .entry(Kind::KinesisStream)
                            .or_default()
                            .insert(p.item.summary.stream_name().to_owned());
                    }
                }
                if want(Kind::KinesisStream) {
                    push(&mut live, stream_resource(&p.address.key, &p.item), false);
                }
            }
        }

        if let Some(roles) = self.family(&mut live, Kind::IamRole, &d, role_reads)? {
            let cands = roles
                .into_iter()
                .map(|(name, r)| Candidate {
                    wanted: d.wanted(Kind::IamRole, &name, true),
                    owner: owner(&r.tags(), &stack),
                    live_id: r.role.arn().to_owned(),
                    item: r,
                })
                .collect();
            for p in Self::place(&mut live, Kind::IamRole, adopt, cands) {
                {
                    let mut reg = self.ids.lock();
                    reg.learn_account(p.item.role.arn());
                    reg.names
                        .insert(p.address.clone(), p.item.role.role_name().to_owned());
                    reg.arns
                        .insert(p.address.clone(), p.item.role.arn().to_owned());
                    if !p.adopted {
                        reg.owned
                            .entry(Kind::IamRole)
                            .or_default()
                            .insert(p.item.role.role_name().to_owned());
                    }
                }
                if want(Kind::IamRole) {
                    let r = {
                        let reg = self.ids.lock();
                        role_resource(&p.address.key, &p.item, &|key| {
                            reg.arns
                                .get(&Address::new(Kind::KinesisStream, key))
                                .cloned()
                        })
                    };
                    push(&mut live, r, false);
                }
            }
        }

        if app.is_some() {
            // Settings, channels and endpoints belong to the app: adopted
            // with it.
            if let Some(mut s) = self.family(&mut live, Kind::AppSettings, &d, settings)? {
                if let Some(fp) = fps.get(&s.address) {
                    set_write_only_fingerprint(&mut s, fp.clone());
                }
                push(&mut live, s, app_adopted);
            }
            if let Some(chs) = self.family(&mut live, Kind::Channel, &d, channels)? {
                for mut c in chs {
                    if let Some(fp) = fps.get(&c.address) {
                        set_write_only_fingerprint(&mut c, fp.clone());
                    }
                    push(&mut live, c, app_adopted);
                }
            }
            if let Some(eps) = self.family(&mut live, Kind::Endpoint, &d, endpoint_reads)? {
                for e in eps {
                    push(&mut live, e, app_adopted);
                }
            }
        } else if let Some(f) = &foreign {
            let mut found: Vec<Address> = Vec::new();
            if let Some(chs) = self.family(&mut live, Kind::Channel, &d, channels)? {
                found.extend(chs.into_iter().map(|c| c.address));
            }
            if let Some(eps) = self.family(&mut live, Kind::Endpoint, &d, endpoint_reads)? {
                found.extend(eps.into_iter().map(|e| e.address));
            }
            for a in found {
                let id = f.path(&a);
                f.conflict(&mut live, &d, a, id);
            }
        }

        let templates_read = self.family(&mut live, Kind::Template, &d, template_reads)?;
        if let Some(ts) = templates_read {
            let cands = ts
                .into_iter()
                .map(|(name, t)| Candidate {
                    wanted: d.wanted(Kind::Template, &name, false),
                    owner: owner(&tags::from_hash(t.tags()), &stack),
                    live_id: t.arn().map_or_else(|| name.clone(), ToOwned::to_owned),
                    item: (name, t),
                })
                .collect();
            for p in Self::place(&mut live, Kind::Template, adopt, cands) {
                let (name, t) = p.item;
                {
                    let mut reg = self.ids.lock();
                    reg.names.insert(p.address.clone(), name.clone());
                    if let Some(arn) = t.arn() {
                        reg.learn_account(arn);
                        reg.arns.insert(p.address.clone(), arn.to_owned());
                    }
                    if !p.adopted {
                        reg.owned.entry(Kind::Template).or_default().insert(name);
                    }
                }
                if want(Kind::Template) {
                    let spec = templates::template_from_sdk(&t)
                        .map_err(|e| ProviderError::Other(format!("`{}`: {e}", p.address)))?;
                    push(
                        &mut live,
                        reconcile_model::template_resource(&p.address.key, &spec),
                        false,
                    );
                }
            }
        }

        let mut segment_list = self.family(&mut live, Kind::Segment, &d, segment_list)?;
        let mut campaign_list = self.family(&mut live, Kind::Campaign, &d, campaign_list)?;
        let mut event_stream = self.family(&mut live, Kind::EventStream, &d, event_stream)?;
        if let Some(f) = &foreign {
            for s in segment_list.take().into_iter().flatten() {
                if let Some(a) = s.name().and_then(|n| d.wanted(Kind::Segment, n, false)) {
                    f.conflict(&mut live, &d, a, s.id().unwrap_or_default().to_owned());
                }
            }
            for c in campaign_list.take().into_iter().flatten() {
                if let Some(a) = c.name().and_then(|n| d.wanted(Kind::Campaign, n, false)) {
                    f.conflict(&mut live, &d, a, c.id().unwrap_or_default().to_owned());
                }
            }
            if let Some(Some(_)) = event_stream.take() {
                let a = Address::singleton(Kind::EventStream);
                let id = f.path(&a);
                f.conflict(&mut live, &d, a, id);
            }
        }
        if let Some(list) = segment_list {
            let cands = list
                .into_iter()
                .map(|s| Candidate {
                    wanted: s.name().and_then(|n| d.wanted(Kind::Segment, n, false)),
                    owner: owner(&tags::from_hash(s.tags()), &stack),
                    live_id: s.id().unwrap_or_default().to_owned(),
                    item: s,
                })
                .collect();
            let placed = Self::place(&mut live, Kind::Segment, adopt, cands);
            {
                let mut reg = self.ids.lock();
                for p in &placed {
                    if let Some(id) = p.item.id() {
                        reg.ids.insert(p.address.clone(), id.to_owned());
                    }
                    if let Some(arn) = p.item.arn() {
                        reg.arns.insert(p.address.clone(), arn.to_owned());
                    }
                    if let Some(v) = p.item.version() {
                        reg.segment_versions.insert(p.address.clone(), v);
                    }
                }
            }
            if want(Kind::Segment) {
                for p in placed {
                    let r = segment_live(&p.address.key, &p.item, &self.ids.lock());
                    push(&mut live, r, false);
                }
            }
        }

        if let Some(list) = campaign_list {
            let cands = list
                .into_iter()
                .map(|c| Candidate {
                    wanted: c.name().and_then(|n| d.wanted(Kind::Campaign, n, false)),
                    owner: owner(&tags::from_hash(c.tags()), &stack),
                    live_id: c.id().unwrap_or_default().to_owned(),
                    item: c,
                })
                .collect();
            for p in Self::place(&mut live, Kind::Campaign, adopt, cands) {
                {
                    let mut reg = self.ids.lock();
                    if let Some(id) = p.item.id() {
                        reg.ids.insert(p.address.clone(), id.to_owned());
                    }
                    if let Some(arn) = p.item.arn() {
                        reg.arns.insert(p.address.clone(), arn.to_owned());
                    }
                }
                let desired_version = d
                    .by_address
                    .get(&p.address)
                    .and_then(|r| desired_segment_version(r));
                let r = campaign_live(&p.address.key, &p.item, &self.ids.lock(), desired_version);
                let r = match d.by_address.get(&p.address) {
                    Some(want) if campaigns::campaign_is_completed(&p.item) => {
                        completed_campaign(r, want, p.item.id().unwrap_or_default())
                    }
                    _ => r,
                };
                push(&mut live, r, false);
            }
        }

        if let Some(Some(es)) = event_stream {
            let r = event_stream_from_sdk(&es, &self.ids.lock());
            push(&mut live, r, app_adopted);
        }

        if let Some(alarms) = self.family(&mut live, Kind::Alarm, &d, alarm_reads)? {
            let cands = alarms
                .into_iter()
                .map(|a| {
                    let name = a.alarm.alarm_name().unwrap_or_default().to_owned();
                    Candidate {
                        wanted: d.wanted(Kind::Alarm, &name, false),
                        owner: owner(&a.tags, &stack),
                        live_id: a
                            .alarm
                            .alarm_arn()
                            .map_or_else(|| name.clone(), ToOwned::to_owned),
                        item: (name, a),
                    }
                })
                .collect();
            for p in Self::place(&mut live, Kind::Alarm, adopt, cands) {
                let (name, a) = p.item;
                {
                    let mut reg = self.ids.lock();
                    reg.names.insert(p.address.clone(), name.clone());
                    if let Some(arn) = a.alarm.alarm_arn() {
                        reg.arns.insert(p.address.clone(), arn.to_owned());
                    }
                    if !p.adopted {
                        reg.owned.entry(Kind::Alarm).or_default().insert(name);
                    }
                }
                match alarm_from_sdk(&p.address.key, &a) {
                    Some(r) => push(&mut live, r, false),
                    None => tracing::warn!(
                        address = %p.address,
                        "the alarm is not a single-metric alarm the spec can describe; left alone"
                    ),
                }
            }
        }

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
