//! The pauses scenario: its statistics on known input, its sequence, and a
//! tiny run of every map that checks the structure of what it records (not
//! the timings).

use bench_suite::model::pauses::{
    self, percentile, Phase, PhaseStats, Plan, P50, P99, P99_9, P99_99,
};
use bench_suite::pauses::{elementwise_min, key, removal_order};
use bench_suite::registry;

#[test]
fn elementwise_min_keeps_each_operations_fastest() {
    let mut first = vec![5, 100, 7, 3_000_000, 9];
    let second = [6, 40, 7, 2_900_000, 1];
    elementwise_min(&mut first, &second);
    assert_eq!(first, [5, 40, 7, 2_900_000, 1]);
    // A pause in one run only (a preemption) is gone; one in both stays.
    let mut a = vec![10, 10, 900, 10, 800];
    elementwise_min(&mut a, &[10, 700, 10, 10, 850]);
    assert_eq!(a, [10, 10, 10, 10, 800]);
}

#[test]
#[should_panic(expected = "runs of different lengths")]
fn elementwise_min_refuses_different_lengths() {
    elementwise_min(&mut [1, 2], &[1]);
}

#[test]
fn percentiles_by_nearest_rank() {
    // 1..=1000 in a scrambled order.
    let mut values: Vec<u32> = (0..1000u32).map(|i| (i * 389) % 1000 + 1).collect();
    assert_eq!(percentile(&mut values, P50), 500);
    assert_eq!(percentile(&mut values, P99), 990);
    assert_eq!(percentile(&mut values, P99_9), 999);
    // Fewer than 10,000 values: p99.99 is the largest.
    assert_eq!(percentile(&mut values, P99_99), 1000);
    assert_eq!(percentile(&mut values, 1_000_000), 1000);
    assert_eq!(percentile(&mut values, 0), 1);

    let mut values: Vec<u32> = (1..=20_000u32).rev().collect();
    assert_eq!(percentile(&mut values, P99_9), 19_980);
    assert_eq!(percentile(&mut values, P99_99), 19_998);

    assert_eq!(percentile(&mut [7], P99_99), 7);
    assert_eq!(percentile(&mut [3, 3, 3, 9], P50), 3);
    assert_eq!(percentile(&mut [3, 3, 3, 9], P99), 9);
}

#[test]
#[should_panic(expected = "the percentile of no values")]
fn percentile_of_nothing_panics() {
    percentile(&mut [], P50);
}

#[test]
fn phase_stats_of_known_minima() {
    let mut ns = vec![50u32; 2000];
    ns[700] = 2_000_000;
    ns[1500] = 2_000_000; // a tie: the first one is reported
    ns[3] = 900;
    let s = PhaseStats::of(Phase::Churn, &ns, 123_456, vec![2_100_000, 2_050_000]);
    assert_eq!(s.phase, "churn");
    assert_eq!(s.ops, 2000);
    assert_eq!(s.total_ns, 123_456);
    assert_eq!((s.longest_ns, s.longest_index), (2_000_000, 700));
    assert_eq!(s.longest_op, "insert", "even churn indices are inserts");
    assert_eq!(s.p50_ns, 50);
    assert_eq!(s.p99_ns, 50);
    // Rank 1998 of 2000 is the 900 ns one, ranks 1999 and 2000 the pauses.
    assert_eq!(s.p99_9_ns, 900);
    assert_eq!(s.p99_99_ns, 2_000_000);
    assert_eq!(s.runs_longest_ns, [2_100_000, 2_050_000]);
    assert_eq!(Phase::Churn.op(701), "remove");
    assert_eq!(Phase::Grow.op(701), "insert");
    assert_eq!(Phase::RemoveAll.op(0), "remove");
    assert_eq!(Phase::Regrow.op(3), "insert");
}

#[test]
fn the_sequence_is_fixed_and_covers_every_key() {
    let order = removal_order(10_000, 7);
    assert_eq!(order, removal_order(10_000, 7), "one seed, one order");
    assert_ne!(order, removal_order(10_000, 8));
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert!(sorted.iter().copied().eq(0..10_000u32), "a permutation");
    assert_ne!(order[..10], sorted[..10], "shuffled");

    let keys: std::collections::HashSet<u64> = (0..100_000).map(key).collect();
    assert_eq!(keys.len(), 100_000, "distinct keys");

    let plan = Plan::new(1000);
    assert_eq!((plan.keep, plan.churn_steps, plan.runs), (10, 100, 2));
    let ops: Vec<usize> = Phase::ALL.iter().map(|&p| plan.ops(p)).collect();
    assert_eq!(ops, [1000, 990, 200, 1000, 1000]);
    assert_eq!(Plan::new(5).entries, pauses::MIN_ENTRIES);
}

#[test]
fn every_workspace_variant_is_timed() {
    let timed = registry::pause_names();
    for v in registry::variants() {
        if v.kind == bench_suite::model::Kind::Variant {
            assert!(
                timed.contains(&v.name),
                "{} has no `with_hasher:` constructor in for_each_variant!",
                v.name
            );
        }
    }
    for name in ["hashbrown", "std", "griddle", "scc"] {
        assert!(timed.contains(&name), "{name} is timed");
    }
}

#[test]
fn a_tiny_run_records_every_operation_of_every_phase() {
    let mut plan = Plan::new(2000);
    plan.runs = 3;
    for map in registry::pause_maps() {
        let r = map.run(&plan);
        assert_eq!(r.variant, map.name);
        assert_eq!(r.phases.len(), Phase::ALL.len(), "{}", map.name);
        for (phase, s) in Phase::ALL.iter().zip(&r.phases) {
            let what = format!("{} {}", map.name, s.phase);
            assert_eq!(s.phase, phase.name(), "{what}");
            assert_eq!(s.ops, plan.ops(*phase), "{what}");
            assert_eq!(s.runs_longest_ns.len(), 3, "{what}");
            assert!(s.p50_ns <= s.p99_ns, "{what}");
            assert!(s.p99_ns <= s.p99_9_ns, "{what}");
            assert!(s.p99_9_ns <= s.p99_99_ns, "{what}");
            assert!(s.p99_99_ns <= s.longest_ns, "{what}");
            assert!(s.longest_index < s.ops, "{what}");
            assert_eq!(s.longest_op, phase.op(s.longest_index), "{what}");
            // The minimum over the runs is at most each run's own longest,
            // and the faster run's total holds its longest operation.
            assert!(
                s.runs_longest_ns.iter().all(|&l| l >= s.longest_ns),
                "{what}"
            );
            assert!(s.total_ns >= u64::from(s.longest_ns), "{what}");
        }
    }
}
