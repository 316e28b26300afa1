//! The one list of maps: every subcommand, the report, the pauses, the
//! traces and the criterion benches read [`for_each_variant!`](crate::for_each_variant).
//!
//! Adding a map is one line there: its kind (a variant of this workspace, a
//! baseline or a peer), name, row group, whether its `memory()` figures
//! mean anything, a note for the report, and its constructors: a
//! `ReclaimMap<K, V>` for any `K`, `V` the tools use (the report's entries,
//! the bursts' `(u64, [u8; 32])`, the traces' `String -> Vec<u8>`, the
//! benches' `u64`), the map itself for a baseline or peer that the timing
//! tools time by its own methods, and a map on a given `BuildHasher` for the
//! pauses.

use crate::model::pauses::{self, MapPauses};
use crate::model::{Group, Kind, Plan, Scenario, ScenarioResult};
use crate::scenarios;

/// The [`Kind`] named by a registry line's first word (a typo does not
/// compile).
#[doc(hidden)]
#[macro_export]
macro_rules! registry_kind {
    (variant) => {
        $crate::model::Kind::Variant
    };
    (baseline) => {
        $crate::model::Kind::Baseline
    };
    (peer) => {
        $crate::model::Kind::Peer
    };
}

/// One registered map.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    /// The name in the report and on the command line.
    pub name: &'static str,
    /// This workspace's, a baseline or a peer.
    pub kind: Kind,
    /// Which table its rows go in.
    pub group: Group,
    /// Whether `memory()` reports real figures (else the report shows n/a).
    pub reports_memory: bool,
    /// A note shown beside its rows.
    pub note: &'static str,
    run: fn(&Plan, Scenario) -> ScenarioResult,
}

impl Variant {
    /// Runs one scenario on this variant, in this process; the result
    /// carries the variant's name, kind, group and note, and no reported
    /// bytes where its `memory()` has no real figures.
    pub fn run(&self, plan: &Plan, scenario: Scenario) -> ScenarioResult {
        let mut r = (self.run)(plan, scenario);
        r.variant = self.name.to_string();
        r.kind = self.kind;
        r.group = self.group;
        if !self.reports_memory {
            for stage in &mut r.stages {
                stage.reported_bytes = None;
            }
            r.reported_peak_bytes = None;
        }
        r.note = self.note.to_string();
        r
    }
}

