//! Charts as inline SVG, each followed by the same numbers as a table (its text
//! alternative). Colours come from the stylesheet (`.s0`…), so print and dark themes
//! can change them without touching the pages.

use crate::site::html::esc;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 258.0;
const LEFT: f64 = 56.0;
/// Room for the month labels below the lowest axis label, at a phone's larger font.
const BOTTOM: f64 = 38.0;
/// Below this many units between shown month labels, a phone shows every other one
/// (the stylesheet hides `.minor`): its labels are almost twice as large.
const PHONE_LABEL_SPACING: f64 = 90.0;
/// Room above the top axis label, at a phone's larger font.
const TOP: f64 = 18.0;

/// One named series of values, one per month.
pub struct Series<T> {
    pub name: String,
    pub values: Vec<T>,
}

pub enum Kind {
    /// Bars stacked per month.
    Stacked,
    /// Bars side by side per month.
    Grouped,
}

fn plot_height() -> f64 {
    HEIGHT - TOP - BOTTOM
}

/// The axis has four steps; each step is the first of `steps` that reaches `max`.
fn axis_top(max: f64, steps: &[f64]) -> f64 {
    let quarter = max / 4.0;
    let step = steps
        .iter()
        .copied()
        .find(|s| *s >= quarter)
        .unwrap_or_else(|| (quarter / steps[steps.len() - 1]).ceil() * steps[steps.len() - 1]);
    step * 4.0
}

/// Steps for counts: 1, 2, 5, 10, 20, 50…
fn count_steps() -> Vec<f64> {
    (0..9)
        .flat_map(|p| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(p)))
        .collect()
}

/// Steps for durations, in seconds: round minutes, hours and days.
const DURATION_STEPS: [f64; 20] = [
    1.0,
    5.0,
    15.0,
    30.0,
    60.0,
    120.0,
    300.0,
    600.0,
    900.0,
    1800.0,
    3600.0,
    7200.0,
    10800.0,
    21600.0,
    43200.0,
    86400.0,
    172_800.0,
    604_800.0,
    1_209_600.0,
    2_592_000.0,
];

