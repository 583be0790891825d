//! The message service's entry point, `ServiceEntry` (Microsoft, "MSGSERVICEENTRY";
//! `mapispi.h`): what MAPI calls to add a service to a profile, configure it, and
//! remove it, before any provider of the service is loaded.
//!
//! ```text
//! HRESULT STDAPICALLTYPE ServiceEntry(HINSTANCE hInstance, LPMALLOC lpMalloc,
//!     LPMAPISUP lpMAPISup, ULONG_PTR ulUIParam, ULONG ulFlags, ULONG ulContext,
//!     ULONG cValues, LPSPropValue lpProps, LPPROVIDERADMIN lpProviderAdmin,
//!     LPMAPIERROR *lppMapiError);
//! ```
//!
//! `STDAPICALLTYPE` is `__stdcall` on 32-bit Windows, so the export is
//! `extern "system"` (unlike `MSProviderInit`'s `__cdecl`). MAPI finds it by the name
//! MAPISVC.INF gives in `PR_SERVICE_ENTRY_NAME`; the page prefers `ServiceEntry`, the
//! name [`service_entry!`](crate::service_entry) exports.
//!
//! [`service_entry`] is its body: it checks the arguments, gets MAPI's allocators from
//! the support object (`GetMemAllocRoutines`), reads `lpProps`, and calls the provider's
//! handler with a [`ServiceCall`] (safe: the context, the flags, the values given, the
//! service's and its store providers' profile sections, `WrapStoreEntryID`). The
//! handler's error is returned as its `HRESULT`, with a `MAPIERROR` in `*lppMapiError`
//! (in MAPI's allocators, strings as `MAPI_UNICODE` asks); a panic is `E_UNEXPECTED`.
//! `*lppMapiError` is NULL on success.
//!
//! What each context asks (the page): `MSG_SERVICE_CREATE` (the service is being added
//! to a profile), `MSG_SERVICE_CONFIGURE` (change its configuration: with valid values
//! in `lpProps` and no `SERVICE_UI_ALWAYS`, without showing anything),
//! `MSG_SERVICE_DELETE` (removed from a profile: answer `S_OK`), `MSG_SERVICE_INSTALL`
//! (installed on the machine: usually `S_OK`), `MSG_SERVICE_UNINSTALL` (being removed:
//! clean up, `MAPI_E_USER_CANCEL` if the user cancels), `MSG_SERVICE_PROVIDER_CREATE`
//! and `MSG_SERVICE_PROVIDER_DELETE` (another provider instance: `MAPI_E_NO_SUPPORT`
//! when the service does not support it).

mod entry;
mod section;

pub use entry::service_entry;
pub use section::ProfileSection;

use crate::mem::Allocators;
use crate::props::{PropValue, Props};
use crate::sys::{self, IMAPISupport, IProviderAdmin, LPPROFSECT, ULONG, ULONG_PTR};
use crate::{Error, Result};

/// What MAPI is doing with the service (`ulContext`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceContext {
    /// `MSG_SERVICE_INSTALL`: installed on the machine.
    Install,
    /// `MSG_SERVICE_UNINSTALL`: being removed from the machine.
    Uninstall,
    /// `MSG_SERVICE_CREATE`: being added to a profile.
    Create,
    /// `MSG_SERVICE_CONFIGURE`: its configuration in the profile changes.
    Configure,
    /// `MSG_SERVICE_DELETE`: being removed from a profile.
    Delete,
    /// `MSG_SERVICE_PROVIDER_CREATE`: another instance of one of its providers.
    ProviderCreate,
    /// `MSG_SERVICE_PROVIDER_DELETE`: an instance of one of its providers removed.
    ProviderDelete,
}

impl ServiceContext {
    /// The context of a `ulContext` value, `None` for one `mapispi.h` does not define.
    pub fn from_raw(context: ULONG) -> Option<ServiceContext> {
        Some(match context {
            sys::MSG_SERVICE_INSTALL => ServiceContext::Install,
            sys::MSG_SERVICE_UNINSTALL => ServiceContext::Uninstall,
            sys::MSG_SERVICE_CREATE => ServiceContext::Create,
            sys::MSG_SERVICE_CONFIGURE => ServiceContext::Configure,
            sys::MSG_SERVICE_DELETE => ServiceContext::Delete,
            sys::MSG_SERVICE_PROVIDER_CREATE => ServiceContext::ProviderCreate,
            sys::MSG_SERVICE_PROVIDER_DELETE => ServiceContext::ProviderDelete,
            _ => return None,
        })
    }
}

/// One call of `ServiceEntry`, as the provider's handler sees it.
pub struct ServiceCall<'a> {
    pub(crate) context: ServiceContext,
    pub(crate) flags: ULONG,
    pub(crate) ui_param: ULONG_PTR,
    pub(crate) props: Props<'a>,
    pub(crate) support: &'a IMAPISupport,
    pub(crate) admin: Option<&'a IProviderAdmin>,
    pub(crate) allocators: Allocators,
}

impl std::fmt::Debug for ServiceCall<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceCall")
            .field("context", &self.context)
            .field("flags", &self.flags)
            .field("props", &self.props.len())
            .finish()
    }
}

impl<'a> ServiceCall<'a> {
    /// What MAPI is doing.
    pub fn context(&self) -> ServiceContext {
        self.context
    }

