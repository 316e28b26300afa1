//! The design's bars applied to a report: a verdict per variant and bar,
//! the misses `reclaim --check` fails on, and a "best for" line per
//! variant derived from the figures.

use serde::Serialize;

use crate::report::ScenarioResult;

/// One bar of the design.
#[derive(Debug, Clone, Copy)]
pub struct Bar {
    /// Short name (a column of the verdict table).
    pub name: &'static str,
    /// The scenario it reads.
    pub scenario: &'static str,
    /// What it measures, for the reader.
    pub what: &'static str,
    /// The highest passing figure.
    pub limit: f64,
    /// The unit the figure is shown in (`%` or `x`).
    pub unit: &'static str,
    /// Variants held to another limit than `limit`, by name.
    pub exceptions: &'static [(&'static str, f64)],
    figure: fn(&ScenarioResult) -> Option<f64>,
    checked: fn(&ScenarioResult) -> bool,
}

impl Bar {
    /// This bar's figure in `result`, if `result` is of its scenario.
    pub fn figure(&self, result: &ScenarioResult) -> Option<f64> {
        (result.scenario == self.scenario)
            .then(|| (self.figure)(result))
            .flatten()
    }

    /// The limit `variant` is held to.
    pub fn limit_for(&self, variant: &str) -> f64 {
        self.exceptions
            .iter()
            .find(|(name, _)| *name == variant)
            .map_or(self.limit, |&(_, limit)| limit)
    }

    /// Whether `--check` holds `result` to this bar (the bursts' RSS bound
    /// only at sizes where it can tell; every other bar always).
    pub fn checked(&self, result: &ScenarioResult) -> bool {
        (self.checked)(result)
    }

    /// The verdict table's column: `spike held <= 3.00x`, with the
    /// exceptions in brackets.
    pub fn header(&self) -> String {
        let mut text = format!("{} <= {}", self.name, self.show(self.limit));
        for (variant, limit) in self.exceptions {
            text.push_str(&format!(" ({variant} {})", self.show(*limit)));
        }
        text
    }

    /// The figure formatted with its unit.
    pub fn show(&self, value: f64) -> String {
        match self.unit {
            "%" => format!("{value:.2}%"),
            _ => format!("{value:.2}x"),
        }
    }
}

/// The name of the bursts' RSS bar.
pub const BURSTS_BAR: &str = "bursts RSS";

/// The limit of the bursts' RSS bar for `variant`: 2x a fresh process
/// holding the survivors, 3x for sync-map (two copies of its table).
pub fn bursts_bound(variant: &str) -> f64 {
    BARS.iter()
        .find(|b| b.name == BURSTS_BAR)
        .map_or(crate::bursts::BOUND, |b| b.limit_for(variant))
}

/// The bars every variant of the workspace must pass (DESIGN.md).
pub const BARS: [Bar; 6] = [
    Bar {
        name: "delete-all held",
        scenario: "delete-all",
        what: "bytes held after removing every entry, % of the fill",
        limit: 1.0,
        unit: "%",
        exceptions: &[],
        figure: |r| r.held_after_remove_pct,
        checked: |_| true,
    },
    Bar {
        name: "refill",
        scenario: "delete-all",
        what: "bytes after refilling, over the first fill",
        limit: 1.05,
        unit: "x",
        exceptions: &[],
        figure: |r| r.refill_ratio,
        checked: |_| true,
    },
    Bar {
        name: "spike held",
        scenario: "spike",
        what: "bytes held after the spike's removals and operating, x a fresh map",
        limit: 3.0,
        unit: "x",
        exceptions: &[],
        figure: |r| r.held_vs_fresh,
        checked: |_| true,
    },
    Bar {
        name: "churn peak",
        scenario: "churn",
        what: "peak bytes under churn, x a fresh map",
        limit: 3.0,
        unit: "x",
        exceptions: &[],
        figure: |r| r.peak_vs_fresh,
        checked: |_| true,
    },
    Bar {
        name: "drain-idle worst",
        scenario: "drain-idle",
        what: "bytes held after a drain with nothing inserted after, x a fresh map of the survivors, worst of the sweep",
        limit: map_conformance::scenarios::DRAIN_IDLE_BOUND,
        unit: "x",
        exceptions: &[],
        figure: |r| r.drain_idle.as_ref().map(|d| d.worst_vs_fresh),
        checked: |_| true,
    },
    Bar {
        name: BURSTS_BAR,
        scenario: "bursts",
        what: "process RSS after a burst's drain (glibc) or after the idle wait (jemalloc, mimalloc), x a fresh process holding the survivors",
        limit: crate::bursts::BOUND,
        unit: "x",
        exceptions: &[("sync-map", 3.0)],
        figure: |r| r.bursts.as_ref().and_then(|b| b.bound_figure()),
        checked: |r| r.bursts.as_ref().is_some_and(|b| b.checked),
    },
];

/// One variant against one bar.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The variant.
    pub variant: String,
    /// `variant`, `baseline` or `peer`; only `variant` rows are checked.
    pub kind: String,
    /// The bar's name.
    pub bar: &'static str,
    /// The figure.
    pub value: f64,
    /// The limit this variant is held to.
    pub limit: f64,
    /// Whether the figure is within the limit.
    pub pass: bool,
    /// Whether `--check` holds the variant to it (false where the figure
    /// is shown only: the bursts' RSS at small sizes).
    pub checked: bool,
}

