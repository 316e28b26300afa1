//! The command line (clap): `bench-suite [reclaim] [options]`,
//! `bench-suite trace FILE [options]`, `bench-suite pauses [options]`,
//! `bench-suite bursts [options]`, and
//! the side-by-side timing tools
//! `bench-suite throughput|handles|concurrent|string-keys [options]`.
//! Bad options exit with status 2, a failed `--check` with 1.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::meta::Meta;
use crate::model::pauses::{self, PausesReport};
use crate::model::{bursts, KeyKind, Plan, Report, Scenario, DEFAULT_ENTRIES};
use crate::registry::{self, PauseVariant, Variant};
use crate::render::chart;
use crate::render::{self, Format};
use crate::{child, concurrent, handles, runner, string_keys, throughput, trace, verdict};

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
                      bench-suite pauses [OPTIONS]\n       \
                      bench-suite bursts [OPTIONS]\n       \
                      bench-suite throughput|handles|concurrent|string-keys [OPTIONS]"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The options of `reclaim`, the subcommand run when none is named.
    #[command(flatten)]
    reclaim: ReclaimArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The reclamation report (the default): delete-all, spike, churn,
    /// drain-idle and bursts on every registered map, each in a fresh
    /// process, with the design's verdicts.
    Reclaim(ReclaimArgs),
    /// Replays a recorded trace (CSV `op,key,value_bytes`) on every map.
    Trace(TraceArgs),
    /// The longest single insert or remove of every map: growth from empty,
    /// removal of 99%, churn at 1% live, removal of all; every operation
    /// timed, the fastest of two runs kept per operation.
    Pauses(PausesArgs),
    /// What reaches the operating system: three bursts of N (u64, [u8; 32])
    /// entries, each drained to 1% then one insert, then an idle wait;
    /// process RSS of every map (each in a fresh process) against a fresh
    /// process holding the survivors.
    Bursts(BurstsArgs),
    /// map-core, every registered variant, hashbrown and std timed side by
    /// side, interleaved over several rounds in one process.
    Throughput(ThroughputArgs),
    /// pooled-map's lookups by handle and by key, and its steady churn by
    /// key and by handle, beside hashbrown, interleaved over several rounds
    /// in one process.
    Handles(HandlesArgs),
    /// sync-map's reads on several threads beside an unlocked hashbrown,
    /// RwLock<hashbrown>, dashmap and papaya: read-only, 98% get / 1% insert
    /// / 1% remove and 90% get / 5% insert / 5% remove; and its
    /// clear-and-refill (a batch, and single inserts) beside hashbrown.
    Concurrent(ConcurrentArgs),
    /// arena-map's StrMap beside hashbrown::HashMap<String, _>: build and
    /// drop times, allocator calls, bytes held.
    StringKeys(StringKeysArgs),
    /// Runs one job (JSON) in this process and prints its result: how the
    /// report and the pauses put each scenario and map in a fresh process.
    #[command(name = "__child", hide = true)]
    Child { job: String },
}

/// How to print the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// Fixed-width text tables.
    Text,
    /// Markdown tables to paste in a pull request.
    Markdown,
}

/// How a report is printed and where its files go: the options `reclaim`,
/// `pauses` and `bursts` share.
#[derive(Debug, Args)]
struct Output {
    /// Print the JSON document instead of the tables
    #[arg(long)]
    json: bool,
    /// Table format
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Where to write the JSON, CSV and SVG files (default:
    /// target/bench-suite)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write no files
    #[arg(long)]
    no_files: bool,
}

impl Output {
    /// The renderers' format.
    fn format(&self) -> Format {
        match self.format {
            OutputFormat::Text => Format::Text,
            OutputFormat::Markdown => Format::Markdown,
        }
    }

