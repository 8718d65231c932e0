//! Fitting output to the terminal: a row that wraps onto the next line is unreadable in
//! a table, so on a terminal long free text is cut with `…` (tables) or wrapped with a
//! hanging indent (`show`, `timeline`, `log`); piped output keeps every value whole.
//!
//! Text here is already escaped (`render::safe`) and may carry our own colours, so
//! widths skip colour sequences, and a cut never splits a wide character, a colour
//! sequence or a shown escape such as `\e` or `\u{202e}`.

use std::io::IsTerminal;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Used when the terminal does not say how wide it is.
pub const DEFAULT_WIDTH: usize = 80;

/// The width to fit human output to: `None` when stdout is not a terminal (piped
/// output keeps full values). On a terminal, or under git's pager (`git -p incident`),
/// `COLUMNS` wins, then the terminal's size, then 80.
pub fn terminal_width() -> Option<usize> {
    let stdout = std::io::stdout();
    let terminal = stdout.is_terminal() || std::env::var_os("GIT_PAGER_IN_USE").is_some();
    if !terminal {
        return None;
    }
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0);
    Some(
        columns
            .or_else(|| terminal_size::terminal_size_of(&stdout).map(|(w, _)| w.0 as usize))
            .filter(|&c| c > 0)
            .unwrap_or(DEFAULT_WIDTH),
    )
}

/// A piece of rendered text: a colour sequence (no width) or something shown.
#[derive(Debug, PartialEq)]
enum Unit<'a> {
    Style(&'a str),
    Shown(&'a str, usize),
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

/// Byte length of the unit starting at `s` (non-empty).
fn unit_len(s: &str) -> (usize, bool) {
    let bytes = s.as_bytes();
    match bytes[0] {
        0x1b => {
            // CSI (`ESC [ … final`), OSC (`ESC ] … BEL | ESC \`), or ESC and one more.
            let len = match bytes.get(1) {
                Some(b'[') => bytes[2..]
                    .iter()
                    .position(|b| (0x40..=0x7e).contains(b))
                    .map_or(bytes.len(), |p| p + 3),
                Some(b']') => {
                    let rest = &s[2..];
                    match (rest.find('\u{7}'), rest.find("\u{1b}\\")) {
                        (Some(bel), Some(st)) if st < bel => st + 4,
                        (Some(bel), _) => bel + 3,
                        (None, Some(st)) => st + 4,
                        (None, None) => bytes.len(),
                    }
                }
                Some(_) => 1 + s[1..].chars().next().map_or(0, char::len_utf8),
                None => 1,
            };
            (len, true)
        }
        b'\\' => {
            // The escapes `render::safe` shows: `\e`, `\r`, `\xNN`, `\u{NNNN}`.
            let len = match bytes.get(1) {
                Some(b'e' | b'r') => 2,
                Some(b'x') if bytes.len() >= 4 && is_hex(bytes[2]) && is_hex(bytes[3]) => 4,
                Some(b'u') if bytes.get(2) == Some(&b'{') => bytes[3..]
                    .iter()
                    .position(|b| !is_hex(*b))
                    .filter(|&p| p > 0 && bytes[3 + p] == b'}')
                    .map_or(1, |p| p + 4),
                _ => 1,
            };
            (len, false)
        }
        _ => (s.chars().next().map_or(1, char::len_utf8), false),
    }
}

fn units(text: &str) -> impl Iterator<Item = Unit<'_>> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (len, style) = unit_len(rest);
        let (unit, tail) = rest.split_at(len);
        rest = tail;
        Some(if style {
            Unit::Style(unit)
        } else {
            let width = if unit.starts_with('\\') {
                unit.len()
            } else {
                unit.chars().next().and_then(|c| c.width()).unwrap_or(0)
            };
            Unit::Shown(unit, width)
        })
    })
}

/// The text without colour sequences.
pub fn visible(text: &str) -> String {
    units(text)
        .filter_map(|u| match u {
            Unit::Shown(s, _) => Some(s),
            Unit::Style(_) => None,
        })
        .collect()
}

/// Columns `text` takes on a terminal (one line; colour sequences take none).
pub fn width(text: &str) -> usize {
    if !text.contains('\u{1b}') {
        return text.width();
    }
    visible(text).width()
}

/// `text` cut to at most `max` columns, ending in `…` when anything was cut. Colour
/// sequences are all kept, so a style opened before the cut is still closed after it.
pub fn cut(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    let budget = max.saturating_sub(1);
    let mut out = String::with_capacity(text.len());
    let mut used = 0;
    let mut done = false;
    for unit in units(text) {
        match unit {
            Unit::Style(s) => out.push_str(s),
            Unit::Shown(s, w) if !done && used + w <= budget => {
                out.push_str(s);
                used += w;
            }
            Unit::Shown(..) => {
                if !done && max > 0 {
                    // `…` right after the last word, not after a space.
                    let kept = out.trim_end_matches(' ').len();
                    out.truncate(kept);
                    out.push('…');
                }
                done = true;
            }
        }
    }
    out
}

