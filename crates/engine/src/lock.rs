//! One apply per stack at a time: a lock file in the state directory.
//!
//! [`Lock::acquire`] creates `<state_dir>/locks/<stack>.lock` holding who took
//! it ([`LockHolder`]: pid, host, user, since when, which command). The file
//! appears atomically with its content: it is written under a unique name
//! (opened with `create_new`) and hard-linked to the lock path, which fails
//! when a lock exists, so a reader never sees an empty lock. The returned
//! [`LockGuard`] removes it on drop.
//!
//! A lock left by a process that no longer runs on this host (no
//! `/proc/<pid>`) is stale: it is reported (a `tracing` warning and
//! [`LockGuard::taken_over`]) and taken over. A lock held from another host
//! cannot be checked and is always respected.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Who holds a stack's lock. This is the lock file's JSON content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    pub pid: u32,
    pub host: String,
    pub user: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// The command line that took the lock (`reconcile apply spec.yaml`).
    pub command: String,
}

impl LockHolder {
    /// A holder describing this process.
    pub fn this_process(command: &str) -> Self {
        Self {
            pid: std::process::id(),
            host: this_host(),
            user: this_user(),
            started_at: OffsetDateTime::now_utc(),
            command: command.to_owned(),
        }
    }

    /// Whether the holder certainly no longer runs: same host, and no
    /// process with its pid. `false` when that cannot be known.
    pub fn is_stale(&self) -> bool {
        self.host == this_host() && process_alive(self.pid) == Some(false)
    }
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "stack `{stack}` is locked by pid {pid} on `{host}` (user `{user}`, `{command}`) since {since}",
        pid = holder.pid,
        host = holder.host,
        user = holder.user,
        command = holder.command,
    )]
    Held {
        stack: String,
        holder: Box<LockHolder>,
        since: OffsetDateTime,
    },
    #[error(
        "lock file `{path}` cannot be read as a lock ({message}); if no apply is running, remove it"
    )]
    Unreadable { path: PathBuf, message: String },
    #[error("`{0}` cannot name a lock file (a stack name has no `/` and is not `.` or `..`)")]
    BadStack(String),
    #[error("lock file `{path}`: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// Taking and inspecting stack locks.
#[derive(Debug)]
pub struct Lock;

impl Lock {
    /// The lock file of a stack.
    pub fn path(state_dir: &Path, stack: &str) -> Result<PathBuf, LockError> {
        if !is_safe_component(stack) {
            return Err(LockError::BadStack(stack.to_owned()));
        }
        Ok(state_dir.join("locks").join(format!("{stack}.lock")))
    }

    /// Takes the stack's lock for this process, or says who holds it.
    pub fn acquire(state_dir: &Path, stack: &str, command: &str) -> Result<LockGuard, LockError> {
        let path = Self::path(state_dir, stack)?;
        let dir = state_dir.join("locks");
        fs::create_dir_all(&dir).map_err(|source| LockError::Io {
            path: dir.clone(),
            source,
        })?;
        let me = LockHolder::this_process(command);
        let mut taken_over = None;
        // A few rounds: another one after a stale lock was moved away, or
        // after a lock was released while we looked at it.
        for _ in 0..3 {
            if try_link(&path, &me)? {
                return Ok(LockGuard {
                    path,
                    holder: me,
                    taken_over,
                });
            }
            let Some(holder) = Self::holder(state_dir, stack)? else {
                continue; // released between our attempt and the read
            };
            if !holder.is_stale() {
                return Err(LockError::Held {
                    stack: stack.to_owned(),
                    since: holder.started_at,
                    holder: Box::new(holder),
                });
            }
            tracing::warn!(
                stack,
                pid = holder.pid,
                host = %holder.host,
                since = %holder.started_at,
                "taking over a stale lock: its process no longer runs"
            );
            remove_stale(&path, &holder)?;
            taken_over = Some(holder);
        }
        // Someone else keeps winning the race: report them.
        match Self::holder(state_dir, stack)? {
            Some(holder) => Err(LockError::Held {
                stack: stack.to_owned(),
                since: holder.started_at,
                holder: Box::new(holder),
            }),
            None => Err(LockError::Unreadable {
                path,
                message: "the lock changed hands repeatedly while it was taken".into(),
            }),
        }
    }

