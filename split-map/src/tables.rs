//! The storage: a directory of small hashbrown tables (extendible hashing).
//!
//! The directory has `2^depth` slots, indexed by `depth` bits of the hash
//! taken just below the seven top bits (hashbrown's tag) and far above the
//! low bits (which pick the bucket inside a table), so a table's entries
//! share their directory bits and still spread over its buckets. Each slot
//! holds the index of a table in `shards`; a table of local depth `d` owns
//! the `2^(depth - d)` consecutive slots that share its `d`-bit prefix.
//!
//! Every resize moves the entries of one table (or two siblings), never the
//! whole map: a full table at the size bound splits in two, a sparse table
//! shrinks, two sparse siblings merge, and the directory doubles or halves.
//! All of it goes through [`rebuild`], which computes every hash before the
//! first entry moves and allocates fallibly, so a panicking `Hash` or a
//! failed allocation leaves the tables as they were.
//!
//! # Headers in the directory
//!
//! A lookup reads its table's header (where its buckets are and how many)
//! from the directory slot itself, not from the table list through the
//! slot: one dependent load fewer before the first control group, and
//! fewer registers held across the probe loop. Each slot keeps an *image*
//! of its table, a bitwise copy of the `HashTable` value that is never
//! dropped and only ever searched (`find` reads the bucket mask, the
//! control bytes and the buckets; nothing else of the copy, so the copy's
//! stale entry count does not matter). That is how hashbrown 0.17's `find`
//! is written, read in its source; should a later version look at the entry
//! count (say, to return early from an empty table), lookups through an
//! image taken when its table was empty would miss the entries inserted
//! since (a map's first table is imaged empty); the crate's tests catch it
//! (such an early return fails 11 of them, in six of the test binaries).
//!
//! The images are what the module's `unsafe` blocks rest on ([`Image::of`],
//! and [`Tables::find`] reaching an image by its byte offset), with this
//! invariant: **every image is of the table its slot names, as
//! that table is now** (or there are no images at all, and lookups take the
//! slower path). Tables change allocation only in the resizes, splits,
//! merges, shrinks and releases of this module, and each of them images
//! what it changed as it goes: a table that gets a new allocation has its
//! slots pointed again ([`Tables::point`], which images the slots it
//! points), and a directory that changes size is imaged whole
//! ([`Tables::retake`]). No user code runs between a change and its
//! imaging: a resize computes every hash before the first entry moves (or,
//! for entries without drop glue, hashes them as it copies them into
//! tables no slot names yet, and changes its sources only once every copy
//! is made), a merge in place fills a table that keeps its allocation, and
//! the tables they empty drop no entry, so a panicking `Hash` leaves every
//! image true too. Debug builds check every image after every change.
//! Insertions into a table that has room, removals, `retain`, `clear` that
//! keeps the tables, and drains change the buckets' contents, never where
//! they are, so images taken before them stay valid. A lookup is `&self`
//! and every change is `&mut self`, so no image is read while its table
//! changes.
//!
//! # Vectors trimmed in place
//!
//! The directory, the images and the table list give room back where it
//! lies, through the allocator's `shrink` ([`shrink_room`], the module's
//! other `unsafe` block): a page-backed block loses its tail pages, where a
//! copy into a new block would map and fill one (a copy of the table list
//! of a map draining from 10,000,000 entries took 0.14-0.18 ms, the longest
//! removal then).
//!
//! # A large reservation asks first
//!
//! A table allocates its room in one block, so a reservation past what the
//! allocator can give fails at once. Tables of at most 128 KiB each would
//! instead take block after block until the memory ran out. So a
//! reservation of more than [`PROBE_BYTES`] of room first asks for the
//! block one table of that room would take, and gives it straight back
//! ([`Tables::probe`], an `unsafe` block of its own).

use core::alloc::Layout;
use core::mem::{self, ManuallyDrop, MaybeUninit};
use core::ptr::{self, NonNull};

use allocator_api2::alloc::Allocator;
use allocator_api2::vec::Vec;
use hashbrown::{hash_table, HashTable, TryReserveError};
use map_core::toolkit::table::{self, bucket_capacity, buckets_for, try_with_capacity_in};
use map_core::toolkit::{Piece, Place};
use map_core::ReclaimPolicy;

/// The most bytes one table's buckets take before it splits instead of
/// growing: the bound on the work of any single resize (see the crate docs
/// for how it was chosen).
pub(crate) const MAX_TABLE_BYTES: usize = 128 * 1024;

/// The most bytes of buckets a merged table may take to merge two small
/// tables whatever their sizes: a merge that moves at most a few pages of
/// entries.
const SMALL_TABLE_BYTES: usize = 16 * 1024;

/// Buckets of a small table for entries of type `T` (see
/// [`SMALL_TABLE_BYTES`]): at least 16.
const fn small_buckets<T>() -> usize {
    buckets_within::<T>(SMALL_TABLE_BYTES, 16)
}

/// Buckets of the largest table for entries of type `T`: at least 64,
/// whatever the entry size.
pub(crate) const fn max_buckets<T>() -> usize {
    buckets_within::<T>(MAX_TABLE_BYTES, 64)
}

/// The size bound of a growing table while the map has `tables` tables:
/// [`max_buckets`] from [`SPARE_FROM`] tables on, half of it below. A
/// smaller map keeps no spare, so each of its splits allocates two tables
/// and unmaps one: at the full bound they took longer than a larger map's
/// splits (which fill the spare), and were the longest inserts of a map
/// grown from empty. Half as large, they take less.
pub(crate) fn bound_buckets<T>(tables: usize) -> usize {
    let max = max_buckets::<T>();
    if tables >= SPARE_FROM {
        max
    } else {
        (max / 2).max(16).min(max)
    }
}

/// The most buckets of entries of type `T`, a power of two, that `bytes`
/// hold, and at least `min` (a power of two).
const fn buckets_within<T>(bytes: usize, min: usize) -> usize {
    let size = if mem::size_of::<T>() == 0 {
        1
    } else {
        mem::size_of::<T>()
    };
    let buckets = bytes / size;
    if buckets < min {
        min
    } else {
        1 << (usize::BITS - 1 - buckets.leading_zeros())
    }
}

/// The directory never grows past this many bits: far more tables than
/// memory can hold, and the bits stay clear of a table's bucket bits.
const MAX_DEPTH: u32 = 40;

/// The directory slot of `hash` at `depth` bits: the bits just below
/// hashbrown's 7-bit tag.
#[inline(always)]
pub(crate) fn slot(hash: u64, depth: u32) -> usize {
    // In 64 bits, so that no depth up to `MAX_DEPTH` overflows the mask on
    // a 32-bit target.
    ((hash >> (57 - depth)) & ((1u64 << depth) - 1)) as usize
}

/// One table and where it sits in the directory. A cache line each, so
/// that a lookup reads its table's header from one line and finds it with
/// a shift.
#[repr(align(64))]
pub(crate) struct Shard<T, A: Allocator> {
    pub(crate) table: HashTable<T, A>,
    /// Local depth: how many directory bits its entries share.
    depth: u32,
    /// Those bits.
    prefix: usize,
    /// A removal that leaves `table.len()` at or below this looks at
    /// shrinking the table or merging it with its sibling.
    pub(crate) check_below: usize,
}

/// A table's header as a lookup reads it from a directory slot: a bitwise
/// image of the table, never dropped, only searched (see the module docs).
struct Image<T, A: Allocator>(ManuallyDrop<HashTable<T, A>>);

impl<T, A: Allocator> Image<T, A> {
    /// Whether an image's byte offset in the directory can be taken from a
    /// hash with a shift and a mask: its size is a power of two (four words
    /// on a zero-sized allocator), small enough that the shift stays within
    /// the hash's directory bits at any depth.
    const BY_OFFSET: bool =
        mem::size_of::<Self>().is_power_of_two() && Self::SHIFT <= 57 - MAX_DEPTH;
    /// The base-2 logarithm of an image's size, when a power of two.
    const SHIFT: u32 = mem::size_of::<Self>().trailing_zeros();

    /// An image of `table` as it is now.
    fn of(table: &HashTable<T, A>) -> Self {
        // SAFETY: `table` is a live `HashTable`, and the copy is never
        // dropped (`ManuallyDrop`, and `Image` has no `Drop`) or mutated:
        // the only use of an image is `find` through `&self` in
        // `Tables::find`, which reads the bucket mask, the control bytes
        // and the buckets through the copied pointer. Those stay where the
        // copy points for as long as the image is kept, because every
        // change of a table's allocation, or of which table a slot names,
        // images the slots it changed before any lookup or user code can
        // run (see the module docs); and lookups take `&self` while changes
        // take `&mut self`, so the table does not change during a lookup
        // through its image.
        Self(ManuallyDrop::new(unsafe { ptr::read(table) }))
    }
}

impl<T: Clone, A: Allocator + Clone> Clone for Shard<T, A> {
    fn clone(&self) -> Self {
        Self {
            table: self.table.clone(),
            depth: self.depth,
            prefix: self.prefix,
            check_below: self.check_below,
        }
    }
}

/// A copy of every table in its place, under the same directory: the
/// entries hash the same in the copy (its map's hasher is a clone), so
/// nothing is rehashed. The spare tables are not copied.
impl<T: Clone, A: Allocator + Clone> Clone for Tables<T, A> {
    fn clone(&self) -> Self {
        let mut copy = Self {
            dir: self.dir.clone(),
            shards: self.shards.clone(),
            depth: self.depth,
            deepest: self.deepest,
            len: self.len,
            capacity: self.capacity,
            spares: [None, None],
            images: Vec::new_in(self.alloc.clone()),
            slots: Slots::NONE,
            prepared: 0,
            alloc: self.alloc.clone(),
        };
        copy.retake();
        copy
    }
}

impl<T, A: Allocator> Shard<T, A> {
    /// Its place in the directory: its identity while it lives.
    fn place(&self) -> Place {
        Place {
            depth: self.depth,
            prefix: self.prefix,
        }
    }

    fn new(table: HashTable<T, A>, depth: u32, prefix: usize) -> Self {
        let check_below = first_check(&table);
        Self {
            table,
            depth,
            prefix,
            check_below,
        }
    }

    /// Whether the table is within [`AHEAD_ENTRIES`] of full (see
    /// [`Tables::insert_new`]).
    #[inline(always)]
    pub(crate) fn is_near_full(&self) -> bool {
        table::free_slots(&self.table) <= AHEAD_ENTRIES
    }

    /// Whether an insert may take the hot path: the table has room for it
    /// and is not at the size bound within [`AHEAD_ENTRIES`] of full. A
    /// table that is splits soon, and inserts into it take the cold path,
    /// which readies the split's tables ([`Tables::insert_new`]). One test of
    /// the free slots decides for a table with room to spare.
    #[inline(always)]
    pub(crate) fn has_room_to_spare(&self) -> bool {
        !self.is_near_full()
            || (self.table.len() < self.table.capacity()
                && self.table.num_buckets() != max_buckets::<T>())
    }

    /// Whether a removal left the table at or below `check_below`: the
    /// policy looks at it.
    #[inline(always)]
    pub(crate) fn is_sparse(&self) -> bool {
        self.table.len() <= self.check_below
    }

    /// Entries the table holds before it must grow.
    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        bucket_capacity(self.table.num_buckets())
    }

    /// The next removal looks at the policy again (below the entries held
    /// now, and no later than half full).
    fn recheck(&mut self) {
        self.check_below = first_check(&self.table).min(self.table.len().saturating_sub(1));
    }
}

