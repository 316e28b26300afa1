//! The command line (clap): `bench-suite [reclaim] [options]`,
//! `bench-suite trace FILE [options]`, and the side-by-side timing tools
//! `bench-suite throughput|handles|concurrent|string-keys [options]`.
//! Bad options exit with status 2, a failed `--check` with 1.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::chart;
use crate::meta::Meta;
use crate::registry::{self, Variant};
use crate::report::{self, Format, Plan, Report, Scenario, DEFAULT_ENTRIES};
use crate::{child, concurrent, handles, string_keys, throughput, trace, verdict};

/// The largest `--entries`: the spike then holds 100 million entries.
const MAX_ENTRIES: usize = 10_000_000;

/// Maps that give memory back: the reclamation report, trace replay and
/// side-by-side throughput of every variant and peer.
#[derive(Debug, Parser)]
#[command(
    name = "bench-suite",
    version,
    about,
    long_about = None,
    override_usage = "bench-suite [reclaim] [OPTIONS]\n       bench-suite trace FILE [OPTIONS]\n       \
                      bench-suite throughput|handles|concurrent|string-keys [OPTIONS]"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The reclamation report (the default): delete-all, spike and churn on
    /// every registered map, each in a fresh process, with the design's
    /// verdicts.
    Reclaim(ReclaimArgs),
    /// Replays a recorded trace (CSV `op,key,value_bytes`) on every map.
    Trace(TraceArgs),
    /// map-core, every registered variant, hashbrown and std timed side by
    /// side, interleaved over several rounds in one process.
    Throughput(ThroughputArgs),
    /// pooled-map's lookups by handle and by key, and its steady churn by
    /// key and by handle, beside hashbrown, interleaved over several rounds
    /// in one process.
    Handles(HandlesArgs),
    /// sync-map's reads on several threads beside an unlocked hashbrown,
    /// RwLock<hashbrown>, dashmap and papaya, read-only and 98% get / 1%
    /// insert / 1% remove, and its batch clear-and-refill beside hashbrown.
    Concurrent(ConcurrentArgs),
    /// arena-map's StrMap beside hashbrown::HashMap<String, _>: build and
    /// drop times, allocator calls, bytes held.
    StringKeys(StringKeysArgs),
    #[command(name = "__rss-child", hide = true)]
    RssChild {
        #[arg(num_args = 6)]
        args: Vec<String>,
    },
}

/// How to print the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// Fixed-width text tables.
    Text,
    /// Markdown tables to paste in a pull request.
    Markdown,
}

/// The key type of the report's entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KeyArg {
    /// `u64` keys (the design's).
    U64,
    /// `String` keys, `key:` and 12 digits, on the heap.
    String,
}

/// The reclaim policy of the workspace's variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PolicyArg {
    /// Each variant's default (automatic) policy.
    Default,
    /// `ReclaimPolicy::manual()`: never reclaims by itself, so it must fail `--check`.
    Manual,
}

#[derive(Debug, Args)]
struct ReclaimArgs {
    /// delete-all fills N; spike goes from 10 N down to N/10; churn keeps
    /// N/10 live through 10 N pairs (10 to 10000000)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_ENTRIES, value_parser = entries)]
    entries: usize,
    /// Scenarios to run (repeat or comma-separate; default: all)
    #[arg(long = "scenario", value_name = "NAME", value_delimiter = ',', value_parser = scenario)]
    scenarios: Vec<Scenario>,
    /// Maps to run (repeat or comma-separate; default: all)
    #[arg(long = "variant", value_name = "NAME", value_delimiter = ',', value_parser = variant)]
    variants: Vec<String>,
    /// Print the JSON document instead of the tables
    #[arg(long)]
    json: bool,
    /// Table format
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Key type of the entries
    #[arg(long, value_enum, default_value_t = KeyArg::U64)]
    key: KeyArg,
    /// Store `Vec<u8>` values of N bytes (heap, counted) instead of the
    /// default `[u8; 128]` in the table (0 to 1048576)
    #[arg(long, value_name = "N", value_parser = value_bytes)]
    value_bytes: Option<usize>,
    /// Exit with status 1, listing the misses, when a workspace variant
    /// misses a bar of the design
    #[arg(long)]
    check: bool,
    /// Run every scenario in this process instead of a fresh one each
    /// (faster; RSS then includes what earlier scenarios left)
    #[arg(long)]
    in_process: bool,
    /// Where to write reclaim.json, reclaim.csv, reclaim-summary.csv and
    /// reclaim.svg (default: target/bench-suite)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write no files
    #[arg(long)]
    no_files: bool,
    /// The workspace variants' policy (to prove that --check fails)
    #[arg(long, value_enum, default_value_t = PolicyArg::Default, hide = true)]
    policy: PolicyArg,
}

