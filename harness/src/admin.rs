//! The harness's `IProviderAdmin` ([`ProviderAdmin`]): what MAPI hands a message
//! service's `ServiceEntry` to reach its providers' profile sections.
//!
//! `OpenProfileSection` opens the profile's sections as the support object does: a
//! null `MAPIUID` names the service's own section (key `service` in the profile's
//! file), [`PROVIDER_SECTION_UID`] the store provider's (key `provider`, the section
//! the provider opens at logon), any other `MAPIUID` the section of that name.
//! `MAPI_MODIFY` makes it writable. The service's section lists the store provider in
//! `PR_STORE_PROVIDERS`, as MAPI writes it when it adds a service from MAPISVC.INF.
//! Every other method keeps the generated default, `MAPI_E_NO_SUPPORT`.

use std::sync::atomic::Ordering;

use mapi_sync::prelude::*;
use mapi_sync::sys::{self, HRESULT, ULONG};
use mapi_sync::Out;

use crate::support::{ProfSect, Support, PROVIDER_SECTION_UID};

/// The harness's `IProviderAdmin` over a [`Support`]'s profile.
#[mapi_object(IProviderAdmin)]
pub struct ProviderAdmin {
    state: std::sync::Arc<crate::support::State>,
}

impl ProviderAdmin {
    /// The provider administration object of `support`'s profile.
    pub fn new(support: &Support) -> ProviderAdmin {
        ProviderAdmin {
            state: support.state.clone(),
        }
    }
}

/// The profile file's key for a section `uid` names (see the [module](self)).
fn key_of(uid: Option<[u8; 16]>) -> String {
    match uid {
        None => "service".to_owned(),
        Some(PROVIDER_SECTION_UID) => "provider".to_owned(),
        Some(other) => other.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

impl sys::IProviderAdmin_Impl for ProviderAdmin {
    unsafe fn OpenProfileSection(
        &self,
        lp_uid: sys::LPMAPIUID,
        _lp_interface: sys::LPCIID,
        ul_flags: ULONG,
        lpp_prof_sect: *mut sys::LPPROFSECT,
    ) -> HRESULT {
        // SAFETY: null or writable (OpenProfileSection's contract).
        let Ok(mut out) = (unsafe { Out::new(lpp_prof_sect) }) else {
            return sys::MAPI_E_INVALID_PARAMETER;
        };
        out.write(sys::InterfacePtr::null());
        // SAFETY: null or a readable MAPIUID (OpenProfileSection's contract).
        let uid = (!lp_uid.is_null()).then(|| unsafe { (*lp_uid).ab });
        self.state.open_sections.fetch_add(1, Ordering::SeqCst);
        let section = Object::new(ProfSect {
            state: self.state.clone(),
            key: key_of(uid),
            writable: ul_flags & sys::MAPI_MODIFY != 0,
        });
        match section.cast::<sys::IProfSect>() {
            Ok(s) => {
                out.write(s.into());
                sys::S_OK
            }
            Err(e) => e.code(),
        }
    }
}
