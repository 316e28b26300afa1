//! All of the crate's `unsafe`: the system calls and the `Allocator` impl.
//!
//! Every block goes one of two ways, chosen by
//! [`PageAlloc::is_page_backed`] from its layout alone: a private anonymous
//! mapping of its own (rounded up to whole pages), or the global allocator.
//! Because the choice depends on nothing but the layout, `deallocate`,
//! `grow` and `shrink` find the way a block went from the layout they are
//! given.

use core::alloc::Layout;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use allocator_api2::alloc::{AllocError, Allocator, Global};

use crate::{stats, PageAlloc};

pub(crate) use sys::{page_size, HAS_PAGES};

/// The kernel's pages, on unix targets whose libc has `mmap` (the newlib
/// ones, such as ESP-IDF and the game consoles, have none).
#[cfg(all(unix, not(target_env = "newlib")))]
mod sys {
    use core::ptr::{self, NonNull};
    use core::sync::atomic::{AtomicUsize, Ordering};

    pub(crate) const HAS_PAGES: bool = true;

    /// The page size, read once (0: not read yet).
    static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);

    /// The size of a page, a power of two.
    pub(crate) fn page_size() -> usize {
        let cached = PAGE_SIZE.load(Ordering::Relaxed);
        if cached != 0 {
            return cached;
        }
        // SAFETY: `sysconf` reads a system constant; it has no
        // preconditions and touches no memory of ours.
        let read = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        let size = match usize::try_from(read) {
            Ok(size) if size.is_power_of_two() => size,
            // Every unix answers; should one not, 4 KiB is the smallest
            // page in use, and only the rounding (not the mappings, which
            // the kernel aligns and sizes itself) would be off.
            _ => 4096,
        };
        PAGE_SIZE.store(size, Ordering::Relaxed);
        size
    }

    /// Maps `len` bytes (a whole number of pages, not 0) of fresh zeroed
    /// memory, readable and writable, with every page backed at once if
    /// `populate` (Linux and Android; elsewhere a page is backed on its
    /// first touch either way); `None` if the kernel refuses.
    pub(crate) fn map(len: usize, populate: bool) -> Option<NonNull<u8>> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let populate = if populate { libc::MAP_POPULATE } else { 0 };
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let populate = {
            let _ = populate;
            0
        };
        // SAFETY: a private anonymous mapping at an address the kernel
        // chooses (no hint, no MAP_FIXED) cannot overlap or alter any memory
        // the process already uses; failure is reported as MAP_FAILED.
        let addr = unsafe {
            libc::mmap(
                ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANON | populate,
                -1,
                0,
            )
        };
        if addr == libc::MAP_FAILED {
            return None;
        }
        NonNull::new(addr.cast())
    }

    /// Asks the kernel to back `len` bytes at `addr` with transparent huge
    /// pages; a hint, whose refusal (a kernel without them) changes nothing.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn advise_huge(addr: NonNull<u8>, len: usize) {
        // SAFETY: MADV_HUGEPAGE changes how the kernel backs the range, not
        // its contents or its validity; the range is one mapping of ours.
        unsafe { libc::madvise(addr.as_ptr().cast(), len, libc::MADV_HUGEPAGE) };
    }

    /// Huge pages are Linux's: elsewhere the hint does nothing.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(crate) fn advise_huge(_addr: NonNull<u8>, _len: usize) {}

    /// Unmaps `len` bytes at `addr`; `false` if the kernel refuses (the
    /// pages then stay mapped and unchanged).
    ///
    /// # Safety
    ///
    /// `addr..addr + len` must be whole pages of mappings made by [`map`]
    /// (or moved by `remap`) that nothing will access again.
    pub(crate) unsafe fn unmap(addr: NonNull<u8>, len: usize) -> bool {
        // SAFETY: the caller gives up these pages of ours; no other memory
        // is affected.
        unsafe { libc::munmap(addr.as_ptr().cast(), len) == 0 }
    }

    /// Resizes the mapping of `old_len` bytes at `addr` to `new_len`,
    /// moving it if it cannot grow in place, and keeps its contents; pages
    /// added at the end are zero. `None` if the kernel refuses (the mapping
    /// is then unchanged).
    ///
    /// # Safety
    ///
    /// `addr..addr + old_len` must be whole pages of one block made by
    /// [`map`] or `remap`; on success the old address range must not be
    /// accessed again.
    #[cfg(target_os = "linux")]
    pub(crate) unsafe fn remap(
        addr: NonNull<u8>,
        old_len: usize,
        new_len: usize,
    ) -> Option<NonNull<u8>> {
        // SAFETY: the range is one block of ours; MREMAP_MAYMOVE lets the
        // kernel pick a new address that overlaps nothing else in use, and
        // without MREMAP_FIXED it never replaces another mapping.
        let moved =
            unsafe { libc::mremap(addr.as_ptr().cast(), old_len, new_len, libc::MREMAP_MAYMOVE) };
        if moved == libc::MAP_FAILED {
            return None;
        }
        NonNull::new(moved.cast())
    }
}

