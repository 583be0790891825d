//! The store against a real IMAP server (a throwaway Dovecot, `support::dovecot`),
//! driven through MAPI as Outlook drives it: `Logon` with the account in the profile,
//! Send/Receive through `IMAPISync`, then the folders, tables and messages the framework
//! shows from the Maildir the sync filled.

use std::collections::HashSet;
use std::path::Path;

use mapi_sync::props::OwnedValue;
use mapi_sync::sys::{self, ComInterface, ULONG};

mod support;

use support::dovecot::Dovecot;
use support::{contents, folders, logon, message_props, open, provider, rows, sync, text};

/// A message: `From`, `To`, the subject, a `Message-ID` of `id`, a date.
fn message(id: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: Some One <one@example.com>\r\nTo: Two <two@example.com>\r\n\
         Subject: {subject}\r\nMessage-ID: <{id}@example.com>\r\n\
         Date: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\nBody of {id}.\r\n"
    )
    .into_bytes()
}

/// A message with everything the parser decodes: an RFC 2047 subject and sender name,
/// a text and an HTML body, an attachment.
const RICH: &[u8] = b"From: =?UTF-8?Q?Ren=C3=A9e?= <renee@example.com>\r\n\
To: Ann <ann@example.com>, Bob <bob@example.com>\r\n\
Cc: Carl <carl@example.com>\r\n\
Subject: =?ISO-8859-1?Q?Men=FC_f=FCr_heute?=\r\n\
Message-ID: <rich@example.com>\r\n\
Date: Wed, 2 Dec 2026 08:30:00 +0100\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"m\"\r\n\
\r\n\
--m\r\n\
Content-Type: multipart/alternative; boundary=\"a\"\r\n\
\r\n\
--a\r\n\
Content-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Gr=FC=DFe\r\n\
--a\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<p>Gr\xc3\xbc\xc3\x9fe</p>\r\n\
--a--\r\n\
--m\r\n\
Content-Type: text/plain; name=\"menu.txt\"\r\n\
Content-Disposition: attachment; filename=\"menu.txt\"\r\n\
\r\n\
Soup\r\n\
--m\r\n\
Content-Type: message/rfc822\r\n\
\r\n\
From: Dan <dan@example.com>\r\n\
To: Eve <eve@example.com>\r\n\
Subject: Forwarded\r\n\
\r\n\
Inside\r\n\
--m--\r\n";

/// The message files of Maildir++ folder `name` (`""` the inbox) under `root`.
fn files(root: &Path, name: &str) -> Vec<String> {
    let dir = if name.is_empty() {
        root.to_owned()
    } else {
        root.join(format!(".{name}"))
    };
    let mut all = Vec::new();
    for sub in ["cur", "new"] {
        if let Ok(d) = std::fs::read_dir(dir.join(sub)) {
            all.extend(d.map(|e| e.unwrap().file_name().into_string().unwrap()));
        }
    }
    all.sort();
    all
}

/// The UIDs in the names of `files`, each once (a duplicate fails).
fn uids(files: &[String]) -> Vec<u32> {
    let mut seen = HashSet::new();
    let mut out: Vec<u32> = files
        .iter()
        .map(|f| {
            let unique = f.split(':').next().unwrap();
            let u = unique
                .split(',')
                .find_map(|x| x.strip_prefix("U="))
                .unwrap_or_else(|| panic!("no U= in {f}"));
            u.parse().unwrap()
        })
        .collect();
    for u in &out {
        assert!(seen.insert(*u), "UID {u} twice in {files:?}");
    }
    out.sort_unstable();
    out
}

fn value(row: &[(ULONG, OwnedValue)], tag: ULONG) -> Option<&OwnedValue> {
    row.iter().find(|(t, _)| *t == tag).map(|(_, v)| v)
}

fn subjects(store: &sys::IMsgStore, folder: &str) -> Vec<String> {
    let mut s: Vec<String> = contents(store, folder, &[sys::PR_SUBJECT_W])
        .iter()
        .map(|r| text(&r[0].1))
        .collect();
    s.sort();
    s
}

