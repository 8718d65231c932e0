//! Aligned tables for people: columns line up by display width, so Japanese and emoji
//! titles align; borderless like `git branch -v`, or Markdown. Cells arrive escaped
//! for their target (`render::safe` for terminals, `render::md` for Markdown), so
//! widths are those of the text shown.

use comfy_table::presets::{ASCII_MARKDOWN, NOTHING};
use comfy_table::{CellAlignment, ColumnConstraint};

pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    right_aligned: Vec<usize>,
}

impl Table {
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Table {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            right_aligned: Vec::new(),
        }
    }

    pub fn align_right(mut self, column: usize) -> Table {
        self.right_aligned.push(column);
        self
    }

    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn build(&self, markdown: bool, header_style: impl Fn(&str) -> String) -> comfy_table::Table {
        let mut table = comfy_table::Table::new();
        table.load_style(if markdown { ASCII_MARKDOWN } else { NOTHING });
        table.set_header(self.header.iter().map(|h| header_style(h)));
        for row in &self.rows {
            table.add_row(row);
        }
        for (index, column) in table.column_iter_mut().enumerate() {
            if !markdown {
                column.set_padding((0, 2));
            }
            column.set_constraint(ColumnConstraint::ContentWidth);
            if self.right_aligned.contains(&index) {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        table
    }

    /// Borderless, two spaces between columns, no trailing spaces.
    pub fn render(&self, header_style: impl Fn(&str) -> String) -> String {
        let table = self.build(false, header_style);
        let mut out = String::new();
        for line in table.lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    pub fn markdown(&self) -> String {
        let mut out = self.build(true, str::to_string).to_string();
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn cjk_and_emoji_columns_align_by_display_width() {
        let mut table = Table::new(["ID", "TITLE", "STATUS"]);
        table.row(["INC-1", "決済APIが500を返す", "resolved"]);
        table.row(["INC-2", "Checkout 🔥 down", "investigating"]);
        table.row(["INC-3", "ascii", "mitigated"]);
        let out = table.render(str::to_string);
        let columns: Vec<usize> = out
            .lines()
            .map(|line| {
                let status = ["STATUS", "resolved", "investigating", "mitigated"]
                    .iter()
                    .find_map(|s| line.find(s))
                    .unwrap();
                line[..status].width()
            })
            .collect();
        assert!(columns.windows(2).all(|w| w[0] == w[1]), "{out}");
    }
}
