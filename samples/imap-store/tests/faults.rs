//! The sync when things go wrong: the connection cut at many points (a proxy between the
//! store and Dovecot), a folder that cannot be written locally, a message that is not
//! MIME. Each is reported through `Error` (and `Done` when it ends the sync), and the next
//! sync leaves every message on disk exactly once.

use std::collections::HashSet;
use std::path::Path;

use mapi_sync::props::OwnedValue;
use mapi_sync::sys;

mod support;

use support::dovecot::Dovecot;
use support::proxy::Proxy;
use support::{contents, logon, provider, sync, text, Settings};

fn message(n: usize) -> Vec<u8> {
    // About 1.5 KB each, so cuts land inside literals as well as between responses.
    format!(
        "From: a@example.com\r\nSubject: Message {n}\r\nMessage-ID: <m{n}@example.com>\r\n\r\n{}\r\n",
        format!("Line {n} of the body.\r\n").repeat(60)
    )
    .into_bytes()
}

fn through(port: u16, mut settings: Settings) -> Settings {
    for (tag, value) in &mut settings {
        if *tag == imap_store::PR_IMAP_PORT {
            *value = OwnedValue::Long(i32::from(port));
        }
    }
    settings
}

/// Every (folder, UID) on disk under `root`, each once (a duplicate fails).
fn on_disk(root: &Path) -> Vec<(String, u32)> {
    let mut all = Vec::new();
    let mut seen = HashSet::new();
    let mut dirs = vec![(String::new(), root.to_owned())];
    for e in std::fs::read_dir(root).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().into_string().unwrap();
        if name.starts_with('.') && e.path().join("cur").is_dir() {
            dirs.push((name[1..].to_owned(), e.path()));
        }
    }
    for (folder, dir) in dirs {
        for sub in ["cur", "new"] {
            for f in std::fs::read_dir(dir.join(sub)).unwrap() {
                let f = f.unwrap().file_name().into_string().unwrap();
                let uid: u32 = f
                    .split(':')
                    .next()
                    .unwrap()
                    .split(',')
                    .find_map(|x| x.strip_prefix("U="))
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(seen.insert((folder.clone(), uid)), "{folder} {uid} twice");
                all.push((folder.clone(), uid));
            }
        }
        assert_eq!(std::fs::read_dir(dir.join("tmp")).unwrap().count(), 0);
    }
    all.sort();
    all
}

#[test]
fn a_cut_connection_fails_the_sync_and_the_next_completes_with_every_message_once() {
    let server = Dovecot::start();
    server.create("Other");
    for n in 1..=6 {
        server.append("INBOX", &message(n), false);
    }
    for n in 7..=9 {
        server.append("Other", &message(n), n == 8);
    }
    let expected: Vec<(String, u32)> = (1..=6)
        .map(|u| (String::new(), u))
        .chain((1..=3).map(|u| ("Other".to_owned(), u)))
        .collect();
    // What the cut syncs left on disk: some nothing, some part, some everything.
    let mut kinds = HashSet::new();
    // From inside the greeting to past the end of the downloads. A provider object per logon:
    // the second logon to the same Maildir would otherwise get the store already open
    // (with the first one's port).
    for limit in [
        10, 120, 400, 900, 1600, 2500, 4000, 6000, 9000, 11_000, 13_000, 14_000, 15_000, 16_000,
        18_000, 25_000,
    ] {
        let local = tempfile::tempdir().unwrap();
        let maildir = local.path().join("mail");
        let cut = Proxy::start(server.port, Some(limit));
        let first = provider();
        let (_logon, store) = logon(&first, through(cut.port, server.settings(&maildir)));
        let report = sync(&store);
        let done = report.done.expect("Done");
        if done != sys::S_OK {
            assert_eq!(
                done,
                sys::MAPI_E_NETWORK_ERROR,
                "cut at {limit}: {report:?}"
            );
            assert_eq!(report.errors.len(), 1, "cut at {limit}: {report:?}");
            assert_eq!(report.errors[0].0, sys::MAPI_E_NETWORK_ERROR);
        }
        kinds.insert(match on_disk(&maildir).len() {
            0 => "nothing",
            9 => "everything",
            _ => "part",
        });
        drop(cut);

        let whole = Proxy::start(server.port, None);
        let second = provider();
        let (_logon2, store2) = logon(&second, through(whole.port, server.settings(&maildir)));
        let report = sync(&store2);
        assert_eq!(
            report.done,
            Some(sys::S_OK),
            "after a cut at {limit}: {report:?}"
        );
        assert!(
            report.errors.is_empty(),
            "after a cut at {limit}: {report:?}"
        );
        assert_eq!(on_disk(&maildir), expected, "after a cut at {limit}");
    }
    assert_eq!(kinds, ["nothing", "part", "everything"].into());
}

