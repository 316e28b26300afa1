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
use serde::{Deserialize, Serialize};

use crate::report::{Plan, Scenario, ScenarioResult, Stage};
use crate::rss;

/// Keys per burst of the `bursts` subcommand, and of the report at its
/// default `--entries` (the report's bursts are 10 times `--entries`).
pub const DEFAULT_ENTRIES: usize = 1_000_000;

/// The smallest burst: 1% of it is one key.
pub const MIN_ENTRIES: usize = 100;

/// Bursts per run.
pub const BURSTS: usize = 3;

/// One key in this many survives each drain (1%).
pub const KEEP_EVERY: usize = 100;

/// The idle wait after the third burst, where the bound is checked.
pub const IDLE_MS: u64 = 2_000;

/// The idle wait at sizes where the bound is not checked, so that small
/// runs (the CI's smoke run) stay fast.
pub const SHORT_IDLE_MS: u64 = 200;

/// The smallest burst at which the bound is checked. A burst of 500,000
/// entries grows a table of about 43 MB; the survivors' map and the process
/// itself hold about 5 MB, so a map that keeps its table is far over the
/// bound, and one that gives it back is not near it.
pub const CHECK_MIN_ENTRIES: usize = 500_000;

/// The design's bound: RSS at most this many times the reference.
pub const BOUND: f64 = 2.0;

/// The map every report also measures as the common reference.
pub const COMMON_REFERENCE: &str = "hashbrown";

/// The bursts' values.
pub type Value = [u8; 32];

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

/// The idle wait for bursts of `entries`: [`IDLE_MS`] where the bound is
/// checked, [`SHORT_IDLE_MS`] below.
pub fn default_idle_ms(entries: usize) -> u64 {
    if entries >= CHECK_MIN_ENTRIES {
        IDLE_MS
    } else {
        SHORT_IDLE_MS
    }
}

/// Keys of one burst of `entries` that survive its drain.
pub fn kept_per_burst(entries: usize) -> usize {
    entries.div_ceil(KEEP_EVERY)
}

/// Whether the bound applies to the RSS after the idle wait (jemalloc,
/// mimalloc: they give pages back late) rather than after each drain.
pub fn bound_after_idle() -> bool {
    cfg!(any(feature = "jemalloc", feature = "mimalloc"))
}

/// The figures of one map that the report derives: the references, the
/// ratios and the verdict's inputs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BurstsFigures {
    /// Bursts run ([`BURSTS`]).
    pub bursts: usize,
    /// Keys each burst inserted.
    pub per_burst: usize,
    /// Keys each burst kept (1%).
    pub kept_per_burst: usize,
    /// Survivors at the end (the reference holds these; the map holds them
    /// and one key inserted after each drain).
    pub survivors: usize,
    /// The idle wait after the third burst, milliseconds.
    pub idle_ms: u64,
    /// RSS of a fresh process holding the survivors in the same kind of map.
    pub reference_rss_bytes: Option<u64>,
    /// Counted bytes of that map.
    pub reference_counted_bytes: Option<i64>,
    /// RSS of a fresh process holding the survivors in hashbrown.
    pub hashbrown_reference_rss_bytes: Option<u64>,
    /// The largest RSS after a drain.
    pub worst_drained_rss_bytes: Option<u64>,
    /// The RSS after the idle wait.
    pub idle_rss_bytes: Option<u64>,
    /// `worst_drained_rss_bytes` over `reference_rss_bytes`.
    pub worst_drained_vs_reference: Option<f64>,
    /// `idle_rss_bytes` over `reference_rss_bytes`.
    pub idle_vs_reference: Option<f64>,
    /// `worst_drained_rss_bytes` over `hashbrown_reference_rss_bytes`.
    pub worst_drained_vs_hashbrown_reference: Option<f64>,
    /// What the bound reads: `drained` (the worst RSS after a drain; the
    /// system allocator) or `idle` (the RSS after the idle wait; jemalloc,
    /// mimalloc).
    pub bound_on: String,
    /// This map's bound on that ratio (2, sync-map 3).
    pub bound: f64,
    /// Whether `--check` holds the map to the bound: bursts of
    /// `check_min_entries` and more, workspace variants only.
    pub checked: bool,
    /// [`CHECK_MIN_ENTRIES`].
    pub check_min_entries: usize,
}

impl BurstsFigures {
    /// The ratio the bound reads.
    pub fn bound_figure(&self) -> Option<f64> {
        if self.bound_on == "idle" {
            self.idle_vs_reference
        } else {
            self.worst_drained_vs_reference
        }
    }

    /// The RSS the bound reads, in bytes.
    pub fn bound_rss_bytes(&self) -> Option<u64> {
        if self.bound_on == "idle" {
            self.idle_rss_bytes
        } else {
            self.worst_drained_rss_bytes
        }
    }
}

