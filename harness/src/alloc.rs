//! Tracking allocators: `MAPIAllocateBuffer`, `MAPIAllocateMore` and `MAPIFreeBuffer` as
//! `extern "system"` functions that remember every buffer.
//!
//! Each buffer is recorded with its size, its `MAPIAllocateMore` children and a *label*:
//! where it was allocated, as the harness says at the time ([`label`] sets it for the
//! current thread, e.g. `IMsgStore::GetProps` around that call; a thread that has no
//! label records `(unlabelled)`). What the functions find is a [`Finding`]:
//!
//! - a buffer still allocated at the end ([`Session::finish`]): a leak;
//! - `MAPIFreeBuffer` of a buffer already freed, of a `MAPIAllocateMore` block, or of a
//!   pointer these functions never gave: recorded, and otherwise ignored (nothing is
//!   freed, nothing crashes);
//! - `MAPIAllocateMore` on a pointer that is not a live buffer: recorded, and the call
//!   fails with `MAPI_E_INVALID_PARAMETER`.
//!
//! A freed buffer's memory is kept (not returned to the system) until the session ends,
//! so no later buffer reuses its address and a second free of it is told from the free
//! of a new buffer. A provider reading freed memory reads what was there.
//!
//! The functions are process-wide, as MAPI's are, so one [`Session`] runs at a time:
//! [`session`] waits for the previous one to end. [`Session::fail_allocation`] injects a
//! fault: the Nth allocation of the session (`MAPIAllocateBuffer` or `MAPIAllocateMore`,
//! counted from 1) fails with `MAPI_E_NOT_ENOUGH_MEMORY` and a NULL out-pointer.

use std::alloc::Layout;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_void;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard};

use mapi_sync::mem::Allocators;
use mapi_sync::sys::{self, LPVOID, SCODE, ULONG};

/// Every allocation is aligned for any MAPI type.
const ALIGN: usize = 16;

/// Freed memory kept before the oldest is given back (then a double free of those
/// buffers is reported as a free of an unknown pointer).
const QUARANTINE_BYTES: usize = 256 << 20;

/// Something the allocators saw that breaks MAPI's memory rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// A buffer still allocated at the end of the session.
    Leak {
        /// Where it was allocated.
        allocated_at: String,
        /// Its size, in bytes.
        size: usize,
        /// How many `MAPIAllocateMore` blocks hang on it.
        children: usize,
    },
    /// `MAPIFreeBuffer` of a buffer already freed.
    DoubleFree {
        /// Where it was allocated.
        allocated_at: String,
        /// Where it was freed first.
        first_freed_at: String,
        /// Where it was freed again.
        freed_again_at: String,
    },
    /// `MAPIFreeBuffer` of a `MAPIAllocateMore` block (only its root may be freed).
    FreeOfChild {
        /// Where the block was allocated.
        allocated_at: String,
        /// Where its root was allocated.
        root_allocated_at: String,
        /// Where the free was.
        freed_at: String,
    },
    /// `MAPIFreeBuffer` of a pointer the allocators never gave.
    FreeOfUnknown {
        /// The pointer.
        address: usize,
        /// Where the free was.
        freed_at: String,
    },
    /// `MAPIAllocateMore` on a pointer that is not a live `MAPIAllocateBuffer` buffer.
    MoreOnBadParent {
        /// Where the call was.
        at: String,
        /// What the parent was.
        parent: String,
    },
}

impl Finding {
    /// Whether it is a leak (rule `memory-no-leak`) rather than a bad free or parent
    /// (rule `memory-freed-once`).
    pub fn is_leak(&self) -> bool {
        matches!(self, Finding::Leak { .. })
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Leak {
                allocated_at,
                size,
                children,
            } => write!(
                f,
                "a buffer of {size} bytes (and {children} MAPIAllocateMore blocks) allocated in {allocated_at} was never freed"
            ),
            Finding::DoubleFree {
                allocated_at,
                first_freed_at,
                freed_again_at,
            } => write!(
                f,
                "a buffer allocated in {allocated_at} and freed in {first_freed_at} was freed again in {freed_again_at}"
            ),
            Finding::FreeOfChild {
                allocated_at,
                root_allocated_at,
                freed_at,
            } => write!(
                f,
                "MAPIFreeBuffer in {freed_at} of a MAPIAllocateMore block allocated in {allocated_at} (its buffer was allocated in {root_allocated_at})"
            ),
            Finding::FreeOfUnknown { address, freed_at } => write!(
                f,
                "MAPIFreeBuffer in {freed_at} of {address:#x}, which MAPIAllocateBuffer never gave"
            ),
            Finding::MoreOnBadParent { at, parent } => {
                write!(f, "MAPIAllocateMore in {at} on {parent}")
            }
        }
    }
}

