//! The bump arena that tables and keys live in: chunks taken from an
//! allocator `A`, handed out by moving a pointer, and freed all at once.
//!
//! A chunk is one block from `A`: a [`ChunkHeader`] (the chunk's layout and
//! the chunk made before it), then the room allocations are cut from, from
//! low addresses up. The arena's own state ([`Bump`]) lives in a block from
//! `A` as well, with the `A` value inside it, so that everything the arena
//! holds is held from `A` ([`Bump::bytes`] is exactly that), and so that
//! its address stays put while the owning [`Arena`] moves.

use core::alloc::Layout;
use core::cell::Cell;
use core::marker::PhantomData;
use core::mem;
use core::ptr::{self, NonNull};

use allocator_api2::alloc::{AllocError, Allocator, Global};

use crate::error::ArenaError;

/// Bytes of a chunk that are not room: its header.
const CHUNK_OVERHEAD: usize = mem::size_of::<ChunkHeader>();

/// The least room of a chunk that growth makes, so that a few short keys
/// share one chunk rather than take one each (a chunk of exactly the
/// request is still made where a limit or the allocator refuses this).
const MIN_GROWTH: usize = 512;

/// The start of every chunk.
struct ChunkHeader {
    /// The chunk made before this one, if it is still held.
    prev: Cell<Option<NonNull<ChunkHeader>>>,
    /// The layout the chunk was allocated with, for freeing it.
    layout: Layout,
}

/// An arena's state, in a block of its own from `A`.
///
/// Allocation takes `&self` (the arena is the allocator of a hash table,
/// which shares it), hence the cells. Every chunk in the list starting at
/// `newest` is a live block from `alloc`.
pub(crate) struct Bump<A> {
    alloc: A,
    /// The chunk allocations are cut from; older chunks follow its `prev`.
    newest: Cell<Option<NonNull<ChunkHeader>>>,
    /// The first free byte of the newest chunk (null before the first).
    next: Cell<*mut u8>,
    /// The end of the newest chunk (null before the first).
    end: Cell<*mut u8>,
    /// The sum of the chunks' sizes, headers included.
    chunk_bytes: Cell<usize>,
    /// How many chunks are held.
    chunks: Cell<usize>,
    /// The most [`bytes`](Self::bytes) may reach by growth, if limited.
    limit: Cell<Option<usize>>,
}

impl<A: Allocator> Bump<A> {
    /// Bytes held from the allocator: the chunks and this state's block.
    pub(crate) fn bytes(&self) -> usize {
        mem::size_of::<Self>() + self.chunk_bytes.get()
    }

    /// Room of every chunk, headers left out, handed out or not.
    pub(crate) fn capacity(&self) -> usize {
        self.chunk_bytes.get() - self.chunks.get() * CHUNK_OVERHEAD
    }

    /// Room left in the newest chunk.
    pub(crate) fn room(&self) -> usize {
        self.end.get() as usize - self.next.get() as usize
    }

    /// Bytes of chunk room handed out, dead or alive: everything but the
    /// room left in the newest chunk.
    pub(crate) fn used(&self) -> usize {
        self.capacity() - self.room()
    }

    /// Caps [`bytes`](Self::bytes): a new chunk that would pass `limit` is
    /// not made. What is held already stays.
    pub(crate) fn set_limit(&self, limit: Option<usize>) {
        self.limit.set(limit);
    }

    /// A block of `layout`, from the newest chunk or, if it has no room
    /// left, from a new one.
    ///
    /// # Errors
    ///
    /// If a new chunk was needed and the limit or the allocator refused it;
    /// the arena is then unchanged.
    #[inline]
    pub(crate) fn try_alloc(&self, layout: Layout) -> Result<NonNull<u8>, AllocError> {
        if layout.size() == 0 {
            // Nothing to hold: an aligned address that is never read.
            let dangling = ptr::without_provenance_mut::<u8>(layout.align());
            return NonNull::new(dangling).ok_or(AllocError);
        }
        match self.cut(layout) {
            Some(block) => Ok(block),
            None => self.grow_for(layout),
        }
    }