/// THE registration point: one line per map, in report order. A line is
///
/// ```text
/// { kind, "name", Group, reports_memory, "note",
///   make: ..., direct: ..., with_hasher: ... }
/// ```
///
/// * `kind`: `variant` (a map of this workspace), `baseline` (std,
///   hashbrown) or `peer` (another crate's map);
/// * `Group`: `Single` or `Concurrent`, the table its rows go in;
/// * `reports_memory`: whether `memory()` has real figures (else n/a);
/// * `make:` an empty `ReclaimMap<K, V>` for any `K`, `V` the tools use:
///   the report's scenarios run it, and the timing tools (throughput,
///   trace, the criterion benches) time a variant through it
///   ([`Via`](crate::workloads::Via));
/// * `direct:` (baselines and peers) the map itself, which the timing tools
///   time by its own methods instead (a [`BenchMap`](crate::workloads::BenchMap));
/// * `with_hasher:` a map on a given `BuildHasher` (a `ReclaimMap` for a
///   variant, the map itself otherwise), for the pauses scenario, which
///   hashes every map with one fixed-seed hasher.
///
/// Each part but the first five is optional: a line without `make:` is timed
/// by the pauses alone (griddle, scc), one without `with_hasher:` is left
/// out of them (dashmap, papaya). Every workspace variant has `make:` and
/// `with_hasher:`.
///
/// Modes (`$m` is called once per line that has what the mode needs; with
/// `for_each_variant!(m, arg)` as `$m!(arg, ...)`):
/// * `for_each_variant!(m)`: `$m!(kind, "name", Group, reports_memory,
///   "note", make)`;
/// * `for_each_variant!(@timed m)`: `$m!(kind, "name", Group, constructor)`,
///   the constructor of a [`BenchMap`](crate::workloads::BenchMap) (`direct:`, or `make:` through
///   `Via`);
/// * `for_each_variant!(@with_hasher m)`: `$m!(kind, "name", Group,
///   constructor from a BuildHasher)` of a [`BenchMap`](crate::workloads::BenchMap).
#[macro_export]
macro_rules! for_each_variant {
    (@timed $m:ident $(, $arg:tt)?) => {
        $crate::for_each_variant!(@lines timed $m [$($arg)?]);
    };
    (@with_hasher $m:ident $(, $arg:tt)?) => {
        $crate::for_each_variant!(@lines with_hasher $m [$($arg)?]);
    };
    ($m:ident $(, $arg:tt)?) => {
        $crate::for_each_variant!(@lines plain $m [$($arg)?]);
    };
    (@lines $mode:ident $m:ident $args:tt) => {
        $crate::for_each_variant!(@each $mode $m $args
            { variant, "map-core", Single, true, "", make: || ::map_core::HashMap::new(), with_hasher: |s| ::map_core::HashMap::with_hasher(s) }
            { variant, "map-core+limit-alloc", Single, true, "map-core on the user-written LimitAlloc of map-core/examples/custom_allocator.rs", make: || ::map_core::HashMap::new_in($crate::limit_alloc::LimitAlloc::new(usize::MAX / 2)), with_hasher: |s| ::map_core::HashMap::with_hasher_in(s, $crate::limit_alloc::LimitAlloc::new(usize::MAX / 2)) }
            { variant, "arena-map", Single, true, "", make: || ::arena_map::ArenaMap::new(), with_hasher: |s| ::arena_map::ArenaMap::with_hasher(s) }
            { variant, "pooled-map", Single, true, "", make: || ::pooled_map::PooledMap::new(), with_hasher: |s| ::pooled_map::PooledMap::with_hasher(s) }
            { variant, "split-map", Single, true, "", make: || ::split_map::SplitMap::new(), with_hasher: |s| ::split_map::SplitMap::with_hasher(s) }
            { baseline, "std", Single, false, "reclaim() = shrink_to_fit; no memory figures", make: || $crate::baselines::StdBaseline::new(), direct: || ::std::collections::HashMap::new(), with_hasher: |s| ::std::collections::HashMap::with_hasher(s) }
            { baseline, "hashbrown", Single, true, "reclaim() = shrink_to_fit", make: || $crate::baselines::HashbrownBaseline::new(), direct: || ::hashbrown::HashMap::new(), with_hasher: |s| ::hashbrown::HashMap::with_hasher(s) }
            { variant, "sync-map", Concurrent, true, "", make: || ::sync_map::SyncMap::new(), with_hasher: |s| ::sync_map::SyncMap::with_hasher(s) }
            { peer, "dashmap", Concurrent, false, "reclaim() = shrink_to_fit per shard; no memory figures", make: || $crate::baselines::DashMapPeer::new(), direct: || ::dashmap::DashMap::new() }
            { peer, "papaya", Concurrent, false, "frees removed entries lazily (epochs); cannot shrink; no memory figures", make: || $crate::baselines::PapayaPeer::new(), direct: || ::papaya::HashMap::new() }
            { peer, "griddle", Single, false, "grows incrementally, never shrinks; timed by the pauses only", with_hasher: |s| ::griddle::HashMap::with_hasher(s) }
            { peer, "scc", Concurrent, false, "concurrent, resizes incrementally, shrinks; timed by the pauses only", with_hasher: |s| ::scc::HashMap::with_hasher(s) }
        );
    };
    (@each $mode:ident $m:ident $args:tt $({ $($line:tt)* })*) => {
        $( $crate::for_each_variant!(@one $mode $m $args $($line)*); )*
    };
    (@one $mode:ident $m:ident $args:tt
        $kind:ident, $name:literal, $group:ident, $reported:literal, $note:literal
        $(, make: $make:expr)? $(, direct: $direct:expr)? $(, with_hasher: $with_hasher:expr)?) => {
        $crate::for_each_variant!(@emit $mode $m $args $kind $name $group $reported $note
            [$($make)?] [$($direct)?] [$($with_hasher)?]);
    };
    (@emit plain $m:ident [$($arg:tt)?] $kind:ident $name:literal $group:ident $reported:literal $note:literal
        [$make:expr] $direct:tt $with_hasher:tt) => {
        $m!($($arg,)? $kind, $name, $group, $reported, $note, $make);
    };
    (@emit timed $m:ident [$($arg:tt)?] $kind:ident $name:literal $group:ident $reported:literal $note:literal
        [$make:expr] [$direct:expr] $with_hasher:tt) => {
        $m!($($arg,)? $kind, $name, $group, $direct);
    };
    (@emit timed $m:ident [$($arg:tt)?] $kind:ident $name:literal $group:ident $reported:literal $note:literal
        [$make:expr] [] $with_hasher:tt) => {
        $m!($($arg,)? $kind, $name, $group, || $crate::workloads::Via(($make)()));
    };
    (@emit with_hasher $m:ident [$($arg:tt)?] variant $name:literal $group:ident $reported:literal $note:literal
        $make:tt $direct:tt [$with_hasher:expr]) => {
        $m!($($arg,)? variant, $name, $group, |s| $crate::workloads::Via(($with_hasher)(s)));
    };
    (@emit with_hasher $m:ident [$($arg:tt)?] $kind:ident $name:literal $group:ident $reported:literal $note:literal
        $make:tt $direct:tt [$with_hasher:expr]) => {
        $m!($($arg,)? $kind, $name, $group, $with_hasher);
    };
    (@emit $mode:ident $m:ident $args:tt $($rest:tt)*) => {};
}

