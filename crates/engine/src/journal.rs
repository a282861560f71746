//! The apply journal: an intent log, one JSON line per event, synced to disk
//! before the request it announces is sent.
//!
//! Each apply writes `<state_dir>/journal/<stack>/<apply_id>.jsonl`
//! (`apply_id` is a UTC timestamp plus a short random suffix, so names sort
//! by time). The records ([`Record`]) are those of a saga log: the apply
//! starts, each step starts (with the before-image that undoing it needs) and
//! then succeeds (with the resource as it was left) or fails; a rollback
//! starts, undoes steps one by one, and finishes; the apply finishes with an
//! outcome. Resources carry no secret values (write-only fields are
//! references), so the journal holds none.
//!
//! The journal is a state machine ([`JournalState`]): a record that does not
//! follow from the ones before it (a step that succeeds twice, an unknown
//! step, a step started after the apply finished) is refused when written
//! and when replayed. [`Journal::replay`] rebuilds the state after a crash;
//! a step that started and never finished is [`StepStatus::InFlight`]. A torn
//! last line (a crash during a write) is ignored with a warning.
//!
//! Start with [`Journal::begin`] (a new apply), [`Journal::open`] (append to
//! an existing one, e.g. for `rollback`), [`Journal::replay`] and
//! [`list_applies`] (for `history`).

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use reconcile_model::{Address, Resource};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::change::Action;
use crate::lock::{is_safe_component, process_alive, this_host};
use crate::plan::{Edge, Plan};

/// A step's number inside one apply, from 0 in the order steps started.
pub type StepId = u32;

/// What the journal knows about an apply from its first record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplyHeader {
    pub apply_id: String,
    pub stack: String,
    /// [`Plan::live_fingerprint`] of the plan being applied.
    pub plan_live_fingerprint: String,
    pub pid: u32,
    pub host: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(default)]
    pub spec_path: String,
    #[serde(default)]
    pub spec_dir: String,
    /// How many steps the plan holds (no-ops left out, a replace counts two).
    #[serde(default)]
    pub planned_steps: usize,
    /// The plan's ordering edges, so that a reverse plan can order its steps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edges: Vec<Edge>,
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// Always the first record, exactly once.
    ApplyStarted(ApplyHeader),
    /// Written and synced before the step's request is sent. `before` is the
    /// live resource the step changes (the image undo restores; `None` for a
    /// create), `after` the desired one (`None` for a delete). The two halves
    /// of a replace are a delete and a create at the same address, both with
    /// `replace` set.
    StepStarted {
        step_id: StepId,
        address: Address,
        action: Action,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        replace: bool,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        adopt: bool,
        before: Option<Resource>,
        after: Option<Resource>,
    },
    /// The step took effect; `live_after` is the resource as the provider left
    /// it (`None` after a delete). A later rollback compares the account
    /// against it to find what changed since.
    StepSucceeded {
        step_id: StepId,
        live_after: Option<Resource>,
    },
    /// The step failed. With `outcome_unknown` it may nevertheless have taken
    /// effect (lost responses until the last attempt).
    StepFailed {
        step_id: StepId,
        error: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        outcome_unknown: bool,
    },
    /// Undoing begins (automatically after a failure, or `reconcile rollback`).
    RollbackStarted {
        pid: u32,
        host: String,
        #[serde(with = "time::serde::rfc3339")]
        started_at: OffsetDateTime,
    },
    /// Written before the request that undoes `step_id`; `action` is what the
    /// undo does (a create is undone by a delete).
    UndoStarted {
        step_id: StepId,
        action: Action,
    },
    Undone {
        step_id: StepId,
        live_after: Option<Resource>,
    },
    UndoFailed {
        step_id: StepId,
        error: String,
    },
    RollbackFinished {
        outcome: RollbackOutcome,
    },
    /// The last record of the apply itself (a later `rollback` may follow).
    ApplyFinished {
        outcome: ApplyOutcome,
        #[serde(with = "time::serde::rfc3339")]
        finished_at: OffsetDateTime,
    },
}

impl Record {
    /// The record's type as written in the file.
    pub fn kind(&self) -> &'static str {
        match self {
            Record::ApplyStarted(_) => "apply_started",
            Record::StepStarted { .. } => "step_started",
            Record::StepSucceeded { .. } => "step_succeeded",
            Record::StepFailed { .. } => "step_failed",
            Record::RollbackStarted { .. } => "rollback_started",
            Record::UndoStarted { .. } => "undo_started",
            Record::Undone { .. } => "undone",
            Record::UndoFailed { .. } => "undo_failed",
            Record::RollbackFinished { .. } => "rollback_finished",
            Record::ApplyFinished { .. } => "apply_finished",
        }
    }
}

/// How an apply ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApplyOutcome {
    /// Every step succeeded.
    Succeeded,
    /// Some step failed and the completed steps were left in place
    /// (`--on-failure stop`).
    Failed,
    /// Some step failed and everything the apply did was undone.
    RolledBack,
    /// Some step failed and undoing did not complete.
    RollbackFailed,
}