/// Half full is where a table first may merge with an empty sibling.
fn first_check<T, A: Allocator>(table: &HashTable<T, A>) -> usize {
    bucket_capacity(table.num_buckets()) / 2
}

/// How a lookup finds its slot: a hash shifted right by `dir_shift` and
/// masked with `dir_mask` is its directory slot, and shifted by
/// `image_shift` and masked with `image_mask` its image's byte offset (with
/// [`Image::BY_OFFSET`]). Derived from the depth, the directory's length
/// and the images' count, and set by [`Tables::retake`], which every change
/// of any of them ends with.
#[derive(Clone, Copy)]
struct Slots {
    /// `57 - depth` (see [`slot`]).
    dir_shift: u32,
    /// `dir.len() - 1`, wrapping: all ones for an empty directory.
    dir_mask: usize,
    image_shift: u32,
    /// `(images.len() - 1) << Image::SHIFT`; 0 without images.
    image_mask: usize,
}

impl Slots {
    /// No directory and no images.
    const NONE: Self = Self {
        dir_shift: 57,
        dir_mask: usize::MAX,
        image_shift: 0,
        image_mask: 0,
    };

    fn of<T, A: Allocator>(depth: u32, dir_len: usize, images: usize) -> Self {
        let shift = Image::<T, A>::SHIFT;
        let (image_shift, image_mask) = if Image::<T, A>::BY_OFFSET && images > 0 {
            (57 - (depth + shift), (images - 1) << shift)
        } else {
            (0, 0)
        };
        Self {
            dir_shift: 57 - depth,
            dir_mask: dir_len.wrapping_sub(1),
            image_shift,
            image_mask,
        }
    }
}

/// The tables and their directory.
pub(crate) struct Tables<T, A: Allocator + Clone> {
    /// `2^depth` slots, or none while `depth` is 0.
    dir: Vec<u32, A>,
    /// Outside this module a table is searched, filled within its room,
    /// emptied or drained, never moved or replaced: the directory's images
    /// rest on it (see the module docs).
    pub(crate) shards: Vec<Shard<T, A>, A>,
    depth: u32,
    /// How many tables have local depth `depth`: the directory halves when
    /// none has.
    deepest: usize,
    pub(crate) len: usize,
    /// The sum of the tables' capacities.
    capacity: usize,
    /// Empty tables of the size bound for the next split to fill instead
    /// of allocating: the table the last split emptied, and one mapped
    /// ahead by an insert into a nearly full table at the bound
    /// ([`Tables::near_full`]), so that a split maps nothing. Kept only
    /// while growing a map of [`SPARE_FROM`] tables or more (the second
    /// from [`AHEAD_FROM`]); any shrink gives them back.
    spares: [Option<HashTable<T, A>>; 2],
    /// One image per directory slot (one for a single table without a
    /// directory), or none: then lookups go through `dir` and `shards`.
    /// Its room may be larger, up to four times the slots: a growing map
    /// reserves the next doubling's room early and writes it a few pages
    /// per split ([`Tables::prepare_images`]), so that the doubling finds
    /// its pages in memory; a halving directory keeps its room.
    images: Vec<Image<T, A>, A>,
    /// How a lookup finds its directory slot and its image from a hash,
    /// worked out once per directory change rather than per lookup.
    slots: Slots,
    /// How many images' worth of `images`' allocation has been written (its
    /// pages are in memory): at least `images.len()`.
    prepared: usize,
    pub(crate) alloc: A,
}

/// The most tables whose list a merge trims itself (4 KiB of list with
/// `Shard`s of a cache line); longer lists wait for a look that merges
/// nothing.
const TRIM_IN_MERGE_MAX: usize = 64;

/// Bytes of the next doubling's images written per split (see
/// [`Tables::prepare_images`]): two pages.
const PREPARED_PER_SPLIT: usize = 8 * 1024;

/// The fewest tables for which a split keeps its emptied table as the
/// spare: one table more in 16 or more (at most 6%).
const SPARE_FROM: usize = 16;

/// The fewest tables for which a nearly full table at the size bound maps
/// a second spare ahead of its split, so that the split maps nothing:
/// two tables more in 64 or more (at most 3%).
const AHEAD_FROM: usize = 64;

/// How close to full a table at the size bound is when an insert into it
/// maps the second spare ([`Tables::near_full`]).
const AHEAD_ENTRIES: usize = 32;

/// The room a reservation may add before [`Tables::probe`] asks the
/// allocator whether it could give it whole: far above what a map fills
/// by inserts between two reservations, so that only large ones pay for
/// the probe (an allocation given back untouched: a mapping and an unmap).
const PROBE_BYTES: usize = 64 << 20;

/// What a resize could not do.
pub(crate) type Grow = Result<(), TryReserveError>;

impl<T, A: Allocator + Clone> Tables<T, A> {
    pub(crate) const fn new_in(alloc: A) -> Self
    where
        A: Copy,
    {
        Self {
            dir: Vec::new_in(alloc),
            shards: Vec::new_in(alloc),
            depth: 0,
            deepest: 0,
            len: 0,
            capacity: 0,
            spares: [None, None],
            images: Vec::new_in(alloc),
            slots: Slots::NONE,
            prepared: 0,
            alloc,
        }
    }

    /// An empty storage on any allocator.
    pub(crate) fn empty_in(alloc: A) -> Self {
        Self {
            dir: Vec::new_in(alloc.clone()),
            shards: Vec::new_in(alloc.clone()),
            depth: 0,
            deepest: 0,
            len: 0,
            capacity: 0,
            spares: [None, None],
            images: Vec::new_in(alloc.clone()),
            slots: Slots::NONE,
            prepared: 0,
            alloc,
        }
    }

    /// Images every table in its directory slots again (see the module
    /// docs): after the directory changes size. The images' room is kept
    /// while it holds the slots and is at most four times their number
    /// (the room a growing map prepared, or a halved directory's); above
    /// that it is shrunk in place to twice the slots, and below the slots a
    /// block of their size replaces it. If that block cannot be allocated,
    /// no image is kept and lookups take the slower path.
    fn retake(&mut self) {
        // Images own nothing: emptying the vector forgets them.
        self.images.clear();
        let slots = self.slots();
        if self.images.capacity() > 4 * slots {
            // Emptied above: the room given back holds no image. Moved or
            // not, the block's room is counted unwritten again (a shrinking
            // map prepares nothing, and a few pages written twice cost
            // less than tracking where the allocator put them).
            shrink_room(&mut self.images, 2 * slots, &self.alloc);
            self.prepared = 0;
        }
        if self.images.capacity() < slots {
            self.images = Vec::new_in(self.alloc.clone());
            self.prepared = 0;
            // Written whole at once: a page-backed block is populated in one
            // call rather than faulted in page by page.
            let images = &mut self.images;
            if table::filling::<Image<T, A>, _>(slots, slots, || images.try_reserve_exact(slots))
                .is_err()
            {
                self.locate();
                return;
            }
        }
        for slot in 0..slots {
            self.images.push(Image::of(self.table_at(slot)));
        }
        self.prepared = self.prepared.max(slots);
        self.locate();
    }

    /// Works out how a lookup finds its slot and image (see [`Slots`]).
    fn locate(&mut self) {
        self.slots = Slots::of::<T, A>(self.depth, self.dir.len(), self.images.len());
    }

    /// Readies the images' room for the next doubling of the directory
    /// (twice the slots), a little at a time: called after each split of
    /// a growing map, it reserves that room once (a page-backed block
    /// grows by `mremap`, its new pages untouched) and then writes
    /// [`PREPARED_PER_SPLIT`] bytes more of it. The doubling then writes
    /// its images into pages already in memory instead of faulting in (or
    /// populating) a block twice the size of the last; with hashes spread
    /// evenly the directory doubles after about as many splits as it has
    /// slots, far more than the few dozen this takes. A refused
    /// reservation leaves the room as it was.
    fn prepare_images(&mut self) {
        let slots = self.images.len();
        let next = 2 * slots;
        if slots == 0 || self.prepared >= next {
            return;
        }
        if self.images.capacity() < next {
            if self.images.try_reserve_exact(next - slots).is_err() {
                return;
            }
            // Moved or grown: what lies past the images is new.
            self.prepared = slots;
        }
        let per_split = (PREPARED_PER_SPLIT / mem::size_of::<Image<T, A>>()).max(1);
        let from = self.prepared - slots;
        let to = (from + per_split).min(next - slots);
        for image in &mut self.images.spare_capacity_mut()[from..to] {
            *image = MaybeUninit::zeroed();
        }
        self.prepared = slots + to;
    }

    /// How many slots the images have when kept: one per directory slot,
    /// one for a lone table without a directory, none without tables.
    fn slots(&self) -> usize {
        if self.shards.is_empty() {
            0
        } else {
            self.dir.len().max(1)
        }
    }

    /// The table directory slot `slot` names (the lone table at depth 0).
    fn table_at(&self, slot: usize) -> &HashTable<T, A> {
        &self.shards[self.dir.get(slot).map_or(0, |&i| i as usize)].table
    }

    /// Whether every image is of the table its slot names, as that table is
    /// now, or there are none (see the module docs): the same bucket count,
    /// and the first entry at the same address (debug checks, tests).
    fn images_are_current(&self) -> bool {
        if self.images.is_empty() {
            return true;
        }
        self.images.len() == self.slots()
            && self.images.iter().enumerate().all(|(slot, image)| {
                let table = self.table_at(slot);
                let image = &*image.0;
                image.num_buckets() == table.num_buckets()
                    && (table.is_empty()
                        || table::next_occupied(table, &mut 0).is_some_and(|bucket| {
                            match (image.get_bucket(bucket), table.get_bucket(bucket)) {
                                (Some(seen), Some(held)) => ptr::eq(seen, held),
                                _ => false,
                            }
                        }))
            })
    }

    /// Runs `change`, one of the changes that may move tables, then images
    /// every slot if the images' room was refused before, and checks every
    /// image (debug builds; see the module docs).
    fn imaged<R>(&mut self, change: impl FnOnce(&mut Self) -> R) -> R {
        let result = change(self);
        if self.images.is_empty() && !self.shards.is_empty() {
            // The allocator refused the images' room at the last directory
            // change: ask again, so lookups do not stay on the slow path
            // until the next one.
            self.retake();
        }
        debug_assert!(self.images_are_current());
        result
    }

    /// The entry `eq` accepts among those of `hash`: through the table's
    /// image in its directory slot (one load), or, with no images, through
    /// the directory and the table list.
    #[inline(always)]
    pub(crate) fn find(&self, hash: u64, eq: impl FnMut(&T) -> bool) -> Option<&T> {
        let slots = self.images.len();
        if slots == 0 {
            return self.find_slowly(hash, eq);
        }
        if !Image::<T, A>::BY_OFFSET {
            return self.images[self.slot_in(hash, slots)].0.find(hash, eq);
        }
        // The slot's byte offset straight from the hash: the directory bits
        // of `SHIFT` more levels, masked to the slot's own, instead of a slot
        // index scaled by the image's size. A lookup is bound by its cache
        // misses, and it overlaps fewer of them the more instructions each
        // one takes.
        let offset = (hash >> self.slots.image_shift) as usize & self.slots.image_mask;
        // The same slot as `slot_in` picks, since `slots` is a power of two
        // (one image per directory slot, `2^depth` of them, or one without
        // a directory).
        let shift = Image::<T, A>::SHIFT;
        debug_assert!(slots.is_power_of_two());
        debug_assert_eq!(self.slots.image_mask, (slots - 1) << shift);
        debug_assert_eq!(offset, self.slot_in(hash, slots) << shift);
        // SAFETY: `image_mask` is `(slots - 1) << shift`: `locate` sets it
        // from the images' count at the end of `retake`, the only
        // place images are added or taken away (checked above in debug
        // builds). Masked by it, `offset` is at most that and has its low
        // `shift` bits clear: a multiple of the image's size (`1 << shift`)
        // below `slots` images, so the start of an image in `images`, which
        // `&self` keeps alive and unchanged. This holds for any `slots` of
        // at least one.
        let image = unsafe {
            &*self
                .images
                .as_ptr()
                .cast::<u8>()
                .add(offset)
                .cast::<Image<T, A>>()
        };
        image.0.find(hash, eq)
    }

