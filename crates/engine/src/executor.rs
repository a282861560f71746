//! The executor: carries out a plan by walking its graph, journaling each
//! step before its request goes out, and undoes what it did when a step
//! fails.
//!
//! [`execute`] runs a [`Plan`] the way Terraform's `dag/walk.go` runs a
//! graph: a change starts when every change it depends on (`plan.edges`)
//! succeeded; independent changes run at the same time, at most
//! [`ExecOptions::parallelism`] of them; a change whose upstream failed is
//! skipped. No-ops are not sent (an adoption is: as an update that tags the
//! resource). A replace is two journaled steps, a delete and then a create.
//!
//! Every request needs a token of its operation class ([`RateLimiter`]).
//! Ready steps queue per class and a step gets a slot only when its class
//! has a token, so 300 endpoint writes at 10/s do not hold every slot while
//! segment writes at 25/s could go: an apply takes about what its slowest
//! class's quota sets, not the sum. The journal is written from the one
//! task that schedules, so `StepStarted` is on disk before the step's task
//! exists. What to do when a request fails is decided apart from
//! the step, by [`error_policy`] (kube-runtime's `error_policy`): throttles
//! and unknown outcomes are retried with exponential backoff and jitter up to
//! [`ExecOptions::max_attempts`]; a create whose outcome is unknown is first
//! looked up with [`Provider::find`], so a create that did take effect is not
//! sent again (and one that took effect only in part, found differing from
//! the desired resource, is finished with an update); updates and deletes
//! are idempotent and simply retried (a delete that finds nothing to delete
//! has succeeded).
//!
//! When a step fails, [`OnFailure::Rollback`] (the default) undoes the
//! steps that succeeded, latest first, through a [`reverse_plan`] of the
//! journal; [`OnFailure::Stop`] leaves them and the report says how to go on.
//! [`rollback`] applies a reverse plan later (`reconcile rollback`).
//!
//! Progress goes to a callback as [`ProgressEvent`]s, for a live view.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::Rng;
use reconcile_model::{Address, Resource};
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::change::Action;
use crate::diff::changed_paths;
use crate::journal::{
    ApplyOutcome, Journal, JournalError, Record, RollbackOutcome, StepId, StepStatus,
};
use crate::lock::this_host;
use crate::plan::Plan;
use crate::provider::{LiveState, Provider, ProviderError, StepRequest};
use crate::ratelimit::{RateError, RateLimiter, default_rates};
use crate::reverse::{ReversePlan, UndoLink, reverse_plan};

/// What to do with the completed steps when a step fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnFailure {
    /// Undo them, latest first.
    #[default]
    Rollback,
    /// Leave them; the report says how to go on.
    Stop,
}

/// How an apply runs.
#[derive(Debug, Clone)]
pub struct ExecOptions {
    /// At most this many requests out at once (at least 1).
    pub parallelism: usize,
    /// Tries per step, the first included (at least 1).
    pub max_attempts: u32,
    /// The first retry waits about this long; each further retry twice as
    /// long, up to `backoff_max`; half of each wait is random.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Requests per second per operation class, over [`default_rates`].
    pub rates: BTreeMap<String, f64>,
    pub on_failure: OnFailure,
}

impl ExecOptions {
    /// Requests out at once unless told otherwise: the `--parallelism` that
    /// `reconcile` has always defaulted to, and the one its benchmark
    /// (`docs/bench/results.md`) measures.
    pub const DEFAULT_PARALLELISM: usize = 8;
}

impl Default for ExecOptions {
    fn default() -> Self {
        Self {
            parallelism: Self::DEFAULT_PARALLELISM,
            max_attempts: 8,
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(20),
            rates: default_rates(),
            on_failure: OnFailure::Rollback,
        }
    }
}

/// What happens during an apply or a rollback, as it happens. `action` is
/// the step's own action (the halves of a replace are a delete and a
/// create; an undo names what the undo does).
#[derive(Debug, Clone, PartialEq)]
pub enum ProgressEvent {
    StepStarted {
        address: Address,
        action: Action,
    },
    StepSucceeded {
        address: Address,
        action: Action,
    },
    StepFailed {
        address: Address,
        action: Action,
        error: String,
    },
    /// Not run, because of `reason` (an upstream step failed, or an undo
    /// needs values nobody supplied).
    StepSkipped {
        address: Address,
        action: Action,
        reason: String,
    },
    /// A try failed and the step will try again after `delay`.
    Retrying {
        address: Address,
        action: Action,
        /// The try that failed (from 1).
        attempt: u32,
        delay: Duration,
        error: String,
    },
    /// Undoing begins: `steps` reverse steps to run.
    RollbackStarted {
        steps: usize,
    },
    UndoStarted {
        address: Address,
        action: Action,
    },
    Undone {
        address: Address,
        action: Action,
    },
    UndoFailed {
        address: Address,
        action: Action,
        error: String,
    },
}

