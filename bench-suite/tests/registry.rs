//! The one list of maps: every tool reads the same lines, each the part it
//! needs, in the same order.

use bench_suite::model::{Group, Kind};
use bench_suite::registry;

/// The names `for_each_variant!(@timed ...)` gives, in order.
fn timed_names() -> Vec<(&'static str, Kind, Group)> {
    let mut all = Vec::new();
    macro_rules! add {
        ($kind:ident, $name:literal, $group:ident, $make:expr) => {
            all.push(($name, bench_suite::registry_kind!($kind), Group::$group));
        };
    }
    bench_suite::for_each_variant!(@timed add);
    all
}

#[test]
fn the_report_the_traces_and_the_timing_tools_read_the_same_lines() {
    let report = registry::names();
    let timed: Vec<&str> = timed_names().iter().map(|(n, _, _)| *n).collect();
    assert_eq!(timed, report, "every line with `make:` is timed, in order");
    let traces: Vec<&str> = bench_suite::trace::variants()
        .iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(traces, report);
    for name in [
        "map-core",
        "arena-map",
        "pooled-map",
        "split-map",
        "sync-map",
    ] {
        assert!(report.contains(&name), "{name} is in the report");
    }
}

#[test]
fn lines_without_make_are_timed_by_the_pauses_alone() {
    let report = registry::names();
    let pauses = registry::pause_names();
    for name in ["griddle", "scc"] {
        assert!(pauses.contains(&name), "{name} is timed by the pauses");
        assert!(!report.contains(&name), "{name} is not in the report");
    }
    for name in ["dashmap", "papaya"] {
        assert!(report.contains(&name), "{name} is in the report");
        assert!(!pauses.contains(&name), "{name} has no `with_hasher:`");
    }
    // The pauses keep the list's order.
    let in_both: Vec<&str> = report
        .iter()
        .copied()
        .filter(|n| pauses.contains(n))
        .collect();
    let pauses_of_report: Vec<&str> = pauses
        .iter()
        .copied()
        .filter(|n| report.contains(n))
        .collect();
    assert_eq!(in_both, pauses_of_report);
}

#[test]
fn kinds_and_groups_agree_across_the_modes() {
    let variants = registry::variants();
    for (name, kind, group) in timed_names() {
        let v = variants.iter().find(|v| v.name == name).unwrap();
        assert_eq!((v.kind, v.group), (kind, group), "{name}");
    }
    for m in registry::pause_maps() {
        if let Some(v) = variants.iter().find(|v| v.name == m.name) {
            assert_eq!((v.kind, v.group), (m.kind, m.group), "{}", m.name);
        }
    }
}