    /// Who holds the stack's lock, if anyone.
    pub fn holder(state_dir: &Path, stack: &str) -> Result<Option<LockHolder>, LockError> {
        let path = Self::path(state_dir, stack)?;
        read_holder(&path)
    }
}

/// A held lock; removed when dropped.
#[derive(Debug)]
pub struct LockGuard {
    path: PathBuf,
    holder: LockHolder,
    taken_over: Option<LockHolder>,
}

impl LockGuard {
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn holder(&self) -> &LockHolder {
        &self.holder
    }

    /// The stale holder this lock was taken over from, to tell the user.
    pub fn taken_over(&self) -> Option<&LockHolder> {
        self.taken_over.as_ref()
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Remove only our own lock (someone may have judged us stale).
        if let Ok(Some(holder)) = read_holder(&self.path)
            && holder == self.holder
            && let Err(e) = fs::remove_file(&self.path)
        {
            tracing::warn!(path = %self.path.display(), error = %e, "could not remove the lock");
        }
    }
}

fn read_holder(path: &Path) -> Result<Option<LockHolder>, LockError> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| LockError::Unreadable {
                path: path.to_owned(),
                message: e.to_string(),
            }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(LockError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Writes `holder` under a unique name and links it to `path`. `Ok(false)`
/// when a lock exists.
fn try_link(path: &Path, holder: &LockHolder) -> Result<bool, LockError> {
    let io_err = |source| LockError::Io {
        path: path.to_owned(),
        source,
    };
    let tmp = path.with_extension(format!("lock.{}", uuid::Uuid::new_v4().simple()));
    let body = serde_json::to_vec_pretty(holder).map_err(|e| io_err(io::Error::other(e)))?;
    {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(io_err)?;
        f.write_all(&body).map_err(io_err)?;
        f.sync_data().map_err(io_err)?;
    }
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            sync_dir(path);
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(io_err(e)),
    }
}

/// Moves a stale lock out of the way, making sure it is the one judged stale:
/// if another process replaced it meanwhile, that lock is put back.
fn remove_stale(path: &Path, judged: &LockHolder) -> Result<(), LockError> {
    let aside = path.with_extension(format!("stale.{}", uuid::Uuid::new_v4().simple()));
    match fs::rename(path, &aside) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(LockError::Io {
                path: path.to_owned(),
                source,
            });
        }
    }
    let moved = read_holder(&aside).ok().flatten();
    if moved.as_ref() != Some(judged) {
        // Not the stale one: restore it unless a new lock already exists.
        let _ = fs::hard_link(&aside, path);
    }
    let _ = fs::remove_file(&aside);
    Ok(())
}

fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
}

/// A stack name or apply id used as a file name must be one plain component.
pub(crate) fn is_safe_component(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '\\', '\0']) && !s.starts_with('.')
}

/// Whether process `pid` runs on this host: `Some(true|false)` where `/proc`
/// can tell, `None` where it cannot (no `/proc`). A zombie (a process killed
/// or ended whose parent has not collected it yet) does not run.
pub fn process_alive(pid: u32) -> Option<bool> {
    if !Path::new("/proc/self").exists() {
        return None;
    }
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Some(Path::new(&format!("/proc/{pid}")).exists());
    };
    // `pid (comm) S ...`: the state follows the last `)` (comm may hold any).
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next());
    Some(!matches!(state, Some('Z' | 'X')))
}

