//! The state file shared by every emulator that names it: any number of
//! processes (`reconcile … --local` commands, a `reconcile emulator
//! --state`) serve from one file and lose nothing of each other's writes.
//!
//! ## The design: the file is the truth, memory a cache of it
//!
//! Every write is a transaction under an OS file lock
//! ([`File::lock`], `flock(2)` on Linux) on the sidecar `<state>.lock`:
//!
//! 1. take the lock;
//! 2. re-read the state file if another process replaced it since this one
//!    last read or wrote it;
//! 3. apply the change in memory;
//! 4. write the file (a temporary beside it, synced, renamed over it);
//! 5. release the lock.
//!
//! A read re-reads the file when it changed, without the lock: the rename
//! is atomic, so a reader sees the whole old file or the whole new one.
//! "Changed" is the file's identity (device and inode): each save renames a
//! new file into place, and the version memory holds is kept open, so its
//! inode cannot be reused by a later save and mistaken for it. The cost when
//! one process is alone is a `stat` per request and, per write, a lock, an
//! unlock and a write of [`Holder`] into the lock file; a re-read (a parse of
//! the file) happens only after another process wrote.
//!
//! This is what AWS gives: many clients on one account, each request atomic,
//! requests of different clients interleaved. Two applies of one stack are
//! kept apart by the engine's stack lock, as against AWS.
//!
//! Rejected:
//! - **One lock held for the whole command.** The simplest, but `apply`
//!   holds its connection across the confirmation prompt: a `status` in
//!   another terminal would wait for a person to type `yes`, and four
//!   applies would run one after another.
//! - **One shared emulator process.** Someone must start it, find it (a port
//!   file), keep it alive, stop it, and notice it died or outlived its state
//!   directory: a daemon with failure modes of its own, for a convenience.
//!
//! ## Waiting, dead holders, leftovers
//!
//! A lock is held for one write (milliseconds), so a wait is normally not
//! worth a word. A wait longer than [`NOTICE_AFTER`] (the holder is stopped
//! in a debugger or by `SIGSTOP`, or the disk stalls) is reported once per
//! wait through the emulator's notice hook, naming the holder that the lock
//! file describes (`waiting for the emulator state `…`, held by pid N since
//! T (`reconcile apply …`)`). The kernel releases the lock when its process
//! ends, however it ends: a holder killed with `SIGKILL` blocks nobody. Its
//! description stays in the lock file until the next holder overwrites it;
//! it is read only while someone holds the lock.
//!
//! A process killed during a save leaves its temporary
//! (`.<state>.<pid>.<n>.tmp`). Each emulator removes them when it opens the
//! state, under the lock: every save happens under the lock, so while this
//! process holds it no temporary is being written, and every one there is a
//! leftover, even one whose pid now belongs to another process.

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::state::{Api, State, StateError};

/// How long a wait for the state's lock lasts before it is reported.
pub const NOTICE_AFTER: Duration = Duration::from_secs(1);

/// The longest command line kept in the lock file, in characters.
const MAX_COMMAND: usize = 200;

/// Who holds the state's lock: the lock file's JSON content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    /// The holder's command line (`reconcile apply specs/x.yaml --local`),
    /// cut at 200 characters.
    pub command: String,
    /// When this hold began.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

impl Holder {
    fn this_process() -> Self {
        static COMMAND: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let command = COMMAND.get_or_init(|| {
            let mut args = std::env::args();
            let program = args
                .next()
                .map(|a| {
                    Path::new(&a)
                        .file_name()
                        .and_then(OsStr::to_str)
                        .map_or_else(|| a.clone(), ToOwned::to_owned)
                })
                .unwrap_or_default();
            std::iter::once(program)
                .chain(args)
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .take(MAX_COMMAND)
                .collect()
        });
        Self {
            pid: std::process::id(),
            command: command.clone(),
            since: OffsetDateTime::now_utc(),
        }
    }
}

/// A wait for the state's lock that lasted [`NOTICE_AFTER`]; its `Display`
/// is the sentence to show.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub state_file: PathBuf,
    /// As the lock file describes it; `None` when it cannot be read.
    pub holder: Option<Holder>,
}

impl std::fmt::Display for Waiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "waiting for the emulator state `{}`, ",
            self.state_file.display()
        )?;
        match &self.holder {
            Some(h) => {
                let since = h
                    .since
                    .replace_nanosecond(0)
                    .ok()
                    .and_then(|t| {
                        t.format(&time::format_description::well_known::Rfc3339)
                            .ok()
                    })
                    .unwrap_or_else(|| h.since.to_string());
                write!(f, "held by pid {} since {since} (`{}`)", h.pid, h.command)
            }
            None => write!(f, "held by another process"),
        }
    }
}

/// What is told when a wait lasts: see [`crate::Emulator::with_notice`].
pub type Notice = Arc<dyn Fn(&Waiting) + Send + Sync>;

