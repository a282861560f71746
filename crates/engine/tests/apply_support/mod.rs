//! An in-memory account for the executor's tests: it holds resources, fails
//! on programmed calls, and checks on every request that the journal on disk
//! already announces it. Tests assert on what it holds afterwards, not on
//! what the executor reports. (End-to-end tests run against the emulator;
//! this exists to test the walk, journal, retry and rollback mechanics.)

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use reconcile_engine::journal::{StepStatus, UndoStatus};
use reconcile_engine::plan::PLAN_FORMAT_VERSION;
use reconcile_engine::{
    Action, Change, Edge, Journal, LiveState, Plan, Provider, ProviderError, ReadRequest,
    StepOutcome, StepRequest,
};
use reconcile_model::resource::FINGERPRINT_ATTR;
use reconcile_model::{Address, Kind, Resource};
use serde_json::{Value, json};

/// What a programmed fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 before doing anything.
    Throttle,
    /// The change happens, the response is lost.
    LostAfterCommit,
    /// The request is lost before it reaches the service.
    LostBeforeCommit,
    /// 400: nothing happens, retrying will not help.
    Reject,
    /// The change happens and the call never returns (the process dies).
    CommitThenHang,
    /// A create of several requests whose later ones fail: the resource is
    /// made without its attribute `extra`, and the outcome is unknown.
    PartialThenLost,
}

/// One request the account received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub address: Address,
    /// `None` for a look-up (`find`).
    pub action: Option<Action>,
    pub adopt: bool,
    pub started: u64,
    pub ended: u64,
}

#[derive(Debug, Default)]
struct Inner {
    /// Live resources; more than one at an address is a duplicate.
    instances: BTreeMap<Address, Vec<Resource>>,
    faults: Vec<(Address, Action, Fault, u32)>,
    calls: Vec<Call>,
    clock: u64,
    in_flight: usize,
    max_in_flight: usize,
    journal: Option<PathBuf>,
    journal_checks: usize,
    violations: Vec<String>,
}

#[derive(Debug, Default)]
pub struct MemAccount {
    inner: Mutex<Inner>,
    /// How long each request takes (tokio time).
    pub latency: Duration,
}

impl MemAccount {
    pub fn new(resources: impl IntoIterator<Item = Resource>) -> Self {
        Self::with_latency(resources, Duration::from_millis(50))
    }

