//! Control characters and bidi overrides in a spec (keys, names, endpoint
//! ids, template bodies, the file's own name) never reach the terminal raw:
//! every human output shows them escaped (`\u{1b}`, `\u{202e}`), as the
//! `reconcile_model::escape` module describes.

use std::process::Output;

use crate::util::{Scratch, expect_code, stderr, stdout};

/// A stack that applies: ESC, BEL, DEL and bidi controls in the app's
/// name, an endpoint id, its address, a segment's name and values, and a
/// template's title and body (YAML escapes: `\e` is ESC, `\a` BEL). Keys of
/// taggable resources stay plain: AWS refuses them in the ownership tag.
const APPLIES: &str = r#"stack: escape-demo
region: us-east-1
app:
  name: "shop\e[31m\u202Eppa"
endpoints:
  "ios\e[2J\u202E1":
    channel_type: APNS
    address: "token\a1"
segments:
  vip:
    name: "vip\e]0;pwned\a\u2066x\u2069"
    dimensions:
      demographic:
        platform:
          values: ["iOS\x7F\u200E"]
templates:
  promo:
    name: promo
    default:
      title: "Sale\e[5m"
      body: "Line one\e[1A\nline two\u202E\rfake 🔥 café"
"#;

/// A spec whose campaign (its key holding ESC and U+202E) targets a
/// segment key that does not exist, holding a screen clear.
const INVALID: &str = r#"stack: escape-demo
region: us-east-1
app:
  name: shop
segments:
  vip:
    name: vip
    dimensions:
      demographic:
        platform:
          values: [iOS]
campaigns:
  "promo\e[31m\u202E":
    name: "promo\a"
    segment: "vip\e[2J\u202E"
    message_configuration:
      default_message:
        body: hi
    schedule:
      start_time: 2031-06-01T09:00:00Z
"#;

/// Whether `c` may not be printed raw: a control character other than the
/// line break that ends each line, or a bidi formatting character. (Written
/// here again rather than taken from the model, so that a gap in the
/// model's list fails this test.)
fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Fails naming the first forbidden character of either stream.
#[track_caller]
fn assert_clean(what: &str, o: &Output) {
    for (stream, text) in [("stdout", stdout(o)), ("stderr", stderr(o))] {
        if let Some((at, c)) = text.char_indices().find(|(_, c)| forbidden(*c)) {
            panic!(
                "{what}: raw {c:?} on {stream} at byte {at}:\n{}",
                text.escape_debug()
            );
        }
    }
}

fn scratch_with(name: &str, spec: &str) -> Scratch {
    let s = Scratch::new();
    std::fs::write(s.spec(name), spec).unwrap();
    s
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s
}

#[test]
fn escape_validate_quotes_a_hostile_key_escaped() {
    let s = scratch_with("invalid.yaml", INVALID);
    let o = s.run(&["validate", "specs/invalid.yaml"]);
    expect_code(&o, 1);
    assert_clean("validate", &o);
    settings().bind(|| insta::assert_snapshot!("escape_validate_stderr", stderr(&o)));
}