/// Identity of one version of the state file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    #[cfg(unix)]
    dev: u64,
    #[cfg(unix)]
    ino: u64,
    #[cfg(not(unix))]
    len: u64,
    #[cfg(not(unix))]
    modified: Option<std::time::SystemTime>,
}

impl FileId {
    #[cfg(unix)]
    fn of(m: &fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        Self {
            dev: m.dev(),
            ino: m.ino(),
        }
    }

    #[cfg(not(unix))]
    fn of(m: &fs::Metadata) -> Self {
        Self {
            len: m.len(),
            modified: m.modified().ok(),
        }
    }
}

/// The version of the file memory holds, kept open so that its inode is not
/// reused while we compare against it.
#[derive(Debug)]
struct Seen {
    _file: File,
    id: FileId,
}

/// One emulator's handle on a shared state file.
pub(crate) struct Store {
    path: PathBuf,
    lock_path: PathBuf,
    /// Opened at the first transaction (the directory may not exist before).
    lock: Option<File>,
    seen: Option<Seen>,
    /// Which AWS this emulator answers as, whatever the file says; applied
    /// after every read.
    api: Option<Api>,
    notice: Notice,
}

/// The state's lock, held until dropped (a duplicate of the lock file's
/// descriptor, so that it owns what it unlocks).
#[must_use = "the lock is released when this is dropped"]
pub(crate) struct Held(File);

impl Drop for Held {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

impl Store {
    /// Opens a state file and reads it. Under the lock (when the directory
    /// exists and the lock can be taken), removes the temporaries that
    /// killed saves left.
    pub(crate) fn open(
        path: &Path,
        api: Option<Api>,
        notice: Notice,
    ) -> Result<(Self, State), StateError> {
        let lock_path = sidecar(path, ".lock");
        let mut store = Self {
            path: path.to_owned(),
            lock_path,
            lock: None,
            seen: None,
            api,
            notice,
        };
        let mut state = State::default();
        state.answer_as(api);
        if dir_of(path).is_dir() {
            match store.acquire() {
                Ok(held) => {
                    store.remove_leftovers();
                    store.refresh(&mut state)?;
                    drop(held);
                }
                // A state nobody may lock here (a read-only directory) can
                // still be read; a write will say why it cannot be made.
                Err(e) => {
                    tracing::warn!("{e}; reading it without the lock");
                    store.lock = None;
                    store.refresh(&mut state)?;
                }
            }
        }
        Ok((store, state))
    }

    /// Takes the state's lock, waiting as long as it takes, and writes this
    /// process into the lock file.
    pub(crate) fn acquire(&mut self) -> Result<Held, StateError> {
        let lock_err = |path: &Path| {
            let path = path.to_owned();
            move |source| StateError::Lock { path, source }
        };
        let file = match &self.lock {
            Some(f) => f,
            None => {
                fs::create_dir_all(dir_of(&self.path)).map_err(lock_err(&self.lock_path))?;
                let f = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(&self.lock_path)
                    .map_err(lock_err(&self.lock_path))?;
                self.lock.insert(f)
            }
        };
        let held = file.try_clone().map_err(lock_err(&self.lock_path))?;
        match held.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => self.wait(&held).map_err(lock_err(&self.lock_path))?,
            Err(TryLockError::Error(e)) => return Err(lock_err(&self.lock_path)(e)),
        }
        let held = Held(held);
        // Who holds it, for whoever waits; not worth failing a write over.
        if let Err(e) = describe(&held.0, &Holder::this_process()) {
            tracing::debug!(path = %self.lock_path.display(), error = %e, "cannot describe the holder");
        }
        Ok(held)
    }

    /// Polls for the lock for [`NOTICE_AFTER`], then says who holds it and
    /// blocks until it is free.
    fn wait(&self, file: &File) -> io::Result<()> {
        let start = Instant::now();
        let mut pause = Duration::from_millis(1);
        while start.elapsed() < NOTICE_AFTER {
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(25));
            match file.try_lock() {
                Ok(()) => return Ok(()),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => return Err(e),
            }
        }
        (self.notice)(&Waiting {
            state_file: self.path.clone(),
            holder: read_holder(&self.lock_path),
        });
        file.lock()
    }

    /// Re-reads the file when it is not the version memory holds; returns
    /// whether it did. A missing file is an empty state.
    pub(crate) fn refresh(&mut self, state: &mut State) -> Result<bool, StateError> {
        let read_err = |source| StateError::Read {
            path: self.path.clone(),
            source,
        };
        let now = match fs::metadata(&self.path) {
            Ok(m) => Some(FileId::of(&m)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(read_err(e)),
        };
        if now == self.seen.as_ref().map(|s| s.id) {
            return Ok(false);
        }
        match File::open(&self.path) {
            Ok(mut file) => {
                let id = FileId::of(&file.metadata().map_err(read_err)?);
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes).map_err(read_err)?;
                *state = State::from_bytes(&self.path, &bytes)?;
                self.seen = Some(Seen { _file: file, id });
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                *state = State::default();
                self.seen = None;
            }
            Err(e) => return Err(read_err(e)),
        }
        state.answer_as(self.api);
        Ok(true)
    }

    /// Writes the state (atomic replace); call it holding the lock.
    pub(crate) fn save(&mut self, state: &State) -> Result<(), StateError> {
        let file = state.write(&self.path)?;
        let id = file.metadata().map(|m| FileId::of(&m));
        self.seen = id.ok().map(|id| Seen { _file: file, id });
        Ok(())
    }

    /// Removes the temporaries of this state file (`.<name>.<pid>.<n>.tmp`);
    /// call it holding the lock.
    fn remove_leftovers(&self) {
        let Some(name) = self.path.file_name().and_then(OsStr::to_str) else {
            return;
        };
        let Ok(entries) = fs::read_dir(dir_of(&self.path)) else {
            return;
        };
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let Some(file_name) = file_name.to_str() else {
                continue;
            };
            if is_temporary_of(name, file_name) {
                match fs::remove_file(entry.path()) {
                    Ok(()) => tracing::info!(
                        path = %entry.path().display(),
                        "removed the temporary of an interrupted save"
                    ),
                    Err(e) => tracing::warn!(
                        path = %entry.path().display(),
                        error = %e,
                        "cannot remove the temporary of an interrupted save"
                    ),
                }
            }
        }
    }
}

