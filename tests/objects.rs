//! `#[mapi_object]`: objects of any interface, built on the same object model as
//! `#[mapi_sync_provider]`: a Rust IMAPISyncProgressCallback driving a real sync, a folder
//! that hands out itself and a child that keeps it alive, QueryInterface's rules, and the
//! `This` back reference.
#![allow(non_snake_case)]

mod common;

use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::{DropCounter, DropProbe};
use mapi_sync::mem::Allocators;
use mapi_sync::prelude::*;
use mapi_sync::props::{Prop, PropArray, PropValue, Props};
use mapi_sync::sys::*;

/// Outlook's side, written in Rust: records what the store reports.
#[mapi_object(IMAPISyncProgressCallback)]
struct Dialog {
    log: Mutex<Vec<String>>,
    _probe: DropProbe,
}

fn text(p: *const WCHAR) -> String {
    if p.is_null() {
        return "-".into();
    }
    let mut n = 0;
    // SAFETY: the provider passes NUL-terminated UTF-16.
    unsafe {
        while *p.add(n) != 0 {
            n += 1;
        }
        String::from_utf16_lossy(std::slice::from_raw_parts(p, n))
    }
}

impl IMAPISyncProgressCallback_Impl for Dialog {
    unsafe fn Progress(&self, text_: *const WCHAR, ulIndex: ULONG, ulIndexMax: ULONG) -> HRESULT {
        let line = format!("P {} {ulIndex}/{ulIndexMax}", text(text_));
        self.log.lock().unwrap().push(line);
        S_OK
    }

    unsafe fn Error(&self, hResult: HRESULT, pwcszErrorStr: *const WCHAR) -> HRESULT {
        let line = format!("E {:#x} {}", hResult as u32, text(pwcszErrorStr));
        self.log.lock().unwrap().push(line);
        S_OK
    }

    unsafe fn Done(&self, _: HANDLE, hResult: HRESULT) -> HRESULT {
        self.log
            .lock()
            .unwrap()
            .push(format!("D {:#x}", hResult as u32));
        S_OK
    }
}

#[mapi_sync_provider]
struct Store;

impl SyncProvider for Store {
    fn synchronize(&self, _: &SyncRequest, progress: &Progress) -> mapi_sync::Result<()> {
        progress.step("Inbox", 1, 2)?;
        progress.step(None, 2, 2)?;
        Err(Error::with_message(MAPI_E_NETWORK_ERROR, "offline"))
    }
}

/// The headers' `LPFOO` typedefs are typed interface pointers: `LPMAPITABLE` is
/// `InterfacePtr<IMAPITable>` and an out-parameter `*mut LPMAPITABLE`.
#[test]
fn the_interface_pointer_typedefs_name_their_interfaces() {
    let _: LPMAPITABLE = InterfacePtr::<IMAPITable>::null();
    let _: LPMESSAGE = InterfacePtr::<IMessage>::null();
    let _: LPMAPIADVISESINK = InterfacePtr::<IMAPIAdviseSink>::null();
    let _: LPMSPROVIDER = InterfacePtr::<IMSProvider>::null();
    let _: LPMSLOGON = InterfacePtr::<IMSLogon>::null();
    let _: LPMAPISUP = InterfacePtr::<IMAPISupport>::null();
    let _: LPUNKNOWN = InterfacePtr::<IUnknown>::null();
    // COM's IStream, which OpenProperty answers with, is carried (from objidlbase.h).
    let _: LPSTREAM = InterfacePtr::<IStream>::null();
    // COM's interfaces the bindings do not carry stay untyped.
    let _: LPMALLOC = null_mut::<std::ffi::c_void>();
    assert_eq!(
        std::mem::size_of::<LPMAPITABLE>(),
        std::mem::size_of::<*mut std::ffi::c_void>()
    );
}

