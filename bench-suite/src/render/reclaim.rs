//! The reclamation report as tables (text or Markdown) and CSV.

use map_conformance::scenarios::DRAIN_IDLE_BOUND;
use std::fmt::Write as _;

use super::{table, Format};
use crate::model::bursts::{KEEP_EVERY, STAGES};
use crate::model::{Group, KeyKind, Report, Scenario, ScenarioResult, DRAIN_IDLE_GOAL};

fn mb(bytes: i64) -> String {
    format!("{:.2}", bytes as f64 / 1e6)
}

fn mb_opt(bytes: Option<u64>) -> String {
    bytes.map_or_else(|| "n/a".to_string(), |b| mb(b as i64))
}

fn counted(r: &ScenarioResult, name: &str) -> String {
    r.stage(name)
        .map_or_else(|| "-".into(), |s| mb(s.counted_bytes))
}

fn reported(r: &ScenarioResult, name: &str) -> String {
    r.stage(name)
        .map_or_else(|| "-".into(), |s| mb_opt(s.reported_bytes))
}

fn rss(r: &ScenarioResult, name: &str) -> String {
    r.stage(name)
        .map_or_else(|| "-".into(), |s| mb_opt(s.rss_bytes))
}

fn opt(v: Option<f64>, digits: usize, suffix: &str) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.digits$}{suffix}"))
}

/// The human-readable report as text tables (figures in MB = 10^6 bytes).
pub fn render_text(report: &Report) -> String {
    render(report, Format::Text)
}