#[test]
fn a_first_sync_brings_every_message_with_its_properties() {
    let server = Dovecot::start();
    server.append("INBOX", &message("plain", "Plain"), false);
    server.append("INBOX", &message("read", "Already read"), true);
    server.append("INBOX", RICH, false);
    server.create("Lists");
    server.create("Lists.rust");
    server.append("Lists", &message("l1", "In Lists"), false);
    server.append("Lists.rust", &message("r1", "In rust"), true);

    let local = tempfile::tempdir().unwrap();
    let maildir = local.path().join("mail");
    let provider = provider();
    let (_logon, store) = logon(&provider, server.settings(&maildir));
    let report = sync(&store);
    assert_eq!(report.done, Some(sys::S_OK), "{report:?}\n{}", server.log());
    assert!(report.errors.is_empty(), "{report:?}");
    // One step per message, numbered 1..=5 of 5.
    let steps: Vec<(u32, u32)> = report
        .steps
        .iter()
        .filter(|s| s.1 > 0)
        .map(|s| (s.1, s.2))
        .collect();
    assert_eq!(steps, (1..=5).map(|i| (i, 5)).collect::<Vec<_>>());

    // On disk: Maildir++ folders, the read message with S, the unread ones in new/.
    assert_eq!(files(&maildir, "").len(), 3);
    assert_eq!(
        files(&maildir, "")
            .iter()
            .filter(|f| f.ends_with(":2,S"))
            .count(),
        1
    );
    assert_eq!(std::fs::read_dir(maildir.join("new")).unwrap().count(), 2);
    assert_eq!(files(&maildir, "Lists").len(), 1);
    assert!(files(&maildir, "Lists.rust")[0].ends_with(":2,S"));
    assert!(maildir.join(".Lists.rust/maildirfolder").is_file());
    assert_eq!(std::fs::read_dir(maildir.join("tmp")).unwrap().count(), 0);

    // The hierarchy: Lists with rust under it.
    let tree: Vec<(String, i32)> = folders(&store)
        .into_iter()
        .map(|(n, d, _)| (n, d))
        .filter(|(n, _)| ["Inbox", "Lists", "rust"].contains(&n.as_str()))
        .collect();
    // Depth 0: the subtree's children.
    assert!(tree.contains(&("Inbox".into(), 0)), "{tree:?}");
    assert!(tree.contains(&("Lists".into(), 0)), "{tree:?}");
    assert!(tree.contains(&("rust".into(), 1)), "{tree:?}");
    assert_eq!(subjects(&store, "rust"), ["In rust"]);

    // The inbox's table: subjects decoded, the read flag from S, attachments.
    let rows = contents(
        &store,
        "Inbox",
        &[
            sys::PR_SUBJECT_W,
            sys::PR_MESSAGE_FLAGS,
            sys::PR_HASATTACH,
            sys::PR_ENTRYID,
            sys::PR_SENDER_NAME_W,
        ],
    );
    assert_eq!(rows.len(), 3);
    let by_subject = |s: &str| {
        rows.iter()
            .find(|r| text(&r[0].1) == s)
            .unwrap_or_else(|| panic!("no {s:?} in {rows:?}"))
    };
    let flags = |r: &Vec<(ULONG, OwnedValue)>| match r[1].1 {
        OwnedValue::Long(f) => f as ULONG,
        _ => panic!("no flags"),
    };
    assert_eq!(
        flags(by_subject("Already read")) & sys::MSGFLAG_READ,
        sys::MSGFLAG_READ
    );
    assert_eq!(flags(by_subject("Plain")) & sys::MSGFLAG_READ, 0);
    let rich = by_subject("Menü für heute");
    assert_eq!(rich[2].1, OwnedValue::Boolean(true));
    assert_eq!(flags(rich) & sys::MSGFLAG_HASATTACH, sys::MSGFLAG_HASATTACH);
    assert_eq!(text(&rich[4].1), "Renée");
    assert_eq!(by_subject("Plain")[2].1, OwnedValue::Boolean(false));

    // The message itself.
    let OwnedValue::Binary(eid) = &rich[3].1 else {
        panic!("no entry id")
    };
    let props = message_props(
        &store,
        eid,
        &[
            sys::PR_BODY_W,
            imap_store::PR_HTML,
            imap_store::PR_INTERNET_MESSAGE_ID_W,
            sys::PR_TRANSPORT_MESSAGE_HEADERS_W,
            sys::PR_DISPLAY_TO_W,
            sys::PR_DISPLAY_CC_W,
            sys::PR_SENDER_EMAIL_ADDRESS_W,
            sys::PR_CLIENT_SUBMIT_TIME,
            sys::PR_MESSAGE_DELIVERY_TIME,
            sys::PR_MESSAGE_SIZE,
        ],
    );
    let get = |tag| value(&props, tag).unwrap_or_else(|| panic!("no {tag:#x} in {props:?}"));
    assert_eq!(text(get(sys::PR_BODY_W)).trim_end(), "Grüße");
    assert_eq!(
        get(imap_store::PR_HTML),
        &OwnedValue::Binary("<p>Grüße</p>".as_bytes().to_vec())
    );
    assert_eq!(
        text(get(imap_store::PR_INTERNET_MESSAGE_ID_W)),
        "<rich@example.com>"
    );
    let headers = text(get(sys::PR_TRANSPORT_MESSAGE_HEADERS_W));
    assert!(
        headers.starts_with("From: =?UTF-8?Q?Ren=C3=A9e?="),
        "{headers}"
    );
    assert!(
        headers.contains("Content-Type: multipart/mixed"),
        "{headers}"
    );
    assert_eq!(text(get(sys::PR_DISPLAY_TO_W)), "Ann; Bob");
    assert_eq!(text(get(sys::PR_DISPLAY_CC_W)), "Carl");
    assert_eq!(
        text(get(sys::PR_SENDER_EMAIL_ADDRESS_W)),
        "renee@example.com"
    );
    subobjects(&store, eid);
    // 2026-12-02 07:30 UTC: 2026-12-01 00:00 UTC as a FILETIME, plus 31.5 hours.
    let submitted = 134_405_568_000_000_000 + 315 * 3_600_000_000;
    assert_eq!(
        get(sys::PR_CLIENT_SUBMIT_TIME),
        &OwnedValue::SysTime(submitted)
    );
    // Delivery: the server's INTERNALDATE (the APPEND's time: now), as the file's time.
    let OwnedValue::SysTime(delivered) = get(sys::PR_MESSAGE_DELIVERY_TIME) else {
        panic!("no delivery time")
    };
    let now = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 11_644_473_600)
        * 10_000_000;
    assert!(
        now.abs_diff(*delivered) < 3600 * 10_000_000,
        "{delivered} vs {now}"
    );
    assert_eq!(
        get(sys::PR_MESSAGE_SIZE),
        &OwnedValue::Long(RICH.len() as i32)
    );
}

