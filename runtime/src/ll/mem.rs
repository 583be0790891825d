//! MAPI memory: [`Allocators`] (the three functions MAPI lends a provider) and [`Buffer`],
//! an owned allocation with children, freed once.
//!
//! # Who allocates and who frees
//!
//! MAPI's rule (Microsoft, "Managing Memory for ... MAPIAllocateBuffer,
//! MAPIAllocateMore, MAPIFreeBuffer"): what a method hands out through an `[out]` pointer
//! is allocated with `MAPIAllocateBuffer`; anything it points to (strings, binaries,
//! arrays) is allocated with `MAPIAllocateMore` *linked to that first buffer*; the caller
//! frees the whole with one `MAPIFreeBuffer` of the first buffer. A store provider gets
//! the three functions from MAPI in `MSProviderInit` and must use those, not its own
//! heap, for everything the caller will free.
//!
//! [`Buffer`] follows the rule: [`Buffer::new`] is `MAPIAllocateBuffer`,
//! [`Buffer::more`] is `MAPIAllocateMore` on it, dropping the `Buffer` frees it all, and
//! [`Buffer::into_raw`] hands it to the caller, who frees it. [`Allocators::local`] is a
//! Rust implementation of the same three functions, for tests and for hosts that are not
//! MAPI.

use std::alloc::Layout;
use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicPtr, Ordering};

use crate::sys::{self, LPALLOCATEBUFFER, LPALLOCATEMORE, LPFREEBUFFER, LPVOID, SCODE, ULONG};
use crate::{Error, Result};

type AllocateBuffer = <LPALLOCATEBUFFER as FnPointer>::Fn;
type AllocateMore = <LPALLOCATEMORE as FnPointer>::Fn;
type FreeBuffer = <LPFREEBUFFER as FnPointer>::Fn;

/// The function pointer inside the bindings' `Option<fn>` types.
trait FnPointer {
    type Fn: Copy;
}

impl<F: Copy> FnPointer for Option<F> {
    type Fn = F;
}

/// `MAPIAllocateBuffer`, `MAPIAllocateMore` and `MAPIFreeBuffer`, as MAPI passes them to
/// `MSProviderInit` (or a host links them).
#[derive(Clone, Copy)]
pub struct Allocators {
    allocate_buffer: AllocateBuffer,
    allocate_more: AllocateMore,
    free_buffer: FreeBuffer,
}

impl std::fmt::Debug for Allocators {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Allocators").finish_non_exhaustive()
    }
}

impl Allocators {
    /// The three functions MAPI gave; `MAPI_E_INVALID_PARAMETER` if one is missing.
    ///
    /// # Safety
    /// They must behave as MAPI documents `MAPIAllocateBuffer`, `MAPIAllocateMore` and
    /// `MAPIFreeBuffer`, for as long as the `Allocators` (or a buffer made with them) is
    /// used.
    pub unsafe fn new(
        allocate_buffer: LPALLOCATEBUFFER,
        allocate_more: LPALLOCATEMORE,
        free_buffer: LPFREEBUFFER,
    ) -> Result<Allocators> {
        match (allocate_buffer, allocate_more, free_buffer) {
            (Some(allocate_buffer), Some(allocate_more), Some(free_buffer)) => Ok(Allocators {
                allocate_buffer,
                allocate_more,
                free_buffer,
            }),
            _ => Err(Error::with_message(
                sys::MAPI_E_INVALID_PARAMETER,
                "an allocator function is null",
            )),
        }
    }

    /// This crate's own implementation of the three functions, over Rust's global
    /// allocator: for tests, and for hosts that are not MAPI.
    pub fn local() -> Allocators {
        Allocators {
            allocate_buffer: local::allocate_buffer,
            allocate_more: local::allocate_more,
            free_buffer: local::free_buffer,
        }
    }

    /// The provider's allocators: those given to [`set_provider`](Allocators::set_provider)
    /// (a store's `MSProviderInit` receives them from MAPI), or [`local`](Allocators::local)
    /// until they are set. What the runtime hands out on its own (a
    /// [`Properties`](crate::props::Properties) object's `GetProps`) comes from these.
    pub fn provider() -> Allocators {
        let set = *PROVIDER.read().unwrap_or_else(|e| e.into_inner());
        set.unwrap_or_else(Allocators::local)
    }

