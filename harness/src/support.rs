//! The harness's `IMAPISupport` ([`Support`]) and `IProfSect` ([`ProfSect`]): what MAPI
//! hands a store provider at logon.
//!
//! [`Support`] implements what stores call at logon and while running:
//!
//! - `OpenProfileSection`: an [`ProfSect`] over the profile's sections, kept in a JSON
//!   file per profile ([`Profile`]); a null `MAPIUID` names the provider's own section;
//!   without `MAPI_MODIFY` the section is read-only (`SetProps` answers
//!   `MAPI_E_NO_ACCESS`);
//! - `SetProviderUID`: recorded ([`Support::provider_uids`]);
//! - `WrapStoreEntryID`: 4 zero flag bytes, [`WRAP_UID`], then the original identifier
//!   (its flags too); [`unwrap_store_entry_id`] reverses it;
//! - `Subscribe`, `Unsubscribe`, `Notify`: advise sinks by notification key; `Notify`
//!   calls `OnNotify` of every sink subscribed to the key whose event mask has the
//!   notification's type, and none after `Unsubscribe`;
//! - `ModifyStatusRow`: the provider's row of an in-memory status table
//!   ([`Support::status_row`]; `STATUSROW_UPDATE` merges, else the row is replaced);
//! - `GetLastError`: a `MAPIERROR` for the last failure of the support object (NULL
//!   when it has none for that code);
//! - `GetMemAllocRoutines`: the allocators it was made with (in a run, the tracking
//!   allocators of [`crate::alloc`]);
//! - `ModifyProfile`: `S_OK` (the run's one profile lists every store already);
//! - `StoreLogoffTransports`: records the flags ([`Support::store_logoff_transports`])
//!   and answers `LOGOFF_COMPLETE` (the harness has no transports).
//!
//! Every other method keeps the generated default, `MAPI_E_NO_SUPPORT`.
//! [`Support::fail`] makes a method fail (fault injection): it answers the code given,
//! with its `[out]` pointers NULL, and `GetLastError` describes it.
//!
//! Sinks given to `Subscribe` are kept across threads: the harness assumes them
//! free-threaded, as MAPI's are.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use mapi_sync::mem::{Allocators, Buffer};
use mapi_sync::prelude::*;
use mapi_sync::props::{self, prop_id, OwnedValue, Prop, PropArray, PropValue, Props};
use mapi_sync::sys::{self, HRESULT, ULONG, ULONG_PTR};
use mapi_sync::{FreeThreaded, Out};
use serde::{Deserialize, Serialize};

use crate::alloc;

/// The `MAPIUID` in the harness's wrapped store entry identifiers.
pub const WRAP_UID: [u8; 16] = *b"mapi-harness wrp";

/// The `MAPIUID` of the store provider's profile section, as the service's section
/// lists it in `PR_STORE_PROVIDERS` (the section `OpenProfileSection(NULL)` of the
/// support object opens at logon: key `provider` in the profile's file).
pub const PROVIDER_SECTION_UID: [u8; 16] = *b"mapi-harness prv";

