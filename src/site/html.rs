//! Escaping for the places user text lands in a page: element text and attribute
//! values, link targets (only http(s) URLs become links) and JSON inside a `<script>`.

use std::fmt::Write;

use crate::model::link::is_web_url;

/// Text for an element or a quoted attribute value.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_esc(&mut out, text);
    out
}

pub fn push_esc(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than line breaks and tabs have no place in a page.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

/// A link to `url` labelled `label` when `url` is an http(s) URL; the escaped text of
/// `url` otherwise (a `javascript:` link is shown, never followed).
pub fn link(url: &str, label: &str) -> String {
    if is_web_url(url) {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            esc(url),
            esc(label)
        )
    } else {
        format!("<span class=\"not-a-link\">{}</span>", esc(url))
    }
}

/// Paragraphs of user text: blank lines separate paragraphs, line breaks stay.
pub fn paragraphs(text: &str) -> String {
    let mut out = String::new();
    for paragraph in text.trim().split("\n\n").filter(|p| !p.trim().is_empty()) {
        out.push_str("<p>");
        out.push_str(&esc(paragraph.trim()).replace('\n', "<br>"));
        out.push_str("</p>\n");
    }
    out
}

/// JSON for inside a `<script>` element: `<` is written `\u003c`, so neither
/// `</script>` nor `<!--` can end or change the element; U+2028 and U+2029 are escaped
/// for older JavaScript parsers.
pub fn script_json(value: &impl serde::Serialize) -> String {
    let text = serde_json::to_string(value).expect("our JSON values always serialize");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_cannot_open_markup() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(esc("a\u{0}b"), "a\u{fffd}b");
    }

    #[test]
    fn only_web_urls_become_links() {
        assert_eq!(
            link("javascript:alert(1)", "x"),
            "<span class=\"not-a-link\">javascript:alert(1)</span>"
        );
        assert!(
            link("https://grafana.example/d?a=1&b=\"2\"", "1")
                .starts_with("<a href=\"https://grafana.example/d?a=1&amp;b=&quot;2&quot;\"")
        );
    }

    #[test]
    fn json_in_a_script_cannot_close_it() {
        let text = script_json(&serde_json::json!({"t": "</script><!-- \u{2028}"}));
        assert!(!text.contains('<'), "{text}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap()["t"],
            "</script><!-- \u{2028}"
        );
    }

    #[test]
    fn paragraphs_keep_lines() {
        assert_eq!(
            paragraphs("a\nb\n\n<c>"),
            "<p>a<br>b</p>\n<p>&lt;c&gt;</p>\n"
        );
    }
}