#[derive(Debug, Args)]
struct TraceArgs {
    /// The trace: CSV with the header `op,key,value_bytes`
    file: PathBuf,
    /// Print one JSON document instead of the table
    #[arg(long)]
    json: bool,
    /// Maps to run (repeat or comma-separate; default: all)
    #[arg(long = "variant", value_name = "NAME", value_delimiter = ',', value_parser = variant)]
    variants: Vec<String>,
    /// Replays per map, in rotating order; the time is their median (1 to 1000)
    #[arg(long, value_name = "R", default_value_t = 3, value_parser = rounds)]
    rounds: usize,
}

#[derive(Debug, Args)]
struct ThroughputArgs {
    /// Entries per pass
    #[arg(long, value_name = "N", default_value_t = 1_000_000, value_parser = throughput_entries)]
    entries: usize,
    /// Rounds (1 to 1000)
    #[arg(long, value_name = "R", default_value_t = 7, value_parser = rounds)]
    rounds: usize,
    /// Value type: u64, string or bytes128
    #[arg(long, value_name = "TYPE", default_value = "u64", value_parser = value_type)]
    value: String,
}

#[derive(Debug, Args)]
struct HandlesArgs {
    /// Entries in the lookup maps
    #[arg(long, value_name = "N", default_value_t = handles::Plan::default().entries, value_parser = positive)]
    entries: usize,
    /// Probes per map per round
    #[arg(long, value_name = "N", default_value_t = handles::Plan::default().lookups, value_parser = positive)]
    lookups: usize,
    /// Entries live during the churn
    #[arg(long, value_name = "N", default_value_t = handles::Plan::default().live, value_parser = positive)]
    live: usize,
    /// Insert-new/remove-oldest pairs per map per round
    #[arg(long, value_name = "N", default_value_t = handles::Plan::default().pairs, value_parser = positive)]
    pairs: usize,
    /// Rounds (1 to 1000)
    #[arg(long, value_name = "R", default_value_t = handles::Plan::default().rounds, value_parser = rounds)]
    rounds: usize,
}

#[derive(Debug, Args)]
struct ConcurrentArgs {
    /// Keys present, read at random
    #[arg(long, value_name = "N", default_value_t = concurrent::Plan::default().keys, value_parser = positive_u64)]
    keys: u64,
    /// Threads (1 to 256)
    #[arg(long, value_name = "T", default_value_t = concurrent::Plan::default().threads, value_parser = threads)]
    threads: usize,
    /// Operations per thread per map per round
    #[arg(long, value_name = "N", default_value_t = concurrent::Plan::default().ops_per_thread, value_parser = positive_u64)]
    ops: u64,
    /// Entries per clear-and-refill round
    #[arg(long, value_name = "N", default_value_t = concurrent::Plan::default().refill_entries, value_parser = positive_u64)]
    refill_entries: u64,
    /// Clear-and-refill rounds per timing
    #[arg(long, value_name = "N", default_value_t = concurrent::Plan::default().refill_rounds, value_parser = positive_u64)]
    refill_rounds: u64,
    /// Rounds (1 to 1000)
    #[arg(long, value_name = "R", default_value_t = concurrent::Plan::default().rounds, value_parser = rounds)]
    rounds: usize,
}

#[derive(Debug, Args)]
struct StringKeysArgs {
    /// String keys per map
    #[arg(long, value_name = "N", default_value_t = string_keys::Plan::default().keys, value_parser = positive)]
    keys: usize,
    /// Rounds (1 to 1000)
    #[arg(long, value_name = "R", default_value_t = string_keys::Plan::default().rounds, value_parser = rounds)]
    rounds: usize,
}

