//! The message service of a framework store: the settings it keeps in the profile
//! ([`Settings`]), read at each logon, and what its `ServiceEntry` does
//! ([`answer`]), exported with `store_provider!(settings = [..], ..)`.
//!
//! A store declares the properties its configuration is made of (for example a folder's
//! path, or a server, a port and a user), with tags of its own in the provider range
//! (`0x6600`–`0x67FF`, "Property Identifier Ranges"). MAPI adds the service to a profile
//! and configures it through `ServiceEntry`, which the framework answers:
//!
//! | context | what the framework does |
//! |---|---|
//! | `MSG_SERVICE_CREATE`, `MSG_SERVICE_CONFIGURE` | reads the store provider's section (from the service section's `PR_STORE_PROVIDERS`), puts the settings given in `lpProps` over those it holds, opens the backend with them (as a logon would, with `MDB_NO_DIALOG`) and, when it opens, writes into the section the settings and the store's identity: `PR_ENTRYID` and `PR_STORE_ENTRYID` (the store's entry id wrapped by `IMAPISupport::WrapStoreEntryID`), `PR_RECORD_KEY`, `PR_STORE_RECORD_KEY` and `PR_SEARCH_KEY` (the store's `MAPIUID`), `PR_MDB_PROVIDER`, `PR_DISPLAY_NAME`; then `SaveChanges`. When the backend does not open, nothing is written and its error is the answer (`MAPI_E_UNCONFIGURED` for missing settings), with a `MAPIERROR` saying why |
//! | `MSG_SERVICE_CREATE` with no values and no dialog allowed | the service is added unconfigured (`S_OK`, nothing written): MAPI's programmatic path is `CreateMsgService` without UI, then `ConfigureMsgService` with the values; a logon before that answers `MAPI_E_UNCONFIGURED`, and MAPI then calls `MSG_SERVICE_CONFIGURE` |
//! | `SERVICE_UI_ALWAYS`, or `SERVICE_UI_ALLOWED` with an incomplete configuration | a framework store has no configuration dialog: it configures from the values given as above, so an incomplete configuration is `MAPI_E_UNCONFIGURED` |
//! | `MSG_SERVICE_INSTALL`, `MSG_SERVICE_UNINSTALL`, `MSG_SERVICE_DELETE` | `S_OK`: the store keeps nothing outside the profile |
//! | `MSG_SERVICE_PROVIDER_CREATE`, `MSG_SERVICE_PROVIDER_DELETE` | `MAPI_E_NO_SUPPORT`: one store per service |
//!
//! With `store_provider!(settings = [..], protect = .., ..)` ([`answer_with`]), a closure
//! of the store runs on the settings between the values given and the backend: a store
//! replaces a password with its protected form there, so the profile never holds it in
//! clear (imap-store does, with DPAPI on Windows).
//!
//! At logon the framework reads the same settings from the provider's section
//! (`IMAPISupport::OpenProfileSection(NULL)`) and hands them to the closure that opens
//! the backend in [`LogonRequest::settings`](crate::ll::provider::LogonRequest).

use mapi_sync_runtime::props::convert::to_string_type;
use mapi_sync_runtime::props::{prop_id, prop_type, OwnedValue, Prop, PropValue};
use mapi_sync_runtime::service::{ProfileSection, ServiceCall, ServiceContext};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_runtime::{Error, Result};

use crate::backend::Backend;
use crate::entry_id::EntryId;
use crate::ll::provider::LogonRequest;

/// A store's settings, as its profile section holds them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    values: Vec<(ULONG, OwnedValue)>,
}

impl Settings {
    /// Settings of these values (a test, or a host without a profile).
    pub fn new(values: Vec<(ULONG, OwnedValue)>) -> Settings {
        Settings { values }
    }

    /// The value with `tag`'s property identifier, whatever its type.
    pub fn get(&self, tag: ULONG) -> Option<&OwnedValue> {
        self.values
            .iter()
            .find(|(t, _)| prop_id(*t) == prop_id(tag))
            .map(|(_, v)| v)
    }

    /// The text of the string setting `tag`, either string type.
    pub fn text(&self, tag: ULONG) -> Option<String> {
        let value = self.get(tag)?;
        if let Some(text) = value.as_value().to_text() {
            return Some(text);
        }
        match to_string_type(value.as_value(), sys::PT_UNICODE)? {
            OwnedValue::Unicode(w) => Some(String::from_utf16_lossy(&w)),
            _ => None,
        }
    }

    /// The text of `tag`, or `MAPI_E_UNCONFIGURED` saying that the profile lacks `what`:
    /// what a backend answers at logon when its configuration is incomplete (MAPI then
    /// calls the service entry to configure it).
    pub fn require_text(&self, tag: ULONG, what: &str) -> Result<String> {
        self.text(tag).filter(|t| !t.is_empty()).ok_or_else(|| {
            Error::with_message(
                sys::MAPI_E_UNCONFIGURED,
                format!("the profile has no {what} (property 0x{tag:08X})"),
            )
        })
    }

    /// Sets `tag` to `value`, in place of the value with its property identifier.
    pub fn set(&mut self, tag: ULONG, value: OwnedValue) {
        self.values.retain(|(t, _)| prop_id(*t) != prop_id(tag));
        self.values.push((tag, value));
    }

    /// Every value.
    pub fn values(&self) -> &[(ULONG, OwnedValue)] {
        &self.values
    }