/// No pages of our own: every block goes to the global allocator, because
/// [`PageAlloc::is_page_backed`] answers `false` for every layout and these
/// functions are never reached.
#[cfg(not(all(unix, not(target_env = "newlib"))))]
mod sys {
    use core::ptr::NonNull;

    pub(crate) const HAS_PAGES: bool = false;

    pub(crate) fn page_size() -> usize {
        usize::MAX
    }

    pub(crate) fn map(_len: usize, _populate: bool) -> Option<NonNull<u8>> {
        None
    }

    /// # Safety
    ///
    /// None needed: this does nothing.
    pub(crate) fn advise_huge(_addr: NonNull<u8>, _len: usize) {}

    pub(crate) unsafe fn unmap(_addr: NonNull<u8>, _len: usize) -> bool {
        false
    }
}

/// `size` rounded up to whole pages. Layout sizes are at most `isize::MAX`,
/// so the sum cannot overflow.
fn whole_pages(size: usize) -> usize {
    let page = page_size();
    (size + (page - 1)) & !(page - 1)
}

/// Which `Allocator` method a resize serves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Resize {
    Grow,
    GrowZeroed,
    Shrink,
}

/// Maps a page-backed block for `layout`; its pages are zero.
fn map_block(layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
    let len = whole_pages(layout.size());
    let mapped = sys::map(len, populate());
    counted_call(true);
    let addr = mapped.ok_or(AllocError)?;
    advise(addr, len);
    stats::mapped(len);
    counted_live(0, layout.size());
    // The block is exactly the layout's size, not the whole pages: a block
    // then fits one size only, so `deallocate` and the per-thread counter
    // always see the size `allocate` saw.
    Ok(NonNull::slice_from_raw_parts(addr, layout.size()))
}

/// Whether new blocks of [`HUGE_PAGES_FROM`] bytes and more ask for huge
/// pages ([`crate::set_huge_pages`]).
static HUGE_PAGES: AtomicBool = AtomicBool::new(false);

/// The smallest mapping that asks for transparent huge pages: one huge page
/// of x86-64 and of arm64 with 4 KiB pages.
pub(crate) const HUGE_PAGES_FROM: usize = 2 << 20;

pub(crate) fn set_huge_pages(on: bool) {
    HUGE_PAGES.store(on, Ordering::Relaxed);
}

pub(crate) fn huge_pages() -> bool {
    HUGE_PAGES.load(Ordering::Relaxed)
}

#[cfg(feature = "std")]
std::thread_local! {
    /// Whether this thread is inside [`populating`]. A const initialiser
    /// and no drop glue: reading it never allocates.
    static POPULATE: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

/// Runs `f` with fresh mappings of this thread populated; restores the
/// previous state afterwards, also when `f` unwinds.
pub(crate) fn populating<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(feature = "std")]
    {
        struct Restore(bool);
        impl Drop for Restore {
            fn drop(&mut self) {
                let _ = POPULATE.try_with(|p| p.set(self.0));
            }
        }
        let before = POPULATE.try_with(|p| p.replace(true)).unwrap_or(false);
        let _restore = Restore(before);
        f()
    }
    #[cfg(not(feature = "std"))]
    f()
}

/// Whether a mapping made now is populated.
fn populate() -> bool {
    #[cfg(feature = "std")]
    {
        POPULATE.try_with(core::cell::Cell::get).unwrap_or(false)
    }
    #[cfg(not(feature = "std"))]
    false
}

/// Hints huge pages for a mapping of `len` bytes, when it is large enough
/// and the hint is on.
fn advise(addr: NonNull<u8>, len: usize) {
    if len >= HUGE_PAGES_FROM && huge_pages() {
        sys::advise_huge(addr, len);
    }
}

