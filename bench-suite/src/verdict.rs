//! The design's bars applied to a report: a verdict per variant and bar,
//! the misses `reclaim --check` fails on, and a "best for" line per
//! variant derived from the figures.

use crate::model::{BestFor, Group, Plan, Report, Scenario, ScenarioResult, Verdict};

/// One bar of the design.
#[derive(Debug, Clone, Copy)]
pub struct Bar {
    /// Short name (a column of the verdict table).
    pub name: &'static str,
    /// The scenario it reads.
    pub scenario: Scenario,
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
        (result.scenario() == self.scenario)
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
        .map_or(crate::model::bursts::BOUND, |b| b.limit_for(variant))
}

/// The bars every variant of the workspace must pass (DESIGN.md).
pub const BARS: [Bar; 6] = [
    Bar {
        name: "delete-all held",
        scenario: Scenario::DeleteAll,
        what: "bytes held after removing every entry, % of the fill",
        limit: 1.0,
        unit: "%",
        exceptions: &[],
        figure: |r| r.delete_all().map(|f| f.held_after_remove_pct),
        checked: |_| true,
    },
    Bar {
        name: "refill",
        scenario: Scenario::DeleteAll,
        what: "bytes after refilling, over the first fill",
        limit: 1.05,
        unit: "x",
        exceptions: &[],
        figure: |r| r.delete_all().map(|f| f.refill_ratio),
        checked: |_| true,
    },
    Bar {
        name: "spike held",
        scenario: Scenario::Spike,
        what: "bytes held after the spike's removals and operating, x a fresh map",
        limit: 3.0,
        unit: "x",
        exceptions: &[],
        figure: |r| r.spike().map(|f| f.held_vs_fresh),
        checked: |_| true,
    },
    Bar {
        name: "churn peak",
        scenario: Scenario::Churn,
        what: "peak bytes under churn, x a fresh map",
        limit: 3.0,
        unit: "x",
        exceptions: &[],
        figure: |r| r.churn().map(|f| f.peak_vs_fresh),
        checked: |_| true,
    },
    Bar {
        name: "drain-idle worst",
        scenario: Scenario::DrainIdle,
        what: "bytes held after a drain with nothing inserted after, x a fresh map of the survivors, worst of the sweep",
        limit: map_conformance::scenarios::DRAIN_IDLE_BOUND,
        unit: "x",
        exceptions: &[],
        figure: |r| r.drain_idle().map(|d| d.worst_vs_fresh),
        checked: |_| true,
    },
    Bar {
        name: BURSTS_BAR,
        scenario: Scenario::Bursts,
        what: "process RSS after a burst's drain (glibc) or after the idle wait (jemalloc, mimalloc), x a fresh process holding the survivors",
        limit: crate::model::bursts::BOUND,
        unit: "x",
        exceptions: &[("sync-map", 3.0)],
        figure: |r| r.bursts().and_then(|b| b.bound_figure()),
        checked: |r| r.bursts().is_some_and(|b| b.checked),
    },
];

