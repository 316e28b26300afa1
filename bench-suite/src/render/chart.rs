//! The report's SVG chart: one panel per scenario, one horizontal bar per
//! map (so names never overlap), the design's bar as a vertical line, a
//! legend and axis titles.

use std::path::Path;

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use crate::model::pauses::{PausesReport, Phase};
use crate::model::{Report, Scenario, ScenarioResult};
use crate::verdict::BARS;

const WORKSPACE: RGBColor = RGBColor(0x3b, 0x6e, 0xa8);
const PEER: RGBColor = RGBColor(0xb0, 0xb0, 0xb0);
const LIMIT: RGBColor = RGBColor(0xc0, 0x30, 0x30);

/// A panel: its scenario, title, x-axis title, the figure it plots and the
/// name of the design bar drawn on it.
type Panel = (
    Scenario,
    &'static str,
    &'static str,
    fn(&ScenarioResult) -> Option<f64>,
    &'static str,
);

/// Writes the chart to `path`.
pub(crate) fn write_svg(report: &Report, path: &Path) -> Result<(), String> {
    let panels: [Panel; 5] = [
        (
            Scenario::DeleteAll,
            "delete-all: bytes held after removing every entry",
            "% of the filled bytes (lower is better)",
            |r| r.delete_all().map(|f| f.held_after_remove_pct),
            "delete-all held",
        ),
        (
            Scenario::Spike,
            "spike: bytes held after the removals and operating",
            "x a fresh map of the kept entries (log scale; lower is better)",
            |r| r.spike().map(|f| f.held_vs_fresh),
            "spike held",
        ),
        (
            Scenario::Churn,
            "churn: peak bytes with a steady live set",
            "x a fresh map of the live set (log scale; lower is better)",
            |r| r.churn().map(|f| f.peak_vs_fresh),
            "churn peak",
        ),
        (
            Scenario::DrainIdle,
            "drain-idle: bytes held after a drain, nothing inserted after (worst case)",
            "x a fresh map of the survivors (log scale; lower is better)",
            |r| r.drain_idle().map(|d| d.worst_vs_fresh),
            "drain-idle worst",
        ),
        (
            Scenario::Bursts,
            "bursts: process RSS after the drains (idle wait under jemalloc, mimalloc)",
            "x a fresh process holding the survivors (log scale; lower is better)",
            |r| r.bursts().and_then(|b| b.bound_figure()),
            "bursts RSS",
        ),
    ];
    let drawn: Vec<&Panel> = panels
        .iter()
        .filter(|p| report.results.iter().any(|r| r.scenario() == p.0))
        .collect();
    let rows = Scenario::ALL
        .iter()
        .map(|s| report.results.iter().filter(|r| r.scenario() == *s).count())
        .max()
        .unwrap_or(0)
        .max(3) as u32;
    let height = (drawn.len().max(1) as u32) * (110 + 34 * rows);
    let root = SVGBackend::new(path, (1100, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let areas = root.split_evenly((drawn.len().max(1), 1));
    for (panel, area) in drawn.into_iter().zip(areas.iter()) {
        draw_panel(report, panel, area)?;
    }
    root.present().map_err(|e| e.to_string())
}

fn draw_panel<DB: DrawingBackend>(
    report: &Report,
    &(scenario, title, x_title, value, bar_name): &Panel,
    area: &DrawingArea<DB, plotters::coord::Shift>,
) -> Result<(), String> {
    // Reversed: the first map of the report is drawn at the top.
    let bars: Vec<(String, f64, bool)> = report
        .results
        .iter()
        .rev()
        .filter(|r| r.scenario() == scenario)
        .filter_map(|r| {
            value(r).map(|v| (r.variant.clone(), v, r.kind == crate::model::Kind::Variant))
        })
        .collect();
    if bars.is_empty() {
        return Ok(());
    }
    let limit = BARS
        .iter()
        .find(|b| b.name == bar_name)
        .map_or(1.0, |b| b.limit);
    let n = bars.len() as i32;
    let names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    let label = move |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    if scenario == Scenario::DeleteAll {
        let mut chart = ChartBuilder::on(area)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(170)
            .build_cartesian_2d(0.0..160.0f64, (0..n).into_segmented())
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .max_light_lines(2)
            .y_labels(bars.len())
            .y_label_formatter(&label)
            .x_desc(x_title)
            .axis_desc_style(("sans-serif", 15))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(e)?;
        let show = |v: f64| format!("{v:.2}%");
        let line = format!("design bar: {}", show(limit));
        draw_series(&mut chart, &bars, 0.0, (limit, &line), show)?;
    } else {
        // Room right of the longest bar for its figure and the legend.
        let top = bars.iter().map(|b| b.1).fold(limit, f64::max) * 20.0;
        let mut chart = ChartBuilder::on(area)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(170)
            .build_cartesian_2d((0.5f64..top).log_scale(), (0..n).into_segmented())
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .max_light_lines(2)
            .y_labels(bars.len())
            .y_label_formatter(&label)
            .x_desc(x_title)
            .axis_desc_style(("sans-serif", 15))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(e)?;
        let show = |v: f64| format!("{v:.2}x");
        let line = format!("design bar: {}", show(limit));
        draw_series(&mut chart, &bars, 0.5, (limit, &line), show)?;
    }
    Ok(())
}

/// The design's bound on split-map's longest operation (at 10,000,000
/// entries), drawn on every pauses panel.
const PAUSE_BOUND_US: f64 = 1_000.0;

/// Writes the pauses chart to `path`: one panel per phase, one bar per map
/// (its longest operation, log scale), and the design's bound.
pub(crate) fn write_pauses_svg(report: &PausesReport, path: &Path) -> Result<(), String> {
    let rows = report.results.len().max(3) as u32;
    let height = (Phase::ALL.len() as u32) * (110 + 34 * rows);
    let root = SVGBackend::new(path, (1100, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let areas = root.split_evenly((Phase::ALL.len(), 1));
    for (phase, area) in Phase::ALL.into_iter().zip(areas.iter()) {
        draw_pauses_panel(report, phase, area)?;
    }
    root.present().map_err(|e| e.to_string())
}

fn draw_pauses_panel<DB: DrawingBackend>(
    report: &PausesReport,
    phase: Phase,
    area: &DrawingArea<DB, plotters::coord::Shift>,
) -> Result<(), String> {
    // Reversed: the first map of the report is drawn at the top.
    let bars: Vec<(String, f64, bool)> = report
        .results
        .iter()
        .rev()
        .filter_map(|r| {
            let s = r.phase(phase)?;
            Some((
                r.variant.clone(),
                f64::from(s.longest_ns) / 1e3,
                r.kind == crate::model::Kind::Variant,
            ))
        })
        .collect();
    if bars.is_empty() {
        return Ok(());
    }
    let n = bars.len() as i32;
    let names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    let label = move |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let floor = 0.1;
    // Room right of the longest bar for its figure and the legend.
    let top = bars.iter().map(|b| b.1).fold(PAUSE_BOUND_US, f64::max) * 1000.0;
    let title = format!(
        "pauses {}: longest single operation, {} entries",
        phase.name(),
        report.plan.entries
    );
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(170)
        .build_cartesian_2d((floor..top).log_scale(), (0..n).into_segmented())
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .max_light_lines(2)
        .y_labels(bars.len())
        .y_label_formatter(&label)
        .x_desc("microseconds (log scale; lower is better)")
        .axis_desc_style(("sans-serif", 15))
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(e)?;
    draw_series(
        &mut chart,
        &bars,
        floor,
        (PAUSE_BOUND_US, "design: split-map <= 1 ms"),
        |us| super::pauses::human((us * 1e3).round() as u32),
    )
}

/// One bar per map, on a segmented axis (a label at the centre of each).
type Rows = plotters::coord::ranged1d::SegmentedCoord<plotters::coord::types::RangedCoordi32>;

fn draw_series<'a, DB, X>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Rows>>,
    bars: &[(String, f64, bool)],
    floor: f64,
    (limit, limit_label): (f64, &str),
    show: fn(f64) -> String,
) -> Result<(), String>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64>,
{
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let rect = |i: usize, v: f64| {
        [
            (floor, SegmentValue::Exact(i as i32)),
            (v.max(floor), SegmentValue::Exact(i as i32 + 1)),
        ]
    };
    for (workspace, color, name) in [
        (true, WORKSPACE, "workspace variant"),
        (false, PEER, "baseline or peer"),
    ] {
        chart
            .draw_series(
                bars.iter()
                    .enumerate()
                    .filter(|(_, b)| b.2 == workspace)
                    .map(|(i, b)| {
                        let mut r = Rectangle::new(rect(i, b.1), color.filled());
                        r.set_margin(4, 4, 0, 0);
                        r
                    }),
            )
            .map_err(e)?
            .label(name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled()));
    }
    let n = bars.len() as i32;
    chart
        .draw_series(LineSeries::new(
            [
                (limit, SegmentValue::Exact(0)),
                (limit, SegmentValue::Exact(n)),
            ],
            LIMIT.stroke_width(2),
        ))
        .map_err(e)?
        .label(limit_label)
        .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], LIMIT.stroke_width(2)));
    // Each figure right of its bar, and right of the design line when the
    // bar ends before it, so the line never crosses the text.
    let at = |v: f64| if v < limit { limit } else { v.max(floor) };
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (_, v, _))| {
            Text::new(
                format!(" {}", show(*v)),
                (at(*v), SegmentValue::CenterOf(i as i32)),
                TextStyle::from(("sans-serif", 13).into_font()).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Left,
                        plotters::style::text_anchor::VPos::Center,
                    ),
                ),
            )
        }))
        .map_err(e)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", 13))
        .draw()
        .map_err(e)?;
    Ok(())
}
