//! What the code repository says about incidents: `blame`'s table.

use crate::ops::code::Blamed;
use crate::render::{Palette, Table, safe, table};

/// One row per incident and link: the incident, how the commit is linked, the title.
pub fn blame_table(rows: &[Blamed], palette: Palette) -> String {
    let mut out = Table::new(["ID", "SEV", "LINK", "COMMIT", "VIA", "TITLE"])
        .cut(5, table::TITLE)
        .fit(palette.width);
    for row in rows {
        out.row([
            palette.id(&row.incident),
            safe::line(&row.severity).into_owned(),
            row.field.replace('_', " "),
            row.commit.get(..12).unwrap_or(&row.commit).to_string(),
            row.relation.replace('_', " "),
            safe::line(&row.title).into_owned(),
        ]);
    }
    out.render(|h| palette.bold(h))
}
