//! Read flags set in Outlook (`IMessage::SetReadFlag`) go to the server: the message's
//! file changes at once (Maildir's `S`), and the next Send/Receive uploads `\Seen` with
//! `UID STORE`, which the tests check on the server with `UID FETCH … FLAGS`. What is to
//! be uploaded is on disk, so a sync cut short, or a new process, still uploads it.

use std::path::Path;

use mapi_sync::props::OwnedValue;
use mapi_sync::sys::{self, ULONG};

mod support;

use support::dovecot::Dovecot;
use support::proxy::Proxy;
use support::{contents, logon, message_props, open, provider, sync, with, Settings};

fn message(id: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: a@example.com\r\nSubject: {subject}\r\nMessage-ID: <{id}@example.com>\r\n\r\nBody of {id}.\r\n"
    )
    .into_bytes()
}

/// The file of the message with UID `uid` in Maildir++ folder `name` (`""` the inbox):
/// its path relative to the folder (`cur/…` or `new/…`).
fn file_of(root: &Path, name: &str, uid: u32) -> String {
    let dir = if name.is_empty() {
        root.to_owned()
    } else {
        root.join(format!(".{name}"))
    };
    let mark = format!(",U={uid},");
    for sub in ["cur", "new"] {
        for f in std::fs::read_dir(dir.join(sub)).unwrap() {
            let f = f.unwrap().file_name().into_string().unwrap();
            if f.contains(&mark) {
                return format!("{sub}/{f}");
            }
        }
    }
    panic!("no message {uid} in {name:?}")
}

/// The entry id of the message with subject `subject` in folder `folder`.
fn entry_id(store: &sys::IMsgStore, folder: &str, subject: &str) -> Vec<u8> {
    let rows = contents(store, folder, &[sys::PR_SUBJECT_W, sys::PR_ENTRYID]);
    let row = rows
        .iter()
        .find(|r| support::text(&r[0].1) == subject)
        .unwrap_or_else(|| panic!("no {subject:?} in {folder}"));
    match &row[1].1 {
        OwnedValue::Binary(b) => b.clone(),
        other => panic!("no entry id: {other:?}"),
    }
}

/// `IMessage::SetReadFlag(flags)` on the message with subject `subject`.
fn set_read_flag(store: &sys::IMsgStore, folder: &str, subject: &str, flags: ULONG) {
    let message: sys::IMessage = open(store, &entry_id(store, folder, subject));
    // SAFETY: a live message.
    assert_eq!(unsafe { message.SetReadFlag(flags) }, sys::S_OK);
}

/// Whether MAPI shows the message read (`MSGFLAG_READ` in `PR_MESSAGE_FLAGS`).
fn read_in_mapi(store: &sys::IMsgStore, folder: &str, subject: &str) -> bool {
    let props = message_props(
        store,
        &entry_id(store, folder, subject),
        &[sys::PR_MESSAGE_FLAGS],
    );
    match props[0].1 {
        OwnedValue::Long(f) => f as ULONG & sys::MSGFLAG_READ != 0,
        ref other => panic!("no flags: {other:?}"),
    }
}

fn through(port: u16, settings: Settings) -> Settings {
    with(
        settings,
        imap_store::PR_IMAP_PORT,
        OwnedValue::Long(i32::from(port)),
    )
}