#[test]
fn a_second_sync_downloads_nothing_and_new_messages_arrive_in_the_next() {
    let server = Dovecot::start();
    server.append("INBOX", &message("a", "A"), false);
    server.append("INBOX", &message("b", "B"), false);
    let local = tempfile::tempdir().unwrap();
    let maildir = local.path().join("mail");
    let provider = provider();
    let (_logon, store) = logon(&provider, server.settings(&maildir));

    assert_eq!(sync(&store).message_steps(), 2);
    let again = sync(&store);
    assert_eq!(again.done, Some(sys::S_OK));
    assert_eq!(again.message_steps(), 0, "{again:?}");
    assert!(again.steps.iter().any(|s| s.0 == "No new messages"));
    assert_eq!(files(&maildir, "").len(), 2);

    // A client watching the inbox hears the new message arrive.
    let (_table, heard) = support::watch(&store, "Inbox");
    server.append("INBOX", &message("c", "C"), false);
    server.create("Later");
    server.append("Later", &message("d", "D"), false);
    let third = sync(&store);
    assert_eq!(
        *heard.lock().unwrap(),
        [(sys::TABLE_ROW_ADDED, Some("C".to_string()))]
    );
    assert_eq!(third.done, Some(sys::S_OK), "{third:?}");
    assert_eq!(third.message_steps(), 2, "{third:?}");
    assert_eq!(subjects(&store, "Inbox"), ["A", "B", "C"]);
    assert_eq!(subjects(&store, "Later"), ["D"]);
    assert_eq!(uids(&files(&maildir, "")), [1, 2, 3]);
}

