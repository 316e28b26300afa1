//! Each scenario in a fresh process: the report re-runs its own binary as
//! `bench-suite __rss-child VARIANT SCENARIO ENTRIES POLICY KEY VALUE_BYTES
//! BURSTS_ENTRIES IDLE_MS`, which runs one scenario on one variant and
//! prints its [`ScenarioResult`] as JSON. The RSS figures are then that
//! scenario's alone, not what earlier scenarios left on the allocator's free
//! lists. The bursts scenario's reference (`bursts-reference`: a fresh
//! process holding only the survivors) is run the same way.
//!
//! The `pauses` scenario does the same per map: `bench-suite __pauses-child
//! MAP ENTRIES RUNS SEED` runs it on one map and prints its [`MapPauses`],
//! so no map starts on a heap another one shaped.

use std::process::Command;

use crate::pauses::{self, MapPauses};
use crate::registry;
use crate::report::{Plan, Scenario, ScenarioResult};

/// The hidden subcommand's name.
pub const SUBCOMMAND: &str = "__rss-child";

/// The hidden subcommand of the `pauses` scenario.
pub const PAUSES_SUBCOMMAND: &str = "__pauses-child";

/// Runs `scenario` on `variant` in a child process.
pub fn run(plan: &Plan, variant: &str, scenario: Scenario) -> Result<ScenarioResult, String> {
    let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
    let out = Command::new(exe)
        .args([
            SUBCOMMAND,
            variant,
            scenario.name(),
            &plan.entries.to_string(),
            if plan.manual_policy {
                "manual"
            } else {
                "default"
            },
            plan.key,
            &plan
                .value_bytes
                .map_or_else(|| "-".to_string(), |n| n.to_string()),
            &plan.bursts_entries.to_string(),
            &plan.bursts_idle_ms.to_string(),
        ])
        .output()
        .map_err(|e| format!("spawn: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "exit {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("child output: {e}"))
}

/// The child's side: runs one scenario and prints the result; returns the
/// exit status.
pub fn main(args: &[String]) -> i32 {
    let [variant, scenario, entries, policy, key, value_bytes, bursts_entries, idle_ms] = args
    else {
        eprintln!(
            "usage: bench-suite {SUBCOMMAND} VARIANT SCENARIO ENTRIES default|manual u64|string BYTES|- BURSTS_ENTRIES IDLE_MS"
        );
        return 2;
    };
    let Some(v) = registry::variants().into_iter().find(|v| v.name == variant) else {
        eprintln!("unknown variant `{variant}`");
        return 2;
    };
    let Some(scenario) = Scenario::from_child_name(scenario) else {
        eprintln!("unknown scenario `{scenario}`");
        return 2;
    };
    let Ok(entries) = entries.parse::<usize>() else {
        eprintln!("bad entries `{entries}`");
        return 2;
    };
    let mut plan = Plan::new(entries.max(10));
    plan.manual_policy = policy == "manual";
    plan.key = if key == "string" { "string" } else { "u64" };
    plan.value_bytes = value_bytes.parse().ok();
    let (Ok(bursts_entries), Ok(idle_ms)) = (bursts_entries.parse(), idle_ms.parse()) else {
        eprintln!("bad bursts sizes `{bursts_entries} {idle_ms}`");
        return 2;
    };
    plan.bursts_entries = bursts_entries;
    plan.bursts_idle_ms = idle_ms;
    let result = v.run(&plan, scenario);
    match serde_json::to_string(&result) {
        Ok(text) => {
            println!("{text}");
            0
        }
        Err(e) => {
            eprintln!("{e}");
            1
        }
    }
}

/// Runs the `pauses` scenario on the map `name` in a child process.
pub fn run_pauses(plan: &pauses::Plan, name: &str) -> Result<MapPauses, String> {
    let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
    let out = Command::new(exe)
        .args([
            PAUSES_SUBCOMMAND,
            name,
            &plan.entries.to_string(),
            &plan.runs.to_string(),
            &plan.seed.to_string(),
        ])
        .output()
        .map_err(|e| format!("spawn: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "exit {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("child output: {e}"))
}

/// The `pauses` child's side: runs the scenario on one map and prints the
/// result; returns the exit status.
pub fn pauses_main(args: &[String]) -> i32 {
    let [name, entries, runs, seed] = args else {
        eprintln!("usage: bench-suite {PAUSES_SUBCOMMAND} MAP ENTRIES RUNS SEED");
        return 2;
    };
    let Some(map) = pauses::maps().into_iter().find(|m| m.name == name) else {
        eprintln!("unknown map `{name}`");
        return 2;
    };
    let (Ok(entries), Ok(runs), Ok(seed)) = (
        entries.parse::<usize>(),
        runs.parse::<usize>(),
        seed.parse::<u64>(),
    ) else {
        eprintln!("bad sizes `{entries} {runs} {seed}`");
        return 2;
    };
    let mut plan = pauses::Plan::new(entries);
    plan.runs = runs.max(1);
    plan.seed = seed;
    match serde_json::to_string(&map.run(&plan)) {
        Ok(text) => {
            println!("{text}");
            0
        }
        Err(e) => {
            eprintln!("{e}");
            1
        }
    }
}