#[test]
fn escape_plan_text_and_markdown_show_control_characters_escaped() {
    let s = scratch_with("escape.yaml", APPLIES);
    let text = s.run(&["plan", "--local", "specs/escape.yaml"]);
    expect_code(&text, 0);
    assert_clean("plan", &text);
    // Warnings quote the endpoint's key.
    assert!(
        stderr(&text).contains(r"`endpoints.ios\u{1b}[2J\u{202e}1`"),
        "{}",
        stderr(&text)
    );
    let markdown = s.run(&[
        "plan",
        "--local",
        "--format",
        "markdown",
        "specs/escape.yaml",
    ]);
    expect_code(&markdown, 0);
    assert_clean("plan --format markdown", &markdown);
    assert!(
        stdout(&markdown)
            .contains(r"| `+` | `endpoint.ios\u{1b}[2J\u{202e}1` | not in the account |"),
        "{}",
        stdout(&markdown)
    );
    settings().bind(|| insta::assert_snapshot!("escape_plan_text", stdout(&text)));

    // The JSON plan is serde's, untouched: its own escapes, U+202E as it is.
    let json = s.run(&["plan", "--local", "--format", "json", "specs/escape.yaml"]);
    expect_code(&json, 0);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let app = value["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "app")
        .unwrap();
    assert_eq!(app["after"]["name"], "shop\u{1b}[31m\u{202e}ppa");
    assert!(stdout(&json).contains("shop\\u001b[31m\u{202e}ppa"));
}

#[test]
fn escape_apply_and_status_show_control_characters_escaped() {
    let s = scratch_with("escape.yaml", APPLIES);
    let apply = s.run(&["apply", "--local", "--auto-approve", "specs/escape.yaml"]);
    expect_code(&apply, 0);
    assert_clean("apply", &apply);
    assert!(
        stderr(&apply).contains(r"endpoint.ios\u{1b}[2J\u{202e}1: created"),
        "progress lines name the endpoint escaped:\n{}",
        stderr(&apply)
    );
    let status = s.run(&[
        "status",
        "--local",
        "--format",
        "table",
        "specs/escape.yaml",
    ]);
    expect_code(&status, 0);
    assert_clean("status", &status);
    let out = stdout(&status);
    for want in [
        r"App   shop\u{1b}[31m\u{202e}ppa (id ",
        r"  ios\u{1b}[2J\u{202e}1  APNS     token\u{7}1",
        r"vip\u{1b}]0;pwned\u{7}\u{2066}x\u{2069}",
    ] {
        assert!(out.contains(want), "{want} missing:\n{out}");
    }
    let history = s.run(&["history", "specs/escape.yaml"]);
    expect_code(&history, 0);
    assert_clean("history", &history);
    let graph = s.run(&["graph", "specs/escape.yaml"]);
    expect_code(&graph, 0);
    assert_clean("graph", &graph);
    assert!(
        stdout(&graph).contains(r#"["endpoint.ios\u{1b}[2J\u{202e}1"]"#),
        "{}",
        stdout(&graph)
    );
}

#[test]
fn escape_a_spec_file_name_with_control_characters() {
    let name = "evil\u{1b}[31m\u{202e}lmay.yaml";
    let shown = r"specs/evil\u{1b}[31m\u{202e}lmay.yaml";
    let s = scratch_with(name, APPLIES);
    let path = format!("specs/{name}");
    let plan = s.run(&["plan", "--local", &path]);
    expect_code(&plan, 0);
    assert_clean("plan", &plan);
    assert!(
        stdout(&plan).starts_with(&format!("Stack `escape-demo`, spec `{shown}`\n")),
        "{}",
        stdout(&plan)
    );
    assert!(
        stderr(&plan).contains(&format!("{shown}:6:3: warning: ")),
        "{}",
        stderr(&plan)
    );

    // An invalid spec of that name: the diagnostics and the error name it
    // escaped too.
    std::fs::write(s.path().join(&path), INVALID).unwrap();
    for args in [
        vec!["validate", path.as_str()],
        vec!["plan", "--local", path.as_str()],
    ] {
        let o = s.run(&args);
        expect_code(&o, 1);
        assert_clean(args[0], &o);
        assert!(
            stderr(&o).contains(&format!("{shown}:15:14: error: ")),
            "{}",
            stderr(&o)
        );
    }
    let plan = s.run(&["plan", "--local", &path]);
    assert!(
        stderr(&plan).contains(&format!("`{shown}` is not valid: 1 problem(s)")),
        "{}",
        stderr(&plan)
    );
}

#[test]
fn escape_validate_of_a_valid_spec_and_a_refused_saved_plan() {
    // `validate` of a valid spec under a hostile file name.
    let name = "ok\u{1b}[2J\u{202e}.yaml";
    let s = scratch_with(name, APPLIES);
    let path = format!("specs/{name}");
    let o = s.run(&["validate", &path]);
    expect_code(&o, 0);
    assert_clean("validate", &o);
    assert!(
        stdout(&o).contains(r"ok\u{1b}[2J\u{202e}.yaml: valid"),
        "{}",
        stdout(&o)
    );

    // A saved plan refused for an edited template body: the differences
    // quote the edited value, escaped.
    s.apply_local(&path);
    expect_code(&s.run(&["plan", "--local", &path, "--out", "p.json"]), 0);
    let plan_path = s.path().join("p.json");
    let mut plan: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&plan_path).unwrap()).unwrap();
    for c in plan["changes"].as_array_mut().unwrap() {
        if c["address"] == "template.promo" {
            c["action"] = serde_json::json!("update");
            c["after"]["attrs"]["default"]["body"] =
                serde_json::json!("evil\u{1b}]0;title\u{7}\u{202e}");
        }
    }
    std::fs::write(&plan_path, serde_json::to_vec(&plan).unwrap()).unwrap();
    let o = s.run(&["apply", "--local", "--auto-approve", "p.json"]);
    expect_code(&o, 1);
    assert_clean("apply of an edited plan", &o);
    assert!(stderr(&o).contains("`template.promo`"), "{}", stderr(&o));
}
