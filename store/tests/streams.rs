//! `IMAPIProp::OpenProperty(…, IID_IStream)` on a message, as Outlook reads a body:
//! through the vtables, from the store to the message to the stream.

use std::io::{self, Read, Seek, SeekFrom};
use std::ptr::null_mut;

use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{change_prop_type, Prop, PropValue};
use mapi_sync_runtime::stream::Stream;
use mapi_sync_runtime::sys::{
    self, ComInterface, IMessage, IMsgStore, IStream, IUnknown, Interface, HRESULT, ULONG,
};
use mapi_sync_runtime::{Error, Result};
use mapi_sync_store::backend::{Backend, FolderInfo, StoreInfo};
use mapi_sync_store::context::StoreContext;
use mapi_sync_store::entry_id::{EntryId, StoreUid};
use mapi_sync_store::ll::store::StoreObject;

const UID: StoreUid = StoreUid([9; 16]);
/// `PR_HTML` (Microsoft, "PidTagHtml": identifier 0x1013, `PT_BINARY`) and its string
/// form `PR_BODY_HTML_W`, which the mingw-w64 mapitags.h lacks.
const PR_HTML: ULONG = 0x1013_0102;
const PR_BODY_HTML_W: ULONG = 0x1013_001F;
const BODY: &str = "Héllo wörld, €5";
const HTML: &[u8] = b"<p>H\xE9llo</p>";
/// The size of the body the backend streams itself (more than a stream chunk; under Miri,
/// whose interpreter reads it byte by byte, one chunk and a little).
const BIG: u64 = if cfg!(miri) {
    65536 + 11
} else {
    3 * 65536 + 11
};

/// A body made on the fly: byte `i` is `i % 251`, never all in memory.
struct Generated {
    at: u64,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (BIG.saturating_sub(self.at) as usize).min(buf.len());
        for (k, b) in buf[..n].iter_mut().enumerate() {
            *b = ((self.at + k as u64) % 251) as u8;
        }
        self.at += n as u64;
        Ok(n)
    }
}

impl Seek for Generated {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.at = match pos {
            SeekFrom::Start(p) => p,
            SeekFrom::End(d) => (BIG as i64 + d) as u64,
            SeekFrom::Current(d) => (self.at as i64 + d) as u64,
        };
        Ok(self.at)
    }
}

/// A folder with a message "m" (body, HTML, subject) and "big", whose body only the
/// stream hook serves.
struct Bodies;

impl Backend for Bodies {
    fn store(&self) -> StoreInfo {
        StoreInfo {
            uid: UID,
            display_name: "Bodies".into(),
            mdb_provider: [8; 16],
        }
    }

    fn folders(&self) -> Result<Vec<FolderInfo>> {
        Ok(vec![FolderInfo::mail("F", None, "F")])
    }

    fn messages(&self, _: &[u8], associated: bool, ids: &mut Vec<Vec<u8>>) -> Result<()> {
        if !associated {
            ids.extend([b"m".to_vec(), b"big".to_vec()]);
        }
        Ok(())
    }

    fn message_properties(
        &self,
        _: &[u8],
        id: &[u8],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        match id {
            b"m" => answer(&[
                Prop::new(sys::PR_SUBJECT_W, PropValue::Str("Hi"))?,
                Prop::new(sys::PR_BODY_W, PropValue::Str(BODY))?,
                Prop::new(PR_HTML, PropValue::Binary(HTML))?,
                Prop::new(sys::PR_MESSAGE_SIZE, PropValue::Long(42))?,
            ]),
            // Too big to give as a value: as MAPI stores do, an error in its place.
            b"big" => answer(&[Prop::new(
                change_prop_type(sys::PR_BODY_W, sys::PT_ERROR),
                PropValue::Error(sys::MAPI_E_NOT_ENOUGH_MEMORY),
            )?]),
            _ => return Err(Error::new(sys::MAPI_E_NOT_FOUND)),
        }
        Ok(())
    }

    fn message_stream(&self, _: &[u8], id: &[u8], tag: ULONG) -> Result<Option<Stream>> {
        Ok((id == b"big" && tag == sys::PR_BODY_W).then(|| Stream::read_only(Generated { at: 0 })))
    }
}