    /// Makes `self` the provider's allocators, for everything handed out from now on.
    /// MAPI gives the same three functions to every `MSProviderInit` call of a process,
    /// so setting them again replaces like with like.
    pub fn set_provider(self) {
        *PROVIDER.write().unwrap_or_else(|e| e.into_inner()) = Some(self);
    }

    /// `MAPIFreeBuffer(p)`, for a buffer a MAPI method handed out (nothing for null).
    ///
    /// # Safety
    /// `p` must be null or a `MAPIAllocateBuffer` allocation of these allocators that the
    /// caller owns and does not use afterwards.
    pub unsafe fn free(&self, p: *mut c_void) {
        if !p.is_null() {
            // SAFETY: the caller's contract.
            unsafe { (self.free_buffer)(p) };
        }
    }

    /// The three functions, to hand on (for example to a C host).
    pub fn as_raw(&self) -> (LPALLOCATEBUFFER, LPALLOCATEMORE, LPFREEBUFFER) {
        (
            Some(self.allocate_buffer),
            Some(self.allocate_more),
            Some(self.free_buffer),
        )
    }
}

/// What [`Allocators::set_provider`] set.
static PROVIDER: std::sync::RwLock<Option<Allocators>> = std::sync::RwLock::new(None);

fn size_of_request(size: usize) -> Result<ULONG> {
    ULONG::try_from(size).map_err(|_| {
        Error::with_message(
            sys::MAPI_E_NOT_ENOUGH_MEMORY,
            format!("{size} bytes do not fit MAPI's ULONG sizes"),
        )
    })
}

fn check(code: SCODE, out: LPVOID) -> Result<NonNull<u8>> {
    if code < 0 {
        return Err(Error::new(code));
    }
    NonNull::new(out.cast::<u8>()).ok_or_else(|| Error::new(sys::MAPI_E_NOT_ENOUGH_MEMORY))
}

/// One `MAPIAllocateBuffer` allocation and its `MAPIAllocateMore` children: freed
/// together, once, when the `Buffer` is dropped, unless it was handed out with
/// [`into_raw`](Buffer::into_raw). Every allocation it hands out is zeroed (the copies
/// this crate writes whole are not zeroed first).
pub struct Buffer {
    root: NonNull<u8>,
    size: usize,
    allocators: Allocators,
}

// SAFETY: the buffer is plain memory owned by this value; MAPI's allocators may be called
// from any thread.
unsafe impl Send for Buffer {}

impl Buffer {
    /// `MAPIAllocateBuffer(size)`, zeroed.
    pub fn new(allocators: Allocators, size: usize) -> Result<Buffer> {
        let cb = size_of_request(size)?;
        let mut out: LPVOID = std::ptr::null_mut();
        // SAFETY: `Allocators`' contract; `out` is a valid place for the pointer.
        let code = unsafe { (allocators.allocate_buffer)(cb, &mut out) };
        let root = check(code, out)?;
        // SAFETY: a fresh allocation of `size` bytes.
        unsafe { root.as_ptr().write_bytes(0, size) };
        Ok(Buffer {
            root,
            size,
            allocators,
        })
    }

    /// `MAPIAllocateMore(size, root)`, zeroed: freed with this buffer.
    pub fn more(&self, size: usize) -> Result<NonNull<u8>> {
        let cb = size_of_request(size)?;
        let mut out: LPVOID = std::ptr::null_mut();
        // SAFETY: `self.root` is a live MAPIAllocateBuffer allocation of these allocators.
        let code =
            unsafe { (self.allocators.allocate_more)(cb, self.root.as_ptr().cast(), &mut out) };
        let child = check(code, out)?;
        // SAFETY: a fresh allocation of `size` bytes.
        unsafe { child.as_ptr().write_bytes(0, size) };
        Ok(child)
    }

    /// `MAPIAllocateMore(size, root)`, not zeroed, for a child the caller fills whole
    /// before anything reads it (a copied string or array: zeroing it first would write
    /// it twice).
    pub(crate) fn more_unfilled(&self, size: usize) -> Result<NonNull<u8>> {
        let cb = size_of_request(size)?;
        let mut out: LPVOID = std::ptr::null_mut();
        // SAFETY: `self.root` is a live MAPIAllocateBuffer allocation of these allocators.
        let code =
            unsafe { (self.allocators.allocate_more)(cb, self.root.as_ptr().cast(), &mut out) };
        check(code, out)
    }

