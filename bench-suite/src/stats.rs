//! The figures of the side-by-side timing tools (`throughput`, `handles`,
//! `concurrent`, `string-keys`): rounds interleaved in one process in
//! rotating order, the median over the rounds, and the spread of each
//! per-round ratio, with a warning when that spread is large.
//!
//! Within one round the maps see the same machine load, so the ratio taken
//! inside a round is what can be compared on a shared machine; the median
//! over the rounds resists the odd disturbed round, and the spread (smallest
//! to largest per-round ratio) says how far to trust it.

use std::fmt::Write as _;

/// A ratio whose largest per-round value exceeds its smallest by this
/// factor is flagged as noisy.
pub const NOISY_SPREAD: f64 = 1.5;

/// The median of `values` (the mean of the middle two for an even count).
///
/// # Panics
///
/// If `values` is empty.
pub fn median(values: &[f64]) -> f64 {
    assert!(!values.is_empty(), "the median of no values");
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 0 {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}

/// The order of `n` contestants in round `round`: rotated by one each
/// round, so that none always runs first (warm caches, heap state).
pub fn rotation(round: usize, n: usize) -> impl Iterator<Item = usize> {
    (0..n).map(move |i| (i + round) % n)
}

/// `samples[i] / reference[i]`, round by round.
pub fn ratios(samples: &[f64], reference: &[f64]) -> Vec<f64> {
    samples.iter().zip(reference).map(|(a, b)| a / b).collect()
}

/// The median of per-round figures and their range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The median over the rounds.
    pub median: f64,
    /// The smallest round.
    pub min: f64,
    /// The largest round.
    pub max: f64,
}

impl Spread {
    /// The median and range of `values`.
    ///
    /// # Panics
    ///
    /// If `values` is empty.
    pub fn of(values: &[f64]) -> Self {
        let (min, max) = values
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        Spread {
            median: median(values),
            min,
            max,
        }
    }

    /// The median of the per-round ratios of `samples` to `reference`, and
    /// their range.
    pub fn of_ratios(samples: &[f64], reference: &[f64]) -> Self {
        Self::of(&ratios(samples, reference))
    }

    /// Whether the largest round exceeds the smallest by more than
    /// [`NOISY_SPREAD`].
    pub fn is_noisy(&self) -> bool {
        self.max > self.min * NOISY_SPREAD
    }

    /// `1.002x (0.98-1.05)`: the median ratio and its range.
    pub fn ratio_cell(&self) -> String {
        format!("{:.3}x ({:.2}-{:.2})", self.median, self.min, self.max)
    }

    /// `0.98-1.05`: the range alone.
    pub fn range(&self) -> String {
        format!("{:.2}-{:.2}", self.min, self.max)
    }
}

/// Appends the warning for `noisy` rows (each a line such as `get-hit:
/// pooled-map 0.81-1.82`), or nothing when there are none.
pub fn write_noise_warning(out: &mut String, noisy: &[String]) {
    if noisy.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "warning: {} noisy row(s), where a map's largest per-round ratio is over \
         {NOISY_SPREAD}x its smallest; rerun with more --rounds or on a quieter machine:",
        noisy.len()
    );
    for line in noisy {
        let _ = writeln!(out, "warning:   {line}");
    }
}

/// Appends a side-by-side table: one row per contestant with its median
/// figure (`decimals` places) and the median of its per-round ratio to the
/// first contestant, with the range; the first row is the reference and has
/// no ratio. Rows whose ratio is noisy are added to `noisy`, prefixed with
/// `what`.
pub fn write_comparison(
    out: &mut String,
    what: &str,
    header: [&str; 3],
    decimals: usize,
    contestants: &[(&str, &[f64])],
    noisy: &mut Vec<String>,
) {
    let Some(&(_, reference)) = contestants.first() else {
        return;
    };
    let mut rows = Vec::new();
    let mut noisy_here = Vec::new();
    for (i, &(name, samples)) in contestants.iter().enumerate() {
        let figure = format!("{:.decimals$}", median(samples));
        let ratio = if i == 0 {
            String::new()
        } else {
            let spread = Spread::of_ratios(samples, reference);
            if spread.is_noisy() {
                noisy_here.push(format!("{name} {}", spread.range()));
            }
            spread.ratio_cell()
        };
        rows.push(vec![name.to_string(), figure, ratio]);
    }
    crate::render::table(out, &header, &rows, crate::render::Format::Text);
    if !noisy_here.is_empty() {
        noisy.push(format!("{what}: {}", noisy_here.join(", ")));
    }
}