    /// The block of `layout` (not zero-sized) cut from the newest chunk, if
    /// it has room.
    #[inline(always)]
    fn cut(&self, layout: Layout) -> Option<NonNull<u8>> {
        let next = self.next.get();
        let pad = (next as usize).wrapping_neg() & (layout.align() - 1);
        // `Layout` keeps the size, rounded up to the alignment, within
        // `isize::MAX`: the sum cannot overflow.
        let take = pad + layout.size();
        if take > self.room() {
            return None;
        }
        // In bounds of the newest chunk: `take` fits in its room.
        let start = next.wrapping_add(pad);
        self.next.set(start.wrapping_add(layout.size()));
        NonNull::new(start)
    }

    /// Makes a chunk with room for `layout` and cuts the block from it: a
    /// chunk of twice the newest one's room (at least [`MIN_GROWTH`]) if
    /// the request fits that, else, or if that chunk is refused, a chunk of
    /// exactly what the request needs.
    #[cold]
    #[inline(never)]
    fn grow_for(&self, layout: Layout) -> Result<NonNull<u8>, AllocError> {
        let align = layout.align().max(mem::align_of::<ChunkHeader>());
        // In a chunk aligned to `align`, the room starts `CHUNK_OVERHEAD`
        // bytes in: the padding up to `layout`'s alignment, then the block.
        let need = CHUNK_OVERHEAD.next_multiple_of(layout.align()) - CHUNK_OVERHEAD + layout.size();
        let newest_room = match self.newest.get() {
            Some(chunk) => self.end.get() as usize - chunk.as_ptr() as usize - CHUNK_OVERHEAD,
            None => 0,
        };
        let doubled = newest_room.saturating_mul(2).max(MIN_GROWTH);
        if doubled <= need || self.push_chunk(doubled, align).is_err() {
            self.push_chunk(need, align)?;
        }
        self.cut(layout).ok_or(AllocError)
    }

    /// Makes a chunk with `room` bytes past its header, aligned to `align`
    /// (at least a `ChunkHeader`'s alignment), the newest.
    fn push_chunk(&self, room: usize, align: usize) -> Result<(), AllocError> {
        let size = room.checked_add(CHUNK_OVERHEAD).ok_or(AllocError)?;
        let layout = Layout::from_size_align(size, align).map_err(|_| AllocError)?;
        if let Some(limit) = self.limit.get() {
            if self
                .bytes()
                .checked_add(size)
                .is_none_or(|held| held > limit)
            {
                return Err(AllocError);
            }
        }
        let chunk = self.alloc.allocate(layout)?.cast::<u8>();
        let header = chunk.cast::<ChunkHeader>();
        // SAFETY: `chunk` is a fresh block of `layout`: at least
        // `CHUNK_OVERHEAD` bytes, aligned to `align`, which is at least a
        // `ChunkHeader`'s alignment, and not yet referred to by anything.
        unsafe {
            header.as_ptr().write(ChunkHeader {
                prev: Cell::new(self.newest.get()),
                layout,
            });
        }
        self.newest.set(Some(header));
        self.next.set(chunk.as_ptr().wrapping_add(CHUNK_OVERHEAD));
        self.end.set(chunk.as_ptr().wrapping_add(size));
        self.chunk_bytes.set(self.chunk_bytes.get() + size);
        self.chunks.set(self.chunks.get() + 1);
        Ok(())
    }

    /// Frees a block: its bytes are handed out again if it is the newest
    /// allocation (the pointer is moved back), and kept until the arena is
    /// reset or dropped otherwise.
    ///
    /// # Safety
    ///
    /// `ptr` must be a block of `layout` from this arena that is not used
    /// again.
    pub(crate) unsafe fn dealloc(&self, ptr: NonNull<u8>, layout: Layout) {
        let next = self.next.get();
        // An older chunk's blocks end before the newest chunk's header, so
        // only the newest block ends at `next`.
        if layout.size() != 0
            && (ptr.as_ptr() as usize).wrapping_add(layout.size()) == next as usize
        {
            self.next.set(next.wrapping_sub(layout.size()));
        }
    }

