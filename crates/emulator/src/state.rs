//! The emulator's whole state, its configuration, and persistence (the
//! file format here; how several processes share one file:
//! [`crate::store`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::knobs::Knobs;

/// How an emulator is set up.
#[derive(Debug, Clone)]
pub struct Config {
    pub region: String,
    pub account_id: String,
    /// When set, state is loaded from and saved to this file (atomic replace
    /// after every change), shared with every other emulator that names it
    /// (see [`crate::store`]).
    pub state_file: Option<PathBuf>,
    pub knobs: Knobs,
    /// Which AWS to answer as, whatever the state file says; `None` keeps
    /// the state's own switch (classic unless the control path set it).
    pub api: Option<Api>,
}

/// Which AWS the emulator answers as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// The whole Pinpoint API, as before its end of support.
    Classic,
    /// AWS today: the retired families refused in this shape.
    Today(crate::pinpoint::retired::RetiredShape),
}

impl Default for Config {
    fn default() -> Self {
        Self {
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            state_file: None,
            knobs: Knobs::default(),
            api: None,
        }
    }
}

/// Everything every service holds. Serialisable so that it persists.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    pub pinpoint: crate::pinpoint::State,
    pub iam: crate::iam::State,
    pub kinesis: crate::kinesis::State,
    pub cloudwatch: crate::cloudwatch::State,
    /// SSM Parameter Store; values in the clear (the file is owner-only).
    #[serde(default)]
    pub ssm: crate::ssm::State,
    /// Secrets Manager; values in the clear (the file is owner-only).
    #[serde(default)]
    pub secretsmanager: crate::secretsmanager::State,
    /// Milliseconds the emulator's clock runs ahead of the wall clock; at
    /// most [`MAX_CLOCK_OFFSET_MS`] either way (a file beyond is refused).
    pub clock_offset_ms: i64,
    /// Answer as AWS does after Pinpoint's end of support.
    pub end_of_support: bool,
    /// How retired operations are refused after the end of support.
    pub retired_shape: crate::pinpoint::retired::RetiredShape,
}

/// How far the emulator's clock may run from the wall clock: 100 years, in
/// milliseconds. Far enough for any test of expiry or retention, near
/// enough that every date the services compute from it stays a date.
pub const MAX_CLOCK_OFFSET_MS: i64 = 100 * 366 * 24 * 60 * 60 * 1000;

/// A state file that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read emulator state `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("emulator state `{path}` is not valid: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// Well-formed JSON holding a value the emulator never writes.
    #[error("emulator state `{path}` is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("cannot write emulator state `{path}`: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot lock emulator state `{path}`: {source}")]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl State {
    /// Loads a state file; a missing file is an empty state.
    pub fn load(path: &Path) -> Result<Self, StateError> {
        match std::fs::read(path) {
            Ok(bytes) => Self::from_bytes(path, &bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(StateError::Read {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Parses and checks the content of the state file `path`; an empty
    /// file is an empty state.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Self, StateError> {
        if bytes.is_empty() {
            return Ok(Self::default());
        }
        let state: Self = serde_json::from_slice(bytes).map_err(|source| StateError::Parse {
            path: path.to_owned(),
            source,
        })?;
        state.check().map_err(|message| StateError::Invalid {
            path: path.to_owned(),
            message,
        })?;
        Ok(state)
    }

    /// What the emulator never writes, so that a file holding it was made or
    /// edited elsewhere; refused, since serving from it would panic.
    fn check(&self) -> Result<(), String> {
        if self.clock_offset_ms.unsigned_abs() > MAX_CLOCK_OFFSET_MS.unsigned_abs() {
            return Err(format!(
                "`clock_offset_ms` is {}, beyond the {MAX_CLOCK_OFFSET_MS} ms (100 years) the \
                 emulator's clock may run from the wall clock; set it to 0 to keep the rest",
                self.clock_offset_ms
            ));
        }
        Ok(())
    }

    /// Sets the switch of which AWS to answer as, when `api` names one.
    pub(crate) fn answer_as(&mut self, api: Option<Api>) {
        match api {
            Some(Api::Classic) => self.end_of_support = false,
            Some(Api::Today(shape)) => {
                self.end_of_support = true;
                self.retired_shape = shape;
            }
            None => {}
        }
    }

    /// Writes the state by atomic replace: a temporary file beside the
    /// target, synced, then renamed over it. On Unix the file is readable
    /// by its owner only: it holds the secrets of SSM and Secrets Manager.
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        self.write(path).map(drop)
    }

    /// [`State::save`], returning the file written (now at `path`).
    pub(crate) fn write(&self, path: &Path) -> Result<std::fs::File, StateError> {
        let write_err = |source| StateError::Write {
            path: path.to_owned(),
            source,
        };
        let dir = crate::store::dir_of(path);
        std::fs::create_dir_all(dir).map_err(write_err)?;
        // Unique per process and per save, so that two emulators sharing a
        // directory never write the same temporary file.
        static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dir.join(format!(
            ".{}.{}.{n}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("state"),
            std::process::id()
        ));
        let bytes = serde_json::to_vec(self).map_err(|e| write_err(std::io::Error::other(e)))?;
        let written = (|| {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut f = options.open(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)?;
            Ok(f)
        })();
        written.map_err(|e| {
            // Whatever failed, no temporary stays behind.
            let _ = std::fs::remove_file(&tmp);
            write_err(e)
        })
    }
}