/// Whether `file_name` is a temporary [`State::write`] makes for the state
/// file `name`: `.<name>.<pid>.<n>.tmp`.
pub(crate) fn is_temporary_of(name: &str, file_name: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    file_name
        .strip_prefix('.')
        .and_then(|r| r.strip_prefix(name))
        .and_then(|r| r.strip_prefix('.'))
        .and_then(|r| r.strip_suffix(".tmp"))
        .and_then(|r| r.split_once('.'))
        .is_some_and(|(pid, n)| digits(pid) && digits(n))
}

/// `<path><suffix>`, beside it.
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

pub(crate) fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Replaces the lock file's content with `holder`.
fn describe(mut file: &File, holder: &Holder) -> io::Result<()> {
    let bytes = serde_json::to_vec(holder).map_err(io::Error::other)?;
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(&bytes)
}

/// The holder the lock file describes; `None` when it cannot be read (being
/// rewritten, or not ours).
fn read_holder(lock_path: &Path) -> Option<Holder> {
    let mut bytes = Vec::new();
    File::open(lock_path)
        .ok()?
        .take(4096)
        .read_to_end(&mut bytes)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporaries_are_recognised_by_their_exact_shape() {
        assert!(is_temporary_of("emulator.json", ".emulator.json.123.0.tmp"));
        assert!(is_temporary_of("emulator.json", ".emulator.json.9.42.tmp"));
        for other in [
            "emulator.json",
            "emulator.json.lock",
            ".emulator.json.tmp",
            ".emulator.json.123.tmp",
            ".emulator.json.x.0.tmp",
            ".emulator.json.1.2.3.tmp",
            ".other.json.1.0.tmp",
            ".emulator.json.1.0.tmp.bak",
        ] {
            assert!(!is_temporary_of("emulator.json", other), "{other}");
        }
    }

    #[test]
    fn the_waiting_sentence_names_the_file_and_the_holder() {
        let w = Waiting {
            state_file: PathBuf::from("/s/local/emulator.json"),
            holder: Some(Holder {
                pid: 42,
                command: "reconcile apply specs/a.yaml --local".into(),
                since: time::macros::datetime!(2026-01-02 03:04:05.678 UTC),
            }),
        };
        assert_eq!(
            w.to_string(),
            "waiting for the emulator state `/s/local/emulator.json`, held by pid 42 since \
             2026-01-02T03:04:05Z (`reconcile apply specs/a.yaml --local`)"
        );
        let unknown = Waiting { holder: None, ..w };
        assert!(unknown.to_string().ends_with("held by another process"));
    }

    #[test]
    fn a_second_store_waits_for_the_first_and_is_told_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let told = Arc::new(std::sync::Mutex::new(Vec::<Waiting>::new()));
        let quiet: Notice = Arc::new(|_: &Waiting| {});
        let (mut first, _) = Store::open(&path, None, quiet).unwrap();
        let heard = told.clone();
        let notice: Notice = Arc::new(move |w: &Waiting| heard.lock().unwrap().push(w.clone()));
        let held = first.acquire().unwrap();
        let waiter = std::thread::spawn(move || {
            let t = Instant::now();
            // Opening reads the file under the lock: it waits.
            let (mut second, _) = Store::open(&path, None, notice).unwrap();
            let waited = t.elapsed();
            drop(second.acquire().unwrap());
            waited
        });
        std::thread::sleep(NOTICE_AFTER + Duration::from_millis(500));
        drop(held);
        let waited = waiter.join().unwrap();
        assert!(waited >= NOTICE_AFTER, "{waited:?}");
        let told = told.lock().unwrap();
        assert_eq!(told.len(), 1, "told once: {told:?}");
        let holder = told[0].holder.as_ref().expect("the holder is described");
        assert_eq!(holder.pid, std::process::id());
    }
}
