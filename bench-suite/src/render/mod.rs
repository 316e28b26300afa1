//! The renderers: text and Markdown tables, CSV and the SVG chart, each a
//! function of a document of [`crate::model`].

use std::fmt::Write as _;

pub mod chart;
pub mod pauses;
pub mod reclaim;

/// How a report's figures are rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Fixed-width text tables.
    Text,
    /// GitHub-flavoured Markdown tables, to paste in a pull request.
    Markdown,
}

/// Formats rows as a fixed-width table, or a Markdown one.
pub fn table(out: &mut String, header: &[&str], rows: &[Vec<String>], format: Format) {
    if format == Format::Markdown {
        let cells = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
        let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        out.push_str(&cells(&header));
        let rule: Vec<String> = (0..header.len())
            .map(|i| if i == 0 { ":--".into() } else { "--:".into() })
            .collect();
        out.push_str(&cells(&rule));
        for row in rows.iter().filter(|r| r.iter().any(|c| !c.is_empty())) {
            out.push_str(&cells(row));
        }
        return;
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut String, cells: &[String]| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i == 0 {
                let _ = write!(text, "{cell:<w$}");
            } else {
                let _ = write!(text, "  {cell:>w$}");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    line(out, &header);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(out, &rule);
    for row in rows {
        line(out, row);
    }
}
