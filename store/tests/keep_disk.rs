//! The store's keep in a file (`Backend::keep_path`): read state and associated messages
//! are there after the store is closed and opened again, and a process killed in the
//! middle of `SaveChanges` leaves a keep that opens with a whole message, never a torn
//! one.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use mapi_sync_runtime::mem::Allocators;
use mapi_sync_runtime::props::{Prop, PropValue};
use mapi_sync_runtime::sys::{self, IMAPIFolder, IMessage, IMsgStore, Interface, ULONG};
use mapi_sync_runtime::{Error, Result};
use mapi_sync_store::backend::{Backend, FolderInfo, StoreInfo};
use mapi_sync_store::context::StoreContext;
use mapi_sync_store::entry_id::{EntryId, StoreUid};
use mapi_sync_store::keep::Keep;
use mapi_sync_store::ll::store::StoreObject;

#[path = "common/client.rs"]
mod client;

use client::{contents, open, prop, rows, set_props};

const UID: StoreUid = StoreUid([8; 16]);

/// One folder with one message, read-only; the keep at `.0`.
struct OneMessage(PathBuf);

impl Backend for OneMessage {
    fn store(&self) -> StoreInfo {
        StoreInfo {
            uid: UID,
            display_name: "One".into(),
            mdb_provider: [2; 16],
        }
    }

    fn folders(&self) -> Result<Vec<FolderInfo>> {
        Ok(vec![FolderInfo::mail("F", None, "F")])
    }

    fn messages(&self, _: &[u8], associated: bool, ids: &mut Vec<Vec<u8>>) -> Result<()> {
        if !associated {
            ids.push(b"m".to_vec());
        }
        Ok(())
    }

    fn message_properties(
        &self,
        _: &[u8],
        id: &[u8],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        if id != b"m" {
            return Err(Error::new(sys::MAPI_E_NOT_FOUND));
        }
        answer(&[Prop::new(sys::PR_MESSAGE_FLAGS, PropValue::Long(0))?]);
        Ok(())
    }

    fn keep_path(&self) -> Option<PathBuf> {
        Some(self.0.clone())
    }
}

fn store(path: &std::path::Path) -> IMsgStore {
    let ctx = StoreContext::new(OneMessage(path.to_path_buf()), Allocators::local()).unwrap();
    StoreObject::new(ctx).cast().unwrap()
}

fn folder(store: &IMsgStore) -> IMAPIFolder {
    open(
        store,
        &EntryId::folder(UID, b"F").to_bytes(),
        sys::MAPI_FOLDER,
    )
}

/// Saves a new associated message of folder F with subject `subject`.
fn save_view(store: &IMsgStore, subject: &str) {
    let mut out = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    let hr =
        unsafe { folder(store).CreateMessage(std::ptr::null(), sys::MAPI_ASSOCIATED, &mut out) };
    assert_eq!(hr, sys::S_OK);
    // SAFETY: the reference CreateMessage handed over.
    let view: IMessage = unsafe { out.into_owned() }.unwrap();
    let props = [Prop::new(sys::PR_SUBJECT_W, PropValue::Str(subject)).unwrap()];
    assert_eq!(set_props(&view, &props), sys::S_OK);
    // SAFETY: SaveChanges takes only flags.
    assert_eq!(unsafe { view.SaveChanges(0) }, sys::S_OK);
}

#[test]
fn read_state_and_views_are_there_at_the_next_logon() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.keep");
    {
        let store = store(&path);
        let m: IMessage = open(
            &store,
            &EntryId::message(UID, b"F", b"m").unwrap().to_bytes(),
            sys::MAPI_MESSAGE,
        );
        // SAFETY: SetReadFlag takes only flags.
        assert_eq!(unsafe { m.SetReadFlag(0) }, sys::S_OK);
        save_view(&store, "kept view");
        // A property set on the backend's message (opened for changing), kept too.
        let (mut kind, mut unknown) = (0, sys::InterfacePtr::null());
        let eid = EntryId::message(UID, b"F", b"m").unwrap().to_bytes();
        // SAFETY: an entry id alive for the call; writable out-pointers.
        let hr = unsafe {
            store.OpenEntry(
                eid.len() as ULONG,
                eid.as_ptr().cast_mut().cast(),
                std::ptr::null(),
                sys::MAPI_MODIFY,
                &mut kind,
                &mut unknown,
            )
        };
        assert_eq!(hr, sys::S_OK);
        // SAFETY: the reference OpenEntry handed over.
        let m: IMessage =
            unsafe { IMessage::from_raw(unknown.into_owned().unwrap().into_raw()) }.unwrap();
        let category = [Prop::new(sys::PR_SUBJECT_PREFIX_W, PropValue::Str("FW: ")).unwrap()];
        assert_eq!(set_props(&m, &category), sys::S_OK);
        // SAFETY: SaveChanges takes only flags.
        assert_eq!(unsafe { m.SaveChanges(0) }, sys::S_OK);
    }
    // The store closed (its objects released), opened again from the same file.
    let store = store(&path);
    let m: IMessage = open(
        &store,
        &EntryId::message(UID, b"F", b"m").unwrap().to_bytes(),
        sys::MAPI_MESSAGE,
    );
    let flags = u32::from_le_bytes(prop(&m, sys::PR_MESSAGE_FLAGS).unwrap().try_into().unwrap());
    assert_eq!(flags & sys::MSGFLAG_READ, sys::MSGFLAG_READ);
    assert_eq!(prop(&m, sys::PR_SUBJECT_PREFIX_W), Some(b"FW: ".to_vec()));
    let listed = rows(
        &contents(&folder(&store), sys::MAPI_ASSOCIATED),
        &[sys::PR_SUBJECT_W],
    );
    assert_eq!(listed, [vec![Some(b"kept view".to_vec())]]);
}