fn message(id: &[u8]) -> IMessage {
    let ctx = StoreContext::new(Bodies, Allocators::local()).unwrap();
    let store: IMsgStore = StoreObject::new(ctx).cast().unwrap();
    let eid = EntryId::message(UID, b"F", id).unwrap().to_bytes();
    let (mut kind, mut unknown) = (0, sys::InterfacePtr::null());
    // SAFETY: an entry id alive for the call; writable out-pointers.
    let hr = unsafe {
        store.OpenEntry(
            eid.len() as ULONG,
            eid.as_ptr().cast_mut().cast(),
            &IMessage::IID,
            0,
            &mut kind,
            &mut unknown,
        )
    };
    assert_eq!((hr, kind), (sys::S_OK, sys::MAPI_MESSAGE));
    // SAFETY: OpenEntry handed over one reference, of IMessage.
    unsafe { IMessage::from_raw(unknown.into_owned().unwrap().into_raw()) }.unwrap()
}

/// `OpenProperty(tag, iid, options, flags)`: the result, and the stream when it gave one
/// (the out-pointer is checked to be NULL otherwise).
fn open(
    m: &IMessage,
    tag: ULONG,
    iid: &sys::GUID,
    options: ULONG,
    flags: ULONG,
) -> (HRESULT, Option<IStream>) {
    let mut out = sys::InterfacePtr::<IUnknown>::from_raw(std::ptr::NonNull::dangling().as_ptr());
    // SAFETY: an IID and a writable out-pointer, alive for the call.
    let hr = unsafe { m.OpenProperty(tag, iid, options, flags, &mut out) };
    if hr != sys::S_OK {
        assert!(out.is_null(), "a failed OpenProperty leaves NULL");
        return (hr, None);
    }
    // SAFETY: the one reference OpenProperty handed over, of interface `iid`.
    let unknown = unsafe { out.into_owned() }.unwrap();
    (hr, Some(unknown.cast().unwrap()))
}

fn read_all(s: &IStream) -> Vec<u8> {
    let mut all = Vec::new();
    loop {
        let mut buf = [0u8; 1000];
        let mut n: ULONG = 0;
        // SAFETY: a writable buffer and count.
        assert_eq!(
            unsafe { s.Read(buf.as_mut_ptr().cast(), 1000, &mut n) },
            sys::S_OK
        );
        if n == 0 {
            return all;
        }
        all.extend_from_slice(&buf[..n as usize]);
    }
}

fn size(s: &IStream) -> u64 {
    // SAFETY: STATSTG is plain data.
    let mut st: sys::STATSTG = unsafe { std::mem::zeroed() };
    // SAFETY: a writable STATSTG.
    assert_eq!(unsafe { s.Stat(&mut st, sys::STATFLAG_NONAME) }, sys::S_OK);
    assert_eq!((st.type_, st.grfMode), (sys::STGTY_STREAM, sys::STGM_READ));
    // SAFETY: every member of the union is plain integers.
    unsafe { st.cbSize.QuadPart }
}

#[test]
fn bodies_open_as_streams_in_the_type_asked() {
    let m = message(b"m");
    let (hr, s) = open(&m, sys::PR_BODY_W, &sys::IID_IStream, sys::STGM_READ, 0);
    assert_eq!(hr, sys::S_OK);
    let s = s.unwrap();
    let utf16: Vec<u8> = BODY.encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert_eq!(size(&s), utf16.len() as u64);
    assert_eq!(read_all(&s), utf16);
    // PR_BODY_A: the same text through the code page, as GetProps converts it.
    let s = open(&m, sys::PR_BODY_A, &sys::IID_IStream, 0, 0).1.unwrap();
    assert_eq!(read_all(&s), b"H\xE9llo w\xF6rld, \x805");
    // A binary property: its bytes.
    let s = open(&m, PR_HTML, &sys::IID_IStream, 0, sys::MAPI_DEFERRED_ERRORS)
        .1
        .unwrap();
    assert_eq!(read_all(&s), HTML);
    // The stream is read-only.
    let mut n = 0;
    // SAFETY: readable bytes and a writable count.
    let hr = unsafe { s.Write(b"x".as_ptr().cast(), 1, &mut n) };
    assert_eq!((hr, n), (sys::STG_E_ACCESSDENIED, 0));
    // Asked as its base interfaces, the same stream.
    for iid in [sys::IID_ISequentialStream, sys::IID_IUnknown] {
        let s = open(&m, sys::PR_SUBJECT_W, &iid, 0, 0).1.unwrap();
        assert_eq!(read_all(&s), b"H\0i\0");
    }
}

