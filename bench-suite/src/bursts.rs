//! The `bursts` scenario: does what a map frees reach the operating system?
//!
//! The other scenarios count the bytes a map holds from its allocator. This
//! one reads the process's resident set (RSS), which is what the kernel,
//! the container limit and the next program on the machine see. glibc keeps
//! what a program frees unless it lies at the top of its heap or came from
//! `mmap`, and it raises its mmap threshold to the size of any mmapped block
//! freed, so the tables of a map that shrinks can stay resident after the
//! map let go of them.
//!
//! Each map, made by its default constructor (what a new user gets), runs
//! in a fresh process with `(u64, [u8; 32])` entries:
//!
//! 1. three bursts, each inserting N new keys, then removing all of them
//!    but every 100th (1% survive, scattered over the burst; the survivors
//!    of all bursts stay, 3% of N at the end), then inserting one new key;
//!    RSS read at each burst's peak, after its drain and after the insert;
//! 2. after the third burst, an idle wait (2 s; jemalloc and mimalloc give
//!    pages back late), then RSS once more.
//!
//! Nothing trims the allocator between the phases: the point is what the
//! map and the allocator do on their own ([`rss::trim_allocator`] runs once,
//! before the first burst, as before every scenario).
//!
//! The reference is another fresh process that inserts only the survivors
//! into the same kind of map; the report also runs hashbrown's, the common
//! reference. The design's bound: the worst RSS after a drain at most
//! [`BOUND`] times the reference (sync-map, which keeps two copies of its
//! table: 3x); under jemalloc and mimalloc the RSS after the idle wait is
//! held to the same bound. The bound is checked only at bursts of
//! [`CHECK_MIN_ENTRIES`] and more: below that a table is small beside what
//! the process itself holds (about 4 MB of code, stacks and libraries), and
//! a map that gives nothing back would pass as easily as one that does.

use std::time::{Duration, Instant};

use map_conformance::alloc::Counter;
use map_conformance::scenarios::Entries;
use map_core::{ReclaimMap, ReclaimPolicy};

use crate::model::bursts::{
    bound_after_idle, kept_per_burst, BoundOn, BurstsFigures, Value, BOUND, BURSTS,
    CHECK_MIN_ENTRIES, KEEP_EVERY, MIN_ENTRIES, REFERENCE_STAGE, STAGES,
};
use crate::model::{Figures, Plan, Scenario, ScenarioResult, Stage};
use crate::rss;

/// The bursts' entries: `u64` keys, `[u8; 32]` values.
#[derive(Debug, Clone, Copy, Default)]
pub struct Small;

impl Entries for Small {
    type Key = u64;
    type Value = Value;
    fn key(&self, i: u64) -> u64 {
        i
    }
    fn value(&self, i: u64) -> Value {
        [i as u8; 32]
    }
}

