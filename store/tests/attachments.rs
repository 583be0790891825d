//! A message's attachments and recipients, read as a client reads them: through the
//! vtables, from the message to its tables, its attachments, their data as streams and
//! the message one of them embeds; and the summary (`PR_HASATTACH`, `PR_DISPLAY_TO`) on
//! the message and in its contents-table row.

use std::ptr::null_mut;

use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{change_prop_type, write_prop_tags, Prop, PropValue, Props};
use mapi_sync_runtime::stream::Stream;
use mapi_sync_runtime::sys::{
    self, ComInterface, IAttach, IMAPIFolder, IMAPITable, IMessage, IMsgStore, IStream, IUnknown,
    Interface, HRESULT, ULONG,
};
use mapi_sync_runtime::{Error, Result};
use mapi_sync_store::backend::{Backend, FolderInfo, StoreInfo};
use mapi_sync_store::context::StoreContext;
use mapi_sync_store::entry_id::{EntryId, StoreUid};
use mapi_sync_store::ll::store::StoreObject;
use mapi_sync_store::tags::PR_ATTACH_CONTENT_ID_W;

#[path = "common/client.rs"]
mod client;

use client::{free, open, rows};

const UID: StoreUid = StoreUid([3; 16]);
/// The data of the attachment the backend serves only as a stream.
const STREAMED: &[u8] = b"%PDF-1.7 streamed, never a value";

/// Folder "F": message "m" with three attachments (a small text file given as a value,
/// a PDF served as a stream, an embedded message "m/2") and three recipients; message
/// "plain" with neither. The embedded message has one recipient of its own.
struct Mail;

fn long(tag: ULONG, v: ULONG) -> Result<Prop<'static>> {
    Prop::new(tag, PropValue::Long(v as i32))
}

