//! The sync bench's pieces, shared by `benches/mbsync.rs` (`cargo xtask bench`: 10,000
//! messages) and `tests/bench.rs` (the same code at a tiny size, so it does not rot).
//!
//! One [`round`]: a throwaway Dovecot ([`Dovecot`]) with `n` messages put straight into
//! its inbox and indexed (an `EXAMINE`) before any clock starts; the sample's sync into an
//! empty store ([`Ours`]: `Logon` with the account in the profile, then Send/Receive
//! through `IMAPISync::SynchronizeInBackground` to `Done`, the path Outlook runs) and
//! mbsync ([`Mbsync`]: `mbsync -a` pulling the same server into an empty Maildir), one
//! after the other in the order given; then `added` new messages on the server, indexed,
//! and an incremental sync by each in the same order. Each client's messages are counted on
//! its disk after each sync: a client that missed one fails the round.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use mapi_sync::sys;

use super::dovecot::{Dovecot, PASSWORD, USER};

/// Message `i` of a bench mailbox: a plain text mail of 1 to 8 KB (its size varies with
/// `i`), and every tenth a multipart one (up to 16 KB) with a text and an HTML part and a small
/// attachment, so the parser sees what an inbox holds.
pub fn mail(i: usize) -> Vec<u8> {
    let line = "The quick brown fox jumps over the lazy dog, and the report is attached.\r\n";
    let lines = 12 + (i * 37) % 100;
    let body: String = line.repeat(lines);
    let head = format!(
        "From: Sender {s} <sender{s}@example.com>\r\n\
         To: Bench <bench@example.com>\r\n\
         Subject: Bench message {i}: quarterly figures\r\n\
         Message-ID: <bench-{i}@example.com>\r\n\
         Date: Tue, 1 Dec 2026 {h:02}:{m:02}:00 +0000\r\n\
         MIME-Version: 1.0\r\n",
        s = i % 50,
        h = (i / 60) % 24,
        m = i % 60,
    );
    let text = if i.is_multiple_of(10) {
        format!(
            "{head}Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n\
             --b{i}\r\nContent-Type: multipart/alternative; boundary=\"a{i}\"\r\n\r\n\
             --a{i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\
             --a{i}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>{body}</p>\r\n\
             --a{i}--\r\n\
             --b{i}\r\nContent-Type: application/octet-stream; name=\"data{i}.bin\"\r\n\
             Content-Disposition: attachment; filename=\"data{i}.bin\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgcICQoLDA0ODxAREhM=\r\n\
             --b{i}--\r\n"
        )
    } else {
        format!("{head}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}")
    };
    text.into_bytes()
}

/// The messages (files) in the Maildir folder at `dir` (`cur/` and `new/`).
pub fn files_in(dir: &Path) -> usize {
    ["cur", "new"]
        .iter()
        .map(|sub| std::fs::read_dir(dir.join(sub)).map_or(0, |d| d.count()))
        .sum()
}

/// The sample: a store with an empty Maildir, logged on with the server's account.
pub struct Ours {
    dir: tempfile::TempDir,
    store: sys::IMsgStore,
    _logon: sys::IMSLogon,
    _provider: sys::IMSProvider,
}

impl Ours {
    /// A new store on `dovecot`'s account, its Maildir empty.
    pub fn new(dovecot: &Dovecot) -> Ours {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::create_dir(dir.path().join("mail")).expect("the store's Maildir");
        let provider = super::provider();
        let (logon, store) = super::logon(&provider, dovecot.settings(&dir.path().join("mail")));
        Ours {
            dir,
            store,
            _logon: logon,
            _provider: provider,
        }
    }

    /// One Send/Receive to its `Done`, timed; fails on any error it reports.
    pub fn sync(&self) -> Duration {
        let began = Instant::now();
        let report = super::sync(&self.store);
        let took = began.elapsed();
        assert!(report.errors.is_empty(), "the sync failed: {report:?}");
        assert_eq!(report.done, Some(sys::S_OK), "the sync's Done");
        took
    }

    /// The messages in its inbox on disk.
    pub fn inbox(&self) -> usize {
        files_in(&self.dir.path().join("mail"))
    }
}

/// mbsync (isync) with a configuration of its own pulling the server's folders into an
/// empty Maildir, over the same plaintext loopback connection as [`Ours`].
pub struct Mbsync {
    dir: tempfile::TempDir,
}

/// Where Debian installs mbsync.
pub const MBSYNC: &str = "/usr/bin/mbsync";

