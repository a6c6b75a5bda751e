//! Bar charts for reports as SVG: drawn on the server (no script), labelled, with the same
//! numbers as the table beside them and a text alternative (WCAG 1.1.1). A hidden group (fewer
//! than the minimum) has no bar.

use crate::markup::escape;
use std::fmt::Write;

/// One group: its name and its counts now and in the period before.
pub struct Bar<'a> {
    pub label: &'a str,
    pub current: Option<i64>,
    pub previous: Option<i64>,
}

const WIDTH: i64 = 640;
const LABELS: i64 = 220;
const ROW: i64 = 34;

/// A chart of `bars`, the period's bar dark and the previous period's grey beneath it.
/// `id` makes the title and description referable; `alt` is the text alternative.
pub fn bars(id: &str, title: &str, alt: &str, bars: &[Bar<'_>], legend: (&str, &str)) -> String {
    let max = bars.iter().flat_map(|b| [b.current, b.previous]).flatten().max().unwrap_or(0).max(1);
    let span = WIDTH - LABELS - 60;
    let height = ROW * bars.len() as i64 + 40;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"100%\" aria-labelledby=\"{id}-title {id}-desc\" class=\"chart\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(alt)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = 8 + ROW * i as i64;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" font-size=\"13\" fill=\"#1b1b1b\">{}</text>",
            y + 14,
            escape(bar.label)
        );
        for (n, value, colour, dy) in [(0, bar.current, "#1d4f91", 0), (1, bar.previous, "#6b6b6b", 15)] {
            let Some(value) = value else { continue };
            let w = (value * span / max).max(if value > 0 { 2 } else { 0 });
            let _ = write!(
                svg,
                "<rect x=\"{LABELS}\" y=\"{}\" width=\"{w}\" height=\"12\" fill=\"{colour}\"/>\
                 <text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#1b1b1b\">{value}</text>",
                y + dy + n,
                LABELS + w + 4,
                y + dy + n + 10
            );
        }
    }
    let legend_y = height - 12;
    let _ = write!(
        svg,
        "<rect x=\"{LABELS}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"#1d4f91\"/>\
         <text x=\"{}\" y=\"{legend_y}\" font-size=\"12\" fill=\"#1b1b1b\">{}</text>\
         <rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"#6b6b6b\"/>\
         <text x=\"{}\" y=\"{legend_y}\" font-size=\"12\" fill=\"#1b1b1b\">{}</text></svg>",
        legend_y - 10,
        LABELS + 16,
        escape(legend.0),
        LABELS + 140,
        legend_y - 10,
        LABELS + 156,
        escape(legend.1)
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_labelled_escaped_and_has_no_bar_for_a_hidden_group() {
        let svg = bars(
            "kinds",
            "Efter typ",
            "Klagomål 12, förra perioden 6",
            &[
                Bar { label: "Klagomål <&>", current: Some(12), previous: Some(6) },
                Bar { label: "Fråga", current: None, previous: Some(0) },
            ],
            ("2026-T2", "2026-T1"),
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("aria-labelledby=\"kinds-title kinds-desc\"") && svg.contains("role=\"img\""));
        assert!(svg.contains("Klagomål &lt;&amp;&gt;") && !svg.contains("<&>"));
        // Two bars for the first group (now and before); one zero-width for "Fråga" before.
        assert_eq!(svg.matches("<rect").count(), 2 + 1 + 2);
    }
}
