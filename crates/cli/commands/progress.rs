//! Progress of an apply: a live view on a terminal, plain lines otherwise.
//!
//! Addresses (spec keys), errors (AWS's messages, which quote names) and skip
//! reasons are [`escape`]d: a progress line is always one line, with no
//! control character or bidi override in it.
#![allow(clippy::print_stderr)]

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};
use reconcile_engine::{Action, ProgressEvent};
use reconcile_model::escape::escape;

/// Renders [`ProgressEvent`]s on stderr.
pub struct View {
    bar: Option<ProgressBar>,
    lines: Mutex<()>,
}

impl View {
    /// A view for `steps` steps. A bar only when stderr is a terminal.
    pub fn new(steps: usize) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(steps as u64);
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {wide_msg}")
                    .expect("template is valid")
                    .progress_chars("=> "),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Self {
            bar,
            lines: Mutex::new(()),
        }
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => {
                let _guard = self.lines.lock();
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            }
        }
    }

    pub fn event(&self, event: &ProgressEvent) {
        let shown = |a: &reconcile_model::Address| escape(&a.to_string()).into_owned();
        match event {
            ProgressEvent::StepStarted { address, action } => {
                let address = shown(address);
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("{} {address}", verb(*action, true)));
                } else {
                    self.line(&format!("{address}: {}...", verb(*action, true)));
                }
            }
            ProgressEvent::StepSucceeded { address, action } => {
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                }
                self.line(&format!("{}: {}", shown(address), verb(*action, false)));
            }
            ProgressEvent::StepFailed {
                address,
                action,
                error,
            } => {
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                }
                self.line(&format!(
                    "{}: {} failed: {}",
                    shown(address),
                    verb(*action, true),
                    escape(error)
                ));
            }
            ProgressEvent::StepSkipped {
                address, reason, ..
            } => {
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                }
                self.line(&format!("{}: skipped ({})", shown(address), escape(reason)));
            }
            ProgressEvent::Retrying {
                address,
                attempt,
                delay,
                error,
                ..
            } => self.line(&format!(
                "{}: try {attempt} failed ({}); retrying in {:.1}s",
                shown(address),
                escape(error),
                delay.as_secs_f64()
            )),
            ProgressEvent::RollbackStarted { steps } => {
                self.line(&format!("Rolling back: {steps} step(s) to undo"));
            }
            ProgressEvent::UndoStarted { address, action } => {
                self.line(&format!(
                    "{}: undoing ({})...",
                    shown(address),
                    action.as_str()
                ));
            }
            ProgressEvent::Undone { address, .. } => {
                self.line(&format!("{}: undone", shown(address)));
            }
            ProgressEvent::UndoFailed { address, error, .. } => {
                self.line(&format!(
                    "{}: undo failed: {}",
                    shown(address),
                    escape(error)
                ));
            }
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn verb(action: Action, ongoing: bool) -> &'static str {
    match (action, ongoing) {
        (Action::Create, true) => "creating",
        (Action::Create, false) => "created",
        (Action::Update, true) => "updating",
        (Action::Update, false) => "updated",
        (Action::Replace, true) => "replacing",
        (Action::Replace, false) => "replaced",
        (Action::Delete, true) => "deleting",
        (Action::Delete, false) => "deleted",
        (Action::NoOp, true) => "checking",
        (Action::NoOp, false) => "unchanged",
    }
}