    /// The settings `tags` a profile section holds.
    pub fn read(section: &ProfileSection, tags: &[ULONG]) -> Result<Settings> {
        let values = section.get(tags)?;
        Ok(Settings {
            values: tags
                .iter()
                .zip(values)
                .filter_map(|(&t, v)| v.map(|v| (t, v)))
                .collect(),
        })
    }

    /// Puts `given` over these settings: each value whose identifier is one of `tags`,
    /// converted to that tag's type where it is the other string type. A value of
    /// another type is `MAPI_E_INVALID_PARAMETER` naming it.
    fn overlay(
        &mut self,
        tags: &[ULONG],
        given: impl Iterator<Item = (ULONG, OwnedValue)>,
    ) -> Result<()> {
        for (tag, value) in given {
            let Some(&declared) = tags.iter().find(|&&t| prop_id(t) == prop_id(tag)) else {
                continue;
            };
            let value = if prop_type(tag) == prop_type(declared) {
                value
            } else {
                to_string_type(value.as_value(), prop_type(declared)).ok_or_else(|| {
                    Error::with_message(
                        sys::MAPI_E_INVALID_PARAMETER,
                        format!(
                            "setting 0x{tag:08X} is not of type 0x{:04X}",
                            prop_type(declared)
                        ),
                    )
                })?
            };
            self.values.retain(|(t, _)| prop_id(*t) != prop_id(tag));
            self.values.push((declared, value));
        }
        Ok(())
    }
}

/// `ServiceEntry` of a framework store whose settings are `tags`, opening its backend
/// with `make` (see the [module](self) for what each context does).
pub fn answer<B, F>(call: &ServiceCall<'_>, tags: &[ULONG], make: F) -> Result<()>
where
    B: Backend,
    F: Fn(&LogonRequest<'_>) -> Result<B>,
{
    answer_with(call, tags, |_: &mut Settings| Ok(()), make)
}

/// [`answer`], with `protect` run on the settings once the values given are put over
/// the section's, before the backend is opened with them and before they are written:
/// what a store uses to keep a secret (a password) out of the profile in clear, by
/// replacing the value given with a protected one
/// (`store_provider!(settings = [..], protect = .., make)`). Its error is the answer,
/// and nothing is written.
pub fn answer_with<B, F, P>(
    call: &ServiceCall<'_>,
    tags: &[ULONG],
    protect: P,
    make: F,
) -> Result<()>
where
    B: Backend,
    F: Fn(&LogonRequest<'_>) -> Result<B>,
    P: Fn(&mut Settings) -> Result<()>,
{
    match call.context() {
        ServiceContext::Install | ServiceContext::Uninstall | ServiceContext::Delete => Ok(()),
        ServiceContext::ProviderCreate | ServiceContext::ProviderDelete => {
            Err(Error::with_message(
                sys::MAPI_E_NO_SUPPORT,
                "one store per service: no other provider instance",
            ))
        }
        ServiceContext::Create | ServiceContext::Configure => {
            let providers = call.store_providers()?;
            if providers.is_empty() {
                return Err(Error::with_message(
                    sys::MAPI_E_NOT_FOUND,
                    "the service's profile section lists no store provider (PR_STORE_PROVIDERS)",
                ));
            }
            for uid in providers {
                configure(call, &call.section(Some(uid))?, tags, &protect, &make)?;
            }
            Ok(())
        }
    }
}

/// Configures one store provider's section.
fn configure<B, F, P>(
    call: &ServiceCall<'_>,
    section: &ProfileSection,
    tags: &[ULONG],
    protect: &P,
    make: &F,
) -> Result<()>
where
    B: Backend,
    F: Fn(&LogonRequest<'_>) -> Result<B>,
    P: Fn(&mut Settings) -> Result<()>,
{
    let mut settings = Settings::read(section, tags)?;
    let given = call.props();
    settings.overlay(
        tags,
        given.iter().map(|p| (p.tag(), OwnedValue::from(p.value()))),
    )?;
    // Its error is answered as the backend's would be (the service may be added
    // unconfigured).
    let protected = protect(&mut settings);
    let request = LogonRequest {
        entry_id: &[],
        flags: sys::MDB_NO_DIALOG,
        settings: &settings,
    };
    let backend = match protected.and_then(|()| make(&request)) {
        Ok(b) => b,
        Err(_) if call.context() == ServiceContext::Create && given.is_empty() => return Ok(()),
        Err(e) => return Err(e),
    };
    let info = backend.store();
    drop(backend);
    let wrapped = call.wrap_store_entry_id(&EntryId::store(info.uid).to_bytes())?;
    let uid = info.uid.0.to_vec();
    let mut props: Vec<Prop<'_>> = settings
        .values()
        .iter()
        .map(|(t, v)| Prop::new(*t, v.as_value()))
        .collect::<Result<_>>()?;
    for (tag, value) in [
        (sys::PR_ENTRYID, PropValue::Binary(&wrapped)),
        (sys::PR_STORE_ENTRYID, PropValue::Binary(&wrapped)),
        (sys::PR_RECORD_KEY, PropValue::Binary(&uid)),
        (sys::PR_STORE_RECORD_KEY, PropValue::Binary(&uid)),
        (sys::PR_SEARCH_KEY, PropValue::Binary(&uid)),
        (sys::PR_MDB_PROVIDER, PropValue::Binary(&info.mdb_provider)),
        (sys::PR_DISPLAY_NAME_W, PropValue::Str(&info.display_name)),
    ] {
        props.push(Prop::new(tag, value)?);
    }
    section.set(&props)?;
    section.save()
}