/// How a rollback ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RollbackOutcome {
    /// Every step it set out to undo was undone.
    Complete,
    /// Some undo failed or could not be attempted.
    Incomplete,
}

/// A step as the journal knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepState {
    pub step_id: StepId,
    pub address: Address,
    pub action: Action,
    pub replace: bool,
    pub adopt: bool,
    pub before: Option<Resource>,
    pub after: Option<Resource>,
    pub status: StepStatus,
    pub undo: UndoStatus,
}

/// Where a step stands.
#[derive(Debug, Clone, PartialEq)]
pub enum StepStatus {
    /// Started and never finished: the process stopped while its request
    /// was out, so it may or may not have taken effect.
    InFlight,
    Succeeded {
        live_after: Option<Resource>,
    },
    Failed {
        error: String,
        outcome_unknown: bool,
    },
}

/// Whether a step was undone.
#[derive(Debug, Clone, PartialEq)]
pub enum UndoStatus {
    NotUndone,
    /// An undo started in rollback number `rollback` (from 0) and did not
    /// finish.
    InFlight {
        action: Action,
        rollback: usize,
    },
    Undone {
        live_after: Option<Resource>,
    },
    Failed {
        error: String,
    },
}

/// A rollback as the journal knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackState {
    pub pid: u32,
    pub host: String,
    pub started_at: OffsetDateTime,
    /// `None` while running, or when the process stopped during it.
    pub outcome: Option<RollbackOutcome>,
}

/// Everything a journal says, rebuilt record by record.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalState {
    pub header: ApplyHeader,
    pub steps: BTreeMap<StepId, StepState>,
    /// Steps that succeeded, in the order they finished.
    pub completed: Vec<StepId>,
    pub rollbacks: Vec<RollbackState>,
    /// `None` until `ApplyFinished` (still running, or interrupted).
    pub outcome: Option<ApplyOutcome>,
    pub finished_at: Option<OffsetDateTime>,
    /// Problems tolerated while replaying (a torn last line).
    pub warnings: Vec<String>,
}

/// Why a record does not follow from the journal so far.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{record}` record {reason}")]
pub struct TransitionError {
    pub record: &'static str,
    pub reason: String,
}

impl JournalState {
    /// The state after a journal's first record, which must be `ApplyStarted`.
    pub fn start(first: &Record) -> Result<Self, TransitionError> {
        match first {
            Record::ApplyStarted(header) => Ok(Self {
                header: header.clone(),
                steps: BTreeMap::new(),
                completed: Vec::new(),
                rollbacks: Vec::new(),
                outcome: None,
                finished_at: None,
                warnings: Vec::new(),
            }),
            other => Err(TransitionError {
                record: other.kind(),
                reason: "comes before `apply_started`".into(),
            }),
        }
    }

    /// Checks that `record` may follow, without changing anything.
    pub fn validate(&self, record: &Record) -> Result<(), TransitionError> {
        let fail = |reason: String| {
            Err(TransitionError {
                record: record.kind(),
                reason,
            })
        };
        let rollback_open = self.rollbacks.last().is_some_and(|r| r.outcome.is_none());
        match record {
            Record::ApplyStarted(_) => fail("appears twice".into()),
            Record::StepStarted {
                step_id, action, ..
            } => {
                if self.steps.contains_key(step_id) {
                    return fail(format!("reuses step {step_id}"));
                }
                if self.outcome.is_some() {
                    return fail(format!("for step {step_id} comes after the apply finished"));
                }
                if !self.rollbacks.is_empty() {
                    return fail(format!("for step {step_id} comes after a rollback started"));
                }
                if !matches!(action, Action::Create | Action::Update | Action::Delete) {
                    return fail(format!(
                        "for step {step_id} has action `{}`; a step creates, updates or deletes",
                        action.as_str()
                    ));
                }
                Ok(())
            }
            Record::StepSucceeded { step_id, .. } | Record::StepFailed { step_id, .. } => {
                match self.steps.get(step_id).map(|s| &s.status) {
                    None => fail(format!("names step {step_id}, which never started")),
                    Some(StepStatus::InFlight) => Ok(()),
                    Some(_) => fail(format!("for step {step_id}, which already finished")),
                }
            }
            // Always possible: also after a crash during an apply or a
            // rollback, whose unfinished steps a new rollback then resolves.
            Record::RollbackStarted { .. } => Ok(()),
            Record::UndoStarted { step_id, .. } => {
                if !rollback_open {
                    return fail(format!("for step {step_id} comes outside a rollback"));
                }
                let Some(step) = self.steps.get(step_id) else {
                    return fail(format!("names step {step_id}, which never started"));
                };
                if let StepStatus::Failed {
                    outcome_unknown: false,
                    ..
                } = step.status
                {
                    return fail(format!(
                        "for step {step_id}, which failed and changed nothing"
                    ));
                }
                match &step.undo {
                    UndoStatus::Undone { .. } => {
                        fail(format!("for step {step_id}, which is already undone"))
                    }
                    UndoStatus::InFlight { rollback, .. }
                        if *rollback + 1 == self.rollbacks.len() =>
                    {
                        fail(format!("for step {step_id}, whose undo is already running"))
                    }
                    _ => Ok(()),
                }
            }
            Record::Undone { step_id, .. } | Record::UndoFailed { step_id, .. } => {
                match self.steps.get(step_id).map(|s| &s.undo) {
                    None => fail(format!("names step {step_id}, which never started")),
                    Some(UndoStatus::InFlight { rollback, .. })
                        if rollback_open && *rollback + 1 == self.rollbacks.len() =>
                    {
                        Ok(())
                    }
                    Some(_) => fail(format!("for step {step_id}, whose undo is not running")),
                }
            }
            Record::RollbackFinished { .. } => {
                if !rollback_open {
                    return fail("without a running rollback".into());
                }
                let current = self.rollbacks.len() - 1;
                if let Some(s) = self.steps.values().find(
                    |s| matches!(s.undo, UndoStatus::InFlight { rollback, .. } if rollback == current),
                ) {
                    return fail(format!("while the undo of step {} runs", s.step_id));
                }
                Ok(())
            }
            Record::ApplyFinished { .. } => {
                if self.outcome.is_some() {
                    return fail("appears twice".into());
                }
                if rollback_open {
                    return fail("while a rollback runs".into());
                }
                if let Some(s) = self.in_flight().next() {
                    return fail(format!("while step {} runs", s.step_id));
                }
                Ok(())
            }
        }
    }

