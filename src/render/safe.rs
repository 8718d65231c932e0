//! User text on a terminal. A title, note or name may hold control characters or
//! invisible bidi controls; sent raw they could clear the screen, set the window title,
//! write the clipboard, overwrite a line or reorder what the reader sees. Every piece of
//! user text shown to people goes through here first, and our own colour is added after.
//!
//! Convention: `\e` (ESC), `\r` (CR), `\xNN` (any other C0 control, DEL or C1 control,
//! by code point), `\u{NNNN}` (bidi controls and line/paragraph separators). Backslashes
//! are left alone, so escaping twice changes nothing; `--json` keeps the exact text.

use std::borrow::Cow;
use std::fmt::Write;

/// Characters never sent to a terminal as themselves.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\u{1b}' => out.push_str("\\e"),
        '\r' => out.push_str("\\r"),
        c if c.is_control() => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:04x}}}", c as u32);
        }
    }
}

/// `keep_breaks`: line breaks and tabs stay (multi-line text); otherwise each becomes
/// a space (one line). A CRLF counts as one line break either way.
fn escape(text: &str, keep_breaks: bool) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\t' if keep_breaks => out.push(c),
            '\n' | '\t' => out.push(' '),
            c if is_unsafe(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// One line of user text (a table cell, a heading, a list item, a message).
pub fn line(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// Multi-line user text (a summary, an error message): its lines stay lines.
pub fn block(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

/// A value in double quotes, one token on a line, as git quotes unusual paths:
/// `\"`, `\\` and `\n` besides the escapes above.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn terminal_escapes_are_shown_not_sent() {
        assert_eq!(line("a\u{1b}[2Jb"), "a\\e[2Jb");
        assert_eq!(line("\u{1b}]0;title\u{7}"), "\\e]0;title\\x07");
        assert_eq!(line("\u{1b}]52;c;ZXZpbA==\u{7}"), "\\e]52;c;ZXZpbA==\\x07");
        assert_eq!(line("\u{1b}]8;;https://x\u{1b}\\"), "\\e]8;;https://x\\e\\");
        assert_eq!(line("\u{9b}31m"), "\\x9b31m");
        assert_eq!(line("ok\rfake\u{8}\u{7f}"), "ok\\rfake\\x08\\x7f");
        assert_eq!(line("\u{202e}gpj.exe\u{2066}"), "\\u{202e}gpj.exe\\u{2066}");
        assert_eq!(line("plain 決済 🔥"), "plain 決済 🔥");
    }

    #[test]
    fn lines_flatten_and_blocks_keep_their_breaks() {
        assert_eq!(line("a\nb\tc\r\nd"), "a b c d");
        assert_eq!(block("a\nb\tc\r\nd\re"), "a\nb\tc\nd\\re");
        assert!(matches!(line("nothing to do"), Cow::Borrowed(_)));
    }

    #[test]
    fn quoted_values_are_one_unambiguous_token() {
        assert_eq!(
            quoted("say \"hi\"\n\\\u{1b}"),
            "\"say \\\"hi\\\"\\n\\\\\\e\""
        );
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a\\\\\u{1b}\u{7}\u{8}\u{7f}\u{9b}\u{85}\u{202e}\u{2067}\r\n\t ]{0,20}"
        ]
    }

    proptest! {
        #[test]
        fn escaped_text_holds_no_control_character(s in text()) {
            let one = line(&s);
            prop_assert!(!one.chars().any(is_unsafe), "{one:?}");
            let many = block(&s);
            prop_assert!(!many.chars().any(|c| is_unsafe(c) && c != '\n' && c != '\t'), "{many:?}");
            let token = quoted(&s);
            prop_assert!(!token.chars().any(is_unsafe), "{token:?}");
            prop_assert_eq!(line(&one), one.clone());
            prop_assert_eq!(block(&many), many.clone());
        }
    }
}
