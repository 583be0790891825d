//! The sample against every rule of the MAPI host harness, installed as MAPI installs a
//! message service (its `ServiceEntry`, MAPISVC.INF, the account's settings through
//! `MSG_SERVICE_CONFIGURE`), synchronizing with a real Dovecot in the harness's sync
//! scenario; run twice on one Maildir, so the second run reads the messages the first
//! one's sync brought (with a body, an HTML body, an attachment and recipients).

use mapi_harness::{Config, MapiSvc, Outcome, Provider, Service};

mod support;

use support::dovecot::Dovecot;

const MAIL: &[u8] = b"From: Ann <ann@example.com>\r\n\
To: Bob <bob@example.com>, Carl <carl@example.com>\r\n\
Subject: Report\r\n\
Message-ID: <report@example.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"m\"\r\n\
\r\n\
--m\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
See the attachment.\r\n\
--m\r\n\
Content-Type: application/octet-stream; name=\"data.bin\"\r\n\
Content-Disposition: attachment; filename=\"data.bin\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
AAECAwQFBgc=\r\n\
--m--\r\n";

#[test]
fn the_sample_passes_every_rule_before_and_after_its_first_sync() {
    let server = Dovecot::start();
    server.append("INBOX", MAIL, false);
    // A second message, so that sorting the inbox has something to order.
    server.append(
        "INBOX",
        b"From: Dan <dan@example.com>\r\nSubject: Another\r\n\r\nHello\r\n",
        true,
    );
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    let config = || {
        let mut config = Config::new(
            Provider::Init(imap_store::MSProviderInit),
            Vec::new(),
            dir.path().to_owned(),
        );
        config.service = Some(Service {
            entry: Some(imap_store::ServiceEntry),
            props: server.settings(&maildir),
        });
        let inf = dir.path().join("MAPISVC.INF");
        let registered = MapiSvc::install_store(
            &inf,
            "ImapStore",
            "IMAP store",
            "imap_store",
            "ServiceEntry",
        );
        config.mapisvc = Some(registered.unwrap());
        config
    };
    // First: an empty Maildir (nothing to open as a message, no body to read yet); the
    // sync scenario brings the mail.
    let first = mapi_harness::run(config());
    let text = first.to_text();
    for (rule, outcome) in first.outcomes() {
        if outcome != Outcome::NotApplicable {
            assert_eq!(outcome, Outcome::Pass, "{rule}\n{text}");
        }
    }
    assert_eq!(first.exit_code(), 0, "{text}");
    // Then: every rule applies and passes.
    let second = mapi_harness::run(config());
    let text = second.to_text();
    for (rule, outcome) in second.outcomes() {
        assert_eq!(outcome, Outcome::Pass, "{rule}\n{text}");
    }
}