    /// Validates `record` and applies it.
    pub fn apply(&mut self, record: &Record) -> Result<(), TransitionError> {
        self.validate(record)?;
        self.commit(record);
        Ok(())
    }

    /// Applies a validated record.
    fn commit(&mut self, record: &Record) {
        match record {
            Record::ApplyStarted(_) => {}
            Record::StepStarted {
                step_id,
                address,
                action,
                replace,
                adopt,
                before,
                after,
            } => {
                self.steps.insert(
                    *step_id,
                    StepState {
                        step_id: *step_id,
                        address: address.clone(),
                        action: *action,
                        replace: *replace,
                        adopt: *adopt,
                        before: before.clone(),
                        after: after.clone(),
                        status: StepStatus::InFlight,
                        undo: UndoStatus::NotUndone,
                    },
                );
            }
            Record::StepSucceeded {
                step_id,
                live_after,
            } => {
                if let Some(s) = self.steps.get_mut(step_id) {
                    s.status = StepStatus::Succeeded {
                        live_after: live_after.clone(),
                    };
                    self.completed.push(*step_id);
                }
            }
            Record::StepFailed {
                step_id,
                error,
                outcome_unknown,
            } => {
                if let Some(s) = self.steps.get_mut(step_id) {
                    s.status = StepStatus::Failed {
                        error: error.clone(),
                        outcome_unknown: *outcome_unknown,
                    };
                }
            }
            Record::RollbackStarted {
                pid,
                host,
                started_at,
            } => self.rollbacks.push(RollbackState {
                pid: *pid,
                host: host.clone(),
                started_at: *started_at,
                outcome: None,
            }),
            Record::UndoStarted { step_id, action } => {
                let rollback = self.rollbacks.len().saturating_sub(1);
                if let Some(s) = self.steps.get_mut(step_id) {
                    s.undo = UndoStatus::InFlight {
                        action: *action,
                        rollback,
                    };
                }
            }
            Record::Undone {
                step_id,
                live_after,
            } => {
                if let Some(s) = self.steps.get_mut(step_id) {
                    s.undo = UndoStatus::Undone {
                        live_after: live_after.clone(),
                    };
                }
            }
            Record::UndoFailed { step_id, error } => {
                if let Some(s) = self.steps.get_mut(step_id) {
                    s.undo = UndoStatus::Failed {
                        error: error.clone(),
                    };
                }
            }
            Record::RollbackFinished { outcome } => {
                if let Some(r) = self.rollbacks.last_mut() {
                    r.outcome = Some(*outcome);
                }
            }
            Record::ApplyFinished {
                outcome,
                finished_at,
            } => {
                self.outcome = Some(*outcome);
                self.finished_at = Some(*finished_at);
            }
        }
    }

    /// Steps that started and never finished.
    pub fn in_flight(&self) -> impl Iterator<Item = &StepState> {
        self.steps
            .values()
            .filter(|s| s.status == StepStatus::InFlight)
    }

    /// Steps whose undo started in some rollback and never finished.
    pub fn undo_in_flight(&self) -> impl Iterator<Item = &StepState> {
        self.steps
            .values()
            .filter(|s| matches!(s.undo, UndoStatus::InFlight { .. }))
    }

    /// Steps that succeeded, in the order they finished.
    pub fn succeeded(&self) -> impl Iterator<Item = &StepState> {
        self.completed.iter().filter_map(|id| self.steps.get(id))
    }

    /// The id the next step gets.
    pub fn next_step_id(&self) -> StepId {
        self.steps.keys().next_back().map_or(0, |id| id + 1)
    }

