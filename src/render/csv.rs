//! CSV for spreadsheets (RFC 4180: quote fields holding commas, quotes or newlines).
//!
//! Text comes from people (titles, owners, service names, links) and a spreadsheet runs
//! a cell that starts with `=`, `+`, `-` or `@` (or TAB / CR / LF before one) as a
//! formula. Every text cell that starts with one of those is prefixed with `'`, as OWASP
//! recommends for CSV injection; numbers are cells of their own kind and stay numbers,
//! so a negative figure is still `-3`.

/// One CSV cell: text (neutralised when a spreadsheet would run it) or a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Number(i64),
    Empty,
}

impl From<&str> for Cell {
    fn from(value: &str) -> Self {
        Cell::Text(value.to_string())
    }
}

impl From<String> for Cell {
    fn from(value: String) -> Self {
        Cell::Text(value)
    }
}

impl From<&String> for Cell {
    fn from(value: &String) -> Self {
        Cell::Text(value.clone())
    }
}

impl From<i64> for Cell {
    fn from(value: i64) -> Self {
        Cell::Number(value)
    }
}

impl From<usize> for Cell {
    fn from(value: usize) -> Self {
        i64::try_from(value).map_or_else(|_| Cell::Text(value.to_string()), Cell::Number)
    }
}

impl From<bool> for Cell {
    fn from(value: bool) -> Self {
        Cell::Text(value.to_string())
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(value: Option<T>) -> Self {
        value.map_or(Cell::Empty, Into::into)
    }
}

/// The characters that make a spreadsheet read a cell as a formula (OWASP's list, with
/// LF, which some spreadsheets also skip before a formula).
const FORMULA_START: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\n'];

/// Text a spreadsheet shows as text: a leading `'` when it would run it as a formula.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_START) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// A field quoted as RFC 4180 asks.
fn quote(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

pub fn field(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => quote(&neutralise(text)),
        Cell::Number(n) => n.to_string(),
        Cell::Empty => String::new(),
    }
}

pub fn row<C: Into<Cell>>(cells: impl IntoIterator<Item = C>) -> String {
    let mut line = cells
        .into_iter()
        .map(|c| field(&c.into()))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_a_spreadsheet_would_run_gets_a_quote_mark() {
        for (text, cell) in [
            ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "\"'\r=1\""),
            ("a=b", "a=b"),
            ("Checkout down", "Checkout down"),
            ("", ""),
        ] {
            assert_eq!(field(&Cell::from(text)), cell, "{text:?}");
        }
    }

    #[test]
    fn numbers_stay_numbers() {
        assert_eq!(
            row([Cell::from(-3i64), Cell::from(7usize), Cell::Empty]),
            "-3,7,\n"
        );
        assert_eq!(
            row([Cell::from(Some(-1i64)), Cell::from(None::<i64>)]),
            "-1,\n"
        );
    }
}