    pub fn with_latency(resources: impl IntoIterator<Item = Resource>, latency: Duration) -> Self {
        let account = Self {
            inner: Mutex::default(),
            latency,
        };
        {
            let mut inner = account.lock();
            for r in resources {
                inner
                    .instances
                    .entry(r.address.clone())
                    .or_default()
                    .push(live(&r));
            }
        }
        account
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Fails the next `times` requests of `action` at `address` with `fault`.
    pub fn fail(&self, address: &Address, action: Action, fault: Fault, times: u32) {
        self.lock()
            .faults
            .push((address.clone(), action, fault, times));
    }

    /// Checks every request against this journal file from now on.
    pub fn watch_journal(&self, path: PathBuf) {
        self.lock().journal = Some(path);
    }

    /// The account's resources (one per address; see `count` for duplicates).
    pub fn snapshot(&self) -> BTreeMap<Address, Value> {
        self.lock()
            .instances
            .iter()
            .filter_map(|(a, v)| v.first().map(|r| (a.clone(), r.attrs.clone())))
            .collect()
    }

    pub fn count(&self, address: &Address) -> usize {
        self.lock().instances.get(address).map_or(0, Vec::len)
    }

    /// Changes the account behind the executor's back.
    pub fn tamper(&self, address: &Address, attrs: Value) {
        if let Some(r) = self
            .lock()
            .instances
            .get_mut(address)
            .and_then(|v| v.first_mut())
        {
            r.attrs = attrs;
        }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    pub fn calls_to(&self, address: &Address, action: Option<Action>) -> usize {
        self.lock()
            .calls
            .iter()
            .filter(|c| &c.address == address && c.action == action)
            .count()
    }

    pub fn max_in_flight(&self) -> usize {
        self.lock().max_in_flight
    }

    /// (requests checked against the journal, problems found)
    pub fn journal_checks(&self) -> (usize, Vec<String>) {
        let inner = self.lock();
        (inner.journal_checks, inner.violations.clone())
    }

    fn begin(&self, address: &Address, action: Option<Action>) -> (u64, Option<Fault>) {
        let mut inner = self.lock();
        inner.clock += 1;
        inner.in_flight += 1;
        inner.max_in_flight = inner.max_in_flight.max(inner.in_flight);
        let started = inner.clock;
        let fault = action.and_then(|action| {
            let slot = inner
                .faults
                .iter_mut()
                .find(|(a, act, _, n)| a == address && *act == action && *n > 0)?;
            slot.3 -= 1;
            Some(slot.2)
        });
        (started, fault)
    }

    fn end(&self, address: &Address, action: Option<Action>, adopt: bool, started: u64) {
        let mut inner = self.lock();
        inner.clock += 1;
        inner.in_flight -= 1;
        let ended = inner.clock;
        inner.calls.push(Call {
            address: address.clone(),
            action,
            adopt,
            started,
            ended,
        });
    }

    /// The journal must already hold an unfinished record for this request.
    fn check_journal(&self, step: &StepRequest<'_>) {
        let Some(path) = self.lock().journal.clone() else {
            return;
        };
        let problem = match Journal::replay(&path) {
            Err(e) => Some(format!("journal unreadable: {e}")),
            Ok(state) => {
                let announced = state.steps.values().any(|s| {
                    &s.address == step.address
                        && ((s.status == StepStatus::InFlight
                            && (s.action == step.action
                                // Finishing a create that took effect in part.
                                || (s.action == Action::Create && step.action == Action::Update)))
                            || matches!(s.undo, UndoStatus::InFlight { action, .. } if action == step.action))
                });
                (!announced).then(|| {
                    format!(
                        "{} of `{}` sent before the journal announced it",
                        step.action.as_str(),
                        step.address
                    )
                })
            }
        };
        let mut inner = self.lock();
        inner.journal_checks += 1;
        inner.violations.extend(problem);
    }

    fn carry_out(&self, step: &StepRequest<'_>) -> Result<Option<Resource>, ProviderError> {
        let mut inner = self.lock();
        let addr = step.address;
        match step.action {
            Action::Create => {
                let after = step.after.ok_or_else(|| bad("create without a resource"))?;
                check_credentials(after, None)?;
                let r = live(after);
                inner
                    .instances
                    .entry(addr.clone())
                    .or_default()
                    .push(r.clone());
                Ok(Some(r))
            }
            Action::Update => {
                let after = step.after.ok_or_else(|| bad("update without a resource"))?;
                let current = inner
                    .instances
                    .get_mut(addr)
                    .and_then(|v| v.first_mut())
                    .ok_or_else(|| ProviderError::NotFound(addr.clone()))?;
                check_credentials(after, Some(current))?;
                *current = live(after);
                Ok(Some(current.clone()))
            }
            Action::Delete => {
                let v = inner
                    .instances
                    .get_mut(addr)
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| ProviderError::NotFound(addr.clone()))?;
                v.remove(0);
                if v.is_empty() {
                    inner.instances.remove(addr);
                }
                Ok(None)
            }
            other => Err(bad(&format!("unexpected action {}", other.as_str()))),
        }
    }
}

fn bad(message: &str) -> ProviderError {
    ProviderError::Rejected {
        code: "BadRequestException".into(),
        message: message.into(),
    }
}

/// Like AWS: credentials must be sent when a resource that has them is
/// created, or when their fingerprint changes.
fn check_credentials(after: &Resource, current: Option<&Resource>) -> Result<(), ProviderError> {
    let fp = after.attrs.get(FINGERPRINT_ATTR);
    let changed = current.is_none_or(|c| c.attrs.get(FINGERPRINT_ATTR) != fp);
    if fp.is_some() && changed && after.write_only.is_empty() {
        return Err(bad("credentials are required"));
    }
    Ok(())
}

/// What the account returns for a resource: never its write-only values.
fn live(r: &Resource) -> Resource {
    Resource {
        write_only: BTreeMap::new(),
        ..r.clone()
    }
}

impl Provider for MemAccount {
    async fn read(&self, _req: &ReadRequest<'_>) -> Result<LiveState, ProviderError> {
        Ok(LiveState {
            resources: self
                .lock()
                .instances
                .values()
                .filter_map(|v| v.first().cloned())
                .collect(),
            ..LiveState::default()
        })
    }

