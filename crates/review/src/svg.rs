//! Server-rendered SVG bar charts for the progress pages.

use crate::html::esc;
use std::fmt::Write as _;

const PALETTE: [&str; 8] = [
    "#0969da", "#1a7f37", "#bf3989", "#9a6700", "#8250df", "#cf222e", "#1b7c83", "#57606a",
];

/// Horizontal bars, one per `(label, votes)`, each with its count and share of the total.
pub fn bar_chart(id: &str, title: &str, rows: &[(String, u64)]) -> String {
    let total: u64 = rows.iter().map(|r| r.1).sum();
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let (label_w, bar_w, row_h) = (200.0, 260.0, 22.0);
    let width = label_w + bar_w + 110.0;
    let height = 26.0 + row_h * rows.len() as f64;
    let mut s = format!(
        "<svg class=\"chart\" id=\"{}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">\
         <text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\">{} ({} votes)</text>",
        esc(id),
        esc(title),
        esc(title),
        total
    );
    for (i, (label, n)) in rows.iter().enumerate() {
        let y = 26.0 + row_h * i as f64;
        let w = bar_w * (*n as f64) / (max as f64);
        let pct = if total > 0 {
            100.0 * (*n as f64) / (total as f64)
        } else {
            0.0
        };
        let short: String = label.chars().take(28).collect();
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"12\">{}</text>\
             <rect x=\"{label_w}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {n}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" class=\"value\">{n} ({pct:.1}%)</text>",
            y + 15.0,
            esc(&short),
            y + 3.0,
            row_h - 6.0,
            PALETTE[i % PALETTE.len()],
            esc(label),
            label_w + w + 6.0,
            y + 15.0
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let svg = bar_chart("c", "Mayor", &[("A <b>".into(), 30), ("B".into(), 10)]);
        assert!(svg.contains("(40 votes)"));
        assert!(svg.contains("width=\"260.0\""), "largest bar is full width");
        assert!(svg.contains("width=\"86.7\""), "10/30 of it");
        assert!(svg.contains("A &lt;b&gt;"));
        assert!(svg.contains("30 (75.0%)"));
    }
}
