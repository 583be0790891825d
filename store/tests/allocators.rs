//! Two framework stores in one process, each given its own allocators by its own
//! `MSProviderInit` (what MAPI hands in belongs to that provider instance): each store's
//! answers come from its own allocators, never the other's, even after the other set
//! the process-wide provider allocators last.

use mapi_harness::support::{Profile, Support};
use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::sys::{self, Interface as _};
use mapi_sync_runtime::Object;
use mapi_sync_store::entry_id::EntryId;
use mapi_sync_store::ll::provider::{LogonRequest, ProviderObject};

mod common;

use common::{Mail, UID};

/// Logs a store on through `provider` with a support object answering in `allocators`.
fn log_on(provider: &sys::IMSProvider, allocators: Allocators) -> (sys::IMSLogon, sys::IMsgStore) {
    let dir = tempfile::tempdir().unwrap();
    let support = Object::new(Support::new(
        Profile::open(dir.path(), "p").unwrap(),
        allocators,
    ));
    let support = support.cast::<sys::IMAPISupport>().unwrap();
    let mut id = EntryId::store(UID).to_bytes();
    let (mut l, mut s) = (sys::InterfacePtr::null(), sys::InterfacePtr::null());
    // SAFETY: a live support object, the identifier's bytes, writable out-pointers.
    let hr = unsafe {
        provider.Logon(
            sys::InterfacePtr::from_raw(support.as_raw()),
            0,
            std::ptr::null_mut(),
            id.len() as u32,
            id.as_mut_ptr().cast(),
            0,
            std::ptr::null(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut l,
            &mut s,
        )
    };
    assert_eq!(hr, sys::S_OK);
    // SAFETY: one reference each from Logon.
    unsafe { (l.into_owned().unwrap(), s.into_owned().unwrap()) }
}

/// `GetProps` of every property of `store`; the buffer it handed out.
fn all_props(store: &sys::IMsgStore) -> *mut std::ffi::c_void {
    let (mut count, mut values) = (0, std::ptr::null_mut());
    // SAFETY: writable out-pointers, no tag array.
    let hr = unsafe {
        store.GetProps(
            std::ptr::null_mut(),
            sys::MAPI_UNICODE,
            &mut count,
            &mut values,
        )
    };
    assert_eq!(hr, sys::S_OK);
    assert!(count > 5);
    values.cast()
}

#[test]
fn two_stores_in_one_process_answer_in_their_own_allocators() {
    let session = mapi_harness::alloc::session();
    let tracking = session.allocators();
    let local = Allocators::local();
    let make = |_: &LogonRequest<'_>| Ok(Mail);
    let a: sys::IMSProvider = ProviderObject::new(tracking, make).cast().unwrap();
    let b: sys::IMSProvider = ProviderObject::new(local, make).cast().unwrap();
    // The tracking allocators are the process's provider allocators from now on, as if
    // store A's MSProviderInit had been the last to run.
    tracking.set_provider();
    let (logon_a, store_a) = log_on(&a, tracking);
    let (logon_b, store_b) = log_on(&b, local);

    let before = session.allocations();
    let from_b = all_props(&store_b);
    assert_eq!(
        session.allocations(),
        before,
        "store B answered in store A's allocators"
    );
    // SAFETY: store B's answer, in the local allocators, freed once.
    unsafe { local.free(from_b) };

    let from_a = all_props(&store_a);
    assert!(
        session.allocations() > before,
        "store A did not answer in its allocators"
    );
    // SAFETY: store A's answer, in the tracking allocators, freed once.
    unsafe { tracking.free(from_a) };

    for logon in [&logon_a, &logon_b] {
        let mut flags = 0;
        // SAFETY: a writable flags word.
        assert_eq!(unsafe { logon.Logoff(&mut flags) }, sys::S_OK);
    }
    drop((store_a, store_b, logon_a, logon_b, a, b));
    Allocators::local().set_provider();
    assert_eq!(session.finish(), []);
}
