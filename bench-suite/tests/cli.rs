//! The command-line contract of `bench-suite`: the JSON document, the exact
//! names, and exit status 2 with a message for bad options.

use std::process::{Command, Output};

use bench_suite::model::pauses;
use bench_suite::registry;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bench-suite"))
        .args(args)
        .output()
        .expect("run bench-suite")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = run(args);
    assert!(
        out.status.success(),
        "bench-suite {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

#[test]
fn json_has_every_registered_variant_and_scenario() {
    let doc = json(&["reclaim", "--json", "--entries", "200", "--no-files"]);
    let results = doc["results"].as_array().expect("results array");
    let registered: Vec<&str> = registry::variants().iter().map(|v| v.name).collect();
    for name in ["map-core", "std", "hashbrown"] {
        assert!(registered.contains(&name), "{name} is registered");
    }
    for variant in &registered {
        for scenario in ["delete-all", "spike", "churn", "drain-idle", "bursts"] {
            let row = results
                .iter()
                .find(|r| r["variant"] == *variant && r["scenario"] == scenario)
                .unwrap_or_else(|| panic!("no row for {variant} {scenario}"));
            assert!(row["stages"].as_array().is_some_and(|s| !s.is_empty()));
        }
    }
    assert_eq!(results.len(), registered.len() * 5);
    for r in results {
        let name = r["variant"].as_str().unwrap();
        assert!(registry::names().contains(&name), "unexpected name {name}");
    }
    // The pauses scenario runs by default, at --entries, on its own maps.
    let p = &doc["pauses"];
    assert_eq!(p["plan"]["entries"], 200);
    let timed = p["results"].as_array().expect("pauses results");
    assert_eq!(timed.len(), registry::pause_names().len());
    for (row, name) in timed.iter().zip(registry::pause_names()) {
        assert_eq!(row["variant"], name);
        assert_eq!(row["phases"].as_array().unwrap().len(), 5);
    }
}

#[test]
fn pauses_json_counts_every_operation() {
    let doc = json(&[
        "pauses",
        "--json",
        "--entries",
        "1000",
        "--variant",
        "map-core,scc",
        "--no-files",
    ]);
    assert_eq!(doc["plan"]["entries"], 1000);
    assert_eq!(doc["plan"]["runs"], 2);
    assert_eq!(doc["isolation"], "process");
    assert!(doc["meta"]["rustc"].is_string());
    let results = doc["results"].as_array().unwrap();
    let names: Vec<&str> = results
        .iter()
        .map(|r| r["variant"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["map-core", "scc"]);
    for r in results {
        let ops: Vec<u64> = r["phases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["ops"].as_u64().unwrap())
            .collect();
        assert_eq!(ops, [1000, 990, 200, 1000, 1000], "{}", r["variant"]);
        assert_eq!(r["phases"][2]["phase"], "churn");
        assert_eq!(r["phases"][4]["phase"], "regrow");
    }
}

#[test]
fn pauses_tables_and_files() {
    let dir = std::env::temp_dir().join(format!("bench-suite-pauses-{}", std::process::id()));
    let out = run(&[
        "pauses",
        "--entries",
        "300",
        "--runs",
        "1",
        "--variant",
        "hashbrown,griddle",
        "--in-process",
        "--format",
        "markdown",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8_lossy(&out.stdout);
    for phase in ["grow", "remove-99%", "churn", "remove-all", "regrow"] {
        assert!(md.contains(&format!("*pauses {phase}: ")), "{md}");
    }
    assert!(md.contains("| variant | total ms | p99.9 us | p99.99 us | longest us |"));
    assert!(md.contains("| griddle |"), "{md}");
    for file in ["pauses.json", "pauses.csv", "pauses.svg"] {
        assert!(dir.join(file).exists(), "{file} written");
    }
    let csv = std::fs::read_to_string(dir.join("pauses.csv")).unwrap();
    assert!(csv.starts_with("variant,kind,group,phase,entries,ops,"));
    assert_eq!(csv.lines().count(), 1 + 2 * 5);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn figures_are_measured_and_std_holds_everything() {
    let doc = json(&[
        "--json",
        "--entries",
        "1000",
        "--scenario",
        "delete-all",
        "--variant",
        "map-core,std,hashbrown",
        "--no-files",
    ]);
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let row = |v: &str| results.iter().find(|r| r["variant"] == v).unwrap();
    for v in ["std", "hashbrown"] {
        let held = row(v)["figures"]["held_after_remove_pct"].as_f64().unwrap();
        assert!(held > 99.0, "{v} holds its table: {held}%");
        let filled = &row(v)["stages"][0];
        assert_eq!(filled["stage"], "filled");
        assert!(filled["counted_bytes"].as_i64().unwrap() > 1000 * 136);
    }
    // std says nothing about its memory: null, not an invented number.
    assert!(row("std")["stages"][0]["reported_bytes"].is_null());
    let core = row("map-core");
    assert!(core["figures"]["held_after_remove_pct"].as_f64().unwrap() < 50.0);
    assert!(core["stages"][0]["reported_bytes"].as_u64().unwrap() > 0);
}

#[test]
fn writes_the_files() {
    let dir = std::env::temp_dir().join(format!("bench-suite-cli-{}", std::process::id()));
    let out = run(&[
        "--entries",
        "100",
        "--variant",
        "map-core",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("delete-all") && table.contains("map-core"));
    for file in [
        "reclaim.json",
        "reclaim.csv",
        "reclaim-summary.csv",
        "reclaim.svg",
        "pauses.csv",
        "pauses.svg",
    ] {
        let path = dir.join(file);
        assert!(path.exists(), "{} written", path.display());
    }
    let csv = std::fs::read_to_string(dir.join("reclaim.csv")).unwrap();
    assert!(csv.starts_with("variant,group,scenario,stage,"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_options_exit_2_with_a_message() {
    for (args, says) in [
        (&["--entries", "lots"][..], "--entries"),
        (&["--entries"][..], "a value is required for '--entries"),
        (&["--entries", "3"][..], "between 10 and"),
        (&["--scenario", "tornado"][..], "unknown scenario `tornado`"),
        (&["--variant", "btree"][..], "unknown variant `btree`"),
        (&["--frobnicate"][..], "unexpected argument '--frobnicate'"),
        (&["--format", "html"][..], "invalid value 'html'"),
        (&["trace"][..], "FILE"),
        (
            &["trace", "/nonexistent/trace.csv"][..],
            "/nonexistent/trace.csv",
        ),
        (&["throughput", "--rounds", "0"][..], "--rounds"),
        (&["throughput", "--entries", "1000,many"][..], "--entries"),
        (&["handles", "--rounds", "0"][..], "--rounds"),
        (&["handles", "--entries", "none"][..], "--entries"),
        (&["concurrent", "--threads", "0"][..], "--threads"),
        (&["pauses", "--entries", "10"][..], "between 100 and"),
        (&["pauses", "--runs", "0"][..], "--runs"),
        (
            &["pauses", "--variant", "dashmap"][..],
            "unknown variant `dashmap` for pauses",
        ),
        (&["string-keys", "--keys", "0"][..], "--keys"),
        (&["bursts", "--entries", "99"][..], "between 100 and"),
        (&["bursts", "--idle-ms", "soon"][..], "--idle-ms"),
        (
            &["bursts", "--variant", "griddle"][..],
            "unknown variant `griddle`",
        ),
        (
            &["--scenario", "bursts-reference"][..],
            "unknown scenario `bursts-reference`",
        ),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}

#[test]
fn help_exits_0() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Usage: bench-suite"), "{help}");
    for name in registry::names() {
        assert!(help.contains(name), "help lists {name}");
    }
    assert!(help.contains("delete-all, spike, churn, drain-idle, bursts, pauses"));
    for name in registry::pause_names() {
        assert!(help.contains(name), "help lists {name}");
    }
    let help = run(&["reclaim", "--help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("--check"));
    let version = run(&["--version"]);
    assert!(version.status.success());
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("bench-suite "));
}

#[test]
fn entries_with_equals_sign() {
    let doc = json(&[
        "--json",
        "--entries=100",
        "--scenario=delete-all",
        "--variant=map-core",
        "--no-files",
    ]);
    assert_eq!(doc["plan"]["entries"], 100);
    assert_eq!(doc["meta"]["schema_version"], 4);
    for field in ["rustc", "git_rev", "cpu", "os", "date", "allocator"] {
        assert!(doc["meta"][field].is_string(), "meta.{field}");
    }
}

#[test]
fn other_entries() {
    let doc = json(&[
        "--json",
        "--entries",
        "500",
        "--key",
        "string",
        "--value-bytes",
        "64",
        "--variant",
        "map-core,hashbrown",
        "--no-files",
    ]);
    assert_eq!(doc["plan"]["key"], "string");
    assert_eq!(doc["plan"]["value_bytes"], 64);
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 10, "five scenarios, two maps");
    // drain-idle stores the same entries: each fresh map of the survivors
    // holds their heap values and keys too.
    let sweep = results
        .iter()
        .find(|r| r["variant"] == "hashbrown" && r["scenario"] == "drain-idle")
        .unwrap();
    for case in sweep["figures"]["cases"].as_array().unwrap() {
        let survivors = case["survivors"].as_i64().unwrap();
        assert!(case["fresh_bytes"].as_i64().unwrap() > survivors * (64 + 16));
    }
    // The bursts keep their own entries, (u64, [u8; 32]).
    assert!(results
        .iter()
        .any(|r| r["scenario"] == "bursts" && r["figures"]["per_burst"] == 5000));
    let filled = |v: &str| {
        results
            .iter()
            .find(|r| r["variant"] == v && r["scenario"] == "delete-all")
            .unwrap()["stages"][0]["counted_bytes"]
            .as_i64()
            .unwrap()
    };
    // Each entry owns a 64-byte value and a String key on the heap.
    assert!(filled("hashbrown") > 500 * (64 + 16));
    let out = run(&["--key", "u128"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn timing_subcommands_have_help() {
    for (sub, option) in [
        ("throughput", "--value"),
        ("handles", "--lookups"),
        ("concurrent", "--threads"),
        ("string-keys", "--keys"),
    ] {
        let out = run(&[sub, "--help"]);
        assert!(out.status.success(), "{sub} --help");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("--rounds"), "{sub}: {help}");
        assert!(help.contains(option), "{sub}: {help}");
    }
}

#[test]
fn pauses_has_help() {
    let out = run(&["pauses", "--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for says in [
        "--entries",
        "--runs",
        "--variant",
        "longest us",
        "griddle",
        "scc",
    ] {
        assert!(help.contains(says), "{says}: {help}");
    }
}

/// Runs `args` and returns stdout, which must hold every one of `says`.
fn tiny_run(args: &[&str], says: &[&str]) {
    let out = run(args);
    assert!(
        out.status.success(),
        "bench-suite {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for line in says {
        assert!(stdout.contains(line), "{args:?} prints {line:?}: {stdout}");
    }
}

#[test]
fn handles_runs_small() {
    tiny_run(
        &[
            "handles",
            "--rounds",
            "1",
            "--entries",
            "200",
            "--lookups",
            "1000",
            "--live",
            "50",
            "--pairs",
            "200",
        ],
        &[
            "hashbrown get(key)",
            "pooled-map get_by_handle",
            "pooled-map by handle",
            "ratio to hashbrown",
        ],
    );
}

#[test]
fn concurrent_runs_small() {
    tiny_run(
        &[
            "concurrent",
            "--rounds",
            "1",
            "--keys",
            "500",
            "--ops",
            "3200",
            "--refill-entries",
            "50",
            "--refill-rounds",
            "5",
        ],
        &[
            "&hashbrown (ceiling)",
            "SyncMap enter (x16)",
            "RwLock<hashbrown>",
            "dashmap",
            "papaya",
            "98% get, 1% insert, 1% remove",
            "SyncMap::write batch",
            "allocator calls per clear-and-refill round",
        ],
    );
}

#[test]
fn throughput_runs_small_in_one_process_and_per_process() {
    let base = ["throughput", "--rounds", "1", "--entries", "2000"];
    tiny_run(
        &base,
        &[
            "rounds interleaved in one process",
            "ratio to hashbrown",
            "split-map",
        ],
    );
    let mut per_process = base.to_vec();
    per_process.push("--per-process");
    tiny_run(
        &per_process,
        &[
            "rounds interleaved with each map's round in a process of its own",
            "ratio to hashbrown",
            "map-core (manual)",
            "split-map",
        ],
    );
}

#[test]
fn string_keys_runs_small() {
    tiny_run(
        &["string-keys", "--rounds", "1", "--keys", "500"],
        &[
            "arena_map::StrMap<u64>",
            "hashbrown::HashMap<String, u64>",
            "allocator calls to build",
        ],
    );
}

#[test]
fn bursts_json_at_a_small_size() {
    let doc = json(&[
        "bursts",
        "--json",
        "--entries",
        "3000",
        "--idle-ms",
        "0",
        "--variant",
        "map-core,std,sync-map",
        "--no-files",
    ]);
    assert_eq!(doc["meta"]["schema_version"], 4);
    assert_eq!(doc["isolation"], "process");
    assert_eq!(doc["plan"]["bursts_entries"], 3000);
    assert_eq!(doc["plan"]["bursts_idle_ms"], 0);
    let results = doc["results"].as_array().unwrap();
    let names: Vec<&str> = results
        .iter()
        .map(|r| r["variant"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["map-core", "std", "sync-map"]);
    for r in results {
        assert_eq!(r["scenario"], "bursts");
        let stages: Vec<&str> = r["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["stage"].as_str().unwrap())
            .collect();
        assert_eq!(
            stages,
            bench_suite::model::bursts::STAGES,
            "{}",
            r["variant"]
        );
        let b = &r["figures"];
        assert_eq!(b["per_burst"], 3000);
        assert_eq!(b["kept_per_burst"], 30);
        assert_eq!(b["survivors"], 90);
        assert_eq!(b["bursts"], 3);
        // Too small to check: shown only.
        assert_eq!(b["checked"], false);
        assert_eq!(b["check_min_entries"], 500_000);
        if cfg!(target_os = "linux") {
            for field in [
                "reference_rss_bytes",
                "hashbrown_reference_rss_bytes",
                "worst_drained_rss_bytes",
                "idle_rss_bytes",
            ] {
                assert!(b[field].as_u64().unwrap() > 0, "{field}");
            }
            assert!(b["worst_drained_vs_reference"].as_f64().unwrap() > 0.0);
        }
        let bound = b["bound"].as_f64().unwrap();
        let expected = if r["variant"] == "sync-map" { 3.0 } else { 2.0 };
        assert_eq!(bound, expected, "{}", r["variant"]);
        // The map's own counted bytes: the peak holds the burst.
        let peak = r["stages"][0]["counted_bytes"].as_i64().unwrap();
        assert!(peak > 3000 * 40, "{}: {peak}", r["variant"]);
    }
    // std reports nothing: null, not a number.
    assert!(results[1]["stages"][0]["reported_bytes"].is_null());
    // The map drained: it holds far less than at its peak.
    let stage = |r: &serde_json::Value, i: usize| r["stages"][i]["counted_bytes"].as_i64().unwrap();
    assert!(stage(&results[0], 1) * 4 < stage(&results[0], 0));
    // One verdict per map, shown but not checked, so nothing is missed.
    let verdicts = doc["verdicts"].as_array().unwrap();
    assert_eq!(verdicts.len(), 3);
    for v in verdicts {
        assert_eq!(v["bar"], "bursts RSS");
        assert_eq!(v["checked"], false);
    }
    assert!(doc["misses"].as_array().unwrap().is_empty());
}

#[test]
fn bursts_tables_and_files() {
    let dir = std::env::temp_dir().join(format!("bench-suite-bursts-{}", std::process::id()));
    let out = run(&[
        "bursts",
        "--entries",
        "1000",
        "--idle-ms",
        "0",
        "--variant",
        "pooled-map,hashbrown",
        "--in-process",
        "--format",
        "markdown",
        "--check",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.contains("**bursts: 3 bursts of 1000 (u64, [u8; 32]) entries"),
        "{md}"
    );
    assert!(
        md.contains("| variant | peak | drained 1 | insert 1 | drained 2 |"),
        "{md}"
    );
    assert!(md.contains("| pooled-map |"), "{md}");
    assert!(md.contains("shown, not checked"), "{md}");
    assert!(md.contains("lowest RSS after the bursts: "), "{md}");
    assert!(md.contains("bursts RSS <= 2.00x (sync-map 3.00x)"), "{md}");
    assert!(md.contains("unchecked "), "{md}");
    for file in ["bursts.json", "bursts.csv"] {
        assert!(dir.join(file).exists(), "{file} written");
    }
    let csv = std::fs::read_to_string(dir.join("bursts.csv")).unwrap();
    assert!(csv.starts_with("variant,group,scenario,stage,"));
    assert_eq!(csv.lines().count(), 1 + 2 * 10);
    assert!(csv.contains("pooled-map,single,bursts,burst-2-drained,"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bursts_has_help() {
    let out = run(&["bursts", "--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for says in [
        "--entries",
        "--idle-ms",
        "--check",
        "--variant",
        "jemalloc",
        "sync-map 3x",
    ] {
        assert!(help.contains(says), "{says}: {help}");
    }
}

#[test]
fn drain_idle_sweep_in_the_report() {
    let doc = json(&[
        "--json",
        "--entries",
        "2000",
        "--scenario",
        "drain-idle",
        "--variant",
        "map-core,hashbrown",
        "--no-files",
    ]);
    // 2000 / 5 and 2 x 2000 are below the design's smallest peak, 20,000:
    // the sweep runs 20,000 (once) and 10 x 2000.
    assert_eq!(
        doc["plan"]["drain_idle_peaks"],
        serde_json::json!([20000, 20000, 20000])
    );
    let doc = json(&[
        "--json",
        "--entries",
        "3000",
        "--scenario",
        "drain-idle",
        "--variant",
        "map-core,hashbrown",
        "--no-files",
    ]);
    assert_eq!(
        doc["plan"]["drain_idle_peaks"],
        serde_json::json!([20000, 20000, 30000])
    );
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let row = |v: &str| results.iter().find(|r| r["variant"] == v).unwrap();
    for v in ["map-core", "hashbrown"] {
        let d = &row(v)["figures"];
        let cases = d["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 2 * 7, "{v}: two distinct peaks, seven shares");
        let survivors: Vec<u64> = cases[..7]
            .iter()
            .map(|c| c["survivors"].as_u64().unwrap())
            .collect();
        assert_eq!(survivors, [2000, 1000, 400, 200, 100, 40, 20]);
        assert_eq!(row(v)["stages"].as_array().unwrap().len(), 14);
        assert_eq!(d["bound"], 8.0);
        assert_eq!(d["goal"], 2.5);
    }
    let core = &row("map-core")["figures"];
    assert!(core["worst_vs_fresh"].as_f64().unwrap() <= 8.0);
    assert_eq!(core["over_bound"], 0);
    // hashbrown keeps its table: far over the bound.
    let hb = &row("hashbrown")["figures"];
    assert!(hb["worst_vs_fresh"].as_f64().unwrap() > 100.0);
    assert!(hb["over_bound"].as_u64().unwrap() >= 10);
    let verdict = |v: &str| {
        doc["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["variant"] == v && x["bar"] == "drain-idle worst")
            .unwrap()
            .clone()
    };
    assert_eq!(verdict("map-core")["pass"], true);
    assert_eq!(verdict("hashbrown")["pass"], false);
    assert_eq!(verdict("hashbrown")["checked"], true);
}

/// A job for a fresh process goes in as JSON and its result comes back as
/// JSON; a job that cannot be read or run exits with status 2.
#[test]
fn a_child_job_round_trips_and_a_bad_one_exits_2() {
    let job = bench_suite::child::Job::Pauses {
        map: "map-core".to_string(),
        plan: pauses::Plan::new(pauses::MIN_ENTRIES),
    };
    let job = serde_json::to_string(&job).expect("a job serializes");
    let doc = json(&["__child", &job]);
    assert_eq!(doc["variant"], "map-core");
    assert_eq!(doc["phases"].as_array().map(Vec::len), Some(5));

    for bad in [
        "not json",
        r#"{"job":"unknown"}"#,
        r#"{"job":"pauses","map":"no-such-map","plan":{"entries":100,"keep":1,"churn_steps":10,"runs":1,"seed":1}}"#,
        r#"{"job":"throughput","map":"no-such-map","entries":100,"value":"u64"}"#,
        r#"{"job":"throughput","map":"map-core","entries":100,"value":"no-such-type"}"#,
    ] {
        let out = run(&["__child", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(!out.stderr.is_empty(), "{bad}: says why");
    }
}