/// The original store entry identifier inside one [`Support`] wrapped, or `None` if
/// `wrapped` is not one.
pub fn unwrap_store_entry_id(wrapped: &[u8]) -> Option<&[u8]> {
    let rest = wrapped.get(4..)?;
    rest.strip_prefix(&WRAP_UID[..])
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A property value as the profile file keeps it.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
enum Stored {
    Null,
    Long(i32),
    Boolean(bool),
    I8(i64),
    SysTime(u64),
    Unicode(String),
    String8Hex(String),
    BinaryHex(String),
    Error(i32),
    ClsidHex(String),
    MvLong(Vec<i32>),
    MvUnicode(Vec<String>),
    MvString8Hex(Vec<String>),
    MvBinaryHex(Vec<String>),
    I2(i16),
    R4(f32),
    Double(f64),
    Currency(i64),
    AppTime(f64),
    Object,
    MvI2(Vec<i16>),
    MvR4(Vec<f32>),
    MvDouble(Vec<f64>),
    MvCurrency(Vec<i64>),
    MvAppTime(Vec<f64>),
    MvSysTime(Vec<u64>),
    MvClsidHex(Vec<String>),
    MvI8(Vec<i64>),
}

fn guid_bytes(g: &sys::GUID) -> Vec<u8> {
    [
        &g.Data1.to_le_bytes()[..],
        &g.Data2.to_le_bytes(),
        &g.Data3.to_le_bytes(),
        &g.Data4,
    ]
    .concat()
}

/// A GUID from its 16 bytes in memory.
fn guid_of(b: &[u8]) -> Option<sys::GUID> {
    if b.len() != 16 {
        return None;
    }
    let mut d4 = [0; 8];
    d4.copy_from_slice(&b[8..]);
    Some(sys::GUID::from_parts(
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        u16::from_le_bytes([b[4], b[5]]),
        u16::from_le_bytes([b[6], b[7]]),
        d4,
    ))
}

impl From<&OwnedValue> for Stored {
    fn from(v: &OwnedValue) -> Stored {
        let utf16 = |w: &[u16]| String::from_utf16_lossy(w);
        match v {
            OwnedValue::Null => Stored::Null,
            OwnedValue::Long(v) => Stored::Long(*v),
            OwnedValue::Boolean(v) => Stored::Boolean(*v),
            OwnedValue::I8(v) => Stored::I8(*v),
            OwnedValue::SysTime(v) => Stored::SysTime(*v),
            OwnedValue::Unicode(v) => Stored::Unicode(utf16(v)),
            OwnedValue::String8(v) => Stored::String8Hex(hex(v)),
            OwnedValue::Binary(v) => Stored::BinaryHex(hex(v)),
            OwnedValue::Error(v) => Stored::Error(*v),
            OwnedValue::Clsid(g) => Stored::ClsidHex(hex(&guid_bytes(g))),
            OwnedValue::MvLong(v) => Stored::MvLong(v.clone()),
            OwnedValue::MvUnicode(v) => Stored::MvUnicode(v.iter().map(|s| utf16(s)).collect()),
            OwnedValue::MvString8(v) => Stored::MvString8Hex(v.iter().map(|s| hex(s)).collect()),
            OwnedValue::MvBinary(v) => Stored::MvBinaryHex(v.iter().map(|s| hex(s)).collect()),
            OwnedValue::I2(v) => Stored::I2(*v),
            OwnedValue::R4(v) => Stored::R4(*v),
            OwnedValue::Double(v) => Stored::Double(*v),
            OwnedValue::Currency(v) => Stored::Currency(*v),
            OwnedValue::AppTime(v) => Stored::AppTime(*v),
            OwnedValue::Object => Stored::Object,
            OwnedValue::MvI2(v) => Stored::MvI2(v.clone()),
            OwnedValue::MvR4(v) => Stored::MvR4(v.clone()),
            OwnedValue::MvDouble(v) => Stored::MvDouble(v.clone()),
            OwnedValue::MvCurrency(v) => Stored::MvCurrency(v.clone()),
            OwnedValue::MvAppTime(v) => Stored::MvAppTime(v.clone()),
            OwnedValue::MvSysTime(v) => Stored::MvSysTime(v.clone()),
            OwnedValue::MvClsid(v) => {
                Stored::MvClsidHex(v.iter().map(|g| hex(&guid_bytes(g))).collect())
            }
            OwnedValue::MvI8(v) => Stored::MvI8(v.clone()),
        }
    }
}

impl Stored {
    fn owned(&self) -> Option<OwnedValue> {
        let many = |v: &[String]| v.iter().map(|s| unhex(s)).collect::<Option<Vec<_>>>();
        Some(match self {
            Stored::Null => OwnedValue::Null,
            Stored::Long(v) => OwnedValue::Long(*v),
            Stored::Boolean(v) => OwnedValue::Boolean(*v),
            Stored::I8(v) => OwnedValue::I8(*v),
            Stored::SysTime(v) => OwnedValue::SysTime(*v),
            Stored::Unicode(s) => OwnedValue::Unicode(s.encode_utf16().collect()),
            Stored::String8Hex(s) => OwnedValue::String8(unhex(s)?),
            Stored::BinaryHex(s) => OwnedValue::Binary(unhex(s)?),
            Stored::Error(v) => OwnedValue::Error(*v),
            Stored::ClsidHex(s) => OwnedValue::Clsid(guid_of(&unhex(s)?)?),
            Stored::MvLong(v) => OwnedValue::MvLong(v.clone()),
            Stored::MvUnicode(v) => {
                OwnedValue::MvUnicode(v.iter().map(|s| s.encode_utf16().collect()).collect())
            }
            Stored::MvString8Hex(v) => OwnedValue::MvString8(many(v)?),
            Stored::MvBinaryHex(v) => OwnedValue::MvBinary(many(v)?),
            Stored::I2(v) => OwnedValue::I2(*v),
            Stored::R4(v) => OwnedValue::R4(*v),
            Stored::Double(v) => OwnedValue::Double(*v),
            Stored::Currency(v) => OwnedValue::Currency(*v),
            Stored::AppTime(v) => OwnedValue::AppTime(*v),
            Stored::Object => OwnedValue::Object,
            Stored::MvI2(v) => OwnedValue::MvI2(v.clone()),
            Stored::MvR4(v) => OwnedValue::MvR4(v.clone()),
            Stored::MvDouble(v) => OwnedValue::MvDouble(v.clone()),
            Stored::MvCurrency(v) => OwnedValue::MvCurrency(v.clone()),
            Stored::MvAppTime(v) => OwnedValue::MvAppTime(v.clone()),
            Stored::MvSysTime(v) => OwnedValue::MvSysTime(v.clone()),
            Stored::MvClsidHex(v) => OwnedValue::MvClsid(
                v.iter()
                    .map(|s| guid_of(&unhex(s)?))
                    .collect::<Option<Vec<_>>>()?,
            ),
            Stored::MvI8(v) => OwnedValue::MvI8(v.clone()),
        })
    }
}

#[derive(Serialize, Deserialize)]
struct StoredProp {
    tag: String,
    #[serde(flatten)]
    value: Stored,
}

/// One section: its properties by tag.
pub type Section = BTreeMap<ULONG, OwnedValue>;

/// A profile's sections, kept in `DIR/NAME.json`: an object with one member per section
/// (`provider` for the provider's own, the section's `MAPIUID` in hexadecimal for the
/// others), each an array of `{"tag": "0x3001001F", "type": "unicode", "value": ..}`.
pub struct Profile {
    name: String,
    path: PathBuf,
    sections: BTreeMap<String, Section>,
}

impl Profile {
    /// The profile `name` in `dir`, as its file has it (empty if there is none yet).
    pub fn open(dir: &Path, name: &str) -> std::io::Result<Profile> {
        let path = dir.join(format!("{name}.json"));
        let mut sections = BTreeMap::new();
        match std::fs::read(&path) {
            Ok(bytes) => {
                let stored: BTreeMap<String, Vec<StoredProp>> = serde_json::from_slice(&bytes)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
                for (section, props) in stored {
                    let mut map = Section::new();
                    for p in props {
                        let tag = p
                            .tag
                            .strip_prefix("0x")
                            .and_then(|t| ULONG::from_str_radix(t, 16).ok());
                        if let (Some(tag), Some(v)) = (tag, p.value.owned()) {
                            map.insert(tag, v);
                        }
                    }
                    sections.insert(section, map);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        Ok(Profile {
            name: name.to_owned(),
            path,
            sections,
        })
    }

    /// The profile's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The section named `key` (`provider`, or a `MAPIUID` in hexadecimal).
    pub fn section(&self, key: &str) -> Option<&Section> {
        self.sections.get(key)
    }

    /// Sets `tag` to `value` in section `key` (not saved yet).
    pub fn set(&mut self, key: &str, tag: ULONG, value: OwnedValue) {
        let section = self.sections.entry(key.to_owned()).or_default();
        // One value per property identifier: a new type replaces the old.
        section.retain(|&t, _| prop_id(t) != prop_id(tag));
        section.insert(tag, value);
    }

    /// Writes the file.
    pub fn save(&self) -> std::io::Result<()> {
        let stored: BTreeMap<&String, Vec<StoredProp>> = self
            .sections
            .iter()
            .map(|(k, s)| {
                let props = s
                    .iter()
                    .map(|(tag, v)| StoredProp {
                        tag: format!("0x{tag:08X}"),
                        value: Stored::from(v),
                    })
                    .collect();
                (k, props)
            })
            .collect();
        let json = serde_json::to_vec_pretty(&stored).map_err(std::io::Error::other)?;
        std::fs::write(&self.path, json)
    }
}

/// The key of the section a `MAPIUID` (or NULL) names.
///
/// # Safety
/// `uid` must be null or a readable `MAPIUID`.
unsafe fn section_key(uid: sys::LPMAPIUID) -> String {
    if uid.is_null() {
        return "provider".to_owned();
    }
    // SAFETY: the caller's contract.
    hex(unsafe { &(*uid).ab })
}

/// A subscription to notifications.
struct Subscription {
    key: Vec<u8>,
    mask: ULONG,
    sink: FreeThreaded<sys::IMAPIAdviseSink>,
}

/// What the support object and its sections share.
pub(crate) struct State {
    profile: Mutex<Profile>,
    allocators: Allocators,
    provider_uids: Mutex<Vec<[u8; 16]>>,
    subscriptions: Mutex<HashMap<ULONG_PTR, Subscription>>,
    next_connection: Mutex<ULONG_PTR>,
    status_row: Mutex<Vec<(ULONG, OwnedValue)>>,
    last_error: Mutex<Option<(HRESULT, String)>>,
    failures: Mutex<HashMap<String, HRESULT>>,
    calls: Mutex<Vec<String>>,
    pub(crate) open_sections: AtomicUsize,
    logoff_transports: Mutex<Vec<ULONG>>,
}

/// The harness's `IMAPISupport` (see the [module](self)).
#[mapi_object(IMAPISupport)]
pub struct Support {
    pub(crate) state: Arc<State>,
}

impl Support {
    /// A support object for `profile`, handing out memory from `allocators`.
    pub fn new(profile: Profile, allocators: Allocators) -> Support {
        Support {
            state: Arc::new(State {
                profile: Mutex::new(profile),
                allocators,
                provider_uids: Mutex::new(Vec::new()),
                subscriptions: Mutex::new(HashMap::new()),
                next_connection: Mutex::new(0),
                status_row: Mutex::new(Vec::new()),
                last_error: Mutex::new(None),
                failures: Mutex::new(HashMap::new()),
                calls: Mutex::new(Vec::new()),
                open_sections: AtomicUsize::new(0),
                logoff_transports: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Makes `method` (`"OpenProfileSection"`, ...) answer `code` from now on; `None`
    /// lets it work again.
    pub fn fail(&self, method: &str, code: Option<HRESULT>) {
        let mut failures = lock(&self.state.failures);
        match code {
            Some(code) => failures.insert(method.to_owned(), code),
            None => failures.remove(method),
        };
    }

    /// The `MAPIUID`s given to `SetProviderUID`, in order.
    pub fn provider_uids(&self) -> Vec<[u8; 16]> {
        lock(&self.state.provider_uids).clone()
    }

    /// The provider's status row, as `ModifyStatusRow` left it.
    pub fn status_row(&self) -> Vec<(ULONG, OwnedValue)> {
        lock(&self.state.status_row).clone()
    }

    /// The flags of each `StoreLogoffTransports` call, in order.
    pub fn store_logoff_transports(&self) -> Vec<ULONG> {
        lock(&self.state.logoff_transports).clone()
    }

    /// The methods called, in order.
    pub fn calls(&self) -> Vec<String> {
        lock(&self.state.calls).clone()
    }

    /// How many subscriptions are live.
    pub fn subscriptions(&self) -> usize {
        lock(&self.state.subscriptions).len()
    }

    /// How many profile sections handed out are alive.
    pub fn open_sections(&self) -> usize {
        self.state.open_sections.load(Ordering::SeqCst)
    }

    /// Runs `f` on the profile (to seed or read it).
    pub fn with_profile<R>(&self, f: impl FnOnce(&mut Profile) -> R) -> R {
        f(&mut lock(&self.state.profile))
    }

    /// Records a call; the injected failure for it, if any.
    fn enter(&self, method: &str) -> Option<HRESULT> {
        lock(&self.state.calls).push(method.to_owned());
        let code = lock(&self.state.failures).get(method).copied();
        if let Some(code) = code {
            self.failed(
                code,
                format!("{method} failed by the harness's fault injection"),
            );
        }
        code
    }

    /// Records a failure for `GetLastError`.
    fn failed(&self, code: HRESULT, text: String) -> HRESULT {
        *lock(&self.state.last_error) = Some((code, text));
        code
    }
}

/// A `MAPIERROR` with `text`, in one MAPI buffer.
fn mapi_error(allocators: Allocators, text: &str, unicode: bool) -> mapi_sync::Result<Buffer> {
    let buffer = Buffer::new(allocators, std::mem::size_of::<sys::MAPIERROR>())?;
    let string = |s: &str| -> mapi_sync::Result<sys::LPTSTR> {
        let p = if unicode {
            let w: Vec<u8> = s
                .encode_utf16()
                .chain([0])
                .flat_map(u16::to_le_bytes)
                .collect();
            buffer.more_copy(&w)?
        } else {
            let a: Vec<u8> = s.bytes().chain([0]).collect();
            buffer.more_copy(&a)?
        };
        Ok(p.as_ptr().cast())
    };
    let error = sys::MAPIERROR {
        ulVersion: sys::MAPI_ERROR_VERSION,
        lpszError: string(text)?,
        lpszComponent: string("mapi-harness")?,
        ulLowLevelError: 0,
        ulContext: 0,
    };
    // SAFETY: the buffer is a MAPIERROR's size, aligned for any MAPI type.
    unsafe { buffer.as_ptr().cast::<sys::MAPIERROR>().write(error) };
    Ok(buffer)
}

impl sys::IMAPISupport_Impl for Support {
    unsafe fn GetLastError(
        &self,
        h_result: HRESULT,
        ul_flags: ULONG,
        lpp_mapi_error: *mut sys::LPMAPIERROR,
    ) -> HRESULT {
        // SAFETY: null or writable (GetLastError's contract).
        let mut out = match unsafe { Out::new(lpp_mapi_error) } {
            Ok(out) => out,
            Err(e) => return e.code(),
        };
        out.clear();
        let last = lock(&self.state.last_error).clone();
        let Some((_, text)) = last.filter(|(code, _)| *code == h_result) else {
            return sys::S_OK;
        };
        let unicode = ul_flags & sys::MAPI_UNICODE != 0;
        let made = alloc::label("IMAPISupport::GetLastError", || {
            mapi_error(self.state.allocators, &text, unicode)
        });
        match made {
            Ok(buffer) => {
                out.write(buffer.into_raw().cast());
                sys::S_OK
            }
            Err(e) => e.code(),
        }
    }

    unsafe fn GetMemAllocRoutines(
        &self,
        lp_allocate_buffer: *mut sys::LPALLOCATEBUFFER,
        lp_allocate_more: *mut sys::LPALLOCATEMORE,
        lp_free_buffer: *mut sys::LPFREEBUFFER,
    ) -> HRESULT {
        if let Some(code) = self.enter("GetMemAllocRoutines") {
            return code;
        }
        if lp_allocate_buffer.is_null() || lp_allocate_more.is_null() || lp_free_buffer.is_null() {
            return self.failed(sys::MAPI_E_INVALID_PARAMETER, "a null pointer".into());
        }
        let (a, m, f) = self.state.allocators.as_raw();
        // SAFETY: each non-null and writable (GetMemAllocRoutines' contract).
        unsafe {
            *lp_allocate_buffer = a;
            *lp_allocate_more = m;
            *lp_free_buffer = f;
        }
        sys::S_OK
    }

    unsafe fn Subscribe(
        &self,
        lp_key: sys::LPNOTIFKEY,
        ul_event_mask: ULONG,
        _ul_flags: ULONG,
        lp_advise_sink: sys::LPMAPIADVISESINK,
        lpul_connection: *mut ULONG_PTR,
    ) -> HRESULT {
        // SAFETY: null or writable (Subscribe's contract).
        let mut out = match unsafe { Out::new(lpul_connection) } {
            Ok(out) => out,
            Err(e) => return self.failed(e.code(), "a null lpulConnection".into()),
        };
        out.write(0);
        if let Some(code) = self.enter("Subscribe") {
            return code;
        }
        // SAFETY: null or a NOTIFKEY of `cb` bytes (Subscribe's contract).
        let Some(key) = (unsafe { notif_key(lp_key) }) else {
            return self.failed(sys::MAPI_E_INVALID_PARAMETER, "a null key".into());
        };
        // SAFETY: null or a live sink for the call; kept with a reference of our own.
        let Some(sink) = (unsafe { lp_advise_sink.to_owned() }) else {
            return self.failed(sys::MAPI_E_INVALID_PARAMETER, "a null sink".into());
        };
        let connection = {
            let mut next = lock(&self.state.next_connection);
            *next += 1;
            *next
        };
        lock(&self.state.subscriptions).insert(
            connection,
            Subscription {
                key,
                mask: ul_event_mask,
                // SAFETY: sinks given to MAPI are free-threaded (see the module).
                sink: unsafe { FreeThreaded::new(sink) },
            },
        );
        out.write(connection);
        sys::S_OK
    }

    unsafe fn Unsubscribe(&self, ul_connection: ULONG_PTR) -> HRESULT {
        if let Some(code) = self.enter("Unsubscribe") {
            return code;
        }
        let removed = lock(&self.state.subscriptions).remove(&ul_connection);
        match removed {
            // Released outside the lock: the sink's Release may call back.
            Some(s) => {
                drop(s);
                sys::S_OK
            }
            None => self.failed(
                sys::MAPI_E_NOT_FOUND,
                format!("no connection {ul_connection}"),
            ),
        }
    }

    unsafe fn Notify(
        &self,
        lp_key: sys::LPNOTIFKEY,
        c_notification: ULONG,
        lp_notifications: sys::LPNOTIFICATION,
        lpul_flags: *mut ULONG,
    ) -> HRESULT {
        if !lpul_flags.is_null() {
            // SAFETY: non-null and writable (Notify's contract).
            unsafe { *lpul_flags = 0 };
        }
        if let Some(code) = self.enter("Notify") {
            return code;
        }
        // SAFETY: null or a NOTIFKEY (Notify's contract).
        let Some(key) = (unsafe { notif_key(lp_key) }) else {
            return self.failed(sys::MAPI_E_INVALID_PARAMETER, "a null key".into());
        };
        if c_notification > 0 && lp_notifications.is_null() {
            return self.failed(sys::MAPI_E_INVALID_PARAMETER, "null notifications".into());
        }
        let notifications: &[sys::NOTIFICATION] = if c_notification == 0 {
            &[]
        } else {
            // SAFETY: `c_notification` notifications (Notify's contract).
            unsafe { std::slice::from_raw_parts(lp_notifications, c_notification as usize) }
        };
        // The sinks to call, with a reference each, so the lock is not held in OnNotify.
        let sinks: Vec<(ULONG, sys::IMAPIAdviseSink)> = lock(&self.state.subscriptions)
            .values()
            .filter(|s| s.key == key)
            .map(|s| (s.mask, (*s.sink).clone()))
            .collect();
        for (mask, sink) in sinks {
            let mut chosen: Vec<sys::NOTIFICATION> = notifications
                .iter()
                .filter(|n| n.ulEventType & mask != 0)
                // SAFETY: a plain C struct, copied bit for bit; its pointers stay the
                // caller's.
                .map(|n| unsafe { std::ptr::read(n) })
                .collect();
            if chosen.is_empty() {
                continue;
            }
            // SAFETY: `chosen.len()` notifications, alive for the call.
            unsafe { sink.OnNotify(chosen.len() as ULONG, chosen.as_mut_ptr()) };
        }
        sys::S_OK
    }

    unsafe fn ModifyStatusRow(
        &self,
        c_values: ULONG,
        lp_column_vals: sys::LPSPropValue,
        ul_flags: ULONG,
    ) -> HRESULT {
        if let Some(code) = self.enter("ModifyStatusRow") {
            return code;
        }
        // SAFETY: `c_values` values (ModifyStatusRow's contract), read during the call.
        let values = match unsafe { Props::from_raw(lp_column_vals, c_values) } {
            Ok(v) => v,
            Err(e) => return self.failed(e.code(), e.text()),
        };
        let mut row = lock(&self.state.status_row);
        if ul_flags & sys::STATUSROW_UPDATE == 0 {
            row.clear();
        }
        for p in values.iter() {
            row.retain(|(t, _)| *t != p.tag());
            row.push((p.tag(), OwnedValue::from(p.value())));
        }
        sys::S_OK
    }

    unsafe fn OpenProfileSection(
        &self,
        lp_uid: sys::LPMAPIUID,
        ul_flags: ULONG,
        lpp_profile_obj: *mut sys::LPPROFSECT,
    ) -> HRESULT {
        // SAFETY: null or writable (OpenProfileSection's contract).
        let mut out = match unsafe { Out::new(lpp_profile_obj) } {
            Ok(out) => out,
            Err(e) => return self.failed(e.code(), "a null lppProfileObj".into()),
        };
        out.write(sys::InterfacePtr::null());
        if let Some(code) = self.enter("OpenProfileSection") {
            return code;
        }
        // SAFETY: null or a MAPIUID (OpenProfileSection's contract).
        let key = unsafe { section_key(lp_uid) };
        self.state.open_sections.fetch_add(1, Ordering::SeqCst);
        let section = Object::new(ProfSect {
            state: self.state.clone(),
            key,
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

    unsafe fn SetProviderUID(&self, lp_provider_id: sys::LPMAPIUID, _ul_flags: ULONG) -> HRESULT {
        if let Some(code) = self.enter("SetProviderUID") {
            return code;
        }
        if lp_provider_id.is_null() {
            return self.failed(sys::MAPI_E_INVALID_PARAMETER, "a null MAPIUID".into());
        }
        // SAFETY: a readable MAPIUID (SetProviderUID's contract).
        let uid = unsafe { (*lp_provider_id).ab };
        lock(&self.state.provider_uids).push(uid);
        sys::S_OK
    }

    unsafe fn ModifyProfile(&self, _flags: ULONG) -> HRESULT {
        // One profile per run, every store of it listed: nothing to add.
        self.enter("ModifyProfile").unwrap_or(sys::S_OK)
    }

    unsafe fn StoreLogoffTransports(&self, flags: *mut ULONG) -> HRESULT {
        if flags.is_null() {
            return self.failed(sys::MAPI_E_INVALID_PARAMETER, "a null flags pointer".into());
        }
        if let Some(code) = self.enter("StoreLogoffTransports") {
            return code;
        }
        // SAFETY: a readable and writable flags word (StoreLogoffTransports' contract).
        unsafe {
            lock(&self.state.logoff_transports).push(flags.read());
            // No transports in the harness: the logoff can complete.
            flags.write(sys::LOGOFF_COMPLETE);
        }
        sys::S_OK
    }

    unsafe fn WrapStoreEntryID(
        &self,
        cb_orig_entry: ULONG,
        lp_orig_entry: sys::LPENTRYID,
        lpcb_wrapped_entry: *mut ULONG,
        lpp_wrapped_entry: *mut sys::LPENTRYID,
    ) -> HRESULT {
        // SAFETY: each null or writable (WrapStoreEntryID's contract).
        let (Ok(mut cb_out), Ok(mut out)) = (unsafe { Out::new(lpcb_wrapped_entry) }, unsafe {
            Out::new(lpp_wrapped_entry)
        }) else {
            return self.failed(sys::MAPI_E_INVALID_PARAMETER, "a null out-pointer".into());
        };
        cb_out.write(0);
        out.clear();
        if let Some(code) = self.enter("WrapStoreEntryID") {
            return code;
        }
        // SAFETY: `cb_orig_entry` readable bytes (WrapStoreEntryID's contract).
        let (flags, bytes) = match unsafe { props::entry_id(cb_orig_entry, lp_orig_entry) } {
            Ok(id) => id,
            Err(e) => return self.failed(e.code(), e.text()),
        };
        let inner = [&WRAP_UID[..], &flags, bytes].concat();
        let written = alloc::label("IMAPISupport::WrapStoreEntryID", || {
            props::write_entry_id(self.state.allocators, [0; 4], &inner)
        });
        match written {
            Ok((cb, buffer)) => {
                cb_out.write(cb);
                out.write(buffer.into_raw().cast());
                sys::S_OK
            }
            Err(e) => self.failed(e.code(), e.text()),
        }
    }
}

/// The bytes of a `NOTIFKEY`.
///
/// # Safety
/// `key` must be null or a `NOTIFKEY` with `cb` bytes.
unsafe fn notif_key(key: sys::LPNOTIFKEY) -> Option<Vec<u8>> {
    if key.is_null() {
        return None;
    }
    // SAFETY: the caller's contract: `cb` bytes from `ab`.
    unsafe {
        let cb = (*key).cb as usize;
        let ab = std::ptr::addr_of!((*key).ab).cast::<u8>();
        Some(std::slice::from_raw_parts(ab, cb).to_vec())
    }
}

/// A profile section (`IProfSect`): the properties of one section of the [`Profile`],
/// written to its file on every `SetProps`.
#[mapi_object(IProfSect)]
pub struct ProfSect {
    pub(crate) state: Arc<State>,
    pub(crate) key: String,
    pub(crate) writable: bool,
}

impl Drop for ProfSect {
    fn drop(&mut self) {
        self.state.open_sections.fetch_sub(1, Ordering::SeqCst);
    }
}

impl sys::IProfSect_Impl for ProfSect {}

impl sys::IMAPIProp_Impl for ProfSect {
    unsafe fn GetProps(
        &self,
        lp_prop_tag_array: sys::LPSPropTagArray,
        ul_flags: ULONG,
        lpc_values: *mut ULONG,
        lpp_prop_array: *mut sys::LPSPropValue,
    ) -> HRESULT {
        if !lpp_prop_array.is_null() {
            // SAFETY: non-null and writable (GetProps' contract): NULL until answered.
            unsafe { *lpp_prop_array = std::ptr::null_mut() };
        }
        // SAFETY: null or a tag array (GetProps' contract).
        let requested = unsafe { props::prop_tags(lp_prop_tag_array) };
        let profile = lock(&self.state.profile);
        let empty = Section::new();
        let section = profile.section(&self.key).unwrap_or(&empty);
        // A string asked for in the other type is converted by the runtime's answer, as
        // GetProps converts (through the code page).
        let has: mapi_sync::Result<Vec<Prop<'_>>> = section
            .iter()
            .map(|(t, v)| Prop::new(*t, v.as_value()))
            .collect();
        let answer = has.and_then(|has| {
            alloc::label("IProfSect::GetProps", || {
                PropArray::answer(self.state.allocators, requested, &has, ul_flags)
            })
        });
        match answer {
            // SAFETY: each null or writable (GetProps' contract).
            Ok(answer) => unsafe { answer.hand_out(lpc_values, lpp_prop_array) },
            Err(e) => e.code(),
        }
    }

    unsafe fn GetPropList(
        &self,
        _ul_flags: ULONG,
        lpp_prop_tag_array: *mut sys::LPSPropTagArray,
    ) -> HRESULT {
        // SAFETY: null or writable (GetPropList's contract).
        let mut out = match unsafe { Out::new(lpp_prop_tag_array) } {
            Ok(out) => out,
            Err(e) => return e.code(),
        };
        out.clear();
        let tags: Vec<ULONG> = lock(&self.state.profile)
            .section(&self.key)
            .map_or_else(Vec::new, |s| s.keys().copied().collect());
        match alloc::label("IProfSect::GetPropList", || {
            props::write_prop_tags(self.state.allocators, &tags)
        }) {
            Ok(buffer) => {
                out.write(buffer.into_raw().cast());
                sys::S_OK
            }
            Err(e) => e.code(),
        }
    }

    unsafe fn SetProps(
        &self,
        c_values: ULONG,
        lp_prop_array: sys::LPSPropValue,
        lpp_problems: *mut sys::LPSPropProblemArray,
    ) -> HRESULT {
        if !lpp_problems.is_null() {
            // SAFETY: non-null and writable (SetProps' contract): no problems reported.
            unsafe { *lpp_problems = std::ptr::null_mut() };
        }
        if !self.writable {
            return sys::MAPI_E_NO_ACCESS;
        }
        // SAFETY: `c_values` values, read during the call (SetProps' contract).
        let values = match unsafe { Props::from_raw(lp_prop_array, c_values) } {
            Ok(v) => v,
            Err(e) => return e.code(),
        };
        let mut profile = lock(&self.state.profile);
        for p in values.iter() {
            profile.set(&self.key, p.tag(), OwnedValue::from(p.value()));
        }
        match profile.save() {
            Ok(()) => sys::S_OK,
            Err(_) => sys::MAPI_E_DISK_ERROR,
        }
    }

    unsafe fn SaveChanges(&self, _ul_flags: ULONG) -> HRESULT {
        // Every SetProps is written through.
        sys::S_OK
    }
}

/// The values of `tag` in `section`, as a `PropValue`, if it is there.
pub fn section_value(section: &Section, tag: ULONG) -> Option<PropValue<'_>> {
    section.get(&tag).map(OwnedValue::as_value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    fn free(p: *mut std::ffi::c_void) {
        let (_, _, f) = alloc::allocators().as_raw();
        // SAFETY: the tracking MAPIFreeBuffer takes any pointer.
        unsafe { f.unwrap()(p) };
    }

    fn support(dir: &Path) -> Object<Support> {
        let profile = Profile::open(dir, "test").unwrap();
        Object::new(Support::new(profile, alloc::allocators()))
    }

    #[test]
    fn profile_sections_are_kept_in_a_file_per_profile() {
        let dir = tempfile::tempdir().unwrap();
        let s = alloc::session();
        let object = support(dir.path());
        let support: sys::IMAPISupport = object.cast().unwrap();
        let mut raw = sys::LPPROFSECT::null();
        // SAFETY: a writable out-pointer; null names the provider's section.
        let hr =
            unsafe { support.OpenProfileSection(std::ptr::null_mut(), sys::MAPI_MODIFY, &mut raw) };
        assert_eq!(hr, sys::S_OK);
        // SAFETY: the reference OpenProfileSection handed out.
        let section = unsafe { raw.into_owned() }.unwrap();
        assert_eq!(object.open_sections(), 1);
        let values = PropArray::write(
            alloc::allocators(),
            &[
                Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str("Store")).unwrap(),
                Prop::new(sys::PR_ENTRYID, PropValue::Binary(b"\0\0\0\0id")).unwrap(),
            ],
        )
        .unwrap();
        let slice = values.as_slice();
        // SAFETY: two values alive for the call.
        let hr = unsafe { section.SetProps(2, slice.as_ptr().cast_mut(), std::ptr::null_mut()) };
        assert_eq!(hr, sys::S_OK);
        drop(values);
        // Read back, the Unicode name as PT_STRING8 too.
        let tags = props::write_prop_tags(
            alloc::allocators(),
            &[sys::PR_DISPLAY_NAME_A, sys::PR_ENTRYID, sys::PR_SUBJECT_W],
        )
        .unwrap();
        let (mut n, mut v) = (0, std::ptr::null_mut());
        // SAFETY: a tag array and writable out-pointers.
        let hr = unsafe { section.GetProps(tags.as_ptr().cast(), 0, &mut n, &mut v) };
        assert_eq!((hr, n), (sys::MAPI_W_ERRORS_RETURNED, 3));
        // SAFETY: what GetProps handed out.
        let got = unsafe { Props::from_raw(v, n) }.unwrap();
        assert_eq!(got.get(0).unwrap().value(), PropValue::String8(b"Store"));
        assert_eq!(
            got.get(1).unwrap().value(),
            PropValue::Binary(b"\0\0\0\0id")
        );
        free(v.cast());
        drop(tags);
        drop(section);
        assert_eq!(object.open_sections(), 0);
        // The file has it.
        let again = Profile::open(dir.path(), "test").unwrap();
        let provider = again.section("provider").unwrap();
        assert_eq!(
            section_value(provider, sys::PR_DISPLAY_NAME_W),
            Some(PropValue::Str("Store"))
        );
        // A section opened without MAPI_MODIFY is read-only.
        let mut uid = sys::MAPIUID { ab: [7; 16] };
        // SAFETY: as above.
        let hr = unsafe { support.OpenProfileSection(&mut uid, 0, &mut raw) };
        assert_eq!(hr, sys::S_OK);
        // SAFETY: as above.
        let section = unsafe { raw.into_owned() }.unwrap();
        // SAFETY: no values.
        let hr = unsafe { section.SetProps(0, std::ptr::null_mut(), std::ptr::null_mut()) };
        assert_eq!(hr, sys::MAPI_E_NO_ACCESS);
        drop(section);
        drop(support);
        assert_eq!(object.ref_count(), 1);
        assert_eq!(s.finish(), []);
    }

    #[test]
    fn provider_uids_status_rows_and_wrapped_ids_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let s = alloc::session();
        let object = support(dir.path());
        let support: sys::IMAPISupport = object.cast().unwrap();
        let mut uid = sys::MAPIUID { ab: [3; 16] };
        // SAFETY: a readable MAPIUID.
        assert_eq!(unsafe { support.SetProviderUID(&mut uid, 0) }, sys::S_OK);
        assert_eq!(object.provider_uids(), [[3; 16]]);
        // WrapStoreEntryID.
        let original = b"\x01\0\0\0store";
        let (mut cb, mut id) = (0, std::ptr::null_mut());
        // SAFETY: readable bytes, writable out-pointers.
        let hr = unsafe {
            support.WrapStoreEntryID(
                original.len() as ULONG,
                original.as_ptr().cast_mut().cast(),
                &mut cb,
                &mut id,
            )
        };
        assert_eq!(hr, sys::S_OK);
        // SAFETY: `cb` bytes handed out.
        let wrapped = unsafe { std::slice::from_raw_parts(id.cast::<u8>(), cb as usize) };
        assert_eq!(unwrap_store_entry_id(wrapped), Some(&original[..]));
        free(id.cast());
        // Too short: refused, out-pointers NULL and 0.
        // SAFETY: as above.
        let hr = unsafe {
            support.WrapStoreEntryID(2, original.as_ptr().cast_mut().cast(), &mut cb, &mut id)
        };
        assert_eq!(
            (hr, cb, id.is_null()),
            (sys::MAPI_E_INVALID_ENTRYID, 0, true)
        );
        // ModifyStatusRow.
        let row = PropArray::write(
            alloc::allocators(),
            &[Prop::new(sys::PR_STATUS_CODE, PropValue::Long(1)).unwrap()],
        )
        .unwrap();
        // SAFETY: one value.
        let hr = unsafe { support.ModifyStatusRow(1, row.as_slice().as_ptr().cast_mut(), 0) };
        assert_eq!(hr, sys::S_OK);
        assert_eq!(
            object.status_row(),
            [(sys::PR_STATUS_CODE, OwnedValue::Long(1))]
        );
        drop(row);
        drop(support);
        assert_eq!(s.finish(), []);
    }

    /// Counts the notifications it is given.
    #[mapi_object(IMAPIAdviseSink)]
    struct Sink {
        seen: Arc<AtomicU32>,
    }

    impl sys::IMAPIAdviseSink_Impl for Sink {
        unsafe fn OnNotify(&self, c_notif: ULONG, _: sys::LPNOTIFICATION) -> ULONG {
            self.seen.fetch_add(c_notif, Ordering::SeqCst);
            0
        }
    }

    #[test]
    fn notify_reaches_subscribed_sinks_until_unsubscribe() {
        let dir = tempfile::tempdir().unwrap();
        let s = alloc::session();
        let object = support(dir.path());
        let support: sys::IMAPISupport = object.cast().unwrap();
        let seen = Arc::new(AtomicU32::new(0));
        let sink: sys::IMAPIAdviseSink = Object::new(Sink { seen: seen.clone() }).cast().unwrap();
        // A NOTIFKEY of 4 bytes.
        let mut key_bytes = [0u32; 2];
        key_bytes[0] = 4;
        key_bytes[1] = u32::from_le_bytes(*b"key1");
        let key: sys::LPNOTIFKEY = key_bytes.as_mut_ptr().cast();
        let mut connection = 0;
        // SAFETY: a key, a live sink, a writable out-pointer.
        let hr = unsafe {
            support.Subscribe(
                key,
                sys::fnevObjectModified,
                0,
                sys::InterfacePtr::from_raw(sink.as_raw()),
                &mut connection,
            )
        };
        assert_eq!(hr, sys::S_OK);
        assert_ne!(connection, 0);
        // SAFETY: NOTIFICATION is plain data; zeroes are a valid one.
        let mut n: [sys::NOTIFICATION; 2] = unsafe { std::mem::zeroed() };
        n[0].ulEventType = sys::fnevObjectModified;
        n[1].ulEventType = sys::fnevObjectDeleted;
        // SAFETY: the key and two notifications.
        assert_eq!(
            unsafe { support.Notify(key, 2, n.as_mut_ptr(), std::ptr::null_mut()) },
            sys::S_OK
        );
        assert_eq!(
            seen.load(Ordering::SeqCst),
            1,
            "only the modified one is in the mask"
        );
        // SAFETY: as above.
        assert_eq!(unsafe { support.Unsubscribe(connection) }, sys::S_OK);
        // SAFETY: as above.
        assert_eq!(
            unsafe { support.Notify(key, 2, n.as_mut_ptr(), std::ptr::null_mut()) },
            sys::S_OK
        );
        assert_eq!(seen.load(Ordering::SeqCst), 1, "nothing after Unsubscribe");
        // SAFETY: no such connection.
        assert_eq!(
            unsafe { support.Unsubscribe(connection) },
            sys::MAPI_E_NOT_FOUND
        );
        drop(sink);
        drop(support);
        assert_eq!(object.ref_count(), 1);
        assert_eq!(s.finish(), []);
    }

    #[test]
    fn an_injected_failure_nulls_the_out_pointer_and_get_last_error_tells() {
        let dir = tempfile::tempdir().unwrap();
        let s = alloc::session();
        let object = support(dir.path());
        object.fail("OpenProfileSection", Some(sys::MAPI_E_CALL_FAILED));
        let support: sys::IMAPISupport = object.cast().unwrap();
        let mut raw = sys::LPPROFSECT::from_raw(8 as *mut std::ffi::c_void);
        // SAFETY: a writable out-pointer.
        let hr = unsafe { support.OpenProfileSection(std::ptr::null_mut(), 0, &mut raw) };
        assert_eq!((hr, raw.is_null()), (sys::MAPI_E_CALL_FAILED, true));
        let mut error = std::ptr::null_mut();
        // SAFETY: a writable out-pointer.
        let hr = unsafe { support.GetLastError(sys::MAPI_E_CALL_FAILED, 0, &mut error) };
        assert_eq!(hr, sys::S_OK);
        assert!(!error.is_null());
        // SAFETY: a MAPIERROR with narrow strings.
        let text = unsafe { std::ffi::CStr::from_ptr((*error).lpszError.cast()) };
        assert!(text.to_str().unwrap().contains("OpenProfileSection"));
        free(error.cast());
        // GetMemAllocRoutines gives the tracking functions.
        let (mut a, mut m, mut f) = (None, None, None);
        // SAFETY: writable out-pointers.
        assert_eq!(
            unsafe { support.GetMemAllocRoutines(&mut a, &mut m, &mut f) },
            sys::S_OK
        );
        assert_eq!(
            a.map(|a| a as usize),
            alloc::allocators().as_raw().0.map(|a| a as usize)
        );
        assert_eq!(
            object.calls(),
            ["OpenProfileSection", "GetMemAllocRoutines"]
        );
        drop(support);
        assert_eq!(s.finish(), []);
    }

    #[test]
    fn every_kind_of_value_survives_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Profile::open(dir.path(), "kinds").unwrap();
        let values = [
            OwnedValue::Null,
            OwnedValue::Long(-3),
            OwnedValue::Boolean(true),
            OwnedValue::I8(1 << 40),
            OwnedValue::SysTime(9),
            OwnedValue::Unicode("é".encode_utf16().collect()),
            OwnedValue::String8(b"a\xff".to_vec()),
            OwnedValue::Binary(vec![0, 1]),
            OwnedValue::Error(sys::MAPI_E_NOT_FOUND),
            OwnedValue::Clsid(sys::GUID::from_parts(1, 2, 3, [4; 8])),
            OwnedValue::MvLong(vec![1, 2]),
            OwnedValue::MvUnicode(vec!["x".encode_utf16().collect()]),
            OwnedValue::MvString8(vec![b"y".to_vec()]),
            OwnedValue::MvBinary(vec![vec![5]]),
        ];
        for (i, v) in values.iter().enumerate() {
            p.set(
                "provider",
                props::prop_tag(v.prop_type(), 0x6600 + i as ULONG),
                v.clone(),
            );
        }
        p.save().unwrap();
        let again = Profile::open(dir.path(), "kinds").unwrap();
        let got: Vec<OwnedValue> = again
            .section("provider")
            .unwrap()
            .values()
            .cloned()
            .collect();
        assert_eq!(got, values);
    }
}
