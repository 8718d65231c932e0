//! The frame every page shares: head, navigation and footer, with links relative to the
//! page so the site works from `file://` and from any sub-path of a static host.

use crate::site::html::esc;
use crate::site::i18n::Chrome;

/// Which entry of the navigation is the current page.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Incidents,
    Actions,
    Metrics,
    /// An incident's page, one directory down.
    Incident,
}

pub struct Frame<'a> {
    pub chrome: &'a Chrome,
    pub nav: Nav,
    /// The page's path under the site root, for `<link rel=canonical>`.
    pub path: &'a str,
    /// The absolute URL the site is published at (ends with `/`), when known.
    pub base_url: Option<&'a str>,
    pub title: &'a str,
    /// A script of the site's own to load at the end of the body.
    pub script: Option<&'a str>,
}

impl Frame<'_> {
    /// `../` from an incident page, nothing from the root.
    fn root(&self) -> &'static str {
        match self.nav {
            Nav::Incident => "../",
            _ => "",
        }
    }

    pub fn page(&self, body: &str) -> String {
        let c = self.chrome;
        let root = self.root();
        let mut out = String::with_capacity(body.len() + 2048);
        out.push_str("<!DOCTYPE html>\n<html lang=\"");
        out.push_str(c.lang);
        out.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        out.push_str(&format!("<title>{}</title>\n", esc(self.title)));
        // No icon: a browser would otherwise ask the host for /favicon.ico, outside the site.
        out.push_str("<link rel=\"icon\" href=\"data:,\">\n");
        out.push_str(&format!(
            "<link rel=\"stylesheet\" href=\"{root}assets/site.css\">\n"
        ));
        let feed = match self.base_url {
            Some(base) => format!("{base}feed.xml"),
            None => format!("{root}feed.xml"),
        };
        out.push_str(&format!(
            "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"{}\">\n",
            esc(&feed)
        ));
        if let Some(base) = self.base_url {
            out.push_str(&format!(
                "<link rel=\"canonical\" href=\"{}\">\n",
                esc(&format!("{base}{}", self.path))
            ));
        }
        out.push_str("</head>\n<body>\n<header class=\"site\">\n<nav>\n");
        for (nav, href, label) in [
            (Nav::Incidents, "index.html", c.incidents),
            (Nav::Actions, "actions.html", c.actions),
            (Nav::Metrics, "metrics.html", c.metrics),
        ] {
            let current = if nav == self.nav {
                " aria-current=\"page\""
            } else {
                ""
            };
            out.push_str(&format!(
                "<a href=\"{root}{href}\"{current}>{}</a>\n",
                esc(label)
            ));
        }
        out.push_str("</nav>\n</header>\n<main>\n");
        out.push_str(body);
        out.push_str("</main>\n<footer class=\"site\"><p>git-incident</p></footer>\n");
        if let Some(script) = self.script {
            out.push_str(&format!("<script src=\"{root}{script}\"></script>\n"));
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}