/// `15m`, `2h`, `1d`: an axis label, without the zero units of a round value.
pub fn round_duration(seconds: i64) -> String {
    match seconds {
        0 => "0".to_string(),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn frame(
    id: &str,
    title: &str,
    months: &[String],
    max: f64,
    y_label: &dyn Fn(f64) -> String,
) -> String {
    let mut out = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-labelledby=\"{id}-title\" preserveAspectRatio=\"xMinYMin meet\">\n<title id=\"{id}-title\">{}</title>\n",
        esc(title)
    );
    for step in 0..=4 {
        let value = max * f64::from(step) / 4.0;
        let y = TOP + plot_height() * (1.0 - f64::from(step) / 4.0);
        out.push_str(&format!(
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{WIDTH}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            LEFT - 4.0,
            y + 4.0,
            esc(&y_label(value))
        ));
    }
    let n = months.len().max(1);
    let every = n.div_ceil(12);
    let slot = (WIDTH - LEFT) / n as f64;
    let crowded = slot * (every as f64) < PHONE_LABEL_SPACING;
    for (shown, (i, month)) in months
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .enumerate()
    {
        let class = if crowded && shown % 2 == 1 {
            "axis month minor"
        } else {
            "axis month"
        };
        out.push_str(&format!(
            "<text class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
            LEFT + slot * (i as f64 + 0.5),
            HEIGHT - 8.0,
            esc(month)
        ));
    }
    out
}

fn legend<T>(series: &[Series<T>]) -> String {
    let mut out = String::from("<ul class=\"legend\">");
    for (i, s) in series.iter().enumerate() {
        out.push_str(&format!(
            "<li><span class=\"key s{}\"></span>{}</li>",
            i % 8,
            esc(&s.name)
        ));
    }
    out.push_str("</ul>\n");
    out
}

/// The numbers behind a chart, month by month.
fn table<T>(
    caption: &str,
    month: &str,
    months: &[String],
    series: &[Series<T>],
    cell: &dyn Fn(&T) -> String,
) -> String {
    let mut out = format!(
        "<details class=\"chart-data\"><summary>{}</summary>\n<div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">{}</th>",
        esc(caption),
        esc(month)
    );
    for s in series {
        out.push_str(&format!("<th scope=\"col\">{}</th>", esc(&s.name)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (i, m) in months.iter().enumerate() {
        out.push_str(&format!("<tr><th scope=\"row\">{}</th>", esc(m)));
        for s in series {
            out.push_str(&format!(
                "<td>{}</td>",
                s.values.get(i).map(cell).unwrap_or_default()
            ));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div></details>\n");
    out
}

/// An empty chart's figure: a sentence instead of an axis with nothing on it.
fn no_data(id: &str, title: &str, empty: &str) -> String {
    format!(
        "<figure class=\"chart\" id=\"{id}\">\n<figcaption>{}</figcaption>\n<p class=\"no-data\">{}</p>\n</figure>\n",
        esc(title),
        esc(empty)
    )
}

/// Counts per month as bars.
pub fn bars(
    id: &str,
    title: &str,
    month_label: &str,
    empty: &str,
    months: &[String],
    series: &[Series<usize>],
    kind: Kind,
) -> String {
    let n = months.len().max(1);
    let max = (0..months.len())
        .map(|i| {
            let values = series.iter().map(|s| s.values.get(i).copied().unwrap_or(0));
            match kind {
                Kind::Stacked => values.sum::<usize>(),
                Kind::Grouped => values.max().unwrap_or(0),
            }
        })
        .max()
        .unwrap_or(0);
    if max == 0 {
        return no_data(id, title, empty);
    }
    let top = axis_top(max as f64, &count_steps());
    let mut out = format!(
        "<figure class=\"chart\" id=\"{id}\">\n<figcaption>{}</figcaption>\n",
        esc(title)
    );
    out.push_str(&frame(id, title, months, top, &|v| format!("{v:.0}")));
    let slot = (WIDTH - LEFT) / n as f64;
    let scale = plot_height() / top;
    for (i, month) in months.iter().enumerate() {
        let mut base = TOP + plot_height();
        let groups = series.len().max(1) as f64;
        for (k, s) in series.iter().enumerate() {
            let value = s.values.get(i).copied().unwrap_or(0);
            if value == 0 {
                continue;
            }
            let h = value as f64 * scale;
            let (x, width, y) = match kind {
                Kind::Stacked => {
                    base -= h;
                    (LEFT + slot * i as f64 + slot * 0.15, slot * 0.7, base)
                }
                Kind::Grouped => {
                    let w = slot * 0.8 / groups;
                    (
                        LEFT + slot * i as f64 + slot * 0.1 + w * k as f64,
                        w,
                        TOP + plot_height() - h,
                    )
                }
            };
            out.push_str(&format!(
                "<rect class=\"s{}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{h:.1}\"><title>{} {}: {value}</title></rect>\n",
                k % 8,
                esc(month),
                esc(&s.name)
            ));
        }
    }
    out.push_str("</svg>\n");
    out.push_str(&legend(series));
    out.push_str(&table(title, month_label, months, series, &|v| {
        v.to_string()
    }));
    out.push_str("</figure>\n");
    out
}

/// Durations per month as lines (a month without a value breaks the line).
pub fn lines(
    id: &str,
    title: &str,
    month: &str,
    empty: &str,
    months: &[String],
    series: &[Series<Option<i64>>],
    label: &dyn Fn(i64) -> String,
) -> String {
    let n = months.len().max(1);
    let Some(max) = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .copied()
        .max()
    else {
        return no_data(id, title, empty);
    };
    let top = axis_top(max as f64, &DURATION_STEPS);
    let mut out = format!(
        "<figure class=\"chart\" id=\"{id}\">\n<figcaption>{}</figcaption>\n",
        esc(title)
    );
    out.push_str(&frame(id, title, months, top, &|v| {
        round_duration(v.round() as i64)
    }));
    let slot = (WIDTH - LEFT) / n as f64;
    let scale = plot_height() / top;
    // Later series (the p90) are dashed with smaller square markers, so the first (the
    // median) still shows through where they are equal.
    for (k, s) in series.iter().enumerate() {
        let mut path = String::new();
        let mut pen_down = false;
        for (i, value) in s.values.iter().enumerate() {
            let Some(value) = value else {
                pen_down = false;
                continue;
            };
            let x = LEFT + slot * (i as f64 + 0.5);
            let y = TOP + plot_height() - *value as f64 * scale;
            path.push_str(&format!(
                "{}{x:.1},{y:.1} ",
                if pen_down { "L" } else { "M" }
            ));
            pen_down = true;
            let tip = format!(
                "<title>{} {}: {}</title>",
                esc(&months[i]),
                esc(&s.name),
                esc(&label(*value))
            );
            out.push_str(&if k == 0 {
                format!(
                    "<circle class=\"s{}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\">{tip}</circle>\n",
                    k % 8
                )
            } else {
                format!(
                    "<rect class=\"s{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"5\" height=\"5\">{tip}</rect>\n",
                    k % 8,
                    x - 2.5,
                    y - 2.5
                )
            });
        }
        if !path.is_empty() {
            let dashed = if k == 0 { "" } else { " dashed" };
            out.push_str(&format!(
                "<path class=\"line s{}{dashed}\" d=\"{}\"/>\n",
                k % 8,
                path.trim_end()
            ));
        }
    }
    out.push_str("</svg>\n");
    out.push_str(&legend(series));
    out.push_str(&table(title, month, months, series, &|v| {
        v.map(label).unwrap_or_default()
    }));
    out.push_str("</figure>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_round_values_in_four_steps() {
        assert_eq!(axis_top(3.0, &count_steps()), 4.0);
        assert_eq!(axis_top(5.0, &count_steps()), 8.0);
        assert_eq!(axis_top(130.0, &count_steps()), 200.0);
        assert_eq!(axis_top(250.0, &DURATION_STEPS), 480.0);
        assert_eq!(axis_top(9000.0, &DURATION_STEPS), 14_400.0);
        assert_eq!(round_duration(14_400), "4h");
        assert_eq!(round_duration(900), "15m");
        assert_eq!(round_duration(172_800), "2d");
    }

    #[test]
    fn every_chart_has_its_numbers_as_a_table() {
        let months = vec!["2026-10".to_string(), "2026-11".to_string()];
        let series = [Series {
            name: "<b>SEV1</b>".to_string(),
            values: vec![0, 3],
        }];
        let html = bars(
            "c",
            "Incidents",
            "Month",
            "No data",
            &months,
            &series,
            Kind::Stacked,
        );
        assert!(html.contains("<svg class=\"chart\""), "{html}");
        assert!(
            html.contains("<tr><th scope=\"row\">2026-11</th><td>3</td></tr>"),
            "{html}"
        );
        assert!(
            !html.contains("<b>") && html.contains("&lt;b&gt;SEV1"),
            "{html}"
        );
    }
}