    #[cold]
    #[inline(never)]
    fn find_slowly(&self, hash: u64, eq: impl FnMut(&T) -> bool) -> Option<&T> {
        self.shards.get(self.index(hash))?.table.find(hash, eq)
    }

    /// Replaces the table of shard `i`, keeping the capacity sum.
    fn set_table(&mut self, i: usize, table: HashTable<T, A>) {
        let shard = &mut self.shards[i];
        self.capacity = self.capacity - shard.capacity() + bucket_capacity(table.num_buckets());
        shard.table = table;
        shard.check_below = first_check(&shard.table);
        self.point(i);
    }

    /// The index in `shards` of the table `hash` belongs to (0 when there is
    /// no table yet: callers check `shards.get`).
    #[inline(always)]
    pub(crate) fn index(&self, hash: u64) -> usize {
        debug_assert_eq!(self.slots.dir_mask, self.dir.len().wrapping_sub(1));
        if self.dir.is_empty() {
            return 0;
        }
        let slot = (hash >> self.slots.dir_shift) as usize & self.slots.dir_mask;
        // SAFETY: `dir_mask` is `dir.len() - 1` (`locate` sets it at
        // the end of `retake`, which every change of the directory's length
        // ends with; checked above in debug builds), and the directory is
        // not empty: masked by it, `slot` is below the length.
        unsafe { *self.dir.get_unchecked(slot) as usize }
    }

    /// The table `hash` belongs to and its index in `shards`, if there is
    /// one yet.
    ///
    /// A map that is one table has no directory; then the table list is
    /// tested for that table directly (two tests, no index into it).
    #[inline(always)]
    pub(crate) fn shard_mut(&mut self, hash: u64) -> Option<(usize, &mut Shard<T, A>)> {
        if self.dir.is_empty() {
            return self.shards.first_mut().map(|shard| (0, shard));
        }
        let i = self.index(hash);
        self.shards.get_mut(i).map(|shard| (i, shard))
    }

    /// The slot of `hash` in a vector of `len` slots, `2^depth` or none:
    /// masked with the length less one, the bits are the slot (or anything,
    /// for an empty vector), and the caller's bounds check becomes a test
    /// for an empty vector.
    #[inline(always)]
    fn slot_in(&self, hash: u64, len: usize) -> usize {
        debug_assert_eq!(self.slots.dir_shift, 57 - self.depth);
        (hash >> self.slots.dir_shift) as usize & len.wrapping_sub(1)
    }

