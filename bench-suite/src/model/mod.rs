//! The documents of bench-suite: what the report plans, what a scenario
//! measures, and the report the renderers print. Data and the arithmetic
//! that derives figures from figures; nothing here runs a map.
//!
//! [`bursts`] holds the bursts scenario's sizes and figures, [`pauses`] the
//! pauses scenario's.

use map_conformance::scenarios::{DRAIN_IDLE_BOUND, DRAIN_IDLE_PERMILLE};
use serde::{Deserialize, Serialize};

pub mod bursts;
pub mod pauses;

use bursts::BurstsFigures;

use crate::meta::Meta;

/// The default `--entries`: the design's sizes.
pub const DEFAULT_ENTRIES: usize = 100_000;

/// The pauses scenario's N in the report when `--pauses-entries` is not
/// given: `--entries` (delete-all's size, 100,000 by default: about 2 s for
/// every map), at least the scenario's smallest. `bench-suite pauses`
/// defaults to 1,000,000.
pub fn default_pauses_entries(entries: usize) -> usize {
    entries.max(pauses::MIN_ENTRIES)
}

/// A scenario of the design. Serialized by its name (`delete-all`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// Fill N, remove all, `reclaim()`, refill N.
    DeleteAll,
    /// Fill 10 N, remove down to N / 10, keep operating.
    Spike,
    /// N / 10 live entries, 10 N insert-new/remove-oldest pairs.
    Churn,
    /// Drain then idle: fill each of three peaks (N / 5, 2 N, 10 N), remove
    /// all but 10% down to 0.1%, insert nothing after (21 cases).
    DrainIdle,
    /// Three bursts of 10 N `(u64, [u8; 32])` entries, each drained to 1%
    /// then one insert, then an idle wait: process RSS against a fresh
    /// process holding the survivors ([`crate::bursts`]).
    Bursts,
    /// The bursts scenario's reference: a fresh process holding only the
    /// survivors. Run by the report beside [`Scenario::Bursts`], never named
    /// on the command line.
    BurstsReference,
}

impl Scenario {
    /// All scenarios the command line names, in report order.
    pub const ALL: [Scenario; 5] = [
        Scenario::DeleteAll,
        Scenario::Spike,
        Scenario::Churn,
        Scenario::DrainIdle,
        Scenario::Bursts,
    ];

    /// The name in JSON and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::DeleteAll => "delete-all",
            Scenario::Spike => "spike",
            Scenario::Churn => "churn",
            Scenario::DrainIdle => "drain-idle",
            Scenario::Bursts => "bursts",
            Scenario::BurstsReference => "bursts-reference",
        }
    }

    /// The scenario called `name` (one of [`Scenario::ALL`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The key type of the report's entries. Serialized as `u64` or `string`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// `u64` keys (the design's).
    U64,
    /// `String` keys, `key:` and 12 digits, on the heap.
    String,
}

impl KeyKind {
    /// The Rust type's name, as the tables print it.
    pub fn type_name(self) -> &'static str {
        match self {
            KeyKind::U64 => "u64",
            KeyKind::String => "String",
        }
    }
}

/// The sizes of one run, all derived from `--entries N`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Plan {
    /// delete-all fills this many.
    pub entries: usize,
    /// spike fills this many (10 N)...
    pub spike_peak: usize,
    /// ...and keeps this many (N / 10).
    pub spike_keep: usize,
    /// churn keeps this many live (N / 10)...
    pub churn_live: usize,
    /// ...through this many insert/remove pairs (10 N).
    pub churn_ops: usize,
    /// Whether the workspace's variants ran under `ReclaimPolicy::manual()`
    /// (a policy that never reclaims by itself: the check must fail).
    pub manual_policy: bool,
    /// The key type: `u64` (default) or `string` (`key:` and 12 digits, a
    /// heap-allocated `String`).
    pub key: KeyKind,
    /// `null`: `[u8; 128]` values, stored in the table (the default). A
    /// number: `Vec<u8>` values of that many bytes, on the heap (counted too).
    pub value_bytes: Option<usize>,
    /// drain-idle fills each of these (N / 5, 2 N, 10 N, each at least
    /// [`MIN_DRAIN_IDLE_PEAK`]: the design's 20,000 / 200,000 / 1,000,000
    /// at the default N; a peak equal to an earlier one runs once)...
    pub drain_idle_peaks: [usize; 3],
    /// ...and keeps these thousandths of it (10% down to 0.1%).
    pub drain_idle_permille: [usize; 7],
    /// bursts: entries each of the three bursts inserts (10 N; always
    /// `(u64, [u8; 32])` entries, whatever `key` and `value_bytes` say).
    pub bursts_entries: usize,
    /// bursts: the idle wait after the third burst, in milliseconds.
    pub bursts_idle_ms: u64,
}

