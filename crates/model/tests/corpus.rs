//! The bad-spec corpus: every `tests/specs/bad/*.yaml` must be refused, and
//! what the user reads (file:line:col, message, expected, hint) is checked
//! as a snapshot. Update snapshots with `INSTA_UPDATE=always cargo test -p
//! reconcile-model --test corpus`, then review the diff.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/specs/bad")
}

fn corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// Loads `path` by a repository-relative name so that snapshots do not
/// depend on where the checkout lives.
fn render(path: &Path) -> String {
    let name = format!(
        "tests/specs/bad/{}",
        path.file_name().unwrap().to_string_lossy()
    );
    let start = Instant::now();
    let outcome = reconcile_model::load(path);
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(1), "{name} took {elapsed:?}");
    match outcome {
        Ok(_) => panic!("{name} was accepted"),
        Err(diags) => {
            let text = diags.to_string();
            text.replace(&path.display().to_string(), &name)
        }
    }
}

#[test]
fn the_corpus_is_large_enough() {
    assert!(corpus().len() >= 25, "{} bad specs", corpus().len());
}

#[test]
fn every_bad_spec_is_refused_with_located_diagnostics() {
    for path in corpus() {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = render(&path);
        assert!(text.starts_with("tests/specs/bad/"), "{stem}: {text}");
        insta::assert_snapshot!(stem, text);
    }
}

#[test]
fn a_pasted_secret_is_never_echoed() {
    let text = render(&corpus_dir().join("secrets-inline.yaml"));
    assert!(!text.contains("AAAAdemoPastedServerKey"), "{text}");
}