#[test]
fn a_kept_state_and_the_files_resume_a_stopped_sync_without_duplicates() {
    let server = Dovecot::start();
    for i in 1..=6 {
        server.append("INBOX", &message(&format!("m{i}"), &format!("M{i}")), false);
    }
    let local = tempfile::tempdir().unwrap();
    let maildir = local.path().join("mail");
    let provider = provider();
    let (_logon, store) = logon(&provider, server.settings(&maildir));

    // Cancelled by the user after two messages: those two are on disk, and counted.
    let cancelled = support::sync_cancelled_after(&store, Some(2));
    assert_eq!(
        cancelled.done,
        Some(sys::MAPI_E_USER_CANCEL),
        "{cancelled:?}"
    );
    assert_eq!(uids(&files(&maildir, "")), [1, 2]);

    // The next sync brings the other four, and only those.
    let resumed = sync(&store);
    assert_eq!(resumed.message_steps(), 4, "{resumed:?}");
    assert_eq!(uids(&files(&maildir, "")), [1, 2, 3, 4, 5, 6]);
    let state = std::fs::read_to_string(maildir.join("imap-store.state")).unwrap();
    let validity = server.uid_validity("INBOX");
    assert_eq!(
        state,
        format!("imap-store 1\nuidvalidity {validity}\nhighest-uid 6\n")
    );

    // A process killed after writing messages but before counting them: the state says
    // 3, the files say 6. Nothing is downloaded twice.
    std::fs::write(
        maildir.join("imap-store.state"),
        format!("imap-store 1\nuidvalidity {validity}\nhighest-uid 3\n"),
    )
    .unwrap();
    let after_kill = sync(&store);
    assert_eq!(after_kill.message_steps(), 0, "{after_kill:?}");
    assert_eq!(uids(&files(&maildir, "")), [1, 2, 3, 4, 5, 6]);
    assert!(std::fs::read_to_string(maildir.join("imap-store.state"))
        .unwrap()
        .ends_with("highest-uid 6\n"));

    // No state at all (lost): the files alone are enough.
    std::fs::remove_file(maildir.join("imap-store.state")).unwrap();
    server.append("INBOX", &message("m7", "M7"), false);
    let without_state = sync(&store);
    assert_eq!(without_state.message_steps(), 1, "{without_state:?}");
    assert_eq!(uids(&files(&maildir, "")), [1, 2, 3, 4, 5, 6, 7]);
}

#[test]
fn a_changed_uidvalidity_refetches_the_folder() {
    let server = Dovecot::start();
    server.create("Box");
    server.append("Box", &message("old1", "Old 1"), false);
    server.append("Box", &message("old2", "Old 2"), false);
    let local = tempfile::tempdir().unwrap();
    let maildir = local.path().join("mail");
    let provider = provider();
    let (_logon, store) = logon(&provider, server.settings(&maildir));
    assert_eq!(sync(&store).message_steps(), 2);
    let before = server.uid_validity("Box");

    // The folder made anew: new UIDVALIDITY, UIDs from 1 again.
    {
        let mut s = server.session();
        s.delete("Box").unwrap();
        s.create("Box").unwrap();
        let _ = s.logout();
    }
    for i in 1..=3 {
        server.append(
            "Box",
            &message(&format!("new{i}"), &format!("New {i}")),
            false,
        );
    }
    let after = server.uid_validity("Box");
    assert_ne!(before, after);

    let report = sync(&store);
    assert_eq!(report.done, Some(sys::S_OK), "{report:?}");
    assert_eq!(report.message_steps(), 3, "{report:?}");
    assert_eq!(subjects(&store, "Box"), ["New 1", "New 2", "New 3"]);
    let on_disk = files(&maildir, "Box");
    assert_eq!(uids(&on_disk), [1, 2, 3]);
    assert!(on_disk.iter().all(|f| f.contains(&format!(",V={after}"))));
}