/// A live block.
struct Block {
    layout: Layout,
    label: String,
    /// The root's address, for a `MAPIAllocateMore` block.
    root: Option<usize>,
    /// A root's `MAPIAllocateMore` blocks.
    children: Vec<usize>,
}

/// A freed block, remembered.
struct Freed {
    label: String,
    freed_at: String,
    root: Option<usize>,
}

#[derive(Default)]
struct Registry {
    live: HashMap<usize, Block>,
    freed: HashMap<usize, Freed>,
    /// Freed memory not given back yet, oldest first.
    quarantine: Vec<(usize, Layout)>,
    quarantine_bytes: usize,
    findings: Vec<Finding>,
    allocations: u64,
    fail_at: Option<u64>,
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);
static SESSION: Mutex<()> = Mutex::new(());

thread_local! {
    static LABEL: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn registry() -> MutexGuard<'static, Option<Registry>> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

fn current_label() -> String {
    LABEL
        .try_with(|l| l.borrow().clone())
        .ok()
        .flatten()
        .unwrap_or_else(|| "(unlabelled)".to_owned())
}

/// Runs `f` with `label` as this thread's label: what the buffers allocated or freed on
/// this thread meanwhile are said to be allocated or freed in.
pub fn label<R>(label: &str, f: impl FnOnce() -> R) -> R {
    let previous = LABEL.with(|l| l.replace(Some(label.to_owned())));
    struct Restore(Option<String>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            let _ = LABEL.try_with(|l| *l.borrow_mut() = previous);
        }
    }
    let _restore = Restore(previous);
    f()
}

impl Registry {
    fn allocate(&mut self, size: usize, root: Option<usize>) -> Result<*mut c_void, SCODE> {
        self.allocations += 1;
        if self.fail_at == Some(self.allocations) {
            return Err(sys::MAPI_E_NOT_ENOUGH_MEMORY);
        }
        let layout = Layout::from_size_align(size.max(1), ALIGN)
            .map_err(|_| sys::MAPI_E_NOT_ENOUGH_MEMORY)?;
        // SAFETY: the layout's size is non-zero.
        let p = unsafe { std::alloc::alloc_zeroed(layout) };
        if p.is_null() {
            return Err(sys::MAPI_E_NOT_ENOUGH_MEMORY);
        }
        let address = p as usize;
        self.live.insert(
            address,
            Block {
                layout,
                label: current_label(),
                root,
                children: Vec::new(),
            },
        );
        if let Some(root) = root {
            if let Some(r) = self.live.get_mut(&root) {
                r.children.push(address);
            }
        }
        Ok(p.cast())
    }

    fn free(&mut self, address: usize) {
        let at = current_label();
        match self.live.get(&address) {
            Some(block) => {
                if let Some(root) = block.root {
                    let root_allocated_at = self
                        .live
                        .get(&root)
                        .map_or_else(String::new, |r| r.label.clone());
                    self.findings.push(Finding::FreeOfChild {
                        allocated_at: block.label.clone(),
                        root_allocated_at,
                        freed_at: at,
                    });
                    return;
                }
            }
            None => {
                let finding = match self.freed.get(&address) {
                    Some(freed) if freed.root.is_some() => {
                        let root_allocated_at = freed
                            .root
                            .and_then(|r| self.freed.get(&r))
                            .map_or_else(String::new, |r| r.label.clone());
                        Finding::FreeOfChild {
                            allocated_at: freed.label.clone(),
                            root_allocated_at,
                            freed_at: at,
                        }
                    }
                    Some(freed) => Finding::DoubleFree {
                        allocated_at: freed.label.clone(),
                        first_freed_at: freed.freed_at.clone(),
                        freed_again_at: at,
                    },
                    None => Finding::FreeOfUnknown {
                        address,
                        freed_at: at,
                    },
                };
                self.findings.push(finding);
                return;
            }
        }
        let block = self.live.remove(&address).expect("found above");
        for child in &block.children {
            if let Some(c) = self.live.remove(child) {
                self.retire(*child, c, &at);
            }
        }
        self.retire(address, block, &at);
    }

