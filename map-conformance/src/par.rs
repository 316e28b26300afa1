//! Parallel iteration (the `rayon` feature), checked once for every
//! storage that is a [`ParStore`]: `par_iter`, `par_iter_mut`, `par_keys`,
//! `par_values`, `par_values_mut`, `into_par_iter`, `par_eq`, `par_extend`,
//! `collect`, and `par_drain` under the same clear rule as `drain`, against
//! std's `HashMap` and the map's own sequential API.
//!
//! ```
//! map_conformance::par::check::<map_core::Table<u64, u64>>(0x5eed);
//! ```

use std::collections::HashMap as StdMap;
use std::panic::{self, AssertUnwindSafe};

use map_core::toolkit::ParStore;
use map_core::ReclaimPolicy;
use rayon::iter::{IntoParallelIterator, ParallelExtend, ParallelIterator};

use crate::test_map::{new_map, TestMap};
use crate::{Rng, Sizes};

/// A map and its std model holding `n` random keys (from `seed`).
fn filled<St>(seed: u64, n: usize) -> (TestMap<St>, StdMap<u64, u64>)
where
    St: ParStore<u64, u64>,
    St::Alloc: Default,
{
    let mut rng = Rng::new(seed);
    let mut map = new_map(seed);
    let mut model = StdMap::new();
    while model.len() < n {
        let (k, v) = (rng.next_u64(), rng.next_u64() >> 1);
        map.insert(k, v);
        model.insert(k, v);
    }
    (map, model)
}

fn sorted(mut entries: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    entries.sort_unstable();
    entries
}