#[test]
fn a_wrong_password_fails_the_sync_without_showing_it() {
    let server = Dovecot::start();
    let local = tempfile::tempdir().unwrap();
    let mut settings = server.settings(&local.path().join("mail"));
    for (tag, value) in &mut settings {
        if *tag == imap_store::PR_IMAP_PASSWORD {
            *value = OwnedValue::Unicode("wrong-password".encode_utf16().collect());
        }
    }
    let provider = provider();
    let (_logon, store) = logon(&provider, settings);
    let report = sync(&store);
    assert_eq!(report.done, Some(sys::MAPI_E_LOGON_FAILED), "{report:?}");
    let said = format!("{report:?}");
    assert!(said.contains("login as tester"), "{said}");
    assert!(!said.contains("wrong-password"), "{said}");
}

#[test]
fn a_second_reader_of_the_maildir_sees_only_whole_messages_during_a_sync() {
    let server = Dovecot::start();
    let body = "A line of a long message.\r\n".repeat(400);
    for i in 0..40 {
        let m = format!("From: a@example.com\r\nSubject: Long {i}\r\n\r\n{body}END-OF-MESSAGE\r\n");
        server.append("INBOX", m.as_bytes(), i % 2 == 0);
    }
    let local = tempfile::tempdir().unwrap();
    let maildir = local.path().join("mail");
    std::fs::create_dir_all(&maildir).unwrap();
    let provider = provider();
    let (_logon, store) = logon(&provider, server.settings(&maildir));

    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (done, maildir) = (done.clone(), maildir.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                for sub in ["new", "cur"] {
                    let Ok(dir) = std::fs::read_dir(maildir.join(sub)) else {
                        continue;
                    };
                    for f in dir.flatten() {
                        // A file may be renamed (flags) between listing and reading.
                        if let Ok(bytes) = std::fs::read(f.path()) {
                            assert!(
                                bytes.ends_with(b"END-OF-MESSAGE\r\n"),
                                "a partial file: {:?} ({} bytes)",
                                f.path(),
                                bytes.len()
                            );
                            reads += 1;
                        }
                    }
                }
            }
            reads
        })
    };
    let report = sync(&store);
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let reads = reader.join().expect("the reader saw only whole files");
    assert_eq!(report.done, Some(sys::S_OK), "{report:?}");
    assert_eq!(files(&maildir, "").len(), 40);
    assert!(reads > 0);
}