    /// A child holding `bytes`.
    pub fn more_copy(&self, bytes: &[u8]) -> Result<NonNull<u8>> {
        let child = self.more(bytes.len())?;
        // SAFETY: `child` has room for `bytes`, and they do not overlap (it is new).
        unsafe {
            child
                .as_ptr()
                .copy_from_nonoverlapping(bytes.as_ptr(), bytes.len())
        };
        Ok(child)
    }

    /// The first allocation.
    pub fn as_ptr(&self) -> *mut u8 {
        self.root.as_ptr()
    }

    /// Its size in bytes.
    pub fn len(&self) -> usize {
        self.size
    }

    /// Whether the first allocation is empty.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// The allocators it was made with.
    pub fn allocators(&self) -> Allocators {
        self.allocators
    }

    /// Hands the allocation (and its children) to the caller, who frees it with
    /// `MAPIFreeBuffer`.
    pub fn into_raw(self) -> *mut c_void {
        let root = self.root;
        std::mem::forget(self);
        root.as_ptr().cast()
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // SAFETY: we own the allocation and free it once.
        unsafe { (self.allocators.free_buffer)(self.root.as_ptr().cast()) };
    }
}

impl std::fmt::Debug for Buffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Buffer")
            .field("root", &self.root)
            .field("size", &self.size)
            .finish()
    }
}

/// The local allocators: every block is a [`Block`] header followed by the caller's
/// bytes; a root's children hang off its header in a lock-free list and are freed with
/// it.
mod local {
    use super::*;

    /// What precedes every block. 16 bytes on 64-bit targets and aligned to 16, so the
    /// caller's bytes are aligned for any MAPI type.
    #[repr(C, align(16))]
    pub(super) struct Block {
        /// The block's whole layout size (header included), for dealloc.
        size: usize,
        /// Roots: the first child. Children: the next sibling.
        next: AtomicPtr<Block>,
    }

    const HEADER: usize = std::mem::size_of::<Block>();

    fn layout(size: usize) -> Option<Layout> {
        Layout::from_size_align(HEADER.checked_add(size)?, std::mem::align_of::<Block>()).ok()
    }

    /// A new block with room for `cb` bytes after its header; null if out of memory.
    fn new_block(cb: ULONG) -> *mut Block {
        let Some(layout) = layout(cb as usize) else {
            return std::ptr::null_mut();
        };
        // SAFETY: the layout is non-zero (it has the header).
        let block = unsafe { std::alloc::alloc(layout) }.cast::<Block>();
        if !block.is_null() {
            // SAFETY: a fresh allocation, aligned and large enough for a Block.
            unsafe {
                block.write(Block {
                    size: layout.size(),
                    next: AtomicPtr::new(std::ptr::null_mut()),
                })
            };
        }
        block
    }

    /// # Safety
    /// `block` must be a block made by `new_block`, not yet freed.
    unsafe fn free_block(block: *mut Block) {
        // SAFETY: caller's contract; the layout is the one it was made with.
        unsafe {
            let size = (*block).size;
            std::alloc::dealloc(
                block.cast(),
                Layout::from_size_align_unchecked(size, std::mem::align_of::<Block>()),
            );
        }
    }

    fn user(block: *mut Block) -> LPVOID {
        // SAFETY: the caller's bytes start right after the header, inside the block.
        unsafe { block.cast::<u8>().add(HEADER).cast() }
    }

    /// # Safety
    /// `p` must be a pointer `user` returned.
    unsafe fn block_of(p: LPVOID) -> *mut Block {
        // SAFETY: caller's contract.
        unsafe { p.cast::<u8>().sub(HEADER).cast() }
    }

