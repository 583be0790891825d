//! The crate's own interfaces work as MAPI's do: QueryInterface finds them (and their
//! base), calls reach the Rust methods, a method left out answers MAPI_E_NO_SUPPORT, and
//! the IDL's comments, constants and structs are in the generated module.
use mapi_sync::prelude::*;
use mapi_sync::sys::{self, ComInterface, Interface};
use own_idl_provider::mystore::{self, IMyFolderQuota, IMyStoreInfo, IMyStoreInfo2};
use own_idl_provider::{FolderQuota, Store};

fn store() -> Object<Store> {
    Object::new(Store {
        limit: std::sync::Mutex::new(1000),
        used: 250,
    })
}

#[test]
fn query_interface_finds_the_own_interfaces_and_their_base() {
    let store = store();
    let info2: IMyStoreInfo2 = store.cast().expect("IMyStoreInfo2");
    let info: IMyStoreInfo = info2.cast().expect("its base, IMyStoreInfo");
    let _: sys::IMsgStore = info.cast().expect("and MAPI's IMsgStore beside them");
    assert_eq!(
        format!("{:?}", mystore::IID_IMyStoreInfo2),
        "{8C6F2D1E-3B7A-4E59-9D21-6A0F5B3C7E02}"
    );
    assert_eq!(
        IMyStoreInfo2::BASE_IIDS,
        &[mystore::IID_IMyStoreInfo, sys::IID_IUnknown]
    );
}

#[test]
fn calls_reach_the_rust_methods() {
    let store = store();
    let info: IMyStoreInfo2 = store.cast().unwrap();
    let mut quota = std::mem::MaybeUninit::<mystore::MYSTOREQUOTA>::uninit();
    // SAFETY: a writable MYSTOREQUOTA.
    assert_eq!(unsafe { info.GetQuota(quota.as_mut_ptr()) }, sys::S_OK);
    // SAFETY: GetQuota wrote it.
    let quota = unsafe { quota.assume_init() };
    assert_eq!((quota.cbLimit, quota.cbUsed), (1000, 250));
    assert_eq!(
        String::from_utf16_lossy(&quota.szServer),
        "imap.example.com"
    );
    // SAFETY: a plain ULONG.
    assert_eq!(unsafe { info.SetQuotaLimit(2000) }, sys::S_OK);
    assert_eq!(*store.limit.lock().unwrap(), 2000);
    // SAFETY: a plain ULONG.
    assert_eq!(
        unsafe { info.SetQuotaLimit(u32::MAX) },
        sys::MAPI_E_INVALID_PARAMETER
    );
    // SAFETY: null is refused by the method.
    assert_eq!(
        unsafe { info.GetQuota(std::ptr::null_mut()) },
        sys::MAPI_E_INVALID_PARAMETER
    );
    // Left out: the default answer.
    let mut table = sys::InterfacePtr::<sys::IMAPITable>::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(
        unsafe { info.GetQuotaTable(0, &mut table) },
        sys::MAPI_E_NO_SUPPORT
    );
    assert!(table.is_null());
    let _ = info.as_raw();
}

#[test]
fn the_generated_module_carries_the_idls_words() {
    let generated = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/mystore.rs")).unwrap();
    assert!(generated.contains("/// Facts about the store that Outlook does not ask for"));
    assert!(generated.contains("/// Bytes the server allows."));
    assert!(generated.contains("use mapi_sync::sys::*;"));
    // The MAPI types the IDL only names are the bindings', not repeated.
    assert!(!generated.contains("pub type LPSPropValue"));
    assert!(!generated.contains("pub type LPMAPITABLE"));
    // And no reference page is made up for the crate's own structures.
    assert!(!generated.contains("learn.microsoft.com"));
    assert_eq!(mystore::MYSTORE_MAX_FOLDERS, 0x40);
}

/// An interface of the IDL derives from MAPI's IMAPIProp: its vtable starts with
/// IMAPIProp's, QueryInterface answers for IMAPIProp and IUnknown through it, and
/// GetProps (from `properties`) and the own method both answer.
#[test]
fn an_own_interface_derives_from_a_mapi_interface() {
    assert_eq!(
        IMyFolderQuota::BASE_IIDS,
        &[sys::IID_IMAPIProp, sys::IID_IUnknown],
        "the chain is made at compile time from IMAPIProp's"
    );
    assert_eq!(
        std::mem::size_of::<mystore::IMyFolderQuota_Vtbl>(),
        std::mem::size_of::<sys::IMAPIProp_Vtbl>() + std::mem::size_of::<usize>(),
        "IMAPIProp's entries, then GetUsed"
    );
    let folder = Object::new(FolderQuota { used: 42 });
    let quota: IMyFolderQuota = folder.cast().expect("IMyFolderQuota");
    let prop: sys::IMAPIProp = quota.cast().expect("its base, IMAPIProp");
    let mut used = 0;
    // SAFETY: a writable ULONG.
    assert_eq!(unsafe { quota.GetUsed(&mut used) }, sys::S_OK);
    assert_eq!(used, 42);
    let (mut n, mut values) = (0, std::ptr::null_mut());
    // SAFETY: valid out-pointers; a null tag array asks for every property. The IMAPIProp
    // entries are reached through the own interface's pointer (Deref).
    assert_eq!(
        unsafe { quota.GetProps(std::ptr::null_mut(), 0, &mut n, &mut values) },
        sys::S_OK
    );
    assert_eq!(n, 1);
    // SAFETY: the answer is one buffer from the provider's allocators.
    unsafe { mapi_sync::mem::Allocators::provider().as_raw().2.unwrap()(values.cast()) };
    let _ = prop;
}
