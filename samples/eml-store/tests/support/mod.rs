//! MAPI's side of a logon, for the sample's Rust hosts (its tests, its bench and its
//! example include this file): `MSProviderInit` with this crate's allocators, and a
//! support object that registers nothing and whose profile section holds the store's
//! folder (`PR_EML_FOLDER`), as the service entry leaves it in a profile.
#![allow(dead_code, non_snake_case)]

use std::path::Path;

use mapi_sync::mem::Allocators;
use mapi_sync::prelude::*;
use mapi_sync::props::{Prop, PropValue, Properties};
use mapi_sync::sys::{self, Interface, HRESULT, S_OK, ULONG};
use mapi_sync::Out;

/// MAPI's support object: `SetProviderUID`, and `OpenProfileSection` giving a section
/// with the folder (none when `folder` is `None`).
#[mapi_object(IMAPISupport)]
pub struct Support {
    pub folder: Option<String>,
}

impl sys::IMAPISupport_Impl for Support {
    unsafe fn SetProviderUID(&self, _: sys::LPMAPIUID, _: ULONG) -> HRESULT {
        S_OK
    }

    unsafe fn OpenProfileSection(
        &self,
        _uid: sys::LPMAPIUID,
        _flags: ULONG,
        out: *mut sys::LPPROFSECT,
    ) -> HRESULT {
        // SAFETY: null or writable (OpenProfileSection's contract).
        let Ok(mut out) = (unsafe { Out::new(out) }) else {
            return sys::MAPI_E_INVALID_PARAMETER;
        };
        let section = Section {
            folder: self.folder.clone(),
        };
        match Object::new(section).cast::<sys::IProfSect>() {
            Ok(s) => {
                out.write(s.into());
                S_OK
            }
            Err(e) => e.code(),
        }
    }
}

/// The store provider's profile section.
#[mapi_object(IProfSect, properties)]
struct Section {
    folder: Option<String>,
}

impl sys::IProfSect_Impl for Section {}

impl Properties for Section {
    fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> mapi_sync::Result<()> {
        match &self.folder {
            Some(f) => answer(&[Prop::new(eml_store::PR_EML_FOLDER, PropValue::Str(f))?]),
            None => answer(&[]),
        }
        Ok(())
    }
}

/// Frees what the store handed out (this crate's allocators).
pub fn free(p: *mut std::ffi::c_void) {
    // SAFETY: a buffer of these allocators handed to the caller, freed once.
    unsafe { Allocators::local().free(p) };
}

/// The provider, through `MSProviderInit` with this crate's allocators.
pub fn provider() -> sys::IMSProvider {
    let (a, m, f) = Allocators::local().as_raw();
    let (mut version, mut raw) = (0, sys::InterfacePtr::null());
    // SAFETY: local allocators, writable out-pointers.
    let hr = unsafe {
        eml_store::MSProviderInit(
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            a,
            m,
            f,
            0,
            sys::CURRENT_SPI_VERSION,
            &mut version,
            &mut raw,
        )
    };
    assert_eq!((hr, version), (S_OK, sys::CURRENT_SPI_VERSION));
    // SAFETY: the one reference handed out.
    unsafe { raw.into_owned() }.expect("a provider")
}

/// `IMSProvider::Logon` with a profile whose section names `dir` (or no folder); its
/// `HRESULT` and, on success, the logon object and the store.
pub fn try_logon(
    provider: &sys::IMSProvider,
    dir: Option<&Path>,
) -> (HRESULT, Option<(sys::IMSLogon, sys::IMsgStore)>) {
    let support: sys::IMAPISupport = Object::new(Support {
        folder: dir.map(|d| d.to_string_lossy().into_owned()),
    })
    .cast()
    .expect("IMAPISupport");
    let (mut l, mut s) = (sys::InterfacePtr::null(), sys::InterfacePtr::null());
    // SAFETY: a live support object, no entry identifier (a profile's first logon),
    // writable out-pointers.
    let hr = unsafe {
        provider.Logon(
            sys::InterfacePtr::from_raw(support.as_raw()),
            0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            sys::MAPI_UNICODE,
            std::ptr::null(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut l,
            &mut s,
        )
    };
    // SAFETY: one reference each from a successful Logon; NULL after a failure.
    let objects = unsafe { (l.into_owned(), s.into_owned()) };
    match objects {
        (Some(l), Some(s)) => (hr, Some((l, s))),
        _ => (hr, None),
    }
}

/// A logon that must succeed.
pub fn logon(provider: &sys::IMSProvider, dir: &Path) -> (sys::IMSLogon, sys::IMsgStore) {
    let (hr, objects) = try_logon(provider, Some(dir));
    assert_eq!(hr, S_OK);
    objects.expect("a logon object and a store")
}