    /// Remembers a freed block and keeps its memory until the quarantine is full.
    fn retire(&mut self, address: usize, block: Block, freed_at: &str) {
        self.freed.insert(
            address,
            Freed {
                label: block.label,
                freed_at: freed_at.to_owned(),
                root: block.root,
            },
        );
        self.quarantine.push((address, block.layout));
        self.quarantine_bytes += block.layout.size();
        if self.quarantine_bytes > QUARANTINE_BYTES {
            let half = self.quarantine.len() / 2;
            for (address, layout) in self.quarantine.drain(..half) {
                self.freed.remove(&address);
                self.quarantine_bytes -= layout.size();
                // SAFETY: allocated with this layout, freed by the provider, given back
                // once (it leaves the quarantine here).
                unsafe { std::alloc::dealloc(address as *mut u8, layout) };
            }
        }
    }

    fn release_quarantine(&mut self) {
        for (address, layout) in self.quarantine.drain(..) {
            // SAFETY: as in `retire`.
            unsafe { std::alloc::dealloc(address as *mut u8, layout) };
        }
        self.quarantine_bytes = 0;
        self.freed.clear();
    }
}

/// `MAPIAllocateBuffer`.
///
/// # Safety
/// `out` must be null or writable.
unsafe fn do_allocate_buffer(size: ULONG, out: *mut LPVOID) -> SCODE {
    let result = catch_unwind(AssertUnwindSafe(|| {
        if out.is_null() {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        let p = match registry().as_mut() {
            Some(r) => r.allocate(size as usize, None),
            None => Err(sys::MAPI_E_CALL_FAILED),
        };
        // SAFETY: non-null and writable (the caller's contract).
        unsafe { *out = p.unwrap_or(std::ptr::null_mut()) };
        p.map_or_else(|e| e, |_| sys::S_OK)
    }));
    result.unwrap_or(sys::MAPI_E_CALL_FAILED)
}

/// `MAPIAllocateMore`.
///
/// # Safety
/// `out` must be null or writable.
unsafe fn do_allocate_more(size: ULONG, object: LPVOID, out: *mut LPVOID) -> SCODE {
    let result = catch_unwind(AssertUnwindSafe(|| {
        if out.is_null() {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        let mut guard = registry();
        let p = match guard.as_mut() {
            Some(r) => {
                let parent = object as usize;
                let bad = match r.live.get(&parent) {
                    Some(b) if b.root.is_some() => Some("a MAPIAllocateMore block".to_owned()),
                    Some(_) => None,
                    None if r.freed.contains_key(&parent) => Some("a freed buffer".to_owned()),
                    None => Some(format!("{parent:#x}, not a MAPI buffer")),
                };
                match bad {
                    Some(parent) => {
                        r.findings.push(Finding::MoreOnBadParent {
                            at: current_label(),
                            parent,
                        });
                        Err(sys::MAPI_E_INVALID_PARAMETER)
                    }
                    None => r.allocate(size as usize, Some(parent)),
                }
            }
            None => Err(sys::MAPI_E_CALL_FAILED),
        };
        drop(guard);
        // SAFETY: non-null and writable (the caller's contract).
        unsafe { *out = p.unwrap_or(std::ptr::null_mut()) };
        p.map_or_else(|e| e, |_| sys::S_OK)
    }));
    result.unwrap_or(sys::MAPI_E_CALL_FAILED)
}

/// `MAPIFreeBuffer`. NULL is nothing to free (as C's `free` takes it); every other
/// pointer that is not a live buffer is a [`Finding`] and is left alone.
///
/// # Safety
/// None beyond the ABI: the pointer is only looked up, never read.
unsafe fn do_free_buffer(buffer: LPVOID) -> ULONG {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if buffer.is_null() {
            return;
        }
        if let Some(r) = registry().as_mut() {
            r.free(buffer as usize);
        }
    }));
    0
}

/// The exported functions, with the bindings' calling convention: `extern "system"`
/// (stdcall on 32-bit Windows, the C one elsewhere), as `mapidefs.h` declares them. Each
/// catches panics itself.
macro_rules! exports {
    ($abi:literal) => {
        /// `MAPIAllocateBuffer`: a zeroed buffer of `size` bytes, recorded with this
        /// thread's [`label`].
        ///
        /// # Safety
        /// `out` must be null or writable.
        pub unsafe extern $abi fn allocate_buffer(size: ULONG, out: *mut LPVOID) -> SCODE {
            // SAFETY: the caller's contract, passed on.
            unsafe { do_allocate_buffer(size, out) }
        }

        /// `MAPIAllocateMore`: a zeroed block of `size` bytes freed with `object`.
        ///
        /// # Safety
        /// `out` must be null or writable.
        pub unsafe extern $abi fn allocate_more(
            size: ULONG,
            object: LPVOID,
            out: *mut LPVOID,
        ) -> SCODE {
            // SAFETY: the caller's contract, passed on.
            unsafe { do_allocate_more(size, object, out) }
        }

        /// `MAPIFreeBuffer`: frees a buffer with its `MAPIAllocateMore` blocks. NULL is
        /// nothing to free (as C's `free` takes it); any other pointer that is not a
        /// live buffer is a [`Finding`] and is left alone.
        ///
        /// # Safety
        /// None beyond the ABI: the pointer is only looked up, never read.
        pub unsafe extern $abi fn free_buffer(buffer: LPVOID) -> ULONG {
            // SAFETY: no contract.
            unsafe { do_free_buffer(buffer) }
        }
    };
}

