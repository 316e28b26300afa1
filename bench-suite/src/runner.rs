//! The runners: every chosen map through every chosen scenario, each job in
//! a fresh process by default ([`crate::child`]), with progress lines.

use crate::model::bursts::COMMON_REFERENCE;
use crate::model::pauses::{self, MapPauses};
use crate::model::{Plan, Scenario, ScenarioResult};
use crate::registry::{PauseVariant, Variant};
use crate::render::pauses::human;

/// Runs `scenarios` on `variants`, reporting progress through `progress`.
/// With `isolate`, each scenario runs in a fresh child process (this binary
/// re-run as `__child` with a [`crate::child::Job`]), so its RSS figures are its own; without, all
/// run in this process, one after another.
pub fn reclaim(
    plan: &Plan,
    variants: &[Variant],
    scenarios: &[Scenario],
    isolate: bool,
    mut progress: impl FnMut(&str),
) -> Vec<ScenarioResult> {
    let total = variants.len() * scenarios.len();
    let mut results = Vec::with_capacity(total);
    let run_one = |variant: &Variant, scenario: Scenario, progress: &mut dyn FnMut(&str)| {
        if isolate {
            match crate::child::run(plan, variant.name, scenario) {
                Ok(r) => r,
                Err(e) => {
                    progress(&format!(
                        "    fresh process failed ({e}); running in this one"
                    ));
                    variant.run(plan, scenario)
                }
            }
        } else {
            variant.run(plan, scenario)
        }
    };
    // The bursts' common reference: hashbrown holding the survivors, in a
    // fresh process of its own, measured once.
    let mut hashbrown_reference: Option<Option<ScenarioResult>> = None;
    for variant in variants {
        for &scenario in scenarios {
            progress(&format!(
                "[{}/{}] {} {} ...",
                results.len() + 1,
                total,
                variant.name,
                scenario.name()
            ));
            let mut r = run_one(variant, scenario, &mut progress);
            if scenario == Scenario::Bursts {
                let hashbrown = hashbrown_reference
                    .get_or_insert_with(|| {
                        let hb = crate::registry::variants()
                            .into_iter()
                            .find(|v| v.name == COMMON_REFERENCE)?;
                        progress(&format!(
                            "    reference: {} holding the survivors, in a fresh process",
                            hb.name
                        ));
                        Some(run_one(&hb, Scenario::BurstsReference, &mut progress))
                    })
                    .as_ref();
                let own = if variant.name == COMMON_REFERENCE {
                    hashbrown.cloned()
                } else {
                    progress(&format!(
                        "    reference: {} holding the survivors, in a fresh process",
                        variant.name
                    ));
                    Some(run_one(variant, Scenario::BurstsReference, &mut progress))
                };
                crate::bursts::finish(&mut r, own.as_ref(), hashbrown, variant.name);
            }
            progress(&format!("    done in {:.2} s", r.seconds));
            results.push(r);
        }
    }
    results
}

/// Runs the scenario on `maps`, reporting progress through `progress`.
/// With `isolate`, each map runs in a fresh child process (this binary
/// re-run as `__child` with a [`crate::child::Job`]), so no map inherits another's heap.
pub fn pauses(
    plan: &pauses::Plan,
    maps: &[PauseVariant],
    isolate: bool,
    mut progress: impl FnMut(&str),
) -> Vec<MapPauses> {
    let mut results = Vec::with_capacity(maps.len());
    for (i, map) in maps.iter().enumerate() {
        progress(&format!(
            "[{}/{}] pauses {} ({} entries, {} runs) ...",
            i + 1,
            maps.len(),
            map.name,
            plan.entries,
            plan.runs
        ));
        let r = if isolate {
            match crate::child::run_pauses(plan, map.name) {
                // The child ran `PauseVariant::run`, which names the result.
                Ok(r) => r,
                Err(e) => {
                    progress(&format!(
                        "    fresh process failed ({e}); running in this one"
                    ));
                    map.run(plan)
                }
            }
        } else {
            map.run(plan)
        };
        let longest: Vec<String> = r
            .phases
            .iter()
            .map(|p| format!("{} {}", p.phase, human(p.longest_ns)))
            .collect();
        progress(&format!(
            "    done in {:.2} s; longest: {}",
            r.seconds,
            longest.join(", ")
        ));
        results.push(r);
    }
    results
}
