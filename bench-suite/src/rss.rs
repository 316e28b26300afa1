//! The process's resident set size, from `/proc/self/statm`.
//!
//! RSS is process-wide: it includes everything the process touched, and
//! memory the C allocator keeps on its free lists after a `free` (glibc
//! returns large blocks to the system at once but keeps smaller freed
//! chunks). So RSS can stay high after the counted bytes fall.

use std::sync::OnceLock;

/// Resident bytes of this process now, or `None` where `/proc` is missing.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let resident_pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(resident_pages * page_size())
}

/// Asks the C allocator to return the free memory it keeps to the system
/// (glibc's `malloc_trim(0)`); does nothing elsewhere. The report calls it
/// before each scenario so one variant's leftovers do not show in the next
/// one's RSS.
pub fn trim_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: `malloc_trim` only walks glibc's own heap under its lock;
        // it takes a plain integer and touches no memory of ours.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// The page size, from the kernel's auxiliary vector when readable.
fn page_size() -> u64 {
    static PAGE: OnceLock<u64> = OnceLock::new();
    *PAGE.get_or_init(|| {
        // AT_PAGESZ (6) in /proc/self/auxv: pairs of native-endian u64.
        std::fs::read("/proc/self/auxv")
            .ok()
            .and_then(|auxv| {
                auxv.chunks_exact(16).find_map(|pair| {
                    let key = u64::from_ne_bytes(pair[..8].try_into().ok()?);
                    let value = u64::from_ne_bytes(pair[8..].try_into().ok()?);
                    (key == 6).then_some(value)
                })
            })
            .unwrap_or(4096)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_something_on_linux() {
        if cfg!(target_os = "linux") {
            let rss = super::resident_bytes().expect("statm");
            assert!(rss > 0);
            assert!(super::page_size().is_power_of_two());
        }
    }
}
