//! A progress bar on stderr for long history walks: only on a terminal, and only when
//! the walk is long enough (about a second) for someone to wonder.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Commits a walk gets through in roughly a second on a laptop.
const WORTH_SHOWING: usize = 20_000;

pub struct CommitProgress {
    bar: Option<ProgressBar>,
    enabled: bool,
    template: &'static str,
    worth_showing: usize,
}

impl CommitProgress {
    pub fn new() -> CommitProgress {
        CommitProgress::counting(
            "reading history {bar:30} {pos}/{len} commits",
            WORTH_SHOWING,
        )
    }

    /// A bar with its own words, shown from `worth_showing` steps (about a second's work).
    pub fn counting(template: &'static str, worth_showing: usize) -> CommitProgress {
        CommitProgress {
            bar: None,
            enabled: std::io::stderr().is_terminal(),
            template,
            worth_showing,
        }
    }

    /// Called as (done, total) by the walk.
    pub fn update(&mut self, done: usize, total: usize) {
        if !self.enabled || total < self.worth_showing {
            return;
        }
        let template = self.template;
        let bar = self.bar.get_or_insert_with(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            bar.set_style(ProgressStyle::with_template(template).expect("the template is valid"));
            bar
        });
        bar.set_position(done as u64);
        if done >= total {
            bar.finish_and_clear();
        }
    }
}

impl Default for CommitProgress {
    fn default() -> Self {
        Self::new()
    }
}