    /// Entries all tables hold before one of them must grow or split.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Bytes held from the allocator: the tables, the directory, its
    /// images and the table list.
    pub(crate) fn allocated_bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.table.allocation_size())
            .sum::<usize>()
            + self
                .spares
                .iter()
                .flatten()
                .map(HashTable::allocation_size)
                .sum::<usize>()
            + self.dir.capacity() * mem::size_of::<u32>()
            + self.images.capacity() * mem::size_of::<Image<T, A>>()
            + self.shards.capacity() * mem::size_of::<Shard<T, A>>()
    }

    /// Number of tables.
    pub(crate) fn table_count(&self) -> usize {
        self.shards.len()
    }

    /// Points the slots of table `index` (those its prefix at its local
    /// depth covers) to it, and images it in them: every change of a
    /// table's allocation ends here (see the module docs).
    fn point(&mut self, index: usize) {
        let Shard { prefix, depth, .. } = self.shards[index];
        let span = 1usize << (self.depth - depth);
        let start = prefix << (self.depth - depth);
        if self.depth > 0 {
            for slot in &mut self.dir[start..start + span] {
                *slot = index as u32;
            }
        }
        // The images, if kept, are one per slot (one for a lone table).
        if let Some(images) = self.images.get_mut(start..start + span) {
            let table = &self.shards[index].table;
            for image in images {
                *image = Image::of(table);
            }
        }
    }

    /// Doubles the directory: each slot becomes two.
    fn double_dir(&mut self) -> Grow {
        let old = self.dir.len().max(1);
        self.dir
            .try_reserve_exact(old * 2 - self.dir.len())
            .map_err(vec_error)?;
        if self.dir.is_empty() {
            self.dir.push(0);
        }
        self.dir.resize(old * 2, 0);
        for i in (0..old).rev() {
            let v = self.dir[i];
            self.dir[2 * i] = v;
            self.dir[2 * i + 1] = v;
        }
        self.depth += 1;
        // Every table is one level above the new depth.
        self.deepest = 0;
        self.retake();
        Ok(())
    }

    /// Halves the directory while no table uses its last bit.
    fn halve_dir(&mut self) {
        let mut halved = false;
        while self.depth > 0 && self.deepest == 0 {
            let half = self.dir.len() / 2;
            for i in 0..half {
                self.dir[i] = self.dir[2 * i];
            }
            self.dir.truncate(if half == 1 { 0 } else { half });
            self.depth -= 1;
            // Counted once per halving, which is rare; a merge that does
            // not halve only reads the count.
            self.deepest = self.shards.iter().filter(|s| s.depth == self.depth).count();
            halved = true;
        }
        if halved {
            shrink_room(&mut self.dir, 0, &self.alloc);
            self.retake();
        }
    }

    /// Whether merges have left the table list at a quarter of its
    /// capacity or less.
    fn list_is_oversized(&self) -> bool {
        self.shards.capacity() > 4 * self.shards.len().max(1)
    }

    /// Gives back the room of an oversized table list, keeping room for
    /// twice the tables. Whether it did (a refused allocation keeps the
    /// list as it was).
    fn trim_shards(&mut self) -> bool {
        let capacity = self.shards.capacity();
        if self.list_is_oversized() {
            let len = self.shards.len();
            shrink_room(&mut self.shards, 2 * len, &self.alloc);
        }
        self.shards.capacity() != capacity
    }

    /// The first table, for the first insert.
    fn first_table(&mut self, capacity: usize) -> Grow {
        debug_assert!(self.shards.is_empty());
        self.shards.try_reserve(1).map_err(vec_error)?;
        let table = try_with_capacity_in(self.alloc.clone(), capacity)?;
        self.capacity = bucket_capacity(table.num_buckets());
        self.shards.push(Shard::new(table, 0, 0));
        self.deepest = 1;
        self.retake();
        Ok(())
    }

    /// Makes room for one more entry in the table `hash` belongs to:
    /// grows it while it is under the size bound, splits it at the bound
    /// (or rehashes it at the same size when deleted slots filled it).
    /// Each step moves at most one table's entries, and each step makes
    /// progress: a resize leaves room for at least one more entry (a table
    /// with no buckets, which an emptied table or an empty half of a split
    /// is, gets some), and a split deepens the directory, which is bounded.
    ///
    /// Returns the index in `shards` of the table with room, for
    /// [`Tables::insert_new`].
    #[inline]
    pub(crate) fn make_room(
        &mut self,
        hash: u64,
        hasher: &impl Fn(&T) -> u64,
    ) -> Result<usize, TryReserveError> {
        let i = self.index(hash);
        if let Some(shard) = self.shards.get(i) {
            if table::free_slots(&shard.table) != 0 {
                return Ok(i);
            }
        }
        self.imaged(|tables| tables.grow_for(hash, hasher))?;
        Ok(self.index(hash))
    }

    /// Inserts `item`, whose key is absent, into table `i`, where
    /// [`Tables::make_room`] made room for it (and which it returned): the
    /// entry. An insert that will leave its table within [`AHEAD_ENTRIES`]
    /// of full first readies the next split's tables
    /// ([`Tables::near_full`]); the entry is counted once nothing before
    /// the insert can fail (readying clones the allocator, user code).
    #[inline(always)]
    pub(crate) fn insert_new(
        &mut self,
        i: usize,
        hash: u64,
        item: T,
        hasher: impl Fn(&T) -> u64,
    ) -> hash_table::OccupiedEntry<'_, T, A> {
        debug_assert_eq!(i, self.index(hash), "not the key's table");
        // Within `AHEAD_ENTRIES` of full after this insert.
        if table::free_slots(&self.shards[i].table) <= AHEAD_ENTRIES + 1 {
            self.near_full(i);
        }
        self.len += 1;
        self.shards[i].table.insert_unique(hash, item, hasher)
    }

    /// An insert left table `i` within [`AHEAD_ENTRIES`] of full: if it is
    /// at the size bound, its split is near, and the spares it will fill
    /// are mapped now (one in a map of [`SPARE_FROM`] tables or more, two
    /// from [`AHEAD_FROM`]), instead of by the split (mapping and
    /// populating a table is a third of a split's time). Mapping one is
    /// itself an insert's longest step, but half a split's.
    #[cold]
    #[inline(never)]
    fn near_full(&mut self, i: usize) {
        let tables = self.shards.len();
        if self.shards[i].table.num_buckets() == max_buckets::<T>() && tables >= SPARE_FROM {
            self.ready_spares(if tables >= AHEAD_FROM { 2 } else { 1 });
        }
    }

    /// [`Tables::make_room`] for a table that has none.
    #[cold]
    #[inline(never)]
    fn grow_for(&mut self, hash: u64, hasher: &impl Fn(&T) -> u64) -> Grow {
        if self.shards.is_empty() {
            return self.first_table(3);
        }
        // Steps are bounded by the splits (at most `MAX_DEPTH`) and the
        // doublings (at most one per bit of `usize`); a debug build says
        // so loudly if a change ever breaks that.
        let mut steps = 0u32;
        loop {
            steps += 1;
            debug_assert!(
                steps <= 2 * (MAX_DEPTH + usize::BITS),
                "make_room made no progress"
            );
            let i = self.index(hash);
            let shard = &self.shards[i];
            let len = shard.table.len();
            if len < shard.table.capacity() {
                return Ok(());
            }
            let buckets = shard.table.num_buckets();
            let room = bucket_capacity(buckets);
            let bound = bound_buckets::<T>(self.shards.len());
            if len <= room / 2 || (buckets >= bound && len <= room / 4 * 3) {
                // Deleted slots, not entries, filled it (or it has no
                // buckets): same size, fresh, and room for one more. At the
                // size bound, also up to three quarters full of entries: split,
                // its halves would be sparse enough to merge back.
                self.resize(i, room.max(len + 1), hasher)?;
                self.hold_after_growth(i);
            } else if buckets < bound {
                self.double(i, hasher)?;
            } else if !self.split(i, hasher)? {
                // The hashes do not separate (or the directory is at its
                // bound): grow past the bound rather than fail.
                self.double(i, hasher)?;
            }
        }
    }

    /// Moves table `i` into a fresh table with room for `capacity`.
    /// The spare is left for the next split: a split fills two tables, a
    /// resize one.
    fn resize(&mut self, i: usize, capacity: usize, hasher: &impl Fn(&T) -> u64) -> Grow {
        self.resize_into(i, capacity, None, hasher)
    }

    /// [`Tables::resize`], into `room` if given: an empty table of the
    /// right size allocated beforehand (moved into as a spare is).
    fn resize_into(
        &mut self,
        i: usize,
        capacity: usize,
        room: Option<HashTable<T, A>>,
        hasher: &impl Fn(&T) -> u64,
    ) -> Grow {
        let [table, _] = rebuild(
            &mut self.shards[i].table,
            None,
            hasher,
            (1, |_| 0),
            |_, count| count.max(capacity),
            (&self.alloc, &mut [room]),
        )?;
        self.set_table(i, table);
        Ok(())
    }

    /// Doubles table `i`, which is full. A table also fills up when deleted
    /// slots use up its room, holding then little more than half of it, so
    /// the doubled table may be sparse enough for the policy at once: its
    /// next look waits until a fifth of its entries are gone (the
    /// hysteresis).
    fn double(&mut self, i: usize, hasher: &impl Fn(&T) -> u64) -> Grow {
        let buckets = self.shards[i].table.num_buckets();
        self.resize(i, bucket_capacity(buckets * 2), hasher)?;
        self.hold_after_growth(i);
        Ok(())
    }

    /// Maps spare tables of the size bound, populated, until there are
    /// `count` (one or two): [`Tables::near_full`] readies them before a
    /// split, and each split leaves the table it emptied as one. Without
    /// them the first split at the bound mapped both of its tables (the
    /// longest insert of a growth from empty, 0.24-0.29 ms at 112,262
    /// entries). A refused allocation only leaves the split to map its
    /// tables itself.
    fn ready_spares(&mut self, count: usize) {
        let room = bucket_capacity(max_buckets::<T>());
        let alloc = &self.alloc;
        while self.spares.iter().flatten().count() < count {
            let Some(free) = self.spares.iter_mut().find(|spare| spare.is_none()) else {
                return;
            };
            match table::filling::<T, _>(room, room, || try_with_capacity_in(alloc.clone(), room)) {
                Ok(table) => *free = Some(table),
                Err(_) => return,
            }
        }
    }

    /// Gives the spares back (the map is no longer growing); whether there
    /// were any.
    fn drop_spares(&mut self) -> bool {
        let had = self.spares.iter().any(Option::is_some);
        self.spares = [None, None];
        had
    }

    /// Table `i`, just made by a growth (a doubling, a half of a split, or
    /// a rehash at its size when deleted slots used up its room), looks at
    /// the policy again only once a fifth of its entries are gone (the
    /// hysteresis). A table that grew because deleted slots used up
    /// its room held little more than half of it, so what the growth made
    /// may be sparse enough for the policy at its first removal.
    fn hold_after_growth(&mut self, i: usize) {
        let shard = &mut self.shards[i];
        let len = shard.table.len();
        shard.check_below = shard.check_below.min(len - len.div_ceil(5));
    }

    /// Splits table `i` in two by its next directory bit, each half in a
    /// table of the size bound ([`bound_buckets`], at least the table's own
    /// size). `Ok(false)`, nothing changed, if the table is at the
    /// directory's depth bound or [`Tables::split_with`] refuses the split
    /// (keys whose hashes do not separate). An empty half allocates
    /// nothing.
    fn split(&mut self, i: usize, hasher: &impl Fn(&T) -> u64) -> Result<bool, TryReserveError> {
        let depth = self.shards[i].depth;
        if depth >= MAX_DEPTH {
            return Ok(false);
        }
        let buckets = bound_buckets::<T>(self.shards.len()).max(self.shards[i].table.num_buckets());
        let room = bucket_capacity(buckets);
        let split = self.split_with(
            i,
            hasher,
            |count| {
                if count == 0 {
                    0
                } else {
                    count.max(room)
                }
            },
        )?;
        if split {
            // The halves: table `i` and the one the split added last.
            self.hold_after_growth(i);
            self.hold_after_growth(self.shards.len() - 1);
        }
        Ok(split)
    }

    /// Splits table `i`, sizing each half with `capacity(entries)`.
    /// `Ok(false)`, nothing changed, for a split that would double a
    /// directory already 64 times larger than the table list: hashes that
    /// do not separate (keys whose hashes share all the directory's bits)
    /// would double it again at every split.
    fn split_with(
        &mut self,
        i: usize,
        hasher: &impl Fn(&T) -> u64,
        capacity: impl Fn(usize) -> usize,
    ) -> Result<bool, TryReserveError> {
        let depth = self.shards[i].depth;
        // Room for this split's table and the next one's: the list grows
        // one split early, so its growth (a copy of the list) never falls
        // on the split that also doubles the directory. With hashes spread
        // evenly, the split that fills the list to a power of two splits a
        // table below the directory's depth, and the next one doubles it.
        self.shards.try_reserve(2).map_err(vec_error)?;
        let doubles = depth == self.depth;
        if doubles {
            // Past this size, tables grow instead.
            if (2usize << self.depth) > 64 * (self.shards.len() + 1) {
                return Ok(false);
            }
            self.double_dir()?;
        }
        let split_bit = |hash: u64| slot(hash, depth + 1) & 1;
        let result = rebuild(
            &mut self.shards[i].table,
            None,
            hasher,
            (2, split_bit),
            |_, count| capacity(count),
            (&self.alloc, &mut self.spares),
        );
        let [zeros, ones] = match result {
            Ok(tables) => tables,
            Err(e) => {
                self.halve_dir();
                return Err(e);
            }
        };
        let prefix = self.shards[i].prefix;
        self.capacity = self.capacity - self.shards[i].capacity()
            + bucket_capacity(zeros.num_buckets())
            + bucket_capacity(ones.num_buckets());
        let emptied = mem::replace(
            &mut self.shards[i],
            Shard::new(zeros, depth + 1, prefix << 1),
        );
        let new = self.shards.len();
        self.shards
            .push(Shard::new(ones, depth + 1, (prefix << 1) | 1));
        if depth + 1 == self.depth {
            self.deepest += 2;
        }
        self.point(i);
        self.point(new);
        if !doubles {
            // Not on top of a doubling, the longest split already.
            self.prepare_images();
        }
        if self.shards.len() >= SPARE_FROM && emptied.table.num_buckets() == max_buckets::<T>() {
            if let Some(free) = self.spares.iter_mut().find(|spare| spare.is_none()) {
                *free = Some(emptied.table);
            }
        }
        Ok(true)
    }

    /// The sibling of table `i` (the table whose prefix differs in the last
    /// bit), if it has the same depth.
    fn sibling(&self, i: usize) -> Option<usize> {
        let shard = &self.shards[i];
        if shard.depth == 0 {
            return None;
        }
        let prefix = shard.prefix ^ 1;
        let j = self.dir[prefix << (self.depth - shard.depth)] as usize;
        (self.shards[j].depth == shard.depth).then_some(j)
    }

    /// Merges table `i` with its sibling `j` into one table with room for
    /// `capacity`, one level up; halves the directory if it can. Returns
    /// the merged table's index.
    fn merge(
        &mut self,
        i: usize,
        j: usize,
        capacity: usize,
        hasher: &impl Fn(&T) -> u64,
    ) -> Result<usize, TryReserveError> {
        let (low, high) = if self.shards[i].prefix & 1 == 0 {
            (i, j)
        } else {
            (j, i)
        };
        // A shrinking map keeps no spare.
        self.drop_spares();
        let before = self.shards[low].capacity() + self.shards[high].capacity();
        let merged = match self.merge_in_place(low, high, capacity, hasher) {
            Some(merged) => merged?,
            None => {
                let (a, b) = two_mut(&mut self.shards, low, high);
                let [merged, _] = rebuild(
                    &mut a.table,
                    Some(&mut b.table),
                    hasher,
                    (1, |_| 0),
                    |_, count| count.max(capacity),
                    (&self.alloc, &mut []),
                )?;
                merged
            }
        };
        let depth = self.shards[low].depth - 1;
        if depth + 1 == self.depth {
            self.deepest -= 2;
        }
        let prefix = self.shards[low].prefix >> 1;
        self.capacity = self.capacity - before + bucket_capacity(merged.num_buckets());
        self.shards[low] = Shard::new(merged, depth, prefix);
        self.point(low);
        // `high` is empty now; the last table takes its place.
        drop(self.shards.swap_remove(high));
        let mut at = low;
        if high < self.shards.len() {
            self.point(high);
            if at == self.shards.len() {
                at = high;
            }
        }
        self.halve_dir();
        // A short list is trimmed here; a long one (a copy of tens of
        // KiB) at the next look that changes nothing, so that its copy
        // does not add to a merge's pause.
        if self.shards.len() <= TRIM_IN_MERGE_MAX {
            self.trim_shards();
        }
        Ok(at)
    }

    /// Merges tables `low` and `high` without a new table when one of them
    /// already has the merged size (room for their entries and `capacity`)
    /// and room for the other's entries without rehashing: only the other
    /// table's entries move, and nothing is allocated but a list of their
    /// hashes (or, for entries without drop glue, of the buckets they took).
    /// Returns the merged table, taken out of its shard; `None` (nothing
    /// done) when neither table fits.
    ///
    /// A panicking `hasher` leaves both tables as they were: every hash is
    /// computed before the first entry moves, or, for entries without drop
    /// glue, the entries copied so far are taken out of the kept table
    /// again ([`Placed`]).
    fn merge_in_place(
        &mut self,
        low: usize,
        high: usize,
        capacity: usize,
        hasher: &impl Fn(&T) -> u64,
    ) -> Option<Result<HashTable<T, A>, TryReserveError>> {
        let (a, b) = two_mut(&mut self.shards, low, high);
        let want = buckets_for::<T>((a.table.len() + b.table.len()).max(capacity));
        // `capacity() - len()` is what a table takes without rehashing.
        let fits = |keep: &HashTable<T, A>, give: &HashTable<T, A>| {
            keep.num_buckets() == want && keep.capacity() - keep.len() >= give.len()
        };
        // The fuller table stays where both fit: fewer entries move.
        let (keep, give) = match (fits(&a.table, &b.table), fits(&b.table, &a.table)) {
            (true, true) if a.table.len() >= b.table.len() => (a, b),
            (_, true) => (b, a),
            (true, false) => (a, b),
            (false, false) => return None,
        };
        if !mem::needs_drop::<T>() {
            // Copied in one pass, hashed as they move, the buckets they
            // took kept to take them out again if `hasher` panics.
            let mut placed = Placed {
                table: &mut keep.table,
                buckets: Vec::new_in(self.alloc.clone()),
                done: false,
            };
            if let Err(e) = placed.buckets.try_reserve_exact(give.table.len()) {
                return Some(Err(vec_error(e)));
            }
            // If `hasher` panics, `placed` takes the copies out of `keep`.
            copy_into(&mut give.table, hasher, |hash, item| {
                let bucket = placed
                    .table
                    .insert_unique(hash, item, |_| unreachable_hash())
                    .bucket_index();
                placed.buckets.push(bucket);
            });
            placed.done = true;
            drop(placed);
            give.table.clear();
        } else {
            // `fits` tested the room.
            if let Err(e) =
                table::drain_planned(&mut give.table, &mut keep.table, hasher, self.alloc.clone())
            {
                return Some(Err(vec_error(e)));
            }
        }
        Some(Ok(mem::replace(
            &mut keep.table,
            HashTable::new_in(self.alloc.clone()),
        )))
    }

    /// After a removal left table `i` at or below its `check_below`: merges
    /// it with its sibling or shrinks it, as `policy` says, never taking
    /// the total capacity below `floor`. Each step moves at most two
    /// tables' entries. Returns the bytes held before, if anything changed
    /// (summed over the tables only once a change is about to be tried:
    /// most looks change nothing).
    pub(crate) fn after_sparse_remove(
        &mut self,
        i: usize,
        policy: &ReclaimPolicy,
        floor: usize,
        hasher: &impl Fn(&T) -> u64,
    ) -> Option<usize> {
        self.imaged(|tables| tables.apply_policy(i, policy, floor, hasher))
    }

    /// [`Tables::after_sparse_remove`]'s merges and shrinks.
    fn apply_policy(
        &mut self,
        mut i: usize,
        policy: &ReclaimPolicy,
        floor: usize,
        hasher: &impl Fn(&T) -> u64,
    ) -> Option<usize> {
        if !policy.is_automatic() {
            self.shards[i].check_below = 0;
            return None;
        }
        let mut changed = false;
        let mut before = None;
        if self.spares.iter().any(Option::is_some) {
            // Removals made a table sparse: the map is no longer growing.
            before = Some(self.allocated_bytes());
            self.drop_spares();
            changed = true;
        }
        // Merge while the merged table fits where the larger one did and
        // frees at least half a bucket per entry it moves, or is small: two
        // small tables that have each shrunk could otherwise never merge,
        // and a map drained by a bulk `retain` would keep many of them,
        // each with its own header, slots and control bytes.
        while let Some(j) = self.sibling(i) {
            let (a, b) = (&self.shards[i], &self.shards[j]);
            let len = a.table.len() + b.table.len();
            let Some(room) = room_for(policy, len) else {
                break;
            };
            let room = if len == 0 { 0 } else { room };
            let merged = buckets_for::<T>(room);
            let (ba, bb) = (a.table.num_buckets(), b.table.num_buckets());
            let small = merged <= small_buckets::<T>();
            if (!small && (merged > ba.max(bb) || ba + bb < merged + len / 2))
                || !self.floor_allows(floor, a.capacity() + b.capacity(), room)
            {
                break;
            }
            before.get_or_insert_with(|| self.allocated_bytes());
            match self.merge(i, j, room, hasher) {
                Ok(at) => {
                    i = at;
                    changed = true;
                }
                Err(_) => break,
            }
        }
        let shard = &self.shards[i];
        let len = shard.table.len();
        let capacity = shard.capacity();
        // An empty table gives its whole allocation back.
        let target = if len == 0 {
            Some(0)
        } else {
            policy.shrink_target(len, capacity)
        };
        if let Some(target) = target {
            if self.floor_allows(floor, capacity, target) {
                before.get_or_insert_with(|| self.allocated_bytes());
                changed |= self.shrink_table(i, target, hasher);
            }
        }
        if changed {
            self.shards[i].recheck();
            return before;
        }
        // Look again once a quarter of what remains has gone, or as soon as
        // the table is sparse by the policy's `shrink_ratio`, if that comes
        // first: a drain that stops in between must not leave a sparse
        // table behind.
        let sparse = (capacity as f64 / policy.shrink_ratio()) as usize;
        self.shards[i].check_below = (len * 3 / 4).max(sparse).min(len.saturating_sub(1));
        // The trim a merge of a long list left for a look like this one.
        if self.list_is_oversized() {
            let before = self.allocated_bytes();
            if self.trim_shards() {
                return Some(before);
            }
        }
        None
    }

    /// Whether replacing tables of `capacity` entries by one of `room`
    /// keeps the total at or above `floor`.
    fn floor_allows(&self, floor: usize, capacity: usize, room: usize) -> bool {
        self.capacity - capacity + bucket_capacity(buckets_for::<T>(room)) >= floor
    }

    /// Shrinks table `i` to room for `target` entries (0: no allocation).
    fn shrink_table(&mut self, i: usize, target: usize, hasher: &impl Fn(&T) -> u64) -> bool {
        let before = self.shards[i].capacity();
        let shard = &mut self.shards[i];
        if map_core::toolkit::table::try_shrink(&mut shard.table, target, hasher).is_err() {
            return false;
        }
        self.capacity = self.capacity - before + shard.capacity();
        self.point(i);
        true
    }

    /// Room for `additional` more entries, spread as the directory spreads
    /// hashes: each table gets room for its share (splitting tables whose
    /// share is past the size bound). Refused, it keeps every entry; the
    /// splits made before the refusal stay (their halves hold just their
    /// entries), the grown tables' room does not.
    pub(crate) fn reserve(&mut self, additional: usize, hasher: &impl Fn(&T) -> u64) -> Grow {
        if additional == 0 {
            return Ok(());
        }
        self.probe(additional)?;
        self.imaged(|tables| tables.reserve_shares(additional, hasher))
    }

    /// Before a reservation that adds more than [`PROBE_BYTES`] of room:
    /// asks the allocator for the block one hashbrown table with room for
    /// all the entries would take, and gives it back at once. A request
    /// the allocator cannot grant whole (more than the machine has) then
    /// fails with nothing changed, as that table's allocation would,
    /// instead of after taking table after table (seconds of work,
    /// gigabytes held after the error, or, where the kernel overcommits,
    /// the OOM killer).
    fn probe(&self, additional: usize) -> Grow {
        let entries = self.len.saturating_add(additional);
        let adds = entries.saturating_sub(self.capacity);
        if adds.saturating_mul(mem::size_of::<T>()) <= PROBE_BYTES {
            return Ok(());
        }
        let Some(layout) = table::layout_for::<T>(entries)? else {
            return Ok(());
        };
        let Ok(block) = self.alloc.allocate(layout) else {
            return Err(TryReserveError::AllocError { layout });
        };
        // The block escapes to `black_box` before it goes back: an
        // allocation freed unused may otherwise be removed by the
        // optimiser, which then assumes it succeeded (it did, in release
        // builds on the global allocator), and the probe would ask nothing.
        let block = core::hint::black_box(block);
        // SAFETY: `block` was just allocated by `self.alloc` with `layout`,
        // and nothing else holds it (`black_box` returns it unchanged).
        unsafe { self.alloc.deallocate(block.cast(), layout) };
        Ok(())
    }

    /// [`Tables::reserve`] for a non-zero `additional`.
    fn reserve_shares(&mut self, additional: usize, hasher: &impl Fn(&T) -> u64) -> Grow {
        if self.shards.is_empty() {
            self.first_table(0)?;
        }
        let bound = bucket_capacity(max_buckets::<T>());
        let need = |shard: &Shard<T, A>| {
            shard
                .table
                .len()
                .saturating_add(share(additional, shard.depth))
        };
        // Splits first, into two tables that just hold what is there. A
        // split refused (the keys' hashes do not separate) leaves its table
        // to take its share past the size bound, as a growing one does.
        let mut i = 0;
        while i < self.shards.len() {
            let shard = &self.shards[i];
            if need(shard) > bound
                && shard.depth < MAX_DEPTH
                && self.split_with(i, hasher, |count| count)?
            {
                continue;
            }
            i += 1;
        }
        // Then every table's room, all of it allocated before any entry
        // moves: a refusal gives all of it back, and the tables keep their
        // entries and their size, as one table's refused growth would.
        let grows = self
            .shards
            .iter()
            .filter(|shard| need(shard) > shard.table.capacity())
            .count();
        let mut rooms = Vec::new_in(self.alloc.clone());
        rooms.try_reserve_exact(grows).map_err(vec_error)?;
        for (i, shard) in self.shards.iter().enumerate() {
            let need = need(shard);
            if need > shard.table.capacity() {
                let room = table::filling::<T, _>(shard.table.len(), need, || {
                    try_with_capacity_in(self.alloc.clone(), need)
                })?;
                rooms.push((i, need, room));
            }
        }
        for (i, need, room) in rooms {
            self.resize_into(i, need, Some(room), hasher)?;
        }
        Ok(())
    }

    /// Shrinks every table towards room for its share of `capacity` (never
    /// below its entries), then merges siblings whose entries fit one
    /// table of the size bound: `shrink_to`, `shrink_to_fit`, `reclaim`.
    pub(crate) fn shrink_all(&mut self, capacity: usize, hasher: &impl Fn(&T) -> u64) -> bool {
        self.imaged(|tables| tables.shrink_and_merge(capacity, hasher))
    }

    /// [`Tables::shrink_all`]'s merges and shrinks.
    fn shrink_and_merge(&mut self, capacity: usize, hasher: &impl Fn(&T) -> u64) -> bool {
        let bound = bucket_capacity(max_buckets::<T>());
        let mut changed = self.drop_spares();
        // Merge first, so entries move once more at most; a merge moves the
        // last table into the freed place, so passes repeat while any merge
        // happened.
        loop {
            let tables = self.shards.len();
            let mut i = 0;
            while i < self.shards.len() {
                if let Some(j) = self.sibling(i) {
                    let len = self.shards[i].table.len() + self.shards[j].table.len();
                    let want = len.max(share(capacity, self.shards[i].depth - 1));
                    if want <= bound {
                        if let Ok(at) = self.merge(i, j, want, hasher) {
                            changed = true;
                            i = at;
                            continue;
                        }
                    }
                }
                i += 1;
            }
            if self.shards.len() == tables {
                break;
            }
        }
        for i in 0..self.shards.len() {
            let shard = &self.shards[i];
            let want = shard.table.len().max(share(capacity, shard.depth));
            if self.shrink_table(i, want, hasher) {
                changed = true;
            }
            self.shards[i].recheck();
        }
        changed |= self.trim_shards();
        if self.len == 0 && capacity == 0 && !self.shards.is_empty() {
            self.release();
            changed = true;
        }
        changed
    }

    /// Drops every entry. `keep` keeps every table (and the directory) for
    /// a refill; otherwise everything goes back to the allocator.
    pub(crate) fn clear(&mut self, keep: bool) {
        if keep {
            // Counted empty before any entry's `Drop` runs.
            self.len = 0;
            for shard in self.shards.iter_mut() {
                shard.table.clear();
                shard.check_below = 0;
            }
        } else {
            self.release();
        }
    }

    /// Gives every table and the directory back. Entries are dropped after
    /// the tables are detached, so a panicking `Drop` leaves an empty map.
    fn release(&mut self) {
        drop(self.take());
    }

    /// The tables and the entry count, for a drain that keeps the tables
    /// (where they are: see `shards`).
    pub(crate) fn drain_parts(&mut self) -> (&mut [Shard<T, A>], &mut usize) {
        (&mut self.shards, &mut self.len)
    }

    /// Every table looks at the policy again at its next removal (after a
    /// change of policy).
    pub(crate) fn reset_checks(&mut self) {
        self.shards.iter_mut().for_each(Shard::recheck);
    }

    /// Takes the tables out, leaving an empty storage.
    pub(crate) fn take(&mut self) -> Vec<Shard<T, A>, A> {
        let shards = mem::replace(&mut self.shards, Vec::new_in(self.alloc.clone()));
        self.drop_spares();
        self.dir = Vec::new_in(self.alloc.clone());
        self.depth = 0;
        self.deepest = 0;
        self.len = 0;
        self.capacity = 0;
        // No tables, so no images: none is left pointing at the tables that
        // leave.
        self.retake();
        shards
    }

    /// Each table as a piece: its place, its bytes and its entries.
    pub(crate) fn pieces(&self, mut f: impl FnMut(Piece)) {
        for s in &self.shards {
            f(Piece {
                place: s.place(),
                bytes: s.table.allocation_size(),
                len: s.table.len(),
            });
        }
    }

    /// The place in the directory of the table `hash` goes to, if any.
    pub(crate) fn place_of(&self, hash: u64) -> Option<Place> {
        self.shards.get(self.index(hash)).map(Shard::place)
    }

    /// Checks the directory's invariants (tests).
    #[cfg(test)]
    pub(crate) fn check(&self) {
        assert_eq!(
            self.len,
            self.shards.iter().map(|s| s.table.len()).sum::<usize>()
        );
        assert_eq!(
            self.capacity,
            self.shards.iter().map(Shard::capacity).sum::<usize>()
        );
        assert!(self.images_are_current());
        assert_eq!(
            self.deepest,
            self.shards.iter().filter(|s| s.depth == self.depth).count()
        );
        for spare in self.spares.iter().flatten() {
            assert!(spare.is_empty());
            assert_eq!(spare.num_buckets(), max_buckets::<T>());
        }
        assert!(self.prepared >= self.images.len());
        assert!(self.prepared <= self.images.capacity());
        assert_eq!(
            self.images.len(),
            self.slots(),
            "this test allocates them all"
        );
        if self.depth == 0 {
            assert!(self.dir.is_empty());
            assert!(self.shards.len() <= 1);
            return;
        }
        assert_eq!(self.dir.len(), 1 << self.depth);
        for (i, shard) in self.shards.iter().enumerate() {
            assert!(shard.depth <= self.depth);
            let span = 1usize << (self.depth - shard.depth);
            let start = shard.prefix << (self.depth - shard.depth);
            assert!(self.dir[start..start + span]
                .iter()
                .all(|&s| s as usize == i));
        }
        let covered: usize = self
            .shards
            .iter()
            .map(|s| 1usize << (self.depth - s.depth))
            .sum();
        assert_eq!(covered, self.dir.len());
    }
}

