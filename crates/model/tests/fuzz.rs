//! Mutations of the example specs: whatever is deleted, duplicated,
//! retyped, tagged, nested or sprinkled with control characters, `load_str`
//! returns (no panic) within a time bound, and every diagnostic names a line
//! unless it is about the whole file.
//!
//! A fixed seed and 256 cases, so that a run is repeatable and takes a few
//! seconds; set `PROPTEST_CASES` to run more, `PROPTEST_RNG_SEED` for
//! other cases.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};

/// What one case may do to the text, at `at` (a line, or a character, as
/// the mutation needs).
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    /// The value of a `key: value` line becomes another.
    Retype(usize, &'static str),
    /// A tag goes before the value of a `key: value` line.
    Tag(usize, &'static str),
    Control(usize, char),
    /// The value of a `key: value` line becomes `depth` nested lists or maps.
    Nest(usize, usize, bool),
    Indent(usize, bool),
    /// A line is inserted before line `at`.
    Insert(usize, &'static str),
}

const VALUES: &[&str] = &[
    "[]",
    "{}",
    "123",
    "-1",
    "true",
    "null",
    "~",
    "\"\"",
    "1e400",
    "-1e400",
    ".nan",
    ".inf",
    "-.inf",
    "99999999999999999999999999999999999999999",
    "0x7fffffffffffffff",
    "0o777",
    "1_000",
    "'${file:/dev/zero}'",
    "\"${env:}\"",
    "*nope",
    "&a x",
    "|",
    ">-",
    "'unterminated",
    "\"\\uD800\"",
    "[1, [2, [3]]]",
    "{a: {b: {c: d}}}",
];

const TAGS: &[&str] = &[
    "!!python/object/apply:os.system",
    "!Ref",
    "!!binary",
    "!!int",
    "!!str",
    "!",
    "!<tag:yaml.org,2002:str>",
    "!!merge",
];

const CONTROLS: &[char] = &[
    '\u{0}', '\u{1}', '\u{7}', '\u{8}', '\t', '\r', '\u{b}', '\u{c}', '\u{1b}', '\u{7f}', '\u{85}',
    '\u{a0}', '\u{200b}', '\u{2028}', '\u{202e}', '\u{feff}', '\u{fffd}',
];

const LINES: &[&str] = &[
    "---",
    "...",
    "%YAML 1.2",
    "<<: {stack: x}",
    "? [complex, key]",
    ": value",
    "- item",
    "\t",
    "#",
    "&anchor",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0usize..10_000;
    prop_oneof![
        at.clone().prop_map(Mutation::DeleteLine),
        at.clone().prop_map(Mutation::DuplicateLine),
        (at.clone(), prop::sample::select(VALUES)).prop_map(|(a, v)| Mutation::Retype(a, v)),
        (at.clone(), prop::sample::select(TAGS)).prop_map(|(a, t)| Mutation::Tag(a, t)),
        (at.clone(), prop::sample::select(CONTROLS)).prop_map(|(a, c)| Mutation::Control(a, c)),
        (at.clone(), 1usize..400, any::<bool>()).prop_map(|(a, d, m)| Mutation::Nest(a, d, m)),
        (at.clone(), any::<bool>()).prop_map(|(a, more)| Mutation::Indent(a, more)),
        (at, prop::sample::select(LINES)).prop_map(|(a, l)| Mutation::Insert(a, l)),
    ]
}

/// The line with a `key: value` nearest after `at`, as (line, offset of the
/// value).
fn value_line(lines: &[String], at: usize) -> Option<(usize, usize)> {
    (0..lines.len())
        .map(|i| (at + i) % lines.len())
        .find_map(|i| {
            let line = &lines[i];
            let colon = line.find(": ")?;
            (!line.trim_start().starts_with('#')).then_some((i, colon + 2))
        })
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for m in mutations {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match m {
            Mutation::DeleteLine(at) => {
                lines.remove(at % n);
            }
            Mutation::DuplicateLine(at) => {
                let line = lines[at % n].clone();
                lines.insert(at % n, line);
            }
            Mutation::Retype(at, value) => {
                if let Some((i, from)) = value_line(&lines, *at) {
                    lines[i].replace_range(from.., value);
                }
            }
            Mutation::Tag(at, tag) => {
                if let Some((i, from)) = value_line(&lines, *at) {
                    lines[i].insert_str(from, &format!("{tag} "));
                }
            }
            Mutation::Control(at, c) => {
                let i = at % n;
                let line = &mut lines[i];
                let chars = line.chars().count();
                let byte = line
                    .char_indices()
                    .nth(at % (chars + 1))
                    .map_or(line.len(), |(b, _)| b);
                line.insert(byte, *c);
            }
            Mutation::Nest(at, depth, map) => {
                if let Some((i, from)) = value_line(&lines, *at) {
                    let nested = if *map {
                        format!("{}x{}", "{a: ".repeat(*depth), "}".repeat(*depth))
                    } else {
                        format!("{}x{}", "[".repeat(*depth), "]".repeat(*depth))
                    };
                    lines[i].replace_range(from.., &nested);
                }
            }
            Mutation::Indent(at, more) => {
                let line = &mut lines[at % n];
                if *more {
                    line.insert(0, ' ');
                } else if line.starts_with(' ') {
                    line.remove(0);
                }
            }
            Mutation::Insert(at, text) => lines.insert(at % (n + 1), (*text).to_owned()),
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Problems that concern the whole file and so have no line.
const WHOLE_FILE: &[&str] = &["the spec is empty"];

fn check(name: &str, text: &str) -> Result<(), TestCaseError> {
    let started = Instant::now();
    let outcome = reconcile_model::load_str(name, text);
    let took = started.elapsed();
    prop_assert!(took < Duration::from_secs(5), "took {took:?}:\n{text}");
    if let Err(diags) = outcome {
        prop_assert!(!diags.is_empty());
        for d in &diags {
            prop_assert!(
                d.line > 0 || d.path.is_empty() && WHOLE_FILE.iter().any(|w| d.message.contains(w)),
                "no line: {d}\n--- text:\n{text}"
            );
            prop_assert!(d.line == 0 || d.column > 0, "no column: {d}");
        }
    }
    Ok(())
}

#[test]
fn mutated_specs_are_refused_cleanly_and_in_time() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    let bases: Vec<(String, String)> = ["flash-sale.yaml", "retail-multi.yaml"]
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(root.join(f)).unwrap();
            (format!("specs/{f}"), text)
        })
        .collect();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256);
    let seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_0012);
    let config = Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    };
    let started = Instant::now();
    let slowest = std::cell::Cell::new(Duration::ZERO);
    let mut runner = TestRunner::new(config);
    let strategy = (
        prop::sample::select(vec![0usize, 1]),
        prop::collection::vec(mutation(), 1..5),
    );
    runner
        .run(&strategy, |(base, mutations)| {
            let (name, text) = &bases[base];
            let mutated = apply(text, &mutations);
            let case = Instant::now();
            check(name, &mutated)?;
            slowest.set(slowest.get().max(case.elapsed()));
            Ok(())
        })
        .unwrap();
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "{cases} mutated specs in {:?}; the slowest took {:?}",
            started.elapsed(),
            slowest.get()
        );
    }
}

#[test]
fn each_mutation_does_what_it_says() {
    let text = "a: 1\nb:\n  c: x\n";
    assert_eq!(apply(text, &[Mutation::DeleteLine(0)]), "b:\n  c: x\n");
    assert_eq!(
        apply(text, &[Mutation::Retype(1, "1e400")]),
        "a: 1\nb:\n  c: 1e400\n"
    );
    assert_eq!(
        apply(text, &[Mutation::Tag(0, "!Ref")]),
        "a: !Ref 1\nb:\n  c: x\n"
    );
    assert_eq!(
        apply(text, &[Mutation::Nest(2, 2, false)]),
        "a: 1\nb:\n  c: [[x]]\n"
    );
    assert_eq!(
        apply(text, &[Mutation::Insert(3, "---")]),
        "a: 1\nb:\n  c: x\n---\n"
    );
}