/// The rich message's attachments (a text file by value, an embedded message) and
/// recipients, through MAPI as a client reads them.
fn subobjects(store: &sys::IMsgStore, eid: &[u8]) {
    let m: sys::IMessage = open(store, eid);
    let mut table = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(unsafe { m.GetAttachmentTable(0, &mut table) }, sys::S_OK);
    // SAFETY: the reference handed over.
    let table: sys::IMAPITable = unsafe { table.into_owned() }.unwrap();
    let shown = rows(
        &table,
        &[
            sys::PR_ATTACH_NUM,
            sys::PR_ATTACH_LONG_FILENAME_W,
            sys::PR_ATTACH_METHOD,
        ],
    );
    let values: Vec<Vec<OwnedValue>> = shown
        .into_iter()
        .map(|r| r.into_iter().map(|(_, v)| v).collect())
        .collect();
    assert_eq!(values.len(), 2, "{values:?}");
    assert_eq!(values[0][0], OwnedValue::Long(0));
    assert_eq!(text(&values[0][1]), "menu.txt");
    assert_eq!(values[0][2], OwnedValue::Long(sys::ATTACH_BY_VALUE as i32));
    assert_eq!(
        values[1][2],
        OwnedValue::Long(sys::ATTACH_EMBEDDED_MSG as i32)
    );
    // The file's data through a stream; the embedded message as a message.
    let open_attach = |num: ULONG| -> sys::IAttach {
        let mut out = sys::InterfacePtr::null();
        // SAFETY: a writable out-pointer; a null IID asks for IAttach.
        assert_eq!(
            unsafe { m.OpenAttach(num, std::ptr::null(), 0, &mut out) },
            sys::S_OK
        );
        // SAFETY: the reference handed over.
        unsafe { out.into_owned() }.unwrap()
    };
    let open_property = |a: &sys::IAttach, tag: ULONG, iid: &sys::GUID| -> sys::IUnknown {
        let mut out = sys::InterfacePtr::null();
        // SAFETY: an IID alive for the call and a writable out-pointer.
        assert_eq!(
            unsafe { a.OpenProperty(tag, iid, 0, 0, &mut out) },
            sys::S_OK
        );
        // SAFETY: the reference handed over.
        unsafe { out.into_owned() }.unwrap()
    };
    let stream: sys::IStream =
        open_property(&open_attach(0), sys::PR_ATTACH_DATA_BIN, &sys::IID_IStream)
            .cast()
            .unwrap();
    let mut buf = [0u8; 64];
    let mut n = 0;
    // SAFETY: a writable buffer and count.
    assert_eq!(
        unsafe { stream.Read(buf.as_mut_ptr().cast(), 64, &mut n) },
        sys::S_OK
    );
    assert_eq!(&buf[..n as usize], b"Soup");
    let inner: sys::IMessage =
        open_property(&open_attach(1), sys::PR_ATTACH_DATA_OBJ, &sys::IID_IMessage)
            .cast()
            .unwrap();
    let tags = mapi_sync::props::write_prop_tags(
        mapi_sync::mem::Allocators::local(),
        &[sys::PR_SUBJECT_W, sys::PR_DISPLAY_TO_W, sys::PR_BODY_W],
    )
    .unwrap();
    let (mut count, mut values) = (0, std::ptr::null_mut());
    // SAFETY: a tag array alive for the call; writable out-pointers.
    unsafe { inner.GetProps(tags.as_ptr().cast(), 0, &mut count, &mut values) };
    // SAFETY: what GetProps handed out, read then freed.
    let got: Vec<String> = unsafe {
        let props = mapi_sync::props::Props::from_raw(values, count).unwrap();
        let out = props
            .iter()
            .map(|p| text(&OwnedValue::from(p.value())))
            .collect();
        support::free(values.cast());
        out
    };
    assert_eq!(got[0], "Forwarded");
    assert_eq!(got[1], "Eve");
    assert_eq!(got[2].trim_end(), "Inside");
    // The recipients: Ann and Bob to, Carl copied.
    let mut table = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    assert_eq!(unsafe { m.GetRecipientTable(0, &mut table) }, sys::S_OK);
    // SAFETY: the reference handed over.
    let table: sys::IMAPITable = unsafe { table.into_owned() }.unwrap();
    let shown: Vec<(String, OwnedValue)> =
        rows(&table, &[sys::PR_DISPLAY_NAME_W, sys::PR_RECIPIENT_TYPE])
            .into_iter()
            .map(|r| (text(&r[0].1), r[1].1.clone()))
            .collect();
    let kind = |k: ULONG| OwnedValue::Long(k as i32);
    assert_eq!(
        shown,
        [
            ("Ann".to_string(), kind(sys::MAPI_TO)),
            ("Bob".to_string(), kind(sys::MAPI_TO)),
            ("Carl".to_string(), kind(sys::MAPI_CC)),
        ]
    );
}

#[test]
fn a_second_send_receive_while_one_runs_is_refused_busy() {
    let server = Dovecot::start();
    server.append("INBOX", &message("a", "A"), false);
    server.append("INBOX", &message("b", "B"), false);
    // A slow server: the proxy holds its greeting until released.
    let slow = support::proxy::Proxy::held(server.port);
    let local = tempfile::tempdir().unwrap();
    let maildir = local.path().join("mail");
    let settings = support::with(
        server.settings(&maildir),
        imap_store::PR_IMAP_PORT,
        OwnedValue::Long(i32::from(slow.port)),
    );
    let provider = provider();
    let (_logon, store) = logon(&provider, settings);

    let (hr, first) = support::start_sync(&store, None);
    assert_eq!(hr, sys::S_OK);
    // The first is waiting for the server: a second is refused, and starts nothing.
    let (hr, second) = support::start_sync(&store, None);
    assert_eq!(hr, sys::MAPI_E_BUSY);
    assert!(second.is_none());

    slow.release();
    let report = first.expect("the first sync").wait();
    assert_eq!(report.done, Some(sys::S_OK), "{report:?}");
    assert_eq!(report.message_steps(), 2, "{report:?}");
    assert_eq!(uids(&files(&maildir, "")), [1, 2]);
    // Done: the next one runs.
    let again = sync(&store);
    assert_eq!(again.done, Some(sys::S_OK), "{again:?}");
}