/// Room for `len` entries with the policy's headroom (`None` under the
/// manual policy).
fn room_for(policy: &ReclaimPolicy, len: usize) -> Option<usize> {
    policy.shrink_target(len, usize::MAX)
}

/// Gives back the room of `items` past `capacity` (at least their number)
/// where it lies, through the allocator's `shrink`: a page-backed block
/// loses its tail pages and nothing moves, where a new block would be
/// mapped, filled and the old one unmapped (the longest removals of a
/// large map draining were such copies of the table list). If the
/// allocator refuses, `items` keeps its room; `Vec::shrink_to` would abort.
fn shrink_room<X, A: Allocator + Clone>(items: &mut Vec<X, A>, capacity: usize, alloc: &A) {
    let capacity = capacity.max(items.len());
    let room = items.capacity();
    if capacity >= room || mem::size_of::<X>() == 0 {
        return;
    }
    if capacity == 0 {
        // Nothing is held: the block goes back whole.
        *items = Vec::new_in(alloc.clone());
        return;
    }
    let (Ok(old), Ok(new)) = (Layout::array::<X>(room), Layout::array::<X>(capacity)) else {
        return;
    };
    let (ptr, len, room, alloc) =
        mem::replace(items, Vec::new_in(alloc.clone())).into_raw_parts_with_alloc();
    // SAFETY: a vector's pointer is never null.
    let block = unsafe { NonNull::new_unchecked(ptr) };
    // SAFETY: `block` is the vector's buffer: allocated by `alloc` with the
    // layout of `room` elements (`old`; `room` is not zero and `X` not
    // zero-sized, so it was allocated), and `new` has the same alignment
    // and a size no larger.
    let (ptr, room) = match unsafe { alloc.shrink(block.cast(), old, new) } {
        Ok(shrunk) => (shrunk.as_ptr().cast::<X>(), capacity),
        Err(_) => (ptr, room),
    };
    // SAFETY: `ptr` is a block from `alloc` fitting the layout of `room`
    // elements (the shrunk block, or the vector's own if the allocator
    // refused), whose first `len` elements are the vector's, initialized
    // (`shrink` keeps the first `new.size()` bytes, `len <= capacity`).
    *items = unsafe { Vec::from_raw_parts_in(ptr, len, room, alloc) };
}

