//! Update bodies from Statuspage (and the like) are short HTML fragments: a few `<p>`,
//! `<br>`, links and entities. A small converter covers them; a full HTML engine
//! (html2text pulls in html5ever) would multiply the crate's build time for that.

/// `html` as plain text: tags dropped, `<br>`, `<p>`, `<li>` and `<div>` as line
/// breaks, links kept as `label (url)` when the label is not the URL, entities decoded.
pub fn to_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    let mut href: Option<String> = None;
    let mut label_start = 0;
    while let Some(open) = rest.find('<') {
        out.push_str(&decode(&rest[..open]));
        let Some(close) = rest[open..].find('>') else {
            // A lone `<` is text ("latency < 100ms").
            out.push_str(&decode(&rest[open..]));
            rest = "";
            break;
        };
        let tag = &rest[open + 1..open + close];
        rest = &rest[open + close + 1..];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let closing = tag.starts_with('/');
        match name.as_str() {
            "br" | "p" | "div" | "li" | "ul" | "ol" | "h1" | "h2" | "h3" | "h4" | "tr" => {
                if !out.ends_with('\n') && !out.is_empty() {
                    out.push('\n');
                }
                if name == "li" && !closing {
                    out.push_str("- ");
                }
            }
            "a" if !closing => {
                href = attribute(tag, "href");
                label_start = out.len();
            }
            "a" => {
                if let Some(url) = href.take() {
                    let label = out[label_start..].trim();
                    if label.is_empty() {
                        out.push_str(&url);
                    } else if label != url {
                        out.push_str(&format!(" ({url})"));
                    }
                }
            }
            _ => {}
        }
    }
    out.push_str(&decode(rest));
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    lines.join("\n").trim().to_string()
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let at = tag.to_ascii_lowercase().find(&format!("{name}="))?;
    let value = &tag[at + name.len() + 1..];
    let quote = value.chars().next()?;
    let value = match quote {
        '"' | '\'' => value[1..].split(quote).next()?,
        _ => value.split_whitespace().next()?,
    };
    Some(decode(value))
}

/// Named entities that occur in status-page text, and numeric ones.
fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&end| end <= 10).and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                "ndash" => Some('–'),
                "mdash" => Some('—'),
                "hellip" => Some('…'),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::to_text;

    #[test]
    fn tags_breaks_links_and_entities() {
        assert_eq!(
            to_text(
                "<p>Checkout is <b>down</b>.</p><p>We&#39;re on it &amp; will update.<br/>Next: 10:30</p>"
            ),
            "Checkout is down.\nWe're on it & will update.\nNext: 10:30"
        );
        assert_eq!(
            to_text(r#"See <a href="https://status.example/x">the status page</a>"#),
            "See the status page (https://status.example/x)"
        );
        assert_eq!(
            to_text("latency < 100ms &unknown; ok"),
            "latency < 100ms &unknown; ok"
        );
        assert_eq!(to_text("<ul><li>one</li><li>two</li></ul>"), "- one\n- two");
    }
}