    /// A copy of `bytes` in the arena.
    ///
    /// # Errors
    ///
    /// As [`try_alloc`](Self::try_alloc).
    pub(crate) fn try_alloc_slice_copy(&self, bytes: &[u8]) -> Result<NonNull<[u8]>, AllocError> {
        let block = self.try_alloc(Layout::for_value(bytes))?;
        // SAFETY: `block` is a fresh block of `bytes.len()` bytes (or, for
        // none, an aligned dangling pointer), distinct from `bytes`.
        unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), block.as_ptr(), bytes.len()) };
        Ok(NonNull::slice_from_raw_parts(block, bytes.len()))
    }

    /// Frees the chunks of the list that starts at `chunk`.
    ///
    /// # Safety
    ///
    /// The list must be chunks of this arena that no other list reaches
    /// any more, and nothing may point into them.
    unsafe fn free_chunks(&self, mut chunk: Option<NonNull<ChunkHeader>>) {
        while let Some(current) = chunk {
            // SAFETY: `current` is a live chunk of this arena (the caller's
            // promise), whose header `push_chunk` wrote; it is read before
            // the chunk is freed.
            let ChunkHeader { prev, layout } = unsafe { current.as_ptr().read() };
            chunk = prev.get();
            // SAFETY: the chunk was allocated from `alloc` (or the value it
            // was moved from) with `layout`, and nothing points into it.
            unsafe { self.alloc.deallocate(current.cast(), layout) };
        }
    }
}

/// An arena at a stable address, owned: the [`Bump`] block it points to,
/// and the chunks listed there.
///
/// Held as a raw pointer rather than a `Box` so that moving the owner does
/// not assert uniqueness over memory that tables' [`ArenaRef`]s point to.
///
/// [`ArenaRef`]: super::ArenaRef
pub(crate) struct Arena<A: Allocator = Global> {
    bump: NonNull<Bump<A>>,
    _owns: PhantomData<Bump<A>>,
}

impl<A: Allocator> Arena<A> {
    /// What [`try_with_capacity`](Self::try_with_capacity)`(capacity)`
    /// holds from the allocator: the arena's state, and a chunk of
    /// `capacity` bytes of room if that is not 0.
    pub(crate) const fn size_for(capacity: usize) -> usize {
        let state = mem::size_of::<Bump<A>>();
        if capacity == 0 {
            state
        } else {
            state
                .saturating_add(CHUNK_OVERHEAD)
                .saturating_add(capacity)
        }
    }

    /// An arena on `alloc` whose first chunk has room for `capacity` bytes
    /// (no chunk for 0).
    ///
    /// Allocates nothing infallibly: if `alloc` refuses the arena's state
    /// or the chunk, the error says so and nothing is kept.
    pub(crate) fn try_with_capacity(capacity: usize, alloc: A) -> Result<Self, ArenaError> {
        let layout = Layout::new::<Bump<A>>();
        let block = alloc
            .allocate(layout)
            .map_err(|_| ArenaError::AllocFailed {
                bytes: layout.size(),
            })?;
        let bump = block.cast::<Bump<A>>();
        // SAFETY: `block` is a fresh block of `Bump<A>`'s layout, aligned
        // and unaliased: the write initialises it, and `Drop` reads the
        // allocator back out of it before freeing it with this layout.
        unsafe {
            bump.as_ptr().write(Bump {
                alloc,
                newest: Cell::new(None),
                next: Cell::new(ptr::null_mut()),
                end: Cell::new(ptr::null_mut()),
                chunk_bytes: Cell::new(0),
                chunks: Cell::new(0),
                limit: Cell::new(None),
            });
        }
        let arena = Self {
            bump,
            _owns: PhantomData,
        };
        if capacity > 0 {
            // A refusal drops `arena`, and with it the state just written.
            arena
                .bump()
                .push_chunk(capacity, mem::align_of::<ChunkHeader>())
                .map_err(|_| ArenaError::AllocFailed { bytes: capacity })?;
        }
        debug_assert_eq!(arena.bytes(), Self::size_for(capacity));
        Ok(arena)
    }