    /// The outcome as `history` shows it, judging a journal without an end
    /// by whether its process still runs.
    pub fn history_outcome(&self) -> HistoryOutcome {
        let alive = |pid: u32, host: &str| host == this_host() && process_alive(pid) != Some(false);
        if let Some(last) = self.rollbacks.last() {
            return match last.outcome {
                Some(RollbackOutcome::Complete) => HistoryOutcome::RolledBack,
                Some(RollbackOutcome::Incomplete) => HistoryOutcome::RollbackFailed,
                None if alive(last.pid, &last.host) => HistoryOutcome::InProgress,
                None => HistoryOutcome::Interrupted,
            };
        }
        match self.outcome {
            Some(ApplyOutcome::Succeeded) => HistoryOutcome::Succeeded,
            Some(ApplyOutcome::Failed) => HistoryOutcome::Failed,
            Some(ApplyOutcome::RolledBack) => HistoryOutcome::RolledBack,
            Some(ApplyOutcome::RollbackFailed) => HistoryOutcome::RollbackFailed,
            None if alive(self.header.pid, &self.header.host) => HistoryOutcome::InProgress,
            None => HistoryOutcome::Interrupted,
        }
    }

    /// Step counts for `history`.
    pub fn counts(&self) -> StepCounts {
        let mut c = StepCounts {
            planned: self.header.planned_steps,
            ..StepCounts::default()
        };
        for s in self.steps.values() {
            match s.status {
                StepStatus::InFlight => c.in_flight += 1,
                StepStatus::Succeeded { .. } => c.succeeded += 1,
                StepStatus::Failed { .. } => c.failed += 1,
            }
            if matches!(s.undo, UndoStatus::Undone { .. }) {
                c.undone += 1;
            }
        }
        c
    }
}

/// Why a journal cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal `{path}`: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("journal `{path}` line {line} is not a journal record: {message}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("journal `{path}`{}: {source}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    IllegalTransition {
        path: PathBuf,
        /// `None` when refused on write.
        line: Option<usize>,
        source: TransitionError,
    },
    #[error("journal `{0}` is empty")]
    Empty(PathBuf),
    #[error("journal `{0}` refuses further records: an earlier write failed")]
    Poisoned(PathBuf),
    #[error("`{value}` cannot be a {what} (one plain file name: no `/`, no leading `.`)")]
    BadName { what: &'static str, value: String },
    #[error("no apply `{apply_id}` for stack `{stack}` under `{dir}`")]
    NoSuchApply {
        stack: String,
        apply_id: String,
        dir: PathBuf,
    },
}

/// An open journal that appends records, each synced to disk before
/// [`Journal::append`] returns.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    state: JournalState,
    poisoned: bool,
}

impl Journal {
    /// The directory holding a stack's journals.
    pub fn dir(state_dir: &Path, stack: &str) -> Result<PathBuf, JournalError> {
        check_name("stack name", stack)?;
        Ok(state_dir.join("journal").join(stack))
    }

    /// The file of one apply.
    pub fn path_for(
        state_dir: &Path,
        stack: &str,
        apply_id: &str,
    ) -> Result<PathBuf, JournalError> {
        check_name("apply id", apply_id)?;
        Ok(Self::dir(state_dir, stack)?.join(format!("{apply_id}.jsonl")))
    }

    /// The file of an existing apply, or an error naming what was looked for.
    pub fn find(state_dir: &Path, stack: &str, apply_id: &str) -> Result<PathBuf, JournalError> {
        let path = Self::path_for(state_dir, stack, apply_id)?;
        if path.is_file() {
            Ok(path)
        } else {
            Err(JournalError::NoSuchApply {
                stack: stack.to_owned(),
                apply_id: apply_id.to_owned(),
                dir: Self::dir(state_dir, stack)?,
            })
        }
    }

    /// The most recent apply's journal of a stack (by apply id), if any.
    pub fn latest(state_dir: &Path, stack: &str) -> Result<Option<PathBuf>, JournalError> {
        Ok(journal_files(&Self::dir(state_dir, stack)?)?.pop())
    }

