//! Diagnostics: what is wrong with a spec, and where.

use std::fmt;

use crate::escape::escape;

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The spec cannot be used as it is.
    #[default]
    Error,
    /// The spec is valid, but something in it will not do what its author
    /// expects (a kind AWS retired).
    Warning,
}

impl Severity {
    pub fn is_error(&self) -> bool {
        *self == Severity::Error
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem in a spec file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// An error (the default) or a warning.
    #[serde(skip_serializing_if = "Severity::is_error")]
    pub severity: Severity,
    /// The file, as the user named it.
    pub file: String,
    /// 1-based line; 0 when the problem has no line (an unreadable file).
    pub line: u64,
    /// 1-based column; 0 when unknown.
    pub column: u64,
    /// Where in the spec, dotted (`campaigns.flash_sale.schedule.timezone`);
    /// empty for the whole file.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What was expected, when that is not obvious from the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// How to fix it, when there is an obvious fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    /// `file:line:col: error: message` (or `warning:`), then `  = expected: ...` and
    /// `  = hint: ...` lines. File, path, message, expected and hint quote the
    /// spec (keys, values, the file's name), so each is [`escape`]d: one line
    /// each, no control character or bidi override reaches the terminal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", escape(&self.file))?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        write!(f, ": {}: ", self.severity.as_str())?;
        if !self.path.is_empty() {
            write!(f, "`{}`: ", escape(&self.path))?;
        }
        write!(f, "{}", escape(&self.message))?;
        if let Some(e) = &self.expected {
            write!(f, "\n  = expected: {}", escape(e))?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  = hint: {}", escape(h))?;
        }
        Ok(())
    }
}

/// Every problem found in one or more spec files. Displays one diagnostic
/// after another, sorted by file and position.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Sorts by file, line, column, then path and message, so that output
    /// is stable.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            (&a.file, a.line, a.column, &a.path, &a.message)
                .cmp(&(&b.file, b.line, b.column, &b.path, &b.message))
        });
        self.0.dedup();
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sorted = self.clone();
        sorted.sort();
        for (i, d) in sorted.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
