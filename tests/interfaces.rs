//! Extra interfaces listed in the attribute, base-interface answers, COM identity across
//! interfaces, generic providers, `raw` mode and `crate = ...`.
#![allow(non_snake_case)] // the generated _Impl traits keep MAPI's parameter names

mod common;

use std::ffi::c_void;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;

use common::{DropCounter, DropProbe};
use mapi_sync::prelude::*;
use mapi_sync::sys::{self, *};

/// A store that is also an IMsgStore (and so an IMAPIProp) and an IMAPIAdviseSink.
#[mapi_sync_provider(IMsgStore, IMAPIAdviseSink)]
struct FullStore {
    _probe: DropProbe,
    notifications: AtomicU32,
}

impl SyncProvider for FullStore {
    fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> {
        Ok(())
    }
}

impl IMAPIAdviseSink_Impl for FullStore {
    unsafe fn OnNotify(&self, cNotif: ULONG, _lpNotifications: LPNOTIFICATION) -> ULONG {
        self.notifications.fetch_add(cNotif, Ordering::SeqCst);
        0
    }
}

/// Every method answers MAPI_E_NO_SUPPORT (the traits' defaults) except `StoreLogoff`,
/// which says who it is.
impl IMAPIProp_Impl for FullStore {}

impl IMsgStore_Impl for FullStore {
    unsafe fn StoreLogoff(&self, lpulFlags: *mut ULONG) -> HRESULT {
        if lpulFlags.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: non-null, and the caller passes a writable ULONG.
        unsafe { *lpulFlags = 0x5151 };
        S_OK
    }
}

fn full_store() -> (IUnknown, DropCounter) {
    let drops = DropCounter::default();
    let unknown = FullStore {
        _probe: DropProbe(drops.clone()),
        notifications: AtomicU32::new(0),
    }
    .into_unknown();
    (unknown, drops)
}

#[test]
fn listed_interfaces_and_their_bases_are_answered() {
    let (unknown, drops) = full_store();
    let store: IMsgStore = unknown.cast().unwrap();
    let prop: IMAPIProp = unknown.cast().unwrap();
    let sink: IMAPIAdviseSink = unknown.cast().unwrap();
    let sync: IMAPISync = unknown.cast().unwrap();

    // One vtable pointer per interface: IMAPISync (the identity), IMsgStore, the sink.
    let base = unknown.as_raw() as usize;
    let ptr = std::mem::size_of::<*const c_void>();
    assert_eq!(sync.as_raw() as usize, base);
    assert_eq!(store.as_raw() as usize, base + ptr);
    assert_eq!(sink.as_raw() as usize, base + 2 * ptr);
    // IMAPIProp, IMsgStore's base, is answered by IMsgStore's vtable.
    assert_eq!(prop.as_raw(), store.as_raw());

    // Calls reach the author's implementations through the generated vtables.
    let mut flags = 0;
    // SAFETY: live interface pointers; `flags` is writable.
    unsafe {
        assert_eq!(store.StoreLogoff(&mut flags), S_OK);
        assert_eq!(flags, 0x5151);
        assert_eq!(store.SaveChanges(0), MAPI_E_NO_SUPPORT);
        assert_eq!(prop.SaveChanges(0), MAPI_E_NO_SUPPORT);
        assert_eq!(sink.OnNotify(3, std::ptr::null_mut()), 0);
        assert_eq!(sink.OnNotify(4, std::ptr::null_mut()), 0);
    }
    // Other interfaces, including other IMAPIProp children, are not answered.
    assert_eq!(unknown.cast::<IMessage>().err(), Some(E_NOINTERFACE));
    assert_eq!(unknown.cast::<IMAPIFolder>().err(), Some(E_NOINTERFACE));
    assert_eq!(unknown.cast::<IMAPIProgress>().err(), Some(E_NOINTERFACE));

    drop((store, prop, sink, sync, unknown));
    assert_eq!(drops.count(), 1);
}

#[test]
fn identity_holds_from_every_interface() {
    let (unknown, drops) = full_store();
    let store: IMsgStore = unknown.cast().unwrap();
    let sink: IMAPIAdviseSink = unknown.cast().unwrap();
    let sync: IMAPISync = unknown.cast().unwrap();
    for from in [
        store.cast::<IUnknown>().unwrap(),
        sink.cast::<IUnknown>().unwrap(),
        sync.cast::<IUnknown>().unwrap(),
        store
            .cast::<IMAPIProp>()
            .unwrap()
            .cast::<IUnknown>()
            .unwrap(),
    ] {
        assert_eq!(from.as_raw(), unknown.as_raw());
    }
    // Any interface reaches any other.
    assert_eq!(sink.cast::<IMsgStore>().unwrap().as_raw(), store.as_raw());
    assert_eq!(
        store.cast::<IMAPIAdviseSink>().unwrap().as_raw(),
        sink.as_raw()
    );
    assert_eq!(sink.cast::<IMAPISync>().unwrap().as_raw(), sync.as_raw());
    // Clone is AddRef, Drop is Release: the count says so through the raw vtable.
    let another = unknown.clone();
    // SAFETY: live pointer; AddRef balanced by Release.
    unsafe {
        assert_eq!(common::add_ref(another.as_raw()), 6);
        assert_eq!(common::release(another.as_raw()), 5);
    }
    drop(another);
    drop((store, sink, sync, unknown));
    assert_eq!(drops.count(), 1);
}

