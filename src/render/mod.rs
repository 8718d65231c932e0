//! Turning results into text for people (tables, Markdown) and for scripts (JSON, CSV),
//! and getting it to the terminal the way git does (colour, pager).

pub mod incident;
pub mod md;
pub mod pager;
pub mod postmortem;
pub mod review;
pub mod safe;
pub mod style;
pub mod table;

pub use style::Palette;
pub use table::Table;
pub mod attention;
pub mod code;
pub mod csv;
pub mod fit;
pub mod flow;
pub mod log;
pub mod metrics;
pub mod progress;
pub mod report;
pub mod search;
