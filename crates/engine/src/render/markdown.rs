//! The Markdown rendering, for a pull-request comment (GitHub-flavoured): a
//! heading, the summary line, a table of counts per action, a table of the
//! changes in order, warnings, conflicts and unavailable resources as alert
//! blocks, and each change's fields folded in `<details>` with a ```` ```diff ````
//! block.
//!
//! User-controlled text is [`escape`]d before the Markdown quoting (code
//! spans, table cells, HTML): a control character or a bidi override shows as
//! `\u{1b}`, both in a terminal and in the rendered comment.

use std::fmt::Write;

use reconcile_model::escape::escape;
use similar::ChangeTag;

use super::{Field, MASK_CHANGED, adopt_line, fields, show_path, summary_line, symbol, warning};
use crate::change::{Action, Change};
use crate::plan::Plan;

/// Renders a plan as a pull-request comment. Ends with a newline.
pub fn markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### reconcile plan for `{}`\n", code(&plan.stack));
    let _ = writeln!(out, "Spec: `{}`\n", code(&plan.spec_path));
    let _ = writeln!(out, "**{}**", summary_line(plan));
    if let Some(line) = adopt_line(&plan.summary()) {
        let _ = writeln!(out, "{line}");
    }
    out.push('\n');

    let s = plan.summary();
    if plan.has_changes() {
        out.push_str("| action | count |\n|---|---:|\n");
        for (action, n) in [
            (Action::Create, s.create),
            (Action::Update, s.update),
            (Action::Replace, s.replace),
            (Action::Delete, s.delete),
            (Action::NoOp, s.no_op),
        ] {
            let _ = writeln!(out, "| `{}` {} | {n} |", symbol(action), action.as_str());
        }
        out.push('\n');
    }

    let warnings: Vec<String> = plan.changes.iter().filter_map(warning).collect();
    if !warnings.is_empty() {
        out.push_str("> [!CAUTION]\n> This plan destroys things people use:\n");
        for w in &warnings {
            let _ = writeln!(out, "> - {}", cell(w));
        }
        out.push('\n');
    }
    if !plan.conflicts.is_empty() {
        out.push_str(
            "> [!WARNING]\n> These exist in the account but this stack does not own them \
             (`--adopt` takes over those that belong to no stack):\n",
        );
        for c in &plan.conflicts {
            let owner = c.owner.as_ref().map_or_else(
                || "owned by no stack".to_owned(),
                |o| format!("owned by stack `{}`", code(o)),
            );
            let _ = writeln!(
                out,
                "> - `{}`: {} (live id `{}`, {owner})",
                code(&c.address.to_string()),
                cell(&c.message),
                code(&c.live_id)
            );
        }
        out.push('\n');
    }
    if !plan.unavailable.is_empty() {
        out.push_str(
            "> [!WARNING]\n> AWS refused these, or retired them; the plan leaves them as they are:\n",
        );
        for (message, addresses) in super::unavailable_groups(plan) {
            let names: Vec<String> = addresses.iter().map(|a| format!("`{}`", code(a))).collect();
            let _ = writeln!(out, "> - {}: {}", names.join(", "), cell(&message));
        }
        out.push('\n');
    }

    let changed: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    if changed.is_empty() {
        return out;
    }
    out.push_str("| | resource | why |\n|---|---|---|\n");
    for c in &changed {
        let adopt = if c.adopt { " (adopt)" } else { "" };
        let _ = writeln!(
            out,
            "| `{}` | `{}`{adopt} | {} |",
            symbol(c.action),
            code(&c.address.to_string()),
            cell(&c.reason)
        );
    }
    out.push('\n');

    for c in &changed {
        let lines = diff_lines(c);
        if lines.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<details><summary><code>{} {}</code>: {}</summary>\n",
            html(symbol(c.action)),
            html(&escape(&c.address.to_string())),
            code_spans(&html(&escape(&c.reason)))
        );
        let body = lines.join("\n");
        let fence = "`".repeat(longest_backtick_run(&body).max(2) + 1);
        let _ = writeln!(out, "{fence}diff\n{body}\n{fence}\n\n</details>\n");
    }
    out
}

/// The lines of a change's ```` ```diff ```` block.
fn diff_lines(change: &Change) -> Vec<String> {
    let mut lines = Vec::new();
    for field in fields(change) {
        match field {
            Field::Added { path, value } => lines.push(format!("+ {}: {value}", show_path(&path))),
            Field::Removed { path, value } => {
                lines.push(format!("- {}: {value}", show_path(&path)));
            }
            Field::Changed {
                path,
                old,
                new,
                forces,
            } => {
                let note = if forces { "  # forces replacement" } else { "" };
                lines.push(format!("- {}: {old}", show_path(&path)));
                lines.push(format!("+ {}: {new}{note}", show_path(&path)));
            }
            Field::SecretChanged { path } => {
                lines.push(format!("! {}: {MASK_CHANGED}", show_path(&path)));
            }
            Field::Body {
                path,
                lines: body,
                forces,
            } => {
                let note = if forces { "  # forces replacement" } else { "" };
                lines.push(format!("  {}:{note}", show_path(&path)));
                for line in body {
                    let marker = match line.tag {
                        ChangeTag::Delete => '-',
                        ChangeTag::Insert => '+',
                        ChangeTag::Equal => ' ',
                    };
                    let text: String = line.parts.iter().map(|(_, s)| s.as_str()).collect();
                    lines.push(format!("{marker}     {text}"));
                }
            }
        }
    }
    lines
}

/// Text for a table cell or a list item: escaped (so no line break), no
/// bare `|`.
fn cell(text: &str) -> String {
    escape(text).replace('|', "\\|")
}

/// Text inside a `code span`: escaped, and backticks would end it.
fn code(text: &str) -> String {
    escape(text).replace('`', "'")
}

/// Text inside HTML (`<summary>`).
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `a` → `<code>a</code>`, for HTML where Markdown is not rendered.
fn code_spans(text: &str) -> String {
    let pieces: Vec<&str> = text.split('`').collect();
    if pieces.len().is_multiple_of(2) {
        // An odd number of backticks: leave the text as it is.
        return text.to_owned();
    }
    let mut out = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{piece}</code>");
        } else {
            out.push_str(piece);
        }
    }
    out
}

fn longest_backtick_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}
