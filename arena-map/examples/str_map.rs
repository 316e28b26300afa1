//! `StrMap`: string keys copied into the map's arena, looked up by `&str`,
//! and given back as a few chunks when the map is cleared or dropped.
//!
//! ```text
//! cargo run -p arena-map --example str_map
//! ```

use arena_map::StrMap;

fn main() {
    // Word counts: each distinct word is copied once into the arena, with a
    // pointer bump rather than an allocation of its own.
    let text = "the quick brown fox jumps over the lazy dog the end";
    let mut counts: StrMap<u32> = StrMap::new();
    for word in text.split_whitespace() {
        *counts.get_mut_or_insert(word, 0) += 1;
    }
    assert_eq!(counts.get("the"), Some(&3));
    assert_eq!(counts.get("cat"), None);
    println!(
        "{} distinct words, {} bytes of keys in the arena, {} bytes held",
        counts.len(),
        counts.key_bytes(),
        counts.memory().allocated_bytes
    );

    // A removed key stays in the arena until a compaction copies the live
    // ones into a fresh arena; reclaim() does it now.
    assert_eq!(counts.remove("the"), Some(3));
    counts.reclaim();
    assert_eq!(counts.len(), 8);
    assert_eq!(counts.get("fox"), Some(&1));

    // clear() drops every entry; a small arena is kept, rewound, for the
    // refill (a large one would go back), and dropping the map frees it.
    counts.clear();
    assert!(counts.is_empty());
    println!(
        "after clear: {} bytes kept for the refill",
        counts.memory().allocated_bytes
    );
}
