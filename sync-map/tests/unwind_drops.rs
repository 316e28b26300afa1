//! A write that panics drops the values it removed or replaced after the
//! writer lock is released, as a write that returns does: a value whose
//! `Drop` writes to the same map then finds the lock free, instead of
//! panicking inside a destructor during unwinding (which aborts the
//! process) or waiting for itself.
//!
//! Each scenario runs in a child process (this test binary, re-run on that
//! one test), so that an abort or a deadlock fails the test, with the
//! child's output, instead of ending or hanging the whole suite.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use sync_map::SyncMap;

/// Set in the child process: run the scenario itself.
const CHILD: &str = "SYNC_MAP_UNWIND_DROPS_CHILD";
const LIMIT: Duration = Duration::from_secs(120);

/// Runs the test `name` alone in a child process; panics, with the child's
/// output, if it fails, aborts, or is still running after [`LIMIT`].
fn in_child(name: &str) {
    let mut child = Command::new(std::env::current_exe().expect("the test binary"))
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the test binary again");
    let read = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = read(Box::new(child.stdout.take().expect("piped")));
    let stderr = read(Box::new(child.stderr.take().expect("piped")));
    let deadline = Instant::now() + LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(10));
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    let output = format!("--- stdout\n{stdout}\n--- stderr\n{stderr}");
    match status {
        None => panic!("{name}: still running after {LIMIT:?}: deadlock\n{output}"),
        Some(status) if !status.success() => panic!("{name}: {status}\n{output}"),
        Some(_) => assert!(
            stdout.contains("1 passed"),
            "{name}: the child did not run the scenario\n{output}"
        ),
    }
}

thread_local! {
    /// A key whose next hashes panic: (key, hashes of it still allowed).
    static TRAP: Cell<Option<(u64, u32)>> = const { Cell::new(None) };
    /// Hashes of keys so far.
    static HASHES: Cell<u32> = const { Cell::new(0) };
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key(u64);

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        HASHES.set(HASHES.get() + 1);
        if let Some((key, left)) = TRAP.get() {
            if key == self.0 {
                if left == 0 {
                    TRAP.set(None);
                    panic!("hash of {key} refused");
                }
                TRAP.set(Some((key, left - 1)));
            }
        }
        self.0.hash(state);
    }
}

/// A value whose `Drop`, if it is loud, writes to the map holding it.
#[derive(Clone, Debug, PartialEq)]
struct Echo {
    id: u64,
    /// Inserts `(id + ECHO, quiet)` into [`MAP`] when dropped.
    loud: bool,
}

const ECHO: u64 = 10_000;

static MAP: OnceLock<SyncMap<Key, Echo>> = OnceLock::new();

impl Drop for Echo {
    fn drop(&mut self) {
        if self.loud {
            if let Some(map) = MAP.get() {
                map.insert(Key(self.id + ECHO), quiet(self.id));
            }
        }
    }
}

fn loud(id: u64) -> Echo {
    Echo { id, loud: true }
}

fn quiet(id: u64) -> Echo {
    Echo { id, loud: false }
}

/// The map, holding loud values under 0 and 1 and quiet ones under 2 and
/// 3, with room to spare (no write below resizes it).
fn map() -> &'static SyncMap<Key, Echo> {
    let map = MAP.get_or_init(|| SyncMap::with_capacity(64));
    map.extend(
        [(0, loud(0)), (1, loud(1)), (2, quiet(2)), (3, quiet(3))].map(|(k, v)| (Key(k), v)),
    );
    map
}

/// The map's entries as `key -> (id, loud)`, read in place (a clone of a
/// loud value would echo when dropped).
fn contents() -> BTreeMap<u64, (u64, bool)> {
    let mut entries = BTreeMap::new();
    MAP.get().expect("made").for_each(|k, v| {
        entries.insert(k.0, (v.id, v.loud));
    });
    entries
}

/// `contents()` before a panicking write, with the echoes of `ids` added.
fn with_echoes(before: &BTreeMap<u64, (u64, bool)>, ids: &[u64]) -> BTreeMap<u64, (u64, bool)> {
    let mut expected = before.clone();
    expected.extend(ids.iter().map(|&id| (id + ECHO, (id, false))));
    expected
}

