//! Readers on several threads, each through its own `ReadHandle`, while a
//! writer publishes changes one at a time and then as one batch.
//!
//! ```text
//! cargo run -p sync-map --example readers
//! ```

use sync_map::SyncMap;

fn main() {
    // Prices by product id, read from every thread.
    let prices: SyncMap<u32, u32> = (0..100).map(|id| (id, 100 + id)).collect();

    std::thread::scope(|s| {
        for t in 0..2u32 {
            let prices = &prices;
            s.spawn(move || {
                // One handle per thread: its reads take no lock.
                let reader = prices.reader();
                for id in (t..100).step_by(2) {
                    assert!(reader.get(&id).is_some());
                }
                // Several lookups against one version of the map: a batch
                // published meanwhile is seen whole or not at all.
                let basket: u32 =
                    reader.enter(|view| [3, 14, 15].iter().filter_map(|id| view.get(id)).sum());
                assert!(basket == 103 + 114 + 115 || basket == 113 + 124 + 125);
            });
        }
        // A writer on this thread: single writes, then a batch that clears
        // and refills the map, published at once.
        prices.insert(100, 200);
        prices.remove(&100);
        prices.write(|batch| {
            batch.clear();
            batch.extend((0..100).map(|id| (id, 110 + id)));
        });
    });

    assert_eq!(prices.get(&14), Some(124));
    println!(
        "{} prices, {} bytes held for both copies of the table",
        prices.len(),
        prices.memory().allocated_bytes
    );
}
