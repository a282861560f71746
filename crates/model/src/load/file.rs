//! Reading a file that a user names (a spec, or a `${file:...}` secret)
//! without trusting it: regular files only, and never more than a limit.
//!
//! A FIFO blocks `open` until someone writes to it and a device such as
//! `/dev/zero` never ends, so the type is checked before the file is
//! opened, and again on what was opened (the path may have changed in
//! between; only someone who can already edit the spec's directory can make
//! it so). The read stops one byte past the limit whatever the file claims
//! its length is (files under `/proc` claim 0).

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Not a regular file; the value says what it is (`a FIFO (named pipe)`).
    #[error("it is {0}, not a regular file")]
    NotRegular(&'static str),
    /// Larger than the limit; `size` is what the file claims (at least
    /// `limit + 1`).
    #[error("it is {size} bytes, more than the {limit} allowed")]
    TooLarge { size: u64, limit: u64 },
}

/// What kind of file `meta` describes, for messages.
pub fn kind_of(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_file() {
        return "a regular file";
    }
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
    }
    "not a regular file"
}

/// Reads `path` (following symbolic links) when it is a regular file of at
/// most `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path)?;
    check(&meta, limit)?;
    let file = File::open(path)?;
    let meta = file.metadata()?;
    check(&meta, limit)?;
    let mut bytes = Vec::with_capacity(meta.len().min(limit) as usize);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    let read = bytes.len() as u64;
    if read > limit {
        return Err(ReadError::TooLarge {
            size: meta.len().max(read),
            limit,
        });
    }
    Ok(bytes)
}

fn check(meta: &Metadata, limit: u64) -> Result<(), ReadError> {
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(meta)));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small");
        std::fs::write(&small, b"abc").unwrap();
        assert_eq!(read_regular(&small, 3).unwrap(), b"abc");
        assert!(matches!(
            read_regular(&small, 2),
            Err(ReadError::TooLarge { size: 3, limit: 2 })
        ));
        assert!(matches!(
            read_regular(dir.path(), 10),
            Err(ReadError::NotRegular("a directory"))
        ));
        #[cfg(unix)]
        assert!(matches!(
            read_regular(Path::new("/dev/zero"), 10),
            Err(ReadError::NotRegular("a character device"))
        ));
        assert!(matches!(
            read_regular(&dir.path().join("nope"), 10),
            Err(ReadError::Io(_))
        ));
    }
}
