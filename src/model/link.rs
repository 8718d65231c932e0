//! Links in incidents and postmortems (timeline evidence, postmortem `links`, an action
//! item's tracker `link`) are web pages a reader opens: absolute http(s) URLs.

use crate::error::{Error, Result};

/// Whether `link` is an absolute http(s) URL with a host and no blanks.
pub fn is_web_url(link: &str) -> bool {
    let rest = ["https://", "http://"].iter().find_map(|scheme| {
        link.get(..scheme.len())
            .filter(|start| start.eq_ignore_ascii_case(scheme))
            .map(|_| &link[scheme.len()..])
    });
    let Some(rest) = rest else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    !host.is_empty() && !host.starts_with(':') && !link.contains(char::is_whitespace)
}

/// What is wrong with a link that is not a web URL, for check findings and refusals.
pub fn problem(link: &str) -> String {
    format!("{link:?} is not an absolute http(s) URL (like https://grafana.example/d/abc)")
}

/// Refuses a link typed on the command line for `what` (`--link`, `links`).
pub fn require_web_url(what: &str, link: &str) -> Result<()> {
    if is_web_url(link) {
        Ok(())
    } else {
        Err(Error::invalid(format!("invalid {what}: {}", problem(link))))
    }
}

#[cfg(test)]
mod tests {
    use super::is_web_url;

    #[test]
    fn only_absolute_web_urls_are_links() {
        for good in [
            "https://grafana.example/d/abc?from=1",
            "http://localhost:3000",
            "HTTPS://x",
            "https://user@host/path",
        ] {
            assert!(is_web_url(good), "{good}");
        }
        for bad in [
            "",
            "notaurl",
            "grafana.example/d/abc",
            "https://",
            "https:///path",
            "https://:80",
            "ftp://files.example/x",
            "javascript:alert(1)",
            "https://a b",
            " https://a",
        ] {
            assert!(!is_web_url(bad), "{bad}");
        }
    }
}