/// The human-readable report in `format` (figures in MB = 10^6 bytes):
/// the scenario tables, the verdict table and the "best for" lines.
pub fn render(report: &Report, format: Format) -> String {
    let mut out = String::new();
    let md = format == Format::Markdown;
    let title = |out: &mut String, text: String| {
        if md {
            let _ = writeln!(out, "**{text}**\n");
        } else {
            let _ = writeln!(out, "{text}");
        }
    };
    let p = &report.plan;
    // Numbered notes, one per variant that has one; the tables' last column
    // points at them.
    let mut notes: Vec<(&str, &str)> = Vec::new();
    for r in &report.results {
        if !r.note.is_empty() && !notes.iter().any(|(v, _)| *v == r.variant) {
            notes.push((&r.variant, &r.note));
        }
    }
    let mark = |r: &ScenarioResult| -> String {
        notes
            .iter()
            .position(|(v, _)| *v == r.variant)
            .map_or_else(String::new, |i| format!("[{}]", i + 1))
    };
    let by = |scenario: Scenario| -> Vec<&ScenarioResult> {
        report
            .results
            .iter()
            .filter(|r| r.scenario() == scenario)
            .collect()
    };
    if p.key != KeyKind::U64 || p.value_bytes.is_some() {
        title(&mut out, format!("entries: {}", p.entry_label()));
    }
    let rows = by(Scenario::DeleteAll);
    if !rows.is_empty() {
        title(&mut out, format!(
            "delete-all: fill {}, remove all (no reclaim call), reclaim(), refill. MB counted by the global allocator unless said.",
            p.entries
        ));
        let rows = group_rows(rows, &|r| {
            vec![
                r.variant.clone(),
                counted(r, "filled"),
                counted(r, "after-remove"),
                opt(r.delete_all().map(|f| f.held_after_remove_pct), 2, "%"),
                counted(r, "after-reclaim"),
                counted(r, "refilled"),
                opt(r.delete_all().map(|f| f.refill_ratio), 3, "x"),
                reported(r, "filled"),
                reported(r, "after-remove"),
                mb_opt(r.rss_start_bytes),
                rss(r, "filled"),
                rss(r, "after-remove"),
                rss(r, "after-reclaim"),
                mark(r),
            ]
        });
        table(
            &mut out,
            &[
                "variant",
                "filled",
                "removed",
                "held",
                "reclaim()",
                "refilled",
                "refill",
                "rep filled",
                "rep removed",
                "RSS start",
                "RSS filled",
                "RSS removed",
                "RSS reclaim()",
                "note",
            ],
            &rows,
            format,
        );
        out.push('\n');
    }

    let rows = by(Scenario::Spike);
    if !rows.is_empty() {
        title(&mut out, format!(
            "spike: fill {}, remove down to {}, then {} insert-new/remove-oldest. x = counted bytes over a fresh map of {}.",
            p.spike_peak,
            p.spike_keep,
            p.spike_keep * 10,
            p.spike_keep
        ));
        let rows = group_rows(rows, &|r| {
            vec![
                r.variant.clone(),
                counted(r, "fresh"),
                counted(r, "peak"),
                counted(r, "after-remove"),
                opt(r.spike().map(|f| f.after_remove_vs_fresh), 2, "x"),
                counted(r, "after-operate"),
                opt(r.spike().map(|f| f.held_vs_fresh), 2, "x"),
                reported(r, "after-operate"),
                rss(r, "peak"),
                rss(r, "after-operate"),
                mark(r),
            ]
        });
        table(
            &mut out,
            &[
                "variant",
                "fresh",
                "peak",
                "removed",
                "x fresh",
                "operated",
                "x fresh",
                "rep operated",
                "RSS peak",
                "RSS operated",
                "note",
            ],
            &rows,
            format,
        );
        out.push('\n');
    }

    let rows = by(Scenario::Churn);
    if !rows.is_empty() {
        title(&mut out, format!(
            "churn: {} live, {} insert-new/remove-oldest pairs. x = peak counted bytes over a fresh map of {}.",
            p.churn_live, p.churn_ops, p.churn_live
        ));
        let rows = group_rows(rows, &|r| {
            vec![
                r.variant.clone(),
                counted(r, "fresh"),
                counted(r, "peak"),
                opt(r.churn().map(|f| f.peak_vs_fresh), 2, "x"),
                counted(r, "end"),
                mb_opt(r.reported_peak_bytes),
                rss(r, "peak"),
                mark(r),
            ]
        });
        table(
            &mut out,
            &[
                "variant", "fresh", "peak", "x fresh", "end", "rep peak", "RSS peak", "note",
            ],
            &rows,
            format,
        );
        out.push('\n');
    }

    let rows = by(Scenario::DrainIdle);
    if !rows.is_empty() {
        let peaks = p.distinct_drain_idle_peaks();
        let shares: Vec<String> = p.drain_idle_permille.iter().map(|&m| permille(m)).collect();
        let fills: Vec<String> = peaks.iter().map(usize::to_string).collect();
        title(&mut out, format!(
            "drain-idle: fill {}, remove the oldest down to {} of the peak, insert nothing after ({} cases). x = counted bytes held over a fresh map of the survivors; bound {}x, goal {}x.",
            fills.join(" / "),
            shares.join(", "),
            peaks.len() * shares.len(),
            DRAIN_IDLE_BOUND,
            DRAIN_IDLE_GOAL,
        ));
        let rows = group_rows(rows, &|r| {
            let Some(d) = r.drain_idle() else {
                return vec![r.variant.clone()];
            };
            let mut row = vec![
                r.variant.clone(),
                format!("{:.2}x", d.worst_vs_fresh),
                format!("{} -> {}", d.worst_peak, d.worst_survivors),
                d.over_bound.to_string(),
                d.over_goal.to_string(),
            ];
            for &peak in &peaks {
                row.push(opt(d.worst_at(peak), 2, "x"));
            }
            row.push(mark(r));
            row
        });
        let over_bound = format!("> {DRAIN_IDLE_BOUND}x");
        let over_goal = format!("> {DRAIN_IDLE_GOAL}x");
        let mut header = vec![
            "variant".to_string(),
            "worst".into(),
            "worst case".into(),
            over_bound,
            over_goal,
        ];
        for peak in &peaks {
            header.push(format!("worst from {peak}"));
        }
        header.push("note".into());
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        table(&mut out, &header, &rows, format);
        out.push('\n');
    }

    let rows = by(Scenario::Bursts);
    if !rows.is_empty() {
        render_bursts(&mut out, &rows, &mark, format);
    }

    if let Some(pauses) = &report.pauses {
        out.push_str(&super::pauses::render(pauses, format));
    }

    render_verdicts(&mut out, report, format);

    if !notes.is_empty() {
        out.push_str(if md { "Notes:\n\n" } else { "notes:\n" });
        for (i, (variant, note)) in notes.iter().enumerate() {
            if md {
                let _ = writeln!(out, "{}. {variant}: {note}", i + 1);
            } else {
                let _ = writeln!(out, "  [{}] {variant}: {note}", i + 1);
            }
        }
        if md {
            out.push('\n');
        }
    }
    let _ = writeln!(
        out,
        "{}RSS: {}; allocator: {}.",
        if md { "\n" } else { "" },
        if report.isolation == "process" {
            "each scenario in a fresh process"
        } else {
            "all scenarios in one process"
        },
        report.meta.allocator
    );
    out
}

