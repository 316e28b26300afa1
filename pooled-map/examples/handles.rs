//! Handles: a small `Copy` reference to one entry that reaches it without
//! hashing, stays valid until that entry is removed, and never sees an
//! entry that later takes the same slot.
//!
//! ```text
//! cargo run -p pooled-map --example handles
//! ```

use pooled_map::HandleMap;
use pooled_map::PooledMap;

fn main() {
    // Sessions by id; each connection keeps the handle of its session.
    let mut sessions: PooledMap<u64, String> = PooledMap::new();
    let (alice, _) = sessions.insert_with_handle(7, "alice".to_string());
    let (bob, _) = sessions.insert_with_handle(9, "bob".to_string());

    // Reach an entry by handle, or find the handle of a key.
    assert_eq!(
        sessions.get_by_handle(alice).map(String::as_str),
        Some("alice")
    );
    assert_eq!(sessions.handle_of(&9), Some(bob));
    sessions[bob].push_str(" (admin)");
    assert_eq!(sessions[&9], "bob (admin)");

    // Removing the entry makes its handle stale; the next insert reuses the
    // slot without allocating, and the old handle does not see the newcomer.
    assert_eq!(sessions.remove_by_handle(alice).as_deref(), Some("alice"));
    let (carol, _) = sessions.insert_with_handle(11, "carol".to_string());
    assert_eq!(sessions.get_by_handle(alice), None);
    assert_eq!(
        sessions.get_by_handle(carol).map(String::as_str),
        Some("carol")
    );

    // Every live entry with its handle.
    for (handle, id, name) in sessions.handles() {
        assert_eq!(sessions.get_by_handle(handle), Some(name));
        println!("session {id}: {name}");
    }
    println!(
        "{} sessions, {} bytes held",
        sessions.len(),
        sessions.memory().allocated_bytes
    );
}
