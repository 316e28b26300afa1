//! What a report was measured with: compiler, revision, machine, date,
//! allocator and options. Every JSON document carries it as `meta`.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// The version of the JSON documents; raised when a field changes meaning
/// or goes away (new fields do not raise it).
///
/// 3: `results` may hold the scenarios `drain-idle` (with a `drain_idle`
/// object: every case, the worst, the cases over the bound and the goal)
/// and `bursts` (with a `bursts` object: the references, the ratios and the
/// bound; stages `burst-1-peak` ... `idle` with RSS); a verdict's `limit`
/// is the variant's own (sync-map's bursts bound is 3x) and its new
/// `checked` says whether `--check` holds the variant to it; `misses` are
/// the failed, checked verdicts; `plan` gains `drain_idle_peaks`,
/// `drain_idle_permille`, `bursts_entries` and `bursts_idle_ms`.
///
/// 4: a result's own figures move into `figures`, typed by its `scenario`
/// (delete-all: `held_after_remove_pct`, `held_after_reclaim_pct`,
/// `refill_ratio`; spike: `keep`, `after_remove_vs_fresh`, `held_vs_fresh`;
/// churn: `ops`, `peak_vs_fresh`; drain-idle: the former `drain_idle`
/// object; bursts: the former `bursts` object), and a result no longer
/// carries the other scenarios' fields as `null`; `unavailable` goes from
/// the report and from the pauses' document (every map is built in).
pub const SCHEMA_VERSION: u32 = 4;

/// Run metadata.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `rustc -V` of the compiler that built this binary.
    pub rustc: String,
    /// The git revision of the sources (at run time when git can tell, else
    /// at build time), or `unknown`.
    pub git_rev: String,
    /// `model name` from `/proc/cpuinfo`, or `unknown`.
    pub cpu: String,
    /// Logical CPUs available.
    pub cpus: usize,
    /// `linux`, `macos`, ... and the architecture.
    pub os: String,
    /// The global allocator under the counting one.
    pub allocator: &'static str,
    /// When the run started, UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub date: String,
    /// The command line's options, as given.
    pub options: Vec<String>,
}

impl Meta {
    /// Metadata for a run started now with `options`.
    pub fn collect(options: Vec<String>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            rustc: env!("BENCH_SUITE_RUSTC").to_string(),
            git_rev: git_rev(),
            cpu: cpu_model().unwrap_or_else(|| "unknown".into()),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            allocator: crate::ALLOCATOR,
            date: utc_date(SystemTime::now()),
            options,
        }
    }
}

fn git_rev() -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    Command::new("git")
        .args(["-C", dir, "rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| env!("BENCH_SUITE_GIT_REV").to_string())
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

/// `time` as `YYYY-MM-DDTHH:MM:SSZ` (UTC), from the civil-from-days
/// algorithm (proleptic Gregorian calendar).
pub fn utc_date(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates() {
        let at = |s: u64| utc_date(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(at(4_102_444_800), "2100-01-01T00:00:00Z");
    }
}
