//! The one list of variants the report runs (and the benches time).
//!
//! Adding a variant is one line in [`for_each_variant!`](crate::for_each_variant): its name, whether
//! it is a variant of this workspace, a baseline or a concurrent peer, its
//! row group, whether its `memory()` figures mean anything, a note for the
//! report, and a constructor for any `ReclaimMap<K, V>` (the same
//! constructor serves the report's entries, `u64` or `String` keys with
//! `[u8; 128]` or `Vec<u8>` values, the bursts' `(u64, [u8; 32])`, the
//! traces' `String -> Vec<u8>` and the benches' `u64` values), and, after
//! `with_hasher:`, a constructor from a
//! `BuildHasher` for the `pauses` scenario.

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
    /// Runs one scenario on this variant.
    pub fn run(&self, plan: &Plan, scenario: Scenario) -> ScenarioResult {
        (self.run)(plan, scenario)
    }
}

/// THE registration point: one line per map. Calls
/// `$m!(kind, "name", Group, reports_memory, "note", constructor)` once per
/// line (with `for_each_variant!(m, arg)`: `$m!(arg, kind, ...)`).
///
/// * `kind`: `variant` (a map of this workspace; the benches time it through
///   `ReclaimMap`), `baseline` or `peer` (the benches time those directly);
/// * `Group`: `Single` or `Concurrent`, the table its rows go in;
/// * `reports_memory`: whether `memory()` has real figures (else n/a);
/// * the constructor makes an empty `ReclaimMap<u64, V>` for any `V`;
/// * `with_hasher:` (every workspace variant has one; optional for the
///   others) makes an empty map hashing with the given `BuildHasher`: a
///   `ReclaimMap` for a variant, the plain map for a baseline. The `pauses`
///   scenario ([`crate::pauses`]) times every line that has it, all with
///   one fixed-seed hasher; `for_each_variant!(@with_hasher m)` calls
///   `$m!(kind, "name", Group, constructor)` for each of those lines.
#[macro_export]
macro_rules! for_each_variant {
    (@with_hasher $m:ident $(, $arg:tt)?) => {
        $crate::for_each_variant!(@lines with_hasher $m [$($arg)?]);
    };
    ($m:ident $(, $arg:tt)?) => {
        $crate::for_each_variant!(@lines plain $m [$($arg)?]);
    };
    (@lines $mode:ident $m:ident $args:tt) => {
        $crate::for_each_variant!(@each $mode $m $args
            { variant, "map-core", Single, true, "", || ::map_core::HashMap::new(), with_hasher: |s| ::map_core::HashMap::with_hasher(s) }
            { variant, "map-core+limit-alloc", Single, true, "map-core on the user-written LimitAlloc of map-core/examples/custom_allocator.rs", || ::map_core::HashMap::new_in($crate::limit_alloc::LimitAlloc::new(usize::MAX / 2)), with_hasher: |s| ::map_core::HashMap::with_hasher_in(s, $crate::limit_alloc::LimitAlloc::new(usize::MAX / 2)) }
            { variant, "arena-map", Single, true, "", || ::arena_map::ArenaMap::new(), with_hasher: |s| ::arena_map::ArenaMap::with_hasher(s) }
            { variant, "pooled-map", Single, true, "", || ::pooled_map::PooledMap::new(), with_hasher: |s| ::pooled_map::PooledMap::with_hasher(s) }
            { variant, "split-map", Single, true, "", || ::split_map::SplitMap::new(), with_hasher: |s| ::split_map::SplitMap::with_hasher(s) }
            { baseline, "std", Single, false, "reclaim() = shrink_to_fit; no memory figures", || $crate::baselines::StdBaseline::new(), with_hasher: |s| ::std::collections::HashMap::with_hasher(s) }
            { baseline, "hashbrown", Single, true, "reclaim() = shrink_to_fit", || $crate::baselines::HashbrownBaseline::new(), with_hasher: |s| ::hashbrown::HashMap::with_hasher(s) }
            { variant, "sync-map", Concurrent, true, "", || ::sync_map::SyncMap::new(), with_hasher: |s| ::sync_map::SyncMap::with_hasher(s) }
            { peer, "dashmap", Concurrent, false, "reclaim() = shrink_to_fit per shard; no memory figures", || $crate::baselines::DashMapPeer::new() }
            { peer, "papaya", Concurrent, false, "frees removed entries lazily (epochs); cannot shrink; no memory figures", || $crate::baselines::PapayaPeer::new() }
        );
    };
    (@each $mode:ident $m:ident $args:tt $({ $($entry:tt)* })*) => {
        $( $crate::for_each_variant!(@one $mode $m $args $($entry)*); )*
    };
    (@one plain $m:ident [$($arg:tt)?]
        $kind:ident, $name:literal, $group:ident, $reported:literal, $note:literal, $make:expr
        $(, with_hasher: $with_hasher:expr)?) => {
        $m!($($arg,)? $kind, $name, $group, $reported, $note, $make);
    };
    (@one with_hasher $m:ident [$($arg:tt)?]
        $kind:ident, $name:literal, $group:ident, $reported:literal, $note:literal, $make:expr,
        with_hasher: $with_hasher:expr) => {
        $m!($($arg,)? $kind, $name, $group, $with_hasher);
    };
    (@one with_hasher $m:ident $args:tt $($entry:tt)*) => {};
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

/// Peers timed only by the `pauses` scenario (they are not in the
/// registry: they do not keep the `ReclaimMap` contract). One line each:
/// `$m!(peer, "name", Group, constructor from a BuildHasher)`; the map must
/// implement [`PauseMap`](crate::pauses::PauseMap).
#[macro_export]
macro_rules! for_each_pauses_peer {
    ($m:ident) => {
        $m!(
            peer,
            "griddle",
            Single,
            |s| ::griddle::HashMap::with_hasher(s)
        );
        $m!(peer, "scc", Concurrent, |s| ::scc::HashMap::with_hasher(s));
    };
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

/// Every map of the scenario: the registry's lines with a `with_hasher:`
/// constructor in report order, then [`for_each_pauses_peer!`](crate::for_each_pauses_peer)'s.
pub fn pause_maps() -> Vec<PauseVariant> {
    let mut all = Vec::new();
    macro_rules! add {
        (variant, $name:literal, $group:ident, $make:expr) => {
            all.push(PauseVariant {
                name: $name,
                kind: Kind::Variant,
                group: Group::$group,
                run: |plan| {
                    let make = $make;
                    crate::pauses::measure(plan, || {
                        crate::workloads::Via(make(crate::pauses::hasher(plan.seed)))
                    })
                },
            });
        };
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
    crate::for_each_pauses_peer!(add);
    all
}

/// The names `maps()` gives, in order.
pub fn pause_names() -> Vec<&'static str> {
    pause_maps().iter().map(|m| m.name).collect()
}
