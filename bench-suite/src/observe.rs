//! A transparent wrapper that samples the process RSS while the conformance
//! kit's scenario runners drive a map, so the report gets RSS per stage
//! without a second copy of the scenarios.
//!
//! The kit reads `memory()` exactly once at each stage it reports; the
//! wrapper records the RSS at each of those reads, in order, and samples the
//! peak every [`SAMPLE_EVERY`] inserts as well.

use std::cell::RefCell;
use std::hash::Hash;
use std::rc::Rc;

use map_core::{Equivalent, MemoryStats, ReclaimMap, ReclaimPolicy};

use crate::rss;

/// Inserts between two RSS samples for the peak.
const SAMPLE_EVERY: u32 = 4096;

/// What the wrapped maps of one scenario saw.
#[derive(Debug)]
pub(crate) struct Log {
    /// RSS at each `memory()` call, in call order.
    pub(crate) at_memory_calls: Vec<Option<u64>>,
    /// The largest RSS sampled.
    pub(crate) peak_rss: Option<u64>,
    /// `memory().peak_bytes` at the last `memory()` call.
    pub(crate) last_reported_peak: usize,
}

impl Log {
    /// An empty log with room for every stage of a scenario, allocated
    /// before the counting starts so that the log's own bytes are not counted.
    pub(crate) fn new() -> Self {
        Self {
            at_memory_calls: Vec::with_capacity(16),
            peak_rss: None,
            last_reported_peak: 0,
        }
    }

    fn sample(&mut self) -> Option<u64> {
        let now = rss::resident_bytes();
        self.peak_rss = self.peak_rss.max(now);
        now
    }
}

/// A map whose `memory()` calls and inserts also sample RSS into a shared [`Log`].
pub(crate) struct Observed<M> {
    inner: M,
    log: Rc<RefCell<Log>>,
    inserts: u32,
}

impl<M> Observed<M> {
    pub(crate) fn new(inner: M, log: Rc<RefCell<Log>>) -> Self {
        Self {
            inner,
            log,
            inserts: 0,
        }
    }
}

impl<K, V, M: ReclaimMap<K, V>> ReclaimMap<K, V> for Observed<M> {
    type Ref<'a>
        = M::Ref<'a>
    where
        Self: 'a;

    fn insert(&mut self, key: K, value: V) -> Option<V> {
        let old = self.inner.insert(key, value);
        self.inserts += 1;
        if self.inserts == SAMPLE_EVERY {
            self.inserts = 0;
            self.log.borrow_mut().sample();
        }
        old
    }
    fn get<Q>(&self, key: &Q) -> Option<M::Ref<'_>>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.inner.get(key)
    }
    fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.inner.remove(key)
    }
    fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.inner.contains_key(key)
    }
    fn len(&self) -> usize {
        self.inner.len()
    }
    fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
    fn clear(&mut self) {
        self.inner.clear();
    }
    fn for_each<F: FnMut(&K, &V)>(&self, f: F) {
        self.inner.for_each(f);
    }
    fn memory(&self) -> MemoryStats {
        let mut log = self.log.borrow_mut();
        let now = log.sample();
        log.at_memory_calls.push(now);
        let stats = self.inner.memory();
        log.last_reported_peak = stats.peak_bytes;
        stats
    }
    fn reclaim(&mut self) -> usize {
        self.inner.reclaim()
    }
    fn policy(&self) -> ReclaimPolicy {
        self.inner.policy()
    }
    fn set_policy(&mut self, policy: ReclaimPolicy) {
        self.inner.set_policy(policy);
    }
}
