//! The values of `changes.caused_by` and `changes.fixed_by`: a commit of the code
//! repository (stored as its full id, so that it names one commit for good), a pull or
//! merge request URL, or `#123`, a request number on the team's forge.

use serde::Serialize;

use crate::model::link::is_web_url;

/// A commit of the code repository as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeCommit {
    pub id: String,
    pub short_id: String,
    pub subject: String,
    pub author: String,
    /// Committer time, Unix seconds: when the change was made on its branch.
    pub time: i64,
}

/// A stored value of `changes.caused_by` or `fixed_by` with what it leads to, for
/// `show` and its `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct LinkedChange {
    /// As stored.
    pub value: String,
    /// `commit`, `url`, `request` (`#123`) or `invalid`.
    pub kind: &'static str,
    /// Where a reader opens it: the URL, or `#123` on the configured forge.
    pub url: Option<String>,
    /// The commit, when it is one and this repository has it.
    pub commit: Option<CodeCommit>,
    /// Seconds from the commit to the incident's start (positive: made before it).
    pub before_started: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LinkedChanges {
    pub caused_by: Vec<LinkedChange>,
    pub fixed_by: Vec<LinkedChange>,
}

/// A stored change link, as a reader follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeLink<'a> {
    /// A full commit id (40 hex digits, lowercase as git prints it).
    Commit(&'a str),
    /// A pull/merge request (or any page about the change), as its URL.
    Url(&'a str),
    /// `#123`: a request number, a URL once `forge_url` is configured.
    Number(u64),
}

impl<'a> ChangeLink<'a> {
    /// What a stored value is; `None` for a malformed one.
    pub fn parse(value: &'a str) -> Option<ChangeLink<'a>> {
        if is_full_commit_id(value) {
            Some(ChangeLink::Commit(value))
        } else if is_web_url(value) {
            Some(ChangeLink::Url(value))
        } else {
            request_number(value).map(ChangeLink::Number)
        }
    }
}

/// A value typed on the command line that is kept as typed (a URL or `#123`); anything
/// else must be a revision, resolved to a full commit id before it is stored.
pub fn is_kept_as_typed(value: &str) -> bool {
    is_web_url(value) || request_number(value).is_some()
}

pub fn is_full_commit_id(value: &str) -> bool {
    value.len() == 40
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn request_number(value: &str) -> Option<u64> {
    let digits = value.strip_prefix('#')?;
    let plain = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    plain.then(|| digits.parse().ok()).flatten()
}

/// Why a stored value is malformed, for `check`.
pub fn problem(field: &str, value: &str) -> String {
    format!(
        "invalid {field} {value:?}: expected a full commit id (`git incident set` resolves any revision to one), a pull/merge request URL or #123"
    )
}

/// The URL of request `number` on the forge at `forge_url`. A URL with `{number}` is a
/// template; otherwise GitLab hosts get `/-/merge_requests/N` and every other forge
/// (GitHub, Gitea, Forgejo) `/pull/N`.
pub fn request_url(forge_url: &str, number: u64) -> String {
    if forge_url.contains("{number}") {
        return forge_url.replace("{number}", &number.to_string());
    }
    let base = forge_url.trim_end_matches('/');
    let host = base
        .split_once("://")
        .map_or(base, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default();
    if host.to_ascii_lowercase().contains("gitlab") {
        format!("{base}/-/merge_requests/{number}")
    } else {
        format!("{base}/pull/{number}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_are_commits_urls_or_request_numbers() {
        let id = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(ChangeLink::parse(id), Some(ChangeLink::Commit(id)));
        let url = "https://github.com/org/repo/pull/9";
        assert_eq!(ChangeLink::parse(url), Some(ChangeLink::Url(url)));
        assert_eq!(ChangeLink::parse("#123"), Some(ChangeLink::Number(123)));
        for bad in [
            "HEAD~3",
            "0123abc",
            "#",
            "#12a",
            "# 1",
            &id.to_uppercase(),
            "",
        ] {
            assert_eq!(ChangeLink::parse(bad), None, "{bad}");
        }
        assert!(is_kept_as_typed("#7") && is_kept_as_typed(url));
        assert!(!is_kept_as_typed("main") && !is_kept_as_typed(id));
    }

    #[test]
    fn request_numbers_become_the_forges_urls() {
        assert_eq!(
            request_url("https://github.com/org/repo/", 12),
            "https://github.com/org/repo/pull/12"
        );
        assert_eq!(
            request_url("https://gitlab.example.com/group/repo", 12),
            "https://gitlab.example.com/group/repo/-/merge_requests/12"
        );
        assert_eq!(
            request_url("https://git.example/r/pulls/{number}/files", 12),
            "https://git.example/r/pulls/12/files"
        );
    }
}