fn whole(text: &str, min: usize, max: usize) -> Result<usize, String> {
    let n: usize = text
        .replace('_', "")
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number"))?;
    if n < min || n > max {
        return Err(format!("must be between {min} and {max}, got {n}"));
    }
    Ok(n)
}

fn entries(text: &str) -> Result<usize, String> {
    whole(text, 10, MAX_ENTRIES)
}

fn throughput_entries(text: &str) -> Result<usize, String> {
    whole(text, 1, MAX_ENTRIES)
}

fn positive(text: &str) -> Result<usize, String> {
    whole(text, 1, 1_000_000_000)
}

fn positive_u64(text: &str) -> Result<u64, String> {
    positive(text).map(|n| n as u64)
}

fn threads(text: &str) -> Result<usize, String> {
    whole(text, 1, 256)
}

fn value_bytes(text: &str) -> Result<usize, String> {
    whole(text, 0, 1 << 20)
}

fn rounds(text: &str) -> Result<usize, String> {
    whole(text, 1, 1000)
}

fn scenario(text: &str) -> Result<Scenario, String> {
    Scenario::from_name(text.trim())
        .ok_or_else(|| format!("unknown scenario `{text}` (known: delete-all, spike, churn)"))
}

fn variant(text: &str) -> Result<String, String> {
    let known = registry::names();
    let name = text.trim();
    if known.contains(&name) {
        Ok(name.to_string())
    } else {
        Err(format!(
            "unknown variant `{name}` (known: {})",
            known.join(", ")
        ))
    }
}

fn value_type(text: &str) -> Result<String, String> {
    if throughput::VALUES.contains(&text) {
        Ok(text.to_string())
    } else {
        Err(format!(
            "unknown value type `{text}` (known: {})",
            throughput::VALUES.join(", ")
        ))
    }
}

/// The clap command, with the registered names in the help.
fn command() -> clap::Command {
    let names = registry::names().join(", ");
    let lists = format!(
        "Maps: {names}\nScenarios: delete-all, spike, churn\n\nWith no subcommand, runs `reclaim`."
    );
    Cli::command()
        .after_help(lists.clone())
        .mut_subcommand("reclaim", |c| c.after_help(lists.clone()))
        .mut_subcommand("trace", |c| {
            c.after_help(format!(
                "Maps: {names}\n\nA trace line is `insert,KEY,BYTES`, `get,KEY,0`, `remove,KEY,0` or `clear,,0`; \
                 bench_suite::recording::RecordingMap records one from a program."
            ))
        })
}