/// The result of [`execute`].
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyReport {
    pub apply_id: String,
    pub outcome: ApplyOutcome,
    /// Changes that took effect (and, after a rollback, were then undone:
    /// see `rolled_back`).
    pub succeeded: Vec<Address>,
    pub failed: Vec<(Address, String)>,
    /// Not run because something they depend on failed.
    pub skipped: Vec<Address>,
    /// After an automatic rollback: changes undone.
    pub rolled_back: Vec<Address>,
    /// After an automatic rollback: undos that failed.
    pub rollback_failed: Vec<(Address, String)>,
    /// After an automatic rollback: changes that could not be undone (with
    /// why, and what the user must supply).
    pub not_reversed: Vec<(Address, String)>,
    /// Provider requests sent (applies and look-ups, retries included).
    pub requests: u64,
    pub elapsed: Duration,
}

impl ApplyReport {
    /// What the user can do next, when anything is left to do.
    pub fn how_to_go_on(&self) -> Option<String> {
        let id = &self.apply_id;
        match self.outcome {
            ApplyOutcome::Succeeded => None,
            ApplyOutcome::Failed => Some(format!(
                "{} change(s) took effect and were left in place. Fix the cause and run \
                 `reconcile apply` again to finish, or run `reconcile rollback {id}` to undo them.",
                self.succeeded.len()
            )),
            ApplyOutcome::RolledBack => Some(format!(
                "Everything apply {id} changed was undone; the account is as it was before. \
                 Fix the cause and apply again."
            )),
            ApplyOutcome::RollbackFailed => Some(format!(
                "{} change(s) could not be undone. Fix the cause (or supply what is named) and \
                 run `reconcile rollback {id}` to finish undoing, or `reconcile apply` to go forward.",
                self.rollback_failed.len() + self.not_reversed.len()
            )),
        }
    }
}

/// The result of [`rollback`] (and of the automatic rollback in
/// [`execute`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackReport {
    pub apply_id: String,
    pub outcome: RollbackOutcome,
    pub undone: Vec<Address>,
    pub failed: Vec<(Address, String)>,
    /// Not run because an undo they depend on failed or was not possible.
    pub skipped: Vec<Address>,
    /// Inexact changes nobody supplied values for, and steps whose outcome
    /// could not be established.
    pub not_reversed: Vec<(Address, String)>,
    pub requests: u64,
    pub elapsed: Duration,
}

/// Why an apply or rollback could not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The journal could not be written: the walk stopped, after the
    /// requests already out came back.
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("the plan cannot be executed: {0}")]
    InvalidPlan(String),
    #[error(transparent)]
    Rate(#[from] RateError),
    #[error("journal of apply `{journal}` cannot record {what}")]
    JournalMismatch { journal: String, what: String },
    #[error(
        "{} resource(s) changed after apply `{apply_id}`: {}; roll back anyway with `--force`",
        drifted.len(),
        drifted.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
    )]
    Drifted {
        apply_id: String,
        drifted: Vec<Address>,
    },
}

/// What the retry policy decides about a failed try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again after `after`; with `look_up_first`, look the resource up
    /// first (a create whose outcome is unknown).
    Retry {
        after: Duration,
        look_up_first: bool,
    },
    GiveUp,
}

/// The retry policy: retryable errors (throttles, unknown outcomes) are
/// retried with backoff until try `opts.max_attempts`; a create whose
/// outcome is unknown is looked up before it is sent again.
pub fn error_policy(
    error: &ProviderError,
    action: Action,
    attempt: u32,
    opts: &ExecOptions,
) -> RetryDecision {
    if !error.is_retryable() || attempt >= opts.max_attempts.max(1) {
        return RetryDecision::GiveUp;
    }
    RetryDecision::Retry {
        after: backoff(attempt, opts),
        look_up_first: action == Action::Create
            && matches!(error, ProviderError::UnknownOutcome(_)),
    }
}

/// The wait after failed try `attempt`: `backoff_base * 2^(attempt-1)`, at
/// most `backoff_max`, of which the upper half is random.
pub fn backoff(attempt: u32, opts: &ExecOptions) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(30));
    let full = opts
        .backoff_base
        .saturating_mul(factor)
        .min(opts.backoff_max);
    let half = full / 2;
    let jitter = rand::rng().random_range(0..=half.as_millis().min(u128::from(u64::MAX)) as u64);
    half + Duration::from_millis(jitter)
}