    /// Starts the journal of a new apply of `plan`: creates the file and
    /// writes (and syncs) `ApplyStarted`.
    pub fn begin(state_dir: &Path, plan: &Plan) -> Result<Self, JournalError> {
        let dir = Self::dir(state_dir, &plan.stack)?;
        fs::create_dir_all(&dir).map_err(|source| JournalError::Io {
            path: dir.clone(),
            source,
        })?;
        let now = OffsetDateTime::now_utc();
        let apply_id = new_apply_id(now);
        let path = dir.join(format!("{apply_id}.jsonl"));
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| JournalError::Io {
                path: path.clone(),
                source,
            })?;
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        let planned_steps = plan
            .changes
            .iter()
            .map(|c| match c.action {
                Action::NoOp => usize::from(c.adopt),
                Action::Replace => 2,
                _ => 1,
            })
            .sum();
        let header = ApplyHeader {
            apply_id,
            stack: plan.stack.clone(),
            plan_live_fingerprint: plan.live_fingerprint.clone(),
            pid: std::process::id(),
            host: this_host(),
            started_at: now,
            spec_path: plan.spec_path.clone(),
            spec_dir: plan.spec_dir.clone(),
            planned_steps,
            edges: plan.edges.clone(),
        };
        let record = Record::ApplyStarted(header);
        let state =
            JournalState::start(&record).map_err(|source| JournalError::IllegalTransition {
                path: path.clone(),
                line: None,
                source,
            })?;
        let mut journal = Self {
            path,
            file,
            state,
            poisoned: false,
        };
        journal.write_line(&record)?;
        Ok(journal)
    }

    /// Opens an existing journal to append to it (a `rollback` of an earlier
    /// apply). A torn last line is cut off first.
    pub fn open(path: &Path) -> Result<Self, JournalError> {
        let (state, good_len, needs_newline) = replay_inner(path)?;
        let io_err = |source| JournalError::Io {
            path: path.to_owned(),
            source,
        };
        let mut file = OpenOptions::new().append(true).open(path).map_err(io_err)?;
        let len = file.metadata().map_err(io_err)?.len();
        if len > good_len {
            file.set_len(good_len).map_err(io_err)?;
        }
        if needs_newline {
            file.write_all(b"\n").map_err(io_err)?;
        }
        file.sync_data().map_err(io_err)?;
        Ok(Self {
            path: path.to_owned(),
            file,
            state,
            poisoned: false,
        })
    }

    /// Rebuilds an apply's state from its journal file. A last line that does
    /// not parse (torn by a crash) is ignored and noted in
    /// [`JournalState::warnings`]; any other bad line is an error.
    pub fn replay(path: &Path) -> Result<JournalState, JournalError> {
        replay_inner(path).map(|(state, _, _)| state)
    }

    /// Validates `record` against the journal so far, writes it and syncs it.
    pub fn append(&mut self, record: Record) -> Result<(), JournalError> {
        if self.poisoned {
            return Err(JournalError::Poisoned(self.path.clone()));
        }
        self.state
            .validate(&record)
            .map_err(|source| JournalError::IllegalTransition {
                path: self.path.clone(),
                line: None,
                source,
            })?;
        self.write_line(&record)?;
        self.state.commit(&record);
        Ok(())
    }

    fn write_line(&mut self, record: &Record) -> Result<(), JournalError> {
        let mut line = serde_json::to_vec(record).map_err(|e| JournalError::Io {
            path: self.path.clone(),
            source: io::Error::other(e),
        })?;
        line.push(b'\n');
        let result = self
            .file
            .write_all(&line)
            .and_then(|()| self.file.sync_data());
        result.map_err(|source| {
            // A partial line may be on disk: nothing may follow it.
            self.poisoned = true;
            JournalError::Io {
                path: self.path.clone(),
                source,
            }
        })
    }

    pub fn state(&self) -> &JournalState {
        &self.state
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn apply_id(&self) -> &str {
        &self.state.header.apply_id
    }
}

/// Replays a journal; also returns the length of its valid prefix and whether
/// that prefix lacks its final newline.
fn replay_inner(path: &Path) -> Result<(JournalState, u64, bool), JournalError> {
    let bytes = fs::read(path).map_err(|source| JournalError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut lines: Vec<(usize, &[u8], usize)> = Vec::new(); // (line no, text, end offset)
    let mut offset = 0;
    for (i, chunk) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
        offset += chunk.len();
        let text = chunk.strip_suffix(b"\n").unwrap_or(chunk);
        if text.iter().all(u8::is_ascii_whitespace) && !text.is_empty() || text.is_empty() {
            continue;
        }
        lines.push((i + 1, text, offset));
    }
    let mut state: Option<JournalState> = None;
    let mut good_len = 0u64;
    let mut needs_newline = false;
    let mut warnings = Vec::new();
    let count = lines.len();
    for (idx, (line_no, text, end)) in lines.into_iter().enumerate() {
        let record: Record = match serde_json::from_slice(text) {
            Ok(r) => r,
            Err(e) if idx + 1 == count => {
                let w = format!(
                    "ignored the torn last line {line_no} of `{}` (the process stopped while writing it): {e}",
                    path.display()
                );
                tracing::warn!("{w}");
                warnings.push(w);
                break;
            }
            Err(e) => {
                return Err(JournalError::Corrupt {
                    path: path.to_owned(),
                    line: line_no,
                    message: e.to_string(),
                });
            }
        };
        let illegal = |source| JournalError::IllegalTransition {
            path: path.to_owned(),
            line: Some(line_no),
            source,
        };
        match state.as_mut() {
            None => state = Some(JournalState::start(&record).map_err(illegal)?),
            Some(s) => s.apply(&record).map_err(illegal)?,
        }
        good_len = end as u64;
        needs_newline = bytes.get(end - 1) != Some(&b'\n');
    }
    let mut state = state.ok_or_else(|| JournalError::Empty(path.to_owned()))?;
    state.warnings = warnings;
    Ok((state, good_len, needs_newline))
}