/// `InterfacePtr` moves, borrows and keeps references as its docs say: the object is
/// freed exactly when the last owned handle goes, whatever the raw copies.
#[test]
fn an_interface_pointer_moves_borrows_and_keeps_references() {
    let drops = DropCounter::default();
    let dialog = Object::new(Dialog {
        log: Mutex::new(Vec::new()),
        _probe: DropProbe(drops.clone()),
    });
    let owned: IMAPISyncProgressCallback = dialog.cast().unwrap();
    drop(dialog);
    // Into the raw pointer: the reference moves with it (as into an out-parameter).
    let raw: LPMAPISYNCPROGRESSCALLBACK = owned.into();
    assert!(!raw.is_null());
    // SAFETY: `raw` carries a live reference for as long as the borrows below.
    unsafe {
        let borrowed = raw.get().expect("not null");
        assert_eq!(borrowed.as_raw(), raw.as_raw());
        assert_eq!(InterfacePtr::from(borrowed), raw);
        // A copy of our own (AddRef), dropped again (Release).
        drop(raw.to_owned().expect("not null"));
    }
    assert_eq!(
        drops.count(),
        0,
        "the raw pointer still holds its reference"
    );
    // SAFETY: `raw` holds the one reference, handed over here.
    let back = unsafe { raw.into_owned() }.expect("not null");
    assert_eq!(drops.count(), 0);
    drop(back);
    assert_eq!(drops.count(), 1, "the last reference freed the object");

    let null = InterfacePtr::<IUnknown>::default();
    assert!(null.is_null());
    // SAFETY: null is allowed.
    unsafe {
        assert!(null.get().is_none());
        assert!(null.to_owned().is_none());
        assert!(null.into_owned().is_none());
    }
    assert!(InterfacePtr::<IUnknown>::from(None).is_null());
}

#[test]
fn a_rust_callback_object_receives_a_whole_sync() {
    let drops = DropCounter::default();
    let dialog = Object::new(Dialog {
        log: Mutex::new(Vec::new()),
        _probe: DropProbe(drops.clone()),
    });
    let callback: IUnknown = dialog.to_unknown();
    let store: IMAPISync = Store.into_interface().unwrap();
    let mut event: HANDLE = null_mut();
    let mut sib = MAPISIB {
        ulSize: std::mem::size_of::<MAPISIB>() as ULONG,
        ulFlags: 0,
        psesSync: InterfacePtr::null(),
        punkCallBack: InterfacePtr::from_raw(callback.as_raw()),
        phSyncDoneEvent: &mut event,
    };
    // SAFETY: a valid MAPISIB; the event is ours afterwards.
    unsafe {
        assert_eq!(store.SynchronizeInBackground(&mut sib), S_OK);
        mapi_sync::event::wait(event).unwrap();
        mapi_sync::event::close(event);
    }
    assert_eq!(
        *dialog.log.lock().unwrap(),
        [
            "P Inbox 1/2",
            "P - 2/2",
            "E 0x80040115 offline",
            "D 0x80040115"
        ]
    );
    // The store's thread gave back its reference before the event.
    assert_eq!(dialog.ref_count(), 2);
    drop((callback, dialog));
    assert_eq!(drops.count(), 1);
}

/// A folder: `OpenEntry` with an empty entry id gives the folder itself, any other a
/// message that keeps the folder alive.
#[mapi_object(IMAPIFolder)]
struct Folder {
    this: This<Self>,
    name: &'static str,
    _probe: DropProbe,
}

#[mapi_object(IMessage)]
struct Message {
    /// Keeps the folder alive for as long as the message lives.
    _folder: Object<Folder>,
    _probe: DropProbe,
}

