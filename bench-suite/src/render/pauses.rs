//! The pauses scenario as tables (text or Markdown) and CSV.

use super::{table, Format};
use crate::model::pauses::{percentile, PausesReport, Phase, P50};
use crate::model::Group;
use std::fmt::Write as _;

/// `ns` in the unit that reads best: `850 ns`, `12.3 us`, `312.5 ms`.
pub fn human(ns: u32) -> String {
    let ns = f64::from(ns);
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} us", ns / 1e3)
    } else {
        format!("{:.1} ms", ns / 1e6)
    }
}

/// `ns` in microseconds, with the decimals that matter at that size.
fn micros(ns: u32) -> String {
    let us = f64::from(ns) / 1e3;
    if us < 10.0 {
        format!("{us:.2}")
    } else if us < 100.0 {
        format!("{us:.1}")
    } else {
        format!("{us:.0}")
    }
}

/// The tables: one per phase, one row per map (single-owner maps first).
pub fn render(report: &PausesReport, format: Format) -> String {
    let mut out = String::new();
    let md = format == Format::Markdown;
    let p = &report.plan;
    let floor = {
        let mut floors: Vec<u32> = report.results.iter().map(|r| r.timer_floor_ns).collect();
        if floors.is_empty() {
            0
        } else {
            percentile(&mut floors, P50)
        }
    };
    let heading = format!(
        "pauses: {} entries, {}, one map at a time; every insert and remove timed; each \
         operation's figure is its fastest of {} run(s) over the same keys and hasher seed; \
         us = microseconds, including about {floor} ns of timer per operation.",
        p.entries, report.entry, p.runs
    );
    if md {
        let _ = writeln!(out, "**{heading}**\n");
    } else {
        let _ = writeln!(out, "{heading}");
    }
    for phase in Phase::ALL {
        let title = format!(
            "pauses {}: {} ({} operations).",
            phase.name(),
            phase.describe(p),
            p.ops(phase)
        );
        if md {
            let _ = writeln!(out, "*{title}*\n");
        } else {
            let _ = writeln!(out, "{title}");
        }
        let mut single = Vec::new();
        let mut concurrent = Vec::new();
        for r in &report.results {
            let Some(s) = r.phase(phase) else { continue };
            let at = if phase == Phase::Churn {
                format!("{} ({})", s.longest_index, s.longest_op)
            } else {
                s.longest_index.to_string()
            };
            let row = vec![
                r.variant.clone(),
                format!("{:.1}", s.total_ns as f64 / 1e6),
                micros(s.p99_9_ns),
                micros(s.p99_99_ns),
                micros(s.longest_ns),
                at,
            ];
            if r.group == Group::Concurrent {
                concurrent.push(row);
            } else {
                single.push(row);
            }
        }
        if !single.is_empty() && !concurrent.is_empty() {
            single.push(vec![String::new(); 6]);
        }
        single.extend(concurrent);
        table(
            &mut out,
            &[
                "variant",
                "total ms",
                "p99.9 us",
                "p99.99 us",
                "longest us",
                "longest at op",
            ],
            &single,
            format,
        );
        out.push('\n');
    }
    out
}

/// One CSV row per map and phase.
pub fn render_csv(report: &PausesReport) -> String {
    let mut out = String::from(
        "variant,kind,group,phase,entries,ops,total_ns,p50_ns,p99_ns,p99_9_ns,p99_99_ns,longest_ns,longest_index,longest_op,timer_floor_ns\n",
    );
    for r in &report.results {
        for s in &r.phases {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                r.variant,
                r.kind.name(),
                r.group.name(),
                s.phase,
                report.plan.entries,
                s.ops,
                s.total_ns,
                s.p50_ns,
                s.p99_ns,
                s.p99_9_ns,
                s.p99_99_ns,
                s.longest_ns,
                s.longest_index,
                s.longest_op,
                r.timer_floor_ns
            );
        }
    }
    out
}
