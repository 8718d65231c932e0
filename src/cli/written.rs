//! The words of the status line a write prints: `INC-3: services += search`.

use crate::ops::incident::short;
use crate::store::edit::{Assignment, Op};

/// A value as typed, quoted when it holds spaces or anything beyond a plain name.
pub fn value(text: &str) -> String {
    let text = text.trim();
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.:/@+#".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("{:?}", short(text, 60))
    }
}

/// `services += search, title = "New title", summary cleared`.
pub fn assignments(list: &[Assignment]) -> String {
    list.iter()
        .map(|a| match a.op {
            Op::Set if a.value.trim().is_empty() => format!("{} cleared", a.key),
            Op::Set => format!("{} = {}", a.key, value(&a.value)),
            Op::Append => format!("{} += {}", a.key, value(&a.value)),
            Op::Remove => format!("{} -= {}", a.key, value(&a.value)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_each_assignment() {
        let parsed: Vec<Assignment> = ["services+=search", "title=Checkout down", "summary="]
            .iter()
            .map(|a| Assignment::parse(a).unwrap())
            .collect();
        assert_eq!(
            assignments(&parsed),
            "services += search, title = \"Checkout down\", summary cleared"
        );
    }
}