/// Every variant against every bar whose scenario ran, in report order.
pub fn verdicts(results: &[ScenarioResult]) -> Vec<Verdict> {
    let mut out = Vec::new();
    for r in results {
        for bar in &BARS {
            if let Some(value) = bar.figure(r) {
                let limit = bar.limit_for(&r.variant);
                out.push(Verdict {
                    variant: r.variant.clone(),
                    kind: r.kind,
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
        .filter(|v| v.kind == crate::model::Kind::Variant && v.checked && !v.pass)
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
    scenario: Scenario,
    value: fn(&ScenarioResult) -> Option<f64>,
    show: fn(f64) -> String,
}

/// Times are left out: one run's scenario time is too noisy to rank maps
/// (`throughput` measures speed side by side).
const FIGURES: [Figure; 6] = [
    Figure {
        label: "giving memory back after delete-all",
        scenario: Scenario::DeleteAll,
        value: |r| r.delete_all().map(|f| f.held_after_remove_pct),
        show: |v| format!("{v:.2}% held"),
    },
    Figure {
        label: "the smallest full map",
        scenario: Scenario::DeleteAll,
        value: |r| r.stage("filled").map(|s| s.counted_bytes as f64),
        show: |v| format!("{:.2} MB filled", v / 1e6),
    },
    Figure {
        label: "shrinking after a spike",
        scenario: Scenario::Spike,
        value: |r| r.spike().map(|f| f.held_vs_fresh),
        show: |v| format!("{v:.2}x fresh"),
    },
    Figure {
        label: "a low peak under churn",
        scenario: Scenario::Churn,
        value: |r| r.churn().map(|f| f.peak_vs_fresh),
        show: |v| format!("{v:.2}x fresh"),
    },
    Figure {
        label: "giving memory back after a drain with nothing inserted after",
        scenario: Scenario::DrainIdle,
        value: |r| r.drain_idle().map(|d| d.worst_vs_fresh),
        show: |v| format!("{v:.2}x fresh at worst"),
    },
    Figure {
        label: "the lowest RSS after the bursts",
        scenario: Scenario::Bursts,
        value: |r| {
            r.bursts()
                .and_then(|b| b.bound_rss_bytes())
                .map(|v| v as f64)
        },
        show: |v| format!("{:.2} MB", v / 1e6),
    },
];

/// One map's value of one figure.
struct Entry<'a> {
    variant: &'a str,
    group: Group,
    value: f64,
}

/// One figure where lower is better, with every map's value.
struct Ranked<'a> {
    label: String,
    show: fn(f64) -> String,
    entries: Vec<Entry<'a>>,
}

/// Values within this factor of the best count as the best: closer than
/// one run's noise.
const TIE: f64 = 1.05;

/// The figures of `results` and of the pauses, where they ran.
fn ranked<'a>(
    results: &'a [ScenarioResult],
    pauses: Option<&'a crate::model::pauses::PausesReport>,
) -> Vec<Ranked<'a>> {
    let mut all: Vec<Ranked<'a>> = FIGURES
        .iter()
        .map(|f| Ranked {
            label: f.label.to_string(),
            show: f.show,
            entries: results
                .iter()
                .filter(|r| r.scenario() == f.scenario)
                .filter_map(|r| {
                    (f.value)(r).map(|value| Entry {
                        variant: &r.variant,
                        group: r.group,
                        value,
                    })
                })
                .collect(),
        })
        .collect();
    if let Some(p) = pauses {
        let mut phases: Vec<&str> = Vec::new();
        for m in &p.results {
            for ph in &m.phases {
                if !phases.contains(&ph.phase.as_str()) {
                    phases.push(&ph.phase);
                }
            }
        }
        for phase in phases {
            all.push(Ranked {
                label: format!("the shortest longest {phase} pause"),
                show: |v| {
                    if v < 10e3 {
                        format!("{:.2} us", v / 1e3)
                    } else {
                        format!("{:.0} us", v / 1e3)
                    }
                },
                entries: p
                    .results
                    .iter()
                    .filter_map(|m| {
                        let ph = m.phases.iter().find(|ph| ph.phase == phase)?;
                        Some(Entry {
                            variant: &m.variant,
                            group: m.group,
                            value: f64::from(ph.longest_ns),
                        })
                    })
                    .collect(),
            });
        }
    }
    all
}

/// One line per variant, in report order, within its group (single-owner
/// or concurrent maps): the figures where it alone is the best (no other
/// map within 5%), those where it ties for the best (naming the others),
/// or, when it is the best at nothing, the figure where it comes nearest;
/// then how many bars it passes. The pauses count when they ran.
pub fn best_for(
    results: &[ScenarioResult],
    pauses: Option<&crate::model::pauses::PausesReport>,
) -> Vec<(String, String)> {
    let mut names: Vec<(&str, Group)> = Vec::new();
    let timed = pauses.iter().flat_map(|p| &p.results);
    for (variant, group) in results
        .iter()
        .map(|r| (&r.variant, r.group))
        .chain(timed.map(|m| (&m.variant, m.group)))
    {
        if !names.iter().any(|(n, _)| *n == variant) {
            names.push((variant, group));
        }
    }
    let figures = ranked(results, pauses);
    let all = verdicts(results);
    names
        .into_iter()
        .map(|(name, group)| {
            let mut unique = Vec::new();
            let mut tied = Vec::new();
            // (how far from the best, the figure's text) of its closest miss.
            let mut nearest: Option<(f64, String)> = None;
            for f in &figures {
                let peers: Vec<&Entry> = f.entries.iter().filter(|e| e.group == group).collect();
                let Some(mine) = peers.iter().find(|e| e.variant == name) else {
                    continue;
                };
                if peers.len() < 2 {
                    continue;
                }
                let best = peers.iter().map(|e| e.value).fold(f64::INFINITY, f64::min);
                let at_best = |v: f64| v <= best * TIE + 1e-9;
                let shown = (f.show)(mine.value);
                if at_best(mine.value) {
                    let others: Vec<&str> = peers
                        .iter()
                        .filter(|e| e.variant != name && at_best(e.value))
                        .map(|e| e.variant)
                        .collect();
                    if others.is_empty() {
                        unique.push(format!("{} ({shown})", f.label));
                    } else {
                        tied.push(format!("{} ({shown}, with {})", f.label, others.join(", ")));
                    }
                } else if best > 0.0 {
                    let off = mine.value / best;
                    if nearest.as_ref().is_none_or(|(o, _)| off < *o) {
                        nearest = Some((off, format!("{} ({shown}, {off:.2}x the best)", f.label)));
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
            let in_results = results.iter().any(|r| r.variant == name);
            let mut bars = if !in_results {
                "timed in the pauses only".to_string()
            } else if mine.is_empty() {
                "no bar checked at this size".to_string()
            } else {
                format!("passes {passed} of {} bars", mine.len())
            };
            if unchecked > 0 {
                bars.push_str(&format!(
                    " ({unchecked} more shown, not checked at this size)"
                ));
            }
            let mut parts = Vec::new();
            if !unique.is_empty() {
                parts.push(format!("best for {}", unique.join(", ")));
            }
            if !tied.is_empty() {
                parts.push(format!("tied for the best at {}", tied.join("; ")));
            }
            if parts.is_empty() {
                parts.push(match nearest {
                    Some((_, text)) => format!("best at nothing measured here; nearest: {text}"),
                    None => "best at nothing measured here".to_string(),
                });
            }
            parts.push(bars);
            (name.to_string(), parts.join("; "))
        })
        .collect()
}

impl Report {
    /// The report of `results`, with the verdicts and "best for" lines
    /// derived from them.
    pub fn new(
        meta: crate::meta::Meta,
        plan: Plan,
        isolation: &'static str,
        results: Vec<ScenarioResult>,
    ) -> Self {
        let verdicts = verdicts(&results);
        let misses = misses(&verdicts);
        let best_for = best_for_lines(&results, None);
        Self {
            meta,
            isolation,
            results,
            verdicts,
            misses,
            best_for,
            plan,
            pauses: None,
        }
    }

    /// Adds the pauses scenario, and its figures to the "best for" lines.
    pub fn set_pauses(&mut self, pauses: crate::model::pauses::PausesReport) {
        self.best_for = best_for_lines(&self.results, Some(&pauses));
        self.pauses = Some(pauses);
    }
}

fn best_for_lines(
    results: &[ScenarioResult],
    pauses: Option<&crate::model::pauses::PausesReport>,
) -> Vec<BestFor> {
    best_for(results, pauses)
        .into_iter()
        .map(|(variant, line)| BestFor { variant, line })
        .collect()
}
