//! The report's scenarios of counted bytes (delete-all, spike, churn,
//! drain then idle) on one map, through the conformance kit's runners
//! ([`map_conformance::scenarios`]), the same code the variants' tests
//! run; each map is wrapped to read the process RSS at every stage (see
//! `observe`).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use map_conformance::scenarios::{self, Bytes, Entries};
use map_core::ReclaimMap;

use crate::model::{
    ChurnFigures, DeleteAllFigures, DrainIdleCase, DrainIdleFigures, Figures, Plan, Scenario,
    ScenarioResult, SpikeFigures, Stage,
};
use crate::observe::{Log, Observed};
use crate::rss;

/// `u64` keys, `Vec<u8>` values of the given length.
#[derive(Debug, Clone, Copy)]
pub struct U64Bytes(pub usize);

/// `String` keys, `[u8; 128]` values.
#[derive(Debug, Clone, Copy)]
pub struct StringArray;

/// `String` keys, `Vec<u8>` values of the given length.
#[derive(Debug, Clone, Copy)]
pub struct StringBytes(pub usize);

fn string_key(i: u64) -> String {
    format!("key:{i:012}")
}

impl Entries for U64Bytes {
    type Key = u64;
    type Value = Vec<u8>;
    fn key(&self, i: u64) -> u64 {
        i
    }
    fn value(&self, i: u64) -> Vec<u8> {
        vec![i as u8; self.0]
    }
}

impl Entries for StringArray {
    type Key = String;
    type Value = [u8; 128];
    fn key(&self, i: u64) -> String {
        string_key(i)
    }
    fn value(&self, i: u64) -> [u8; 128] {
        [i as u8; 128]
    }
}

impl Entries for StringBytes {
    type Key = String;
    type Value = Vec<u8>;
    fn key(&self, i: u64) -> String {
        string_key(i)
    }
    fn value(&self, i: u64) -> Vec<u8> {
        vec![i as u8; self.0]
    }
}

