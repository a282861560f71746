//! Text from a spec or the account, made safe to show on a terminal.
//!
//! Keys, names, endpoint ids, template bodies, file names and AWS's own
//! messages are user-controlled. Printed raw, an ESC sequence in one of them
//! can recolour, move the cursor, clear the screen or set the window title;
//! a bidi override (U+202E) reorders what follows it, so the text on screen
//! differs from the text in the spec ("Trojan source"). Every human
//! rendering (the plan's text and Markdown, diagnostics, the `status`,
//! `send`, `history` and `graph` outputs, progress lines, errors) must pass
//! such text through [`escape`]; JSON outputs do not: serde escapes control
//! characters there, and their bytes are a contract.
//!
//! # What is escaped, and how
//!
//! A character is [unsafe](is_unsafe) when it is a control character (C0
//! `U+0000`–`U+001F`, DEL `U+007F`, C1 `U+0080`–`U+009F`), a bidi
//! formatting character (`U+061C`, `U+200E`, `U+200F`, `U+202A`–`U+202E`,
//! `U+2066`–`U+2069`) or a line or paragraph separator (`U+2028`, `U+2029`).
//! [`escape`] writes it as Rust writes it in a string literal: `\n`, `\r`,
//! `\t`, otherwise `\u{1b}` (lower-case hex, no padding). A backslash is
//! written `\\`, so the result is unambiguous: `\u{1b}` on screen is an ESC
//! in the text, `\\u{1b}` is those seven characters. Everything else,
//! emoji, accents, other scripts and joiners (`U+200D`, which emoji
//! sequences need) included, is kept as it is.
//!
//! # Line breaks
//!
//! [`escape`] writes a line break as `\n`: what it returns is always one
//! line, so no value can end a line and start one that looks like a plan
//! line, a table row or a diagnostic. Renderers that show a multi-line value
//! on several lines (a template body in a plan) split it into lines first,
//! escape each, and print each behind their own indentation and marker; a
//! carriage return inside a line is escaped (`\r`), so it cannot return to
//! the start of the line and overwrite that marker.
//!
//! [`escape_json`] is for text that is already JSON (a value a plan shows as
//! compact JSON): serde has escaped its backslashes and C0 controls, so it
//! only writes the unsafe characters JSON leaves raw, as JSON escapes
//! (`\u202e`), and the value stays valid JSON.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal raw (see the module docs).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// `text` with every unsafe character written as an escape (`\u{1b}`,
/// `\n`) and every backslash doubled; borrowed when there is nothing to
/// escape. The result is one line.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c == '\\' || is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `json` (JSON text, as serde writes it) with the unsafe characters JSON
/// leaves raw written as JSON escapes (`\u007f`, `\u202e`); still valid
/// JSON, and the same value.
pub fn escape_json(json: &str) -> Cow<'_, str> {
    if !json.chars().any(is_unsafe) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if is_unsafe(c) {
            // Every unsafe character is in the Basic Multilingual Plane.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_escaped_and_ordinary_text_is_borrowed() {
        assert!(matches!(escape("flash-sale 🔥 café"), Cow::Borrowed(_)));
        assert_eq!(escape("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(escape("bell\u{7}nul\u{0}"), "bell\\u{7}nul\\u{0}");
        assert_eq!(escape("del\u{7f} c1\u{9b}"), "del\\u{7f} c1\\u{9b}");
        assert_eq!(
            escape("\u{202e}gnp.exe\u{2066}x\u{2069}\u{200e}\u{200f}\u{61c}"),
            "\\u{202e}gnp.exe\\u{2066}x\\u{2069}\\u{200e}\\u{200f}\\u{61c}"
        );
        assert_eq!(escape("one\ntwo\r\tthree"), "one\\ntwo\\r\\tthree");
        assert_eq!(escape("sep\u{2028}par\u{2029}"), "sep\\u{2028}par\\u{2029}");
    }

    #[test]
    fn the_escaped_form_is_unambiguous() {
        assert_eq!(escape("\\u{1b}"), "\\\\u{1b}");
        assert_ne!(escape("\\u{1b}"), escape("\u{1b}"));
        assert_eq!(escape("C:\\dir"), "C:\\\\dir");
    }

    #[test]
    fn emoji_sequences_keep_their_joiners() {
        let family = "👨\u{200d}👩\u{200d}👧 é ñ 日本";
        assert_eq!(escape(family), family);
    }

    #[test]
    fn nothing_unsafe_is_left_anywhere_in_the_result() {
        for c in (0u32..0x3000).filter_map(char::from_u32) {
            let text = format!("x{c}y");
            let escaped = escape(&text);
            assert!(!escaped.chars().any(is_unsafe), "{c:?}: {escaped}");
            let json = serde_json::to_string(&text).unwrap();
            let escaped = escape_json(&json);
            assert!(!escaped.chars().any(is_unsafe), "{c:?}: {escaped}");
            let back: String = serde_json::from_str(&escaped).unwrap();
            assert_eq!(back, text, "escape_json keeps the value");
        }
    }
}