fn text(tag: ULONG, s: &'static str) -> Result<Prop<'static>> {
    Prop::new(tag, PropValue::Str(s))
}

impl Backend for Mail {
    fn store(&self) -> StoreInfo {
        StoreInfo {
            uid: UID,
            display_name: "Mail".into(),
            mdb_provider: [4; 16],
        }
    }

    fn folders(&self) -> Result<Vec<FolderInfo>> {
        Ok(vec![FolderInfo::mail("F", None, "F")])
    }

    fn messages(&self, _: &[u8], associated: bool, ids: &mut Vec<Vec<u8>>) -> Result<()> {
        if !associated {
            ids.extend([b"m".to_vec(), b"plain".to_vec()]);
        }
        Ok(())
    }

    fn message_properties(
        &self,
        _: &[u8],
        id: &[u8],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        let subject = match id {
            b"m" => "With attachments",
            b"plain" => "Plain",
            b"m/2" => "Inner",
            _ => return Err(Error::new(sys::MAPI_E_NOT_FOUND)),
        };
        answer(&[
            text(sys::PR_SUBJECT_W, subject)?,
            long(sys::PR_MESSAGE_FLAGS, sys::MSGFLAG_READ)?,
        ]);
        Ok(())
    }

    fn attachments(&self, _: &[u8], id: &[u8], each: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
        if id != b"m" {
            return Ok(());
        }
        each(&[
            long(sys::PR_ATTACH_METHOD, sys::ATTACH_BY_VALUE)?,
            text(sys::PR_ATTACH_LONG_FILENAME_W, "notes.txt")?,
            long(sys::PR_ATTACH_SIZE, 5)?,
            text(sys::PR_ATTACH_MIME_TAG_W, "text/plain")?,
            Prop::new(sys::PR_ATTACH_DATA_BIN, PropValue::Binary(b"hello"))?,
        ]);
        each(&[
            long(sys::PR_ATTACH_METHOD, sys::ATTACH_BY_VALUE)?,
            text(sys::PR_ATTACH_LONG_FILENAME_W, "report.pdf")?,
            long(sys::PR_ATTACH_SIZE, STREAMED.len() as ULONG)?,
            text(PR_ATTACH_CONTENT_ID_W, "part2@example.org")?,
        ]);
        each(&[
            long(sys::PR_ATTACH_METHOD, sys::ATTACH_EMBEDDED_MSG)?,
            text(sys::PR_DISPLAY_NAME_W, "Inner")?,
        ]);
        Ok(())
    }

    fn attachment_stream(
        &self,
        _: &[u8],
        id: &[u8],
        num: u32,
        tag: ULONG,
    ) -> Result<Option<Stream>> {
        let streamed = id == b"m" && num == 1 && tag == sys::PR_ATTACH_DATA_BIN;
        Ok(streamed.then(|| Stream::read_only(std::io::Cursor::new(STREAMED))))
    }

    fn embedded_message(&self, _: &[u8], id: &[u8], num: u32) -> Result<Vec<u8>> {
        match (id, num) {
            (b"m", 2) => Ok(b"m/2".to_vec()),
            _ => Err(Error::new(sys::MAPI_E_NOT_FOUND)),
        }
    }

    fn recipients(&self, _: &[u8], id: &[u8], each: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
        match id {
            b"m" => {
                each(&[
                    long(sys::PR_RECIPIENT_TYPE, sys::MAPI_TO)?,
                    text(sys::PR_DISPLAY_NAME_W, "Ann")?,
                ]);
                each(&[
                    long(sys::PR_RECIPIENT_TYPE, sys::MAPI_TO)?,
                    text(sys::PR_DISPLAY_NAME_W, "Bob")?,
                    text(sys::PR_EMAIL_ADDRESS_W, "bob@example.org")?,
                    text(sys::PR_ADDRTYPE_W, "SMTP")?,
                ]);
                each(&[
                    long(sys::PR_RECIPIENT_TYPE, sys::MAPI_CC)?,
                    text(sys::PR_DISPLAY_NAME_W, "Carol")?,
                ]);
            }
            b"m/2" => each(&[
                long(sys::PR_RECIPIENT_TYPE, sys::MAPI_TO)?,
                text(sys::PR_DISPLAY_NAME_W, "Dan")?,
            ]),
            _ => {}
        }
        Ok(())
    }
}

fn store() -> IMsgStore {
    let ctx = StoreContext::new(Mail, Allocators::local()).unwrap();
    StoreObject::new(ctx).cast().unwrap()
}

fn message(store: &IMsgStore, id: &[u8]) -> IMessage {
    open(
        store,
        &EntryId::message(UID, b"F", id).unwrap().to_bytes(),
        sys::MAPI_MESSAGE,
    )
}

/// `tags` of `object` through `GetProps(tags, 0)`: each answer's tag and value as text,
/// bytes or number (an error as its code).
fn get<I: Interface>(object: &I, tags: &[ULONG]) -> Vec<(ULONG, String)> {
    let prop: sys::IMAPIProp = unsafe { IUnknown::from_raw_borrowed(&object.as_raw()) }
        .unwrap()
        .cast()
        .unwrap();
    let array = write_prop_tags(Allocators::local(), tags).unwrap();
    let (mut n, mut v) = (0, null_mut());
    // SAFETY: a tag array alive for the call; writable out-pointers.
    let hr = unsafe { prop.GetProps(array.as_ptr().cast(), 0, &mut n, &mut v) };
    assert!(
        hr == sys::S_OK || hr == sys::MAPI_W_ERRORS_RETURNED,
        "{hr:#X}"
    );
    // SAFETY: what GetProps handed out.
    let values = unsafe { Props::from_raw(v, n) }.unwrap();
    let out = values
        .iter()
        .map(|p| {
            let shown = match p.value() {
                PropValue::Error(e) => format!("error {e:#X}"),
                PropValue::Binary(b) => String::from_utf8_lossy(b).into_owned(),
                PropValue::Long(l) => l.to_string(),
                PropValue::Boolean(b) => b.to_string(),
                // Code page 1252's bytes, here all ASCII.
                PropValue::String8(a) => String::from_utf8_lossy(a).into_owned(),
                other => other.to_text().unwrap(),
            };
            (p.tag(), shown)
        })
        .collect();
    free(v.cast());
    out
}

/// `OpenProperty(tag, iid)` on `object`: the result and the interface handed out.
fn open_property<I: Interface, J: ComInterface>(
    object: &I,
    tag: ULONG,
    flags: ULONG,
) -> (HRESULT, Option<J>) {
    let prop: sys::IMAPIProp = unsafe { IUnknown::from_raw_borrowed(&object.as_raw()) }
        .unwrap()
        .cast()
        .unwrap();
    let mut out = sys::InterfacePtr::<IUnknown>::null();
    // SAFETY: an IID and a writable out-pointer, alive for the call.
    let hr = unsafe { prop.OpenProperty(tag, &J::IID, 0, flags, &mut out) };
    if hr != sys::S_OK {
        assert!(out.is_null());
        return (hr, None);
    }
    // SAFETY: the one reference OpenProperty handed over, of interface J.
    (
        hr,
        Some(unsafe { J::from_raw(out.into_owned().unwrap().into_raw()) }.unwrap()),
    )
}

fn attachment_table(m: &IMessage) -> IMAPITable {
    let mut table = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(unsafe { m.GetAttachmentTable(0, &mut table) }, sys::S_OK);
    // SAFETY: the reference GetAttachmentTable handed over.
    unsafe { table.into_owned() }.unwrap()
}

fn open_attach(m: &IMessage, num: ULONG, flags: ULONG) -> (HRESULT, Option<IAttach>) {
    let mut out = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer; a null IID asks for IAttach.
    let hr = unsafe { m.OpenAttach(num, std::ptr::null(), flags, &mut out) };
    // SAFETY: the reference OpenAttach handed over, if any.
    (hr, unsafe { out.into_owned() })
}

fn read_all(s: &IStream) -> Vec<u8> {
    let mut all = Vec::new();
    loop {
        let mut buf = [0u8; 7];
        let mut n: ULONG = 0;
        // SAFETY: a writable buffer and count.
        assert_eq!(
            unsafe { s.Read(buf.as_mut_ptr().cast(), 7, &mut n) },
            sys::S_OK
        );
        if n == 0 {
            return all;
        }
        all.extend_from_slice(&buf[..n as usize]);
    }
}

fn some(s: &str) -> Option<Vec<u8>> {
    Some(s.as_bytes().to_vec())
}

fn le(v: i32) -> Option<Vec<u8>> {
    Some(v.to_le_bytes().to_vec())
}

#[test]
fn attachments_are_a_table_objects_and_streams() {
    let store = store();
    let m = message(&store, b"m");
    let columns = [
        sys::PR_ATTACH_NUM,
        sys::PR_ATTACH_LONG_FILENAME_W,
        sys::PR_ATTACH_METHOD,
        sys::PR_RENDERING_POSITION,
        sys::PR_ATTACH_DATA_BIN,
    ];
    let shown = rows(&attachment_table(&m), &columns);
    let by_value = sys::ATTACH_BY_VALUE as i32;
    assert_eq!(
        shown,
        [
            vec![le(0), some("notes.txt"), le(by_value), le(-1), None],
            vec![le(1), some("report.pdf"), le(by_value), le(-1), None],
            vec![
                le(2),
                None,
                le(sys::ATTACH_EMBEDDED_MSG as i32),
                le(-1),
                None
            ],
        ],
        "numbered in order, no data in a row"
    );
    // The same table through OpenProperty.
    let (hr, table) = open_property::<_, IMAPITable>(&m, sys::PR_MESSAGE_ATTACHMENTS, 0);
    assert_eq!(hr, sys::S_OK);
    assert_eq!(rows(&table.unwrap(), &columns).len(), 3);

    // A small attachment's data is a value; a big one's an error that says "open it".
    let small = open_attach(&m, 0, 0).1.unwrap();
    let got = get(
        &small,
        &[
            sys::PR_ATTACH_DATA_BIN,
            sys::PR_ATTACH_NUM,
            sys::PR_OBJECT_TYPE,
        ],
    );
    assert_eq!(
        got,
        [
            (sys::PR_ATTACH_DATA_BIN, "hello".into()),
            (sys::PR_ATTACH_NUM, "0".into()),
            (sys::PR_OBJECT_TYPE, (sys::MAPI_ATTACH as i32).to_string())
        ]
    );
    let big = open_attach(&m, 1, sys::MAPI_BEST_ACCESS).1.unwrap();
    assert_eq!(
        get(&big, &[sys::PR_ATTACH_DATA_BIN, PR_ATTACH_CONTENT_ID_W]),
        [
            (
                change_prop_type(sys::PR_ATTACH_DATA_BIN, sys::PT_ERROR),
                format!("error {:#X}", sys::MAPI_E_NOT_ENOUGH_MEMORY)
            ),
            (PR_ATTACH_CONTENT_ID_W, "part2@example.org".into())
        ]
    );
    let (hr, stream) = open_property::<_, IStream>(&big, sys::PR_ATTACH_DATA_BIN, 0);
    assert_eq!(hr, sys::S_OK);
    assert_eq!(read_all(&stream.unwrap()), STREAMED);
    // The small one's value is a stream too.
    let stream = open_property::<_, IStream>(&small, sys::PR_ATTACH_DATA_BIN, 0).1;
    assert_eq!(read_all(&stream.unwrap()), b"hello");

    // What a read-only store refuses, and an attachment that is not there.
    assert_eq!(open_attach(&m, 3, 0).0, sys::MAPI_E_NOT_FOUND);
    assert_eq!(
        open_attach(&m, 0, sys::MAPI_MODIFY).0,
        sys::MAPI_E_NO_ACCESS
    );
    assert_eq!(open_attach(&m, 0, 0x4000_0000).0, sys::MAPI_E_UNKNOWN_FLAGS);
    let (hr, _) = open_property::<_, IStream>(&small, sys::PR_ATTACH_DATA_BIN, sys::MAPI_MODIFY);
    assert_eq!(hr, sys::MAPI_E_NO_ACCESS);
    let (mut num, mut out) = (7, sys::InterfacePtr::null());
    // SAFETY: writable out-pointers.
    let hr = unsafe { m.CreateAttach(std::ptr::null(), 0, &mut num, &mut out) };
    assert_eq!((hr, num, out.is_null()), (sys::MAPI_E_NO_ACCESS, 0, true));
    // SAFETY: no progress object.
    assert_eq!(
        unsafe { m.DeleteAttach(0, 0, sys::InterfacePtr::null(), 0) },
        sys::MAPI_E_NO_ACCESS
    );
}

#[test]
fn an_embedded_message_opens_from_its_attachment() {
    let store = store();
    let m = message(&store, b"m");
    let attach = open_attach(&m, 2, 0).1.unwrap();
    let (hr, inner) = open_property::<_, IMessage>(&attach, sys::PR_ATTACH_DATA_OBJ, 0);
    assert_eq!(hr, sys::S_OK);
    let inner = inner.unwrap();
    let got = get(
        &inner,
        &[sys::PR_SUBJECT_W, sys::PR_ENTRYID, sys::PR_DISPLAY_TO_W],
    );
    assert_eq!(got[0], (sys::PR_SUBJECT_W, "Inner".into()));
    assert_eq!(
        got[1].0,
        change_prop_type(sys::PR_ENTRYID, sys::PT_ERROR),
        "no entry id"
    );
    assert_eq!(got[2], (sys::PR_DISPLAY_TO_W, "Dan".into()));
    // An attachment that embeds nothing.
    let small = open_attach(&m, 0, 0).1.unwrap();
    let (hr, none) = open_property::<_, IMessage>(&small, sys::PR_ATTACH_DATA_OBJ, 0);
    assert_eq!((hr, none.is_none()), (sys::MAPI_E_NOT_FOUND, true));
}

#[test]
fn recipients_are_a_table_and_the_summary_agrees_on_object_and_row() {
    let store = store();
    let m = message(&store, b"m");
    let mut table = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(
        unsafe { m.GetRecipientTable(sys::MAPI_UNICODE, &mut table) },
        sys::S_OK
    );
    // SAFETY: the reference handed over.
    let table: IMAPITable = unsafe { table.into_owned() }.unwrap();
    let columns = [
        sys::PR_ROWID,
        sys::PR_DISPLAY_NAME_W,
        sys::PR_RECIPIENT_TYPE,
        sys::PR_OBJECT_TYPE,
    ];
    let user = le(sys::MAPI_MAILUSER as i32);
    let (to, cc) = (le(sys::MAPI_TO as i32), le(sys::MAPI_CC as i32));
    assert_eq!(
        rows(&table, &columns),
        [
            vec![le(0), some("Ann"), to.clone(), user.clone()],
            vec![le(1), some("Bob"), to, user.clone()],
            vec![le(2), some("Carol"), cc, user],
        ]
    );
    let (hr, again) = open_property::<_, IMAPITable>(&m, sys::PR_MESSAGE_RECIPIENTS, 0);
    assert_eq!(hr, sys::S_OK);
    assert_eq!(rows(&again.unwrap(), &columns).len(), 3);
    // SAFETY: no address list: refused before it is read.
    assert_eq!(
        unsafe { m.ModifyRecipients(0, null_mut()) },
        sys::MAPI_E_NO_ACCESS
    );

    // The summary: on the object (in either string type) and in the contents row.
    let flags = (sys::MSGFLAG_READ | sys::MSGFLAG_HASATTACH) as i32;
    let summary = [
        sys::PR_HASATTACH,
        sys::PR_MESSAGE_FLAGS,
        sys::PR_DISPLAY_TO_W,
        sys::PR_DISPLAY_CC_A,
        sys::PR_DISPLAY_BCC_W,
    ];
    assert_eq!(
        get(&m, &summary),
        [
            (sys::PR_HASATTACH, "true".into()),
            (sys::PR_MESSAGE_FLAGS, flags.to_string()),
            (sys::PR_DISPLAY_TO_W, "Ann; Bob".into()),
            (sys::PR_DISPLAY_CC_A, "Carol".into()),
            (sys::PR_DISPLAY_BCC_W, String::new()),
        ]
    );
    let plain = message(&store, b"plain");
    assert_eq!(
        get(&plain, &summary[..2])[0],
        (sys::PR_HASATTACH, "false".into())
    );
    let folder: IMAPIFolder = open(
        &store,
        &EntryId::folder(UID, b"F").to_bytes(),
        sys::MAPI_FOLDER,
    );
    let mut contents = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(
        unsafe { folder.GetContentsTable(0, &mut contents) },
        sys::S_OK
    );
    // SAFETY: the reference handed over.
    let contents: IMAPITable = unsafe { contents.into_owned() }.unwrap();
    let shown = rows(
        &contents,
        &[
            sys::PR_SUBJECT_W,
            sys::PR_HASATTACH,
            sys::PR_MESSAGE_FLAGS,
            sys::PR_DISPLAY_TO_W,
        ],
    );
    assert_eq!(
        shown,
        [
            vec![
                some("With attachments"),
                Some(vec![1]),
                le(flags),
                some("Ann; Bob")
            ],
            vec![
                some("Plain"),
                Some(vec![0]),
                le(sys::MSGFLAG_READ as i32),
                some("")
            ],
        ]
    );
}

#[test]
fn a_sub_restriction_finds_messages_by_recipient_and_attachment() {
    use mapi_sync_runtime::props::OwnedValue;
    use mapi_sync_store::sources::ContentsSource;
    use mapi_sync_store::table::{Restriction, Table, TableType};

    let ctx = StoreContext::new(Mail, Allocators::local()).unwrap();
    let tree = ctx.tree();
    let node = tree.node_of(b"F").unwrap();
    let source = ContentsSource::new(ctx.backend().clone(), &tree, node, false).unwrap();
    let mut table = Table::new(source, vec![sys::PR_SUBJECT_W], TableType::Dynamic).unwrap();
    let subjects = |table: &mut Table<ContentsSource<Mail>>| -> Vec<OwnedValue> {
        table.seek_row(sys::BOOKMARK_BEGINNING, 0).unwrap();
        let rows = table.query_rows(10, 0).unwrap();
        rows.iter().map(|r| r[0].value.clone()).collect()
    };
    let name = |n: &str| OwnedValue::from(PropValue::Str(n));
    let carol = Restriction::content(sys::FL_FULLSTRING, sys::PR_DISPLAY_NAME_W, name("Carol"));
    table
        .restrict(Some(
            Restriction::sub(sys::PR_MESSAGE_RECIPIENTS, carol).unwrap(),
        ))
        .unwrap();
    assert_eq!(subjects(&mut table), [name("With attachments")]);
    let pdf = Restriction::content(
        sys::FL_SUBSTRING,
        sys::PR_ATTACH_LONG_FILENAME_W,
        name(".pdf"),
    );
    table
        .restrict(Some(
            Restriction::sub(sys::PR_MESSAGE_ATTACHMENTS, pdf).unwrap(),
        ))
        .unwrap();
    assert_eq!(subjects(&mut table), [name("With attachments")]);
    let nobody = Restriction::content(sys::FL_FULLSTRING, sys::PR_DISPLAY_NAME_W, name("Zed"));
    table
        .restrict(Some(
            Restriction::sub(sys::PR_MESSAGE_RECIPIENTS, nobody).unwrap(),
        ))
        .unwrap();
    assert!(subjects(&mut table).is_empty());
}