/// Unmaps a page-backed block.
///
/// # Safety
///
/// `addr` must be a page-backed block currently allocated by [`PageAlloc`]
/// with `layout`.
unsafe fn unmap_block(addr: NonNull<u8>, layout: Layout) {
    let len = whole_pages(layout.size());
    // SAFETY: per the caller, these are the pages of one live block, which
    // its owner gives up.
    let unmapped = unsafe { sys::unmap(addr, len) };
    counted_call(false);
    counted_live(layout.size(), 0);
    // The kernel refuses only when splitting a merged mapping would pass
    // the process's limit of mappings; the pages then stay mapped (and
    // counted) for good, as `deallocate` cannot fail.
    if unmapped {
        stats::unmapped(len);
    }
}

impl PageAlloc {
    /// Resizes a block, on whichever side of the threshold it starts and
    /// ends.
    ///
    /// # Safety
    ///
    /// Those of `Allocator::grow` (for `Grow` and `GrowZeroed`) or
    /// `Allocator::shrink` (for `Shrink`).
    unsafe fn resize(
        &self,
        addr: NonNull<u8>,
        old: Layout,
        new: Layout,
        how: Resize,
    ) -> Result<NonNull<[u8]>, AllocError> {
        match (Self::is_page_backed(old), Self::is_page_backed(new)) {
            // SAFETY: forwarded from the caller; the block is page-backed.
            (true, true) => unsafe { Self::resize_pages(addr, old, new, how) },
            // SAFETY: forwarded from the caller; the block came from the
            // global allocator with `old`, and is going back to it.
            (false, false) => unsafe {
                match how {
                    Resize::Grow => Global.grow(addr, old, new),
                    Resize::GrowZeroed => Global.grow_zeroed(addr, old, new),
                    Resize::Shrink => Global.shrink(addr, old, new),
                }
            },
            // SAFETY: forwarded from the caller.
            _ => unsafe { self.move_block(addr, old, new, how) },
        }
    }

    /// Resizes across the two kinds of block: allocate, copy, free.
    ///
    /// # Safety
    ///
    /// As for [`resize`](Self::resize).
    unsafe fn move_block(
        &self,
        addr: NonNull<u8>,
        old: Layout,
        new: Layout,
        how: Resize,
    ) -> Result<NonNull<[u8]>, AllocError> {
        let moved = match how {
            Resize::GrowZeroed => self.allocate_zeroed(new)?,
            Resize::Grow | Resize::Shrink => self.allocate(new)?,
        };
        let kept = old.size().min(new.size());
        // SAFETY: the old block is live and `old.size()` bytes long, the new
        // one `new.size()` bytes long; both are allocated at once, so they
        // do not overlap.
        unsafe { ptr::copy_nonoverlapping(addr.as_ptr(), moved.cast::<u8>().as_ptr(), kept) };
        // SAFETY: per the caller, `addr` is live with `old`; the copy is
        // done and the caller no longer uses the old block once we return Ok.
        unsafe { self.deallocate(addr, old) };
        Ok(moved)
    }

    /// Resizes a page-backed block into another page-backed block.
    ///
    /// # Safety
    ///
    /// As for [`resize`](Self::resize), with `old` and `new` both
    /// page-backed.
    unsafe fn resize_pages(
        addr: NonNull<u8>,
        old: Layout,
        new: Layout,
        how: Resize,
    ) -> Result<NonNull<[u8]>, AllocError> {
        let old_len = whole_pages(old.size());
        let new_len = whole_pages(new.size());
        if new_len == old_len {
            if how == Resize::GrowZeroed {
                // The tail of the last page may still hold bytes of an
                // earlier, longer block that was shrunk in place.
                // SAFETY: `old.size()..new.size()` lies within the block's
                // `old_len` mapped bytes, which belong to the caller.
                unsafe {
                    ptr::write_bytes(addr.as_ptr().add(old.size()), 0, new.size() - old.size());
                }
            }
            counted_live(old.size(), new.size());
            return Ok(NonNull::slice_from_raw_parts(addr, new.size()));
        }
        if new_len < old_len {
            // Give the tail pages back where they are: the block does not
            // move, and this works on every unix.
            // SAFETY: `new_len < old_len`, both whole pages, so the range is
            // the block's last pages, which the shrunk block no longer
            // covers.
            let tail = unsafe { addr.add(new_len) };
            // SAFETY: as just said, whole pages of our mapping, given up.
            let unmapped = unsafe { sys::unmap(tail, old_len - new_len) };
            counted_call(false);
            if !unmapped {
                return Err(AllocError);
            }
            stats::unmapped(old_len - new_len);
            counted_live(old.size(), new.size());
            return Ok(NonNull::slice_from_raw_parts(addr, new.size()));
        }
        #[cfg(target_os = "linux")]
        {
            // SAFETY: the block's `old_len` bytes are one mapping of ours;
            // on success the caller uses only the returned address.
            let remapped = unsafe { sys::remap(addr, old_len, new_len) };
            counted_call(true);
            let moved = remapped.ok_or(AllocError)?;
            if old_len < HUGE_PAGES_FROM {
                // A mapping keeps its hint when it moves: only one that
                // crosses the size asks now.
                advise(moved, new_len);
            }
            if how == Resize::GrowZeroed {
                // Pages past `old_len` come zeroed from the kernel; only the
                // tail of the old last page may hold stale bytes.
                // SAFETY: `old.size()..old_len` lies within the moved block,
                // which is `new_len > old_len` bytes long.
                unsafe {
                    ptr::write_bytes(moved.as_ptr().add(old.size()), 0, old_len - old.size());
                }
            }
            stats::mapped(new_len - old_len);
            counted_live(old.size(), new.size());
            Ok(NonNull::slice_from_raw_parts(moved, new.size()))
        }
        #[cfg(not(target_os = "linux"))]
        {
            // No mremap: a new mapping, a copy, an unmap.
            // SAFETY: forwarded from the caller.
            unsafe { PageAlloc.move_block(addr, old, new, how) }
        }
    }
}

