//! The pauses scenario's plan, phases and figures (the measurement is
//! [`crate::pauses`]).

use crate::model::{Group, Kind};
use serde::{Deserialize, Serialize};

/// The seed of the hasher, the keys and the removal order.
pub const SEED: u64 = 0x5eed_0000_9a05;

/// The `pauses` subcommand's default N: the whole run, every map, stays well
/// under a minute on a 2-core machine.
pub const DEFAULT_ENTRIES: usize = 1_000_000;

/// The default number of runs over the same sequence.
pub const DEFAULT_RUNS: usize = 2;

/// The smallest N: N / 100 keys stay live.
pub const MIN_ENTRIES: usize = 100;

/// Parts per million of the percentiles reported.
pub const P50: u64 = 500_000;
/// p99.
pub const P99: u64 = 990_000;
/// p99.9.
pub const P99_9: u64 = 999_000;
/// p99.99.
pub const P99_99: u64 = 999_900;

/// A phase of the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Insert N keys into an empty map.
    Grow,
    /// Remove all but N / 100 of them.
    Remove99,
    /// N / 10 insert-new/remove-oldest steps at N / 100 live.
    Churn,
    /// Remove every key of a freshly filled map.
    RemoveAll,
    /// Insert the N keys again into the map `RemoveAll` emptied.
    Regrow,
}

impl Phase {
    /// The phases, in the order they run.
    pub const ALL: [Phase; 5] = [
        Phase::Grow,
        Phase::Remove99,
        Phase::Churn,
        Phase::RemoveAll,
        Phase::Regrow,
    ];

    /// The name in tables, JSON and CSV.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Grow => "grow",
            Phase::Remove99 => "remove-99%",
            Phase::Churn => "churn",
            Phase::RemoveAll => "remove-all",
            Phase::Regrow => "regrow",
        }
    }

    /// What the phase does, with its sizes.
    pub fn describe(self, plan: &Plan) -> String {
        match self {
            Phase::Grow => format!("insert {} keys into an empty map", plan.entries),
            Phase::Remove99 => format!(
                "remove {} of them in a shuffled order, keeping {}",
                plan.entries - plan.keep,
                plan.keep
            ),
            Phase::Churn => format!(
                "{} steps of insert-new then remove-oldest at {} live",
                plan.churn_steps, plan.keep
            ),
            Phase::RemoveAll => format!(
                "remove all {} keys of a freshly filled map (the fill untimed)",
                plan.entries
            ),
            Phase::Regrow => format!(
                "insert the {} keys again into the map remove-all emptied",
                plan.entries
            ),
        }
    }

    /// The operation at `index` of the phase: churn alternates.
    pub fn op(self, index: usize) -> &'static str {
        match self {
            Phase::Grow | Phase::Regrow => "insert",
            Phase::Churn if index % 2 == 0 => "insert",
            _ => "remove",
        }
    }
}

/// The sizes of one run, all derived from N.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// N: the keys grown to, removed in `remove-all` and grown to again in
    /// `regrow`.
    pub entries: usize,
    /// N / 100: the keys kept by `remove-99%` and live during `churn`.
    pub keep: usize,
    /// N / 10: churn's insert-new/remove-oldest steps (two operations each).
    pub churn_steps: usize,
    /// Runs over the same sequence; each operation keeps its fastest.
    pub runs: usize,
    /// The seed of the hasher, keys and removal order.
    pub seed: u64,
}

impl Plan {
    /// The plan for N = `entries` (at least [`MIN_ENTRIES`]) with
    /// [`DEFAULT_RUNS`] runs.
    pub fn new(entries: usize) -> Self {
        let entries = entries.max(MIN_ENTRIES);
        Self {
            entries,
            keep: entries / 100,
            churn_steps: entries / 10,
            runs: DEFAULT_RUNS,
            seed: SEED,
        }
    }

    /// The operations timed in `phase`.
    pub fn ops(&self, phase: Phase) -> usize {
        match phase {
            Phase::Grow | Phase::RemoveAll | Phase::Regrow => self.entries,
            Phase::Remove99 => self.entries - self.keep,
            Phase::Churn => 2 * self.churn_steps,
        }
    }
}