/// The smallest drain-idle peak: the design's smallest. Below it the
/// survivors are a handful of entries and the sweep would test the size of
/// an almost empty table, which the design does not bound.
pub const MIN_DRAIN_IDLE_PEAK: usize = 20_000;

impl Plan {
    /// The plan for `--entries n` (`n >= 10`). `n = 100,000` gives the
    /// design's sizes: delete-all 100,000; spike 1,000,000 down to 10,000;
    /// churn 10,000 live with 1,000,000 pairs; drain-idle from 20,000,
    /// 200,000 and 1,000,000; bursts of 1,000,000.
    pub fn new(entries: usize) -> Self {
        let bursts_entries = (entries * 10).max(bursts::MIN_ENTRIES);
        Self {
            entries,
            spike_peak: entries * 10,
            spike_keep: entries / 10,
            churn_live: entries / 10,
            churn_ops: entries * 10,
            manual_policy: false,
            key: KeyKind::U64,
            value_bytes: None,
            drain_idle_peaks: [entries / 5, entries * 2, entries * 10]
                .map(|p| p.max(MIN_DRAIN_IDLE_PEAK)),
            drain_idle_permille: DRAIN_IDLE_PERMILLE,
            bursts_entries,
            bursts_idle_ms: bursts::default_idle_ms(bursts_entries),
        }
    }

    /// The distinct drain-idle peaks, in order.
    pub fn distinct_drain_idle_peaks(&self) -> Vec<usize> {
        let mut peaks: Vec<usize> = Vec::with_capacity(self.drain_idle_peaks.len());
        for peak in self.drain_idle_peaks {
            if !peaks.contains(&peak) {
                peaks.push(peak);
            }
        }
        peaks
    }

    /// The entry type, e.g. `(u64, [u8; 128])` or `(String, Vec<u8> of 64 bytes)`.
    pub fn entry_label(&self) -> String {
        let key = self.key.type_name();
        match self.value_bytes {
            None => format!("({key}, [u8; 128])"),
            Some(n) => format!("({key}, Vec<u8> of {n} bytes)"),
        }
    }
}

/// One stage of a scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stage {
    /// `filled`, `after-remove`, `after-reclaim`, `refilled`, `fresh`,
    /// `peak`, `after-operate`, `end`; drain-idle: `idle-PEAK-SURVIVORS`
    /// (no RSS); bursts: `burst-1-peak`, `burst-1-drained`,
    /// `burst-1-inserted`, ... `idle`.
    pub stage: String,
    /// Bytes live in the counting global allocator, counted from the
    /// scenario's start (for `fresh`: from the fresh map's start).
    pub counted_bytes: i64,
    /// `memory().allocated_bytes`, or `null` where the map reports nothing.
    pub reported_bytes: Option<u64>,
    /// Process RSS at that moment (process-wide), if readable.
    pub rss_bytes: Option<u64>,
}

/// The figures of one map in one scenario: what every scenario records
/// (the stages, the map's own peak, the process RSS, the wall time) and,
/// in [`Figures`], what only that scenario derives. Serialized with the
/// scenario's name in `scenario` and its own figures in `figures`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioResult {
    /// The map's registered name.
    pub variant: String,
    /// `variant` (this workspace), `baseline` or `peer`.
    pub kind: Kind,
    /// `single` or `concurrent`.
    pub group: Group,
    /// delete-all: entries filled; spike: entries at the peak; churn: live
    /// entries; drain-idle: the largest peak; bursts: entries per burst.
    pub entries: usize,
    /// The stages, in order.
    pub stages: Vec<Stage>,
    /// The scenario and its own figures.
    #[serde(flatten)]
    pub figures: Figures,
    /// The map's own `memory().peak_bytes` at the scenario's last stage, or
    /// `null` where it reports nothing.
    pub reported_peak_bytes: Option<u64>,
    /// Process RSS when the scenario started.
    pub rss_start_bytes: Option<u64>,
    /// Largest RSS sampled during the scenario (every 4096 inserts and at each stage).
    pub rss_peak_bytes: Option<u64>,
    /// Wall time of the scenario, seconds.
    pub seconds: f64,
    /// What to keep in mind when reading the row.
    pub note: String,
}

