//! `mapi-sync`: write Outlook MAPI store providers in Rust.
//!
//! Outlook 2010 and later asks a message store object for [`IMAPISync`](sys::IMAPISync)
//! and calls `SynchronizeInBackground` when the user presses Send/Receive (or on its own
//! schedule). The store starts a background thread, reports progress and errors through the
//! `IMAPISyncProgressCallback` that Outlook passes in, and signals an event when it is done.
//! This crate does all of that COM and threading work; a provider author writes only the
//! synchronization:
//!
//! ```
//! use mapi_sync::prelude::*;
//!
//! #[mapi_sync_provider]
//! struct MyStore {
//!     server: String,
//! }
//!
//! impl SyncProvider for MyStore {
//!     fn synchronize(&self, request: &SyncRequest, progress: &Progress) -> mapi_sync::Result<()> {
//!         if request.flags().contains(SyncFlags::DOWNLOAD_CONTENTS) {
//!             progress.step("Downloading headers", 1, 10)?;
//!         }
//!         Ok(())
//!     }
//! }
//!
//! // The COM object to hand to MAPI (for example from your IMSLogon::OpenMsgStore).
//! let store: mapi_sync::sys::IUnknown = MyStore { server: "imap.example.com".into() }.into_unknown();
//! let sync: mapi_sync::sys::IMAPISync = store.cast().unwrap();
//! # drop(sync);
//! ```
//!
//! # Who implements `IMAPISync`?
//!
//! Microsoft's overview page for `IMAPISync` says in its table "Implemented by: Outlook".
//! The page for `IMAPISync::SynchronizeInBackground` and the page for `MAPISIB` say the
//! opposite, and they are right: the **store provider implements `IMAPISync`** and
//! Outlook calls it; Outlook implements `IMAPISyncProgressCallback`, which the provider
//! calls. This crate is built for that reading: [`mapi_sync_provider`] makes your type
//! answer `QueryInterface(IID_IMAPISync)`, and [`Progress`] wraps Outlook's callback.
//!
//! # What happens on a synchronization
//!
//! `SynchronizeInBackground(psibpb)` (the generated [`IMAPISync_Vtbl`](sys::IMAPISync_Vtbl)
//! entry filled in by [`mapi_sync_provider`]) does, in this order:
//!
//! 1. Validates the [`MAPISIB`](sys::MAPISIB) before any of your code runs: a null
//!    pointer, a `ulSize` smaller than `size_of::<MAPISIB>()` or a null `phSyncDoneEvent`
//!    give `MAPI_E_INVALID_PARAMETER` and nothing is started. From here on
//!    `*phSyncDoneEvent` is NULL on every failure (COM's rule for out-parameters).
//! 2. Asks `punkCallBack` for `IMAPISyncProgressCallback`. A **null** `punkCallBack`
//!    means "no progress wanted": the synchronization runs with a disconnected
//!    [`Progress`] (its calls do nothing) and completion is seen through the event only.
//!    A **non-null object that does not answer** `IID_IMAPISyncProgressCallback` is a
//!    caller error: `MAPI_E_INVALID_PARAMETER`, nothing started.
//! 3. For a [`ONE_AT_A_TIME`](SyncProvider::ONE_AT_A_TIME) provider that is already
//!    synchronizing: `MAPI_E_BUSY`, nothing started.
//! 4. Creates the done event ([`DoneEvent`]) and **stores it in `*phSyncDoneEvent`
//!    before the synchronization can start**, so `Done` never arrives before the caller
//!    has its handle. Then it hands the work to a thread that holds a reference to the
//!    store object, to the callback and to the session. If no thread can be had, the
//!    handle is taken back (closed, `*phSyncDoneEvent` set to NULL), everything is
//!    released and `MAPI_E_NOT_ENOUGH_RESOURCES` returned.
//! 5. Returns `S_OK`.
//!
//! The thread calls [`SyncProvider::enter_sync_thread`], [`SyncProvider::synchronize`]
//! and [`SyncProvider::leave_sync_thread`]. If that returns `Err(e)`, it calls
//! `Error(e.code(), text)`; if it panics, the panic is caught and it calls
//! `Error(E_UNEXPECTED, "...panic message...")`. An `Err` with `MAPI_E_USER_CANCEL` (what
//! `progress.step(..)?` gives back once the user pressed Cancel) is not reported through
//! `Error`: the user knows, and Outlook would show an error for their own cancel. Then it
//! calls `Done(event, hr)` exactly once. Every reference it took is released by then (the
//! object's as soon as `synchronize` returns or unwinds, the session's before `Done`, the
//! callback's right after it), and only then is the event signalled, so a host that wakes
//! on the event sees the whole synchronization finished.
//!
//! # What a host may rely on
//!
//! - **The handle is written before `Done`**: `*phSyncDoneEvent` holds the event by the
//!   time any `Done` for it can run, so a host may match `Done(hThreadDoneEvent, ..)` to
//!   its pending synchronizations by handle.
//! - **Who closes what**: the handle in `*phSyncDoneEvent` (the same one `Done` hands
//!   back) belongs to the caller, who closes it when it likes, even before the event is
//!   signalled. The thread signals a duplicate of its own, which it closes itself. See
//!   [`event`] for waiting on the event in a test or a host that is not on Windows.
//! - **Unloading**: the provider's module is pinned by its first object and stays mapped
//!   until the process exits, so `FreeLibrary`/`dlclose` at any time, even the moment the
//!   event fires, is harmless; see [`module`] for the policy and `DllCanUnloadNow`.
//!
//! # Threads
//!
//! - **`synchronize`** runs on one of the runtime's threads. Threads are kept for 30 s
//!   after a synchronization and reused; a call that finds none idle starts a new one, so
//!   a synchronization never waits for another. Several may run at once (hence `Sync`)
//!   unless [`ONE_AT_A_TIME`](SyncProvider::ONE_AT_A_TIME) is set.
//! - **Per-thread set-up** (`CoInitializeEx`, `MAPIInitialize`) belongs in
//!   [`enter_sync_thread`](SyncProvider::enter_sync_thread) and its undoing in
//!   [`leave_sync_thread`](SyncProvider::leave_sync_thread), which run on the sync
//!   thread around each synchronization.
//! - **Every other method** (`QueryInterface`, the `IFoo_Impl` methods of the listed
//!   interfaces) runs on whatever thread the host calls from, possibly while a
//!   synchronization runs: they all get `&self`, so state they share needs interior
//!   mutability (atomics, `Mutex`).
//! - **The object** is `Send + Sync`: the struct must be, and the count is atomic. The
//!   value is dropped on the thread that releases the last reference: often the sync
//!   thread.
//!
//! # Implementing the listed interfaces: the `IFoo_Impl` contract
//!
//! `#[mapi_sync_provider(IMsgStore)]` makes the object answer `IMsgStore` (and its base
//! `IMAPIProp`) through the generated traits [`IMsgStore_Impl`](sys::IMsgStore_Impl) and
//! [`IMAPIProp_Impl`](sys::IMAPIProp_Impl), which the struct implements:
//!
//! - **Every method is an `unsafe fn`** taking MAPI's raw arguments. The object's vtable
//!   passes the caller's arguments on unchanged, so an implementation may rely on exactly
//!   what the MAPI documentation of that method promises (an `[in]` pointer is readable, an
//!   `[out]` pointer writable) and must check the rest (null where MAPI allows null,
//!   counts, flags). Because the methods are unsafe, safe code cannot call one with
//!   made-up pointers.
//! - **Every method has a default** that answers `MAPI_E_NO_SUPPORT` (0 for
//!   `IMAPIAdviseSink::OnNotify`), so an author writes only what the object supports:
//!   `impl IMAPIProp_Impl for MyStore {}` is a complete implementation.
//! - **A panic** in a method is caught and becomes its failure value (`E_UNEXPECTED` for
//!   an HRESULT); nothing unwinds into the host, and a panic payload whose own `Drop`
//!   panics is caught too.
//! - **Threads**: methods run on the caller's thread, beside any synchronization (see
//!   [Threads](#threads)).
//! - **Who frees what**: MAPI's rule holds. What a method hands out through an `[out]`
//!   pointer (a property array from `GetProps`, an entry identifier from `OpenEntry`)
//!   is allocated with `MAPIAllocateBuffer`/`MAPIAllocateMore` (for a store, the allocators
//!   MAPI passes to `MSProviderInit`) and freed by the caller with `MAPIFreeBuffer`; an
//!   interface pointer handed out carries one reference that the caller releases; `[in]`
//!   arguments stay the caller's.
//! - **Parameter names** are MAPI's in snake case (`lpPropTagArray` is
//!   `lp_prop_tag_array`), so an implementation copied from the trait draws no
//!   `non_snake_case` warning; the vtables and the calling wrappers keep MAPI's spelling.
//!   **Interface pointers** are typed: `LPMAPITABLE` is
//!   [`sys::InterfacePtr<IMAPITable>`](sys::InterfacePtr), so an out-parameter is answered
//!   with `*lpp_table = table.into()` and an in-parameter kept with `.to_owned()`.
//!
//! ```
//! use mapi_sync::prelude::*;
//! use mapi_sync::sys::{self, IMAPIProp_Impl, IMsgStore_Impl, HRESULT, ULONG};
//!
//! #[mapi_sync_provider(IMsgStore)]
//! struct Store;
//! # impl SyncProvider for Store { fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> { Ok(()) } }
//!
//! impl IMAPIProp_Impl for Store {}
//!
//! impl IMsgStore_Impl for Store {
//!     unsafe fn StoreLogoff(&self, lpul_flags: *mut ULONG) -> HRESULT {
//!         if lpul_flags.is_null() {
//!             return sys::MAPI_E_INVALID_PARAMETER;
//!         }
//!         // SAFETY: non-null, and MAPI documents it as a writable ULONG.
//!         unsafe { *lpul_flags = 0 };
//!         sys::S_OK
//!     }
//! }
//!
//! let store: sys::IMsgStore = Store.into_interface().unwrap();
//! let mut flags = 1;
//! // SAFETY: a writable ULONG.
//! assert_eq!(unsafe { store.StoreLogoff(&mut flags) }, sys::S_OK);
//! // SAFETY: no arguments to get wrong; the default answers MAPI_E_NO_SUPPORT.
//! assert_eq!(unsafe { store.SaveChanges(0) }, sys::MAPI_E_NO_SUPPORT);
//! ```
//!
//! # Memory and property values
//!
//! What a method hands out through an `[out]` pointer must come from the allocators MAPI
//! lends the provider: [`mem::Allocators`] holds them (or this crate's own
//! [`mem::Allocators::local`] for tests and non-MAPI hosts), and [`mem::Buffer`] is one
//! `MAPIAllocateBuffer` allocation with its `MAPIAllocateMore` children, freed once.
//! [`props`] reads and writes `SPropValue`: [`props::PropValue`] is a `Copy` value
//! borrowing its strings and arrays; [`props::Props`] and [`props::Rows`] read a caller's
//! array or `SRowSet` in place (checked once, each value decoded when reached);
//! [`props::PropArray`] writes an array into one MAPI buffer, and
//! [`PropArray::answer`](props::PropArray::answer) with
//! [`hand_out`](props::PropArray::hand_out) is a whole `GetProps`; [`props::RowSet`]
//! is `QueryRows`' answer; `SPropTagArray` and entry identifiers have readers and
//! writers too. A value whose type is not its tag's is refused (`MAPI_E_BAD_VALUE`), so
//! is data that is not there (`MAPI_E_CORRUPT_DATA`).
//!
//! ```
//! # #![allow(non_snake_case)]
//! use mapi_sync::mem::Allocators;
//! use mapi_sync::prelude::*;
//! use mapi_sync::props::{prop_tags, Prop, PropArray, PropValue};
//! use mapi_sync::sys::{self, IMAPIProp_Impl, IMessage_Impl, HRESULT, ULONG};
//!
//! #[mapi_object(IMessage)]
//! struct Message {
//!     subject: String,
//! }
//!
//! impl IMessage_Impl for Message {}
//! impl IMAPIProp_Impl for Message {
//!     unsafe fn GetProps(
//!         &self,
//!         lpPropTagArray: sys::LPSPropTagArray,
//!         ulFlags: ULONG,
//!         lpcValues: *mut ULONG,
//!         lppPropArray: *mut sys::LPSPropValue,
//!     ) -> HRESULT {
//!         let has = [
//!             Prop::new(sys::PR_SUBJECT_W, PropValue::Str(&self.subject)).unwrap(),
//!             Prop::new(sys::PR_MESSAGE_SIZE, PropValue::Long(42)).unwrap(),
//!         ];
//!         // A store uses the allocators MAPI passed to MSProviderInit.
//!         // SAFETY: null or a tag array (GetProps' contract).
//!         match PropArray::answer(Allocators::local(), unsafe { prop_tags(lpPropTagArray) }, &has, ulFlags) {
//!             // SAFETY: null or writable (GetProps' contract); checked there.
//!             Ok(answer) => unsafe { answer.hand_out(lpcValues, lppPropArray) },
//!             Err(e) => e.code(),
//!         }
//!     }
//! }
//! # let m: sys::IMessage = Object::new(Message { subject: "Hi".into() }).cast().unwrap();
//! # let (mut n, mut v) = (0, std::ptr::null_mut());
//! # assert_eq!(unsafe { m.GetProps(std::ptr::null_mut(), sys::MAPI_UNICODE, &mut n, &mut v) }, sys::S_OK);
//! # let props = unsafe { mapi_sync::props::Props::from_raw(v, n) }.unwrap();
//! # assert_eq!(props.find(sys::PR_SUBJECT_W).unwrap().value(), PropValue::Str("Hi"));
//! # unsafe { Allocators::local().as_raw().2.unwrap()(v.cast()) };
//! ```
//!
//! # Raw mode
//!
//! `#[mapi_sync_provider(raw)]` leaves `SynchronizeInBackground` to you: implement
//! [`RawSyncProvider`] instead of [`SyncProvider`]. It is given the called [`Object`],
//! which it can clone into its own thread to keep the store alive;
//! [`run_in_background`], [`SyncRequest::from_raw`], [`Progress::from_unknown`] and
//! [`DoneEvent`] are the pieces the default implementation is made of.
//!
//! # Objects and reference counting
//!
//! [`Object<T>`](Object) is the owned handle to a store object: `Deref` reaches the
//! value, [`Object::cast`] gives any interface it implements without a `QueryInterface`
//! call, `Clone` and `Drop` count. `AddRef`/`Release` are atomic. The value is dropped
//! exactly once, on the `Release` that takes the count to zero, after an acquire fence;
//! while it is being dropped the count is parked, so a `Drop` that makes and gives up a
//! reference to its own object cannot free it twice. The count **saturates** rather than
//! wrapping: once it passes 2³¹ (only a reference leak gets there) it stays pinned and
//! the object is deliberately leaked, because aborting would take Outlook down with it and
//! wrapping would free a live object.
#![deny(missing_docs)]