/// The percentile `parts_per_million` (e.g. [`P99_9`]) of `values` by the
/// nearest-rank method: the smallest value with at least that share of the
/// values at or below it (so p99.99 of fewer than 10,000 values is the
/// largest). Reorders `values`.
///
/// # Panics
///
/// If `values` is empty or `parts_per_million` is above 1,000,000.
pub fn percentile(values: &mut [u32], parts_per_million: u64) -> u32 {
    assert!(!values.is_empty(), "the percentile of no values");
    assert!(parts_per_million <= 1_000_000, "a share above 100%");
    let n = values.len() as u64;
    // Rank (1-based) = ceil(share * n), at least 1; integer arithmetic, so
    // p99.9 of 1,000 values is exactly the 999th.
    let rank = (parts_per_million * n).div_ceil(1_000_000).max(1);
    *values.select_nth_unstable(rank as usize - 1).1
}

/// One phase's figures for one map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseStats {
    /// `grow`, `remove-99%`, `churn` or `remove-all`.
    pub phase: String,
    /// Operations timed.
    pub ops: usize,
    /// The phase's total: the faster run's sum of its operations' times.
    pub total_ns: u64,
    /// Median of the per-operation minima.
    pub p50_ns: u32,
    /// p99 of the per-operation minima.
    pub p99_ns: u32,
    /// p99.9 of the per-operation minima.
    pub p99_9_ns: u32,
    /// p99.99 of the per-operation minima.
    pub p99_99_ns: u32,
    /// The longest operation: the largest per-operation minimum.
    pub longest_ns: u32,
    /// Its index in the phase (0-based).
    pub longest_index: usize,
    /// `insert` or `remove`.
    pub longest_op: String,
    /// Each run's own longest operation, before the minimum: what the
    /// minimum filtered out.
    pub runs_longest_ns: Vec<u32>,
}

impl PhaseStats {
    /// The figures of `phase` from its per-operation minima `ns`, the
    /// phase's total and each run's longest operation.
    ///
    /// # Panics
    ///
    /// If `ns` is empty.
    pub fn of(phase: Phase, ns: &[u32], total_ns: u64, runs_longest_ns: Vec<u32>) -> Self {
        let (longest_index, &longest_ns) = ns
            .iter()
            .enumerate()
            .max_by_key(|&(i, v)| (*v, std::cmp::Reverse(i)))
            .expect("a phase with no operation");
        let mut sorted = ns.to_vec();
        Self {
            phase: phase.name().to_string(),
            ops: ns.len(),
            total_ns,
            p50_ns: percentile(&mut sorted, P50),
            p99_ns: percentile(&mut sorted, P99),
            p99_9_ns: percentile(&mut sorted, P99_9),
            p99_99_ns: percentile(&mut sorted, P99_99),
            longest_ns,
            longest_index,
            longest_op: phase.op(longest_index).to_string(),
            runs_longest_ns,
        }
    }
}

/// One map's figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MapPauses {
    /// The map's name.
    pub variant: String,
    /// `variant` (this workspace), `baseline` or `peer`.
    pub kind: Kind,
    /// `single` or `concurrent`.
    pub group: Group,
    /// The phases, in order.
    pub phases: Vec<PhaseStats>,
    /// The median time of timing an empty operation in this process: the
    /// floor included in every operation's figure.
    pub timer_floor_ns: u32,
    /// Wall time of all runs, seconds.
    pub seconds: f64,
}

impl MapPauses {
    /// The figures of `phase`.
    pub fn phase(&self, phase: Phase) -> Option<&PhaseStats> {
        self.phases.iter().find(|p| p.phase == phase.name())
    }
}

/// The scenario's figures for every map: `reclaim --json`'s `pauses`, and
/// (with `meta`) the document of `pauses --json`.
#[derive(Debug, Clone, Serialize)]
pub struct PausesReport {
    /// The sizes.
    pub plan: Plan,
    /// The key and value types.
    pub entry: &'static str,
    /// `foldhash::fast::FixedState::with_seed(plan.seed)`.
    pub hasher: &'static str,
    /// `process` (each map in a fresh child process) or `in-process`.
    pub isolation: &'static str,
    /// One entry per map.
    pub results: Vec<MapPauses>,
}
