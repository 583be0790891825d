//! A framework store's `ServiceEntry` called directly, as MAPI calls it, with the
//! harness's support and provider administration objects: the documented answer of each
//! context, and bad input. (Miri and valgrind run these: they go through the framework's
//! and the runtime's unsafe code for the entry, the profile sections and `MAPIERROR`.)

use std::path::Path;

use mapi_harness::admin::ProviderAdmin;
use mapi_harness::support::{Profile, Support};
use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{prop_tag, OwnedValue, Prop, PropArray, PropValue};
use mapi_sync_runtime::sys::{self, Interface as _, ULONG};
use mapi_sync_runtime::Object;

#[path = "common/named.rs"]
mod named;

use named::{ServiceEntry, PR_NOTES_NAME};

/// `ServiceEntry(context)` with `props`, through the harness's support and provider
/// administration objects; its HRESULT and the `MAPIERROR`'s text, if any.
fn entry(dir: &Path, context: ULONG, props: &[Prop<'_>]) -> (sys::HRESULT, Option<String>) {
    let profile = Profile::open(dir, "direct").unwrap();
    let support = Object::new(Support::new(profile, Allocators::local()));
    support.with_profile(|p| {
        let uid = mapi_harness::support::PROVIDER_SECTION_UID.to_vec();
        p.set("service", sys::PR_STORE_PROVIDERS, OwnedValue::Binary(uid))
    });
    let admin = Object::new(ProviderAdmin::new(&support));
    let sup = support.cast::<sys::IMAPISupport>().unwrap();
    let admin = admin.cast::<sys::IProviderAdmin>().unwrap();
    let values = PropArray::write(Allocators::local(), props).unwrap();
    let slice = values.as_slice();
    let mut error: sys::LPMAPIERROR = std::ptr::null_mut();
    // SAFETY: live objects, the values alive for the call, a writable error place.
    let hr = unsafe {
        ServiceEntry(
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            sys::InterfacePtr::from_raw(sup.as_raw()),
            0,
            sys::MAPI_UNICODE,
            context,
            slice.len() as ULONG,
            slice.as_ptr().cast_mut(),
            sys::InterfacePtr::from_raw(admin.as_raw()),
            &mut error,
        )
    };
    let text = (!error.is_null()).then(|| {
        // SAFETY: a MAPIERROR with a UTF-16 text (MAPI_UNICODE), freed once after.
        let text = unsafe {
            let p = (*error).lpszError.cast::<u16>();
            let len = (0..).take_while(|&i| *p.add(i) != 0).count();
            String::from_utf16_lossy(std::slice::from_raw_parts(p, len))
        };
        // SAFETY: a buffer of the support object's allocators, handed to us.
        unsafe { Allocators::local().free(error.cast()) };
        text
    });
    (hr, text)
}

#[test]
fn each_context_gets_its_documented_answer() {
    let dir = tempfile::tempdir().unwrap();
    for context in [
        sys::MSG_SERVICE_INSTALL,
        sys::MSG_SERVICE_UNINSTALL,
        sys::MSG_SERVICE_DELETE,
    ] {
        assert_eq!(
            entry(dir.path(), context, &[]),
            (sys::S_OK, None),
            "context {context}"
        );
    }
    for context in [
        sys::MSG_SERVICE_PROVIDER_CREATE,
        sys::MSG_SERVICE_PROVIDER_DELETE,
    ] {
        let (hr, text) = entry(dir.path(), context, &[]);
        assert_eq!(hr, sys::MAPI_E_NO_SUPPORT, "context {context}");
        assert!(text.unwrap().contains("one store per service"));
    }
    let (hr, text) = entry(dir.path(), 99, &[]);
    assert_eq!(hr, sys::MAPI_E_NO_SUPPORT);
    assert!(text.unwrap().contains("ulContext 99"));
    // Created without values or a dialog: added, to be configured later.
    assert_eq!(
        entry(dir.path(), sys::MSG_SERVICE_CREATE, &[]),
        (sys::S_OK, None)
    );
    // A setting of the wrong type is named.
    let long = [Prop::new(prop_tag(sys::PT_LONG, 0x6600), PropValue::Long(5)).unwrap()];
    let (hr, text) = entry(dir.path(), sys::MSG_SERVICE_CONFIGURE, &long);
    assert_eq!(hr, sys::MAPI_E_INVALID_PARAMETER);
    assert!(text.unwrap().contains("0x66000003"));
    // Configured: S_OK, no MAPIERROR.
    let good = [Prop::new(PR_NOTES_NAME, PropValue::Str("Direct")).unwrap()];
    assert_eq!(
        entry(dir.path(), sys::MSG_SERVICE_CONFIGURE, &good),
        (sys::S_OK, None)
    );
}

#[test]
fn a_null_support_object_is_an_invalid_parameter() {
    let mut error: sys::LPMAPIERROR = std::ptr::dangling_mut();
    // SAFETY: null objects are what is tested; a writable error place.
    let hr = unsafe {
        ServiceEntry(
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            sys::InterfacePtr::null(),
            0,
            0,
            sys::MSG_SERVICE_CONFIGURE,
            0,
            std::ptr::null_mut(),
            sys::InterfacePtr::null(),
            &mut error,
        )
    };
    assert_eq!(
        (hr, error),
        (sys::MAPI_E_INVALID_PARAMETER, std::ptr::null_mut())
    );
}
