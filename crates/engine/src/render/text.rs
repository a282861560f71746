//! The text rendering, for a terminal: Terraform's symbols, one block per
//! changed resource with its reason and field-level lines, word-marked diffs
//! inside message bodies, loud warnings, conflicts, what could not be read,
//! and a summary line.
//!
//! Colour is the caller's decision ([`TextOptions::color`]): the CLI turns it
//! on for a terminal without `NO_COLOR`. Without colour, the changed words of
//! a body line are marked `[-old-]` and `{+new+}` (git's word-diff marks).
//!
//! User-controlled text (stack, spec path, addresses, reasons, conflicts,
//! AWS's messages, and through [`fields`] every path, value and body line)
//! is [`escape`]d: no control character or bidi override is printed raw, and
//! no value can start a line of its own.

use std::fmt::Write;

use owo_colors::{OwoColorize, Style};
use reconcile_model::escape::escape;
use similar::ChangeTag;

use super::{
    BodyLine, Field, MASK_CHANGED, adopt_line, fields, show_path, summary_line, symbol, warning,
};
use crate::change::{Action, Change};
use crate::plan::Plan;

/// How to render text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// ANSI colours (only on a terminal, never with `NO_COLOR`).
    pub color: bool,
    /// List unchanged resources too.
    pub show_no_op: bool,
}

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, text: &str, style: Style) -> String {
        if self.color {
            text.style(style).to_string()
        } else {
            text.to_owned()
        }
    }

    fn action(&self, action: Action, text: &str) -> String {
        let style = match action {
            Action::Create => Style::new().green(),
            Action::Update => Style::new().yellow(),
            Action::Replace | Action::Delete => Style::new().red(),
            Action::NoOp => Style::new().dimmed(),
        };
        self.paint(text, style)
    }
}

fn label(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update in place",
        Action::Replace => "replace (delete, then create)",
        Action::Delete => "delete",
        Action::NoOp => "no change",
    }
}

/// Renders a plan for people. Ends with a newline.
pub fn text(plan: &Plan, opts: &TextOptions) -> String {
    let p = Painter { color: opts.color };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Stack `{}`, spec `{}`\n",
        escape(&plan.stack),
        escape(&plan.spec_path)
    );

    let shown: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| opts.show_no_op || c.action != Action::NoOp)
        .collect();
    if !shown.is_empty() {
        out.push_str("Symbols:\n");
        for action in [
            Action::Create,
            Action::Update,
            Action::Replace,
            Action::Delete,
            Action::NoOp,
        ] {
            if shown.iter().any(|c| c.action == action) {
                let _ = writeln!(
                    out,
                    "{} {}",
                    p.action(action, &format!("{:>3}", symbol(action))),
                    label(action)
                );
            }
        }
        out.push_str("\nreconcile will do the following, in this order:\n\n");
        for change in &shown {
            block(&mut out, &p, change);
        }
    }

    let warnings: Vec<String> = plan.changes.iter().filter_map(warning).collect();
    if !warnings.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            p.paint(
                "Warning: this plan destroys things people use:",
                Style::new().red().bold()
            )
        );
        for w in &warnings {
            let _ = writeln!(
                out,
                "  {} {}",
                p.paint("!", Style::new().red().bold()),
                escape(w)
            );
        }
        out.push('\n');
    }

    if !plan.conflicts.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            p.paint(
                "Conflicts: these exist in the account but this stack does not own them:",
                Style::new().yellow().bold()
            )
        );
        for c in &plan.conflicts {
            let owner = c.owner.as_ref().map_or_else(
                || "owned by no stack".to_owned(),
                |o| format!("owned by stack `{}`", escape(o)),
            );
            let _ = writeln!(
                out,
                "  {} {}: {} (live id `{}`, {owner})",
                p.paint("!", Style::new().yellow().bold()),
                escape(&c.address.to_string()),
                escape(&c.message),
                escape(&c.live_id)
            );
        }
        out.push_str(
            "  hint: `--adopt` takes over resources that belong to no stack (it tags them as this stack's).\n\n",
        );
    }

    if !plan.unavailable.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            p.paint(
                "Unavailable: AWS refused these, or retired them; the plan leaves them as they are:",
                Style::new().yellow().bold()
            )
        );
        for (message, addresses) in super::unavailable_groups(plan) {
            let _ = writeln!(
                out,
                "  {} {}",
                p.paint("?", Style::new().yellow().bold()),
                escape(&addresses.join(", "))
            );
            let _ = writeln!(out, "    {}", escape(&message));
        }
        out.push('\n');
    }

    let _ = writeln!(out, "{}", p.paint(&summary_line(plan), Style::new().bold()));
    if let Some(line) = adopt_line(&plan.summary()) {
        let _ = writeln!(out, "{line}");
    }
    out
}