/// An apply id for a start time: `20261128T123401.123Z-1a2b3c`.
fn new_apply_id(now: OffsetDateTime) -> String {
    let stamp = now
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second].[subsecond digits:3]Z"
        ))
        .unwrap_or_else(|_| now.unix_timestamp().to_string());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{stamp}-{}", &random[..6])
}

fn check_name(what: &'static str, value: &str) -> Result<(), JournalError> {
    if is_safe_component(value) {
        Ok(())
    } else {
        Err(JournalError::BadName {
            what,
            value: value.to_owned(),
        })
    }
}

/// The `.jsonl` files of a journal directory, sorted by name (= by time).
fn journal_files(dir: &Path) -> Result<Vec<PathBuf>, JournalError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(JournalError::Io {
                path: dir.to_owned(),
                source,
            });
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// An apply's outcome as `reconcile history` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HistoryOutcome {
    Succeeded,
    /// Failed; completed steps left in place.
    Failed,
    RolledBack,
    RollbackFailed,
    /// No end recorded and its process is gone: it was killed or crashed.
    Interrupted,
    /// No end recorded and its process still runs on this host.
    InProgress,
    /// The journal cannot be read (see [`ApplySummary::problem`]).
    Unreadable,
}

impl HistoryOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryOutcome::Succeeded => "succeeded",
            HistoryOutcome::Failed => "failed",
            HistoryOutcome::RolledBack => "rolled back",
            HistoryOutcome::RollbackFailed => "rollback failed",
            HistoryOutcome::Interrupted => "interrupted",
            HistoryOutcome::InProgress => "in progress",
            HistoryOutcome::Unreadable => "unreadable",
        }
    }
}

/// Step counts of one apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepCounts {
    pub planned: usize,
    pub succeeded: usize,
    pub failed: usize,
    pub in_flight: usize,
    pub undone: usize,
}

/// One line of `reconcile history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplySummary {
    pub apply_id: String,
    /// `None` only when the journal is unreadable.
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    pub outcome: HistoryOutcome,
    pub counts: StepCounts,
    pub path: PathBuf,
    /// Why the journal is unreadable, or what was tolerated reading it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The applies of a stack, oldest first. A journal that cannot be read is
