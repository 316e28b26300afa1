//! The bursts scenario's sizes, stages and figures (the measurement is
//! [`crate::bursts`]).

use serde::{Deserialize, Serialize};

use crate::model::ScenarioResult;

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

/// Which RSS the bursts' bound reads. Serialized as `drained` or `idle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BoundOn {
    /// The worst RSS after a drain (the system allocator).
    Drained,
    /// The RSS after the idle wait (jemalloc, mimalloc: they give pages
    /// back late).
    Idle,
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
    pub bound_on: BoundOn,
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
        if self.bound_on == BoundOn::Idle {
            self.idle_vs_reference
        } else {
            self.worst_drained_vs_reference
        }
    }

    /// The RSS the bound reads, in bytes.
    pub fn bound_rss_bytes(&self) -> Option<u64> {
        if self.bound_on == BoundOn::Idle {
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

/// The largest RSS over the stages whose name ends with `suffix` (`-peak`,
/// `-drained`).
pub fn worst_rss(r: &ScenarioResult, suffix: &str) -> Option<u64> {
    r.stages
        .iter()
        .filter(|s| s.stage.ends_with(suffix))
        .filter_map(|s| s.rss_bytes)
        .max()
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
            bound_on: BoundOn::Drained,
            bound: BOUND,
            checked: true,
            check_min_entries: CHECK_MIN_ENTRIES,
        };
        assert_eq!(f.bound_figure(), Some(3.0));
        assert_eq!(f.bound_rss_bytes(), Some(21_000_000));
        f.bound_on = BoundOn::Idle;
        assert_eq!(f.bound_figure(), Some(1.5));
        assert_eq!(f.bound_rss_bytes(), Some(10_500_000));
    }
}