#[test]
fn a_folder_that_cannot_be_written_is_reported_and_the_others_sync() {
    let server = Dovecot::start();
    server.create("Broken");
    server.create("Fine");
    server.append("Broken", &message(1), false);
    server.append("Fine", &message(2), false);
    let local = tempfile::tempdir().unwrap();
    let maildir = local.path().join("mail");
    std::fs::create_dir_all(&maildir).unwrap();
    // A file where the folder's directory should be.
    std::fs::write(maildir.join(".Broken"), "in the way").unwrap();
    let provider = provider();
    let (_logon, store) = logon(&provider, server.settings(&maildir));
    let report = sync(&store);
    assert_eq!(report.done, Some(sys::S_OK), "{report:?}");
    assert_eq!(report.errors.len(), 1, "{report:?}");
    assert_eq!(report.errors[0].0, sys::MAPI_E_DISK_ERROR);
    assert!(report.errors[0].1.starts_with("Broken: "), "{report:?}");
    assert_eq!(report.message_steps(), 1);
    assert_eq!(on_disk(&maildir), [("Fine".to_owned(), 1)]);

    // Out of the way: the next sync brings it.
    std::fs::remove_file(maildir.join(".Broken")).unwrap();
    let report = sync(&store);
    assert!(report.errors.is_empty(), "{report:?}");
    assert_eq!(
        on_disk(&maildir),
        [("Broken".to_owned(), 1), ("Fine".to_owned(), 1)]
    );
}

#[test]
fn a_message_that_is_not_mime_is_kept_shown_as_text_and_reported_once() {
    let server = Dovecot::start();
    const ODD: &[u8] = b"no header here\r\n\r\njust text\r\n";
    server.append("INBOX", ODD, false);
    server.append("INBOX", &message(1), false);
    let local = tempfile::tempdir().unwrap();
    let maildir = local.path().join("mail");
    let provider = provider();
    let (_logon, store) = logon(&provider, server.settings(&maildir));
    let report = sync(&store);
    assert_eq!(report.done, Some(sys::S_OK), "{report:?}");
    assert_eq!(report.errors.len(), 1, "{report:?}");
    assert_eq!(report.errors[0].0, sys::MAPI_E_CORRUPT_DATA);
    assert_eq!(report.message_steps(), 2);
    assert_eq!(on_disk(&maildir).len(), 2);
    let rows = contents(&store, "Inbox", &[sys::PR_SUBJECT_W, sys::PR_MESSAGE_SIZE]);
    assert_eq!(rows.len(), 2);
    // Shown: no subject, its size.
    let odd = rows
        .iter()
        .find(|r| r[0].1 == OwnedValue::Error(sys::MAPI_E_NOT_FOUND))
        .expect("the message without a subject");
    assert_eq!(odd[1].1, OwnedValue::Long(ODD.len() as i32));
    assert!(rows.iter().any(|r| text(&r[0].1) == "Message 1"));
    // Reported once: the next sync says nothing about it.
    assert!(sync(&store).errors.is_empty());
}