/// `reclaim` is the default subcommand: options with no subcommand go to it.
fn with_default_subcommand(args: Vec<String>) -> Vec<String> {
    let mut argv = vec!["bench-suite".to_string()];
    let first = args.first().map(String::as_str);
    let top_level = matches!(
        first,
        Some("-h" | "--help" | "-V" | "--version" | "help")
            | Some(
                "reclaim"
                    | "trace"
                    | "throughput"
                    | "handles"
                    | "concurrent"
                    | "string-keys"
                    | child::SUBCOMMAND
            )
    );
    if !top_level {
        argv.push("reclaim".into());
    }
    argv.extend(args);
    argv
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

fn write_files(report: &Report, dir: &Path) -> Result<(), String> {
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

fn progress(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// Runs the command line `args` (without the program name); returns the
/// exit status.
pub fn main_with_args(args: Vec<String>) -> i32 {
    let options = args.clone();
    let parsed = command()
        .try_get_matches_from(with_default_subcommand(args))
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with status 0; errors to stderr with 2.
            let _ = e.print();
            return e.exit_code();
        }
    };
    match cli.command {
        Command::RssChild { args } => child::main(&args),
        Command::Throughput(a) => {
            let text = throughput::run(a.entries, a.rounds, &a.value, progress);
            print!("{text}");
            0
        }
        Command::Handles(a) => {
            let plan = handles::Plan {
                entries: a.entries,
                lookups: a.lookups,
                live: a.live,
                pairs: a.pairs,
                rounds: a.rounds,
            };
            print!("{}", handles::run(plan, progress));
            0
        }
        Command::Concurrent(a) => {
            let plan = concurrent::Plan {
                keys: a.keys,
                threads: a.threads,
                ops_per_thread: a.ops,
                refill_entries: a.refill_entries,
                refill_rounds: a.refill_rounds,
                rounds: a.rounds,
            };
            print!("{}", concurrent::run(plan, progress));
            0
        }
        Command::StringKeys(a) => {
            let plan = string_keys::Plan {
                keys: a.keys,
                rounds: a.rounds,
            };
            print!("{}", string_keys::run(plan, progress));
            0
        }
        Command::Trace(a) => run_trace(a, options),
        Command::Reclaim(a) => run_reclaim(a, options),
    }
}

fn run_trace(a: TraceArgs, options: Vec<String>) -> i32 {
    let bytes = match std::fs::read(&a.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("bench-suite: error: {}: {e}", a.file.display());
            return 2;
        }
    };
    let parsed = match trace::parse(&bytes) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("bench-suite: error: {}: {e}", a.file.display());
            return 2;
        }
    };
    drop(bytes);
    let chosen: Vec<trace::TraceVariant> = trace::variants()
        .into_iter()
        .filter(|v| a.variants.is_empty() || a.variants.iter().any(|n| n == v.name))
        .collect();
    progress(&format!(
        "{}: {} operations, {} maps",
        a.file.display(),
        parsed.ops.len(),
        chosen.len()
    ));
    let results = trace::run(&parsed, &chosen, a.rounds, progress);
    let agrees = trace::lengths_agree(&results);
    let report = trace::TraceReport {
        meta: Meta::collect(options),
        file: a.file.display().to_string(),
        ops: parsed.ops.len(),
        rounds: a.rounds,
        counts: parsed.counts(),
        results,
        final_len_agrees: agrees,
    };
    if a.json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("bench-suite: error: {e}");
                return 1;
            }
        }
    } else {
        print!("{}", trace::render_text(&report));
    }
    if agrees {
        0
    } else {
        let lens: Vec<String> = report
            .results
            .iter()
            .map(|r| format!("{} {}", r.variant, r.final_len))
            .collect();
        eprintln!(
            "bench-suite: error: the maps disagree on final_len: {}",
            lens.join(", ")
        );
        1
    }
}

fn run_reclaim(a: ReclaimArgs, options: Vec<String>) -> i32 {
    let scenarios = if a.scenarios.is_empty() {
        Scenario::ALL.to_vec()
    } else {
        let mut s = a.scenarios.clone();
        s.dedup();
        s
    };
    let all = registry::variants();
    let chosen: Vec<Variant> = all
        .iter()
        .filter(|v| a.variants.is_empty() || a.variants.iter().any(|n| n == v.name))
        .copied()
        .collect();
    let unavailable: Vec<&'static str> = registry::unavailable()
        .into_iter()
        .filter(|n| a.variants.is_empty() || a.variants.iter().any(|v| v == n))
        .collect();
    for name in &unavailable {
        progress(&format!("{name}: not available in this build"));
    }
    let mut plan = Plan::new(a.entries);
    plan.manual_policy = a.policy == PolicyArg::Manual;
    plan.key = match a.key {
        KeyArg::U64 => "u64",
        KeyArg::String => "string",
    };
    plan.value_bytes = a.value_bytes;
    let isolate = !a.in_process;
    let results = report::run(&plan, &chosen, &scenarios, isolate, progress);
    let report = Report::new(
        Meta::collect(options),
        plan,
        if isolate { "process" } else { "in-process" },
        results,
        unavailable,
    );
    if a.json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("bench-suite: error: {e}");
                return 1;
            }
        }
    } else {
        let format = match a.format {
            OutputFormat::Text => Format::Text,
            OutputFormat::Markdown => Format::Markdown,
        };
        print!("{}", report::render(&report, format));
    }
    if !a.no_files {
        let dir = a.out.unwrap_or_else(default_out_dir);
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
    if a.check {
        if report.misses.is_empty() {
            progress("check: every workspace variant passes every bar");
        } else {
            eprintln!(
                "check: {} miss(es) of the design's bars:",
                report.misses.len()
            );
            for line in verdict::describe_misses(&report.misses) {
                eprintln!("  {line}");
            }
            return 1;
        }
    }
    0
}
