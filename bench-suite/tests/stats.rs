//! The median and spread every side-by-side timing tool prints.

use bench_suite::stats::{median, rotation, Spread};

#[test]
fn median_of_odd_and_even_counts() {
    assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
}

#[test]
fn rotation_gives_every_index_once_and_moves_the_first() {
    let first: Vec<usize> = rotation(0, 3).collect();
    let second: Vec<usize> = rotation(1, 3).collect();
    assert_eq!(first, [0, 1, 2]);
    assert_eq!(second, [1, 2, 0]);
}

#[test]
fn spread_flags_a_wide_range() {
    let s = Spread::of_ratios(&[2.0, 2.2, 4.0], &[2.0, 2.0, 2.0]);
    assert_eq!(s.median, 1.1);
    assert!(s.is_noisy());
    assert_eq!(s.ratio_cell(), "1.100x (1.00-2.00)");
    assert!(!Spread::of(&[1.0, 1.4]).is_noisy());
}