impl IMAPIProp_Impl for Folder {}
impl IMAPIFolder_Impl for Folder {}
impl IMAPIProp_Impl for Message {
    /// The folder's name as the subject, and a size: what a store's message answers.
    unsafe fn GetProps(
        &self,
        lpPropTagArray: LPSPropTagArray,
        ulFlags: ULONG,
        lpcValues: *mut ULONG,
        lppPropArray: *mut LPSPropValue,
    ) -> HRESULT {
        let has = [
            Prop::new(PR_SUBJECT_W, PropValue::Str(self._folder.name)).unwrap(),
            Prop::new(PR_MESSAGE_SIZE, PropValue::Long(42)).unwrap(),
        ];
        // SAFETY: null or a tag array (GetProps' contract).
        let requested = unsafe { mapi_sync::props::prop_tags(lpPropTagArray) };
        match PropArray::answer(Allocators::local(), requested, &has, ulFlags) {
            // SAFETY: null or writable (GetProps' contract); checked there.
            Ok(answer) => unsafe { answer.hand_out(lpcValues, lppPropArray) },
            Err(e) => e.code(),
        }
    }
}
impl IMessage_Impl for Message {}

/// What `OpenEntry` found: the object type and the object.
const MAPI_FOLDER: ULONG = 3;
const MAPI_MESSAGE: ULONG = 5;

impl IMAPIContainer_Impl for Folder {
    unsafe fn OpenEntry(
        &self,
        cbEntryID: ULONG,
        _lpEntryID: LPENTRYID,
        _lpInterface: LPCIID,
        _ulFlags: ULONG,
        lpulObjType: *mut ULONG,
        lppUnk: *mut LPUNKNOWN,
    ) -> HRESULT {
        if lpulObjType.is_null() || lppUnk.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        let me = self.this.object().expect("called on a live folder");
        let (kind, unknown) = if cbEntryID == 0 {
            (
                MAPI_FOLDER,
                InterfacePtr::from(me.cast::<IUnknown>().unwrap()),
            )
        } else {
            let message = Object::new(Message {
                _folder: me,
                _probe: DropProbe(self._probe.0.clone()),
            });
            (
                MAPI_MESSAGE,
                InterfacePtr::from(message.cast::<IUnknown>().unwrap()),
            )
        };
        // SAFETY: both checked non-null; MAPI documents them as writable.
        unsafe {
            *lpulObjType = kind;
            *lppUnk = unknown;
        }
        S_OK
    }
}

fn open(folder: &IMAPIFolder, cb: ULONG) -> (ULONG, IUnknown) {
    let (mut kind, mut out) = (0, InterfacePtr::null());
    // SAFETY: valid out-pointers; no entry id is read.
    let hr = unsafe { folder.OpenEntry(cb, null_mut(), null_mut(), 0, &mut kind, &mut out) };
    assert_eq!(hr, S_OK);
    // SAFETY: OpenEntry handed us one reference.
    (kind, unsafe { out.into_owned() }.unwrap())
}

/// A folder named "Inbox", counted by `drops`.
fn inbox(drops: &DropCounter) -> IMAPIFolder {
    Object::new(Folder {
        this: This::new(),
        name: "Inbox",
        _probe: DropProbe(drops.clone()),
    })
    .cast()
    .unwrap()
}

#[test]
fn a_folder_hands_out_itself_and_children_that_keep_it_alive() {
    let drops = DropCounter::default();
    let folder = inbox(&drops);
    let (kind, itself) = open(&folder, 0);
    assert_eq!(kind, MAPI_FOLDER);
    assert_eq!(
        itself.as_raw(),
        folder.as_raw(),
        "the folder itself, same identity"
    );
    drop(itself);
    let (kind, child) = open(&folder, 4);
    assert_eq!(kind, MAPI_MESSAGE);
    let message: IMessage = child.cast().unwrap();
    // The host lets the folder go; the message still holds it.
    drop(folder);
    assert_eq!(drops.count(), 0);
    drop((message, child));
    assert_eq!(drops.count(), 2, "message, then the folder it held");
}