/// Runs `scenario` on maps made by `make`; called through the registry.
pub(crate) fn run_scenario<E, M, F>(
    plan: &Plan,
    scenario: Scenario,
    make: F,
    entries: &E,
) -> ScenarioResult
where
    E: Entries,
    M: ReclaimMap<E::Key, E::Value>,
    F: Fn() -> M,
{
    let log = Rc::new(RefCell::new(Log::new()));
    let manual = plan.manual_policy;
    let observed = || {
        let mut map = make();
        if manual {
            map.set_policy(map_core::ReclaimPolicy::manual());
        }
        Observed::new(map, Rc::clone(&log))
    };
    if scenario == Scenario::DrainIdle {
        return run_drain_idle(plan, make, entries);
    }
    // Give what earlier scenarios left on the C allocator's free lists back
    // to the system, so this scenario's RSS is not theirs.
    rss::trim_allocator();
    let started = Instant::now();
    let rss_start_bytes = rss::resident_bytes();
    // The scenario's own figures, the entries it ran at, the stage names in
    // the order the kit reads `memory()`, and the stages' bytes (the RSS is
    // matched by that order).
    let (own, entries_run, names, bytes): (Figures, usize, &[&str], Vec<Bytes>) = match scenario {
        Scenario::DeleteAll => {
            let d = scenarios::delete_all_with(observed, plan.entries, entries);
            let own = Figures::DeleteAll(DeleteAllFigures {
                held_after_remove_pct: d.held_after_remove() * 100.0,
                held_after_reclaim_pct: ratio(d.after_reclaim.counted, d.filled.counted) * 100.0,
                refill_ratio: d.refill_ratio(),
            });
            (
                own,
                d.entries,
                &["filled", "after-remove", "after-reclaim", "refilled"],
                vec![d.filled, d.after_remove, d.after_reclaim, d.refilled],
            )
        }
        Scenario::Spike => {
            let s = scenarios::spike_with(observed, plan.spike_peak, plan.spike_keep, entries);
            let own = Figures::Spike(SpikeFigures {
                keep: s.keep,
                after_remove_vs_fresh: s.after_remove_vs_fresh(),
                held_vs_fresh: s.held_vs_fresh(),
            });
            (
                own,
                s.peak,
                &["fresh", "peak", "after-remove", "after-operate"],
                vec![s.fresh, s.at_peak, s.after_remove, s.after_operate],
            )
        }
        Scenario::Churn => {
            let c = scenarios::churn_with(observed, plan.churn_live, plan.churn_ops, entries);
            let own = Figures::Churn(ChurnFigures {
                ops: c.ops,
                peak_vs_fresh: c.peak_vs_fresh(),
            });
            let peak = Bytes::new(c.peak_counted, c.peak_reported);
            (
                own,
                c.live,
                &["fresh", "peak", "end"],
                vec![c.fresh, peak, c.end],
            )
        }
        Scenario::DrainIdle | Scenario::Bursts | Scenario::BurstsReference => {
            unreachable!("{} runs through its own runner", scenario.name())
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let log = log.borrow();
    let rss_at = rss_by_stage(scenario, log.peak_rss, &log.at_memory_calls);
    if rss_at.is_none() {
        eprintln!(
            "warning: no RSS per stage for {}: the scenario read memory() {} times, not in the order the report expects",
            scenario.name(),
            log.at_memory_calls.len()
        );
    }
    let stages = names
        .iter()
        .zip(bytes)
        .enumerate()
        .map(|(i, (stage, bytes))| Stage {
            stage: stage.to_string(),
            counted_bytes: bytes.counted as i64,
            reported_bytes: Some(bytes.reported as u64),
            rss_bytes: rss_at.as_ref().and_then(|r| r[i]),
        })
        .collect();
    let mut result = ScenarioResult::new(own, entries_run, stages);
    result.rss_start_bytes = rss_start_bytes;
    result.rss_peak_bytes = log.peak_rss;
    // The map's own peak, read at the scenario's last stage.
    result.reported_peak_bytes = Some(log.last_reported_peak as u64);
    result.seconds = seconds;
    result
}

/// The drain-then-idle sweep: every peak of the plan with every survivor
/// share, each through the kit's [`scenarios::drain_idle_with`] (counted
/// bytes only: no RSS, so the maps are not wrapped).
fn run_drain_idle<E, M, F>(plan: &Plan, make: F, entries: &E) -> ScenarioResult
where
    E: Entries,
    M: ReclaimMap<E::Key, E::Value>,
    F: Fn() -> M,
{
    let manual = plan.manual_policy;
    let make = || {
        let mut map = make();
        if manual {
            map.set_policy(map_core::ReclaimPolicy::manual());
        }
        map
    };
    rss::trim_allocator();
    let started = Instant::now();
    let rss_start_bytes = rss::resident_bytes();
    let mut stages = Vec::new();
    let mut cases =
        Vec::with_capacity(plan.drain_idle_peaks.len() * plan.drain_idle_permille.len());
    for peak in plan.distinct_drain_idle_peaks() {
        for &permille in &plan.drain_idle_permille {
            let d = scenarios::drain_idle_with(make, peak, peak * permille / 1000, entries);
            stages.push(Stage {
                stage: format!("idle-{}-{}", d.peak, d.survivors),
                counted_bytes: d.idle.counted as i64,
                reported_bytes: Some(d.idle.reported as u64),
                rss_bytes: None,
            });
            cases.push(DrainIdleCase {
                peak: d.peak,
                permille,
                survivors: d.survivors,
                peak_bytes: d.at_peak.counted as i64,
                idle_bytes: d.idle.counted as i64,
                fresh_bytes: d.fresh.counted as i64,
                held_vs_fresh: d.held_vs_fresh(),
            });
        }
    }
    let mut result = ScenarioResult::new(
        Figures::DrainIdle(DrainIdleFigures::of(cases)),
        plan.drain_idle_peaks.iter().copied().max().unwrap_or(0),
        stages,
    );
    result.rss_start_bytes = rss_start_bytes;
    result.rss_peak_bytes = rss::resident_bytes();
    result.seconds = started.elapsed().as_secs_f64();
    result
}

/// RSS per stage from the RSS at each `memory()` call, which the kit makes
/// in a known order; `None` if the count does not match (a changed kit).
/// The churn's peak stage takes the sampled peak.
fn rss_by_stage(
    scenario: Scenario,
    peak: Option<u64>,
    calls: &[Option<u64>],
) -> Option<Vec<Option<u64>>> {
    match (scenario, calls) {
        // filled, after-remove, after-reclaim, refilled, then the peak read.
        (Scenario::DeleteAll, [f, r, c, re, _]) => Some(vec![*f, *r, *c, *re]),
        // fresh, peak, after-remove, after-operate.
        (Scenario::Spike, [f, p, r, o]) => Some(vec![*f, *p, *r, *o]),
        // fresh, the peak read at the end, end.
        (Scenario::Churn, [f, _, e]) => Some(vec![*f, peak, *e]),
        _ => None,
    }
}

fn ratio(a: isize, b: isize) -> f64 {
    a as f64 / b.max(1) as f64
}
