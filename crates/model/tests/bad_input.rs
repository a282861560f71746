//! Hostile or broken files: each gets a clear error naming the file (and
//! the line where there is one), within a second, never a panic or a hang.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use reconcile_model::Diagnostics;

fn load_timed(path: &Path) -> Diagnostics {
    let start = Instant::now();
    let result = reconcile_model::load(path);
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
    match result {
        Ok(_) => panic!("{} was accepted", path.display()),
        Err(d) => d,
    }
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn only(d: &Diagnostics) -> &reconcile_model::Diagnostic {
    assert_eq!(d.len(), 1, "{d}");
    d.iter().next().unwrap()
}

#[test]
fn a_20_mb_file_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("stack: big\napp:\n  name: big\n  tags:\n");
    let mut i = 0;
    while text.len() < 20 * 1024 * 1024 {
        writeln!(text, "    key{i}: {}", "x".repeat(200)).unwrap();
        i += 1;
    }
    let path = write(&dir, "big.yaml", text.as_bytes());
    let d = load_timed(&path);
    let d = only(&d);
    assert!(d.file.ends_with("big.yaml"));
    assert!(d.message.contains("20.0 MiB"), "{d}");
    assert!(d.message.contains("at most 4 MiB"), "{d}");
    assert!(d.to_string().contains("not parsed"), "{d}");
    // The same through load_str.
    let start = Instant::now();
    let d = reconcile_model::load_str("big.yaml", &text).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(only(&d).message.contains("4 MiB"));
}

#[test]
fn ten_thousand_levels_of_nesting_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let flow = format!(
        "stack: deep\nvalue: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    // Block style: `- - - - x` nests one sequence per dash.
    let block = format!("stack: deep\nvalue:\n  {}x\n", "- ".repeat(10_000));
    for (name, text) in [("flow.yaml", flow), ("block.yaml", block)] {
        let path = write(&dir, name, text.as_bytes());
        let d = load_timed(&path);
        let d = only(&d);
        assert!(d.message.contains("nesting deeper than 64"), "{d}");
        assert!(d.to_string().contains(name), "{d}");
    }
}

#[test]
fn an_alias_bomb_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut text =
        String::from("stack: bomb\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        let items = [prev.as_str(); 9].join(", ");
        writeln!(text, "a{i}: &a{i} [{items}]").unwrap();
    }
    let path = write(&dir, "bomb.yaml", text.as_bytes());
    let d = load_timed(&path);
    let d = only(&d);
    assert!(d.message.contains("alias bomb"), "{d}");
    assert!(d.line > 0, "{d}");
}

#[test]
fn a_non_utf8_file_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "latin1.yaml", b"stack: demo\napp:\n  name: caf\xe9\n");
    let d = load_timed(&path);
    let d = only(&d);
    assert_eq!((d.line, d.column), (3, 12), "{d}");
    assert!(d.message.contains("not UTF-8"), "{d}");
}

#[test]
fn an_empty_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("empty.yaml", ""),
        ("blank.yaml", "\n\n   \n# just a comment\n"),
    ] {
        let path = write(&dir, name, text.as_bytes());
        let d = load_timed(&path);
        assert!(only(&d).message.contains("empty"), "{d}");
        assert!(
            d.to_string().starts_with(&path.display().to_string()),
            "{d}"
        );
    }
}

#[test]
fn a_list_at_the_top_level_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "list.yaml", b"- stack: a\n- stack: b\n");
    let d = load_timed(&path);
    let d = only(&d);
    assert!(d.message.contains("top level is a list"), "{d}");
    assert_eq!(d.line, 1);
}

#[test]
fn duplicate_keys_are_an_error_with_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "dup.yaml", b"stack: a\napp:\n  name: x\n  name: y\n");
    let d = load_timed(&path);
    let d = only(&d);
    assert!(d.message.contains("duplicate"), "{d}");
    assert!(d.message.contains("`name`"), "{d}");
    assert_eq!(d.line, 4, "{d}");
}

#[test]
fn a_syntax_error_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "syntax.yaml",
        b"stack: a\napp:\n  name: \"unterminated\n",
    );
    let d = load_timed(&path);
    let d = only(&d);
    assert!(d.message.starts_with("invalid YAML"), "{d}");
    assert!(d.line >= 3, "{d}");
}

#[test]
fn a_missing_file_and_a_directory_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = load_timed(&dir.path().join("nope.yaml"));
    assert!(only(&d).message.contains("cannot read"), "{d}");
    let d = load_timed(dir.path());
    assert!(only(&d).message.contains("directory"), "{d}");
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A cheap fuzz over mangled copies of a real spec.
    let base =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/flash-sale.yaml"))
            .unwrap();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..200 {
        let mut bytes = base.clone();
        for _ in 0..=(next() % 8) {
            let i = (next() as usize) % bytes.len();
            let alphabet = b" :-[]{}&*!|>'\"#\n\tx0";
            bytes[i] = alphabet[(next() as usize) % alphabet.len()];
        }
        if let Ok(text) = String::from_utf8(bytes) {
            let start = Instant::now();
            let _ = reconcile_model::load_str("fuzz.yaml", &text);
            assert!(start.elapsed() < Duration::from_secs(1));
        }
    }
}

#[test]
fn a_device_or_a_fifo_is_refused_without_reading_it() {
    #[cfg(unix)]
    {
        let d = load_timed(Path::new("/dev/zero"));
        assert!(only(&d).message.contains("is a character device"), "{d}");
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("spec.yaml");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if made {
            // Opening a FIFO for reading blocks until a writer comes: the
            // type is checked first.
            let d = load_timed(&fifo);
            assert!(only(&d).message.contains("is a FIFO (named pipe)"), "{d}");
        }
    }
}

#[test]
fn utf16_is_named_with_how_to_convert() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vec![0xfe, 0xff];
    for unit in "stack: a\n".encode_utf16() {
        bytes.extend(unit.to_be_bytes());
    }
    let path = write(&dir, "be.yaml", &bytes);
    let d = load_timed(&path);
    let d = only(&d);
    assert_eq!((d.line, d.column), (1, 1), "{d}");
    assert!(d.message.contains("UTF-16BE"), "{d}");
    assert!(d.to_string().contains("iconv -f UTF-16BE -t UTF-8"), "{d}");
}
