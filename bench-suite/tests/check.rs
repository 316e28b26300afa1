//! `reclaim --check`: passes on the workspace as it is, and fails when the
//! variants run under a policy that never reclaims; the bursts' RSS bound
//! is held only where it can tell, with sync-map's own limit.

use std::process::{Command, Output};

use bench_suite::model::ScenarioResult;
use bench_suite::verdict::{describe_misses, misses, verdicts};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bench-suite"))
        .args(args)
        .output()
        .expect("run bench-suite")
}

#[test]
fn check_passes_on_the_workspace() {
    let out = run(&["reclaim", "--check", "--entries", "5000", "--no-files"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("verdicts:"), "{table}");
    assert!(table.contains("pass 0."), "{table}");
    // Baselines are shown failing, but are not held to the bars.
    assert!(table.contains("hashbrown (baseline)"), "{table}");
    assert!(table.contains("FAIL 100.00%"), "{table}");
    // The check leaves the pauses scenario out: it has no bar there.
    assert!(!table.contains("pauses grow"), "{table}");
}

#[test]
fn check_fails_when_nothing_reclaims() {
    let out = run(&[
        "reclaim",
        "--check",
        "--entries",
        "2000",
        "--no-files",
        "--policy",
        "manual",
        "--variant",
        "map-core,pooled-map",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("map-core: delete-all held"), "{stderr}");
    assert!(stderr.contains("pooled-map: delete-all held"), "{stderr}");
}

#[test]
fn markdown_tables() {
    let out = run(&[
        "--format",
        "markdown",
        "--entries",
        "200",
        "--variant",
        "map-core,hashbrown",
        "--no-files",
        "--in-process",
    ]);
    assert!(out.status.success());
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("| variant | filled |"), "{md}");
    assert!(md.contains("| :-- | --: |"), "{md}");
    assert!(md.contains("- **map-core**: best for"), "{md}");
}

/// A `ScenarioResult` from `fields`, the figures no test here reads left
/// empty.
fn scenario_result(mut fields: serde_json::Value) -> ScenarioResult {
    let object = fields.as_object_mut().expect("an object");
    for (name, empty) in [
        ("reported_peak_bytes", serde_json::Value::Null),
        ("rss_start_bytes", serde_json::Value::Null),
        ("rss_peak_bytes", serde_json::Value::Null),
        ("seconds", serde_json::json!(0.0)),
        ("note", serde_json::json!("")),
    ] {
        object.entry(name).or_insert(empty);
    }
    serde_json::from_value(fields).expect("a ScenarioResult")
}

/// A bursts result of `variant` whose bound reads `ratio`, at a size the
/// bound is checked at or not.
fn bursts_result(variant: &str, kind: &str, ratio: f64, checked: bool) -> ScenarioResult {
    scenario_result(serde_json::json!({
        "variant": variant,
        "kind": kind,
        "group": "single",
        "scenario": "bursts",
        "entries": 1_000_000,
        "stages": [],
        "figures": {
            "bursts": 3,
            "per_burst": 1_000_000,
            "kept_per_burst": 10_000,
            "survivors": 30_000,
            "idle_ms": 2000,
            "reference_rss_bytes": 7_000_000,
            "reference_counted_bytes": 2_700_000,
            "hashbrown_reference_rss_bytes": 7_000_000,
            "worst_drained_rss_bytes": (7e6 * ratio) as u64,
            "idle_rss_bytes": (7e6 * ratio) as u64,
            "worst_drained_vs_reference": ratio,
            "idle_vs_reference": ratio,
            "worst_drained_vs_hashbrown_reference": ratio,
            "bound_on": "drained",
            "bound": bench_suite::verdict::bursts_bound(variant),
            "checked": checked,
            "check_min_entries": 500_000
        },
    }))
}

#[test]
fn bursts_bound_checked_only_where_it_can_tell() {
    let results = [
        bursts_result("map-core", "variant", 2.5, true),
        bursts_result("sync-map", "variant", 2.5, true),
        bursts_result("arena-map", "variant", 2.5, false),
        bursts_result("hashbrown", "baseline", 12.0, true),
    ];
    let all = verdicts(&results);
    assert_eq!(all.len(), 4);
    let v = |name: &str| all.iter().find(|v| v.variant == name).unwrap();
    assert!(!v("map-core").pass && v("map-core").checked);
    assert_eq!(v("map-core").limit, 2.0);
    // sync-map keeps two copies of its table: 3x.
    assert!(v("sync-map").pass);
    assert_eq!(v("sync-map").limit, 3.0);
    // Over the bound, but at a size where the bound cannot tell: shown only.
    assert!(!v("arena-map").pass && !v("arena-map").checked);
    let missed = misses(&all);
    let names: Vec<&str> = missed.iter().map(|m| m.variant.as_str()).collect();
    assert_eq!(names, ["map-core"], "baselines are shown, not held");
    let lines = describe_misses(&missed);
    assert!(
        lines[0].starts_with("map-core: bursts RSS 2.50x > 2.00x"),
        "{lines:?}"
    );
}

/// A delete-all result whose filled map takes `filled` bytes and holds the
/// same share after the removals (filled / 10^6 %, so the two figures
/// rank the maps alike).
fn filled_result(variant: &str, group: &str, filled: i64) -> ScenarioResult {
    scenario_result(serde_json::json!({
        "variant": variant,
        "kind": "variant",
        "group": group,
        "scenario": "delete-all",
        "entries": 1_000,
        "stages": [{
            "stage": "filled",
            "counted_bytes": filled,
            "reported_bytes": null,
            "rss_bytes": null
        }],
        "figures": {
            "held_after_remove_pct": filled as f64 / 1e6,
            "held_after_reclaim_pct": 0.0,
            "refill_ratio": 1.0
        },
    }))
}

#[test]
fn best_for_names_ties_as_ties_and_the_nearest_miss() {
    let results = [
        filled_result("a", "single", 1_000_000),
        filled_result("b", "single", 1_020_000),
        filled_result("c", "single", 2_000_000),
        filled_result("d", "single", 3_000_000),
        // Another group is ranked on its own.
        filled_result("e", "concurrent", 5_000_000),
        filled_result("f", "concurrent", 9_000_000),
    ];
    let lines: std::collections::HashMap<String, String> =
        bench_suite::verdict::best_for(&results, None)
            .into_iter()
            .collect();
    assert!(
        lines["a"].starts_with("tied for the best at ")
            && lines["a"].contains("the smallest full map (1.00 MB filled, with b)"),
        "{}",
        lines["a"]
    );
    assert!(lines["b"].contains("with a)"), "{}", lines["b"]);
    assert!(
        lines["c"].starts_with("best at nothing measured here; nearest: ")
            && lines["c"].contains("2.00x the best"),
        "{}",
        lines["c"]
    );
    assert!(lines["d"].contains("3.00x the best"), "{}", lines["d"]);
    assert!(
        lines["e"].starts_with("best for ")
            && lines["e"].contains("the smallest full map (5.00 MB filled)"),
        "{}",
        lines["e"]
    );
    assert!(lines["f"].contains("1.80x the best"), "{}", lines["f"]);
}