#[test]
fn a_read_flag_set_or_cleared_in_outlook_changes_the_file_at_once_and_the_server_at_the_next_sync()
{
    let server = Dovecot::start();
    let a = server.append("INBOX", &message("a", "A"), false);
    let b = server.append("INBOX", &message("b", "B"), true);
    server.create("Lists");
    let l = server.append("Lists", &message("l", "L"), false);
    let local = tempfile::tempdir().unwrap();
    let maildir = local.path().join("mail");
    let provider = provider();
    let (_logon, store) = logon(&provider, server.settings(&maildir));
    assert_eq!(sync(&store).done, Some(sys::S_OK));
    assert!(file_of(&maildir, "", a).starts_with("new/"));

    // Marked read: the file is renamed into cur/ with S at once; MAPI shows it read; the
    // server does not know yet.
    set_read_flag(&store, "Inbox", "A", 0);
    set_read_flag(&store, "Lists", "L", 0);
    assert!(file_of(&maildir, "", a).ends_with(":2,S"));
    assert!(file_of(&maildir, "", a).starts_with("cur/"));
    assert!(file_of(&maildir, "Lists", l).ends_with(":2,S"));
    assert!(read_in_mapi(&store, "Inbox", "A"));
    assert!(!server.seen("INBOX", a));
    assert!(maildir.join("imap-store.pending").is_file());

    let report = sync(&store);
    assert_eq!(report.done, Some(sys::S_OK), "{report:?}");
    assert!(report.errors.is_empty(), "{report:?}");
    assert!(
        report
            .steps
            .iter()
            .any(|s| s.0 == "Inbox: 1 read flags uploaded"),
        "{report:?}"
    );
    assert!(server.seen("INBOX", a));
    assert!(server.seen("Lists", l));
    assert!(server.seen("INBOX", b));
    // Nothing left to upload.
    assert!(!maildir.join("imap-store.pending").exists());
    assert!(!maildir.join(".Lists/imap-store.pending").exists());

    // Cleared (`CLEAR_READ_FLAG`) on a message that came read: S goes from its file at
    // once, and \Seen from the server at the next sync; the others stay as they are.
    set_read_flag(&store, "Inbox", "B", sys::CLEAR_READ_FLAG);
    assert!(file_of(&maildir, "", b).ends_with(":2,"));
    assert!(!read_in_mapi(&store, "Inbox", "B"));
    assert!(server.seen("INBOX", b));
    let report = sync(&store);
    assert_eq!(report.done, Some(sys::S_OK), "{report:?}");
    assert!(!server.seen("INBOX", b));
    assert!(server.seen("INBOX", a));
    assert!(server.seen("Lists", l));

    // Marked read and unread again before a sync: the last state is what goes up.
    set_read_flag(&store, "Inbox", "A", sys::CLEAR_READ_FLAG);
    set_read_flag(&store, "Inbox", "A", 0);
    set_read_flag(&store, "Inbox", "A", sys::CLEAR_READ_FLAG);
    assert_eq!(sync(&store).done, Some(sys::S_OK));
    assert!(!server.seen("INBOX", a));
    assert!(!file_of(&maildir, "", a).ends_with("S"));
}

#[test]
fn a_process_killed_between_noting_the_flag_and_renaming_the_file_still_uploads_it() {
    let server = Dovecot::start();
    let a = server.append("INBOX", &message("a", "A"), false);
    let local = tempfile::tempdir().unwrap();
    let maildir = local.path().join("mail");
    {
        let provider = provider();
        let (_logon, store) = logon(&provider, server.settings(&maildir));
        assert_eq!(sync(&store).done, Some(sys::S_OK));
    }
    // What SetReadFlag writes first, and nothing after it: the file is still unread.
    let validity = server.uid_validity("INBOX");
    std::fs::write(
        maildir.join("imap-store.pending"),
        format!("imap-store-pending 1\n{validity} {a} seen\n"),
    )
    .unwrap();
    assert!(file_of(&maildir, "", a).starts_with("new/"));

    // A new process (a provider of its own) syncs: the server and the file both follow.
    let provider = provider();
    let (_logon, store) = logon(&provider, server.settings(&maildir));
    let report = sync(&store);
    assert_eq!(report.done, Some(sys::S_OK), "{report:?}");
    assert!(server.seen("INBOX", a));
    assert!(file_of(&maildir, "", a).ends_with(":2,S"));
    assert!(read_in_mapi(&store, "Inbox", "A"));
    assert!(!maildir.join("imap-store.pending").exists());
}