    async fn apply(&self, step: &StepRequest<'_>) -> Result<StepOutcome, ProviderError> {
        self.check_journal(step);
        let (started, fault) = self.begin(step.address, Some(step.action));
        tokio::time::sleep(self.latency).await;
        let result = match fault {
            Some(Fault::Throttle) => {
                Err(ProviderError::Throttled("TooManyRequestsException".into()))
            }
            Some(Fault::LostBeforeCommit) => Err(ProviderError::UnknownOutcome("timeout".into())),
            Some(Fault::Reject) => Err(bad("programmed rejection")),
            Some(Fault::LostAfterCommit) => self.carry_out(step).and(Err(
                ProviderError::UnknownOutcome("connection reset".into()),
            )),
            Some(Fault::PartialThenLost) => {
                let mut part = step
                    .after
                    .cloned()
                    .ok_or_else(|| bad("create without a resource"))?;
                if let Some(attrs) = part.attrs.as_object_mut() {
                    attrs.remove("extra");
                }
                let partial = StepRequest {
                    after: Some(&part),
                    ..step.clone()
                };
                self.carry_out(&partial)
                    .and(Err(ProviderError::UnknownOutcome(
                        "500 on the second request".into(),
                    )))
            }
            Some(Fault::CommitThenHang) => {
                let _ = self.carry_out(step);
                std::future::pending::<()>().await;
                unreachable!()
            }
            None => self.carry_out(step),
        };
        self.end(step.address, Some(step.action), step.adopt, started);
        result.map(|after| StepOutcome { after })
    }

    async fn find(
        &self,
        _stack: &str,
        address: &Address,
    ) -> Result<Option<Resource>, ProviderError> {
        let (started, _) = self.begin(address, None);
        tokio::time::sleep(self.latency).await;
        let found = self
            .lock()
            .instances
            .get(address)
            .and_then(|v| v.first().cloned());
        self.end(address, None, false, started);
        Ok(found)
    }

    fn rate_class(&self, address: &Address, _action: Action) -> &'static str {
        match address.kind {
            Kind::Segment => "segment-write",
            Kind::Campaign => "campaign-write",
            Kind::Template => "template-write",
            Kind::Endpoint => "endpoint-write",
            _ => "other",
        }
    }
}

pub fn addr(s: &str) -> Address {
    s.parse().expect("test address")
}

pub fn res(address: &str, attrs: Value) -> Resource {
    Resource {
        address: addr(address),
        attrs,
        write_only: BTreeMap::new(),
        sensitive: BTreeSet::new(),
        depends_on: BTreeSet::new(),
    }
}

pub fn change(action: Action, before: Option<Resource>, after: Option<Resource>) -> Change {
    let address = before
        .as_ref()
        .or(after.as_ref())
        .map(|r| r.address.clone())
        .expect("a change has a side");
    Change {
        address,
        action,
        before,
        after,
        adopt: false,
        changed_paths: Vec::new(),
        sensitive: BTreeSet::new(),
        reason: "test".into(),
    }
}

pub fn create(address: &str, attrs: Value) -> Change {
    change(Action::Create, None, Some(res(address, attrs)))
}

pub fn plan(changes: Vec<Change>, edges: &[(&str, &str)]) -> Plan {
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        stack: "demo".into(),
        spec_path: "spec.yaml".into(),
        spec_dir: "/nowhere".into(),
        changes,
        edges: edges
            .iter()
            .map(|(b, a)| Edge {
                before: addr(b),
                after: addr(a),
            })
            .collect(),
        live_fingerprint: "fp".into(),
        conflicts: Vec::new(),
        unavailable: Vec::new(),
    }
}

pub fn attrs(name: &str, v: i64) -> Value {
    json!({ "name": name, "v": v })
}
