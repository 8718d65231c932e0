//! Colour only on a terminal, never with `NO_COLOR`, as git and ripgrep decide it.

use std::io::IsTerminal;

use anstyle::{AnsiColor, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// How human output is shown where it goes: in colour or not, and within how many
/// columns (`None`, piped: no limit, every value whole).
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub enabled: bool,
    pub width: Option<usize>,
}

impl Palette {
    /// `--color`, then `NO_COLOR` / `CLICOLOR_FORCE` / `CLICOLOR` (read by
    /// `anstyle-query`), then git's `color.ui`, then whether stdout is a terminal that
    /// takes colour.
    pub fn detect(choice: ColorChoice, git_color_ui: Option<String>) -> Palette {
        let enabled = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                if anstyle_query::no_color() {
                    false
                } else if anstyle_query::clicolor_force() {
                    true
                } else if anstyle_query::clicolor() == Some(false) {
                    false
                } else {
                    match git_color_ui.as_deref() {
                        Some("never") | Some("false") => false,
                        Some("always") => true,
                        _ => {
                            std::io::stdout().is_terminal() && anstyle_query::term_supports_color()
                        }
                    }
                }
            }
        };
        // A Windows console shows escape sequences only once asked to.
        #[cfg(windows)]
        let enabled = enabled && anstyle_query::windows::enable_ansi_colors().unwrap_or(true);
        Palette {
            enabled,
            width: None,
        }
    }

    pub fn plain() -> Palette {
        Palette {
            enabled: false,
            width: None,
        }
    }

    /// The same palette, fitting output to `width` columns.
    pub fn within(self, width: Option<usize>) -> Palette {
        Palette { width, ..self }
    }

    /// `text` is escaped (`render::safe::line`) before the style goes around it, so
    /// user text inside a style can never carry a terminal sequence of its own.
    pub fn paint(&self, style: Style, text: &str) -> String {
        let text = crate::render::safe::line(text);
        if self.enabled && !text.is_empty() {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.into_owned()
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }

    pub fn id(&self, text: &str) -> String {
        self.paint(AnsiColor::Yellow.on_default(), text)
    }

    pub fn error(&self, text: &str) -> String {
        self.paint(AnsiColor::Red.on_default().bold(), text)
    }

    pub fn warning(&self, text: &str) -> String {
        self.paint(AnsiColor::Yellow.on_default().bold(), text)
    }

    /// What a search found, within its line.
    pub fn found(&self, text: &str) -> String {
        self.paint(AnsiColor::Yellow.on_default().bold(), text)
    }

    pub fn good(&self, text: &str) -> String {
        self.paint(AnsiColor::Green.on_default(), text)
    }

    /// Open states stand out; finished ones recede.
    pub fn status(&self, status: &str) -> String {
        let style = match status {
            "investigating" => AnsiColor::Red.on_default().bold(),
            "identified" => AnsiColor::Red.on_default(),
            "mitigated" => AnsiColor::Yellow.on_default(),
            "resolved" | "closed" | "done" | "published" => AnsiColor::Green.on_default(),
            "canceled" | "wont_do" => Style::new().dimmed(),
            _ => Style::new(),
        };
        self.paint(style, status)
    }

    pub fn severity(&self, severity: &str, rank: usize) -> String {
        let style = match rank {
            0 => AnsiColor::Red.on_default().bold(),
            1 => AnsiColor::Red.on_default(),
            2 => AnsiColor::Yellow.on_default(),
            _ => Style::new(),
        };
        self.paint(style, severity)
    }
}