/// Carries out `plan`, journaling into `journal` (fresh from
/// [`Journal::begin`] for this plan), and on failure undoes or stops as
/// `opts.on_failure` says. Writes `ApplyFinished` at the end.
///
/// Dropping the returned future (Ctrl-C) abandons the requests that are out;
/// their steps stay in flight in the journal, which is exactly what they are.
pub async fn execute<P: Provider>(
    provider: Arc<P>,
    plan: &Plan,
    opts: &ExecOptions,
    journal: &mut Journal,
    events: impl Fn(ProgressEvent) + Send + Sync,
) -> Result<ApplyReport, ExecError> {
    let started = Instant::now();
    let state = journal.state();
    if state.header.stack != plan.stack
        || !state.steps.is_empty()
        || !state.rollbacks.is_empty()
        || state.outcome.is_some()
    {
        return Err(ExecError::JournalMismatch {
            journal: journal.apply_id().to_owned(),
            what: format!(
                "a new apply of stack `{}` (it belongs to stack `{}` and already has steps or an end)",
                plan.stack, state.header.stack
            ),
        });
    }
    let ctx = Ctx::new(provider, opts, &plan.stack)?;
    let nodes = build_nodes(plan, None)?;
    let states = walk(&ctx, &nodes, &BTreeMap::new(), false, journal, &events).await?;

    let mut report = ApplyReport {
        apply_id: journal.apply_id().to_owned(),
        outcome: ApplyOutcome::Succeeded,
        succeeded: Vec::new(),
        failed: Vec::new(),
        skipped: Vec::new(),
        rolled_back: Vec::new(),
        rollback_failed: Vec::new(),
        not_reversed: Vec::new(),
        requests: 0,
        elapsed: Duration::ZERO,
    };
    let summary = summarize(&nodes, &states);
    report.succeeded = summary.succeeded;
    report.failed = summary.failed;
    report.skipped = summary.skipped;

    if !report.failed.is_empty() {
        report.outcome = match opts.on_failure {
            OnFailure::Stop => ApplyOutcome::Failed,
            OnFailure::Rollback => {
                let rb = auto_rollback(&ctx, journal, &events).await?;
                report.rolled_back = rb.undone;
                report.rollback_failed = rb.failed;
                report.not_reversed = rb.not_reversed;
                report.not_reversed.extend(rb.skipped.into_iter().map(|a| {
                    (
                        a,
                        "skipped: an undo it depends on did not happen".to_owned(),
                    )
                }));
                match rb.outcome {
                    RollbackOutcome::Complete => ApplyOutcome::RolledBack,
                    RollbackOutcome::Incomplete => ApplyOutcome::RollbackFailed,
                }
            }
        };
    }
    journal.append(Record::ApplyFinished {
        outcome: report.outcome,
        finished_at: OffsetDateTime::now_utc(),
    })?;
    report.requests = ctx.requests.load(Ordering::Relaxed);
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Applies a reverse plan of the apply journaled in `journal` (opened with
/// [`Journal::open`]), recording each undo there. Refuses when resources
/// drifted unless `force`. Changes still listed as inexact are skipped and
/// reported.
pub async fn rollback<P: Provider>(
    provider: Arc<P>,
    reverse: &ReversePlan,
    opts: &ExecOptions,
    journal: &mut Journal,
    force: bool,
    events: impl Fn(ProgressEvent) + Send + Sync,
) -> Result<RollbackReport, ExecError> {
    if journal.apply_id() != reverse.apply_id {
        return Err(ExecError::JournalMismatch {
            journal: journal.apply_id().to_owned(),
            what: format!("the undo of apply `{}`", reverse.apply_id),
        });
    }
    if !force && !reverse.drifted.is_empty() {
        return Err(ExecError::Drifted {
            apply_id: reverse.apply_id.clone(),
            drifted: reverse.drifted.clone(),
        });
    }
    let ctx = Ctx::new(provider, opts, &reverse.plan.stack)?;
    run_reverse(&ctx, reverse, Vec::new(), journal, &events).await
}

/// Shared by every step of one walk.
struct Ctx<P> {
    provider: Arc<P>,
    limiter: Arc<RateLimiter>,
    opts: Arc<ExecOptions>,
    stack: Arc<str>,
    requests: Arc<AtomicU64>,
}

impl<P: Provider> Ctx<P> {
    fn new(provider: Arc<P>, opts: &ExecOptions, stack: &str) -> Result<Self, ExecError> {
        Ok(Self {
            provider,
            limiter: Arc::new(RateLimiter::new(&opts.rates)?),
            opts: Arc::new(opts.clone()),
            stack: Arc::from(stack),
            requests: Arc::new(AtomicU64::new(0)),
        })
    }
}

/// One request-sized step of a walk.
#[derive(Debug, Clone)]
struct Node {
    change: usize,
    address: Address,
    /// `Create`, `Update` or `Delete`; `NoOp` for a change not sent.
    action: Action,
    replace: bool,
    adopt: bool,
    before: Option<Resource>,
    after: Option<Resource>,
    /// In a rollback: the journal step this node undoes.
    undo_of: Option<StepId>,
    succs: Vec<usize>,
    preds: usize,
}

/// Splits a plan's changes into steps and wires its edges between them.
fn build_nodes(plan: &Plan, undo: Option<&[UndoLink]>) -> Result<Vec<Node>, ExecError> {
    let invalid = |m: String| Err(ExecError::InvalidPlan(m));
    let mut nodes: Vec<Node> = Vec::new();
    let mut span: BTreeMap<&Address, (usize, usize)> = BTreeMap::new();
    for (ci, change) in plan.changes.iter().enumerate() {
        let addr = &change.address;
        if span.contains_key(addr) {
            return invalid(format!("`{addr}` has more than one change"));
        }
        let node =
            |action, replace, adopt, before: Option<&Resource>, after: Option<&Resource>| Node {
                change: ci,
                address: addr.clone(),
                action,
                replace,
                adopt,
                before: before.cloned(),
                after: after.cloned(),
                undo_of: None,
                succs: Vec::new(),
                preds: 0,
            };
        let needs_after = matches!(
            change.action,
            Action::Create | Action::Update | Action::Replace
        );
        if needs_after && change.after.is_none() {
            return invalid(format!(
                "the {} of `{addr}` has no desired resource",
                change.action.as_str()
            ));
        }
        let first = nodes.len();
        match change.action {
            Action::NoOp if change.adopt => nodes.push(node(
                Action::Update,
                false,
                true,
                change.before.as_ref(),
                change.after.as_ref().or(change.before.as_ref()),
            )),
            Action::NoOp => nodes.push(node(Action::NoOp, false, false, None, None)),
            Action::Create | Action::Update | Action::Delete => nodes.push(node(
                change.action,
                false,
                change.adopt,
                change.before.as_ref(),
                change.after.as_ref(),
            )),
            Action::Replace => {
                nodes.push(node(
                    Action::Delete,
                    true,
                    false,
                    change.before.as_ref(),
                    None,
                ));
                nodes.push(node(
                    Action::Create,
                    true,
                    false,
                    None,
                    change.after.as_ref(),
                ));
            }
        }
        span.insert(addr, (first, nodes.len() - 1));
    }
    let mut wires: BTreeSet<(usize, usize)> = BTreeSet::new();
    for (&_, &(first, last)) in &span {
        if last > first {
            wires.insert((first, last));
        }
    }
    for e in &plan.edges {
        let (Some(&(_, from)), Some(&(to, _))) = (span.get(&e.before), span.get(&e.after)) else {
            return invalid(format!(
                "edge `{}` -> `{}` names a resource without a change",
                e.before, e.after
            ));
        };
        if e.before == e.after {
            return invalid(format!("edge `{}` -> `{}` is a loop", e.before, e.after));
        }
        wires.insert((from, to));
    }
    for (from, to) in wires {
        nodes[from].succs.push(to);
        nodes[to].preds += 1;
    }
    // Cycle check (Kahn).
    let mut indeg: Vec<usize> = nodes.iter().map(|n| n.preds).collect();
    let mut queue: Vec<usize> = (0..nodes.len()).filter(|&i| indeg[i] == 0).collect();
    let mut seen = 0;
    while let Some(i) = queue.pop() {
        seen += 1;
        for &s in &nodes[i].succs {
            indeg[s] -= 1;
            if indeg[s] == 0 {
                queue.push(s);
            }
        }
    }
    if seen != nodes.len() {
        let stuck: Vec<String> = (0..nodes.len())
            .filter(|&i| indeg[i] > 0)
            .map(|i| format!("`{}`", nodes[i].address))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        return invalid(format!(
            "its edges form a cycle through {}",
            stuck.join(", ")
        ));
    }
    if let Some(links) = undo {
        for n in nodes.iter_mut().filter(|n| n.action != Action::NoOp) {
            let Some(link) = links
                .iter()
                .find(|l| l.address == n.address && l.action == n.action)
            else {
                return invalid(format!(
                    "no journal step is undone by the {} of `{}`",
                    n.action.as_str(),
                    n.address
                ));
            };
            n.undo_of = Some(link.step_id);
        }
    }
    Ok(nodes)
}

#[derive(Debug, Clone, PartialEq)]
enum NodeState {
    Waiting,
    Running,
    NotSent,
    Succeeded(Option<Resource>),
    Failed(String),
    Skipped(String),
}

/// A failed step, as the task reports it.
#[derive(Debug)]
struct StepFailure {
    message: String,
    outcome_unknown: bool,
}

/// Walks the nodes (a forward apply, or with `undo` a rollback whose nodes
/// carry `undo_of`), journaling each step before it is sent and its end after.
async fn walk<P: Provider>(
    ctx: &Ctx<P>,
    nodes: &[Node],
    pre_skipped: &BTreeMap<usize, String>,
    undo: bool,
    journal: &mut Journal,
    events: &(impl Fn(ProgressEvent) + Send + Sync),
) -> Result<Vec<NodeState>, ExecError> {
    let mut state = vec![NodeState::Waiting; nodes.len()];
    let mut preds: Vec<usize> = nodes.iter().map(|n| n.preds).collect();
    let mut step_ids: Vec<Option<StepId>> = vec![None; nodes.len()];
    let mut ready: VecDeque<usize> = (0..nodes.len()).filter(|&i| preds[i] == 0).collect();

    for (&i, reason) in pre_skipped {
        if state[i] == NodeState::Waiting {
            state[i] = NodeState::Skipped(reason.clone());
            events(ProgressEvent::StepSkipped {
                address: nodes[i].address.clone(),
                action: nodes[i].action,
                reason: reason.clone(),
            });
            skip_downstream(i, nodes, &mut state, events);
        }
    }

    let (tx, mut rx) = mpsc::unbounded_channel::<ProgressEvent>();
    let mut set: JoinSet<Result<Option<Resource>, StepFailure>> = JoinSet::new();
    let mut running: HashMap<tokio::task::Id, usize> = HashMap::new();
    let mut journal_error: Option<JournalError> = None;
    let parallelism = ctx.opts.parallelism.max(1);

    // Ready steps wait in one queue per rate class, so that a step whose
    // class has no token yet does not hold a slot that another class could
    // use (a slot is taken only with a token in hand).
    let classes: Vec<&'static str> = nodes
        .iter()
        .map(|n| ctx.provider.rate_class(&n.address, n.action))
        .collect();
    let mut queues: BTreeMap<&'static str, VecDeque<usize>> = BTreeMap::new();

    loop {
        while let Some(i) = ready.pop_front() {
            if state[i] != NodeState::Waiting {
                continue;
            }
            if nodes[i].action == Action::NoOp {
                state[i] = NodeState::NotSent;
                release(i, nodes, &mut preds, &mut ready);
            } else {
                queues.entry(classes[i]).or_default().push_back(i);
            }
        }
        let mut wake: Option<Instant> = None;
        while journal_error.is_none() && set.len() < parallelism {
            // The class whose next token comes first; plan order among equals.
            let mut best: Option<(Duration, usize)> = None;
            for (class, queue) in &mut queues {
                while queue
                    .front()
                    .is_some_and(|&i| state[i] != NodeState::Waiting)
                {
                    queue.pop_front();
                }
                let Some(&i) = queue.front() else { continue };
                let wait = ctx.limiter.available_in(class);
                if best.is_none_or(|b| (wait, i) < b) {
                    best = Some((wait, i));
                }
            }
            let Some((wait, i)) = best else { break };
            if !wait.is_zero() || !ctx.limiter.try_acquire(classes[i]) {
                wake = Some(Instant::now() + wait.max(Duration::from_millis(1)));
                break;
            }
            if let Some(queue) = queues.get_mut(classes[i]) {
                queue.pop_front();
            }
            let node = &nodes[i];
            let record = match node.undo_of {
                Some(step_id) => Record::UndoStarted {
                    step_id,
                    action: node.action,
                },
                None => {
                    let step_id = journal.state().next_step_id();
                    step_ids[i] = Some(step_id);
                    Record::StepStarted {
                        step_id,
                        address: node.address.clone(),
                        action: node.action,
                        replace: node.replace,
                        adopt: node.adopt,
                        before: node.before.clone(),
                        after: node.after.clone(),
                    }
                }
            };
            // Synced to disk before the request can go out.
            if let Err(e) = journal.append(record) {
                journal_error = Some(e);
                break;
            }
            let (address, action) = (node.address.clone(), node.action);
            events(if undo {
                ProgressEvent::UndoStarted { address, action }
            } else {
                ProgressEvent::StepStarted { address, action }
            });
            state[i] = NodeState::Running;
            let handle = set.spawn(run_step(
                ctx.provider.clone(),
                ctx.limiter.clone(),
                ctx.opts.clone(),
                ctx.stack.clone(),
                ctx.requests.clone(),
                node.clone(),
                tx.clone(),
            ));
            running.insert(handle.id(), i);
        }
        if set.is_empty() && wake.is_none() {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep_until(wake.unwrap_or_else(Instant::now)), if wake.is_some() => {}
            Some(event) = rx.recv() => events(event),
            Some(joined) = set.join_next_with_id() => {
                let (i, result) = match joined {
                    Ok((id, result)) => (running.remove(&id), result),
                    Err(e) => (
                        running.remove(&e.id()),
                        Err(StepFailure {
                            message: format!("the step stopped unexpectedly: {e}"),
                            outcome_unknown: true,
                        }),
                    ),
                };
                let Some(i) = i else { continue };
                let node = &nodes[i];
                let record = match (&result, node.undo_of) {
                    (Ok(after), Some(step_id)) => Record::Undone { step_id, live_after: after.clone() },
                    (Err(f), Some(step_id)) => Record::UndoFailed { step_id, error: f.message.clone() },
                    (Ok(after), None) => Record::StepSucceeded {
                        step_id: step_ids[i].unwrap_or_default(),
                        live_after: after.clone(),
                    },
                    (Err(f), None) => Record::StepFailed {
                        step_id: step_ids[i].unwrap_or_default(),
                        error: f.message.clone(),
                        outcome_unknown: f.outcome_unknown,
                    },
                };
                if journal_error.is_none()
                    && let Err(e) = journal.append(record)
                {
                    journal_error = Some(e);
                }
                let (address, action) = (node.address.clone(), node.action);
                match result {
                    Ok(after) => {
                        state[i] = NodeState::Succeeded(after);
                        events(if undo {
                            ProgressEvent::Undone { address, action }
                        } else {
                            ProgressEvent::StepSucceeded { address, action }
                        });
                        release(i, nodes, &mut preds, &mut ready);
                    }
                    Err(f) => {
                        state[i] = NodeState::Failed(f.message.clone());
                        events(if undo {
                            ProgressEvent::UndoFailed { address, action, error: f.message }
                        } else {
                            ProgressEvent::StepFailed { address, action, error: f.message }
                        });
                        skip_downstream(i, nodes, &mut state, events);
                    }
                }
            }
        }
    }
    while let Ok(event) = rx.try_recv() {
        events(event);
    }
    match journal_error {
        Some(e) => Err(e.into()),
        None => Ok(state),
    }
}

/// Marks a finished node's successors ready when all their predecessors are.
fn release(i: usize, nodes: &[Node], preds: &mut [usize], ready: &mut VecDeque<usize>) {
    for &s in &nodes[i].succs {
        preds[s] -= 1;
        if preds[s] == 0 {
            ready.push_back(s);
        }
    }
}

/// Skips everything downstream of a failed (or skipped) node.
fn skip_downstream(
    i: usize,
    nodes: &[Node],
    state: &mut [NodeState],
    events: &(impl Fn(ProgressEvent) + Send + Sync),
) {
    let cause = &nodes[i].address;
    let mut stack: Vec<usize> = nodes[i].succs.clone();
    while let Some(s) = stack.pop() {
        if state[s] != NodeState::Waiting {
            continue;
        }
        let reason = format!("depends on `{cause}`, which did not succeed");
        state[s] = NodeState::Skipped(reason.clone());
        events(ProgressEvent::StepSkipped {
            address: nodes[s].address.clone(),
            action: nodes[s].action,
            reason,
        });
        stack.extend(nodes[s].succs.iter().copied());
    }
}

/// One step: rate limit, request, and the retry policy around it.
async fn run_step<P: Provider>(
    provider: Arc<P>,
    limiter: Arc<RateLimiter>,
    opts: Arc<ExecOptions>,
    stack: Arc<str>,
    requests: Arc<AtomicU64>,
    mut node: Node,
    events: mpsc::UnboundedSender<ProgressEvent>,
) -> Result<Option<Resource>, StepFailure> {
    let write_class = provider.rate_class(&node.address, node.action);
    let read_class = provider.rate_class(&node.address, Action::NoOp);
    let mut attempt: u32 = 1;
    let mut look_up_first = false;
    let mut maybe_took_effect = false;
    // The walk took the first try's token when it gave the step a slot.
    let mut token_in_hand = true;
    loop {
        let error = if look_up_first {
            limiter.acquire(read_class).await;
            requests.fetch_add(1, Ordering::Relaxed);
            match provider.find(&stack, &node.address).await {
                Ok(Some(found)) if !unfinished(&found, node.after.as_ref()) => {
                    return Ok(Some(found));
                }
                Ok(Some(found)) => {
                    // Only part of a create of several requests took effect
                    // (a role without its policies, a stream without its
                    // retention): finish it as an update of what is there,
                    // still under the create's journal record.
                    node.action = Action::Update;
                    node.before = Some(found);
                    look_up_first = false;
                    continue;
                }
                Ok(None) => {
                    // The earlier create did not take effect: send it again.
                    look_up_first = false;
                    continue;
                }
                Err(e) => e,
            }
        } else {
            if !std::mem::take(&mut token_in_hand) {
                limiter.acquire(write_class).await;
            }
            requests.fetch_add(1, Ordering::Relaxed);
            let request = StepRequest {
                action: node.action,
                address: &node.address,
                before: node.before.as_ref(),
                after: node.after.as_ref(),
                adopt: node.adopt,
            };
            match provider.apply(&request).await {
                Ok(outcome) => return Ok(outcome.after),
                // Deleting what is gone has succeeded (also after a lost
                // response to an earlier try).
                Err(ProviderError::NotFound(_)) if node.action == Action::Delete => {
                    return Ok(None);
                }
                Err(e) => {
                    if matches!(e, ProviderError::UnknownOutcome(_)) {
                        maybe_took_effect = true;
                    }
                    e
                }
            }
        };
        match error_policy(&error, node.action, attempt, &opts) {
            RetryDecision::Retry {
                after,
                look_up_first: look,
            } => {
                look_up_first |= look;
                let _ = events.send(ProgressEvent::Retrying {
                    address: node.address.clone(),
                    action: node.action,
                    attempt,
                    delay: after,
                    error: error.to_string(),
                });
                tokio::time::sleep(after).await;
                attempt += 1;
            }
            RetryDecision::GiveUp => {
                // A last look before calling a create failed: it may exist.
                if node.action == Action::Create && maybe_took_effect {
                    limiter.acquire(read_class).await;
                    requests.fetch_add(1, Ordering::Relaxed);
                    if let Ok(Some(found)) = provider.find(&stack, &node.address).await
                        && !unfinished(&found, node.after.as_ref())
                    {
                        return Ok(Some(found));
                    }
                }
                let tries = if attempt > 1 {
                    format!(" (after {attempt} tries)")
                } else {
                    String::new()
                };
                return Err(StepFailure {
                    message: format!("{error}{tries}"),
                    outcome_unknown: maybe_took_effect,
                });
            }
        }
    }
}

/// Whether a resource a look-up found after a create whose outcome was
/// unknown still differs from the desired one in fields an update can
/// change: the create took effect only in part.
fn unfinished(found: &Resource, want: Option<&Resource>) -> bool {
    let Some(want) = want else {
        return false;
    };
    let immutable = want.address.kind.replace_paths();
    let paths = changed_paths(&found.attrs, &want.attrs);
    !paths.is_empty()
        && !paths.iter().any(|p| {
            immutable.iter().any(|f| {
                p == f.path
                    || p.strip_prefix(f.path)
                        .is_some_and(|rest| rest.starts_with('/'))
            })
        })
}

/// Results per change, from the states of its nodes.
struct Summary {
    succeeded: Vec<Address>,
    failed: Vec<(Address, String)>,
    skipped: Vec<Address>,
}

fn summarize(nodes: &[Node], states: &[NodeState]) -> Summary {
    let mut per_change: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        per_change.entry(n.change).or_default().push(i);
    }
    let mut out = Summary {
        succeeded: Vec::new(),
        failed: Vec::new(),
        skipped: Vec::new(),
    };
    for idx in per_change.values() {
        let address = nodes[idx[0]].address.clone();
        if let Some(msg) = idx.iter().find_map(|&i| match &states[i] {
            NodeState::Failed(m) => Some(m.clone()),
            _ => None,
        }) {
            out.failed.push((address, msg));
        } else if idx
            .iter()
            .any(|&i| matches!(states[i], NodeState::Skipped(_) | NodeState::Waiting))
        {
            out.skipped.push(address);
        } else if idx
            .iter()
            .all(|&i| matches!(states[i], NodeState::Succeeded(_)))
        {
            out.succeeded.push(address);
        }
    }
    out
}

/// Undoes the steps of this apply that succeeded (or may have): the live
/// state is what the journal says the steps left, and a look-up for each
/// resource whose step's outcome is unknown.
async fn auto_rollback<P: Provider>(
    ctx: &Ctx<P>,
    journal: &mut Journal,
    events: &(impl Fn(ProgressEvent) + Send + Sync),
) -> Result<RollbackReport, ExecError> {
    let mut live = LiveState::default();
    let mut unresolved: Vec<(Address, String)> = Vec::new();
    {
        let state = journal.state();
        let mut by_address: BTreeMap<&Address, Vec<StepId>> = BTreeMap::new();
        for s in state.steps.values() {
            by_address.entry(&s.address).or_default().push(s.step_id);
        }
        let position: BTreeMap<StepId, usize> = state
            .completed
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i))
            .collect();
        for (address, ids) in by_address {
            let steps: Vec<_> = ids.iter().filter_map(|id| state.steps.get(id)).collect();
            let uncertain = steps.iter().any(|s| {
                matches!(
                    s.status,
                    StepStatus::InFlight
                        | StepStatus::Failed {
                            outcome_unknown: true,
                            ..
                        }
                )
            });
            if uncertain {
                ctx.limiter
                    .acquire(ctx.provider.rate_class(address, Action::NoOp))
                    .await;
                ctx.requests.fetch_add(1, Ordering::Relaxed);
                match ctx.provider.find(&ctx.stack, address).await {
                    Ok(Some(r)) => live.resources.push(r),
                    Ok(None) => {}
                    Err(e) => unresolved.push((
                        address.clone(),
                        format!("its step's outcome is unknown and looking it up failed: {e}"),
                    )),
                }
                continue;
            }
            let last = steps
                .iter()
                .filter(|s| position.contains_key(&s.step_id))
                .max_by_key(|s| position[&s.step_id]);
            match last.map(|s| (&s.status, s.action, &s.after)) {
                Some((
                    StepStatus::Succeeded {
                        live_after: Some(r),
                    },
                    _,
                    _,
                )) => {
                    live.resources.push(r.clone());
                }
                // A provider that did not say what it left: the desired
                // resource is the best knowledge, so that it is not leaked.
                Some((
                    StepStatus::Succeeded { live_after: None },
                    Action::Create | Action::Update,
                    Some(desired),
                )) => {
                    live.resources.push(desired.clone());
                }
                _ => {}
            }
        }
    }
    let mut reverse = reverse_plan(journal.state(), &live);
    for (address, _) in &unresolved {
        reverse.drop_address(address);
    }
    run_reverse(ctx, &reverse, unresolved, journal, events).await
}