    /// The arena, for as long as `self` is borrowed.
    pub(crate) fn bump(&self) -> &Bump<A> {
        // SAFETY: `bump` was initialised in `try_with_capacity` and is freed
        // only in `Drop`; no `&mut Bump` is ever made, so a shared borrow is
        // always valid.
        unsafe { self.bump.as_ref() }
    }

    /// The address of the arena's state, for the allocator of a table that
    /// the owner of `self` stores beside it.
    pub(crate) fn state(&self) -> NonNull<Bump<A>> {
        self.bump
    }

    /// Bytes this arena holds from its allocator: its chunks and its state.
    pub(crate) fn bytes(&self) -> usize {
        self.bump().bytes()
    }

    /// Bytes of chunk room handed out, dead or alive: everything but the
    /// room left in the newest chunk.
    pub(crate) fn used(&self) -> usize {
        self.bump().used()
    }

    /// Room of every chunk, headers left out, handed out or not.
    pub(crate) fn capacity(&self) -> usize {
        self.bump().capacity()
    }

    /// Frees every chunk but the newest and rewinds that one, keeping it
    /// for the next allocations.
    ///
    /// # Safety
    ///
    /// Nothing may point into the arena any more (no key of a table, no
    /// table allocated from it).
    pub(crate) unsafe fn reset(&mut self) {
        // SAFETY: nothing points into the chunks (the caller's promise), and
        // the older ones are freed just below.
        unsafe { self.discard(Chunks::AllButNewest) };
        let bump = self.bump();
        let Some(newest) = bump.newest.get() else {
            return;
        };
        // SAFETY: `newest` is a live chunk of this arena, its header written
        // by `push_chunk`.
        let header = unsafe { newest.as_ref() };
        // SAFETY: the older chunks leave the list here, and nothing points
        // into them (the caller's promise).
        unsafe { bump.free_chunks(header.prev.take()) };
        let size = header.layout.size();
        bump.next
            .set(newest.as_ptr().cast::<u8>().wrapping_add(CHUNK_OVERHEAD));
        bump.chunk_bytes.set(size);
        bump.chunks.set(1);
    }

    /// Gives the pages of the chosen chunks back to the kernel, ahead of
    /// the chunks' return to the allocator; see [`DISCARD_FROM`].
    ///
    /// # Safety
    ///
    /// Nothing may read the chosen chunks' room again: it reads as zeros
    /// afterwards.
    unsafe fn discard(&self, which: Chunks) {
        let bump = self.bump();
        if bump.capacity() < DISCARD_FROM {
            return;
        }
        let mut chunk = bump.newest.get();
        let mut newest = true;
        while let Some(current) = chunk {
            // SAFETY: `current` is a live chunk of this arena, its header
            // written by `push_chunk`; the header is not discarded below.
            let header = unsafe { current.as_ref() };
            chunk = header.prev.get();
            if !(newest && matches!(which, Chunks::AllButNewest)) {
                let room = current.as_ptr().cast::<u8>().wrapping_add(CHUNK_OVERHEAD);
                // SAFETY: `[room, room + len)` is the chunk's room, past its
                // header, owned by the arena until it frees the chunk; the
                // caller promises that no one reads it again.
                unsafe { discard_pages(room, header.layout.size() - CHUNK_OVERHEAD) };
            }
            newest = false;
        }
    }
}

