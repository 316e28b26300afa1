//! The command line: `bench-suite [reclaim] [options]` and
//! `bench-suite throughput [options]`. Bad options exit with status 2.

use std::io::Write as _;
use std::path::PathBuf;

use crate::chart;
use crate::registry::{self, Variant};
use crate::report::{self, Plan, Report, Scenario, DEFAULT_ENTRIES};
use crate::throughput;

/// The usage text.
pub const USAGE: &str = "\
usage: bench-suite [reclaim] [--entries N] [--scenario NAME]... [--variant NAME]...
                   [--json] [--out DIR] [--no-files]
       bench-suite throughput [--entries N] [--rounds R] [--value TYPE]

reclaim (the default): the reclamation report. Runs delete-all (N entries),
  spike (10 N down to N/10) and churn (N/10 live, 10 N pairs) on every
  registered variant; prints a table (or, with --json, one JSON document) on
  stdout, progress on stderr, and writes reclaim.json, reclaim.csv,
  reclaim-summary.csv and reclaim.svg under --out (default: target/bench-suite).
    --entries N      N (default 100000, 10 to 10000000)
    --scenario NAME  delete-all, spike or churn (repeat or comma-separate)
    --variant NAME   a variant name (repeat or comma-separate)
    --json           print the JSON document instead of the table
    --out DIR        where to write the files
    --no-files       write no files

throughput: map-core (automatic and manual policy), hashbrown and std timed
  side by side, interleaved over several rounds in one process; prints median
  ratios to hashbrown and their spread, and the allocator calls of a
  clear-and-refill round.
    --entries N      entries per pass (default 1000000)
    --rounds R       rounds (default 7)
    --value TYPE     u64 (default), string or bytes128
";

/// The largest `--entries`: the spike then holds 100 million entries.
const MAX_ENTRIES: usize = 10_000_000;

/// A command-line error: printed with the usage hint, exit status 2.
#[derive(Debug)]
pub struct UsageError(pub String);

enum Command {
    Help,
    Reclaim {
        entries: usize,
        scenarios: Vec<Scenario>,
        variants: Vec<String>,
        json: bool,
        out: Option<PathBuf>,
        files: bool,
    },
    Throughput {
        entries: usize,
        rounds: usize,
        value: String,
    },
}

fn number(
    option: &str,
    value: Option<String>,
    min: usize,
    max: usize,
) -> Result<usize, UsageError> {
    let value = value.ok_or_else(|| UsageError(format!("{option} needs a value")))?;
    let n: usize = value
        .replace('_', "")
        .parse()
        .map_err(|_| UsageError(format!("{option}: `{value}` is not a whole number")))?;
    if n < min || n > max {
        return Err(UsageError(format!(
            "{option}: must be between {min} and {max}, got {n}"
        )));
    }
    Ok(n)
}

fn names(option: &str, value: Option<String>) -> Result<Vec<String>, UsageError> {
    let value = value.ok_or_else(|| UsageError(format!("{option} needs a value")))?;
    let list: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    if list.is_empty() {
        return Err(UsageError(format!("{option} needs a name")));
    }
    Ok(list)
}

