//! Jobs in a fresh process: the report and the pauses re-run their own
//! binary as `bench-suite __child JOB`, where `JOB` is a [`Job`] serialized
//! as JSON; the child runs it and prints its result as JSON. The RSS figures
//! of a scenario are then that scenario's alone, not what earlier scenarios
//! left on the allocator's free lists, and no map of the pauses starts on a
//! heap another one shaped.
//!
//! A job names what to run and carries its whole plan; the result comes
//! back typed ([`ScenarioResult`] or [`MapPauses`]). Nothing is passed as
//! loose strings and parsed by hand.

use std::process::Command;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::model::pauses::{self, MapPauses};
use crate::model::{Plan, Scenario, ScenarioResult};
use crate::{registry, throughput};

/// The hidden subcommand a child runs.
pub const SUBCOMMAND: &str = "__child";

/// What a child process runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "kebab-case")]
pub enum Job {
    /// One scenario of the report on one registered variant; prints a
    /// [`ScenarioResult`].
    Scenario {
        /// The registered variant's name.
        variant: String,
        /// The scenario.
        scenario: Scenario,
        /// The sizes and settings of the report's run.
        plan: Plan,
    },
    /// The pauses scenario on one map; prints a [`MapPauses`].
    Pauses {
        /// The map's name in the pauses' list.
        map: String,
        /// The sizes, runs and seed.
        plan: pauses::Plan,
    },
    /// One round of `throughput` on one map; prints a
    /// [`throughput::Round`].
    Throughput {
        /// The map's name in the throughput's list.
        map: String,
        /// Entries per pass.
        entries: usize,
        /// The value type's name.
        value: String,
    },
}

/// Runs `job` in a child process and reads back its result.
fn run_job<R: DeserializeOwned>(job: &Job) -> Result<R, String> {
    let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
    let job = serde_json::to_string(job).map_err(|e| format!("job: {e}"))?;
    let out = Command::new(exe)
        .args([SUBCOMMAND, &job])
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

/// Runs `scenario` on `variant` in a child process.
pub fn run(plan: &Plan, variant: &str, scenario: Scenario) -> Result<ScenarioResult, String> {
    run_job(&Job::Scenario {
        variant: variant.to_string(),
        scenario,
        plan: *plan,
    })
}

/// Runs the `pauses` scenario on the map `name` in a child process.
pub fn run_pauses(plan: &pauses::Plan, name: &str) -> Result<MapPauses, String> {
    run_job(&Job::Pauses {
        map: name.to_string(),
        plan: *plan,
    })
}

/// Runs one round of `throughput` on the map `name` in a child process.
pub fn run_throughput(
    name: &str,
    entries: usize,
    value: &str,
) -> Result<throughput::Round, String> {
    run_job(&Job::Throughput {
        map: name.to_string(),
        entries,
        value: value.to_string(),
    })
}

/// The child's side: runs the job serialized in `job` and prints its
/// result; returns the exit status (2 for a job it cannot read or run).
pub fn main(job: &str) -> i32 {
    let job: Job = match serde_json::from_str(job) {
        Ok(job) => job,
        Err(e) => {
            eprintln!("bench-suite {SUBCOMMAND}: bad job: {e}");
            return 2;
        }
    };
    let printed = match job {
        Job::Scenario {
            variant,
            scenario,
            plan,
        } => {
            let Some(v) = registry::variants().into_iter().find(|v| v.name == variant) else {
                eprintln!("unknown variant `{variant}`");
                return 2;
            };
            serde_json::to_string(&v.run(&plan, scenario))
        }
        Job::Pauses { map, plan } => {
            let Some(m) = registry::pause_maps().into_iter().find(|m| m.name == map) else {
                eprintln!("unknown map `{map}`");
                return 2;
            };
            serde_json::to_string(&m.run(&plan))
        }
        Job::Throughput {
            map,
            entries,
            value,
        } => match throughput::one_round(&map, entries, &value) {
            Ok(round) => serde_json::to_string(&round),
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        },
    };
    match printed {
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