// The runtime builds beside the macros (it does not depend on them); this crate puts the
// two together, so what a provider names is all here.
pub use mapi_sync_runtime::*;

/// The store framework (feature `store`): a provider implements
/// [`Backend`](store::backend::Backend) in safe Rust (the store's identity, its folders,
/// its messages) and [`store_provider!`](store::store_provider) exports `MSProviderInit`
/// and `ServiceEntry`; the framework answers MAPI (the store, folders, messages, tables
/// with restrictions, sorts and bookmarks, entry ids, the status row, `IMAPISync`). See
/// the crate's own documentation for a whole store.
#[cfg(feature = "store")]
pub use mapi_sync_store as store;

/// Makes a struct an Outlook store COM object that implements `IMAPISync`.
///
/// ```text
/// #[mapi_sync_provider]                    // IUnknown + IMAPISync; implement SyncProvider
/// #[mapi_sync_provider(IMsgStore)]         // also IMsgStore (and its bases): implement IMsgStore_Impl
/// #[mapi_sync_provider(raw)]               // implement RawSyncProvider yourself
/// #[mapi_sync_provider(crate = my::path)]  // if mapi_sync is renamed in your Cargo.toml
/// ```
///
/// The struct itself is left as written. The attribute implements [`ComClass`] for it,
/// which gives [`ComClass::into_unknown`]: the struct is moved into a new reference
/// counted COM object whose `QueryInterface` answers `IID_IUnknown`, `IID_IMAPISync`, each
/// listed interface and the base interfaces of each listed interface; every other IID
/// gives `E_NOINTERFACE`. The object's own fields live in this crate's private object type,
/// so they can never collide with the struct's fields.
///
/// Interface names are looked up in [`sys`]; an unknown name, an enum, a union, a
/// struct with lifetime parameters, and a missing [`SyncProvider`] implementation are
/// compile errors at your tokens. Type and const parameters are supported when the
/// struct's own bounds make every instantiation `Send + Sync + 'static` and a provider.
pub use mapi_sync_macros::mapi_sync_provider;

