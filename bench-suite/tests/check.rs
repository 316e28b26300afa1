//! `reclaim --check`: passes on the workspace as it is, and fails when the
//! variants run under a policy that never reclaims.

use std::process::{Command, Output};

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
