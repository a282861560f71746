//! Phase 3: classification, without calls, in dependency order (streams
//! before the roles whose policies name them, segments and templates
//! before the campaigns that name them). A resource tagged with this stack
//! is live at the address its `reconcile:key` names; an untagged namesake
//! of a desired resource is a conflict, or adopted with `adopt`; what is
//! inside the app belongs to the app. Each kind's placement records what
//! the later steps need (names, ARNs, ids, versions) in the registry.

use aws_sdk_pinpoint::types::{
    CampaignResponse, EventStream, PushNotificationTemplateResponse, SegmentResponse,
};
use reconcile_engine::provider::{Conflict, Unavailable};
use reconcile_engine::{LiveState, ProviderError};
use reconcile_model::resources::set_write_only_fingerprint;
use reconcile_model::{Address, Kind, Resource};

use super::app::{AppRead, ForeignApp};
use super::contents::{Read, Reads};
use super::named::Found;
use super::{Desired, KIND_WIDE_KEY, Scope};
use crate::cloudwatch::{AlarmRead, alarm_from_sdk};
use crate::engagement::{campaign_live, desired_segment_version, segment_live};
use crate::errors::caused;
use crate::event_stream::event_stream_from_sdk;
use crate::iam::{RoleRead, role_resource};
use crate::kinesis::{StreamRead, stream_resource};
use crate::provider::AwsProvider;
use crate::tags::{self, Owner, owner};
use crate::{campaigns, templates};

/// A live resource found by name or listing, before it is placed.
pub(super) struct Candidate<T> {
    /// The desired address whose name it carries, if any.
    pub(super) wanted: Option<Address>,
    pub(super) owner: Owner,
    /// How it is known (id, ARN or name), for conflicts.
    pub(super) live_id: String,
    pub(super) item: T,
}

/// A candidate placed at an address.
pub(super) struct Placed<T> {
    address: Address,
    adopted: bool,
    pub(super) item: T,
}

/// Why an unowned namesake is a conflict (the renderings add its live id
/// and owner).
fn conflict_message(owner: &Owner) -> String {
    match owner {
        Owner::OtherStack(s) => format!("has the spec's name but belongs to stack `{s}`"),
        _ => "has the spec's name but no `reconcile:stack` tag; `--adopt` takes it over".to_owned(),
    }
}