/// Words of `text` (split at spaces), each with the spaces before it.
fn words(text: &str) -> Vec<(usize, Vec<Unit<'_>>)> {
    let mut words: Vec<(usize, Vec<Unit<'_>>)> = vec![(0, Vec::new())];
    for unit in units(text) {
        let last = words.last_mut().expect("never empty");
        match unit {
            Unit::Shown(" ", _) if last.1.is_empty() => last.0 += 1,
            Unit::Shown(" ", _) => words.push((1, Vec::new())),
            unit => last.1.push(unit),
        }
    }
    words.retain(|(_, word)| !word.is_empty());
    words
}

fn word_width(word: &[Unit<'_>]) -> usize {
    word.iter()
        .map(|u| match u {
            Unit::Shown(_, w) => *w,
            Unit::Style(_) => 0,
        })
        .sum()
}

/// `text` as lines: the first at most `first` columns wide, the others at most `rest`.
/// Breaks at spaces; a word longer than a line is broken where it reaches the edge.
pub fn wrap(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut used = 0;
    let limit = |lines: &Vec<String>| if lines.len() == 1 { first } else { rest }.max(1);
    for (spaces, word) in words(text) {
        let w = word_width(&word);
        if used > 0 && used + spaces + w <= limit(&lines) {
            lines
                .last_mut()
                .expect("never empty")
                .push_str(&" ".repeat(spaces));
            used += spaces;
        } else if used > 0 {
            lines.push(String::new());
            used = 0;
        }
        for unit in word {
            match unit {
                Unit::Style(s) => lines.last_mut().expect("never empty").push_str(s),
                Unit::Shown(s, w) => {
                    if used > 0 && used + w > limit(&lines) {
                        lines.push(String::new());
                        used = 0;
                    }
                    lines.last_mut().expect("never empty").push_str(s);
                    used += w;
                }
            }
        }
    }
    lines
}

/// One line, wrapped to `max` columns: `prefix` starts it, continuation lines are
/// indented by `hang` columns (a hanging indent).
pub fn hanging(prefix: &str, text: &str, max: usize, hang: usize) -> String {
    let first = max.saturating_sub(width(prefix));
    let rest = max.saturating_sub(hang);
    let mut out = String::new();
    for (i, line) in wrap(text, first, rest).into_iter().enumerate() {
        if i == 0 {
            out.push_str(prefix);
        } else {
            out.push('\n');
            out.push_str(&" ".repeat(hang));
        }
        out.push_str(&line);
    }
    out.push('\n');
    out
}

/// Every line of `text` longer than `max` wrapped, continuing `indent` columns
/// further in than the line began; lines that fit are left as they are.
pub fn block(text: &str, max: Option<usize>, indent: usize) -> String {
    let Some(max) = max else {
        return text.to_string();
    };
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        if width(body) <= max {
            out.push_str(line);
            continue;
        }
        let lead = body.len() - body.trim_start_matches(' ').len();
        let (prefix, rest) = body.split_at(lead);
        out.push_str(&hanging(prefix, rest, max, lead + indent));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_skip_colours_and_count_wide_characters_twice() {
        assert_eq!(width("決済API"), 7);
        assert_eq!(width("\u{1b}[1mbold\u{1b}[0m"), 4);
        assert_eq!(width("a\\e[2Jb"), 7);
    }

    #[test]
    fn cuts_never_split_a_wide_character_or_an_escape() {
        assert_eq!(cut("Checkout API returns 500", 10), "Checkout…");
        assert_eq!(cut("Checkout API returns 500", 11), "Checkout A…");
        assert_eq!(cut("short", 10), "short");
        // Each character is 2 columns: 4 leaves room for one and the ellipsis; at 6
        // the third would end past the edge, so the row is a column short instead.
        assert_eq!(cut("決済確認メール", 4), "決…");
        assert_eq!(cut("決済確認メール", 5), "決済…");
        assert_eq!(cut("決済確認メール", 6), "決済…");
        assert_eq!(cut("ab\\e[2Jcd", 4), "ab…");
        assert_eq!(cut("ab\\u{202e}cd", 8), "ab…");
        assert_eq!(cut("ab\\u{202e}cd", 11), "ab\\u{202e}…");
        assert_eq!(
            cut("\u{1b}[2mlong text here\u{1b}[0m", 6),
            "\u{1b}[2mlong…\u{1b}[0m"
        );
        assert!(width(&cut("👍👍👍👍", 6)) <= 6);
    }

    #[test]
    fn wraps_at_spaces_with_a_hanging_indent() {
        assert_eq!(
            hanging("key  ", "one two three four", 15, 5),
            "key  one two\n     three four\n"
        );
        assert_eq!(wrap("abcdefghij", 4, 4), ["abcd", "efgh", "ij"]);
        assert_eq!(
            wrap("INC-1  Postmortem: a", 18, 18),
            ["INC-1  Postmortem:", "a"]
        );
        assert_eq!(wrap("決済確認メール", 5, 5), ["決済", "確認", "メー", "ル"]);
        let text = block("  short\n  a b c d e f g h\n", Some(8), 2);
        assert_eq!(text, "  short\n  a b c\n    d e\n    f g\n    h\n");
        assert_eq!(block("x y z", None, 2), "x y z");
    }
}