exports!("system");

/// The three tracking functions as [`Allocators`].
pub fn allocators() -> Allocators {
    // SAFETY: the three behave as MAPI documents its functions (and record what does
    // not), for the life of the process.
    unsafe {
        Allocators::new(
            Some(allocate_buffer),
            Some(allocate_more),
            Some(free_buffer),
        )
    }
    .expect("three functions")
}

/// One run's use of the tracking allocators: the only one in the process while it lasts.
pub struct Session {
    _one: MutexGuard<'static, ()>,
}

/// Starts a session, once the previous one has ended: the allocators' registry starts
/// empty. Buffers still allocated from an earlier session are forgotten (their memory is
/// not given back: someone may still use it).
pub fn session() -> Session {
    let one = SESSION.lock().unwrap_or_else(|e| e.into_inner());
    let mut guard = registry();
    if let Some(r) = guard.as_mut() {
        r.release_quarantine();
    }
    *guard = Some(Registry::default());
    Session { _one: one }
}

impl Session {
    /// The tracking allocators.
    pub fn allocators(&self) -> Allocators {
        allocators()
    }

    /// Makes the `n`th allocation from now on fail (1 is the next one); `None` for none.
    pub fn fail_allocation(&self, n: Option<u64>) {
        if let Some(r) = registry().as_mut() {
            r.fail_at = n.map(|n| r.allocations + n);
        }
    }

    /// How many allocations the session has seen.
    pub fn allocations(&self) -> u64 {
        registry().as_ref().map_or(0, |r| r.allocations)
    }

    /// How many buffers (`MAPIAllocateBuffer` roots) are allocated now.
    pub fn live_buffers(&self) -> usize {
        registry()
            .as_ref()
            .map_or(0, |r| r.live.values().filter(|b| b.root.is_none()).count())
    }

    /// The bad frees and bad parents seen so far.
    pub fn findings(&self) -> Vec<Finding> {
        registry()
            .as_ref()
            .map_or_else(Vec::new, |r| r.findings.clone())
    }