// SAFETY:
// * A page-backed block is a private mapping of its own, valid until it is
//   unmapped, which happens only through `deallocate`, `grow` or `shrink` of
//   that block; the other blocks are the global allocator's, valid on the
//   same terms.
// * `PageAlloc` is a zero-sized type without state: a copy or a move is the
//   same allocator, and a block may go to any method of any copy.
// * Which way a block goes depends only on its layout
//   (`PageAlloc::is_page_backed`), and every block is exactly its layout's
//   size, so the layout that fits a block leads back to where it came from.
unsafe impl Allocator for PageAlloc {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        if Self::is_page_backed(layout) {
            map_block(layout)
        } else {
            Global.allocate(layout)
        }
    }

    fn allocate_zeroed(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        if Self::is_page_backed(layout) {
            // Fresh anonymous pages are zero: no memset.
            map_block(layout)
        } else {
            Global.allocate_zeroed(layout)
        }
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        if Self::is_page_backed(layout) {
            // SAFETY: per the caller, a live block of ours with `layout`,
            // which routes it to the pages.
            unsafe { unmap_block(ptr, layout) }
        } else {
            // SAFETY: per the caller, a live block with `layout`, which
            // routed it to the global allocator.
            unsafe { Global.deallocate(ptr, layout) }
        }
    }

    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded from the caller.
        unsafe { self.resize(ptr, old_layout, new_layout, Resize::Grow) }
    }

    unsafe fn grow_zeroed(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded from the caller.
        unsafe { self.resize(ptr, old_layout, new_layout, Resize::GrowZeroed) }
    }

    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded from the caller.
        unsafe { self.resize(ptr, old_layout, new_layout, Resize::Shrink) }
    }
}

/// The observer [`set_observer`](crate::set_observer) installed, as the
/// address of a `fn(isize, bool)`, or 0.
static OBSERVER: AtomicUsize = AtomicUsize::new(0);

/// Installs (or with `None` removes) the observer.
pub(crate) fn set_observer(observer: Option<fn(isize, bool)>) {
    OBSERVER.store(observer.map_or(0, |f| f as usize), Ordering::Release);
}

/// This thread's page-backed layout bytes went from `from` to `to`: counted,
/// and told to the observer.
fn counted_live(from: usize, to: usize) {
    stats::live(from, to);
    notify((to as isize).wrapping_sub(from as isize), false);
}

/// A system call, counted; `alloc` if it mapped pages (`mmap`, `mremap`),
/// which the observer is told of, not if it only gave them back.
fn counted_call(alloc: bool) {
    stats::call();
    if alloc {
        notify(0, true);
    }
}

/// Tells the observer, if any, of a change of `delta` layout bytes and
/// whether it took an allocation call.
fn notify(delta: isize, call: bool) {
    let observer = OBSERVER.load(Ordering::Acquire);
    if observer != 0 {
        // SAFETY: a non-zero value was stored by `set_observer` from a
        // `fn(isize, bool)`, and a function pointer stays valid for the
        // whole program.
        let observer = unsafe { core::mem::transmute::<usize, fn(isize, bool)>(observer) };
        observer(delta, call);
    }
}