/// A scenario's own figures, one variant per scenario. Serialized as
/// `"scenario": "spike", "figures": {...}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "scenario", content = "figures", rename_all = "kebab-case")]
pub enum Figures {
    /// Fill, remove all, `reclaim()`, refill.
    DeleteAll(DeleteAllFigures),
    /// Fill 10 N, remove down to N / 10, keep operating.
    Spike(SpikeFigures),
    /// Insert-new/remove-oldest pairs at a fixed live size.
    Churn(ChurnFigures),
    /// Drain then idle: every case, the worst, the cases over the bound.
    DrainIdle(DrainIdleFigures),
    /// Bursts: the references, the ratios and the bound.
    Bursts(BurstsFigures),
    /// The bursts' reference: a fresh process holding the survivors (its
    /// one stage is all it records).
    BurstsReference,
}

impl Figures {
    /// The scenario these figures are of.
    pub fn scenario(&self) -> Scenario {
        match self {
            Figures::DeleteAll(_) => Scenario::DeleteAll,
            Figures::Spike(_) => Scenario::Spike,
            Figures::Churn(_) => Scenario::Churn,
            Figures::DrainIdle(_) => Scenario::DrainIdle,
            Figures::Bursts(_) => Scenario::Bursts,
            Figures::BurstsReference => Scenario::BurstsReference,
        }
    }
}

/// delete-all's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeleteAllFigures {
    /// Counted bytes after the removals, as % of the fill.
    pub held_after_remove_pct: f64,
    /// Counted bytes after `reclaim()`, as % of the fill.
    pub held_after_reclaim_pct: f64,
    /// Counted bytes after the refill over the first fill.
    pub refill_ratio: f64,
}

/// spike's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpikeFigures {
    /// Entries kept.
    pub keep: usize,
    /// Counted bytes right after the removals, as x a fresh map of the kept
    /// entries.
    pub after_remove_vs_fresh: f64,
    /// Counted bytes after operating, as x a fresh map.
    pub held_vs_fresh: f64,
}

/// churn's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnFigures {
    /// Insert/remove pairs.
    pub ops: usize,
    /// Peak counted bytes as x a fresh map of the live set.
    pub peak_vs_fresh: f64,
}

impl ScenarioResult {
    /// A result with `figures` and `stages`; `registry::Variant::run` fills in the map's
    /// name, kind, group and note, the scenario its other readings.
    pub fn new(figures: Figures, entries: usize, stages: Vec<Stage>) -> Self {
        Self {
            variant: String::new(),
            kind: Kind::Variant,
            group: Group::Single,
            entries,
            stages,
            figures,
            reported_peak_bytes: None,
            rss_start_bytes: None,
            rss_peak_bytes: None,
            seconds: 0.0,
            note: String::new(),
        }
    }

    /// The scenario.
    pub fn scenario(&self) -> Scenario {
        self.figures.scenario()
    }

    /// delete-all's figures, if this is a delete-all result.
    pub fn delete_all(&self) -> Option<&DeleteAllFigures> {
        match &self.figures {
            Figures::DeleteAll(f) => Some(f),
            _ => None,
        }
    }

    /// spike's figures, if this is a spike result.
    pub fn spike(&self) -> Option<&SpikeFigures> {
        match &self.figures {
            Figures::Spike(f) => Some(f),
            _ => None,
        }
    }

    /// churn's figures, if this is a churn result.
    pub fn churn(&self) -> Option<&ChurnFigures> {
        match &self.figures {
            Figures::Churn(f) => Some(f),
            _ => None,
        }
    }

    /// The drain-then-idle sweep, if this is a drain-idle result.
    pub fn drain_idle(&self) -> Option<&DrainIdleFigures> {
        match &self.figures {
            Figures::DrainIdle(f) => Some(f),
            _ => None,
        }
    }

    /// The bursts' figures, if this is a bursts result.
    pub fn bursts(&self) -> Option<&BurstsFigures> {
        match &self.figures {
            Figures::Bursts(f) => Some(f),
            _ => None,
        }
    }

    /// The stage called `name`.
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.stage == name)
    }
}

/// One case of drain then idle.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DrainIdleCase {
    /// Entries at the peak.
    pub peak: usize,
    /// Survivors in thousandths of the peak.
    pub permille: usize,
    /// Entries left.
    pub survivors: usize,
    /// Counted bytes at the peak.
    pub peak_bytes: i64,
    /// Counted bytes held after the last removal, nothing inserted after.
    pub idle_bytes: i64,
    /// Counted bytes of a fresh map of the survivors.
    pub fresh_bytes: i64,
    /// `idle_bytes` over `fresh_bytes`.
    pub held_vs_fresh: f64,
}