/// The rows `f` makes of `rows`: single-owner maps first, then a blank row
/// and the concurrent maps.
fn group_rows(
    rows: Vec<&ScenarioResult>,
    f: &dyn Fn(&ScenarioResult) -> Vec<String>,
) -> Vec<Vec<String>> {
    let mut single: Vec<Vec<String>> = Vec::new();
    let mut concurrent: Vec<Vec<String>> = Vec::new();
    for r in rows {
        let row = f(r);
        if r.group == Group::Concurrent {
            concurrent.push(row);
        } else {
            single.push(row);
        }
    }
    if !single.is_empty() && !concurrent.is_empty() {
        let blank = vec![String::new(); single[0].len()];
        single.push(blank);
    }
    single.extend(concurrent);
    single
}

/// `permille` thousandths as a percentage: `10%`, `0.5%`.
fn permille(permille: usize) -> String {
    if permille % 10 == 0 {
        format!("{}%", permille / 10)
    } else {
        format!("{}%", permille as f64 / 10.0)
    }
}

/// The bursts section: RSS at every stage, the references and the ratios,
/// the bound and which map is lowest after the bursts.
fn render_bursts(
    out: &mut String,
    rows: &[&ScenarioResult],
    mark: &dyn Fn(&ScenarioResult) -> String,
    format: Format,
) {
    let md = format == Format::Markdown;
    let Some(first) = rows.iter().find_map(|r| r.bursts()) else {
        return;
    };
    let hashbrown = rows
        .iter()
        .find_map(|r| r.bursts()?.hashbrown_reference_rss_bytes);
    let heading = format!(
        "bursts: {} bursts of {} (u64, [u8; 32]) entries into a map made by its default constructor, each drained to 1% (every {}th key kept) then one insert; {:.1} s idle after the last. RSS in MB, each map in a fresh process. ref: a fresh process holding the {} survivors in the same map{}.",
        first.bursts,
        first.per_burst,
        KEEP_EVERY,
        first.idle_ms as f64 / 1e3,
        first.survivors,
        hashbrown.map_or_else(String::new, |h| format!(
            " (hashbrown, the common reference: {} MB)",
            mb(h as i64)
        )),
    );
    if md {
        let _ = writeln!(out, "**{heading}**\n");
    } else {
        let _ = writeln!(out, "{heading}");
    }
    let ratio = |v: Option<f64>| opt(v, 2, "x");
    let table_rows = group_rows(rows.to_vec(), &|r| {
        let Some(b) = r.bursts() else {
            return vec![r.variant.clone()];
        };
        let peak = crate::model::bursts::worst_rss(r, "-peak");
        let mut row = vec![r.variant.clone(), mb_opt(peak)];
        for stage in &STAGES {
            if !stage.ends_with("-peak") {
                row.push(rss(r, stage));
            }
        }
        row.extend([
            mb_opt(b.reference_rss_bytes),
            ratio(b.worst_drained_vs_reference),
            ratio(b.idle_vs_reference),
            ratio(b.worst_drained_vs_hashbrown_reference),
            format!("{:.0}x", b.bound),
            mark(r),
        ]);
        row
    });
    table(
        out,
        &[
            "variant",
            "peak",
            "drained 1",
            "insert 1",
            "drained 2",
            "insert 2",
            "drained 3",
            "insert 3",
            "idle",
            "ref",
            "worst drained x ref",
            "idle x ref",
            "x hashbrown ref",
            "bound",
            "note",
        ],
        &table_rows,
        format,
    );
    if md {
        out.push('\n');
    }
    let on = if first.bound_on == crate::model::bursts::BoundOn::Idle {
        "the RSS after the idle wait (idle x ref; this allocator gives pages back late)"
    } else {
        "the worst RSS after a drain (worst drained x ref)"
    };
    let checked = if first.checked {
        format!("this run's bursts of {} are checked", first.per_burst)
    } else {
        format!(
            "this run's bursts of {} are shown, not checked: a table that small is not much beside what the process itself holds",
            first.per_burst
        )
    };
    let _ = writeln!(
        out,
        "bound: {on} at most `bound` times ref, for the workspace's variants (baselines and peers are shown, not held to it); checked at bursts of {} entries and more, where a map that keeps its tables cannot pass: {checked}.",
        first.check_min_entries
    );
    let mut best = Vec::new();
    for group in [Group::Single, Group::Concurrent] {
        let lowest = rows
            .iter()
            .filter(|r| r.group == group)
            .filter_map(|r| Some((r, r.bursts()?.bound_rss_bytes()?)))
            .min_by_key(|&(_, rss)| rss);
        if let Some((r, rss)) = lowest {
            let of = if group == Group::Single {
                "single-owner maps"
            } else {
                "concurrent maps"
            };
            best.push(format!("{} ({} MB) of the {of}", r.variant, mb(rss as i64)));
        }
    }
    if !best.is_empty() {
        let _ = writeln!(out, "lowest RSS after the bursts: {}.", best.join("; "));
    }
    out.push('\n');
}

