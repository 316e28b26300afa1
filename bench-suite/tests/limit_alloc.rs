//! bench-suite's `LimitAlloc` is map-core's example allocator: the report's
//! `map-core+limit-alloc` rows measure the allocator a user would write
//! from that example, so the two copies must not drift apart.

use std::path::Path;

/// The allocator's code in `source`: from its `#[derive]` to `fn main()` or
/// the end, without doc comments (the module documents it differently).
fn allocator_code(source: &str) -> String {
    let start = source
        .find("#[derive(Clone, Debug)]\npub struct LimitAlloc")
        .expect("the LimitAlloc definition");
    let rest = &source[start..];
    let end = rest.find("fn main()").unwrap_or(rest.len());
    rest[..end]
        .lines()
        .filter(|line| !line.trim_start().starts_with("///"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

#[test]
fn limit_alloc_is_the_example() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = dir.join("../map-core/examples/custom_allocator.rs");
    // Outside the workspace (a packaged copy of bench-suite) the example is
    // not there to compare with.
    let Ok(example) = std::fs::read_to_string(&example) else {
        eprintln!("skipped: {} not found", example.display());
        return;
    };
    let ours = std::fs::read_to_string(dir.join("src/limit_alloc.rs")).unwrap();
    assert_eq!(
        allocator_code(&ours),
        allocator_code(&example),
        "bench-suite/src/limit_alloc.rs and map-core/examples/custom_allocator.rs differ"
    );
}