    /// The directory to write to, `None` with `--no-files`.
    fn dir(&self) -> Option<PathBuf> {
        (!self.no_files).then(|| self.out.clone().unwrap_or_else(default_out_dir))
    }
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
    /// N/10 live through 10 N pairs; drain-idle fills N/5, 2 N and 10 N;
    /// bursts insert 10 N each (10 to 10000000)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_ENTRIES, value_parser = entries)]
    entries: usize,
    /// Scenarios to run (repeat or comma-separate; default: all, and all
    /// but pauses with --check)
    #[arg(long = "scenario", value_name = "NAME", value_delimiter = ',', value_parser = scenario)]
    scenarios: Vec<ScenarioArg>,
    /// Maps to run (repeat or comma-separate; default: all)
    #[arg(long = "variant", value_name = "NAME", value_delimiter = ',', value_parser = variant)]
    variants: Vec<String>,
    /// The pauses scenario's N (default: --entries, at least 100; 100 to
    /// 10000000)
    #[arg(long, value_name = "N", value_parser = pauses_entries)]
    pauses_entries: Option<usize>,
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
    /// The workspace variants' policy (to prove that --check fails)
    #[arg(long, value_enum, default_value_t = PolicyArg::Default, hide = true)]
    policy: PolicyArg,
    #[command(flatten)]
    output: Output,
}

#[derive(Debug, Args)]
struct TraceArgs {
    /// The trace: CSV with the header `op,key,value_bytes`
    file: PathBuf,
    /// Print one JSON document instead of the table
    #[arg(long)]
    json: bool,
    /// Maps to run (repeat or comma-separate; default: all)
    #[arg(long = "variant", value_name = "NAME", value_delimiter = ',', value_parser = trace_variant)]
    variants: Vec<String>,
    /// Replays per map, in rotating order; the time is their median (1 to 1000)
    #[arg(long, value_name = "R", default_value_t = 3, value_parser = rounds)]
    rounds: usize,
}

#[derive(Debug, Args)]
struct PausesArgs {
    /// Keys the map grows to; N / 100 stay for the churn's N / 10 steps
    /// (100 to 10000000)
    #[arg(long, value_name = "N", default_value_t = pauses::DEFAULT_ENTRIES, value_parser = pauses_entries)]
    entries: usize,
    /// Maps to run (repeat or comma-separate; default: all)
    #[arg(long = "variant", value_name = "NAME", value_delimiter = ',', value_parser = pauses_variant)]
    variants: Vec<String>,
    /// Runs over the same sequence; each operation keeps its fastest (1 to 10)
    #[arg(long, value_name = "R", default_value_t = pauses::DEFAULT_RUNS, value_parser = pauses_runs)]
    runs: usize,
    /// Run every map in this process instead of a fresh one each
    #[arg(long)]
    in_process: bool,
    #[command(flatten)]
    output: Output,
}

#[derive(Debug, Args)]
struct BurstsArgs {
    /// Keys each burst inserts; 1% of each stays (100 to 10000000)
    #[arg(long, value_name = "N", default_value_t = bursts::DEFAULT_ENTRIES, value_parser = bursts_entries)]
    entries: usize,
    /// Maps to run (repeat or comma-separate; default: all)
    #[arg(long = "variant", value_name = "NAME", value_delimiter = ',', value_parser = trace_variant)]
    variants: Vec<String>,
    /// The idle wait after the third burst, in milliseconds (default: 2000
    /// at 500000 entries and more, 200 below; 0 to 600000)
    #[arg(long, value_name = "MS", value_parser = idle_ms)]
    idle_ms: Option<u64>,
    /// Exit with status 1 when a workspace variant misses the RSS bound
    /// (applied at 500000 entries and more)
    #[arg(long)]
    check: bool,
    /// Run every map in this process instead of a fresh one each (the RSS
    /// figures then include what earlier maps left)
    #[arg(long)]
    in_process: bool,
    /// The workspace variants' policy (to prove that --check fails)
    #[arg(long, value_enum, default_value_t = PolicyArg::Default, hide = true)]
    policy: PolicyArg,
    #[command(flatten)]
    output: Output,
}

#[derive(Debug, Args)]
struct ThroughputArgs {
    /// Entries per pass; several sizes, comma-separated, add each ratio's
    /// median over the sizes (as 1000000,1400000,1800000: between two
    /// doublings of a table)
    #[arg(long, value_name = "N", default_value = "1000000", value_delimiter = ',', value_parser = throughput_entries)]
    entries: Vec<usize>,
    /// Rounds (1 to 1000)
    #[arg(long, value_name = "R", default_value_t = 7, value_parser = rounds)]
    rounds: usize,
    /// Value type: u64, string or bytes128
    #[arg(long, value_name = "TYPE", default_value = "u64", value_parser = value_type)]
    value: String,
    /// Run each map's round in a process of its own (still alternating),
    /// so that no map starts on an allocator or pages another one shaped:
    /// the cross-check for a figure that surprises
    #[arg(long)]
    per_process: bool,
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

fn pauses_entries(text: &str) -> Result<usize, String> {
    whole(text, pauses::MIN_ENTRIES, MAX_ENTRIES)
}

fn bursts_entries(text: &str) -> Result<usize, String> {
    whole(text, bursts::MIN_ENTRIES, MAX_ENTRIES)
}

fn idle_ms(text: &str) -> Result<u64, String> {
    whole(text, 0, 600_000).map(|n| n as u64)
}

fn pauses_runs(text: &str) -> Result<usize, String> {
    whole(text, 1, 10)
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

/// Every scenario the report names.
const SCENARIOS: &str = "delete-all, spike, churn, drain-idle, bursts, pauses";

/// A scenario of the report: a memory scenario, or `pauses`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScenarioArg {
    Memory(Scenario),
    Pauses,
}

fn scenario(text: &str) -> Result<ScenarioArg, String> {
    let name = text.trim();
    if name == "pauses" {
        return Ok(ScenarioArg::Pauses);
    }
    Scenario::from_name(name)
        .map(ScenarioArg::Memory)
        .ok_or_else(|| format!("unknown scenario `{text}` (known: {SCENARIOS})"))
}

/// The registry's names, then the maps only the pauses scenario times.
fn report_names() -> Vec<&'static str> {
    let mut known = registry::names();
    for name in registry::pause_names() {
        if !known.contains(&name) {
            known.push(name);
        }
    }
    known
}

fn variant(text: &str) -> Result<String, String> {
    one_of(text, report_names())
}

fn trace_variant(text: &str) -> Result<String, String> {
    one_of(text, registry::names())
}

fn one_of(text: &str, known: Vec<&'static str>) -> Result<String, String> {
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

fn pauses_variant(text: &str) -> Result<String, String> {
    let known = registry::pause_names();
    let name = text.trim();
    if known.contains(&name) {
        Ok(name.to_string())
    } else {
        Err(format!(
            "unknown variant `{name}` for pauses (known: {})",
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
    let pauses_names = registry::pause_names().join(", ");
    let lists = format!(
        "Maps: {names}\nScenarios: {SCENARIOS}\nMaps of pauses: {pauses_names}\n\n\
         With no subcommand, runs `reclaim`."
    );
    Cli::command()
        .after_help(lists.clone())
        .mut_subcommand("reclaim", |c| c.after_help(lists.clone()))
        .mut_subcommand("pauses", |c| {
            c.after_help(format!(
                "Maps: {pauses_names}\n\nColumns: total ms (the phase's time, the faster run), p99.9 and \
                 p99.99 us (percentiles of the per-operation fastest times), longest us (the longest \
                 operation) and the operation's index in its phase."
            ))
        })
        .mut_subcommand("bursts", |c| {
            c.after_help(format!(
                "Maps: {names}\n\nColumns: RSS in MB at each burst's peak (the largest), after each drain \
                 and the insert after it, after the idle wait; ref (a fresh process holding the \
                 survivors in the same map); the worst RSS after a drain and the RSS after the idle \
                 wait over ref; the bound (2x, sync-map 3x; under jemalloc and mimalloc the bound \
                 reads the idle figure). Build with --features jemalloc or --features mimalloc to \
                 run under those allocators."
            ))
        })
        .mut_subcommand("trace", |c| {
            c.after_help(format!(
                "Maps: {names}\n\nA trace line is `insert,KEY,BYTES`, `get,KEY,0`, `remove,KEY,0` or `clear,,0`; \
                 bench_suite::recording::RecordingMap records one from a program."
            ))
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

fn write_text(dir: &Path, name: &str, text: String) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes the report's files; returns their names.
fn write_files(report: &Report, dir: &Path) -> Result<Vec<&'static str>, String> {
    let json = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
    write_text(dir, "reclaim.json", json + "\n")?;
    write_text(
        dir,
        "reclaim.csv",
        render::reclaim::render_stages_csv(report),
    )?;
    write_text(
        dir,
        "reclaim-summary.csv",
        render::reclaim::render_summary_csv(report),
    )?;
    chart::write_svg(report, &dir.join("reclaim.svg"))?;
    let mut names = vec![
        "reclaim.json",
        "reclaim.csv",
        "reclaim-summary.csv",
        "reclaim.svg",
    ];
    if let Some(p) = &report.pauses {
        names.extend(write_pauses_files(p, dir)?);
    }
    Ok(names)
}

/// Writes the pauses CSV and chart; returns their names.
fn write_pauses_files(p: &PausesReport, dir: &Path) -> Result<[&'static str; 2], String> {
    write_text(dir, "pauses.csv", render::pauses::render_csv(p))?;
    chart::write_pauses_svg(p, &dir.join("pauses.svg"))?;
    Ok(["pauses.csv", "pauses.svg"])
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
        .try_get_matches_from(std::iter::once("bench-suite".to_string()).chain(args))
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with status 0; errors to stderr with 2.
            let _ = e.print();
            return e.exit_code();
        }
    };
    match cli.command.unwrap_or(Command::Reclaim(cli.reclaim)) {
        Command::Child { job } => child::main(&job),
        Command::Pauses(a) => run_pauses(a, options),
        Command::Bursts(a) => run_bursts(a, options),
        Command::Throughput(a) => {
            match throughput::run(&a.entries, a.rounds, &a.value, a.per_process, progress) {
                Ok(text) => {
                    print!("{text}");
                    0
                }
                Err(e) => {
                    eprintln!("bench-suite throughput: {e}");
                    1
                }
            }
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

/// The pauses scenario on the maps named in `variants` (all when empty),
/// with progress on stderr.
fn pauses_report(plan: &pauses::Plan, variants: &[String], isolate: bool) -> PausesReport {
    let chosen: Vec<PauseVariant> = registry::pause_maps()
        .into_iter()
        .filter(|m| variants.is_empty() || variants.iter().any(|n| n == m.name))
        .collect();
    let results = runner::pauses(plan, &chosen, isolate, progress);
    PausesReport {
        plan: *plan,
        entry: "u64 -> u64",
        hasher: "foldhash::fast::FixedState::with_seed(plan.seed)",
        isolation: if isolate { "process" } else { "in-process" },
        results,
    }
}

/// The `pauses --json` document.
#[derive(serde::Serialize)]
struct PausesDocument {
    meta: Meta,
    #[serde(flatten)]
    pauses: PausesReport,
}

fn run_pauses(a: PausesArgs, options: Vec<String>) -> i32 {
    let mut plan = pauses::Plan::new(a.entries);
    plan.runs = a.runs;
    let doc = PausesDocument {
        meta: Meta::collect(options),
        pauses: pauses_report(&plan, &a.variants, !a.in_process),
    };
    let json = match serde_json::to_string_pretty(&doc) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("bench-suite: error: {e}");
            return 1;
        }
    };
    if a.output.json {
        println!("{json}");
    } else {
        let format = a.output.format();
        print!("{}", render::pauses::render(&doc.pauses, format));
    }
    if let Some(dir) = a.output.dir() {
        let written = write_text(&dir, "pauses.json", json + "\n")
            .and_then(|()| write_pauses_files(&doc.pauses, &dir));
        match written {
            Ok(_) => progress(&format!(
                "wrote pauses.json, pauses.csv, pauses.svg to {}",
                dir.display()
            )),
            Err(e) => {
                eprintln!("bench-suite: error: writing the pauses files: {e}");
                return 1;
            }
        }
    }
    0
}

fn run_bursts(a: BurstsArgs, options: Vec<String>) -> i32 {
    let chosen: Vec<Variant> = registry::variants()
        .into_iter()
        .filter(|v| a.variants.is_empty() || a.variants.iter().any(|n| n == v.name))
        .collect();
    // The report's plan for N / 10, with the bursts at N exactly.
    let mut plan = Plan::new((a.entries / 10).max(10));
    plan.bursts_entries = a.entries;
    plan.bursts_idle_ms = a
        .idle_ms
        .unwrap_or_else(|| bursts::default_idle_ms(a.entries));
    plan.manual_policy = a.policy == PolicyArg::Manual;
    let isolate = !a.in_process;
    let results = runner::reclaim(&plan, &chosen, &[Scenario::Bursts], isolate, progress);
    let report = Report::new(
        Meta::collect(options),
        plan,
        if isolate { "process" } else { "in-process" },
        results,
    );
    let json = match serde_json::to_string_pretty(&report) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("bench-suite: error: {e}");
            return 1;
        }
    };
    if a.output.json {
        println!("{json}");
    } else {
        let format = a.output.format();
        print!("{}", render::reclaim::render(&report, format));
    }
    if let Some(dir) = a.output.dir() {
        let written = write_text(&dir, "bursts.json", json + "\n").and_then(|()| {
            write_text(
                &dir,
                "bursts.csv",
                render::reclaim::render_stages_csv(&report),
            )
        });
        match written {
            Ok(()) => progress(&format!(
                "wrote bursts.json, bursts.csv to {}",
                dir.display()
            )),
            Err(e) => {
                eprintln!("bench-suite: error: writing the bursts files: {e}");
                return 1;
            }
        }
    }
    if a.check {
        return check_status(&report);
    }
    0
}

/// `--check`'s exit status: 1, listing the misses, when a workspace variant
/// misses a checked bar; else 0.
fn check_status(report: &Report) -> i32 {
    if report.misses.is_empty() {
        progress("check: every workspace variant passes every checked bar");
        0
    } else {
        eprintln!(
            "check: {} miss(es) of the design's bars:",
            report.misses.len()
        );
        for line in verdict::describe_misses(&report.misses) {
            eprintln!("  {line}");
        }
        1
    }
}

fn run_reclaim(a: ReclaimArgs, options: Vec<String>) -> i32 {
    // By default every scenario; --check leaves pauses out (it has no bar
    // there, and it would make the check slower) unless named.
    let run_pauses = if a.scenarios.is_empty() {
        !a.check
    } else {
        a.scenarios.contains(&ScenarioArg::Pauses)
    };
    let scenarios: Vec<Scenario> = if a.scenarios.is_empty() {
        Scenario::ALL.to_vec()
    } else {
        let mut s: Vec<Scenario> = Vec::new();
        for arg in &a.scenarios {
            if let ScenarioArg::Memory(m) = arg {
                if !s.contains(m) {
                    s.push(*m);
                }
            }
        }
        s
    };
    let all = registry::variants();
    let chosen: Vec<Variant> = all
        .iter()
        .filter(|v| a.variants.is_empty() || a.variants.iter().any(|n| n == v.name))
        .copied()
        .collect();
    let mut plan = Plan::new(a.entries);
    plan.manual_policy = a.policy == PolicyArg::Manual;
    plan.key = match a.key {
        KeyArg::U64 => KeyKind::U64,
        KeyArg::String => KeyKind::String,
    };
    plan.value_bytes = a.value_bytes;
    let isolate = !a.in_process;
    let results = runner::reclaim(&plan, &chosen, &scenarios, isolate, progress);
    let mut report = Report::new(
        Meta::collect(options),
        plan,
        if isolate { "process" } else { "in-process" },
        results,
    );
    if run_pauses {
        let entries = a
            .pauses_entries
            .unwrap_or_else(|| crate::model::default_pauses_entries(a.entries));
        let mut pauses_variants = a.variants.clone();
        // Names the pauses scenario does not time are left out, not an
        // error: --variant dashmap still gets its memory rows.
        pauses_variants.retain(|n| registry::pause_names().contains(&n.as_str()));
        if a.variants.is_empty() || !pauses_variants.is_empty() {
            report.set_pauses(pauses_report(
                &pauses::Plan::new(entries),
                &pauses_variants,
                isolate,
            ));
        }
    }
    if a.output.json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("bench-suite: error: {e}");
                return 1;
            }
        }
    } else {
        let format = a.output.format();
        print!("{}", render::reclaim::render(&report, format));
    }
    if let Some(dir) = a.output.dir() {
        match write_files(&report, &dir) {
            Ok(names) => progress(&format!("wrote {} to {}", names.join(", "), dir.display())),
            Err(e) => {
                eprintln!("bench-suite: error: writing the report files: {e}");
                return 1;
            }
        }
    }
    if a.check {
        return check_status(&report);
    }
    0
}
