//! `bench-suite trace`: the shipped traces replay on every map with the same
//! final length; bad traces are refused with the line and the reason.

use std::process::{Command, Output};

use bench_suite::recording::RecordingMap;
use bench_suite::trace;

// The replay counts bytes through the counting global allocator.
map_conformance::install_counting_allocator!();

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bench-suite"))
        .args(args)
        .output()
        .expect("run bench-suite")
}

fn shipped(name: &str) -> String {
    format!("{}/traces/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn shipped_trace_replays_on_every_map() {
    let out = run(&["trace", &shipped("churn.csv"), "--json", "--rounds", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), bench_suite::registry::variants().len());
    assert_eq!(doc["final_len_agrees"], true);
    for r in results {
        assert_eq!(r["final_len"], 5000, "{}", r["variant"]);
        assert!(r["peak_bytes"].as_i64().unwrap() >= r["end_bytes"].as_i64().unwrap());
        assert!(r["seconds"].as_f64().unwrap() > 0.0);
        assert!(!r["samples"].as_array().unwrap().is_empty());
    }
    let hb = results
        .iter()
        .find(|r| r["variant"] == "hashbrown")
        .unwrap();
    assert_eq!(hb["ratio_to_hashbrown"], 1.0);
    assert!(doc["meta"]["rustc"].is_string());
}

#[test]
fn malformed_trace_exits_2_naming_the_line() {
    let dir = std::env::temp_dir().join(format!("bench-suite-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.csv");
    std::fs::write(&path, "op,key,value_bytes\ninsert,a,10\nget,a,zero\n").unwrap();
    let out = run(&["trace", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 3") && stderr.contains("`zero`"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_recorded_workload_replays_to_the_same_length() {
    let mut map = RecordingMap::new(map_core::HashMap::<String, Vec<u8>>::new(), Vec::new());
    for i in 0..1_000u32 {
        map.insert(format!("k{i}"), vec![0; (i % 50) as usize]);
        if i % 3 == 0 {
            map.remove(format!("k{}", i / 2).as_str());
        }
        map.get(format!("k{}", i / 4).as_str());
    }
    let live = map.len();
    let (_, bytes) = map.finish().unwrap();
    let parsed = trace::parse(&bytes).unwrap();
    let results = trace::run(&parsed, &trace::variants(), 1, |_| {});
    assert!(trace::lengths_agree(&results));
    assert_eq!(results[0].final_len, live);
}
