//! The one error type the library returns; the CLI maps it to exit codes.

use std::fmt;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input from the user or a file: the message says what and how to fix it.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// A file that does not parse or violates its schema, with its location. Printed
    /// after the CLI's own `error: `, so without the finding's level.
    #[error("{}", .0.to_string().replacen(": error: ", ": ", 1))]
    File(FileError),
    /// Someone else changed what we were about to overwrite.
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
}

impl Error {
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Invalid(message.into())
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Error::NotFound(message.into())
    }

    /// A problem with the file at `path` as a finding to report while reading on (a file
    /// that does not parse, or is missing); any other error is returned to stop the read.
    pub fn into_file_error(self, path: String) -> Result<FileError> {
        match self {
            Error::File(e) => Ok(e),
            Error::NotFound(message) => Ok(FileError {
                path,
                line: None,
                message: format!("error: {message}"),
            }),
            other => Err(other),
        }
    }
}

/// `PATH:LINE: message`, the shape editors and CI annotate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileError {
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path, line, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
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
