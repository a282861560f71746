//! The emulator's whole state, its configuration, and persistence.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::knobs::Knobs;

/// How an emulator is set up.
#[derive(Debug, Clone)]
pub struct Config {
    pub region: String,
    pub account_id: String,
    /// When set, state is loaded from and saved to this file (atomic replace
    /// after every change).
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
    /// Milliseconds the emulator's clock runs ahead of the wall clock.
    pub clock_offset_ms: i64,
    /// Answer as AWS does after Pinpoint's end of support.
    pub end_of_support: bool,
    /// How retired operations are refused after the end of support.
    pub retired_shape: crate::pinpoint::retired::RetiredShape,
}

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
    #[error("cannot write emulator state `{path}`: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl State {
    /// Loads a state file; a missing file is an empty state.
    pub fn load(path: &Path) -> Result<Self, StateError> {
        match std::fs::read(path) {
            Ok(bytes) if bytes.is_empty() => Ok(Self::default()),
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| StateError::Parse {
                path: path.to_owned(),
                source,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(StateError::Read {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Writes the state by atomic replace: a temporary file beside the
    /// target, synced, then renamed over it.
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let write_err = |source| StateError::Write {
            path: path.to_owned(),
            source,
        };
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
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
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(write_err)?;
            f.write_all(&bytes).map_err(write_err)?;
            f.sync_all().map_err(write_err)?;
        }
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            write_err(e)
        })
    }
}