    /// Ends the session: every finding, with a [`Finding::Leak`] for each buffer still
    /// allocated (in allocation-label order). Leaked memory is not given back.
    pub fn finish(self) -> Vec<Finding> {
        let mut guard = registry();
        let Some(r) = guard.as_mut() else {
            return Vec::new();
        };
        let mut findings = std::mem::take(&mut r.findings);
        let mut leaks: Vec<Finding> = r
            .live
            .values()
            .filter(|b| b.root.is_none())
            .map(|b| Finding::Leak {
                allocated_at: b.label.clone(),
                size: b.layout.size(),
                children: b.children.len(),
            })
            .collect();
        leaks.sort_by_key(|l| l.to_string());
        findings.extend(leaks);
        r.live.clear();
        r.release_quarantine();
        findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alloc(size: ULONG) -> LPVOID {
        let mut p = std::ptr::null_mut();
        // SAFETY: a writable out-pointer.
        assert_eq!(unsafe { allocate_buffer(size, &mut p) }, sys::S_OK);
        p
    }

    fn more(size: ULONG, parent: LPVOID) -> (SCODE, LPVOID) {
        let mut p = std::ptr::null_mut();
        // SAFETY: a writable out-pointer.
        let hr = unsafe { allocate_more(size, parent, &mut p) };
        (hr, p)
    }

    fn free(p: LPVOID) {
        // SAFETY: free_buffer only looks the pointer up.
        unsafe { free_buffer(p) };
    }

    #[test]
    fn a_buffer_freed_once_with_its_children_leaves_nothing() {
        let s = session();
        let p = label("Test::Root", || alloc(10));
        let (hr, c) = more(20, p);
        assert_eq!(hr, sys::S_OK);
        // SAFETY: 20 zeroed bytes, ours.
        unsafe { c.cast::<u8>().add(19).write(1) };
        assert_eq!(p as usize % ALIGN, 0);
        assert_eq!(s.live_buffers(), 1);
        free(p);
        free(std::ptr::null_mut());
        assert_eq!(s.live_buffers(), 0);
        assert_eq!(s.finish(), []);
    }

    #[test]
    fn a_leak_is_reported_with_where_it_was_allocated() {
        let s = session();
        let p = label("IMsgStore::GetProps", || alloc(8));
        let _ = more(4, p);
        assert_eq!(
            s.finish(),
            [Finding::Leak {
                allocated_at: "IMsgStore::GetProps".into(),
                size: 8,
                children: 1
            }]
        );
    }

    #[test]
    fn a_double_free_is_reported_and_ignored() {
        let s = session();
        let p = label("Provider::Hand", || alloc(8));
        label("Provider::Free", || free(p));
        label("harness", || free(p));
        assert_eq!(
            s.finish(),
            [Finding::DoubleFree {
                allocated_at: "Provider::Hand".into(),
                first_freed_at: "Provider::Free".into(),
                freed_again_at: "harness".into(),
            }]
        );
    }

    #[test]
    fn a_free_of_a_child_is_reported_and_ignored() {
        let s = session();
        let p = label("A", || alloc(8));
        let (_, c) = label("B", || more(8, p));
        label("C", || free(c));
        assert_eq!(
            s.findings(),
            [Finding::FreeOfChild {
                allocated_at: "B".into(),
                root_allocated_at: "A".into(),
                freed_at: "C".into(),
            }]
        );
        // The child is still there, and goes with its root.
        free(p);
        label("D", || free(c));
        let findings = s.finish();
        assert_eq!(findings.len(), 2);
        assert!(matches!(&findings[1], Finding::FreeOfChild { freed_at, .. } if freed_at == "D"));
    }

    #[test]
    fn a_free_of_an_unknown_pointer_is_reported_and_ignored() {
        let s = session();
        let mut local = 0u64;
        label("X", || free(std::ptr::addr_of_mut!(local).cast()));
        let findings = s.finish();
        assert!(
            matches!(&findings[..], [Finding::FreeOfUnknown { freed_at, .. }] if freed_at == "X"),
            "{findings:?}"
        );
    }

    #[test]
    fn allocate_more_on_a_bad_parent_fails_and_is_reported() {
        let s = session();
        let p = alloc(8);
        let (_, c) = more(8, p);
        let (hr, q) = label("M", || more(8, c));
        assert_eq!((hr, q.is_null()), (sys::MAPI_E_INVALID_PARAMETER, true));
        free(p);
        let (hr, _) = more(8, p);
        assert_eq!(hr, sys::MAPI_E_INVALID_PARAMETER);
        let findings = s.finish();
        assert_eq!(findings.len(), 2);
        assert_eq!(
            findings[0].to_string(),
            "MAPIAllocateMore in M on a MAPIAllocateMore block"
        );
        assert!(findings[1].to_string().ends_with("on a freed buffer"));
    }

    #[test]
    fn the_nth_allocation_fails() {
        let s = session();
        s.fail_allocation(Some(2));
        let p = alloc(8);
        let (hr, c) = more(8, p);
        assert_eq!((hr, c.is_null()), (sys::MAPI_E_NOT_ENOUGH_MEMORY, true));
        let (hr, _) = more(8, p);
        assert_eq!(hr, sys::S_OK);
        assert_eq!(s.allocations(), 3);
        free(p);
        assert_eq!(s.finish(), []);
    }

    #[test]
    fn a_null_out_pointer_is_refused() {
        let s = session();
        // SAFETY: null out-pointers are allowed (and refused).
        unsafe {
            assert_eq!(
                allocate_buffer(1, std::ptr::null_mut()),
                sys::MAPI_E_INVALID_PARAMETER
            );
            assert_eq!(
                allocate_more(1, std::ptr::null_mut(), std::ptr::null_mut()),
                sys::MAPI_E_INVALID_PARAMETER
            );
        }
        assert_eq!(s.finish(), []);
    }

    #[test]
    fn the_runtime_buffer_type_works_over_them() {
        let s = session();
        let b = mapi_sync::mem::Buffer::new(s.allocators(), 16).unwrap();
        b.more_copy(b"abc").unwrap();
        drop(b);
        assert_eq!(s.finish(), []);
    }
}