#[test]
fn query_interface_answers_the_listed_interfaces_and_their_bases_only() {
    let drops = DropCounter::default();
    let folder = Object::new(Folder {
        this: This::new(),
        name: "Inbox",
        _probe: DropProbe(drops.clone()),
    });
    let unknown = folder.to_unknown();
    let as_folder: IMAPIFolder = unknown.cast().unwrap();
    let as_container: IMAPIContainer = unknown.cast().unwrap();
    let as_prop: IMAPIProp = unknown.cast().unwrap();
    // One vtable, the first listed interface's, is also the identity.
    assert_eq!(as_folder.as_raw(), unknown.as_raw());
    assert_eq!(as_container.as_raw(), unknown.as_raw());
    assert_eq!(as_prop.as_raw(), unknown.as_raw());
    // Not a store, not a message.
    assert_eq!(unknown.cast::<IMAPISync>().err(), Some(E_NOINTERFACE));
    assert_eq!(unknown.cast::<IMessage>().err(), Some(E_NOINTERFACE));
    let mut out = common::garbage_pointer();
    // SAFETY: a valid IID and out-pointer.
    let hr = unsafe { unknown.QueryInterface(&IID_IMsgStore, &mut out) };
    assert_eq!((hr, out), (E_NOINTERFACE, null_mut()));
    // SAFETY: a null out-pointer is refused, not written.
    assert_eq!(
        unsafe { unknown.QueryInterface(&IID_IMAPIFolder, null_mut()) },
        E_POINTER
    );
    // Defaults answer MAPI_E_NO_SUPPORT.
    // SAFETY: no pointer arguments.
    assert_eq!(unsafe { as_prop.SaveChanges(0) }, MAPI_E_NO_SUPPORT);
    assert_eq!(folder.name, "Inbox");
    drop((as_folder, as_container, as_prop, unknown));
    assert_eq!(folder.ref_count(), 1);
    drop(folder);
    assert_eq!(drops.count(), 1);
}

/// Where a `Drop` puts the `This` it moves out of its value.
static ESCAPED: Mutex<Option<This<Escaping>>> = Mutex::new(None);

#[mapi_object(IMAPIAdviseSink)]
struct Escaping {
    this: This<Self>,
    during_drop: Arc<AtomicUsize>,
}

impl IMAPIAdviseSink_Impl for Escaping {}

impl Drop for Escaping {
    fn drop(&mut self) {
        // Being destroyed: no handle can be had.
        if self.this.object().is_none() {
            self.during_drop.fetch_add(1, Ordering::SeqCst);
        }
        *ESCAPED.lock().unwrap() = Some(std::mem::take(&mut self.this));
    }
}

#[test]
fn this_gives_nothing_before_the_object_exists_or_after_it_is_gone() {
    let value = Escaping {
        this: This::new(),
        during_drop: Arc::new(AtomicUsize::new(0)),
    };
    assert!(value.this.object().is_none(), "not in an object yet");
    let counter = value.during_drop.clone();
    let object = Object::new(value);
    let again = object.this.object().unwrap();
    assert_eq!(object.ref_count(), 2);
    drop((again, object));
    assert_eq!(counter.load(Ordering::SeqCst), 1);
    // Moved out by Drop, then the object's memory was freed: it leads nowhere.
    let escaped = ESCAPED.lock().unwrap().take().unwrap();
    assert!(escaped.object().is_none());
}

#[test]
fn the_bindings_carry_each_interfaces_base_chain() {
    assert_eq!(
        <IMAPIFolder as ComInterface>::BASE_IIDS,
        [IID_IMAPIContainer, IID_IMAPIProp, IID_IUnknown]
    );
    assert!(<IMsgStore as ComInterface>::matches(&IID_IMAPIProp));
    assert!(<IMsgStore as ComInterface>::matches(&IID_IMsgStore));
    assert!(!<IMsgStore as ComInterface>::matches(&IID_IMAPIFolder));
    assert_eq!(<IUnknown as ComInterface>::BASE_IIDS, []);
}