/// One change: header, reason, fields, blank line.
fn block(out: &mut String, p: &Painter, change: &Change) {
    let adopt = if change.adopt { " (adopt)" } else { "" };
    let _ = writeln!(
        out,
        "{} {}{adopt}",
        p.action(change.action, &format!("{:>3}", symbol(change.action))),
        p.paint(&escape(&change.address.to_string()), Style::new().bold())
    );
    let _ = writeln!(
        out,
        "      {}",
        p.paint(
            &format!("# {}", escape(&change.reason)),
            Style::new().dimmed()
        )
    );
    for field in fields(change) {
        field_line(out, p, &field);
    }
    out.push('\n');
}

fn forces(p: &Painter, forces: bool) -> String {
    if forces {
        format!("  {}", p.paint("# forces replacement", Style::new().red()))
    } else {
        String::new()
    }
}

fn field_line(out: &mut String, p: &Painter, field: &Field) {
    let green = Style::new().green();
    let red = Style::new().red();
    let yellow = Style::new().yellow();
    match field {
        Field::Added { path, value } => {
            let _ = writeln!(
                out,
                "      {} {}: {value}",
                p.paint("+", green),
                show_path(path)
            );
        }
        Field::Removed { path, value } => {
            let _ = writeln!(
                out,
                "      {} {}: {value}",
                p.paint("-", red),
                show_path(path)
            );
        }
        Field::Changed {
            path,
            old,
            new,
            forces: f,
        } => {
            let _ = writeln!(
                out,
                "      {} {}: {old} -> {new}{}",
                p.paint("~", yellow),
                show_path(path),
                forces(p, *f)
            );
        }
        Field::SecretChanged { path } => {
            let _ = writeln!(
                out,
                "      {} {}: {MASK_CHANGED}",
                p.paint("~", yellow),
                show_path(path)
            );
        }
        Field::Body {
            path,
            lines,
            forces: f,
        } => {
            let head = if lines.iter().all(|l| l.tag == ChangeTag::Insert) {
                p.paint("+", green)
            } else if lines.iter().all(|l| l.tag == ChangeTag::Delete) {
                p.paint("-", red)
            } else {
                p.paint("~", yellow)
            };
            let _ = writeln!(out, "      {head} {}:{}", show_path(path), forces(p, *f));
            for line in lines {
                body_line(out, p, line);
            }
        }
    }
}

fn body_line(out: &mut String, p: &Painter, line: &BodyLine) {
    let (marker, style, open, close) = match line.tag {
        ChangeTag::Delete => ("-", Style::new().red(), "[-", "-]"),
        ChangeTag::Insert => ("+", Style::new().green(), "{+", "+}"),
        ChangeTag::Equal => (" ", Style::new(), "", ""),
    };
    // Mark words only when part of the line changed.
    let partial = line.parts.iter().any(|(e, _)| *e) && line.parts.iter().any(|(e, _)| !*e);
    let mut text = String::new();
    for (emph, piece) in &line.parts {
        if *emph && partial {
            if p.color {
                text.push_str(&piece.style(style.bold().underline()).to_string());
            } else {
                let _ = write!(text, "{open}{piece}{close}");
            }
        } else {
            text.push_str(&p.paint(piece, style));
        }
    }
    let _ = writeln!(out, "          {} {text}", p.paint(marker, style));
}