/// A table's share of `n` at local depth `depth`, rounded up.
fn share(n: usize, depth: u32) -> usize {
    if depth >= usize::BITS {
        return usize::from(n > 0);
    }
    n.div_ceil(1usize << depth)
}

/// A vector's reservation failure, as hashbrown reports one.
fn vec_error(e: allocator_api2::collections::TryReserveError) -> TryReserveError {
    match e.kind() {
        allocator_api2::collections::TryReserveErrorKind::CapacityOverflow => {
            TryReserveError::CapacityOverflow
        }
        allocator_api2::collections::TryReserveErrorKind::AllocError { layout, .. } => {
            TryReserveError::AllocError { layout }
        }
    }
}

/// Two distinct elements of a slice, mutably.
fn two_mut<X>(items: &mut [X], a: usize, b: usize) -> (&mut X, &mut X) {
    debug_assert!(a != b);
    if a < b {
        let (left, right) = items.split_at_mut(b);
        (&mut left[a], &mut right[0])
    } else {
        let (left, right) = items.split_at_mut(a);
        (&mut right[0], &mut left[b])
    }
}

/// Moves every entry of `first` (and `second`) into `targets.0` (1 or 2)
/// fresh tables: an entry goes to table `targets.1(hash)`, and table `r` is
/// allocated with room for `capacity(r, entries routed to r)`.
///
/// A panic in `hasher` or a failed allocation returns with the sources
/// untouched. The sources are left empty (still allocated) on success.
///
/// Entries without drop glue are copied into the targets in one pass, each
/// hashed as it moves, and the sources then emptied without reading them
/// ([`copy_into`]); a move costs about two thirds of what it costs in
/// the general way below, where every hash is computed (into a plan)
/// before anything is allocated or moved, and every allocation happens
/// before the first entry moves.
fn rebuild<T, A: Allocator + Clone>(
    first: &mut HashTable<T, A>,
    mut second: Option<&mut HashTable<T, A>>,
    hasher: &impl Fn(&T) -> u64,
    (targets, route): (usize, impl Fn(u64) -> usize),
    capacity: impl Fn(usize, usize) -> usize,
    (alloc, spares): (&A, &mut [Option<HashTable<T, A>>]),
) -> Result<[HashTable<T, A>; 2], TryReserveError> {
    let total = first.len() + second.as_ref().map_or(0, |t| t.len());
    // The copy sizes every target before it knows how many entries each
    // takes: only where no count but zero changes a target's size (one
    // target, or halves sized to the bound).
    if !mem::needs_drop::<T>()
        && (targets == 1 || (0..targets).all(|r| capacity(r, 1) == capacity(r, total)))
    {
        let per_target = total.div_ceil(targets);
        let mut tables = [
            fresh_table(capacity(0, total), per_target, alloc, spares)?,
            if targets == 2 {
                fresh_table(capacity(1, total), per_target, alloc, spares)?
            } else {
                HashTable::new_in(alloc.clone())
            },
        ];
        let mut place = |hash: u64, item: T| {
            let target = &mut tables[route(hash)];
            debug_assert!(target.len() < target.capacity());
            target.insert_unique(hash, item, |_| unreachable_hash());
        };
        copy_into(first, hasher, &mut place);
        if let Some(second) = second.as_deref_mut() {
            copy_into(second, hasher, &mut place);
        }
        // Copied: the sources' entries are bits no one reads again.
        first.clear();
        if let Some(second) = second {
            second.clear();
        }
        for (r, table) in tables.iter_mut().enumerate() {
            if table.is_empty() && capacity(r, 0) == 0 {
                // An empty half holds no allocation, as below.
                *table = HashTable::new_in(alloc.clone());
            }
        }
        return Ok(tables);
    }
    // Phase 1: every entry's hash, in bucket order; user code runs only here.
    let mut plan: Vec<u64, A> = Vec::new_in(alloc.clone());
    plan.try_reserve_exact(total).map_err(vec_error)?;
    let mut counts = [0usize; 2];
    let mut plan_table = |table: &HashTable<T, A>, plan: &mut Vec<u64, A>| {
        for item in table.iter() {
            let hash = hasher(item);
            counts[route(hash)] += 1;
            plan.push(hash);
        }
    };
    plan_table(first, &mut plan);
    let split_at = plan.len();
    if let Some(second) = second.as_deref() {
        plan_table(second, &mut plan);
    }
    // Phase 2: allocate, or fill the spare where it has the right size.
    let mut targets = [
        fresh_table(capacity(0, counts[0]), counts[0], alloc, spares)?,
        if targets == 2 {
            fresh_table(capacity(1, counts[1]), counts[1], alloc, spares)?
        } else {
            HashTable::new_in(alloc.clone())
        },
    ];
    // Phase 3: move. Every target has room, so `insert_unique` never calls
    // its hasher, and nothing here runs user code. `drain` yields the
    // entries in bucket order, the order `iter` planned them in.
    let (first_plan, second_plan) = plan.split_at(split_at);
    for (item, &hash) in first.drain().zip(first_plan) {
        targets[route(hash)].insert_unique(hash, item, |_| unreachable_hash());
    }
    if let Some(second) = second {
        for (item, &hash) in second.drain().zip(second_plan) {
            targets[route(hash)].insert_unique(hash, item, |_| unreachable_hash());
        }
    }
    Ok(targets)
}

/// An empty table with room for `capacity` entries (none for 0) that
/// `entries` are about to fill: a spare of that size if there is one, or a
/// new table, populated when the entries fill it (`table::filling`).
fn fresh_table<T, A: Allocator + Clone>(
    capacity: usize,
    entries: usize,
    alloc: &A,
    spares: &mut [Option<HashTable<T, A>>],
) -> Result<HashTable<T, A>, TryReserveError> {
    let fits = |spare: &Option<HashTable<T, A>>| {
        spare
            .as_ref()
            .is_some_and(|table| capacity > 0 && table.num_buckets() == buckets_for::<T>(capacity))
    };
    match spares
        .iter_mut()
        .find(|spare| fits(spare))
        .and_then(Option::take)
    {
        Some(table) => Ok(table),
        None => table::filling::<T, _>(entries, capacity, || {
            try_with_capacity_in(alloc.clone(), capacity)
        }),
    }
}

/// The buckets of `table` that a merge in place has copied entries into:
/// unless `done`, dropping it (a panicking hasher's unwind) takes those
/// entries out again, so that `table` holds what it held before.
struct Placed<'a, T, A: Allocator> {
    table: &'a mut HashTable<T, A>,
    buckets: Vec<usize, A>,
    done: bool,
}

impl<T, A: Allocator> Drop for Placed<'_, T, A> {
    fn drop(&mut self) {
        if !self.done {
            for &bucket in self.buckets.iter() {
                // A copy whose original is still in the other table: taken
                // out and dropped, which for `T` without drop glue reads
                // nothing.
                drop(table::remove_bucket(self.table, bucket));
            }
        }
    }
}

/// Copies every entry of `source` out, hashing each as it goes, and hands
/// it with its hash to `place`, which puts it into a table with room for it
/// (no user code runs there). `source` is left as it was: its entries are
/// then in two places, and the caller must empty `source` without reading
/// them (`clear`, which for `T` without drop glue reads no entry) before
/// anything else sees it.
///
/// If `hasher` panics, `source` still holds every entry, and the tables
/// `place` filled hold copies of some: the caller drops those tables (a
/// fresh target, as the unwind does; a spare taken as one is freed with
/// it) or takes the copies out again ([`Placed`]); either reads nothing,
/// so the copies vanish and the sources stay whole.
///
/// # Panics
///
/// In debug builds, if `T` has drop glue (the copies would be dropped twice).
fn copy_into<T, A: Allocator>(
    source: &mut HashTable<T, A>,
    hasher: &impl Fn(&T) -> u64,
    mut place: impl FnMut(u64, T),
) {
    debug_assert!(!mem::needs_drop::<T>());
    for item in source.iter_mut() {
        let hash = hasher(item);
        // SAFETY: `item` is a live entry of `source`, read through a
        // unique borrow, and only one of its two copies is ever used: on
        // success the placed one (the caller clears `source`, which for `T`
        // without drop glue frees the slots without reading them, before
        // anything else reads `source`); if `hasher` panics, the source's
        // (the caller drops the placed copies or takes them out, which
        // reads no entry either).
        let moved = unsafe { ptr::read(item) };
        place(hash, moved);
    }
}