    macro_rules! mapi_memory_functions {
        ($abi:literal) => {
            /// `MAPIAllocateBuffer`.
            pub(super) unsafe extern $abi fn allocate_buffer(cb: ULONG, out: *mut LPVOID) -> SCODE {
                if out.is_null() {
                    return sys::MAPI_E_INVALID_PARAMETER;
                }
                let block = new_block(cb);
                if block.is_null() {
                    // SAFETY: checked non-null; the caller passes a writable pointer.
                    unsafe { out.write(std::ptr::null_mut()) };
                    return sys::MAPI_E_NOT_ENOUGH_MEMORY;
                }
                // SAFETY: as above.
                unsafe { out.write(user(block)) };
                sys::S_OK
            }

            /// `MAPIAllocateMore`: a child of `root`, freed with it.
            pub(super) unsafe extern $abi fn allocate_more(
                cb: ULONG,
                root: LPVOID,
                out: *mut LPVOID,
            ) -> SCODE {
                if out.is_null() || root.is_null() {
                    return sys::MAPI_E_INVALID_PARAMETER;
                }
                let child = new_block(cb);
                if child.is_null() {
                    // SAFETY: checked non-null; the caller passes a writable pointer.
                    unsafe { out.write(std::ptr::null_mut()) };
                    return sys::MAPI_E_NOT_ENOUGH_MEMORY;
                }
                // SAFETY: `root` came from allocate_buffer (the caller's contract).
                let parent = unsafe { &*block_of(root) };
                let mut head = parent.next.load(Ordering::Relaxed);
                loop {
                    // SAFETY: `child` is ours until it is linked.
                    unsafe { (*child).next.store(head, Ordering::Relaxed) };
                    match parent.next.compare_exchange_weak(
                        head,
                        child,
                        Ordering::Release,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => break,
                        Err(now) => head = now,
                    }
                }
                // SAFETY: as above.
                unsafe { out.write(user(child)) };
                sys::S_OK
            }

            /// `MAPIFreeBuffer`: the root and all its children. Null is accepted.
            pub(super) unsafe extern $abi fn free_buffer(p: LPVOID) -> ULONG {
                if p.is_null() {
                    return 0;
                }
                // SAFETY: `p` came from allocate_buffer and is freed once (the caller's
                // contract); so are its children, which nothing else refers to.
                unsafe {
                    let root = block_of(p);
                    let mut child = (*root).next.load(Ordering::Acquire);
                    while !child.is_null() {
                        let next = (*child).next.load(Ordering::Relaxed);
                        free_block(child);
                        child = next;
                    }
                    free_block(root);
                }
                0
            }
        };
    }

    // The bindings' function types: `extern "system"` (stdcall on 32-bit Windows, the C
    // convention elsewhere), as the headers declare them.
    mapi_memory_functions!("system");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_and_its_children_are_zeroed_and_freed_together() {
        let buffer = Buffer::new(Allocators::local(), 24).unwrap();
        assert_eq!(buffer.len(), 24);
        assert_eq!(
            buffer.as_ptr() as usize % 16,
            0,
            "aligned for any MAPI type"
        );
        // SAFETY: 24 bytes, zeroed.
        assert!(unsafe { std::slice::from_raw_parts(buffer.as_ptr(), 24) }
            .iter()
            .all(|b| *b == 0));
        let children: Vec<_> = (0..5)
            .map(|i| buffer.more_copy(format!("child {i}").as_bytes()).unwrap())
            .collect();
        // SAFETY: each child holds the 7 bytes copied in.
        let third = unsafe { std::slice::from_raw_parts(children[3].as_ptr(), 7) };
        assert_eq!(third, b"child 3");
        drop(buffer); // Miri and valgrind see every block freed exactly once.
    }

    #[test]
    fn a_buffer_handed_out_is_freed_by_the_receiver() {
        let alloc = Allocators::local();
        let buffer = Buffer::new(alloc, 8).unwrap();
        buffer.more(100).unwrap();
        let raw = buffer.into_raw();
        let (_, _, free) = alloc.as_raw();
        // SAFETY: what MAPIFreeBuffer is given by the caller: once.
        assert_eq!(unsafe { free.unwrap()(raw) }, 0);
    }

    #[test]
    fn missing_allocators_and_failing_ones_are_errors() {
        let (a, m, f) = Allocators::local().as_raw();
        // SAFETY: no function is called.
        let e = unsafe { Allocators::new(a, None, f) }.unwrap_err();
        assert_eq!(e.code(), sys::MAPI_E_INVALID_PARAMETER);
        // SAFETY: the local functions behave as MAPI's.
        let alloc = unsafe { Allocators::new(a, m, f) }.unwrap();
        assert!(Buffer::new(alloc, 0).unwrap().is_empty());
        // More than a ULONG can say.
        if usize::BITS > 32 {
            let e = Buffer::new(alloc, 1 << 40).unwrap_err();
            assert_eq!(e.code(), sys::MAPI_E_NOT_ENOUGH_MEMORY);
        }
    }
}
