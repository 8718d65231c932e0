//! Long output goes through git's pager, only on a terminal, as git itself does.

use std::io::{IsTerminal, Write};
use std::process::{Command, Stdio};

/// Writes `text` to stdout, through the pager when `page` and stdout is a terminal.
/// A closed pipe (`| head`) is not an error.
pub fn emit(text: &str, page: bool) -> std::io::Result<()> {
    if page
        && std::io::stdout().is_terminal()
        && std::env::var_os("GIT_PAGER_IN_USE").is_none()
        && let Some(pager) = pager_command()
        && run_pager(&pager, text).is_ok()
    {
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// `git var GIT_PAGER` applies git's precedence: `GIT_PAGER`, `core.pager`, `PAGER`, `less`.
fn pager_command() -> Option<String> {
    let output = Command::new("git")
        .args(["var", "GIT_PAGER"])
        .output()
        .ok()?;
    let pager = String::from_utf8(output.stdout).ok()?.trim().to_string();
    if !output.status.success() || pager.is_empty() || pager == "cat" {
        return None;
    }
    Some(pager)
}

fn run_pager(pager: &str, text: &str) -> std::io::Result<()> {
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
    let mut child = command.spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        // The user may quit the pager before reading everything.
        let _ = stdin.write_all(text.as_bytes());
    }
    child.wait()?;
    Ok(())
}
