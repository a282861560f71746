//! The plan: changes, the order between them, and the origin it was made from.

use std::path::{Path, PathBuf};

use reconcile_model::Address;
use serde::{Deserialize, Serialize};

use crate::change::{Action, Change};
use crate::provider::{Conflict, Unavailable};

/// The version of the saved plan format (`--out plan.json`). Bumped on any
/// incompatible change; `apply` refuses other versions.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// The largest plan file `apply`/`show` read: a plan of 5,000 resources is
/// about 10 MiB.
pub const MAX_PLAN_BYTES: u64 = 256 * 1024 * 1024;

/// An ordered set of changes for one stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Always [`PLAN_FORMAT_VERSION`] when written by this build.
    pub format_version: u32,
    pub stack: String,
    /// The spec the plan was made from (as given on the command line), and
    /// the directory secret files are resolved against (absolute).
    pub spec_path: String,
    pub spec_dir: String,
    /// Every resource's change, no-ops included, in a valid execution order.
    pub changes: Vec<Change>,
    /// `before` runs (and must succeed) before `after`. Deletes already have
    /// their edges reversed.
    pub edges: Vec<Edge>,
    /// A hash of the live state the plan was made from; `apply` of a saved
    /// plan re-reads the account and refuses when it differs.
    pub live_fingerprint: String,
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    #[serde(default)]
    pub unavailable: Vec<Unavailable>,
}

/// An ordering constraint between two changes of a plan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Edge {
    pub before: Address,
    pub after: Address,
}

/// How many changes of each kind a plan holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
    pub no_op: usize,
    /// Changes (of any action) that take over an unowned resource.
    pub adopt: usize,
}

/// Why a plan file could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("cannot write plan file `{path}`: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read plan file `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` is not a reconcile plan file: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "`{path}` is a plan of format version {found}; this reconcile reads version {expected} \
         (make the plan again with this version)"
    )]
    Version {
        path: PathBuf,
        found: String,
        expected: u32,
    },
}

impl Plan {
    /// Whether applying the plan would change anything (an adoption counts).
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
    }

    /// Counts the changes by action.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for change in &self.changes {
            match change.action {
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Replace => s.replace += 1,
                Action::Delete => s.delete += 1,
                Action::NoOp => s.no_op += 1,
            }
            if change.adopt {
                s.adopt += 1;
            }
        }
        s
    }

    /// Writes the plan as pretty JSON (via a temporary file in the same
    /// directory, renamed into place). Secrets are never in a plan: write-only
    /// fields hold references (`${env:NAME}`), credentials only their
    /// fingerprint.
    pub fn save(&self, path: &Path) -> Result<(), PlanFileError> {
        let write_err = |source| PlanFileError::Write {
            path: path.to_owned(),
            source,
        };
        let mut text =
            serde_json::to_string_pretty(self).map_err(|e| write_err(std::io::Error::other(e)))?;
        text.push('\n');
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, text).map_err(write_err)?;
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            write_err(e)
        })
    }

    /// Reads a plan written by [`Plan::save`]. Refuses a plan of another
    /// [`format_version`](Plan::format_version).
    pub fn load(path: &Path) -> Result<Plan, PlanFileError> {
        use std::io::Read as _;
        let read_err = |source| PlanFileError::Read {
            path: path.to_owned(),
            source,
        };
        // A plan file may be hostile (a CI artifact): a regular file only
        // (a FIFO would block), and at most MAX_PLAN_BYTES.
        let meta = std::fs::metadata(path).map_err(read_err)?;
        if !meta.is_file() {
            return Err(read_err(std::io::Error::other("not a regular file")));
        }
        let mut text = String::new();
        std::fs::File::open(path)
            .map_err(read_err)?
            .take(MAX_PLAN_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(read_err)?;
        if text.len() as u64 > MAX_PLAN_BYTES {
            return Err(read_err(std::io::Error::other(format!(
                "larger than {} MiB, the most a plan file may be",
                MAX_PLAN_BYTES / (1024 * 1024)
            ))));
        }
        let parse_err = |source| PlanFileError::Parse {
            path: path.to_owned(),
            source,
        };
        let value: serde_json::Value = serde_json::from_str(&text).map_err(parse_err)?;
        let version = value.get("format_version");
        if version.and_then(serde_json::Value::as_u64) != Some(u64::from(PLAN_FORMAT_VERSION)) {
            return Err(PlanFileError::Version {
                path: path.to_owned(),
                found: version.map_or_else(|| "(none)".to_owned(), ToString::to_string),
                expected: PLAN_FORMAT_VERSION,
            });
        }
        serde_json::from_value(value).map_err(parse_err)
    }
}
