//! Commit identities by git's own rules: `git var` applies config, the
//! `GIT_AUTHOR_*` / `GIT_COMMITTER_*` variables and every date format git accepts.

use std::path::Path;
use std::process::Command;

use chrono::{DateTime, FixedOffset, TimeZone};

use crate::error::{Error, Result};
use crate::model::Timestamp;
use crate::model::time::out_of_range;

#[derive(Debug, Clone)]
pub struct Ident {
    pub name: String,
    pub email: String,
    pub time: DateTime<FixedOffset>,
}

impl Ident {
    pub fn signature(&self) -> Result<git2::Signature<'static>> {
        let offset_minutes = self.time.offset().local_minus_utc() / 60;
        git2::Signature::new(
            &self.name,
            &self.email,
            &git2::Time::new(self.time.timestamp(), offset_minutes),
        )
        .map_err(|e| Error::invalid(format!("invalid identity {}: {}", self.name, e.message())))
    }
}

pub fn author(git_dir: &Path) -> Result<Ident> {
    git_var(git_dir, "GIT_AUTHOR_IDENT")
}

pub fn committer(git_dir: &Path) -> Result<Ident> {
    git_var(git_dir, "GIT_COMMITTER_IDENT")
}

fn git_var(git_dir: &Path, var: &str) -> Result<Ident> {
    let line = read_git_var(Some(git_dir), var).map_err(|why| {
        Error::invalid(format!(
            "could not determine your identity ({var}); set it with `git config user.name` and `git config user.email`\n{why}"
        ))
    })?;
    let ident = parse_ident(&line).ok_or_else(|| {
        Error::invalid(format!("git printed an identity we cannot read for {var}"))
    })?;
    // git accepts dates past year 9999; the times a write records could not be stored.
    if Timestamp::new(ident.time).is_none() {
        let date = var.replace("IDENT", "DATE");
        return Err(out_of_range(&format!(
            "the {date} {}",
            ident.time.to_rfc3339()
        )));
    }
    Ok(ident)
}

/// A value `git var` computes by git's own precedence rules (identities, editor, pager),
/// for the repository at `git_dir` or the one around the current directory; the reason
/// when git cannot say.
pub fn read_git_var(git_dir: Option<&Path>, var: &str) -> std::result::Result<String, String> {
    let mut command = Command::new("git");
    if let Some(dir) = git_dir {
        command.arg("--git-dir").arg(dir);
    }
    let output = command
        .args(["var", var])
        .output()
        .map_err(|e| format!("could not run git: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// `Name <email> 1700000000 +0900`
pub fn parse_ident(line: &str) -> Option<Ident> {
    let mut parts = line.rsplitn(3, ' ');
    let offset = parts.next()?;
    let seconds: i64 = parts.next()?.parse().ok()?;
    let who = parts.next()?;
    let (name, email) = who.rsplit_once(" <")?;
    let email = email.strip_suffix('>')?;
    let sign = match offset.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hours: i32 = offset.get(1..3)?.parse().ok()?;
    let minutes: i32 = offset.get(3..5)?.parse().ok()?;
    let zone = FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))?;
    Some(Ident {
        name: name.to_string(),
        email: email.to_string(),
        time: zone.timestamp_opt(seconds, 0).single()?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_git_var_output() {
        let ident = super::parse_ident("Pat Doe <pat@example.com> 1763859600 +0900").unwrap();
        assert_eq!(ident.name, "Pat Doe");
        assert_eq!(ident.time.to_rfc3339(), "2025-11-23T10:00:00+09:00");
    }
}
