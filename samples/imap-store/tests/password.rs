//! The IMAP password in the profile (issue 30 point 7): the service entry writes it only
//! protected (`imap_store::secret`: DPAPI on Windows, here a key file beside the Maildir
//! and ChaCha20-Poly1305), a logon with the profile's bytes syncs against Dovecot,
//! changed bytes fail the logon with a clear error, and the password, right or wrong,
//! shows in no progress text, error, logon error or Dovecot log line.

use mapi_harness::support::{Profile, Support};
use mapi_sync::mem::Allocators;
use mapi_sync::prelude::*;
use mapi_sync::props::OwnedValue;
use mapi_sync::sys::{self, ULONG};

mod support;

use support::dovecot::{Dovecot, PASSWORD};
use support::{provider, sync, try_logon, wide, with, Settings};

/// A message with a `Message-ID` of `id`.
fn message(id: &str) -> Vec<u8> {
    format!(
        "From: one@example.com\r\nTo: two@example.com\r\nSubject: {id}\r\n\
         Message-ID: <{id}@example.com>\r\n\r\nBody of {id}.\r\n"
    )
    .into_bytes()
}

/// The service added to a profile in `dir` and configured with `given` through
/// `ServiceEntry`: the profile file's bytes and the store provider's section.
fn configure(dir: &std::path::Path, given: &[(ULONG, OwnedValue)]) -> (Vec<u8>, Settings) {
    let profile = Profile::open(dir, "p").unwrap();
    let support = Object::new(Support::new(profile, Allocators::local()));
    mapi_harness::service::add_service(Some(imap_store::ServiceEntry), &support, given)
        .expect("ServiceEntry configures the service");
    let section: Settings = support.with_profile(|p| {
        p.section("provider")
            .expect("the provider's section")
            .iter()
            .map(|(t, v)| (*t, v.clone()))
            .collect()
    });
    (std::fs::read(dir.join("p.json")).unwrap(), section)
}

/// Every way `secret` could sit in `bytes`: UTF-8, UTF-16LE, hexadecimal, base64.
fn holds(bytes: &[u8], secret: &str) -> bool {
    let utf16: Vec<u8> = secret.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    let hex16: String = utf16.iter().map(|b| format!("{b:02x}")).collect();
    let lower = String::from_utf8_lossy(bytes).to_lowercase();
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    has(secret.as_bytes())
        || has(&utf16)
        || lower.contains(&hex)
        || lower.contains(&hex16)
        || base64_forms(secret).iter().any(|b| has(b.as_bytes()))
}

/// The base64 of `secret` at its three alignments, without the edge characters that
/// depend on the bytes around it.
fn base64_forms(secret: &str) -> Vec<String> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..3)
        .map(|shift| {
            let mut data = vec![0u8; shift];
            data.extend_from_slice(secret.as_bytes());
            let mut out = String::new();
            for chunk in data.chunks(3) {
                let mut b = [0u8; 3];
                b[..chunk.len()].copy_from_slice(chunk);
                let n = u32::from_be_bytes([0, b[0], b[1], b[2]]);
                for i in 0..=chunk.len() {
                    out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
                }
            }
            // Drop the characters that mix in the shift's zeros and the last partial one.
            let start = if shift == 0 { 0 } else { 4 };
            out[start.min(out.len())..out.len().saturating_sub(2)].to_owned()
        })
        .collect()
}

fn value(settings: &Settings, tag: ULONG) -> Option<&OwnedValue> {
    settings.iter().find(|(t, _)| *t == tag).map(|(_, v)| v)
}

