//! The one error type the library returns. Each error has a kind, which alone decides
//! the exit code (`ErrorKind::exit_code`), and may carry a hint on what to do next.

use std::fmt;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line asks for something that cannot be done as asked.
    #[error("{0}")]
    Usage(String),
    /// Bad input from the user or a file: the message says what and how to fix it.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// A file that does not parse or violates its schema, with its location. Printed
    /// after the CLI's own `error: `, so without the finding's level.
    #[error("{}", .0.location_and_message())]
    File(Finding),
    /// Someone else changed what we were about to overwrite: trying again may succeed.
    #[error("{0}")]
    Conflict(String),
    #[error("{context}: {source}")]
    Git {
        context: String,
        #[source]
        source: git2::Error,
    },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// Any of the above with a next step for the reader.
    #[error("{error}")]
    Hinted { error: Box<Error>, hint: String },
}

/// What went wrong, for the exit code and for scripts reading `--json` errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Usage,
    NotFound,
    Invalid,
    Conflict,
    Io,
    Git,
}

/// Exit codes: the one place they are decided.
pub mod exit {
    pub const SUCCESS: i32 = 0;
    /// Anything that is not one of the codes below, and a read that had to skip a file.
    pub const FAILURE: i32 = 1;
    /// The command line was wrong (clap uses 2 as well).
    pub const USAGE: i32 = 2;
    /// Someone else moved the branch (or holds its lock) while we wrote: run the same
    /// command again. `EX_TEMPFAIL` from sysexits.h.
    pub const RETRY: i32 = 75;
}

impl ErrorKind {
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::Usage => exit::USAGE,
            ErrorKind::Conflict => exit::RETRY,
            ErrorKind::NotFound | ErrorKind::Invalid | ErrorKind::Io | ErrorKind::Git => {
                exit::FAILURE
            }
        }
    }
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Invalid(message.into())
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Error::NotFound(message.into())
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Usage(_) => ErrorKind::Usage,
            Error::Invalid(_) | Error::File(_) => ErrorKind::Invalid,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::Git { source, .. } if is_lock_conflict(source) => ErrorKind::Conflict,
            Error::Git { .. } => ErrorKind::Git,
            Error::Io { .. } => ErrorKind::Io,
            Error::Hinted { error, .. } => error.kind(),
        }
    }

    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::Hinted { hint, .. } => Some(hint),
            _ => None,
        }
    }

    /// The error without its hint, to match on what it is.
    pub fn inner(&self) -> &Error {
        match self {
            Error::Hinted { error, .. } => error.inner(),
            other => other,
        }
    }

    /// The same error with `hint` as its next step (replacing any earlier one).
    pub fn with_hint(self, hint: impl Into<String>) -> Self {
        let error = match self {
            Error::Hinted { error, .. } => error,
            other => Box::new(other),
        };
        Error::Hinted {
            error,
            hint: hint.into(),
        }
    }

    /// A problem with the file at `path` as a finding to report while reading on (a file
    /// that does not parse, or is missing); any other error is returned to stop the read.
    pub fn into_file_error(self, path: String) -> Result<FileError> {
        match self {
            Error::File(e) => Ok(e),
            Error::NotFound(message) => Ok(Finding::error(path, None, message)),
            other => Err(other),
        }
    }
}

/// Another writer holds the branch's ref lock (`refs/heads/incidents.lock`) or moved
/// the ref under us: the same command may succeed when tried again.
fn is_lock_conflict(error: &git2::Error) -> bool {
    matches!(
        error.code(),
        git2::ErrorCode::Locked | git2::ErrorCode::Modified
    )
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

/// `PATH:LINE: level: message`, the shape editors and CI annotate: a file that does not
/// parse, or a rule `check` enforces.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    pub path: String,
    pub line: Option<usize>,
    pub level: Level,
    pub message: String,
}

/// A finding that stops a file from being read: always at the error level.
pub type FileError = Finding;

impl Finding {
    pub fn error(path: impl Into<String>, line: Option<usize>, message: impl Into<String>) -> Self {
        Finding {
            path: path.into(),
            line,
            level: Level::Error,
            message: message.into(),
        }
    }

    /// `PATH:LINE: message`, for a line that already says its level.
    fn location_and_message(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{}: {}", self.path, line, self.message),
            None => format!("{}: {}", self.path, self.message),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = self.level.as_str();
        match self.line {
            Some(line) => write!(f, "{}:{}: {level}: {}", self.path, line, self.message),
            None => write!(f, "{}: {level}: {}", self.path, self.message),
        }
    }
}

pub trait GitContext<T> {
    fn context(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> GitContext<T> for std::result::Result<T, git2::Error> {
    fn context(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::Git {
            context: context(),
            source,
        })
    }
}

impl<T> GitContext<T> for std::result::Result<T, std::io::Error> {
    fn context(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::Io {
            context: context(),
            source,
        })
    }
}