impl<A: Allocator> Drop for Arena<A> {
    fn drop(&mut self) {
        // SAFETY: the owners of `Arena` drop every borrower first (see the
        // `raw` module's docs), and the chunks are freed just below.
        unsafe { self.discard(Chunks::All) };
        let bump = self.bump();
        // SAFETY: the whole list leaves the arena here, and nothing points
        // into it any more (as above).
        unsafe { bump.free_chunks(bump.newest.take()) };
        let state = self.bump.as_ptr();
        // SAFETY: the state was initialised in `try_with_capacity`; its
        // allocator is moved out once, here, and the block is freed right
        // after without being read or dropped again (the other fields need
        // no drop).
        let alloc = unsafe { ptr::addr_of!((*state).alloc).read() };
        // SAFETY: the block was allocated from this allocator value (before
        // it was moved into the block) with this layout; nothing refers to
        // it any more.
        unsafe { alloc.deallocate(self.bump.cast(), Layout::new::<Bump<A>>()) };
    }
}

// SAFETY: an `Arena` owns its state and chunks as a `Box` would; the cells
// and chunk pointers in the state refer only to memory the arena owns, and
// move with it. The allocator moves with it too, hence `A: Send`. It is
// deliberately not `Sync`: `bump()` would let two threads allocate at once.
unsafe impl<A: Allocator + Send> Send for Arena<A> {}

/// Which chunks [`Arena::discard`] gives back.
#[derive(Clone, Copy)]
enum Chunks {
    All,
    /// Every chunk but the one a `reset` keeps.
    AllButNewest,
}

/// Arenas with at least this many bytes of chunk room give their chunks'
/// pages back to the kernel before the chunks are freed.
///
/// What an allocator does with a freed block of a few hundred KiB or a few
/// MiB is its own choice: glibc's malloc keeps it in its heap (it raises its
/// mmap threshold after a large free and trims the heap only from the top),
/// jemalloc and mimalloc keep it for a later request and purge it on a
/// timer that runs only while the program calls them. The pages of a chunk
/// are the arena's own until it frees the chunk, so the arena discards them
/// itself first (`madvise(MADV_DONTNEED)`: the range reads as zeros
/// afterwards and no longer counts in the process's resident memory),
/// whichever allocator the chunks came from. One system call a chunk, paid
/// only when an arena of this size is dropped or reset (a compaction, a
/// released clear, a dropped map), work that moved or dropped at least as
/// many bytes. Smaller arenas are left to the allocator.
const DISCARD_FROM: usize = 1 << 20;

/// Discards the whole pages inside `[start, start + len)`: their contents
/// become zeros and their memory goes back to the kernel (Linux and
/// Android; elsewhere nothing happens and the allocator decides).
///
/// # Safety
///
/// The range must be memory the caller owns and no one reads again (or
/// reads expecting anything but zeros).
unsafe fn discard_pages(start: *mut u8, len: usize) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        // The page size page-alloc reads once and keeps (a power of two).
        let Some(page) = map_core::PageAlloc::page_size() else {
            return;
        };
        let first = (start as usize).next_multiple_of(page);
        let end = (start as usize + len) & !(page - 1);
        if end > first {
            // SAFETY: the pages lie inside the caller's range, which the
            // caller owns and no one reads again; MADV_DONTNEED on private
            // anonymous memory only replaces their contents with zeros.
            // Failure (an unusual mapping) leaves the pages as they were,
            // which is harmless: they are freed right after.
            unsafe {
                libc::madvise(
                    start.wrapping_add(first - start as usize).cast(),
                    end - first,
                    libc::MADV_DONTNEED,
                );
            }
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = (start, len);
}

#[cfg(test)]
mod tests {
    //! The arena's own bookkeeping, which the maps' tests see only through
    //! their memory figures.

    use map_conformance::alloc::FailingAlloc;

    use super::*;