/// The drain-then-idle sweep of one variant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DrainIdleFigures {
    /// Every case: each peak with each survivor share.
    pub cases: Vec<DrainIdleCase>,
    /// The largest `held_vs_fresh`.
    pub worst_vs_fresh: f64,
    /// The case it came from: its peak...
    pub worst_peak: usize,
    /// ...and its survivors.
    pub worst_survivors: usize,
    /// The design's bound ([`DRAIN_IDLE_BOUND`]).
    pub bound: f64,
    /// Cases over the bound.
    pub over_bound: usize,
    /// The design's goal ([`DRAIN_IDLE_GOAL`]).
    pub goal: f64,
    /// Cases over the goal.
    pub over_goal: usize,
}

/// The design's goal for drain then idle: held bytes at most this many
/// times a fresh map of the survivors (the bound is [`DRAIN_IDLE_BOUND`]).
pub const DRAIN_IDLE_GOAL: f64 = 2.5;

impl DrainIdleFigures {
    /// The figures of `cases`.
    pub fn of(cases: Vec<DrainIdleCase>) -> Self {
        let worst = cases
            .iter()
            .max_by(|a, b| a.held_vs_fresh.total_cmp(&b.held_vs_fresh));
        let (worst_vs_fresh, worst_peak, worst_survivors) =
            worst.map_or((0.0, 0, 0), |c| (c.held_vs_fresh, c.peak, c.survivors));
        let over = |limit: f64| cases.iter().filter(|c| c.held_vs_fresh > limit).count();
        Self {
            worst_vs_fresh,
            worst_peak,
            worst_survivors,
            bound: DRAIN_IDLE_BOUND,
            over_bound: over(DRAIN_IDLE_BOUND),
            goal: DRAIN_IDLE_GOAL,
            over_goal: over(DRAIN_IDLE_GOAL),
            cases,
        }
    }

    /// The worst case of the sweep at `peak`.
    pub fn worst_at(&self, peak: usize) -> Option<f64> {
        self.cases
            .iter()
            .filter(|c| c.peak == peak)
            .map(|c| c.held_vs_fresh)
            .reduce(f64::max)
    }
}

/// The whole report: the JSON document `reclaim --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// What the report was measured with.
    pub meta: Meta,
    /// `process` (each scenario in a fresh child process, the default) or
    /// `in-process`.
    pub isolation: &'static str,
    /// One entry per variant and scenario.
    pub results: Vec<ScenarioResult>,
    /// Every variant against every bar of the design.
    pub verdicts: Vec<Verdict>,
    /// The failed verdicts of the workspace's variants (`--check` fails on these).
    pub misses: Vec<Verdict>,
    /// One line per variant: what its figures make it best for.
    pub best_for: Vec<BestFor>,
    /// The sizes used.
    pub plan: Plan,
    /// The pauses scenario, when it ran (not under `--check` unless asked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pauses: Option<crate::model::pauses::PausesReport>,
}

/// A variant's "best for" line.
#[derive(Debug, Clone, Serialize)]
pub struct BestFor {
    /// The variant.
    pub variant: String,
    /// The line.
    pub line: String,
}

/// Whether a map is one of this workspace's variants (held to the design's
/// bars), a baseline (std, hashbrown) or a peer from another crate.
/// Serialized as `variant`, `baseline` or `peer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A map of this workspace.
    Variant,
    /// A map people use today, for comparison.
    Baseline,
    /// Another crate's map of the same kind, for comparison.
    Peer,
}

impl Kind {
    /// The name used in JSON, CSV and the tables.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Variant => "variant",
            Kind::Baseline => "baseline",
            Kind::Peer => "peer",
        }
    }
}

/// Which table a variant's rows go in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    /// Single-owner maps.
    Single,
    /// Concurrent maps, driven from one thread for the memory scenarios.
    Concurrent,
}

impl Group {
    /// The name used in JSON and CSV.
    pub fn name(self) -> &'static str {
        match self {
            Group::Single => "single",
            Group::Concurrent => "concurrent",
        }
    }
}

/// One variant against one bar.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The variant.
    pub variant: String,
    /// `variant`, `baseline` or `peer`; only `variant` rows are checked.
    pub kind: Kind,
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
