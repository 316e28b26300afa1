//! The report's SVG chart: one panel per scenario, one bar per variant.

use std::path::Path;

use plotters::prelude::*;

use crate::report::{Report, Scenario, ScenarioResult};

const BAR: RGBColor = RGBColor(0x3b, 0x6e, 0xa8);
const BASELINE: RGBColor = RGBColor(0xc0, 0x50, 0x40);

/// A panel: its scenario, title and the figure it plots.
type Panel = (Scenario, &'static str, fn(&ScenarioResult) -> Option<f64>);

/// Writes the chart to `path`.
pub(crate) fn write_svg(report: &Report, path: &Path) -> Result<(), String> {
    let panels: [Panel; 3] = [
        (
            Scenario::DeleteAll,
            "delete-all: % of filled bytes held after removing all",
            |r| r.held_after_remove_pct,
        ),
        (
            Scenario::Spike,
            "spike: bytes held after operating, x a fresh map (log)",
            |r| r.held_vs_fresh,
        ),
        (
            Scenario::Churn,
            "churn: peak bytes, x a fresh map (log)",
            |r| r.peak_vs_fresh,
        ),
    ];
    let root = SVGBackend::new(path, (1200, 1200)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let areas = root.split_evenly((3, 1));
    for ((scenario, title, value), area) in panels.into_iter().zip(areas.iter()) {
        let bars: Vec<(String, f64, bool)> = report
            .results
            .iter()
            .filter(|r| r.scenario == scenario.name())
            .filter_map(|r| value(r).map(|v| (r.variant.clone(), v, is_peer(&r.variant))))
            .collect();
        if bars.is_empty() {
            continue;
        }
        let n = bars.len() as f64;
        if scenario == Scenario::DeleteAll {
            let mut chart = ChartBuilder::on(area)
                .caption(title, ("sans-serif", 22))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d(0.0..n, 0.0..115.0f64)
                .map_err(|e| e.to_string())?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(0)
                .y_desc("% held")
                .draw()
                .map_err(|e| e.to_string())?;
            draw_bars(&mut chart, &bars, 0.0)?;
        } else {
            let top = bars.iter().map(|b| b.1).fold(1.0f64, f64::max) * 3.0;
            let mut chart = ChartBuilder::on(area)
                .caption(title, ("sans-serif", 22))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d(0.0..n, (0.5f64..top).log_scale())
                .map_err(|e| e.to_string())?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(0)
                .y_desc("x fresh")
                .draw()
                .map_err(|e| e.to_string())?;
            draw_bars(&mut chart, &bars, 0.5)?;
        }
    }
    root.present().map_err(|e| e.to_string())
}

fn is_peer(name: &str) -> bool {
    matches!(name, "std" | "hashbrown" | "dashmap" | "papaya")
}

fn draw_bars<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    bars: &[(String, f64, bool)],
    floor: f64,
) -> Result<(), String>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (_, v, peer))| {
            let color = if *peer { BASELINE } else { BAR };
            let x = i as f64;
            Rectangle::new(
                [(x + 0.15, floor), (x + 0.85, v.max(floor))],
                color.filled(),
            )
        }))
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (name, v, _))| {
            Text::new(
                format!("{name} {v:.2}"),
                (i as f64 + 0.15, v.max(floor)),
                ("sans-serif", 14),
            )
        }))
        .map_err(|e| e.to_string())?;
    Ok(())
}