/// Makes a struct a COM object that implements the listed interfaces: a callback MAPI
/// calls (`IMAPIAdviseSink`, `IMAPIProgress`, Outlook's `IMAPISyncProgressCallback` in a
/// host written in Rust), or one of a provider's many objects (folders, messages,
/// tables).
///
/// ```text
/// #[mapi_object(IMAPIAdviseSink)]               // implement sys::IMAPIAdviseSink_Impl
/// #[mapi_object(IMAPIFolder, IMAPIAdviseSink)]  // several, each with its bases
/// #[mapi_object(IMAPITable, crate = my::path)]  // if mapi_sync is renamed
/// ```
///
/// The object is made exactly like a [`mapi_sync_provider`]'s, without `IMAPISync`:
/// `QueryInterface` answers `IID_IUnknown`, each listed interface and each of their base
/// interfaces (the first listed interface's vtable is the object's identity), every other
/// IID `E_NOINTERFACE` with the out-pointer nulled; the count is atomic; every method
/// catches panics. [`Object::new`] makes one; a field of type [`This<Self>`](This) lets the
/// object's own methods reach it.
///
/// ```
/// #![allow(non_snake_case)]
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use mapi_sync::prelude::*;
/// use mapi_sync::sys::{IMAPIAdviseSink, IMAPIAdviseSink_Impl, LPNOTIFICATION, ULONG};
///
/// /// Counts the notifications MAPI sends.
/// #[mapi_object(IMAPIAdviseSink)]
/// struct Sink {
///     seen: AtomicU32,
/// }
///
/// impl IMAPIAdviseSink_Impl for Sink {
///     unsafe fn OnNotify(&self, cNotif: ULONG, _: LPNOTIFICATION) -> ULONG {
///         self.seen.fetch_add(cNotif, Ordering::Relaxed);
///         0
///     }
/// }
///
/// let sink = Object::new(Sink { seen: AtomicU32::new(0) });
/// let raw: IMAPIAdviseSink = sink.cast().unwrap(); // what MAPI's Advise is given
/// // SAFETY: no notifications are read.
/// unsafe { raw.OnNotify(2, std::ptr::null_mut()) };
/// assert_eq!(sink.seen.load(Ordering::Relaxed), 2);
/// ```
pub use mapi_sync_macros::mapi_object;

/// The names most providers need: `use mapi_sync::prelude::*;`. Also brings the methods
/// of the generated [`Interface`](sys::Interface) and [`ComInterface`](sys::ComInterface)
/// traits (`as_raw`, `cast`, ...) into scope, without their names.
pub mod prelude {
    pub use crate::sys::{ComInterface as _, Interface as _};
    pub use crate::{
        mapi_object, mapi_sync_provider, ComClass, Error, MapiContext, Object, Progress,
        RawSyncProvider, Result, SyncFlags, SyncProvider, SyncRequest, This,
    };
}

/// The README's code blocks, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