/// Every variant against every bar whose scenario ran, in report order.
pub fn verdicts(results: &[ScenarioResult]) -> Vec<Verdict> {
    let mut out = Vec::new();
    for r in results {
        for bar in &BARS {
            if let Some(value) = bar.figure(r) {
                let limit = bar.limit_for(&r.variant);
                out.push(Verdict {
                    variant: r.variant.clone(),
                    kind: r.kind.clone(),
                    bar: bar.name,
                    value,
                    limit,
                    pass: value <= limit,
                    checked: bar.checked(r),
                });
            }
        }
    }
    out
}

/// The failed, checked verdicts of the workspace's own variants: what
/// `reclaim --check` reports (baselines and peers are not held to the bars).
///
/// ```
/// use bench_suite::verdict::{misses, verdicts};
/// // No results, nothing missed.
/// assert!(misses(&verdicts(&[])).is_empty());
/// ```
pub fn misses(verdicts: &[Verdict]) -> Vec<Verdict> {
    verdicts
        .iter()
        .filter(|v| v.kind == "variant" && v.checked && !v.pass)
        .cloned()
        .collect()
}

/// One line per miss, e.g. `arena-map: churn peak 12.00x > 3.00x`.
pub fn describe_misses(misses: &[Verdict]) -> Vec<String> {
    misses
        .iter()
        .map(|m| {
            let bar = BARS.iter().find(|b| b.name == m.bar).expect("known bar");
            format!(
                "{}: {} {} > {} ({})",
                m.variant,
                m.bar,
                bar.show(m.value),
                bar.show(m.limit),
                bar.what
            )
        })
        .collect()
}

/// A figure where lower is better, for the "best for" lines.
struct Figure {
    label: &'static str,
    scenario: &'static str,
    value: fn(&ScenarioResult) -> Option<f64>,
    show: fn(f64) -> String,
}

/// Times are left out: one run's scenario time is too noisy to rank maps
/// (`throughput` measures speed side by side).
const FIGURES: [Figure; 6] = [
    Figure {
        label: "giving memory back after delete-all",
        scenario: "delete-all",
        value: |r| r.held_after_remove_pct,
        show: |v| format!("{v:.2}% held"),
    },
    Figure {
        label: "the smallest full map",
        scenario: "delete-all",
        value: |r| stage_bytes(r, "filled"),
        show: |v| format!("{:.2} MB filled", v / 1e6),
    },
    Figure {
        label: "shrinking after a spike",
        scenario: "spike",
        value: |r| r.held_vs_fresh,
        show: |v| format!("{v:.2}x fresh"),
    },
    Figure {
        label: "a low peak under churn",
        scenario: "churn",
        value: |r| r.peak_vs_fresh,
        show: |v| format!("{v:.2}x fresh"),
    },
    Figure {
        label: "giving memory back after a drain with nothing inserted after",
        scenario: "drain-idle",
        value: |r| r.drain_idle.as_ref().map(|d| d.worst_vs_fresh),
        show: |v| format!("{v:.2}x fresh at worst"),
    },
    Figure {
        label: "the lowest RSS after the bursts",
        scenario: "bursts",
        value: |r| {
            r.bursts
                .as_ref()
                .and_then(|b| b.bound_rss_bytes())
                .map(|v| v as f64)
        },
        show: |v| format!("{:.2} MB", v / 1e6),
    },
];

fn stage_bytes(r: &ScenarioResult, stage: &str) -> Option<f64> {
    r.stages
        .iter()
        .find(|s| s.stage == stage)
        .map(|s| s.counted_bytes as f64)
}

/// One line per variant, in report order: the figures where it is the best
/// of its group (single-owner or concurrent maps), or within 5% of the best,
/// and how many bars it passes.
pub fn best_for(results: &[ScenarioResult]) -> Vec<(String, String)> {
    let mut names: Vec<(&str, &str)> = Vec::new();
    for r in results {
        if !names.iter().any(|(n, _)| *n == r.variant) {
            names.push((&r.variant, &r.group));
        }
    }
    let all = verdicts(results);
    names
        .into_iter()
        .map(|(name, group)| {
            let mut wins = Vec::new();
            for f in &FIGURES {
                let of = |r: &ScenarioResult| {
                    (r.scenario == f.scenario && r.group == group)
                        .then(|| (f.value)(r))
                        .flatten()
                };
                let best = results.iter().filter_map(of).fold(f64::INFINITY, f64::min);
                let mine = results.iter().filter(|r| r.variant == name).find_map(of);
                let peers = results.iter().filter_map(of).count();
                if let Some(mine) = mine {
                    if peers > 1 && mine <= best * 1.05 + 1e-9 {
                        wins.push(format!("{} ({})", f.label, (f.show)(mine)));
                    }
                }
            }
            let mine: Vec<&Verdict> = all
                .iter()
                .filter(|v| v.variant == name && v.checked)
                .collect();
            let passed = mine.iter().filter(|v| v.pass).count();
            let unchecked = all
                .iter()
                .filter(|v| v.variant == name && !v.checked)
                .count();
            let mut bars = if mine.is_empty() {
                "no bar checked at this size".to_string()
            } else {
                format!("passes {passed} of {} bars", mine.len())
            };
            if unchecked > 0 {
                bars.push_str(&format!(
                    " ({unchecked} more shown, not checked at this size)"
                ));
            }
            let line = if wins.is_empty() {
                format!("best for nothing measured here; {bars}")
            } else {
                format!("best for {}; {bars}", wins.join(", "))
            };
            (name.to_string(), line)
        })
        .collect()
}
