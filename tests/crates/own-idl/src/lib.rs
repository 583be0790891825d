//! A store object answering IMsgStore (MAPI's) and IMyStoreInfo2 (its own, from
//! `idl/mystore.idl`), with no `unsafe` in the interfaces it does not implement by hand.
#![allow(non_snake_case)]

// `pub mod mystore`: the interfaces of `idl/mystore.idl`, as build.rs generated them.
include!(concat!(env!("OUT_DIR"), "/mystore.rs"));

use std::sync::Mutex;

use mapi_sync::prelude::*;
use mapi_sync::props::{Prop, PropValue, Properties};
use mapi_sync::sys::{self, IMsgStore_Impl, HRESULT, ULONG};
use mystore::{IMyFolderQuota_Impl, IMyStoreInfo2_Impl, IMyStoreInfo_Impl, LPMYSTOREQUOTA};

/// A store with a quota.
#[mapi_object(IMsgStore, mystore::IMyStoreInfo2, properties)]
pub struct Store {
    pub limit: Mutex<ULONG>,
    pub used: ULONG,
}

impl Properties for Store {
    fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> mapi_sync::Result<()> {
        answer(&[Prop::new(
            sys::PR_DISPLAY_NAME_W,
            PropValue::Str("quota store"),
        )?]);
        Ok(())
    }
}

impl IMsgStore_Impl for Store {}

impl IMyStoreInfo_Impl for Store {
    unsafe fn GetQuota(&self, lpQuota: LPMYSTOREQUOTA) -> HRESULT {
        if lpQuota.is_null() {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        let mut server = [0u16; 16];
        for (d, s) in server.iter_mut().zip("imap.example.com".encode_utf16()) {
            *d = s;
        }
        let quota = mystore::MYSTOREQUOTA {
            cbLimit: *self.limit.lock().unwrap(),
            cbUsed: self.used,
            szServer: server,
        };
        // SAFETY: non-null, and the caller passes a writable MYSTOREQUOTA (the method's
        // contract).
        unsafe { lpQuota.write(quota) };
        sys::S_OK
    }
}

impl IMyStoreInfo2_Impl for Store {
    unsafe fn SetQuotaLimit(&self, cbLimit: ULONG) -> HRESULT {
        if cbLimit as usize > mystore::MYSTORE_MAX_FOLDERS as usize * 1024 * 1024 {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        *self.limit.lock().unwrap() = cbLimit;
        sys::S_OK
    }
}

/// A folder whose own interface derives from MAPI's IMAPIProp: `properties` makes the
/// IMAPIProp part, the rest is `IMyFolderQuota_Impl`.
#[mapi_object(mystore::IMyFolderQuota, properties)]
pub struct FolderQuota {
    pub used: ULONG,
}

impl Properties for FolderQuota {
    fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> mapi_sync::Result<()> {
        answer(&[Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str("Inbox"))?]);
        Ok(())
    }
}

impl IMyFolderQuota_Impl for FolderQuota {
    unsafe fn GetUsed(&self, lpcbUsed: *mut ULONG) -> HRESULT {
        if lpcbUsed.is_null() {
            return sys::MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: non-null, and a writable ULONG by the method's contract.
        unsafe { *lpcbUsed = self.used };
        sys::S_OK
    }
}