/// Runs a reverse plan between `RollbackStarted` and `RollbackFinished`.
async fn run_reverse<P: Provider>(
    ctx: &Ctx<P>,
    reverse: &ReversePlan,
    mut not_reversed: Vec<(Address, String)>,
    journal: &mut Journal,
    events: &(impl Fn(ProgressEvent) + Send + Sync),
) -> Result<RollbackReport, ExecError> {
    let started = Instant::now();
    let before = ctx.requests.load(Ordering::Relaxed);
    let nodes = build_nodes(&reverse.plan, Some(&reverse.undoes))?;
    journal.append(Record::RollbackStarted {
        pid: std::process::id(),
        host: this_host(),
        started_at: OffsetDateTime::now_utc(),
    })?;
    events(ProgressEvent::RollbackStarted {
        steps: nodes.iter().filter(|n| n.action != Action::NoOp).count(),
    });
    let inexact: BTreeMap<&Address, &String> =
        reverse.inexact.iter().map(|(a, w)| (a, w)).collect();
    let mut pre_skipped = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        if let Some(what) = inexact.get(&n.address) {
            pre_skipped.insert(i, format!("cannot be undone exactly: {what}"));
        }
    }
    let states = walk(ctx, &nodes, &pre_skipped, true, journal, events).await?;
    let summary = summarize(&nodes, &states);
    let mut skipped = Vec::new();
    for a in summary.skipped {
        match inexact.get(&a) {
            Some(what) => not_reversed.push((a, (*what).clone())),
            None => skipped.push(a),
        }
    }
    let outcome = if summary.failed.is_empty() && skipped.is_empty() && not_reversed.is_empty() {
        RollbackOutcome::Complete
    } else {
        RollbackOutcome::Incomplete
    };
    journal.append(Record::RollbackFinished { outcome })?;
    Ok(RollbackReport {
        apply_id: reverse.apply_id.clone(),
        outcome,
        undone: summary.succeeded,
        failed: summary.failed,
        skipped,
        not_reversed,
        requests: ctx.requests.load(Ordering::Relaxed) - before,
        elapsed: started.elapsed(),
    })
}