/// Adds a live resource (and, when `adopted`, its address to the adopted).
fn push(live: &mut LiveState, r: Resource, adopted: bool) {
    if adopted && !live.adopted.contains(&r.address) {
        live.adopted.push(r.address.clone());
    }
    live.resources.push(r);
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

impl AwsProvider {
    /// Phase 3: places what phases 1 and 2 read, kind after kind.
    pub(super) fn classify(
        &self,
        scope: &Scope<'_>,
        app: &AppRead,
        reads: Reads,
        live: &mut LiveState,
    ) -> Result<(), ProviderError> {
        let d = &scope.d;
        let named = reads.named;
        self.place_streams(scope, live, named.streams)?;
        self.place_roles(scope, live, named.roles)?;
        self.place_app_contents(
            scope,
            app,
            live,
            reads.settings,
            reads.channels,
            reads.endpoints,
        )?;
        self.place_templates(scope, live, named.templates)?;
        let mut segments = self.family(live, Kind::Segment, d, reads.segments)?;
        let mut campaigns = self.family(live, Kind::Campaign, d, reads.campaigns)?;
        let mut event_stream = self.family(live, Kind::EventStream, d, reads.event_stream)?;
        if let Some(f) = &app.foreign {
            // What the spec wants in a conflicting app: conflicts, never
            // the stack's.
            for s in segments.take().into_iter().flatten() {
                if let Some(a) = s.name().and_then(|n| d.wanted(Kind::Segment, n, false)) {
                    f.conflict(live, d, a, s.id().unwrap_or_default().to_owned());
                }
            }
            for c in campaigns.take().into_iter().flatten() {
                if let Some(a) = c.name().and_then(|n| d.wanted(Kind::Campaign, n, false)) {
                    f.conflict(live, d, a, c.id().unwrap_or_default().to_owned());
                }
            }
            if let Some(Some(_)) = event_stream.take() {
                let a = Address::singleton(Kind::EventStream);
                let id = f.path(&a);
                f.conflict(live, d, a, id);
            }
        }
        if let Some(list) = segments {
            self.place_segments(scope, live, list);
        }
        if let Some(list) = campaigns {
            self.place_campaigns(scope, live, list);
        }
        if let Some(Some(es)) = event_stream {
            self.place_event_stream(app, live, &es);
        }
        self.place_alarms(scope, live, named.alarms)
    }

    /// Places candidates of `kind`: owned ones at their tagged address,
    /// then, where the stack has nothing yet, unowned namesakes of desired
    /// resources as conflicts (or adopted).
    pub(super) fn place<T>(
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
        r: Read<T>,
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

    fn place_streams(
        &self,
        scope: &Scope<'_>,
        live: &mut LiveState,
        reads: Found<(String, StreamRead)>,
    ) -> Result<(), ProviderError> {
        let d = &scope.d;
        let Some(streams) = self.family(live, Kind::KinesisStream, d, reads)? else {
            return Ok(());
        };
        let cands = streams
            .into_iter()
            .map(|(name, s)| Candidate {
                wanted: d.wanted(Kind::KinesisStream, &name, false),
                owner: owner(&s.tags, &self.stack),
                live_id: s.summary.stream_arn().to_owned(),
                item: s,
            })
            .collect();
        for p in Self::place(live, Kind::KinesisStream, scope.adopt, cands) {
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
            if scope.want(Kind::KinesisStream) {
                push(live, stream_resource(&p.address.key, &p.item), false);
            }
        }
        Ok(())
    }

    fn place_roles(
        &self,
        scope: &Scope<'_>,
        live: &mut LiveState,
        reads: Found<(String, RoleRead)>,
    ) -> Result<(), ProviderError> {
        let d = &scope.d;
        let Some(roles) = self.family(live, Kind::IamRole, d, reads)? else {
            return Ok(());
        };
        let cands = roles
            .into_iter()
            .map(|(name, r)| Candidate {
                wanted: d.wanted(Kind::IamRole, &name, true),
                owner: owner(&r.tags(), &self.stack),
                live_id: r.role.arn().to_owned(),
                item: r,
            })
            .collect();
        for p in Self::place(live, Kind::IamRole, scope.adopt, cands) {
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
            if scope.want(Kind::IamRole) {
                let r = {
                    let reg = self.ids.lock();
                    role_resource(&p.address.key, &p.item, &|key| {
                        reg.arns
                            .get(&Address::new(Kind::KinesisStream, key))
                            .cloned()
                    })
                };
                push(live, r, false);
            }
        }
        Ok(())
    }

    /// Settings, channels and endpoints belong to the app: adopted with
    /// it. In a conflicting app, the channels and endpoints the spec wants
    /// are conflicts.
    fn place_app_contents(
        &self,
        scope: &Scope<'_>,
        app: &AppRead,
        live: &mut LiveState,
        settings: Read<Resource>,
        channels: Read<Vec<Resource>>,
        endpoints: Read<Vec<Resource>>,
    ) -> Result<(), ProviderError> {
        let d = &scope.d;
        if app.app.is_some() {
            if let Some(mut s) = self.family(live, Kind::AppSettings, d, settings)? {
                if let Some(fp) = app.fps.get(&s.address) {
                    set_write_only_fingerprint(&mut s, fp.clone());
                }
                push(live, s, app.adopted);
            }
            if let Some(chs) = self.family(live, Kind::Channel, d, channels)? {
                for mut c in chs {
                    if let Some(fp) = app.fps.get(&c.address) {
                        set_write_only_fingerprint(&mut c, fp.clone());
                    }
                    push(live, c, app.adopted);
                }
            }
            if let Some(eps) = self.family(live, Kind::Endpoint, d, endpoints)? {
                for e in eps {
                    push(live, e, app.adopted);
                }
            }
        } else if let Some(f) = &app.foreign {
            self.conflicts_in_foreign_app(f, d, live, channels, endpoints)?;
        }
        Ok(())
    }

    fn conflicts_in_foreign_app(
        &self,
        f: &ForeignApp,
        d: &Desired<'_>,
        live: &mut LiveState,
        channels: Read<Vec<Resource>>,
        endpoints: Read<Vec<Resource>>,
    ) -> Result<(), ProviderError> {
        let mut found: Vec<Address> = Vec::new();
        if let Some(chs) = self.family(live, Kind::Channel, d, channels)? {
            found.extend(chs.into_iter().map(|c| c.address));
        }
        if let Some(eps) = self.family(live, Kind::Endpoint, d, endpoints)? {
            found.extend(eps.into_iter().map(|e| e.address));
        }
        for a in found {
            let id = f.path(&a);
            f.conflict(live, d, a, id);
        }
        Ok(())
    }

    fn place_templates(
        &self,
        scope: &Scope<'_>,
        live: &mut LiveState,
        reads: Found<(String, PushNotificationTemplateResponse)>,
    ) -> Result<(), ProviderError> {
        let d = &scope.d;
        let Some(ts) = self.family(live, Kind::Template, d, reads)? else {
            return Ok(());
        };
        let cands = ts
            .into_iter()
            .map(|(name, t)| Candidate {
                wanted: d.wanted(Kind::Template, &name, false),
                owner: owner(&tags::from_hash(t.tags()), &self.stack),
                live_id: t.arn().map_or_else(|| name.clone(), ToOwned::to_owned),
                item: (name, t),
            })
            .collect();
        for p in Self::place(live, Kind::Template, scope.adopt, cands) {
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
            if scope.want(Kind::Template) {
                let spec = templates::template_from_sdk(&t)
                    .map_err(|e| caused(format!("`{}`: {e}", p.address), e))?;
                push(
                    live,
                    reconcile_model::template_resource(&p.address.key, &spec),
                    false,
                );
            }
        }
        Ok(())
    }

    fn place_segments(&self, scope: &Scope<'_>, live: &mut LiveState, list: Vec<SegmentResponse>) {
        let d = &scope.d;
        let cands = list
            .into_iter()
            .map(|s| Candidate {
                wanted: s.name().and_then(|n| d.wanted(Kind::Segment, n, false)),
                owner: owner(&tags::from_hash(s.tags()), &self.stack),
                live_id: s.id().unwrap_or_default().to_owned(),
                item: s,
            })
            .collect();
        let placed = Self::place(live, Kind::Segment, scope.adopt, cands);
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
        if scope.want(Kind::Segment) {
            for p in placed {
                let r = segment_live(&p.address.key, &p.item, &self.ids.lock());
                push(live, r, false);
            }
        }
    }

    fn place_campaigns(
        &self,
        scope: &Scope<'_>,
        live: &mut LiveState,
        list: Vec<CampaignResponse>,
    ) {
        let d = &scope.d;
        let cands = list
            .into_iter()
            .map(|c| Candidate {
                wanted: c.name().and_then(|n| d.wanted(Kind::Campaign, n, false)),
                owner: owner(&tags::from_hash(c.tags()), &self.stack),
                live_id: c.id().unwrap_or_default().to_owned(),
                item: c,
            })
            .collect();
        for p in Self::place(live, Kind::Campaign, scope.adopt, cands) {
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
            push(live, r, false);
        }
    }

    /// The event stream belongs to the app: adopted with it.
    fn place_event_stream(&self, app: &AppRead, live: &mut LiveState, es: &EventStream) {
        let r = event_stream_from_sdk(es, &self.ids.lock());
        push(live, r, app.adopted);
    }

    fn place_alarms(
        &self,
        scope: &Scope<'_>,
        live: &mut LiveState,
        reads: Found<AlarmRead>,
    ) -> Result<(), ProviderError> {
        let d = &scope.d;
        let Some(alarms) = self.family(live, Kind::Alarm, d, reads)? else {
            return Ok(());
        };
        let cands = alarms
            .into_iter()
            .map(|a| {
                let name = a.alarm.alarm_name().unwrap_or_default().to_owned();
                Candidate {
                    wanted: d.wanted(Kind::Alarm, &name, false),
                    owner: owner(&a.tags, &self.stack),
                    live_id: a
                        .alarm
                        .alarm_arn()
                        .map_or_else(|| name.clone(), ToOwned::to_owned),
                    item: (name, a),
                }
            })
            .collect();
        for p in Self::place(live, Kind::Alarm, scope.adopt, cands) {
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
                Some(r) => push(live, r, false),
                None => tracing::warn!(
                    address = %p.address,
                    "the alarm is not a single-metric alarm the spec can describe; left alone"
                ),
            }
        }
        Ok(())
    }
}