#[test]
fn a_read_flag_is_uploaded_by_the_next_sync_after_one_cut_anywhere() {
    let server = Dovecot::start();
    let a = server.append("INBOX", &message("a", "A"), false);
    server.append("INBOX", &message("b", "B"), false);
    // Whether each cut sync had uploaded the flag before its connection was cut.
    let mut kinds = std::collections::HashSet::new();
    for limit in [
        10, 200, 400, 600, 800, 900, 1000, 1100, 1200, 1300, 1400, 1600, 2000, 4000,
    ] {
        server.set_seen("INBOX", a, false);
        let local = tempfile::tempdir().unwrap();
        let maildir = local.path().join("mail");
        // One provider per logon, as one process each: each reads the Maildir afresh.
        let first = provider();
        let (_logon, store) = logon(&first, server.settings(&maildir));
        assert_eq!(sync(&store).done, Some(sys::S_OK));
        set_read_flag(&store, "Inbox", "A", 0);

        let cut = Proxy::start(server.port, Some(limit));
        let second = provider();
        let (_logon2, store2) = logon(&second, through(cut.port, server.settings(&maildir)));
        let report = sync(&store2);
        let done = report.done.expect("Done");
        assert!(
            done == sys::S_OK || done == sys::MAPI_E_NETWORK_ERROR,
            "cut at {limit}: {report:?}"
        );
        kinds.insert(server.seen("INBOX", a));
        drop(cut);

        let third = provider();
        let (_logon3, store3) = logon(&third, server.settings(&maildir));
        let report = sync(&store3);
        assert_eq!(
            report.done,
            Some(sys::S_OK),
            "after a cut at {limit}: {report:?}"
        );
        assert!(server.seen("INBOX", a), "after a cut at {limit}");
        assert!(file_of(&maildir, "", a).ends_with(":2,S"));
        assert!(!maildir.join("imap-store.pending").exists());
    }
    // Some cuts came before the upload, some after.
    assert_eq!(kinds, [false, true].into());
}

#[test]
fn a_message_deleted_in_outlook_goes_at_once_and_from_the_server_at_the_next_sync() {
    let server = Dovecot::start();
    let a = server.append("INBOX", &message("a", "A"), false);
    let b = server.append("INBOX", &message("b", "B"), false);
    let c = server.append("INBOX", &message("c", "C"), false);
    let local = tempfile::tempdir().unwrap();
    let maildir = local.path().join("mail");
    let provider = provider();
    let (_logon, store) = logon(&provider, server.settings(&maildir));
    assert_eq!(sync(&store).done, Some(sys::S_OK));
    // Another client marked C \Deleted without expunging it: ours must leave it.
    server.mark_deleted("INBOX", c);

    // Deleted in Outlook: the row and the file go at once; the server keeps it for now.
    let inbox = support::folder(&store, "Inbox");
    let eid = entry_id(&store, "Inbox", "A");
    let mut bin = sys::SBinary {
        cb: eid.len() as ULONG,
        lpb: eid.as_ptr().cast_mut(),
    };
    let mut list = sys::ENTRYLIST {
        cValues: 1,
        lpbin: &mut bin,
    };
    // SAFETY: a list alive for the call; no progress object.
    let hr = unsafe { inbox.DeleteMessages(&mut list, 0, sys::InterfacePtr::null(), 0) };
    assert_eq!(hr, sys::S_OK);
    let subjects: Vec<String> = contents(&store, "Inbox", &[sys::PR_SUBJECT_W])
        .iter()
        .map(|r| support::text(&r[0].1))
        .collect();
    assert_eq!(subjects, ["B", "C"]);
    let files = |root: &Path| {
        ["cur", "new"]
            .iter()
            .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap())
            .count()
    };
    assert_eq!(files(&maildir), 2);
    assert_eq!(server.uids("INBOX"), [a, b, c]);

    // The next sync expunges it, and only it; nothing comes back down.
    let report = sync(&store);
    assert_eq!(report.done, Some(sys::S_OK), "{report:?}");
    assert!(report.errors.is_empty(), "{report:?}");
    assert_eq!(server.uids("INBOX"), [b, c]);
    assert!(!maildir.join("imap-store.pending").exists());
    assert_eq!(files(&maildir), 2);
    let report = sync(&store);
    assert_eq!(report.done, Some(sys::S_OK), "{report:?}");
    assert_eq!(files(&maildir), 2);
}