/// This machine's host name (`/proc/sys/kernel/hostname`, `$HOSTNAME`), or
/// `unknown`.
pub fn this_host() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The user running this process (`$USER`, `$USERNAME`, `$LOGNAME`), or
/// `unknown`.
pub fn this_user() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pid above Linux's maximum (`pid_max` is at most 2^22).
    const DEAD_PID: u32 = 4_194_304 + 17;

    #[test]
    fn a_zombie_is_not_alive() {
        // A child that ended and is not collected yet stays a zombie.
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("`true` runs");
        let pid = child.id();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while process_alive(pid) == Some(true) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(process_alive(pid), Some(false), "a zombie counts as dead");
        assert!(
            Path::new(&format!("/proc/{pid}")).exists(),
            "still a zombie"
        );
        child.wait().unwrap();
        assert_eq!(process_alive(std::process::id()), Some(true));
        assert_eq!(process_alive(DEAD_PID), Some(false));
    }

    #[test]
    fn a_second_acquire_is_refused_with_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let guard = Lock::acquire(dir.path(), "demo", "reconcile apply a.yaml").unwrap();
        assert!(guard.taken_over().is_none());
        let err = Lock::acquire(dir.path(), "demo", "reconcile apply b.yaml").unwrap_err();
        match &err {
            LockError::Held {
                stack,
                holder,
                since,
            } => {
                assert_eq!(stack, "demo");
                assert_eq!(holder.pid, std::process::id());
                assert_eq!(holder.command, "reconcile apply a.yaml");
                assert_eq!(since, &guard.holder().started_at);
            }
            other => panic!("expected Held, got {other:?}"),
        }
        let text = err.to_string();
        assert!(text.contains("reconcile apply a.yaml"), "{text}");
        assert!(text.contains(&std::process::id().to_string()), "{text}");
        // Another stack is independent.
        let _other = Lock::acquire(dir.path(), "other", "x").unwrap();
    }

    #[test]
    fn the_lock_is_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let guard = Lock::acquire(dir.path(), "demo", "one").unwrap();
        let path = guard.path().to_owned();
        assert!(path.exists());
        drop(guard);
        assert!(!path.exists());
        assert!(Lock::holder(dir.path(), "demo").unwrap().is_none());
        let again = Lock::acquire(dir.path(), "demo", "two").unwrap();
        assert_eq!(again.holder().command, "two");
        // Only the lock file remains in the directory: no temporaries left.
        let names: Vec<_> = fs::read_dir(dir.path().join("locks"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("demo.lock")]);
    }

    #[test]
    fn a_lock_of_a_dead_process_is_taken_over() {
        if process_alive(1).is_none() {
            return; // no /proc: staleness cannot be known here
        }
        let dir = tempfile::tempdir().unwrap();
        let stale = LockHolder {
            pid: DEAD_PID,
            ..LockHolder::this_process("reconcile apply crashed.yaml")
        };
        fs::create_dir_all(dir.path().join("locks")).unwrap();
        let path = Lock::path(dir.path(), "demo").unwrap();
        fs::write(&path, serde_json::to_vec(&stale).unwrap()).unwrap();

        let guard = Lock::acquire(dir.path(), "demo", "reconcile apply new.yaml").unwrap();
        assert_eq!(guard.taken_over(), Some(&stale));
        let now = Lock::holder(dir.path(), "demo").unwrap().unwrap();
        assert_eq!(now.pid, std::process::id());
        assert_eq!(now.command, "reconcile apply new.yaml");
    }

    #[test]
    fn a_lock_from_another_host_is_respected_even_with_a_dead_pid() {
        let dir = tempfile::tempdir().unwrap();
        let remote = LockHolder {
            pid: DEAD_PID,
            host: format!("{}-elsewhere", this_host()),
            ..LockHolder::this_process("reconcile apply ci.yaml")
        };
        fs::create_dir_all(dir.path().join("locks")).unwrap();
        fs::write(
            Lock::path(dir.path(), "demo").unwrap(),
            serde_json::to_vec(&remote).unwrap(),
        )
        .unwrap();
        let err = Lock::acquire(dir.path(), "demo", "x").unwrap_err();
        assert!(matches!(err, LockError::Held { ref holder, .. } if **holder == remote));
    }

    #[test]
    fn a_garbled_lock_is_reported_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("locks")).unwrap();
        let path = Lock::path(dir.path(), "demo").unwrap();
        fs::write(&path, b"{not json").unwrap();
        let err = Lock::acquire(dir.path(), "demo", "x").unwrap_err();
        assert!(matches!(err, LockError::Unreadable { .. }), "{err:?}");
        assert_eq!(fs::read(&path).unwrap(), b"{not json");
    }

    #[test]
    fn stack_names_cannot_escape_the_lock_directory() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["", "..", "a/b", ".hidden"] {
            assert!(matches!(
                Lock::acquire(dir.path(), bad, "x"),
                Err(LockError::BadStack(_))
            ));
        }
    }

    #[test]
    fn this_process_is_alive_and_an_impossible_pid_is_not() {
        if process_alive(1).is_none() {
            return;
        }
        assert_eq!(process_alive(std::process::id()), Some(true));
        assert_eq!(process_alive(DEAD_PID), Some(false));
    }
}