#[test]
fn the_profile_holds_the_password_only_protected_and_a_logon_with_it_syncs() {
    let server = Dovecot::start();
    server.deliver("INBOX", ["a", "b", "c"].map(message));
    let local = tempfile::tempdir().unwrap();
    let maildir = local.path().join("mail");
    let (file, section) = configure(local.path(), &server.settings(&maildir));

    assert!(
        !holds(&file, PASSWORD),
        "{}",
        String::from_utf8_lossy(&file)
    );
    for (tag, v) in &section {
        let bytes = match v {
            OwnedValue::Binary(b) => b.clone(),
            OwnedValue::Unicode(w) => String::from_utf16_lossy(w).into_bytes(),
            other => format!("{other:?}").into_bytes(),
        };
        assert!(!holds(&bytes, PASSWORD), "0x{tag:08X} holds the password");
    }
    assert_eq!(
        value(&section, imap_store::PR_IMAP_PASSWORD),
        Some(&wide("")),
        "the clear setting is written empty"
    );
    let Some(OwnedValue::Binary(protected)) =
        value(&section, imap_store::PR_IMAP_PASSWORD_PROTECTED)
    else {
        panic!("no protected password in {section:?}");
    };
    assert!(protected.starts_with(imap_store::secret::MAGIC));
    assert_eq!(
        imap_store::secret::unprotect(protected, &maildir).unwrap(),
        PASSWORD
    );

    let provider = provider();
    let (_logon, store) = try_logon(&provider, section).expect("a logon");
    let report = sync(&store);
    assert_eq!(report.done, Some(sys::S_OK), "{report:?}");
    assert_eq!(report.message_steps(), 3, "{report:?}");
    assert!(!format!("{report:?}").contains(PASSWORD), "{report:?}");
    assert!(!server.log().contains(PASSWORD));
}

#[test]
fn changed_protected_bytes_fail_the_logon_with_a_clear_error() {
    let local = tempfile::tempdir().unwrap();
    let maildir = local.path().join("mail");
    // No server is reached: the logon fails first.
    let given = vec![
        (
            imap_store::PR_IMAP_MAILDIR,
            wide(&maildir.to_string_lossy()),
        ),
        (imap_store::PR_IMAP_SERVER, wide("127.0.0.1")),
        (imap_store::PR_IMAP_USER, wide("tester")),
        (imap_store::PR_IMAP_PASSWORD, wide(PASSWORD)),
        (imap_store::PR_IMAP_SECURITY, wide("none")),
    ];
    let (_, section) = configure(local.path(), &given);
    let Some(OwnedValue::Binary(good)) =
        value(&section, imap_store::PR_IMAP_PASSWORD_PROTECTED).cloned()
    else {
        panic!("no protected password");
    };
    let provider = provider();
    assert!(try_logon(&provider, section.clone()).is_ok());
    let tag = imap_store::PR_IMAP_PASSWORD_PROTECTED;
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("cut short", good[..good.len() / 2].to_vec()),
        ("not ours", b"some other program's bytes".to_vec()),
    ];
    for i in [0, good.len() / 2, good.len() - 1] {
        let mut bad = good.clone();
        bad[i] ^= 0x01;
        cases.push(("one bit changed", bad));
    }
    for (case, bytes) in cases {
        let settings = with(section.clone(), tag, OwnedValue::Binary(bytes));
        let Err((hr, text)) = try_logon(&provider, settings) else {
            panic!("{case}: the logon succeeded");
        };
        assert_eq!(hr, sys::MAPI_E_UNCONFIGURED, "{case}: {text}");
        assert!(
            text.contains("IMAP password in the profile (property 0x66080102) cannot be read")
                && text.contains("configure the account again"),
            "{case}: {text}"
        );
        assert!(!text.contains(PASSWORD), "{case}: {text}");
    }
    // The key gone: as clear.
    std::fs::remove_file(maildir.join(imap_store::secret::KEY_FILE)).unwrap();
    let Err((hr, text)) = try_logon(&provider, section) else {
        panic!("the logon succeeded without the key");
    };
    assert_eq!(hr, sys::MAPI_E_UNCONFIGURED, "{text}");
    assert!(text.contains("key is missing"), "{text}");
}

