//! User text in Markdown (pull-request comments, wiki pages). Each value is escaped for
//! the place it lands — table cell, paragraph, list item, heading, link — so no value
//! can open or close a structure (an HTML comment, a code fence, a table row, a list)
//! and hide what follows it from a reviewer. Text is made terminal-safe first
//! (`render::safe`), since Markdown is read in terminals too.
//!
//! HTML's `<` and `&` become entities; Markdown punctuation gets a backslash; each
//! line loses its leading and trailing blanks (which would make code blocks or hard
//! breaks); where a line can start a block, its marker (`-`, `+`, `=`, `>`, `1.`) is
//! escaped; pipes are escaped where they could make or split a table.

use crate::render::safe;

/// Where a line of user text lands.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    /// A table cell: inline content only, but a pipe ends the cell.
    Cell,
    /// A heading or a one-line list item: its start could open a block.
    Line,
    /// A line of a paragraph: its start could open a block, and with the next line
    /// its pipes could make a table.
    Paragraph,
}

/// One line's escapes; `text` holds no line break.
fn push_line(out: &mut String, text: &str, place: Place) {
    let text = text.trim_matches([' ', '\t']);
    let starts_block = place != Place::Cell;
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let mut previous = ' ';
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map_or(' ', |(_, c)| *c);
        let before = std::mem::replace(&mut previous, c);
        match c {
            // Inside a word (`in_progress`) an underscore cannot start emphasis.
            '_' if before.is_alphanumeric() && next.is_alphanumeric() => out.push(c),
            '<' => out.push_str("&lt;"),
            '&' => out.push_str("&amp;"),
            '\t' => out.push(' '),
            '|' if place == Place::Line => out.push(c),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '>' if i == 0 && starts_block => out.push_str("&gt;"),
            '-' | '+' | '=' if i == 0 && starts_block => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if i == digits && i > 0 && starts_block => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
}

/// The text's lines, terminal-safe and escaped, without blank lines at either end.
fn lines(text: &str, place: Place) -> Vec<String> {
    let text = safe::block(text);
    let text = text.trim_matches([' ', '\t', '\n']);
    text.split('\n')
        .map(|l| {
            let mut out = String::new();
            push_line(&mut out, l, place);
            out
        })
        .collect()
}

fn one_line(text: &str, place: Place) -> String {
    let mut out = String::new();
    push_line(&mut out, &safe::line(text), place);
    out
}

/// Text on one line: a heading, a list item, a line of ours around it.
pub fn inline(text: &str) -> String {
    one_line(text, Place::Line)
}

/// A table cell: line breaks become `<br>`.
pub fn cell(text: &str) -> String {
    lines(text, Place::Cell).join("<br>")
}

/// Paragraphs: lines stay lines, blank lines separate paragraphs. Ends with a newline
/// unless empty.
pub fn paragraphs(text: &str) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in lines(text, Place::Paragraph) {
        if line.is_empty() {
            blank = true;
            continue;
        }
        if blank {
            out.push('\n');
            blank = false;
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A block quote of paragraphs.
pub fn quote(text: &str) -> String {
    paragraphs(text)
        .lines()
        .map(|l| {
            if l.is_empty() {
                ">\n".into()
            } else {
                format!("> {l}\n")
            }
        })
        .collect()
}

/// A code span for a name or path; text a code span cannot hold plainly (a backtick,
/// a pipe, blanks at its ends) is shown as escaped text instead. Safe in a cell.
pub fn code(text: &str) -> String {
    let text = safe::line(text);
    let plain = !text.is_empty()
        && !text.contains(['`', '|'])
        && !text.starts_with(' ')
        && !text.ends_with(' ');
    if plain {
        format!("`{text}`")
    } else {
        one_line(&text, Place::Cell)
    }
}

/// An http(s) URL, ready to be a link destination or an autolink: anything that could
/// end one (blanks, brackets, quotes, pipes) is percent-encoded. Other schemes (say
/// `javascript:`) are not links.
fn url(link: &str) -> Option<String> {
    let lower = link.get(..8).unwrap_or(link).to_ascii_lowercase();
    if !lower.starts_with("https://") && !lower.starts_with("http://") {
        return None;
    }
    let mut out = String::with_capacity(link.len());
    for c in link.chars() {
        if c.is_whitespace() || safe::is_unsafe(c) || "<>\"'`|\\()[]{}^".contains(c) {
            let mut bytes = [0; 4];
            for b in c.encode_utf8(&mut bytes).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// `<url>`, or the escaped text when it is not an http(s) URL. Safe in a cell.
pub fn autolink(link: &str) -> String {
    match url(link) {
        Some(url) => format!("<{url}>"),
        None => one_line(link, Place::Cell),
    }
}

/// `[label](url)`, or the escaped text when it is not an http(s) URL. Safe in a cell.
pub fn link(label: &str, link: &str) -> String {
    match url(link) {
        Some(url) => format!("[{}]({url})", one_line(label, Place::Cell)),
        None => one_line(link, Place::Cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

    fn events(markdown: &str) -> Vec<Event<'_>> {
        Parser::new_ext(
            markdown,
            Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
        )
        .collect()
    }

    /// What a reader should see: the terminal-safe text, tabs as spaces, each line
    /// without blanks at its ends.
    fn visible_lines(text: &str) -> Vec<String> {
        let text = safe::block(text).replace('\t', " ");
        text.trim_matches([' ', '\n'])
            .split('\n')
            .map(|l| l.trim_matches(' ').to_string())
            .collect()
    }

    /// The plain text of `events` between `start` and `end`, failing on any other
    /// inline structure (code, emphasis, links, HTML).
    fn plain_text(events: &[Event<'_>]) -> Result<String, String> {
        let mut out = String::new();
        for event in events {
            match event {
                Event::Text(t) => out.push_str(t),
                Event::SoftBreak => out.push('\n'),
                Event::InlineHtml(h) if h.as_ref() == "<br>" => out.push('\n'),
                other => return Err(format!("unexpected {other:?}")),
            }
        }
        Ok(out)
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[-a1 .)(#>+*=`~<>!&|\\\\\\[\\]_:$\u{1b}\u{9b}\u{202e}\t\r\n]{0,30}",
            "(<!--|```|~~~|</details>|<script>|    |1\\. |\\* |- |> |# |\\|| |\n|x){0,8}",
        ]
    }

    #[test]
    fn structures_are_escaped() {
        assert_eq!(inline("<!-- hide"), "&lt;!-- hide");
        assert_eq!(inline("# not a heading #"), "\\# not a heading \\#");
        assert_eq!(inline("- not a list"), "\\- not a list");
        assert_eq!(inline("12. not a list"), "12\\. not a list");
        assert_eq!(
            inline("a | b `c` *d* [e](f)"),
            "a | b \\`c\\` \\*d\\* \\[e\\](f)"
        );
        assert_eq!(inline("> x -> y"), "&gt; x -> y");
        assert_eq!(cell("+ a | b"), "+ a \\| b");
        assert_eq!(inline("in_progress _x_"), "in_progress \\_x\\_");
        assert_eq!(cell("one\r\ntwo\n"), "one<br>two");
        assert_eq!(
            paragraphs("```\ncode\n\n\n    indented"),
            "\\`\\`\\`\ncode\n\nindented\n"
        );
        assert_eq!(quote("a\n\nb"), "> a\n>\n> b\n");
        assert_eq!(inline("\u{1b}[2J"), "\\\\e\\[2J");
    }

    #[test]
    fn names_are_code_unless_a_code_span_cannot_hold_them() {
        assert_eq!(code("summary"), "`summary`");
        assert_eq!(code("a`b"), "a\\`b");
        assert_eq!(code("a|b"), "a\\|b");
        assert_eq!(code(""), "");
    }

    #[test]
    fn only_web_urls_become_links() {
        assert_eq!(
            autolink("https://x.example/a b><!--"),
            "<https://x.example/a%20b%3E%3C!-->"
        );
        assert_eq!(link("1", "https://x/(a)|b"), "[1](https://x/%28a%29%7Cb)");
        assert_eq!(autolink("javascript:alert(1)"), "javascript:alert(1)");
        assert_eq!(link("1", "<!--"), "&lt;!--");
    }

    proptest! {
        #[test]
        fn a_cell_is_one_cell_of_plain_text(s in text()) {
            let md = format!("| h | x |\n| --- | --- |\n| {} | {} |\n", cell(&s), code(&s));
            let events = events(&md);
            let cells: Vec<usize> = events.iter().enumerate()
                .filter(|(_, e)| matches!(e, Event::Start(Tag::TableCell)))
                .map(|(i, _)| i)
                .collect();
            prop_assert_eq!(cells.len(), 4, "{}\n{:?}", md, events);
            let inside = |start: usize| {
                let end = start + events[start..].iter()
                    .position(|e| matches!(e, Event::End(TagEnd::TableCell)))
                    .expect("cell ends");
                &events[start..end]
            };
            let text = plain_text(inside(cells[2] + 1)).map_err(TestCaseError::fail)?;
            prop_assert_eq!(text, visible_lines(&s).join("\n"), "{}", md);
            let name = match inside(cells[3] + 1) {
                [Event::Code(name)] => name.to_string(),
                other => plain_text(other).map_err(TestCaseError::fail)?,
            };
            let visible = safe::line(&s);
            prop_assert_eq!(name, visible.trim_matches(' '), "{}", md);
        }

        #[test]
        fn paragraphs_are_plain_text_line_for_line(s in text()) {
            let md = paragraphs(&s);
            let mut expected = Vec::new();
            for line in visible_lines(&s) {
                // Blank lines between paragraphs collapse into one.
                if !line.is_empty() || expected.last().is_some_and(|l: &String| !l.is_empty()) {
                    expected.push(line);
                }
            }
            let mut seen = String::new();
            for event in events(&md) {
                match event {
                    Event::Start(Tag::Paragraph) => {}
                    Event::End(TagEnd::Paragraph) => seen.push_str("\n\n"),
                    other => seen.push_str(
                        &plain_text(&[other]).map_err(|e| TestCaseError::fail(format!("{e} in {md}")))?,
                    ),
                }
            }
            prop_assert_eq!(seen.trim_end_matches('\n'), expected.join("\n"), "{}", md);
        }

        #[test]
        fn a_list_item_or_heading_is_one_line_of_plain_text(s in text()) {
            let visible = safe::line(&s).trim_matches([' ', '\t']).replace('\t', " ");
            for (md, open) in [
                (format!("- {}\n", inline(&s)), Tag::Item),
                (format!("1. {}\n", inline(&s)), Tag::Item),
                (format!("## {}\n", inline(&s)), Tag::Heading {
                    level: pulldown_cmark::HeadingLevel::H2,
                    id: None,
                    classes: vec![],
                    attrs: vec![],
                }),
            ] {
                let events = events(&md);
                let start = events.iter().position(|e| *e == Event::Start(open.clone()));
                prop_assert!(start.is_some(), "{} {:?}", md, events);
                let start = start.unwrap_or_default() + 1;
                let end = events.len() - if matches!(open, Tag::Item) { 2 } else { 1 };
                let text = plain_text(&events[start..end])
                    .map_err(|e| TestCaseError::fail(format!("{e} in {md}")))?;
                prop_assert_eq!(&text, &visible, "{}", md);
            }
        }
    }
}
