//! Aligned tables for people: columns line up by display width, so Japanese and emoji
//! titles align; borderless like `git branch -v`, or Markdown. Cells arrive escaped
//! for their target (`render::safe` for terminals, `render::md` for Markdown), so
//! widths are those of the text shown. On a terminal (`fit`), free-text columns give
//! way so that a row never takes two lines: cut with `…`, or wrapped within the column.

use std::borrow::Cow;

use comfy_table::presets::ASCII_MARKDOWN;
use comfy_table::{CellAlignment, ColumnConstraint};

use crate::render::fit;

/// How a free-text column gives way when the table is wider than the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Give {
    Cut,
    Wrap,
}

pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    right_aligned: Vec<usize>,
    /// Columns that give way, in the order they do, with the width each keeps
    /// before the next one gives way.
    give: Vec<(usize, Give, usize)>,
    width: Option<usize>,
}

/// A cell shows at most this many characters: no terminal line holds more, and the
/// layout's cost grows with the square of a cell's length (a 2 MiB title committed by
/// hand took `list` 2.4 s, 8 MiB 84 s). `show` prints the whole text.
const CELL_CHARS: usize = 500;

fn clip(mut text: String) -> String {
    if let Some((end, _)) = text.char_indices().nth(CELL_CHARS) {
        text.truncate(end);
        text.push('…');
    }
    text
}

/// Columns between two cells.
const GAP: usize = 2;
/// What a title keeps before other columns give way.
pub const TITLE: usize = 20;
/// What other free text (services, owners, links) keeps before the next column gives way.
pub const SHORT: usize = 10;
/// What other free text keeps before the title gives way below `TITLE`: enough to
/// recognise a name (`ai…`).
const FEW: usize = 3;