#[test]
fn configuring_again_keeps_the_protected_password_and_empties_an_old_clear_one() {
    let local = tempfile::tempdir().unwrap();
    let maildir = local.path().join("mail");
    let md = wide(&maildir.to_string_lossy());
    let given = vec![
        (imap_store::PR_IMAP_MAILDIR, md.clone()),
        (imap_store::PR_IMAP_SERVER, wide("127.0.0.1")),
        (imap_store::PR_IMAP_USER, wide("tester")),
        (imap_store::PR_IMAP_SECURITY, wide("none")),
    ];
    // A section an older version wrote: the password in clear.
    let profile = Profile::open(local.path(), "p").unwrap();
    let support = Object::new(Support::new(profile, Allocators::local()));
    support.with_profile(|p| {
        p.set("provider", imap_store::PR_IMAP_PASSWORD, wide(PASSWORD));
        p.save().unwrap();
    });
    drop(support);
    let (file, section) = configure(local.path(), &given);
    assert!(
        !holds(&file, PASSWORD),
        "{}",
        String::from_utf8_lossy(&file)
    );
    let Some(OwnedValue::Binary(protected)) =
        value(&section, imap_store::PR_IMAP_PASSWORD_PROTECTED)
    else {
        panic!("no protected password in {section:?}");
    };
    assert_eq!(
        imap_store::secret::unprotect(protected, &maildir).unwrap(),
        PASSWORD
    );
    // Configured again without a password: the protected one stays as it was.
    let (file2, section2) = configure(
        local.path(),
        &[(imap_store::PR_IMAP_PORT, OwnedValue::Long(1143))],
    );
    assert!(!holds(&file2, PASSWORD));
    assert_eq!(
        value(&section2, imap_store::PR_IMAP_PASSWORD_PROTECTED),
        value(&section, imap_store::PR_IMAP_PASSWORD_PROTECTED)
    );
    assert_eq!(
        value(&section2, imap_store::PR_IMAP_PORT),
        Some(&OwnedValue::Long(1143))
    );
}

#[test]
fn a_wrong_password_given_to_the_service_entry_shows_nowhere() {
    const WRONG: &str = "wr0ng-Pa55word";
    let server = Dovecot::start();
    let local = tempfile::tempdir().unwrap();
    let settings = with(
        server.settings(&local.path().join("mail")),
        imap_store::PR_IMAP_PASSWORD,
        wide(WRONG),
    );
    let (file, section) = configure(local.path(), &settings);
    assert!(!holds(&file, WRONG));
    let provider = provider();
    let (_logon, store) = try_logon(&provider, section).expect("a logon");
    let report = sync(&store);
    assert_eq!(report.done, Some(sys::MAPI_E_LOGON_FAILED), "{report:?}");
    let said = format!("{report:?}");
    assert!(said.contains("login as tester"), "{said}");
    for secret in [WRONG, PASSWORD] {
        assert!(!said.contains(secret), "{said}");
        assert!(!server.log().contains(secret), "{}", server.log());
    }
}

#[test]
fn a_password_that_cannot_be_protected_is_not_written_at_all() {
    let local = tempfile::tempdir().unwrap();
    // No Maildir: nowhere for the key (and no store), so the service entry refuses.
    let given = [
        (imap_store::PR_IMAP_SERVER, wide("127.0.0.1")),
        (imap_store::PR_IMAP_USER, wide("tester")),
        (imap_store::PR_IMAP_PASSWORD, wide(PASSWORD)),
    ];
    let profile = Profile::open(local.path(), "p").unwrap();
    let support = Object::new(Support::new(profile, Allocators::local()));
    let e = mapi_harness::service::add_service(Some(imap_store::ServiceEntry), &support, &given)
        .expect_err("no Maildir");
    assert!(e.contains("MAPI_E_UNCONFIGURED"), "{e}");
    assert!(!e.contains(PASSWORD), "{e}");
    let file = std::fs::read(local.path().join("p.json")).unwrap_or_default();
    assert!(
        !holds(&file, PASSWORD),
        "{}",
        String::from_utf8_lossy(&file)
    );
    let section = support.with_profile(|p| p.section("provider").cloned().unwrap_or_default());
    assert!(
        !section.contains_key(&imap_store::PR_IMAP_PASSWORD),
        "{section:?}"
    );
}
