//! Long output goes through git's pager, only on a terminal, as git itself does.

use std::io::{IsTerminal, Write};
use std::process::{Child, Command, Stdio};

/// Where output goes: the pager's input, or stdout. Written to piece by piece, so a
/// long history starts showing at once instead of after the whole walk.
pub struct Stream {
    pager: Option<Child>,
    /// The reader went away (`| head`, quitting the pager): stop producing, no error.
    closed: bool,
}

impl Stream {
    /// Through the pager when `page` and stdout is a terminal; else straight to stdout.
    pub fn open(page: bool) -> Stream {
        let pager = (page
            && std::io::stdout().is_terminal()
            && std::env::var_os("GIT_PAGER_IN_USE").is_none())
        .then(pager_command)
        .flatten()
        .and_then(|command| spawn_pager(&command).ok());
        Stream {
            pager,
            closed: false,
        }
    }

    /// Writes `text`; returns `false` once the reader has gone, so callers can stop.
    pub fn write(&mut self, text: &str) -> std::io::Result<bool> {
        self.write_bytes(text.as_bytes())
    }

    fn write_bytes(&mut self, bytes: &[u8]) -> std::io::Result<bool> {
        if self.closed {
            return Ok(false);
        }
        let written = match self.pager.as_mut().and_then(|p| p.stdin.as_mut()) {
            Some(stdin) => stdin.write_all(bytes),
            None => {
                let mut stdout = std::io::stdout().lock();
                stdout.write_all(bytes).and_then(|_| stdout.flush())
            }
        };
        match written {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(false)
            }
            other => other.map(|_| true),
        }
    }

    /// Waits for the pager, so the prompt comes back after the user quits it.
    pub fn finish(mut self) -> std::io::Result<()> {
        if let Some(mut pager) = self.pager.take() {
            drop(pager.stdin.take());
            pager.wait()?;
        }
        Ok(())
    }
}

/// For output made by `std::io::Write` code (wrap it in a `BufWriter`: each write is
/// flushed). Once the reader has gone the rest is dropped without an error.
impl Write for Stream {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.write_bytes(bytes)?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes `text` to stdout, through the pager when `page` and stdout is a terminal.
/// A closed pipe (`| head`) is not an error.
pub fn emit(text: &str, page: bool) -> std::io::Result<()> {
    let mut stream = Stream::open(page);
    stream.write(text)?;
    stream.finish()
}

/// `git var GIT_PAGER` applies git's precedence: `GIT_PAGER`, `core.pager`, `PAGER`, `less`.
fn pager_command() -> Option<String> {
    crate::store::identity::read_git_var(None, "GIT_PAGER")
        .ok()
        .filter(|pager| !pager.is_empty() && pager != "cat")
}

fn spawn_pager(pager: &str) -> std::io::Result<Child> {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(pager)
        .stdin(Stdio::piped())
        .env("GIT_PAGER_IN_USE", "true");
    if std::env::var_os("LESS").is_none() {
        command.env("LESS", "FRX");
    }
    if std::env::var_os("LV").is_none() {
        command.env("LV", "-c");
    }
    command.spawn()
}