/// Runs the bursts (or, for [`Scenario::BurstsReference`], the reference)
/// on a map made by `make`, in this process; called through the registry.
pub(crate) fn run<M, F>(plan: &Plan, scenario: Scenario, make: F) -> ScenarioResult
where
    M: ReclaimMap<u64, Value>,
    F: Fn() -> M,
{
    let make = || {
        let mut map = make();
        if plan.manual_policy {
            map.set_policy(ReclaimPolicy::manual());
        }
        map
    };
    // Once, before the scenario, as for every scenario; never between its
    // phases.
    rss::trim_allocator();
    let started = Instant::now();
    let rss_start_bytes = rss::resident_bytes();
    let n = plan.bursts_entries.max(MIN_ENTRIES);
    let e = Small;
    let kept = kept_per_burst(n);
    // Each reading: counted bytes, reported bytes, RSS. Room for all of them
    // before the counting starts, so the figures count the map alone.
    let mut readings: Vec<(isize, usize, Option<u64>)> = Vec::with_capacity(STAGES.len());
    let names: &[&str] = if scenario == Scenario::BurstsReference {
        let counter = Counter::start();
        let mut map = make();
        for burst in 0..BURSTS {
            for i in (0..n).step_by(KEEP_EVERY) {
                let k = (burst * n + i) as u64;
                map.insert(e.key(k), e.value(k));
            }
        }
        assert_eq!(map.len(), BURSTS * kept, "bursts reference: survivors");
        readings.push(reading(&counter, &map));
        &[REFERENCE_STAGE]
    } else {
        let counter = Counter::start();
        let mut map = make();
        for burst in 0..BURSTS {
            let first = burst * n;
            for i in 0..n {
                let k = (first + i) as u64;
                map.insert(e.key(k), e.value(k));
            }
            readings.push(reading(&counter, &map));
            for i in (0..n).filter(|i| i % KEEP_EVERY != 0) {
                map.remove(&e.key((first + i) as u64));
            }
            readings.push(reading(&counter, &map));
            // One new key, above every burst's.
            let k = (BURSTS * n + burst) as u64;
            map.insert(e.key(k), e.value(k));
            readings.push(reading(&counter, &map));
        }
        std::thread::sleep(Duration::from_millis(plan.bursts_idle_ms));
        readings.push(reading(&counter, &map));
        assert_eq!(map.len(), BURSTS * (kept + 1), "bursts: survivors");
        &STAGES
    };
    let seconds = started.elapsed().as_secs_f64();
    let stages: Vec<Stage> = names
        .iter()
        .zip(readings)
        .map(|(name, (counted, reported, rss_bytes))| Stage {
            stage: name.to_string(),
            counted_bytes: counted as i64,
            reported_bytes: Some(reported as u64),
            rss_bytes,
        })
        .collect();
    let own = if scenario == Scenario::BurstsReference {
        Figures::BurstsReference
    } else {
        Figures::Bursts(BurstsFigures {
            bursts: BURSTS,
            per_burst: n,
            kept_per_burst: kept,
            survivors: BURSTS * kept,
            idle_ms: plan.bursts_idle_ms,
            reference_rss_bytes: None,
            reference_counted_bytes: None,
            hashbrown_reference_rss_bytes: None,
            worst_drained_rss_bytes: None,
            idle_rss_bytes: None,
            worst_drained_vs_reference: None,
            idle_vs_reference: None,
            worst_drained_vs_hashbrown_reference: None,
            bound_on: if bound_after_idle() {
                BoundOn::Idle
            } else {
                BoundOn::Drained
            },
            bound: BOUND,
            checked: n >= CHECK_MIN_ENTRIES,
            check_min_entries: CHECK_MIN_ENTRIES,
        })
    };
    let mut result = ScenarioResult::new(own, n, stages);
    result.rss_start_bytes = rss_start_bytes;
    result.rss_peak_bytes = result.stages.iter().filter_map(|s| s.rss_bytes).max();
    result.reported_peak_bytes = result.stages.iter().filter_map(|s| s.reported_bytes).max();
    result.seconds = seconds;
    result
}

/// Counted bytes, the map's own figure and the RSS, now.
fn reading<M: ReclaimMap<u64, Value>>(counter: &Counter, map: &M) -> (isize, usize, Option<u64>) {
    let counted = counter.live_bytes();
    let reported = map.memory().allocated_bytes;
    (counted, reported, rss::resident_bytes())
}

/// Completes the bursts result `r` of `variant` with its reference run
/// (`reference`) and hashbrown's (`hashbrown`): the ratios and the bound.
pub(crate) fn finish(
    r: &mut ScenarioResult,
    reference: Option<&ScenarioResult>,
    hashbrown: Option<&ScenarioResult>,
    variant: &str,
) {
    let worst_drained = crate::model::bursts::worst_rss(r, "-drained");
    let idle = r.stage("idle").and_then(|s| s.rss_bytes);
    let Figures::Bursts(b) = &mut r.figures else {
        return;
    };
    let reference = reference.and_then(|x| x.stages.first());
    b.reference_rss_bytes = reference.and_then(|s| s.rss_bytes);
    b.reference_counted_bytes = reference.map(|s| s.counted_bytes);
    b.hashbrown_reference_rss_bytes = hashbrown
        .and_then(|x| x.stages.first())
        .and_then(|s| s.rss_bytes);
    b.worst_drained_rss_bytes = worst_drained;
    b.idle_rss_bytes = idle;
    let over = |a: Option<u64>, b: Option<u64>| match (a, b) {
        (Some(a), Some(b)) if b > 0 => Some(a as f64 / b as f64),
        _ => None,
    };
    b.worst_drained_vs_reference = over(worst_drained, b.reference_rss_bytes);
    b.idle_vs_reference = over(idle, b.reference_rss_bytes);
    b.worst_drained_vs_hashbrown_reference = over(worst_drained, b.hashbrown_reference_rss_bytes);
    b.bound = crate::verdict::bursts_bound(variant);
}
