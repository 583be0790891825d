//! The sync over TLS with the test's Dovecot: implicit TLS (its IMAPS port) and STARTTLS
//! (its IMAP port), the certificate checked against the test's CA (the CA file setting);
//! a certificate for another name, or signed by a CA the store does not trust, refused
//! through `Error` and `Done` with a message naming the problem and never the password.

use std::path::Path;

use mapi_sync::props::OwnedValue;
use mapi_sync::sys;

mod support;

use support::dovecot::{Dovecot, PASSWORD};
use support::{contents, logon, provider, sync, text, wide, with, Settings};

/// The store's settings for `server` over `security` on `port`, reaching it as `host`,
/// trusting the CA in `ca` (if any).
fn over(
    server: &Dovecot,
    maildir: &Path,
    security: &str,
    port: u16,
    host: &str,
    ca: Option<&Path>,
) -> Settings {
    let mut s = server.settings(maildir);
    s = with(s, imap_store::PR_IMAP_SECURITY, wide(security));
    s = with(
        s,
        imap_store::PR_IMAP_PORT,
        OwnedValue::Long(i32::from(port)),
    );
    s = with(s, imap_store::PR_IMAP_SERVER, wide(host));
    if let Some(ca) = ca {
        s = with(s, imap_store::PR_IMAP_CA_FILE, wide(&ca.to_string_lossy()));
    }
    s
}

const MAIL: &[u8] = b"From: a@example.com\r\nSubject: Over TLS\r\n\r\nSecret\r\n";

#[test]
fn a_sync_over_implicit_tls_and_over_starttls_with_the_test_ca_trusted() {
    let server = Dovecot::start();
    server.append("INBOX", MAIL, false);
    for (security, port) in [("tls", server.tls_port), ("starttls", server.port)] {
        let local = tempfile::tempdir().unwrap();
        let maildir = local.path().join("mail");
        let logins_before = server.logins().len();
        let provider = provider();
        let settings = over(
            &server,
            &maildir,
            security,
            port,
            "127.0.0.1",
            Some(&server.ca_file()),
        );
        let (_logon, store) = logon(&provider, settings);
        let report = sync(&store);
        assert_eq!(
            report.done,
            Some(sys::S_OK),
            "{security}: {report:?}\n{}",
            server.log()
        );
        assert!(report.errors.is_empty(), "{security}: {report:?}");
        let rows = contents(&store, "Inbox", &[sys::PR_SUBJECT_W]);
        assert_eq!(rows.len(), 1);
        assert_eq!(text(&rows[0][0].1), "Over TLS");
        // Dovecot says the login came over TLS.
        let logins = server.logins();
        assert_eq!(logins.len(), logins_before + 1, "{logins:?}");
        assert!(logins.last().unwrap().contains(", TLS,"), "{logins:?}");
    }
}

#[test]
fn a_certificate_for_another_name_or_from_an_untrusted_ca_is_refused_clearly() {
    let server = Dovecot::start();
    server.append("INBOX", MAIL, false);
    let ca = server.ca_file();
    let other = server.other_ca_file();
    // The fixture's own login (the APPEND) is the only one.
    let logins = server.logins().len();
    // (security, port, host, CA file, what the message says)
    let cases: [(&str, u16, &str, Option<&Path>, &str); 6] = [
        // The certificate is for 127.0.0.1; the store was told "localhost".
        (
            "tls",
            server.tls_port,
            "localhost",
            Some(&ca),
            "not valid for name",
        ),
        (
            "starttls",
            server.port,
            "localhost",
            Some(&ca),
            "not valid for name",
        ),
        // Signed by a CA the store does not trust: another one, or none but the built-in.
        (
            "tls",
            server.tls_port,
            "127.0.0.1",
            Some(&other),
            "UnknownIssuer",
        ),
        (
            "starttls",
            server.port,
            "127.0.0.1",
            Some(&other),
            "UnknownIssuer",
        ),
        ("tls", server.tls_port, "127.0.0.1", None, "UnknownIssuer"),
        ("starttls", server.port, "127.0.0.1", None, "UnknownIssuer"),
    ];
    for (security, port, host, ca, says) in cases {
        let local = tempfile::tempdir().unwrap();
        let maildir = local.path().join("mail");
        let provider = provider();
        let (_logon, store) = logon(&provider, over(&server, &maildir, security, port, host, ca));
        let report = sync(&store);
        let case = format!("{security} to {host} trusting {ca:?}");
        assert_eq!(
            report.done,
            Some(sys::MAPI_E_LOGON_FAILED),
            "{case}: {report:?}"
        );
        assert_eq!(report.errors.len(), 1, "{case}: {report:?}");
        let (hr, message) = &report.errors[0];
        assert_eq!(*hr, sys::MAPI_E_LOGON_FAILED, "{case}");
        assert!(
            message.contains("the server's TLS certificate is refused"),
            "{case}: {message}"
        );
        assert!(message.contains(says), "{case}: {message}");
        assert!(
            message.contains(&format!("{host}:{port}")),
            "{case}: {message}"
        );
        assert!(!format!("{report:?}").contains(PASSWORD), "{case}");
        // Nothing was downloaded, and the password never went out.
        assert_eq!(
            std::fs::read_dir(maildir.join("new")).unwrap().count(),
            0,
            "{case}"
        );
    }
    assert_eq!(server.logins().len(), logins, "{:?}", server.logins());
}

#[test]
fn plaintext_to_a_server_that_is_not_loopback_is_refused_before_connecting() {
    let server = Dovecot::start();
    let local = tempfile::tempdir().unwrap();
    let maildir = local.path().join("mail");
    let provider = provider();
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never reached; the refusal comes first.
    let settings = over(&server, &maildir, "none", 143, "192.0.2.1", None);
    let (_logon, store) = logon(&provider, settings);
    let report = sync(&store);
    assert_eq!(report.done, Some(sys::MAPI_E_NO_SUPPORT), "{report:?}");
    assert!(
        report.errors[0]
            .1
            .contains("without TLS only a server on this machine"),
        "{report:?}"
    );
}