impl Mbsync {
    /// A configuration for `dovecot` and an empty Maildir.
    pub fn new(dovecot: &Dovecot) -> Mbsync {
        assert!(
            Path::new(MBSYNC).exists(),
            "mbsync is not installed ({MBSYNC} is missing); the bench needs it: run as root \
             `apt-get install -y isync` (what `cargo xtask test` and `cargo xtask bench` install)"
        );
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mail = dir.path().join("mail");
        std::fs::create_dir(&mail).expect("mbsync's Maildir");
        let m = mail.display();
        // Far is the server, Near the Maildir (isync 1.4's words); `Sync Pull` with
        // `Create Near` mirrors the server's folders one way, as the sample does; the sync
        // state lives in each folder (`SyncState *`). `FSync no`: the sample does not
        // fsync the messages it writes either, so both keep the same promise on a crash
        // (mbsync's default, `FSync yes`, syncs each message to disk: 12 s instead of
        // about 2 for the 10,000 here). The password is the test server's.
        let config = format!(
            "FSync no\n\nIMAPAccount bench\nHost 127.0.0.1\nPort {port}\nUser {USER}\nPass {PASSWORD}\n\
             SSLType None\nAuthMechs LOGIN\n\n\
             IMAPStore far\nAccount bench\n\n\
             MaildirStore near\nPath {m}/\nInbox {m}/INBOX\nSubFolders Verbatim\n\n\
             Channel bench\nFar :far:\nNear :near:\nPatterns *\nCreate Near\nSync Pull\n\
             SyncState *\n",
            port = dovecot.port
        );
        std::fs::write(dir.path().join("mbsyncrc"), config).expect("mbsyncrc");
        Mbsync { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("mbsyncrc")
    }

    /// `mbsync -c <config> -q -a`, timed (the process from start to exit); fails when it
    /// does.
    pub fn sync(&self) -> Duration {
        let began = Instant::now();
        let out = Command::new(MBSYNC)
            .arg("-c")
            .arg(self.config())
            .args(["-q", "-a"])
            .output()
            .expect("mbsync runs");
        let took = began.elapsed();
        assert!(
            out.status.success(),
            "mbsync failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        took
    }

    /// The messages in its inbox on disk.
    pub fn inbox(&self) -> usize {
        files_in(&self.dir.path().join("mail").join("INBOX"))
    }
}

/// What one round measured.
#[derive(Debug, Clone, Copy)]
pub struct Round {
    pub ours_full: Duration,
    pub mbsync_full: Duration,
    pub ours_incremental: Duration,
    pub mbsync_incremental: Duration,
}

/// One round: `n` messages synced into an empty store and an empty mbsync Maildir, then
/// `added` more synced incrementally by both; the sample first when `ours_first`.
pub fn round(n: usize, added: usize, ours_first: bool) -> Round {
    let dovecot = Dovecot::start();
    dovecot.deliver("INBOX", (0..n).map(mail));
    assert_eq!(dovecot.count("INBOX") as usize, n, "the server's inbox");
    let ours = Ours::new(&dovecot);
    let mbsync = Mbsync::new(&dovecot);
    let both = |what: &str, expected: usize| -> (Duration, Duration) {
        let (o, m) = if ours_first {
            let o = ours.sync();
            (o, mbsync.sync())
        } else {
            let m = mbsync.sync();
            (ours.sync(), m)
        };
        assert_eq!(
            ours.inbox(),
            expected,
            "the sample's inbox after the {what} sync"
        );
        assert_eq!(
            mbsync.inbox(),
            expected,
            "mbsync's inbox after the {what} sync"
        );
        (o, m)
    };
    let (ours_full, mbsync_full) = both("full", n);
    // mbsync waits for the second a Maildir folder was last changed in to end before it
    // changes it again (so a reader comparing times cannot miss a change): run right
    // after its full sync, its incremental sync took a second more than it does when it
    // runs later, as it would for a user. A pause, not timed, gives both that "later".
    std::thread::sleep(Duration::from_millis(1100));
    dovecot.deliver("INBOX", (n..n + added).map(mail));
    assert_eq!(
        dovecot.count("INBOX") as usize,
        n + added,
        "the server's inbox"
    );
    let (ours_incremental, mbsync_incremental) = both("incremental", n + added);
    Round {
        ours_full,
        mbsync_full,
        ours_incremental,
        mbsync_incremental,
    }
}