/// Runs every parallel method on maps of 0, 1, 1,000 and 60,000 random
/// keys (`seed`'s; the largest is [`Sizes::par_entries`] of
/// [`Sizes::from_env`], 10,000 with `CONFORMANCE_SIZES=quick`), comparing
/// with std's `HashMap` and with the map's own sequential methods.
///
/// # Panics
///
/// At the first difference, naming the method and the size.
pub fn check<St>(seed: u64)
where
    St: ParStore<u64, u64> + Send + Sync,
    St::Alloc: Default,
{
    for n in [0, 1, 1_000, Sizes::from_env().par_entries] {
        let at = format!("seed {seed:#x}, {n} entries");
        let (mut map, model) = filled::<St>(seed, n);
        let want = sorted(model.iter().map(|(k, v)| (*k, *v)).collect());

        let seen = sorted(map.par_iter().map(|(k, v)| (*k, *v)).collect());
        assert_eq!(seen, want, "{at}: par_iter");
        assert_eq!(
            (&map).into_par_iter().count(),
            n,
            "{at}: &map into_par_iter"
        );
        let keys = map
            .par_keys()
            .fold(|| 0u64, |a, k| a ^ k)
            .reduce(|| 0, |a, b| a ^ b);
        assert_eq!(keys, model.keys().fold(0, |a, k| a ^ k), "{at}: par_keys");
        let values: u64 = map.par_values().map(|v| v & 0xffff).sum();
        assert_eq!(
            values,
            model.values().map(|v| v & 0xffff).sum::<u64>(),
            "{at}: par_values"
        );
        assert!(map.par_eq(&map), "{at}: par_eq with itself");

        map.par_iter_mut().for_each(|(k, v)| *v = k.wrapping_add(1));
        map.par_values_mut().for_each(|v| *v = v.wrapping_mul(3));
        (&mut map).into_par_iter().for_each(|(_, v)| *v ^= 5);
        let changed = |k: u64| (k.wrapping_add(1).wrapping_mul(3)) ^ 5;
        assert!(
            model.keys().all(|k| map.get(k) == Some(&changed(*k))),
            "{at}: par_iter_mut, par_values_mut, &mut map into_par_iter"
        );
        let mut twin = filled::<St>(seed, n).0;
        assert_eq!(map.par_eq(&twin), n == 0, "{at}: par_eq after a change");
        twin.par_values_mut().for_each(|v| *v = 0);

        // Extension: half the keys new, half present (overwritten).
        let more: Vec<(u64, u64)> = model
            .keys()
            .take(n / 2)
            .map(|k| (*k, 1))
            .chain((0..n as u64 / 2 + 1).map(|i| (i << 1 | 1, 2)))
            .collect();
        let mut model = model;
        model.extend(more.iter().copied());
        map.par_extend(more.clone().into_par_iter());
        for (k, v) in &more {
            assert_eq!(map.get(k), Some(v), "{at}: par_extend of {k}");
        }
        assert_eq!(map.len(), model.len(), "{at}: par_extend's length");
        let mut copy: TestMap<St> = new_map(seed);
        copy.par_extend(map.par_iter());
        assert!(copy.par_eq(&map), "{at}: par_extend of references");
        let collected: TestMap<St> = more.clone().into_par_iter().collect();
        let distinct: StdMap<u64, u64> = more.iter().copied().collect();
        assert_eq!(collected.len(), distinct.len(), "{at}: collect's length");
        assert!(
            distinct.iter().all(|(k, v)| collected.get(k) == Some(v)),
            "{at}: collect"
        );

        // Owned: every entry once, with the values set above.
        let owned = sorted(twin.into_par_iter().collect());
        let zeroed: Vec<(u64, u64)> = want.iter().map(|&(k, _)| (k, 0)).collect();
        assert_eq!(owned, zeroed, "{at}: into_par_iter");

        // Drain: as `drain` for the memory, every entry once, map usable.
        let mut sequential = filled::<St>(seed, n).0;
        let drained: Vec<_> = sequential.drain().collect();
        let (mut parallel, _) = filled::<St>(seed, n);
        let mut got: Vec<(u64, u64)> = parallel.par_drain().collect();
        got.sort_unstable();
        assert_eq!(got, sorted(drained), "{at}: par_drain's entries");
        assert!(parallel.is_empty(), "{at}: par_drain left entries");
        assert_eq!(
            parallel.memory().allocated_bytes,
            sequential.memory().allocated_bytes,
            "{at}: par_drain keeps or gives back what drain does"
        );
        parallel.insert(7, 7);
        assert_eq!(
            (parallel.len(), parallel.get(&7)),
            (1, Some(&7)),
            "{at}: after par_drain"
        );

        // A drain that stops early, or is never driven, still empties.
        let (mut stopped, _) = filled::<St>(seed, n);
        stopped.set_policy(ReclaimPolicy::manual());
        let _ = stopped.par_drain().find_any(|_| true);
        assert!(stopped.is_empty(), "{at}: a stopped par_drain");
        assert_eq!(
            stopped.iter().count(),
            0,
            "{at}: a stopped par_drain's storage"
        );
        let (mut dropped, _) = filled::<St>(seed, n);
        drop(dropped.par_drain());
        assert!(dropped.is_empty(), "{at}: a par_drain never driven");
        assert_eq!(
            dropped.iter().count(),
            0,
            "{at}: an undriven par_drain's storage"
        );

        // So does one whose consumer panics, and the map stays usable.
        let (mut panicked, _) = filled::<St>(seed, n);
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            panicked.par_drain().for_each(|(k, _)| {
                if k % 7 == 3 {
                    panic!("the consumer of a par_drain panicked (expected)");
                }
            });
        }));
        assert_eq!(
            result.is_err(),
            model.keys().any(|k| k % 7 == 3),
            "{at}: the consumer's panic"
        );
        assert!(
            panicked.is_empty(),
            "{at}: a par_drain whose consumer panicked"
        );
        assert_eq!(panicked.iter().count(), 0, "{at}: its storage");
        panicked.insert(7, 7);
        assert_eq!(panicked.len(), 1, "{at}: usable after");
    }
}