    /// `ulFlags`: `MAPI_UNICODE`, `SERVICE_UI_ALWAYS`, `SERVICE_UI_ALLOWED`,
    /// `MSG_SERVICE_UI_READ_ONLY`, `UI_CURRENT_PROVIDER_FIRST`.
    pub fn flags(&self) -> ULONG {
        self.flags
    }

    /// Whether a configuration dialog must be shown (`SERVICE_UI_ALWAYS`).
    pub fn ui_always(&self) -> bool {
        self.flags & sys::SERVICE_UI_ALWAYS != 0
    }

    /// Whether a configuration dialog may be shown when the values given are not a valid
    /// configuration (`SERVICE_UI_ALLOWED`).
    pub fn ui_allowed(&self) -> bool {
        self.flags & sys::SERVICE_UI_ALLOWED != 0
    }

    /// `ulUIParam`: the parent window of a dialog (0: none).
    pub fn ui_param(&self) -> ULONG_PTR {
        self.ui_param
    }

    /// The values given in `lpProps` (empty when there are none).
    pub fn props(&self) -> Props<'a> {
        self.props
    }

    /// MAPI's allocators (`IMAPISupport::GetMemAllocRoutines`).
    pub fn allocators(&self) -> Allocators {
        self.allocators
    }

    fn admin(&self) -> Result<&'a IProviderAdmin> {
        self.admin.ok_or_else(|| {
            Error::with_message(sys::MAPI_E_INVALID_PARAMETER, "no IProviderAdmin was given")
        })
    }

    /// A profile section through `IProviderAdmin::OpenProfileSection(uid, NULL,
    /// MAPI_MODIFY)`: the service's own for `None`.
    pub fn section(&self, uid: Option<[u8; 16]>) -> Result<ProfileSection> {
        let admin = self.admin()?;
        let mut mapi_uid = uid.map(|ab| sys::MAPIUID { ab });
        let uid_ptr = mapi_uid
            .as_mut()
            .map_or(std::ptr::null_mut(), |u| u as *mut sys::MAPIUID);
        let mut raw: LPPROFSECT = sys::InterfacePtr::null();
        // SAFETY: a MAPIUID alive for the call or null; no interface asked; a local place.
        let hr = unsafe {
            admin.OpenProfileSection(uid_ptr, std::ptr::null_mut(), sys::MAPI_MODIFY, &mut raw)
        };
        if hr < 0 {
            return Err(Error::with_message(
                hr,
                "IProviderAdmin::OpenProfileSection failed",
            ));
        }
        // SAFETY: a success hands over a reference to the section.
        unsafe { ProfileSection::adopt(raw, self.allocators) }
    }

    /// The `MAPIUID`s of the service's store providers, from `PR_STORE_PROVIDERS` in the
    /// service's section (one `MAPIUID` after another, as MAPI keeps it).
    pub fn store_providers(&self) -> Result<Vec<[u8; 16]>> {
        let value = self.section(None)?.get_one(sys::PR_STORE_PROVIDERS)?;
        let Some(value) = value else {
            return Ok(Vec::new());
        };
        let PropValue::Binary(bytes) = value.as_value() else {
            return Err(Error::with_message(
                sys::MAPI_E_CORRUPT_DATA,
                "PR_STORE_PROVIDERS is not binary",
            ));
        };
        if bytes.len() % 16 != 0 {
            return Err(Error::with_message(
                sys::MAPI_E_CORRUPT_DATA,
                format!(
                    "PR_STORE_PROVIDERS holds {} bytes, not MAPIUIDs",
                    bytes.len()
                ),
            ));
        }
        Ok(bytes
            .chunks_exact(16)
            .map(|c| c.try_into().expect("16 bytes"))
            .collect())
    }

    /// `IMAPISupport::WrapStoreEntryID`: the store entry identifier MAPI gives clients
    /// and keeps in the profile, naming the provider's DLL around `entry_id`.
    pub fn wrap_store_entry_id(&self, entry_id: &[u8]) -> Result<Vec<u8>> {
        wrap_store_entry_id(self.support, self.allocators, entry_id)
    }
}

/// `IMAPISupport::WrapStoreEntryID` on `entry_id`, the wrapped identifier copied out and
/// MAPI's buffer freed with `allocators`.
pub fn wrap_store_entry_id(
    support: &IMAPISupport,
    allocators: Allocators,
    entry_id: &[u8],
) -> Result<Vec<u8>> {
    let cb = ULONG::try_from(entry_id.len())
        .map_err(|_| Error::with_message(sys::MAPI_E_INVALID_PARAMETER, "an entry id too long"))?;
    let (mut out_cb, mut out): (ULONG, sys::LPENTRYID) = (0, std::ptr::null_mut());
    // SAFETY: `cb` readable bytes (MAPI reads, never writes, the original); local places.
    let hr = unsafe {
        support.WrapStoreEntryID(
            cb,
            entry_id.as_ptr().cast_mut().cast(),
            &mut out_cb,
            &mut out,
        )
    };
    if hr < 0 {
        return Err(Error::with_message(
            hr,
            "IMAPISupport::WrapStoreEntryID failed",
        ));
    }
    if out.is_null() {
        return Err(Error::with_message(
            sys::MAPI_E_CALL_FAILED,
            "IMAPISupport::WrapStoreEntryID answered no identifier",
        ));
    }
    // SAFETY: a success hands out `out_cb` bytes at `out`, ours to free once after.
    let wrapped = unsafe { std::slice::from_raw_parts(out.cast::<u8>(), out_cb as usize) }.to_vec();
    // SAFETY: as above.
    unsafe { allocators.free(out.cast()) };
    Ok(wrapped)
}