#[test]
fn a_read_only_store_refuses_what_it_cannot_give() {
    let m = message(b"m");
    let no = |tag, iid: &sys::GUID, options, flags| open(&m, tag, iid, options, flags).0;
    let stream = &sys::IID_IStream;
    assert_eq!(
        no(sys::PR_BODY_W, stream, 0, sys::MAPI_MODIFY),
        sys::MAPI_E_NO_ACCESS
    );
    assert_eq!(
        no(sys::PR_BODY_W, stream, 0, sys::MAPI_CREATE),
        sys::MAPI_E_NO_ACCESS
    );
    assert_eq!(
        no(sys::PR_BODY_W, stream, sys::STGM_READWRITE, 0),
        sys::MAPI_E_NO_ACCESS
    );
    // A property the message lacks, of a type a stream could serve.
    assert_eq!(
        no(sys::PR_CONVERSATION_INDEX, stream, 0, 0),
        sys::MAPI_E_NOT_FOUND
    );
    assert_eq!(no(PR_BODY_HTML_W, stream, 0, 0), sys::MAPI_E_NOT_FOUND);
    // Another interface for a body, a stream for a number.
    assert_eq!(
        no(sys::PR_BODY_W, &sys::IID_IMAPITable, 0, 0),
        sys::MAPI_E_INTERFACE_NOT_SUPPORTED
    );
    assert_eq!(
        no(sys::PR_MESSAGE_SIZE, stream, 0, 0),
        sys::MAPI_E_INTERFACE_NOT_SUPPORTED
    );
    assert_eq!(
        no(sys::PR_BODY_W, stream, 0, 0x8000_0000),
        sys::MAPI_E_UNKNOWN_FLAGS
    );
    // The type is required (PT_UNSPECIFIED is documented as an invalid parameter).
    assert_eq!(
        no(
            change_prop_type(sys::PR_BODY_W, sys::PT_UNSPECIFIED),
            stream,
            0,
            0
        ),
        sys::MAPI_E_INVALID_PARAMETER
    );
    // No interface, no place for the answer.
    let mut out = sys::InterfacePtr::null();
    // SAFETY: null pointers are what is being tested; out is writable.
    unsafe {
        assert_eq!(
            m.OpenProperty(sys::PR_BODY_W, null_mut(), 0, 0, &mut out),
            sys::MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            m.OpenProperty(sys::PR_BODY_W, &sys::IID_IStream, 0, 0, null_mut()),
            sys::MAPI_E_INVALID_PARAMETER
        );
    }
    // GetLastError describes the last failure.
    assert_eq!(
        no(sys::PR_BODY_W, stream, 0, sys::MAPI_MODIFY),
        sys::MAPI_E_NO_ACCESS
    );
    let mut err = null_mut();
    // SAFETY: a writable out-pointer; the error is freed with the local allocators.
    unsafe {
        assert_eq!(
            m.GetLastError(sys::MAPI_E_NO_ACCESS, 0, &mut err),
            sys::S_OK
        );
        assert!(!err.is_null());
        Allocators::local().as_raw().2.unwrap()(err.cast());
    }
}

#[test]
fn the_backend_streams_a_big_body_itself() {
    let m = message(b"big");
    let s = open(&m, sys::PR_BODY_W, &sys::IID_IStream, 0, 0).1.unwrap();
    assert_eq!(size(&s), BIG);
    let all = read_all(&s);
    assert_eq!(all.len() as u64, BIG);
    assert!(all.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
    // The hook serves only what it has: the message's other properties as values (here
    // none: PR_BODY_A's value is an error, so not found).
    assert_eq!(
        open(&m, sys::PR_BODY_A, &sys::IID_IStream, 0, 0).0,
        sys::MAPI_E_NOT_FOUND
    );
}

#[test]
fn rtf_is_made_from_the_text_and_reads_back_through_another_reader() {
    // (The big body's RTF is some 600 KB: too slow to read byte by byte under Miri.)
    let ids: &[&[u8]] = if cfg!(miri) { &[b"m"] } else { &[b"m", b"big"] };
    for &id in ids {
        let m = message(id);
        let (hr, s) = open(&m, sys::PR_RTF_COMPRESSED, &sys::IID_IStream, 0, 0);
        assert_eq!(hr, sys::S_OK);
        let value = read_all(&s.unwrap());
        // The uncompressed form: its header names MELA.
        assert_eq!(&value[8..12], b"MELA");
        let rtf = &value[16..];
        assert_eq!(
            u32::from_le_bytes(value[4..8].try_into().unwrap()) as usize,
            rtf.len()
        );
        let rtf = String::from_utf8(rtf.to_vec()).unwrap();
        assert!(rtf.contains("\\fromtext"));
        if id == b"m" {
            assert!(rtf.contains("H\\u233?llo w\\u246?rld, \\u8364?5"), "{rtf}");
        }
        // Microsoft's own reader of the format (compressed-rtf, from outlook-pst-rs)
        // reads the same RTF back (64-bit only, as the bench's SQLite).
        #[cfg(all(target_pointer_width = "64", not(miri)))]
        assert_eq!(compressed_rtf::decompress_rtf(&value).unwrap(), rtf);
    }
}