/// Writes every key again (quiet values: the loud ones replaced echo) and
/// reads it back: the lock is free and both copies agree.
fn still_writable(map: &SyncMap<Key, Echo>) {
    for (k, (id, _)) in contents() {
        drop(map.insert(Key(k), quiet(id)));
        assert_eq!(map.get(&Key(k)), Some(quiet(id)));
    }
}

/// A batch removes one loud value and replaces another, then panics: the
/// two are dropped after the lock is released (their echoes land), and the
/// map is otherwise as it was before the batch.
#[test]
fn a_panicking_batch_drops_what_it_removed_after_the_lock() {
    if std::env::var_os(CHILD).is_none() {
        return in_child("a_panicking_batch_drops_what_it_removed_after_the_lock");
    }
    let map = map();
    let before = contents();
    let result = catch_unwind(AssertUnwindSafe(|| {
        map.write(|w| {
            assert!(w.remove(&Key(0)));
            assert!(w.insert(Key(1), quiet(1)));
            w.insert(Key(9), quiet(9));
            panic!("half way");
        })
    }));
    assert!(result.is_err(), "the batch panicked");
    assert_eq!(contents(), with_echoes(&before, &[0, 1]));
    still_writable(map);
}

/// A batch clears the map, then panics: the cleared values are dropped
/// after the lock is released, and the map is otherwise as it was.
#[test]
fn a_panicking_clear_drops_the_cleared_values_after_the_lock() {
    if std::env::var_os(CHILD).is_none() {
        return in_child("a_panicking_clear_drops_the_cleared_values_after_the_lock");
    }
    let map = map();
    let before = contents();
    let result = catch_unwind(AssertUnwindSafe(|| {
        map.write(|w| {
            w.clear();
            w.insert(Key(9), quiet(9));
            panic!("half way");
        })
    }));
    assert!(result.is_err(), "the batch panicked");
    assert_eq!(contents(), with_echoes(&before, &[0, 1]));
    still_writable(map);
}

/// A single write whose second half panics (the key's hash, on the other
/// copy) drops the value the first half replaced after the lock is
/// released; so does one whose first half panics, with the clones an
/// earlier panicking batch left in the writer's log.
#[test]
fn a_panicking_insert_drops_what_it_replaced_after_the_lock() {
    if std::env::var_os(CHILD).is_none() {
        return in_child("a_panicking_insert_drops_what_it_replaced_after_the_lock");
    }
    // How many times replacing a value hashes its key, in one copy.
    let scratch: SyncMap<Key, Echo> = SyncMap::with_capacity(64);
    scratch.insert(Key(1), quiet(1));
    let hashes = HASHES.get();
    scratch.insert(Key(1), quiet(1));
    let per_copy = (HASHES.get() - hashes) / 2;
    assert!(per_copy >= 1);

    let map = map();
    // The first copy's hashes pass, the other copy's first one panics.
    TRAP.set(Some((1, per_copy)));
    let result = catch_unwind(AssertUnwindSafe(|| map.insert(Key(1), quiet(1))));
    assert!(result.is_err(), "the insert panicked");
    assert_eq!(TRAP.get(), None, "it panicked in the second half");
    // The first half was published; the value it replaced echoed.
    assert_eq!(map.get(&Key(1)), Some(quiet(1)));
    assert_eq!(map.get(&Key(1 + ECHO)), Some(quiet(1)));
    still_writable(map);

    // A batch that panics leaves the clones it logged (a loud one) to the
    // next write; that write panics in its first half.
    map.insert(Key(0), loud(0));
    let result = catch_unwind(AssertUnwindSafe(|| {
        map.write(|w| {
            w.insert(Key(7), loud(7));
            panic!("half way");
        })
    }));
    assert!(result.is_err(), "the batch panicked");
    let before = contents();
    TRAP.set(Some((5, 0)));
    let result = catch_unwind(AssertUnwindSafe(|| map.insert(Key(5), quiet(5))));
    assert!(result.is_err(), "the insert panicked");
    assert_eq!(contents(), with_echoes(&before, &[7]));
    still_writable(map);
}