#[cold]
fn unreachable_hash() -> u64 {
    unreachable!("a table sized for its entries never rehashes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use allocator_api2::alloc::Global;
    use map_core::ReclaimPolicy;

    fn hash(k: &u64) -> u64 {
        // A strong mix, so the directory bits and the tags are spread.
        let mut x = k.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        x ^= x >> 29;
        x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x ^ (x >> 32)
    }

    fn insert(t: &mut Tables<u64, Global>, k: u64) {
        let h = hash(&k);
        if t.find(h, |x| *x == k).is_some() {
            return;
        }
        let i = t.make_room(h, &hash).unwrap();
        t.insert_new(i, h, k, hash);
    }

    fn spares(t: &Tables<u64, Global>) -> usize {
        t.spares.iter().flatten().count()
    }

    fn remove(t: &mut Tables<u64, Global>, k: u64, policy: &ReclaimPolicy) -> bool {
        let h = hash(&k);
        let i = t.index(h);
        let Some(shard) = t.shards.get_mut(i) else {
            return false;
        };
        let Ok(entry) = shard.table.find_entry(h, |x| *x == k) else {
            return false;
        };
        entry.remove();
        t.len -= 1;
        if shard.is_sparse() {
            let _ = t.after_sparse_remove(i, policy, 0, &hash);
        }
        true
    }

    /// A hasher that panics partway through a reserve, after some tables
    /// have already moved to larger ones, leaves every directory slot with
    /// an image of its table where it is now (a stale image would read a
    /// freed table: AddressSanitizer reports it).
    #[test]
    fn images_follow_the_tables_a_panicking_change_moved() {
        let mut t: Tables<u64, Global> = Tables::new_in(Global);
        for k in 0..20_000 {
            insert(&mut t, k);
        }
        let calls = core::cell::Cell::new(0usize);
        let counting = |k: &u64| {
            calls.set(calls.get() + 1);
            hash(k)
        };
        let mut dry = t.clone();
        dry.reserve(200_000, &counting).unwrap();
        let total = calls.replace(0);
        let panicking = |k: &u64| {
            calls.set(calls.get() + 1);
            assert!(calls.get() < total / 2, "the hasher gives up");
            hash(k)
        };
        let held = t.allocated_bytes();
        let unwound = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| {
            t.reserve(200_000, &panicking)
        }));
        assert!(unwound.is_err());
        assert_ne!(t.allocated_bytes(), held, "tables moved before the panic");
        t.check();
        for k in 0..20_000 {
            assert_eq!(t.find(hash(&k), |x| *x == k), Some(&k));
        }
    }

    /// Once the tables are given back (a clear that keeps nothing, or a
    /// take), lookups find nothing, and read no image of a freed table
    /// (AddressSanitizer would report the read).
    #[test]
    fn lookups_after_the_tables_leave_find_nothing() {
        for keep in [false, true] {
            let mut t: Tables<u64, Global> = Tables::new_in(Global);
            for k in 0..20_000 {
                insert(&mut t, k);
            }
            if keep {
                drop(t.take());
            } else {
                t.clear(false);
            }
            t.check();
            for k in 0..20_000 {
                assert_eq!(t.find(hash(&k), |x| *x == k), None);
            }
            insert(&mut t, 7);
            t.check();
            assert_eq!(t.find(hash(&7), |x| *x == 7), Some(&7));
        }
    }

    /// With no images (their room could not be allocated), lookups go
    /// through the directory and the table list, and find the same.
    #[test]
    fn lookups_without_images_go_through_the_directory() {
        let mut t: Tables<u64, Global> = Tables::new_in(Global);
        for k in 0..20_000 {
            insert(&mut t, k);
        }
        assert!(t.table_count() > 1);
        // Just past a doubling of the directory, so that the next change
        // leaves it as it is.
        let mut k = 20_000;
        let slots = t.slots();
        while t.slots() == slots {
            insert(&mut t, k);
            k += 1;
        }
        t.images = Vec::new_in(Global);
        for k in 0..k {
            assert_eq!(t.find(hash(&k), |x| *x == k), Some(&k));
            assert_eq!(
                t.find(hash(&((k + 1) << 40)), |x| *x == (k + 1) << 40),
                None
            );
        }
        // The next change that moves a table images every slot again.
        let (capacity, slots) = (t.capacity(), t.slots());
        while t.capacity() == capacity {
            insert(&mut t, k);
            k += 1;
        }
        assert_eq!(t.slots(), slots, "the directory changed size");
        assert_eq!(t.images.len(), t.slots());
        assert!(t.images_are_current());
        assert!((0..k).all(|k| t.find(hash(&k), |x| *x == k) == Some(&k)));
        let mut none: Tables<u64, Global> = Tables::new_in(Global);
        assert_eq!(none.find(hash(&1), |_| true), None);
        none.retake();
        assert!(none.images.is_empty(), "no tables, no images");
    }

    #[test]
    fn slots_use_the_bits_below_the_tag() {
        assert_eq!(slot(u64::MAX, 0), 0);
        assert_eq!(slot(1 << 56, 1), 1, "bit 56 is the first directory bit");
        assert_eq!(slot(1 << 57, 1), 0, "the tag's bits are not used");
        assert_eq!(slot((1 << 56) | (1 << 55), 2), 3);
    }

    #[test]
    fn max_buckets_bounds_the_table_bytes() {
        assert_eq!(max_buckets::<(u64, u64)>(), 8192);
        assert_eq!(max_buckets::<(u64, [u8; 128])>(), 512);
        assert_eq!(max_buckets::<[u8; 1 << 20]>(), 64);
        assert_eq!(max_buckets::<()>(), 1 << 17);
    }

    /// A growing map of 16 tables or more fills the table a split emptied
    /// at its next split instead of allocating one, counts it while it
    /// waits, and gives it back at the first removal that finds a table
    /// sparse; a smaller map keeps none.
    #[test]
    fn a_split_keeps_one_emptied_table_for_the_next_while_growing() {
        let policy = ReclaimPolicy::automatic();
        let tables_bytes = |t: &Tables<u64, Global>| -> usize {
            t.shards.iter().map(|s| s.table.allocation_size()).sum()
        };
        let mut t = Tables::new_in(Global);
        let mut k = 0;
        while t.table_count() < SPARE_FROM - 1 {
            insert(&mut t, k);
            k += 1;
        }
        assert_eq!(spares(&t), 0, "{} tables keep no spare", t.table_count());
        let mut seen = 0;
        while t.table_count() < 4 * SPARE_FROM {
            let before = t.table_count();
            insert(&mut t, k);
            k += 1;
            t.check();
            // From 16 tables the size bound is the full one, so the table
            // a split empties has the size bound's buckets.
            if t.table_count() > before && before >= SPARE_FROM {
                assert!(spares(&t) >= 1, "a split at 16 tables keeps a spare");
                seen += 1;
            }
            let spare: usize = t
                .spares
                .iter()
                .flatten()
                .map(HashTable::allocation_size)
                .sum();
            assert!(t.allocated_bytes() >= tables_bytes(&t) + spare);
        }
        assert!(seen >= SPARE_FROM, "{seen} splits kept a spare");
        // Removals until one finds its table sparse: the spares go.
        let held = t.allocated_bytes();
        let mut r = 0;
        while spares(&t) > 0 {
            assert!(remove(&mut t, r, &policy));
            r += 1;
        }
        assert!(t.allocated_bytes() < held);
        t.check();
        for j in r..k {
            assert!(t.find(hash(&j), |x| *x == j).is_some());
        }
    }

    /// Splits ready the images' room for the next doubling of the
    /// directory, which then writes its images where they were prepared
    /// instead of allocating; a halving keeps that room.
    #[test]
    fn the_next_doubling_writes_the_images_in_room_prepared_by_the_splits() {
        let mut t: Tables<u64, Global> = Tables::new_in(Global);
        let mut k = 0;
        // Past two doublings of a directory of 64 slots or more, so that
        // the splits between them prepared the second's room.
        while t.slots() < 128 {
            insert(&mut t, k);
            k += 1;
        }
        let slots = t.slots();
        while t.slots() == slots {
            insert(&mut t, k);
            k += 1;
            if t.slots() == slots && t.table_count() > slots / 2 + 8 {
                assert!(t.images.capacity() >= 2 * slots);
                assert!(t.prepared >= 2 * slots, "prepared {}", t.prepared);
            }
        }
        let (room, at) = (t.images.capacity(), t.images.as_ptr());
        assert!(room >= t.slots());
        assert_eq!(t.images.len(), t.slots());
        t.check();
        // The doubling reused the block it found ready.
        let doubled = t.slots();
        while t.slots() == doubled {
            insert(&mut t, k);
            k += 1;
        }
        assert_eq!(t.slots(), 2 * doubled);
        assert!(ptr::eq(t.images.as_ptr(), at) || t.images.capacity() > room);
        t.check();
        // Removals halve the directory; the images keep their block while
        // it is at most four times the slots.
        let policy = ReclaimPolicy::automatic();
        let (room, at) = (t.images.capacity(), t.images.as_ptr());
        let before = t.slots();
        let mut r = 0;
        while t.slots() == before {
            assert!(remove(&mut t, r, &policy));
            r += 1;
        }
        assert!(t.images.capacity() <= 4 * t.slots() || t.images.capacity() < room);
        if room <= 4 * t.slots() {
            assert!(ptr::eq(t.images.as_ptr(), at));
        }
        t.check();
        for j in r..k {
            assert_eq!(t.find(hash(&j), |x| *x == j), Some(&j));
        }
    }

    /// `shrink_room` gives room back with the elements kept, keeps it when
    /// the allocator refuses, and frees an empty vector's block.
    #[test]
    fn shrink_room_gives_back_in_place_and_keeps_the_room_when_refused() {
        let alloc = map_conformance::alloc::FailingAlloc::new();
        let mut items: Vec<u64, _> = Vec::new_in(alloc.clone());
        items.try_reserve_exact(1_000).unwrap();
        items.extend(0..10);
        shrink_room(&mut items, 20, &alloc);
        assert_eq!(items.capacity(), 20);
        assert!(items.iter().copied().eq(0..10));
        alloc.fail_after(0);
        shrink_room(&mut items, 0, &alloc);
        assert!(alloc.failures() > 0, "the shrink asked the allocator");
        assert_eq!(items.capacity(), 20, "refused: the room stays");
        assert!(items.iter().copied().eq(0..10));
        alloc.never_fail();
        shrink_room(&mut items, 0, &alloc);
        assert_eq!(items.capacity(), 10, "never below the elements");
        assert!(items.iter().copied().eq(0..10));
        items.clear();
        shrink_room(&mut items, 0, &alloc);
        assert_eq!(items.capacity(), 0);
        assert_eq!(alloc.live_bytes(), 0, "the block went back");
    }

    /// Every split at the size bound in a map of 16 tables or more finds
    /// a spare to fill (mapped by an insert that left a table at the bound
    /// nearly full, or left by the split before), so it maps one table,
    /// not two: doublings leave the spares alone. From 64 tables it mostly
    /// finds two, so it maps none: not when another split took them after
    /// the last insert into its table (tables filled by evenly spread keys
    /// fill together).
    #[test]
    fn splits_at_the_bound_find_their_spares_ready() {
        let mut t: Tables<u64, Global> = Tables::new_in(Global);
        let (mut splits, mut ahead, mut both) = (0, 0, 0);
        for k in 0..1_100_000u64 {
            let splits_now = t.shards.get(t.index(hash(&k))).is_some_and(|s| {
                s.table.len() == s.table.capacity() && s.table.num_buckets() == max_buckets::<u64>()
            });
            let tables = t.table_count();
            if splits_now && tables >= SPARE_FROM {
                assert!(spares(&t) >= 1, "a split at {tables} tables found no spare");
                splits += 1;
                if tables >= AHEAD_FROM {
                    ahead += 1;
                    both += usize::from(spares(&t) == 2);
                }
            }
            insert(&mut t, k);
        }
        t.check();
        assert!(t.table_count() > AHEAD_FROM, "{} tables", t.table_count());
        assert!(
            splits >= 16 && ahead >= 8,
            "{splits} splits checked, {ahead} from 64 tables"
        );
        assert!(
            4 * both >= 3 * ahead,
            "{both} of {ahead} splits found two spares"
        );
    }

    #[test]
    fn splits_merges_and_the_directory_stay_consistent() {
        let policy = ReclaimPolicy::automatic();
        let mut t: Tables<u64, Global> = Tables::new_in(Global);
        let n = 200_000u64;
        for k in 0..n {
            insert(&mut t, k);
            if k % 9973 == 0 {
                t.check();
            }
        }
        t.check();
        assert_eq!(t.len, n as usize);
        assert!(t.table_count() >= 16, "{} tables", t.table_count());
        assert!(t.depth >= 4);
        let bound = max_buckets::<u64>();
        assert!(t.shards.iter().all(|s| s.table.num_buckets() <= bound));
        for k in 0..n {
            assert!(t.find(hash(&k), |x| *x == k).is_some());
        }
        // Remove 99%, then all: tables merge back and the directory halves.
        for k in 0..n {
            if k % 100 != 0 {
                assert!(remove(&mut t, k, &policy));
            }
            if k % 9973 == 0 {
                t.check();
            }
        }
        t.check();
        let tables_at_one_percent = t.table_count();
        assert!(
            tables_at_one_percent < 8,
            "{tables_at_one_percent} tables left"
        );
        // The list of tables gave its room back as they merged.
        assert!(
            t.shards.capacity() <= 4 * tables_at_one_percent,
            "room for {} tables kept for {tables_at_one_percent}",
            t.shards.capacity()
        );
        for k in (0..n).step_by(100) {
            assert!(remove(&mut t, k, &policy));
        }
        t.check();
        assert_eq!(t.len, 0);
        assert!(
            t.allocated_bytes() < 2048,
            "{} bytes held",
            t.allocated_bytes()
        );
    }

    #[test]
    fn reserve_splits_ahead_and_shrink_all_merges_back() {
        let mut t: Tables<u64, Global> = Tables::new_in(Global);
        t.reserve(100_000, &hash).unwrap();
        t.check();
        assert!(t.capacity() >= 100_000);
        let tables = t.table_count();
        for k in 0..100_000 {
            insert(&mut t, k);
        }
        t.check();
        assert!(
            t.table_count() <= tables + tables / 8,
            "few splits after reserve"
        );
        for k in 0..99_990 {
            remove(&mut t, k, &ReclaimPolicy::manual());
        }
        t.shrink_all(0, &hash);
        t.check();
        assert_eq!(t.table_count(), 1);
        assert_eq!(t.depth, 0);
        assert!(t.capacity() < 32);
    }

    /// A table at its size bound whose room deleted slots used up, with
    /// its entries at 55% of it, is rehashed at the same size rather than
    /// split (halves that sparse could merge back at once), and keeps the
    /// hysteresis under the tightest policy the builder accepts: nothing
    /// resizes, splits or merges before a fifth of its entries are gone.
    #[test]
    fn a_table_at_the_bound_filled_by_deleted_slots_is_rehashed_in_its_size() {
        let tightest = map_conformance::promises::tightest_policy();
        let bound = bound_buckets::<u64>(1);
        let mut t = Tables::new_in(Global);
        let (mut oldest, mut next) = (0u64, 0u64);
        let full = |t: &Tables<u64, Global>| {
            let table = &t.shards[0].table;
            t.table_count() == 1 && table.num_buckets() == bound && table.len() == table.capacity()
        };
        while t.shards.is_empty() || !full(&t) {
            insert(&mut t, next);
            next += 1;
        }
        let room = t.shards[0].table.capacity();
        while t.len > room * 55 / 100 {
            assert!(remove(&mut t, oldest, &tightest));
            oldest += 1;
        }
        // Churn until deleted slots have used up the room and an insert
        // rehashed the table.
        let mut rehashed = false;
        for _ in 0..20 * room {
            insert(&mut t, next);
            next += 1;
            let table = &t.shards[0].table;
            if table.capacity() - table.len() > room / 4 {
                rehashed = true;
                break;
            }
            assert!(remove(&mut t, oldest, &tightest));
            oldest += 1;
        }
        assert!(rehashed, "the churn never filled the table");
        assert_eq!(t.table_count(), 1, "rehashed, not split");
        assert_eq!(t.shards[0].table.num_buckets(), bound);
        let len = t.len;
        for _ in 1..len / 5 {
            assert!(remove(&mut t, oldest, &tightest));
            oldest += 1;
            assert_eq!(t.table_count(), 1);
            assert_eq!(
                t.shards[0].table.num_buckets(),
                bound,
                "resized within a fifth"
            );
        }
        t.check();
    }

    /// Sibling tables that have each shrunk small still merge: the merged
    /// table may be larger than either when it is small.
    #[test]
    fn small_shrunk_siblings_merge() {
        let mut t: Tables<u64, Global> = Tables::new_in(Global);
        for k in 0..40_000 {
            insert(&mut t, k);
        }
        for k in 100..40_000 {
            remove(&mut t, k, &ReclaimPolicy::manual());
        }
        for i in 0..t.table_count() {
            let len = t.shards[i].table.len();
            t.shrink_table(i, len, &hash);
        }
        let tables = t.table_count();
        assert!(tables >= 2, "{tables} tables");
        assert!(t.shards.iter().all(|s| s.table.num_buckets() <= 64));
        let policy = ReclaimPolicy::automatic();
        let mut i = 0;
        while i < t.table_count() {
            let count = t.table_count();
            let _ = t.after_sparse_remove(i, &policy, 0, &hash);
            i = if t.table_count() < count { 0 } else { i + 1 };
        }
        t.check();
        assert_eq!(t.table_count(), 1, "from {tables} tables");
        assert!((0..100).all(|k| t.find(hash(&k), |x| *x == k) == Some(&k)));
    }

    /// Merges leave a long table list's trim to a later look at the
    /// policy; `shrink_all`, which may end without one, trims it itself.
    #[test]
    fn shrink_all_trims_a_long_table_list() {
        // Entries of 32 bytes: tables of 4,096 buckets, room for 3,584.
        let hash = |x: &[u64; 4]| hash(&x[0]);
        let mut t: Tables<[u64; 4], Global> = Tables::new_in(Global);
        t.reserve(1_500_000, &hash).unwrap();
        assert_eq!(t.table_count(), 512);
        assert!(t.shards.capacity() >= 512);
        // Room for 400,000 keeps tables of depth 7 (400,000 / 2^7 entries
        // fit the size bound, 400,000 / 2^6 do not): 128 of them, more
        // than a merge trims the list for, and a quarter of a list of room
        // for 512 or more.
        t.shrink_all(400_000, &hash);
        t.check();
        assert_eq!(t.table_count(), 128);
        assert!(
            !t.list_is_oversized(),
            "a list of room for {} tables holds {}",
            t.shards.capacity(),
            t.table_count()
        );
        assert!(t.capacity() >= 400_000);
    }

    /// A reservation refused after some of the tables it grows were
    /// allocated gives every one of them back: each table keeps its entries
    /// and its size. (Every table's room is allocated before any entry
    /// moves; growing table by table kept the tables grown before the
    /// refusal.)
    #[test]
    fn a_reservation_refused_partway_keeps_no_table_it_grew() {
        use map_conformance::alloc::FailingAlloc;
        let alloc = FailingAlloc::new();
        let mut t: Tables<u64, FailingAlloc> = Tables::empty_in(alloc.clone());
        // Eight empty tables of the size bound, then each made small and
        // given 100 entries: a reservation of 2,000 more per table grows
        // all eight without splitting one.
        t.reserve(8 * bucket_capacity(max_buckets::<u64>()), &hash)
            .unwrap();
        assert_eq!(t.table_count(), 8);
        for i in 0..8 {
            t.imaged(|t| t.resize(i, 100, &hash)).unwrap();
        }
        let mut k = 0u64;
        while t.len < 800 {
            let h = hash(&k);
            let i = t.index(h);
            if t.shards[i].table.len() < 100 {
                let i = t.make_room(h, &hash).unwrap();
                t.insert_new(i, h, k, hash);
            }
            k += 1;
        }
        t.check();
        let held = alloc.live_bytes();
        let capacity = t.capacity();
        for allowed in [1, 4, 7] {
            alloc.fail_after(allowed);
            let refused = t.reserve(8 * 2_000, &hash);
            alloc.never_fail();
            assert!(refused.is_err(), "refused after {allowed}");
            t.check();
            assert_eq!(alloc.live_bytes(), held, "refused after {allowed}: kept");
            assert_eq!(t.capacity(), capacity);
            assert_eq!(t.table_count(), 8);
        }
        t.reserve(8 * 2_000, &hash).unwrap();
        assert_eq!(t.table_count(), 8, "grown without a split");
        assert!(t.capacity() >= 800 + 8 * 2_000);
        t.check();
        assert_eq!(t.len, 800);
    }

    /// `reserve` splits tables whose share of the room is past the size
    /// bound; for keys with one hash a split separates nothing, and
    /// splitting on deepened the directory to 2^31 slots (an 8 GiB request
    /// for 20,000 entries). Their table now takes its share itself.
    #[test]
    fn reserving_for_keys_with_one_hash_grows_their_table_not_the_directory() {
        let mut t: Tables<u64, Global> = Tables::new_in(Global);
        let same = |_: &u64| 42u64;
        for k in 0..20_000u64 {
            let i = t.make_room(42, &same).unwrap();
            t.insert_new(i, 42, k, same);
        }
        let dir = t.dir.len();
        for additional in [1, 5_000, 100_000] {
            t.reserve(additional, &same).unwrap();
            t.check();
            assert!(t.capacity() >= 20_000 + additional);
            assert!(t.dir.len() <= dir.max(1024), "directory of {}", t.dir.len());
            assert!(t.allocated_bytes() < 16 << 20);
        }
    }

    #[test]
    fn keys_with_one_hash_grow_one_table_instead_of_the_directory() {
        let mut t: Tables<u64, Global> = Tables::new_in(Global);
        let same = |_: &u64| 42u64;
        for k in 0..20_000u64 {
            t.make_room(42, &same).unwrap();
            let i = t.index(42);
            t.shards[i].table.insert_unique(42, k, same);
            t.len += 1;
        }
        t.check();
        assert!(t.dir.len() <= 1024, "directory of {}", t.dir.len());
        assert!(
            t.allocated_bytes() < 4 << 20,
            "empty halves allocate nothing"
        );
    }
}
