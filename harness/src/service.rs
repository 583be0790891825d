//! Adding the store's message service to the profile and configuring it, as MAPI does
//! before the first logon: `ServiceEntry(MSG_SERVICE_CREATE)` without UI flags, then
//! `ServiceEntry(MSG_SERVICE_CONFIGURE)` with the values a client gives
//! `IMsgServiceAdmin::ConfigureMsgService` (Microsoft, "MSGSERVICEENTRY",
//! "IMsgServiceAdmin::ConfigureMsgService"). The store's entry id for the logon is then
//! the one its section holds, unwrapped.

use mapi_sync::mem::Allocators;
use mapi_sync::prelude::*;
use mapi_sync::props::{OwnedValue, Prop, PropArray};
use mapi_sync::sys::{self, ULONG};

use crate::admin::ProviderAdmin;
use crate::alloc;
use crate::host::{free, name, SENTINEL};
use crate::report::Report;
use crate::rules;
use crate::support::{section_value, unwrap_store_entry_id, Support, PROVIDER_SECTION_UID};

/// The message service of a run.
pub struct Service {
    /// Its entry point; `None` looks `ServiceEntry` up in the provider library.
    pub entry: sys::LPMSGSERVICEENTRY,
    /// The values `ConfigureMsgService` passes in `lpProps`.
    pub props: Vec<(ULONG, OwnedValue)>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("props", &self.props)
            .finish()
    }
}

/// One call of the entry point; its `HRESULT`, the `MAPIERROR`'s presence checked and
/// freed.
fn call(
    entry: sys::LPMSGSERVICEENTRY,
    support: &Object<Support>,
    context: ULONG,
    flags: ULONG,
    props: &[Prop<'_>],
    report: &mut Report,
) -> sys::HRESULT {
    let Some(entry) = entry else {
        return sys::E_UNEXPECTED;
    };
    let (Ok(sup), Ok(admin)) = (
        support.cast::<sys::IMAPISupport>(),
        Object::new(ProviderAdmin::new(support)).cast::<sys::IProviderAdmin>(),
    ) else {
        return sys::E_UNEXPECTED;
    };
    let values = match PropArray::write(Allocators::local(), props) {
        Ok(v) => v,
        Err(e) => return e.code(),
    };
    let slice = values.as_slice();
    let mut error = SENTINEL as sys::LPMAPIERROR;
    // SAFETY: MAPI's arguments: live support and admin objects (the harness keeps a
    // reference for the call), the values alive for it, a writable error place.
    let hr = alloc::label("ServiceEntry", || unsafe {
        entry(
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            sys::InterfacePtr::from_raw(sup.as_raw()),
            0,
            flags,
            context,
            slice.len() as ULONG,
            slice.as_ptr().cast_mut(),
            sys::InterfacePtr::from_raw(admin.as_raw()),
            &mut error,
        )
    });
    if hr >= 0 {
        report.check(&rules::SERVICE_ENTRY, error.is_null(), || {
            format!("ServiceEntry({context}) succeeded and left {error:?} in lppMapiError")
        });
    } else if error as usize != SENTINEL && !error.is_null() {
        free(error.cast());
    }
    hr
}

/// Adds and configures the service; the store's entry id (unwrapped) its section then
/// holds, or `None` when the service failed (the report says why).
pub(crate) fn configure(
    entry: sys::LPMSGSERVICEENTRY,
    support: &Object<Support>,
    given: &[(ULONG, OwnedValue)],
    report: &mut Report,
) -> Option<Vec<u8>> {
    support.with_profile(|p| {
        p.set(
            "service",
            sys::PR_STORE_PROVIDERS,
            OwnedValue::Binary(PROVIDER_SECTION_UID.to_vec()),
        )
    });
    let hr = call(entry, support, sys::MSG_SERVICE_CREATE, 0, &[], report);
    if hr < 0 {
        report.fail(
            &rules::SERVICE_ENTRY,
            format!("MSG_SERVICE_CREATE without UI answered {}", name(hr)),
        );
        return None;
    }
    let props: Vec<Prop<'_>> = given
        .iter()
        .filter_map(|(t, v)| Prop::new(*t, v.as_value()).ok())
        .collect();
    let hr = call(
        entry,
        support,
        sys::MSG_SERVICE_CONFIGURE,
        sys::MAPI_UNICODE,
        &props,
        report,
    );
    if hr < 0 {
        report.fail(
            &rules::SERVICE_ENTRY,
            format!("MSG_SERVICE_CONFIGURE answered {}", name(hr)),
        );
        return None;
    }
    report.pass(&rules::SERVICE_ENTRY);
    store_entry_id(support, report)
}

/// The store's entry id from its section, unwrapped; the section's identity checked.
fn store_entry_id(support: &Object<Support>, report: &mut Report) -> Option<Vec<u8>> {
    support.with_profile(|p| {
        let Some(section) = p.section("provider") else {
            report.fail(&rules::STORE_SECTION, "the store provider's section is empty after MSG_SERVICE_CONFIGURE");
            return None;
        };
        let missing: Vec<&str> = [
            (sys::PR_DISPLAY_NAME_W, "PR_DISPLAY_NAME"),
            (sys::PR_MDB_PROVIDER, "PR_MDB_PROVIDER"),
            (sys::PR_RECORD_KEY, "PR_RECORD_KEY"),
            (sys::PR_ENTRYID, "PR_ENTRYID"),
        ]
        .into_iter()
        .filter(|(tag, _)| section_value(section, *tag).is_none())
        .map(|(_, what)| what)
        .collect();
        if !missing.is_empty() {
            report.fail(&rules::STORE_SECTION, format!("the configured store's section lacks {}", missing.join(", ")));
            return None;
        }
        let Some(mapi_sync::props::PropValue::Binary(wrapped)) = section_value(section, sys::PR_ENTRYID) else {
            report.fail(&rules::STORE_SECTION, "PR_ENTRYID of the store's section is not binary");
            return None;
        };
        match unwrap_store_entry_id(wrapped) {
            Some(id) => Some(id.to_vec()),
            None => {
                report.fail(&rules::STORE_SECTION, "PR_ENTRYID of the store's section is not wrapped by IMAPISupport::WrapStoreEntryID");
                None
            }
        }
    })
}

/// Adds the store's message service to `support`'s profile and configures it with
/// `props` as MAPI does (`ServiceEntry` with `MSG_SERVICE_CREATE`, then
/// `MSG_SERVICE_CONFIGURE`), for a host of one's own (an example, a tool) that then logs
/// on with `IMSProvider::Logon` and the same support object: the store's entry id
/// (unwrapped) the service wrote, or what went wrong.
pub fn add_service(
    entry: sys::LPMSGSERVICEENTRY,
    support: &Object<Support>,
    props: &[(ULONG, OwnedValue)],
) -> Result<Vec<u8>, String> {
    let mut report = Report::new(&[&rules::SERVICE_ENTRY, &rules::STORE_SECTION]);
    configure(entry, support, props, &mut report).ok_or_else(|| format!("{report:?}"))
}