#[test]
fn a_child_answers_get_props_in_mapi_memory_the_caller_frees() {
    let drops = DropCounter::default();
    let folder = inbox(&drops);
    let message: IMessage = open(&folder, 4).1.cast().unwrap();
    #[repr(C)]
    struct Tags {
        count: ULONG,
        tags: [ULONG; 3],
    }
    let mut tags = Tags {
        count: 3,
        tags: [PR_MESSAGE_SIZE, PR_BODY_W, PR_SUBJECT_W],
    };
    let (mut count, mut values) = (0, null_mut());
    // SAFETY: a tag array of `count` tags and writable out-pointers.
    let hr = unsafe {
        message.GetProps(
            std::ptr::addr_of_mut!(tags).cast(),
            0,
            &mut count,
            &mut values,
        )
    };
    assert_eq!(hr, MAPI_W_ERRORS_RETURNED);
    // SAFETY: what GetProps handed out, alive until freed below.
    let props = unsafe { Props::from_raw(values, count) }.unwrap();
    let got: Vec<_> = props.iter().map(|p| (p.tag(), p.value())).collect();
    assert_eq!(
        got,
        [
            (PR_MESSAGE_SIZE, PropValue::Long(42)),
            (
                mapi_sync::props::change_prop_type(PR_BODY_W, PT_ERROR),
                PropValue::Error(MAPI_E_NOT_FOUND)
            ),
            (PR_SUBJECT_W, PropValue::Str("Inbox")),
        ]
    );
    let (_, _, free) = Allocators::local().as_raw();
    // SAFETY: the caller's MAPIFreeBuffer of the array, once.
    unsafe { free.unwrap()(values.cast()) };
    // SAFETY: a null out-pointer is refused.
    let hr = unsafe { message.GetProps(null_mut(), 0, null_mut(), &mut values) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    drop((message, folder));
    assert_eq!(drops.count(), 2);
}

/// Listed by path rather than by name: how an interface of the author's own bindings is
/// listed (here a path into `mapi_sync::sys`, which names the same interface).
#[mapi_object(mapi_sync::sys::IMAPIAdviseSink)]
struct ByPath;

impl IMAPIAdviseSink_Impl for ByPath {
    unsafe fn OnNotify(&self, cNotif: ULONG, _: LPNOTIFICATION) -> ULONG {
        cNotif + 1
    }
}

#[test]
fn an_interface_listed_by_path_is_implemented() {
    let sink: IMAPIAdviseSink = Object::new(ByPath).cast().unwrap();
    // SAFETY: no notifications are read.
    assert_eq!(unsafe { sink.OnNotify(2, null_mut()) }, 3);
    assert!(sink.cast::<IMAPIFolder>().is_err());
}

/// A message whose IMAPIProp comes from `Properties`: the subject can be set.
#[mapi_object(IMessage, properties)]
struct Editable {
    subject: Mutex<String>,
}

impl IMessage_Impl for Editable {}

impl mapi_sync::props::Properties for Editable {
    fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> mapi_sync::Result<()> {
        // The subject borrows from the guard, held while the answer is written.
        let subject = self.subject.lock().unwrap();
        answer(&[
            Prop::new(PR_SUBJECT_W, PropValue::Str(&subject))?,
            Prop::new(PR_MESSAGE_SIZE, PropValue::Long(7))?,
        ]);
        Ok(())
    }

    fn set_properties(&self, values: Props<'_>) -> mapi_sync::Result<()> {
        for p in values.iter() {
            match (p.tag(), p.value().to_text()) {
                (PR_SUBJECT_W, Some(text)) => *self.subject.lock().unwrap() = text,
                _ => return Err(mapi_sync::Error::new(MAPI_E_NO_ACCESS)),
            }
        }
        Ok(())
    }
}

#[test]
fn properties_make_imapiprop_get_list_and_set() {
    let message: IMessage = Object::new(Editable {
        subject: Mutex::new("Before".into()),
    })
    .cast()
    .unwrap();
    let free = Allocators::provider().as_raw().2.unwrap();
    let read = |message: &IMessage| {
        let (mut count, mut values) = (0, null_mut());
        // SAFETY: no tag array ("all"), writable out-pointers.
        let hr = unsafe { message.GetProps(null_mut(), MAPI_UNICODE, &mut count, &mut values) };
        assert_eq!(hr, S_OK);
        // SAFETY: handed out by GetProps, freed below.
        let props = unsafe { Props::from_raw(values, count) }.unwrap();
        let text = props.find(PR_SUBJECT_W).unwrap().value().to_text().unwrap();
        // SAFETY: the caller's MAPIFreeBuffer, once.
        unsafe { free(values.cast()) };
        text
    };
    assert_eq!(read(&message), "Before");
    // Without MAPI_UNICODE, strings come as PT_STRING8 (GetProps' page).
    let (mut count, mut values) = (0, null_mut());
    // SAFETY: no tag array ("all"), writable out-pointers.
    let hr = unsafe { message.GetProps(null_mut(), 0, &mut count, &mut values) };
    assert_eq!(hr, S_OK);
    // SAFETY: handed out by GetProps, freed below.
    let props = unsafe { Props::from_raw(values, count) }.unwrap();
    assert_eq!(
        props.find(PR_SUBJECT_A).map(|p| p.value()),
        Some(PropValue::String8(b"Before"))
    );
    // SAFETY: the caller's MAPIFreeBuffer, once.
    unsafe { free(values.cast()) };
    // A tag array of no tags is refused (GetProps' page), out-pointers left NULL.
    let none = mapi_sync::props::write_prop_tags(Allocators::local(), &[]).unwrap();
    // SAFETY: an SPropTagArray of no tags; writable out-pointers.
    let hr = unsafe { message.GetProps(none.as_ptr().cast(), 0, &mut count, &mut values) };
    assert_eq!(
        (hr, count, values),
        (MAPI_E_INVALID_PARAMETER, 0, null_mut())
    );

    for (flags, subject) in [(MAPI_UNICODE, PR_SUBJECT_W), (0, PR_SUBJECT_A)] {
        let mut list = null_mut();
        // SAFETY: a writable out-pointer.
        assert_eq!(unsafe { message.GetPropList(flags, &mut list) }, S_OK);
        // SAFETY: handed out by GetPropList.
        let tags = unsafe { mapi_sync::props::prop_tags(list) }
            .unwrap()
            .to_vec();
        assert_eq!(tags, [subject, PR_MESSAGE_SIZE]);
        // SAFETY: the caller's MAPIFreeBuffer, once.
        unsafe { free(list.cast()) };
    }

    let new = PropArray::write(
        Allocators::local(),
        &[Prop::new(PR_SUBJECT_W, PropValue::Str("After")).unwrap()],
    )
    .unwrap();
    let mut problems: LPSPropProblemArray = std::ptr::NonNull::dangling().as_ptr();
    // SAFETY: one value, alive for the call; a writable problems pointer.
    let hr = unsafe { message.SetProps(1, new.as_slice().as_ptr().cast_mut(), &mut problems) };
    assert_eq!((hr, problems), (S_OK, null_mut()));
    assert_eq!(read(&message), "After");
    let size = PropArray::write(
        Allocators::local(),
        &[Prop::new(PR_MESSAGE_SIZE, PropValue::Long(1)).unwrap()],
    )
    .unwrap();
    // SAFETY: as above; a null problems pointer is allowed.
    let hr = unsafe { message.SetProps(1, size.as_slice().as_ptr().cast_mut(), null_mut()) };
    assert_eq!(hr, MAPI_E_NO_ACCESS, "set_properties' error is the answer");

    // Null out-pointers; methods Properties does not cover.
    // SAFETY: null pointers are refused before use.
    unsafe {
        assert_eq!(
            message.GetProps(null_mut(), 0, null_mut(), null_mut()),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(message.GetPropList(0, null_mut()), MAPI_E_INVALID_PARAMETER);
        assert_eq!(message.SaveChanges(0), MAPI_E_NO_SUPPORT);
    }
}