    fn fresh(capacity: usize) -> (Arena<FailingAlloc>, FailingAlloc) {
        let alloc = FailingAlloc::new();
        let arena = Arena::try_with_capacity(capacity, alloc.clone()).expect("granted");
        (arena, alloc)
    }

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).expect("a valid layout")
    }

    #[test]
    fn every_byte_held_is_the_allocators() {
        let (arena, alloc) = fresh(100);
        assert_eq!(arena.bytes(), Arena::<FailingAlloc>::size_for(100));
        assert_eq!(alloc.live_bytes(), arena.bytes());
        assert_eq!((arena.used(), arena.bump().room()), (0, 100));
        for _ in 0..1_000 {
            arena.bump().try_alloc(layout(24, 8)).expect("granted");
            assert_eq!(alloc.live_bytes(), arena.bytes());
        }
        assert!(arena.bump().chunks.get() > 1);
        drop(arena);
        assert_eq!(alloc.live_bytes(), 0);

        let (empty, alloc) = fresh(0);
        assert_eq!(empty.bytes(), mem::size_of::<Bump<FailingAlloc>>());
        assert_eq!(alloc.live_bytes(), empty.bytes());
        drop(empty);
        assert_eq!(alloc.live_bytes(), 0);
    }

    #[test]
    fn the_first_chunk_holds_exactly_its_capacity() {
        let (arena, _alloc) = fresh(64);
        let bump = arena.bump();
        for _ in 0..8 {
            bump.try_alloc(layout(8, 8)).expect("room");
        }
        assert_eq!((bump.chunks.get(), bump.room(), arena.used()), (1, 0, 64));
        bump.try_alloc(layout(1, 1)).expect("a new chunk");
        assert_eq!(bump.chunks.get(), 2);
    }

    #[test]
    fn growth_doubles_and_fits_a_larger_request() {
        let (arena, _alloc) = fresh(1_000);
        let bump = arena.bump();
        bump.try_alloc(layout(1_000, 1)).expect("room");
        bump.try_alloc(layout(1, 1)).expect("a new chunk");
        assert_eq!(bump.capacity(), 1_000 + 2_000);
        bump.try_alloc(layout(1_999, 1)).expect("room");
        // A request larger than twice the newest chunk gets a chunk of
        // exactly what it needs.
        bump.try_alloc(layout(10_000, 8)).expect("a new chunk");
        assert_eq!(bump.room(), 0);
        let padding = CHUNK_OVERHEAD.next_multiple_of(8) - CHUNK_OVERHEAD;
        assert_eq!(bump.capacity(), 3_000 + padding + 10_000);
        assert_eq!(
            arena.bytes(),
            mem::size_of::<Bump<FailingAlloc>>() + 3 * CHUNK_OVERHEAD + bump.capacity()
        );
    }

    #[test]
    fn mixed_layouts_are_aligned_and_disjoint() {
        let (arena, _alloc) = fresh(0);
        let mut blocks: Vec<(usize, usize)> = Vec::new();
        for i in 0..2_000usize {
            let align = 1 << (i % 8);
            let size = (i * 7) % 300 + 1;
            let block = arena
                .bump()
                .try_alloc(layout(size, align))
                .expect("granted");
            let at = block.as_ptr() as usize;
            assert_eq!(at % align, 0, "block {i}: {size} bytes aligned to {align}");
            // SAFETY: the block is `size` fresh bytes of this arena.
            unsafe { block.as_ptr().write_bytes(i as u8, size) };
            blocks.push((at, size));
        }
        blocks.sort_unstable();
        assert!(blocks.windows(2).all(|w| w[0].0 + w[0].1 <= w[1].0));
    }

    #[test]
    fn zero_sized_blocks_take_nothing() {
        let (arena, alloc) = fresh(0);
        let bump = arena.bump();
        for align in [1, 8, 4096] {
            let block = bump.try_alloc(layout(0, align)).expect("nothing to refuse");
            assert_eq!(block.as_ptr() as usize % align, 0);
            // SAFETY: a block of this layout from this arena, not used again.
            unsafe { bump.dealloc(block, layout(0, align)) };
        }
        let empty = bump.try_alloc_slice_copy(&[]).expect("nothing to refuse");
        assert!(empty.is_empty());
        assert_eq!((bump.chunks.get(), alloc.live_bytes()), (0, arena.bytes()));
    }

    #[test]
    fn only_the_newest_block_is_rewound() {
        let (arena, _alloc) = fresh(256);
        let bump = arena.bump();
        let first = bump.try_alloc(layout(16, 8)).expect("room");
        let second = bump.try_alloc(layout(16, 8)).expect("room");
        let used = arena.used();
        // SAFETY: a block of this layout from this arena, not used again.
        unsafe { bump.dealloc(first, layout(16, 8)) };
        assert_eq!(arena.used(), used, "not the newest: kept");
        // SAFETY: as above.
        unsafe { bump.dealloc(second, layout(16, 8)) };
        assert_eq!(arena.used(), used - 16, "the newest: rewound");
        let again = bump.try_alloc(layout(16, 8)).expect("room");
        assert_eq!(again, second, "its bytes are handed out again");
    }

    #[test]
    fn a_copy_holds_its_bytes() {
        let (arena, _alloc) = fresh(0);
        let bump = arena.bump();
        let copy = bump.try_alloc_slice_copy(b"arena key").expect("granted");
        let other = bump.try_alloc_slice_copy(b"another").expect("granted");
        // SAFETY: both are live copies in this arena, written above.
        let (copy, other) = unsafe { (copy.as_ref(), other.as_ref()) };
        assert_eq!((copy, other), (&b"arena key"[..], &b"another"[..]));
    }

    #[test]
    fn reset_keeps_the_newest_chunk_rewound() {
        let (mut arena, alloc) = fresh(128);
        for _ in 0..100 {
            arena.bump().try_alloc(layout(100, 4)).expect("granted");
        }
        let chunks = arena.bump().chunks.get();
        assert!(chunks > 2);
        let newest = arena.bump().newest.get().expect("a chunk");
        // SAFETY: `newest` is a live chunk; its header is read only.
        let newest_size = unsafe { newest.as_ref() }.layout.size();
        // SAFETY: nothing points into the arena.
        unsafe { arena.reset() };
        let bump = arena.bump();
        assert_eq!(bump.chunks.get(), 1);
        assert_eq!(bump.newest.get(), Some(newest));
        assert_eq!(arena.used(), 0);
        assert_eq!(bump.room(), newest_size - CHUNK_OVERHEAD);
        assert_eq!(alloc.live_bytes(), arena.bytes());
        assert_eq!(
            arena.bytes(),
            mem::size_of::<Bump<FailingAlloc>>() + newest_size
        );
        // The kept chunk serves again, from its start.
        let block = arena.bump().try_alloc(layout(1, 1)).expect("room");
        assert_eq!(
            block.as_ptr() as usize,
            newest.as_ptr() as usize + CHUNK_OVERHEAD
        );
        let mut empty = Arena::try_with_capacity(0, alloc.clone()).expect("granted");
        // SAFETY: nothing points into the arena.
        unsafe { empty.reset() };
        assert_eq!(empty.bytes(), Arena::<FailingAlloc>::size_for(0));
    }

    #[test]
    fn a_limit_caps_growth_and_refusals_keep_the_arena() {
        let (arena, alloc) = fresh(0);
        let bump = arena.bump();
        let cap = arena.bytes() + CHUNK_OVERHEAD + 100;
        bump.set_limit(Some(cap));
        // Twice nothing is MIN_GROWTH, past the limit: a chunk of exactly
        // the request is made instead.
        bump.try_alloc(layout(100, 1)).expect("within the limit");
        assert_eq!(arena.bytes(), cap);
        assert!(bump.try_alloc(layout(1, 1)).is_err());
        assert_eq!(arena.bytes(), cap);
        bump.set_limit(None);
        alloc.fail_after(0);
        assert!(bump.try_alloc(layout(1, 1)).is_err());
        assert_eq!((arena.bytes(), alloc.live_bytes()), (cap, cap));
        alloc.never_fail();
        bump.try_alloc(layout(1, 1)).expect("granted");
    }

    #[test]
    fn a_refused_arena_keeps_nothing() {
        let alloc = FailingAlloc::new();
        for granted in 0..2 {
            alloc.fail_after(granted);
            let refused = Arena::try_with_capacity(1_000, alloc.clone());
            assert!(matches!(refused, Err(ArenaError::AllocFailed { .. })));
            assert_eq!(alloc.live_bytes(), 0, "granted {granted}");
        }
    }
}