impl Table {
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Table {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            right_aligned: Vec::new(),
            give: Vec::new(),
            width: None,
        }
    }

    /// Fit rows within `width` columns (the terminal's; `None`: keep every value whole).
    pub fn fit(mut self, width: Option<usize>) -> Table {
        self.width = width;
        self
    }

    /// A free-text column cut with `…` when the row is too wide. Name the title first:
    /// it gives way last; the others give way before it, the last named first (see
    /// `fitted_widths`).
    pub fn cut(mut self, column: usize, keep: usize) -> Table {
        self.give.push((column, Give::Cut, keep));
        self
    }

    /// A free-text column wrapped within itself when the row is too wide.
    pub fn wrap(mut self, column: usize, keep: usize) -> Table {
        self.give.push((column, Give::Wrap, keep));
        self
    }

    pub fn align_right(mut self, column: usize) -> Table {
        self.right_aligned.push(column);
        self
    }

    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows
            .push(cells.into_iter().map(|cell| clip(cell.into())).collect());
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Each column's width once the columns that give way have given what they must.
    fn fitted_widths(&self, max: usize) -> Vec<usize> {
        let columns = self.header.len();
        let natural: Vec<usize> = (0..columns)
            .map(|c| {
                std::iter::once(&self.header[c])
                    .chain(self.rows.iter().filter_map(|r| r.get(c)))
                    .flat_map(|cell| cell.lines())
                    .map(fit::width)
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut widths = natural.clone();
        let total = |w: &[usize]| w.iter().sum::<usize>() + GAP * columns.saturating_sub(1);
        // The first column named (the title) is what a reader scans for: the others give
        // way before it at every step. Each column in turn (least important first) down
        // to a readable width; then the others down to a few characters; then the first
        // down to its header; on a very narrow terminal, everything down to a lone `…`.
        let first = self.give.first().map(|&(column, _, _)| column);
        for round in 0..4 {
            for &(column, _, keep) in self.give.iter().rev() {
                let excess = total(&widths).saturating_sub(max);
                if excess == 0 {
                    return widths;
                }
                let header = fit::width(&self.header[column]).max(1);
                let floor = match round {
                    0 => natural[column].min(keep).max(header),
                    1 if Some(column) == first => continue,
                    1 => natural[column].min(FEW),
                    2 if Some(column) == first => header,
                    2 => continue,
                    _ => 1,
                };
                widths[column] = widths[column].saturating_sub(excess).max(floor);
            }
        }
        widths
    }

    /// The header and rows with cells of the columns that give way cut or wrapped
    /// to fit.
    /// (Borrowed when nothing needs fitting: a piped listing can be 100,000 rows.)
    fn fitted(&self) -> (Cow<'_, [String]>, Cow<'_, [Vec<String>]>) {
        let Some(max) = self.width.filter(|_| !self.give.is_empty()) else {
            return (Cow::Borrowed(&self.header), Cow::Borrowed(&self.rows));
        };
        let widths = self.fitted_widths(max);
        let mut header = self.header.clone();
        for &(column, _, _) in &self.give {
            header[column] = fit::cut(&header[column], widths[column]);
        }
        let mut rows = self.rows.clone();
        for row in &mut rows {
            for &(column, give, _) in &self.give {
                let Some(cell) = row.get_mut(column) else {
                    continue;
                };
                let room = widths[column];
                if fit::width(cell) <= room {
                    continue;
                }
                *cell = match give {
                    Give::Cut => fit::cut(cell, room),
                    Give::Wrap => fit::wrap(cell, room, room).join("\n"),
                };
            }
        }
        (Cow::Owned(header), Cow::Owned(rows))
    }

    fn markdown_table(&self) -> comfy_table::Table {
        let mut table = comfy_table::Table::new();
        table.load_style(ASCII_MARKDOWN);
        table.set_header(&self.header);
        for row in &self.rows {
            table.add_row(row);
        }
        for (index, column) in table.column_iter_mut().enumerate() {
            column.set_constraint(ColumnConstraint::ContentWidth);
            if self.right_aligned.contains(&index) {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        table
    }

    /// Borderless, two spaces between columns, no trailing spaces. Laid out here rather
    /// than by comfy-table: a listing of 10,000 rows took it about 100 ms, this a tenth.
    pub fn render(&self, header_style: impl Fn(&str) -> String) -> String {
        let (header, rows) = self.fitted();
        let header: Vec<String> = header.iter().map(|h| header_style(h)).collect();
        // Each cell's lines with their widths, borrowed: 100,000 rows are large enough.
        let table: Vec<Vec<Vec<(usize, &str)>>> = std::iter::once(&header)
            .chain(rows.iter())
            .map(|row| {
                row.iter()
                    .map(|cell| cell.split('\n').map(|l| (fit::width(l), l)).collect())
                    .collect()
            })
            .collect();
        let columns = table.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0; columns];
        for row in &table {
            for (column, lines) in row.iter().enumerate() {
                for (width, _) in lines {
                    widths[column] = widths[column].max(*width);
                }
            }
        }
        let mut out = String::new();
        let mut line = String::new();
        for row in &table {
            let height = row.iter().map(Vec::len).max().unwrap_or(1);
            for index in 0..height {
                line.clear();
                for (column, &width) in widths.iter().enumerate() {
                    let (shown, text) = row
                        .get(column)
                        .and_then(|lines| lines.get(index))
                        .map_or((0, ""), |&(w, t)| (w, t));
                    let pad = width.saturating_sub(shown);
                    if self.right_aligned.contains(&column) {
                        line.extend(std::iter::repeat_n(' ', pad));
                        line.push_str(text);
                    } else {
                        line.push_str(text);
                        line.extend(std::iter::repeat_n(' ', pad));
                    }
                    line.push_str(&" ".repeat(GAP));
                }
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
        out
    }

    pub fn markdown(&self) -> String {
        let mut out = self.markdown_table().to_string();
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

    #[test]
    fn on_a_terminal_other_free_text_gives_way_before_the_title() {
        let services = "checkout-frontend,payments-gateway,card-vault,fraud-scoring,order-service";
        let title =
            "決済確認メールが送信されない問題が発生し、一部の顧客から問い合わせが急増している";
        let mut table = Table::new(["ID", "OWNER", "SERVICES", "TITLE"])
            .cut(3, TITLE)
            .cut(2, SHORT)
            .cut(1, SHORT)
            .fit(Some(60));
        table.row(["INC-1", "aiko", services, title]);
        table.row(["INC-22", "Ken", "search", "short"]);
        let out = table.render(str::to_string);
        for line in out.lines() {
            assert!(line.width() <= 60, "{} > 60: {line}", line.width());
        }
        assert!(out.contains("決済確認メールが送信されない問題…"), "{out}");
        assert!(out.contains("checkout-…"), "{out}");
        assert!(out.contains("…"), "{out}");
        // Piped: every value whole.
        let whole = table.fit(None).render(str::to_string);
        assert!(whole.contains(services) && whole.contains(title), "{whole}");
    }

    #[test]
    fn wrapped_columns_continue_under_themselves() {
        let mut table = Table::new(["AT", "TEXT"]).wrap(1, TITLE).fit(Some(20));
        table.row(["09:10", "Rolled back deploy 4412 after errors"]);
        let out = table.render(str::to_string);
        assert_eq!(
            out,
            "AT     TEXT\n09:10  Rolled back\n       deploy 4412\n       after errors\n"
        );
    }
}