/// The stages of one run, in order: `burst-1-peak`, `burst-1-drained`,
/// `burst-1-inserted`, ... `burst-3-inserted`, `idle`.
pub const STAGES: [&str; 3 * BURSTS + 1] = [
    "burst-1-peak",
    "burst-1-drained",
    "burst-1-inserted",
    "burst-2-peak",
    "burst-2-drained",
    "burst-2-inserted",
    "burst-3-peak",
    "burst-3-drained",
    "burst-3-inserted",
    "idle",
];

/// The reference run's one stage.
pub const REFERENCE_STAGE: &str = "reference";

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
    let mut result = ScenarioResult::empty(scenario, rss::resident_bytes());
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
    result.seconds = started.elapsed().as_secs_f64();
    result.entries = n;
    result.keep = Some(kept);
    result.stages = names
        .iter()
        .zip(readings)
        .map(|(name, (counted, reported, rss_bytes))| Stage {
            stage: name.to_string(),
            counted_bytes: counted as i64,
            reported_bytes: Some(reported as u64),
            rss_bytes,
        })
        .collect();
    result.rss_peak_bytes = result.stages.iter().filter_map(|s| s.rss_bytes).max();
    result.reported_peak_bytes = result.stages.iter().filter_map(|s| s.reported_bytes).max();
    result.bursts = Some(BurstsFigures {
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
            "idle"
        } else {
            "drained"
        }
        .to_string(),
        bound: BOUND,
        checked: n >= CHECK_MIN_ENTRIES,
        check_min_entries: CHECK_MIN_ENTRIES,
    });
    result
}

/// Counted bytes, the map's own figure and the RSS, now.
fn reading<M: ReclaimMap<u64, Value>>(counter: &Counter, map: &M) -> (isize, usize, Option<u64>) {
    let counted = counter.live_bytes();
    let reported = map.memory().allocated_bytes;
    (counted, reported, rss::resident_bytes())
}

/// The largest RSS over the stages whose name ends with `suffix` (`-peak`,
/// `-drained`).
pub(crate) fn worst_rss(r: &ScenarioResult, suffix: &str) -> Option<u64> {
    r.stages
        .iter()
        .filter(|s| s.stage.ends_with(suffix))
        .filter_map(|s| s.rss_bytes)
        .max()
}

/// Completes the bursts result `r` of `variant` with its reference run
/// (`reference`) and hashbrown's (`hashbrown`): the ratios and the bound.
pub(crate) fn finish(
    r: &mut ScenarioResult,
    reference: Option<&ScenarioResult>,
    hashbrown: Option<&ScenarioResult>,
    variant: &str,
) {
    let rss_at = |stage: &str| {
        r.stages
            .iter()
            .find(|s| s.stage == stage)
            .and_then(|s| s.rss_bytes)
    };
    let worst_drained = worst_rss(r, "-drained");
    let idle = rss_at("idle");
    let Some(b) = r.bursts.as_mut() else {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(kept_per_burst(1_000_000), 10_000);
        assert_eq!(kept_per_burst(150), 2, "keys 0 and 100");
        assert_eq!(default_idle_ms(CHECK_MIN_ENTRIES), IDLE_MS);
        assert_eq!(default_idle_ms(CHECK_MIN_ENTRIES - 1), SHORT_IDLE_MS);
        assert_eq!(STAGES.len(), 3 * BURSTS + 1);
    }

    #[test]
    fn the_bound_reads_the_figure_of_the_allocator() {
        let mut f = BurstsFigures {
            bursts: BURSTS,
            per_burst: 1_000_000,
            kept_per_burst: 10_000,
            survivors: 30_000,
            idle_ms: IDLE_MS,
            reference_rss_bytes: Some(7_000_000),
            reference_counted_bytes: Some(2_700_000),
            hashbrown_reference_rss_bytes: Some(7_000_000),
            worst_drained_rss_bytes: Some(21_000_000),
            idle_rss_bytes: Some(10_500_000),
            worst_drained_vs_reference: Some(3.0),
            idle_vs_reference: Some(1.5),
            worst_drained_vs_hashbrown_reference: Some(3.0),
            bound_on: "drained".into(),
            bound: BOUND,
            checked: true,
            check_min_entries: CHECK_MIN_ENTRIES,
        };
        assert_eq!(f.bound_figure(), Some(3.0));
        assert_eq!(f.bound_rss_bytes(), Some(21_000_000));
        f.bound_on = "idle".into();
        assert_eq!(f.bound_figure(), Some(1.5));
        assert_eq!(f.bound_rss_bytes(), Some(10_500_000));
    }
}