/// A generic provider: every instantiation is a provider because the struct's own bounds
/// say so.
trait Clock: Send + Sync + 'static {
    fn now(&self) -> u32;
}

struct Fixed(u32);

impl Clock for Fixed {
    fn now(&self) -> u32 {
        self.0
    }
}

#[mapi_sync_provider(IMAPIAdviseSink)]
struct GenericStore<C: Clock, const STEPS: u32> {
    clock: C,
    seen: Arc<AtomicU32>,
}

impl<C: Clock, const STEPS: u32> SyncProvider for GenericStore<C, STEPS> {
    fn synchronize(&self, _: &SyncRequest, progress: &Progress) -> mapi_sync::Result<()> {
        self.seen.store(self.clock.now(), Ordering::SeqCst);
        progress.step("tick", STEPS, STEPS)
    }
}

impl<C: Clock, const STEPS: u32> IMAPIAdviseSink_Impl for GenericStore<C, STEPS> {
    unsafe fn OnNotify(&self, _: ULONG, _: LPNOTIFICATION) -> ULONG {
        self.clock.now() + STEPS
    }
}

#[test]
fn generic_providers_work() {
    let seen = Arc::new(AtomicU32::new(0));
    let sink: IMAPIAdviseSink = GenericStore::<Fixed, 3> {
        clock: Fixed(40),
        seen: seen.clone(),
    }
    .into_interface()
    .unwrap();
    // SAFETY: live pointer.
    assert_eq!(unsafe { sink.OnNotify(0, std::ptr::null_mut()) }, 43);
    let sync: IMAPISync = sink.cast().unwrap();

    let mut event: sys::HANDLE = std::ptr::null_mut();
    let mut sib = MAPISIB {
        ulSize: std::mem::size_of::<MAPISIB>() as ULONG,
        ulFlags: 0,
        psesSync: sys::InterfacePtr::null(),
        punkCallBack: sys::InterfacePtr::null(),
        phSyncDoneEvent: &mut event,
    };
    // SAFETY: a valid MAPISIB; we own the event afterwards.
    unsafe {
        assert_eq!(sync.SynchronizeInBackground(&mut sib), S_OK);
        mapi_sync::event::wait(event).unwrap();
        mapi_sync::event::close(event);
    }
    assert_eq!(seen.load(Ordering::SeqCst), 40);
}

/// Raw mode: the author implements SynchronizeInBackground, here with the runtime's
/// `run_in_background` and a reference to its own object.
#[mapi_sync_provider(raw)]
struct RawStore {
    _probe: DropProbe,
    calls: Arc<AtomicUsize>,
}

impl RawSyncProvider for RawStore {
    unsafe fn synchronize_in_background(this: &Object<Self>, psibpb: PMAPISIB) -> HRESULT {
        this.calls.fetch_add(1, Ordering::SeqCst);
        if psibpb.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        // The object handle is Send: the thread keeps the store alive with it.
        let store = this.clone();
        // SAFETY: `psibpb` is what our caller passed to SynchronizeInBackground.
        unsafe {
            mapi_sync::run_in_background(psibpb, move |_, progress| {
                store.calls.fetch_add(10, Ordering::SeqCst);
                progress.step("raw", 1, 1)
            })
        }
    }
}

#[test]
fn raw_mode_uses_the_authors_synchronize_in_background() {
    let drops = DropCounter::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let sync: IMAPISync = RawStore {
        _probe: DropProbe(drops.clone()),
        calls: calls.clone(),
    }
    .into_interface()
    .unwrap();
    // SAFETY: null is one of the inputs the author's code handles.
    assert_eq!(
        unsafe { sync.SynchronizeInBackground(std::ptr::null_mut()) },
        MAPI_E_INVALID_PARAMETER
    );
    let mut event: sys::HANDLE = std::ptr::null_mut();
    let mut sib = MAPISIB {
        ulSize: std::mem::size_of::<MAPISIB>() as ULONG,
        ulFlags: 0,
        psesSync: sys::InterfacePtr::null(),
        punkCallBack: sys::InterfacePtr::null(),
        phSyncDoneEvent: &mut event,
    };
    // SAFETY: a valid MAPISIB; we own the event afterwards.
    unsafe {
        assert_eq!(sync.SynchronizeInBackground(&mut sib), S_OK);
        mapi_sync::event::wait(event).unwrap();
        mapi_sync::event::close(event);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 12);
    drop(sync);
    assert_eq!(drops.count(), 1);
}

mod renamed {
    // As if Cargo.toml said `sync_runtime = { package = "mapi-sync", .. }`.
    pub use mapi_sync as sync_runtime;
}

#[mapi_sync_provider(crate = renamed::sync_runtime)]
struct RenamedPath;

impl renamed::sync_runtime::SyncProvider for RenamedPath {
    fn synchronize(
        &self,
        _: &renamed::sync_runtime::SyncRequest,
        _: &renamed::sync_runtime::Progress,
    ) -> renamed::sync_runtime::Result<()> {
        Ok(())
    }
}

#[test]
fn crate_path_can_be_given() {
    let sync: IMAPISync = RenamedPath.into_interface().unwrap();
    assert_eq!(sync.cast::<IMsgStore>().err(), Some(E_NOINTERFACE));
}
