//! The postmortem document as HTML: the same Markdown `postmortem show --format md`
//! prints (so the sections, their order and their labels are the same), rendered with
//! pulldown-cmark. The Markdown escapes user text already; as a second guard any raw
//! HTML left in it is shown as text, links go only to http(s) URLs, and headings move
//! one level down to sit under the page's own title.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::model::link::is_web_url;
use crate::site::html::esc;

pub fn to_html(markdown: &str) -> String {
    let mut dropped_links = Vec::new();
    // Each body cell carries its column's name, for the narrow-screen cards.
    let mut columns: Vec<String> = Vec::new();
    let mut in_head = false;
    let mut column = 0;
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES).filter_map(|event| {
        Some(match event {
            Event::Start(Tag::TableHead) => {
                in_head = true;
                columns.clear();
                Event::Start(Tag::TableHead)
            }
            Event::End(TagEnd::TableHead) => {
                in_head = false;
                Event::End(TagEnd::TableHead)
            }
            Event::Start(Tag::TableCell) if in_head => {
                columns.push(String::new());
                Event::Start(Tag::TableCell)
            }
            Event::Text(text) if in_head => {
                if let Some(name) = columns.last_mut() {
                    name.push_str(&text);
                }
                Event::Text(text)
            }
            Event::Start(Tag::TableRow) => {
                column = 0;
                Event::Start(Tag::TableRow)
            }
            Event::Start(Tag::TableCell) => {
                let label = columns.get(column).map(String::as_str).unwrap_or_default();
                column += 1;
                Event::Html(CowStr::from(format!("<td data-label=\"{}\">", esc(label))))
            }
            Event::End(TagEnd::TableCell) if !in_head => Event::Html(CowStr::from("</td>")),
            // The table cells' line breaks are the only HTML the Markdown writes.
            Event::InlineHtml(html) if html.as_ref() == "<br>" => Event::InlineHtml(html),
            Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let web = is_web_url(&dest_url);
                dropped_links.push(!web);
                if !web {
                    return None;
                }
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::End(TagEnd::Link) => {
                if dropped_links.pop().unwrap_or(false) {
                    return None;
                }
                Event::End(TagEnd::Link)
            }
            // The Markdown never holds an image; any that slips in shows as its text.
            Event::Start(Tag::Image { dest_url, .. }) => {
                dropped_links.push(true);
                Event::Text(CowStr::from(format!("{dest_url} ")))
            }
            Event::End(TagEnd::Image) => {
                dropped_links.pop();
                return None;
            }
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => Event::Start(Tag::Heading {
                level: lower(level),
                id,
                classes,
                attrs,
            }),
            Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(lower(level))),
            other => other,
        })
    });
    let mut out = String::with_capacity(markdown.len() * 2);
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

fn lower(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn raw_html_and_script_links_stay_text() {
        let html = to_html(
            "# T\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <https://ok.example/a>\n",
        );
        assert!(html.contains("<h2>T</h2>"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("javascript:alert(1)\""), "{html}");
        assert!(html.contains("<a href=\"https://ok.example/a\">"), "{html}");
    }

    #[test]
    fn table_cells_keep_their_line_breaks() {
        let html = to_html("| a | b |\n|---|---|\n| x<br>y | z |\n");
        assert!(html.contains("<td data-label=\"a\">x<br>y</td>"), "{html}");
    }
}