/// The registered variants, in registration order.
pub fn variants() -> Vec<Variant> {
    let mut all = Vec::new();
    macro_rules! register {
        ($kind:ident, $name:literal, $group:ident, $reported:literal, $note:literal, $make:expr) => {
            all.push(Variant {
                name: $name,
                kind: $crate::registry_kind!($kind),
                group: Group::$group,
                reports_memory: $reported,
                note: $note,
                // One instance per entry type the command line offers; the
                // bursts have their own, `(u64, [u8; 32])`.
                run: |plan, scenario| match (plan.key, plan.value_bytes) {
                    _ if matches!(scenario, Scenario::Bursts | Scenario::BurstsReference) => {
                        $crate::bursts::run(plan, scenario, $make)
                    }
                    ($crate::model::KeyKind::String, None) => {
                        scenarios::run_scenario(plan, scenario, $make, &scenarios::StringArray)
                    }
                    ($crate::model::KeyKind::String, Some(n)) => {
                        scenarios::run_scenario(plan, scenario, $make, &scenarios::StringBytes(n))
                    }
                    (_, Some(n)) => {
                        scenarios::run_scenario(plan, scenario, $make, &scenarios::U64Bytes(n))
                    }
                    _ => scenarios::run_scenario(
                        plan,
                        scenario,
                        $make,
                        &::map_conformance::scenarios::Standard,
                    ),
                },
            });
        };
    }
    crate::for_each_variant!(register);
    all
}

/// Every registered name, in registration (and report) order.
pub fn names() -> Vec<&'static str> {
    variants().iter().map(|v| v.name).collect()
}

/// One map of the scenario.
#[derive(Debug, Clone, Copy)]
pub struct PauseVariant {
    /// The name in the report and on the command line.
    pub name: &'static str,
    /// `variant` (this workspace), `baseline` or `peer`.
    pub kind: Kind,
    /// Which table its rows go in.
    pub group: Group,
    run: fn(&pauses::Plan) -> MapPauses,
}

impl PauseVariant {
    /// Runs the scenario on this map, in this process.
    pub fn run(&self, plan: &pauses::Plan) -> MapPauses {
        let mut r = (self.run)(plan);
        r.variant = self.name.to_string();
        r.kind = self.kind;
        r.group = self.group;
        r
    }
}

/// Every map of the pauses scenario: the lines with a `with_hasher:`
/// constructor, in registration order.
pub fn pause_maps() -> Vec<PauseVariant> {
    let mut all = Vec::new();
    macro_rules! add {
        ($kind:ident, $name:literal, $group:ident, $make:expr) => {
            all.push(PauseVariant {
                name: $name,
                kind: $crate::registry_kind!($kind),
                group: Group::$group,
                run: |plan| {
                    let make = $make;
                    crate::pauses::measure(plan, || make(crate::pauses::hasher(plan.seed)))
                },
            });
        };
    }
    crate::for_each_variant!(@with_hasher add);
    all
}

/// The names [`pause_maps`] gives, in order.
pub fn pause_names() -> Vec<&'static str> {
    pause_maps().iter().map(|m| m.name).collect()
}