/// listed as [`HistoryOutcome::Unreadable`], not skipped.
pub fn list_applies(state_dir: &Path, stack: &str) -> Result<Vec<ApplySummary>, JournalError> {
    let files = journal_files(&Journal::dir(state_dir, stack)?)?;
    Ok(files
        .into_iter()
        .map(|path| {
            let apply_id = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            match Journal::replay(&path) {
                Ok(state) => ApplySummary {
                    apply_id: state.header.apply_id.clone(),
                    started_at: Some(state.header.started_at),
                    finished_at: state.finished_at,
                    outcome: state.history_outcome(),
                    counts: state.counts(),
                    problem: state.warnings.first().cloned(),
                    path,
                },
                Err(e) => ApplySummary {
                    apply_id,
                    started_at: None,
                    finished_at: None,
                    outcome: HistoryOutcome::Unreadable,
                    counts: StepCounts::default(),
                    problem: Some(e.to_string()),
                    path,
                },
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use reconcile_model::Kind;
    use serde_json::json;

    use super::*;

    fn plan() -> Plan {
        Plan {
            format_version: crate::plan::PLAN_FORMAT_VERSION,
            stack: "demo".into(),
            spec_path: "spec.yaml".into(),
            spec_dir: "/tmp".into(),
            changes: Vec::new(),
            edges: Vec::new(),
            live_fingerprint: "fp".into(),
            conflicts: Vec::new(),
            unavailable: Vec::new(),
        }
    }

    fn seg(key: &str, v: i64) -> Resource {
        Resource {
            address: Address::new(Kind::Segment, key),
            attrs: json!({ "name": key, "v": v }),
            write_only: BTreeMap::new(),
            sensitive: std::collections::BTreeSet::new(),
            depends_on: std::collections::BTreeSet::new(),
        }
    }

    fn started(id: StepId, key: &str) -> Record {
        Record::StepStarted {
            step_id: id,
            address: Address::new(Kind::Segment, key),
            action: Action::Update,
            replace: false,
            adopt: false,
            before: Some(seg(key, 1)),
            after: Some(seg(key, 2)),
        }
    }

    fn succeeded(id: StepId, key: &str) -> Record {
        Record::StepSucceeded {
            step_id: id,
            live_after: Some(seg(key, 2)),
        }
    }

    fn lines(path: &Path) -> Vec<String> {
        fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn records_are_synced_lines_and_replay_rebuilds_the_state() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::begin(dir.path(), &plan()).unwrap();
        assert!(
            j.path()
                .starts_with(dir.path().join("journal").join("demo"))
        );
        j.append(started(0, "a")).unwrap();
        // On disk before append returned: a reader sees the line now.
        assert_eq!(lines(j.path()).len(), 2);
        assert!(lines(j.path())[1].contains(r#""type":"step_started""#));
        j.append(succeeded(0, "a")).unwrap();
        j.append(started(1, "b")).unwrap();
        j.append(Record::StepFailed {
            step_id: 1,
            error: "Rejected".into(),
            outcome_unknown: false,
        })
        .unwrap();
        j.append(Record::ApplyFinished {
            outcome: ApplyOutcome::Failed,
            finished_at: OffsetDateTime::now_utc(),
        })
        .unwrap();
        let replayed = Journal::replay(j.path()).unwrap();
        assert_eq!(&replayed, j.state());
        assert_eq!(replayed.completed, vec![0]);
        assert_eq!(replayed.outcome, Some(ApplyOutcome::Failed));
        assert_eq!(replayed.history_outcome(), HistoryOutcome::Failed);
        assert_eq!(replayed.counts().succeeded, 1);
        assert_eq!(replayed.counts().failed, 1);
        assert!(replayed.warnings.is_empty());
    }

    #[test]
    fn a_crash_after_step_started_leaves_the_step_in_flight() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::begin(dir.path(), &plan()).unwrap();
        j.append(started(0, "a")).unwrap();
        j.append(succeeded(0, "a")).unwrap();
        j.append(started(1, "b")).unwrap();
        let cut = fs::metadata(j.path()).unwrap().len();
        j.append(succeeded(1, "b")).unwrap();
        drop(j);
        let path = Journal::latest(dir.path(), "demo").unwrap().unwrap();
        // The crash: the success of step 1 never reached the disk.
        OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(cut)
            .unwrap();
        let state = Journal::replay(&path).unwrap();
        let in_flight: Vec<_> = state.in_flight().map(|s| s.address.to_string()).collect();
        assert_eq!(in_flight, vec!["segment.b"]);
        assert_eq!(state.outcome, None);
        // The header names this (live) process: it looks still running.
        assert_eq!(state.history_outcome(), HistoryOutcome::InProgress);
        let mut dead = state.clone();
        dead.header.pid = 4_194_304 + 17;
        if process_alive(1).is_some() {
            assert_eq!(dead.history_outcome(), HistoryOutcome::Interrupted);
        }
    }

    #[test]
    fn a_torn_last_line_is_ignored_with_a_warning_and_cut_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::begin(dir.path(), &plan()).unwrap();
        j.append(started(0, "a")).unwrap();
        let path = j.path().to_owned();
        drop(j);
        let full = serde_json::to_string(&succeeded(0, "a")).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&full.as_bytes()[..full.len() / 2]).unwrap();
        drop(f);

        let state = Journal::replay(&path).unwrap();
        assert_eq!(state.in_flight().count(), 1);
        assert_eq!(state.warnings.len(), 1);
        assert!(state.warnings[0].contains("torn"), "{:?}", state.warnings);

        // Reopening cuts the torn tail so that the next record is whole.
        let mut j = Journal::open(&path).unwrap();
        j.append(succeeded(0, "a")).unwrap();
        let state = Journal::replay(&path).unwrap();
        assert!(state.warnings.is_empty());
        assert_eq!(state.completed, vec![0]);
        assert_eq!(lines(&path).len(), 3);
    }

    #[test]
    fn a_whole_last_line_without_newline_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::begin(dir.path(), &plan()).unwrap();
        j.append(started(0, "a")).unwrap();
        let path = j.path().to_owned();
        drop(j);
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, text.trim_end()).unwrap();
        let mut j = Journal::open(&path).unwrap();
        assert_eq!(j.state().in_flight().count(), 1);
        j.append(succeeded(0, "a")).unwrap();
        assert_eq!(Journal::replay(&path).unwrap().completed, vec![0]);
    }

    #[test]
    fn illegal_transitions_are_refused_on_write() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::begin(dir.path(), &plan()).unwrap();
        let before = fs::read(j.path()).unwrap();
        for bad in [
            succeeded(7, "x"),
            Record::UndoStarted {
                step_id: 0,
                action: Action::Delete,
            },
            Record::RollbackFinished {
                outcome: RollbackOutcome::Complete,
            },
            Record::ApplyStarted(j.state().header.clone()),
        ] {
            let err = j.append(bad).unwrap_err();
            assert!(matches!(
                err,
                JournalError::IllegalTransition { line: None, .. }
            ));
        }
        // Refused records never reach the file.
        assert_eq!(fs::read(j.path()).unwrap(), before);

        j.append(started(0, "a")).unwrap();
        assert!(j.append(started(0, "a")).is_err(), "a step id is used once");
        // The apply cannot finish while a step is out.
        let finish = || Record::ApplyFinished {
            outcome: ApplyOutcome::Succeeded,
            finished_at: OffsetDateTime::now_utc(),
        };
        assert!(j.append(finish()).is_err());
        j.append(succeeded(0, "a")).unwrap();
        let err = j.append(succeeded(0, "a")).unwrap_err();
        assert!(err.to_string().contains("already finished"), "{err}");
        j.append(finish()).unwrap();
        assert!(j.append(started(1, "b")).is_err(), "no step after the end");
        // But a later rollback may follow the end.
        j.append(Record::RollbackStarted {
            pid: 1,
            host: "h".into(),
            started_at: OffsetDateTime::now_utc(),
        })
        .unwrap();
        j.append(Record::UndoStarted {
            step_id: 0,
            action: Action::Update,
        })
        .unwrap();
        assert!(
            j.append(Record::RollbackFinished {
                outcome: RollbackOutcome::Complete
            })
            .is_err(),
            "not while an undo runs"
        );
        j.append(Record::Undone {
            step_id: 0,
            live_after: Some(seg("a", 1)),
        })
        .unwrap();
        assert!(
            j.append(Record::UndoStarted {
                step_id: 0,
                action: Action::Update
            })
            .is_err(),
            "undone once"
        );
        j.append(Record::RollbackFinished {
            outcome: RollbackOutcome::Complete,
        })
        .unwrap();
        let state = Journal::replay(j.path()).unwrap();
        assert_eq!(state.history_outcome(), HistoryOutcome::RolledBack);
        assert_eq!(state.counts().undone, 1);
    }

    #[test]
    fn illegal_transitions_are_refused_on_replay() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::begin(dir.path(), &plan()).unwrap();
        let path = j.path().to_owned();
        drop(j);
        let mut text = fs::read_to_string(&path).unwrap();
        for r in [started(0, "a"), succeeded(0, "a"), succeeded(0, "a")] {
            text.push_str(&serde_json::to_string(&r).unwrap());
            text.push('\n');
        }
        fs::write(&path, text).unwrap();
        match Journal::replay(&path).unwrap_err() {
            JournalError::IllegalTransition {
                line: Some(4),
                source,
                ..
            } => assert!(source.reason.contains("already finished")),
            other => panic!("{other:?}"),
        }
        // A journal that does not begin with apply_started is refused too.
        fs::write(
            &path,
            serde_json::to_string(&started(0, "a")).unwrap() + "\n",
        )
        .unwrap();
        assert!(matches!(
            Journal::replay(&path),
            Err(JournalError::IllegalTransition { line: Some(1), .. })
        ));
        // A bad line in the middle is corruption, not a torn tail.
        let header = serde_json::to_string(&Record::ApplyStarted(ApplyHeader {
            apply_id: "x".into(),
            stack: "demo".into(),
            plan_live_fingerprint: String::new(),
            pid: 1,
            host: "h".into(),
            started_at: OffsetDateTime::now_utc(),
            spec_path: String::new(),
            spec_dir: String::new(),
            planned_steps: 0,
            edges: Vec::new(),
        }))
        .unwrap();
        let step = serde_json::to_string(&started(0, "a")).unwrap();
        fs::write(&path, format!("{header}\n{{garbage\n{step}\n")).unwrap();
        assert!(matches!(
            Journal::replay(&path),
            Err(JournalError::Corrupt { line: 2, .. })
        ));
        fs::write(&path, "").unwrap();
        assert!(matches!(
            Journal::replay(&path),
            Err(JournalError::Empty(_))
        ));
    }

    #[test]
    fn history_lists_applies_oldest_first_with_outcomes() {
        let dir = tempfile::tempdir().unwrap();
        assert!(list_applies(dir.path(), "demo").unwrap().is_empty());
        let mut first = Journal::begin(dir.path(), &plan()).unwrap();
        first.append(started(0, "a")).unwrap();
        first.append(succeeded(0, "a")).unwrap();
        first
            .append(Record::ApplyFinished {
                outcome: ApplyOutcome::Succeeded,
                finished_at: OffsetDateTime::now_utc(),
            })
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        let second = Journal::begin(dir.path(), &plan()).unwrap();
        let unreadable = Journal::dir(dir.path(), "demo")
            .unwrap()
            .join("zzzz-broken.jsonl");
        fs::write(&unreadable, "{\"type\":\"step_started\"}\n").unwrap();

        let list = list_applies(dir.path(), "demo").unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].apply_id, first.apply_id());
        assert_eq!(list[0].outcome, HistoryOutcome::Succeeded);
        assert_eq!(list[0].counts.succeeded, 1);
        assert!(list[0].finished_at.is_some());
        assert_eq!(list[1].apply_id, second.apply_id());
        assert_eq!(list[1].outcome, HistoryOutcome::InProgress);
        assert_eq!(list[2].outcome, HistoryOutcome::Unreadable);
        assert!(list[2].problem.is_some());
        assert!(first.apply_id() < second.apply_id(), "ids sort by time");
        assert_eq!(
            Journal::latest(dir.path(), "demo").unwrap().unwrap(),
            unreadable
        );
        assert!(matches!(
            Journal::find(dir.path(), "demo", "nope"),
            Err(JournalError::NoSuchApply { .. })
        ));
        assert!(matches!(
            Journal::find(dir.path(), "demo", "../x"),
            Err(JournalError::BadName { .. })
        ));
    }
}