fn parse(args: Vec<String>) -> Result<Command, UsageError> {
    let mut args = args.into_iter().peekable();
    let sub = match args.peek().map(String::as_str) {
        Some("reclaim") | Some("throughput") | Some("help") => args.next(),
        _ => None,
    };
    match sub.as_deref() {
        Some("help") => return Ok(Command::Help),
        Some("throughput") => {
            let (mut entries, mut rounds, mut value) = (1_000_000, 7, "u64".to_string());
            while let Some(arg) = args.next() {
                match arg.as_str() {
                    "--entries" => entries = number("--entries", args.next(), 1, MAX_ENTRIES)?,
                    "--rounds" => rounds = number("--rounds", args.next(), 1, 1000)?,
                    "--value" => {
                        value = args.next().unwrap_or_default();
                        if !throughput::VALUES.contains(&value.as_str()) {
                            return Err(UsageError(format!(
                                "--value: unknown value type `{value}` (known: {})",
                                throughput::VALUES.join(", ")
                            )));
                        }
                    }
                    "-h" | "--help" => return Ok(Command::Help),
                    other => {
                        return Err(UsageError(format!("throughput: unknown option `{other}`")))
                    }
                }
            }
            return Ok(Command::Throughput {
                entries,
                rounds,
                value,
            });
        }
        _ => {}
    }
    let mut entries = DEFAULT_ENTRIES;
    let mut scenarios = Vec::new();
    let mut variants = Vec::new();
    let (mut json, mut out, mut files) = (false, None, true);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--entries" => entries = number("--entries", args.next(), 10, MAX_ENTRIES)?,
            "--scenario" => {
                for name in names("--scenario", args.next())? {
                    let s = Scenario::from_name(&name).ok_or_else(|| {
                        UsageError(format!(
                            "--scenario: unknown scenario `{name}` (known: delete-all, spike, churn)"
                        ))
                    })?;
                    if !scenarios.contains(&s) {
                        scenarios.push(s);
                    }
                }
            }
            "--variant" => {
                for name in names("--variant", args.next())? {
                    let known = registry::names();
                    if !known.contains(&name.as_str()) {
                        return Err(UsageError(format!(
                            "--variant: unknown variant `{name}` (known: {})",
                            known.join(", ")
                        )));
                    }
                    if !variants.contains(&name) {
                        variants.push(name);
                    }
                }
            }
            "--json" => json = true,
            "--out" => {
                let dir = args
                    .next()
                    .ok_or_else(|| UsageError("--out needs a directory".into()))?;
                out = Some(PathBuf::from(dir));
            }
            "--no-files" => files = false,
            "-h" | "--help" => return Ok(Command::Help),
            other => return Err(UsageError(format!("unknown option `{other}`"))),
        }
    }
    if scenarios.is_empty() {
        scenarios = Scenario::ALL.to_vec();
    }
    Ok(Command::Reclaim {
        entries,
        scenarios,
        variants,
        json,
        out,
        files,
    })
}

/// `target/bench-suite` next to the binary's own profile directory (so it
/// follows `CARGO_TARGET_DIR`), else `target/bench-suite` under the current
/// directory.
fn default_out_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("bench-suite")))
        .unwrap_or_else(|| PathBuf::from("target/bench-suite"))
}

fn write_files(report: &Report, dir: &std::path::Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let json = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
    write("reclaim.json", json + "\n")?;
    write("reclaim.csv", report::render_stages_csv(report))?;
    write("reclaim-summary.csv", report::render_summary_csv(report))?;
    chart::write_svg(report, &dir.join("reclaim.svg"))
}

/// Runs the command line `args` (without the program name); returns the
/// exit status.
pub fn main_with_args(args: Vec<String>) -> i32 {
    let command = match parse(args) {
        Ok(c) => c,
        Err(UsageError(message)) => {
            eprintln!("bench-suite: error: {message}");
            eprintln!("run `bench-suite --help` for the options");
            return 2;
        }
    };
    let progress = |line: &str| {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
    };
    match command {
        Command::Help => {
            print!("{USAGE}");
            0
        }
        Command::Throughput {
            entries,
            rounds,
            value,
        } => {
            let text = throughput::run(entries, rounds, &value, progress);
            print!("{text}");
            0
        }
        Command::Reclaim {
            entries,
            scenarios,
            variants,
            json,
            out,
            files,
        } => {
            let all = registry::variants();
            let chosen: Vec<Variant> = all
                .iter()
                .filter(|v| variants.is_empty() || variants.iter().any(|n| n == v.name))
                .copied()
                .collect();
            let unavailable: Vec<&'static str> = registry::unavailable()
                .into_iter()
                .filter(|n| variants.is_empty() || variants.iter().any(|v| v == n))
                .collect();
            for name in &unavailable {
                progress(&format!("{name}: not available in this build"));
            }
            let plan = Plan::new(entries);
            let results = report::run(&plan, &chosen, &scenarios, progress);
            let report = Report {
                results,
                unavailable,
                plan,
            };
            if json {
                match serde_json::to_string_pretty(&report) {
                    Ok(text) => println!("{text}"),
                    Err(e) => {
                        eprintln!("bench-suite: error: {e}");
                        return 1;
                    }
                }
            } else {
                print!("{}", report::render_text(&report));
            }
            if files {
                let dir = out.unwrap_or_else(default_out_dir);
                match write_files(&report, &dir) {
                    Ok(()) => progress(&format!(
                        "wrote reclaim.json, reclaim.csv, reclaim-summary.csv, reclaim.svg to {}",
                        dir.display()
                    )),
                    Err(e) => {
                        eprintln!("bench-suite: error: writing the report files: {e}");
                        return 1;
                    }
                }
            }
            0
        }
    }
}