/// The verdict table (each variant against each bar) and the "best for" lines.
fn render_verdicts(out: &mut String, report: &Report, format: Format) {
    if report.verdicts.is_empty() {
        return;
    }
    let md = format == Format::Markdown;
    let bars: Vec<&crate::verdict::Bar> = crate::verdict::BARS
        .iter()
        .filter(|b| report.verdicts.iter().any(|v| v.bar == b.name))
        .collect();
    let heading = "verdicts: the design's bars (workspace variants must pass; baselines and peers for comparison).";
    if md {
        let _ = writeln!(out, "**{heading}**\n");
    } else {
        let _ = writeln!(out, "{heading}");
    }
    let mut header: Vec<String> = vec!["variant".into()];
    header.extend(bars.iter().map(|b| b.header()));
    let mut rows = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for v in &report.verdicts {
        if seen.contains(&v.variant.as_str()) {
            continue;
        }
        seen.push(&v.variant);
        let mut row = vec![if v.kind == crate::model::Kind::Variant {
            v.variant.clone()
        } else {
            format!("{} ({})", v.variant, v.kind.name())
        }];
        for b in &bars {
            row.push(
                report
                    .verdicts
                    .iter()
                    .find(|x| x.variant == v.variant && x.bar == b.name)
                    .map_or_else(
                        || "-".into(),
                        |x| {
                            let verdict = match (x.checked, x.pass) {
                                (false, _) => "unchecked",
                                (true, true) => "pass",
                                (true, false) => "FAIL",
                            };
                            format!("{verdict} {}", b.show(x.value))
                        },
                    ),
            );
        }
        rows.push(row);
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    table(out, &header, &rows, format);
    out.push('\n');
    for b in &report.best_for {
        if md {
            let _ = writeln!(out, "- **{}**: {}", b.variant, b.line);
        } else {
            let _ = writeln!(out, "{}: {}", b.variant, b.line);
        }
    }
    out.push('\n');
}

/// One CSV row per variant, scenario and stage.
pub fn render_stages_csv(report: &Report) -> String {
    let mut out =
        String::from("variant,group,scenario,stage,counted_bytes,reported_bytes,rss_bytes\n");
    let cell = |v: Option<u64>| v.map_or_else(String::new, |v| v.to_string());
    for r in &report.results {
        for s in &r.stages {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{}",
                r.variant,
                r.group.name(),
                r.scenario().name(),
                s.stage,
                s.counted_bytes,
                cell(s.reported_bytes),
                cell(s.rss_bytes)
            );
        }
    }
    out
}

/// One CSV row per variant and scenario, with the ratios.
pub fn render_summary_csv(report: &Report) -> String {
    let mut out = String::from(
        "variant,group,scenario,entries,held_after_remove_pct,held_after_reclaim_pct,refill_ratio,after_remove_vs_fresh,held_vs_fresh,peak_vs_fresh,reported_peak_bytes,seconds,drain_idle_worst_vs_fresh,bursts_worst_drained_vs_reference,bursts_idle_vs_reference\n",
    );
    let f = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.4}"));
    for r in &report.results {
        let bursts = r.bursts();
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{:.3},{},{},{}",
            r.variant,
            r.group.name(),
            r.scenario().name(),
            r.entries,
            f(r.delete_all().map(|f| f.held_after_remove_pct)),
            f(r.delete_all().map(|f| f.held_after_reclaim_pct)),
            f(r.delete_all().map(|f| f.refill_ratio)),
            f(r.spike().map(|f| f.after_remove_vs_fresh)),
            f(r.spike().map(|f| f.held_vs_fresh)),
            f(r.churn().map(|f| f.peak_vs_fresh)),
            r.reported_peak_bytes
                .map_or_else(String::new, |v| v.to_string()),
            r.seconds,
            f(r.drain_idle().map(|d| d.worst_vs_fresh)),
            f(bursts.and_then(|b| b.worst_drained_vs_reference)),
            f(bursts.and_then(|b| b.idle_vs_reference)),
        );
    }
    out
}