/// The writer the kill test starts: saves associated messages, each with a subject of
/// its number and a body of 64 KiB naming it, until it is killed.
#[test]
fn writer_until_killed() {
    let Some(path) = std::env::var_os("MAPI_KEEP_WRITER") else {
        return; // only as the child of the test below
    };
    let path = PathBuf::from(path);
    let store = store(&path);
    for n in 0u64.. {
        let subject = format!("view {n}");
        let body = subject.repeat(65536 / subject.len());
        let mut out = sys::InterfacePtr::null();
        // SAFETY: a writable out-pointer.
        let hr = unsafe {
            folder(&store).CreateMessage(std::ptr::null(), sys::MAPI_ASSOCIATED, &mut out)
        };
        assert_eq!(hr, sys::S_OK);
        // SAFETY: the reference CreateMessage handed over.
        let view: IMessage = unsafe { out.into_owned() }.unwrap();
        let props = [
            Prop::new(sys::PR_SUBJECT_W, PropValue::Str(&subject)).unwrap(),
            Prop::new(sys::PR_BODY_W, PropValue::Str(&body)).unwrap(),
        ];
        assert_eq!(set_props(&view, &props), sys::S_OK);
        // SAFETY: SaveChanges takes only flags.
        assert_eq!(unsafe { view.SaveChanges(0) }, sys::S_OK);
        if n == 0 {
            eprintln!("writing");
        }
    }
}

#[test]
fn a_writer_killed_in_the_middle_leaves_whole_messages() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.keep");
    let mut seen = 0;
    // Kill times spread over a few milliseconds to a few tens: some land mid-commit.
    for (round, wait_ms) in [3u64, 7, 11, 17, 23, 31, 41, 53].into_iter().enumerate() {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "writer_until_killed",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("MAPI_KEEP_WRITER", &path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until it writes, then a little more, and kill it (SIGKILL: no cleanup).
        let mut stderr = child.stderr.take().unwrap();
        let mut buf = [0u8; 7];
        std::io::Read::read_exact(&mut stderr, &mut buf).unwrap();
        std::thread::sleep(Duration::from_millis(wait_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        // Every message in the keep is whole: its subject names it and its body is that
        // subject repeated, and there are at least as many as after the last round.
        let keep = Keep::open(&path).unwrap_or_else(|e| panic!("round {round}: {}", e.text()));
        let ids = keep.associated(b"F");
        assert!(
            ids.len() >= seen,
            "round {round}: {} messages after {seen}",
            ids.len()
        );
        seen = ids.len();
        eprintln!("round {round}: {seen} messages kept");
        for id in &ids {
            let cells = keep.message(b"F", id).unwrap();
            let text = |tag: ULONG| match &cells.iter().find(|(t, _)| *t == tag).unwrap().1 {
                mapi_sync_runtime::props::OwnedValue::Unicode(w) => String::from_utf16(w).unwrap(),
                other => panic!("{other:?}"),
            };
            let subject = text(sys::PR_SUBJECT_W);
            assert_eq!(text(sys::PR_BODY_W), subject.repeat(65536 / subject.len()));
        }
    }
    assert!(seen > 0, "the writer saved nothing");
}

#[test]
fn the_named_property_map_is_kept_across_logons() {
    use mapi_sync_store::named::{NameKind, PropName};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("names.keep");
    let common = PropName {
        set: [0x08, 0x20, 6, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46],
        kind: NameKind::Id(0x8501),
    };
    let header = PropName {
        set: [
            0x86, 0x03, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46,
        ],
        kind: NameKind::Name("X-Mailer".into()),
    };
    let (first, second) = {
        let ctx = StoreContext::new(OneMessage(path.clone()), Allocators::local()).unwrap();
        let first = ctx.named_id(&common, true).unwrap().unwrap();
        let second = ctx.named_id(&header, true).unwrap().unwrap();
        assert_ne!(first, second);
        (first, second)
    };
    // The next logon knows both names without MAPI_CREATE, with the same identifiers,
    // and gives a new name one neither has.
    let ctx = StoreContext::new(OneMessage(path), Allocators::local()).unwrap();
    assert_eq!(ctx.named_id(&common, false).unwrap(), Some(first));
    assert_eq!(ctx.named_id(&header, false).unwrap(), Some(second));
    let other = PropName {
        kind: NameKind::Name("X-Other".into()),
        ..header
    };
    let third = ctx.named_id(&other, true).unwrap().unwrap();
    assert!(third != first && third != second);
}
