//! A MAPI message store for an IMAP account, kept on disk as a Maildir and synchronized
//! through `IMAPISync`: the sample store a user would install. It is written on the store
//! framework (`mapi-sync-store`): this crate is the backend, safe Rust only
//! (`#![forbid(unsafe_code)]`); the framework answers MAPI.
//!
//! # What it is made of
//!
//! - [`maildir`]: the folders are Maildir++ folders (`.Parent.Child`), the messages files
//!   in `cur/` and `new/`, the read flag Maildir's `S`; every file is written into `tmp/`
//!   and renamed, so another reader of the tree sees whole files only.
//! - [`mime`]: a message file read through `mail-parser` (RFC 2047 headers, charsets,
//!   multipart bodies, attachments); a file it cannot read is kept and shown as text.
//! - [`sync`]: `IMAPISync` uploads the read flags changed in Outlook, then downloads what
//!   is new on the server into the Maildir, folder by folder, resuming where a stopped
//!   sync left off (UIDVALIDITY and the highest UID per folder in a state file, the UID in
//!   each file's name); over TLS (implicit or STARTTLS, rustls) unless the server is on
//!   this machine.
//! - [`pending`]: the read flags and deletions waiting for the next sync, in a small file
//!   per folder.
//! - [`names`]: IMAP folder names as Maildir++ names and as a person reads them.
//! - [`secret`]: the password as the profile keeps it, protected for the user (DPAPI on
//!   Windows, a key file and ChaCha20-Poly1305 elsewhere).
//!
//! # What Outlook changes
//!
//! - **Read flags** (`IMessage::SetReadFlag`, `IMAPIFolder::SetReadFlags`):
//!   [`Backend::set_read_state`] renames the message's file at once (Maildir's `S`, so a
//!   second reader of the Maildir sees it too) and notes the change in the folder's
//!   [`pending`] file, which the next sync uploads (`UID STORE +FLAGS.SILENT (\Seen)` or
//!   `-FLAGS.SILENT`, keyed by the file's `U=` and `V=`) before it downloads anything. A
//!   sync cut short, or a process killed, leaves the file, and the next sync uploads it.
//! - **Deletions** (`IMAPIFolder::DeleteMessages`): [`Backend::delete_message`] notes
//!   the deletion in the folder's [`pending`] file, then removes the message's file; the
//!   next sync uploads it before it downloads (`UID STORE +FLAGS.SILENT (\Deleted)`, then
//!   `UID EXPUNGE` of those UIDs only, so a message another client marked `\Deleted`
//!   stays).
//! - **Moves and new messages** (`CopyMessages`, `CreateMessage`): not yet; the store
//!   answers them `MAPI_E_NO_ACCESS` (the backend does not say
//!   [`WRITES_MESSAGES`](Backend::WRITES_MESSAGES)).
//! - Flags changed on the server after a message was downloaded are not brought down yet.
//!
//! The facts each relies on (Maildir's flags, Maildir++'s layout, the MAPI properties,
//! IMAP's commands) are in `FACTS.md` beside this crate, with their sources.
//!
//! # The profile
//!
//! The store's settings ([`SETTINGS`]), written by `ServiceEntry` (`store_provider!`) and
//! read at each logon: [`PR_IMAP_MAILDIR`] (the Maildir's path, made if missing),
//! [`PR_IMAP_SERVER`], [`PR_IMAP_PORT`] (by default 993 for `tls`, else 143),
//! [`PR_IMAP_USER`],
//! [`PR_IMAP_PASSWORD`], [`PR_IMAP_SECURITY`] (`tls`, the default, TLS from the first
//! byte, port 993 by default; `starttls`, port 143 by default, refused if the server does
//! not offer it; `none`, plaintext, only to a loopback address unless
//! [`PR_IMAP_INSECURE_PLAINTEXT`] is set), [`PR_IMAP_CA_FILE`] (a PEM file of certificate
//! authorities trusted besides Mozilla's, which `webpki-roots` builds in: a company's own
//! CA, or a test's) and [`PR_IMAP_INSECURE_PLAINTEXT`] (a boolean; its name says what it
//! does). The server's certificate is always verified: a certificate for another name, or
//! from an authority not trusted, ends the sync with `MAPI_E_LOGON_FAILED` through
//! `Error` and `Done`, the message naming the problem (`certificate not valid for name
//! "localhost"`, `UnknownIssuer`).
//!
//! The password is never written into the profile in clear: the service entry
//! ([`protect_password`], given to `store_provider!` as `protect`) turns the
//! [`PR_IMAP_PASSWORD`] it is given into [`PR_IMAP_PASSWORD_PROTECTED`] and writes an
//! empty [`PR_IMAP_PASSWORD`]; each logon unprotects it ([`secret`]). On Windows the
//! bytes are DPAPI's (`CryptProtectData` for the current user, no UI, through
//! `mapi_sync::dpapi`); elsewhere a random key in `imap-store.key` in the Maildir's
//! folder (mode `0600`) seals it with ChaCha20-Poly1305. Bytes that do not unprotect
//! (changed, another user's or machine's, the key gone) fail the logon with
//! `MAPI_E_UNCONFIGURED` and a `MAPIERROR` naming the setting and saying to configure the
//! account again (MAPI then calls the service entry). The password shows in no
//! progress text, error or log: `LOGIN` failures name the user only.
//!
//! # Crates, and what they cost
//!
//! - `mail-parser` 0.11 (Stalwart Labs; the MIME parser of the Stalwart mail server, kept
//!   and released often; no dependency but a small proc-macro, `hashify`, and with
//!   `full_encoding` `encoding_rs` for the multi-byte charsets). 1.x needs a newer Rust
//!   than the project's toolchain.
//! - `imap` 3.0 alpha (rust-imap, the blocking IMAP client most Rust mail tools use; on
//!   any `Read + Write` stream, so no OpenSSL). Its parser is `imap-proto` on `nom` 7 and
//!   it uses `regex`, both already built for the workspace's generator; new are
//!   `imap-proto`, `ouroboros`, `chrono`, `base64`, `bufstream`. The 2.4 line needs `nom`
//!   5 and `native-tls` for TLS. Its own TLS (`rustls-tls`, through `rustls-connector`)
//!   is not used: it takes the platform's roots only, with no way to add a CA file, and
//!   says `STARTTLS` only inside its own set-up; so the store runs the crate on its own
//!   stream (plain TCP or rustls over it), and for STARTTLS writes the one command itself
//!   and parses the answer with `imap-proto`.
//! - `rustls` 0.23 (TLS in Rust, no OpenSSL) with the **`ring`** provider, TLS 1.2 and
//!   1.3, no logging; `webpki-roots` (Mozilla's root certificates as data: the same trust
//!   on Windows and Linux, nothing read from the system) and `rustls-pki-types` (its
//!   `pem` reader, for the CA file). `ring` over `aws-lc-rs` (rustls's default) because
//!   it is the lighter build: a few C and assembly files through `cc`, where `aws-lc-rs`
//!   compiles the whole AWS-LC C library (not measured here: ring's cost, below, was
//!   the budget); the price is that rustls 0.23.48 deprecates `ring::default_provider`
//!   for lacking post-quantum key exchange (X25519MLKEM768), which only `aws-lc-rs`
//!   offers today: the sessions use classic ECDHE.
//! - `tempfile`: the state and pending files, written and renamed atomically; the
//!   password's key file (made with mode `0600`).
//! - `ring` (off Windows; already built for rustls, so nothing added): the password's
//!   ChaCha20-Poly1305 and the random key and nonces (see [`secret`] for why not the
//!   `chacha20poly1305` crate). Windows uses DPAPI through `windows-sys`, the runtime's.
//! - Tests only: `rcgen` (with `ring`, already built for rustls) makes the test CA and
//!   the server's certificate, so no `openssl` command is needed.
//!
//! Measured: `cargo clean -p` of the 16 crates IMAP and MIME brought and of this one,
//! then `cargo test -p imap-store --no-run --timings` (debug, the rest of the workspace
//! already built, on the project's 2-core machine while other builds ran on it): 36.7 s
//! of wall time, 22.4 s of user CPU. By crate: `imap-proto` 7.8 s, `mail-parser` 6.4 s,
//! `encoding_rs` 6.3 s (without `full_encoding` it goes, and with it the multi-byte
//! charsets), `imap` 4.4 s, `chrono` 3.4 s, `ouroboros_macro` 3.1 s, `hashify` 2.3 s, the
//! nine others under 1 s each; this crate itself about 14 s as a library and again as its
//! unit-test binary (the framework's generics made for its backend, as for eml-store).
//!
//! TLS, measured the same way (`cargo clean -p` of the 18 crates it brought and of this
//! one, the same machine, as loaded): 54.6 s of wall time and 42.7 s of user CPU for the
//! whole `cargo test -p imap-store --no-run`, of which TLS's nine crates take about 28 s
//! of unit time: `rustls` 11.9 s, `ring` 10.7 s (4.8 s of Rust, 5.0 s compiling its C
//! and assembly in its build script, 0.9 s building that script), `rustls-webpki` 2.5 s,
//! `rustls-pki-types` 1.5 s, `zeroize`, `subtle`, `getrandom` 0.2, `untrusted` and
//! `webpki-roots` under 0.5 s each; the test-only `rcgen` and its eight (`deranged`,
//! `time`, `yasna`, `pem`, …) about 9 s. `cargo clippy` builds `ring`'s C again for its
//! own profile (about 5 s).

#![forbid(unsafe_code)]

pub mod maildir;
pub mod mime;
pub mod names;
pub mod pending;
pub mod secret;
pub mod sync;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::UNIX_EPOCH;

use mapi_sync::props::{prop_id, prop_tag, OwnedValue, Prop, PropValue};
use mapi_sync::sys::{self, ULONG};
use mapi_sync::{Error, Progress, Result, SyncRequest};
use mapi_sync_store::backend::{Backend, FolderInfo, MessageRef, StoreInfo};
use mapi_sync_store::entry_id::{Special, StoreUid};
use mapi_sync_store::ll::provider::LogonRequest;
use mapi_sync_store::service::Settings;

use maildir::{Entry, Maildir};
use sync::{Account, Security};

/// The provider's `MAPIUID` (`PR_MDB_PROVIDER`): the same for every IMAP store.
pub const PROVIDER_UID: [u8; 16] = *b"mapi-sync imap 1";

/// The Maildir's path (`PT_UNICODE`).
pub const PR_IMAP_MAILDIR: ULONG = prop_tag(sys::PT_UNICODE, 0x6600);
/// The server's host name or address (`PT_UNICODE`).
pub const PR_IMAP_SERVER: ULONG = prop_tag(sys::PT_UNICODE, 0x6601);
/// The server's port (`PT_LONG`); when absent, 993 for `tls` and 143 otherwise.
pub const PR_IMAP_PORT: ULONG = prop_tag(sys::PT_LONG, 0x6602);
/// The user to log in as (`PT_UNICODE`).
pub const PR_IMAP_USER: ULONG = prop_tag(sys::PT_UNICODE, 0x6603);
/// The password as it is given to the service entry (`PT_UNICODE`). Never written in
/// clear: the service entry ([`protect_password`]) writes it protected into
/// [`PR_IMAP_PASSWORD_PROTECTED`] and an empty string here (over any older value). A
/// logon still takes a non-empty one (a profile section made by hand).
pub const PR_IMAP_PASSWORD: ULONG = prop_tag(sys::PT_UNICODE, 0x6604);
/// `tls`, `starttls` or `none` (`PT_UNICODE`); `tls` when absent.
pub const PR_IMAP_SECURITY: ULONG = prop_tag(sys::PT_UNICODE, 0x6605);
/// A PEM file of certificate authorities to trust besides the built-in ones
/// (`PT_UNICODE`); none when absent.
pub const PR_IMAP_CA_FILE: ULONG = prop_tag(sys::PT_UNICODE, 0x6606);
/// Whether `none` may reach a server that is not on this machine (`PT_BOOLEAN`): the
/// password and the mail then cross the network in clear. `false` when absent.
pub const PR_IMAP_INSECURE_PLAINTEXT: ULONG = prop_tag(sys::PT_BOOLEAN, 0x6607);

/// The password protected for the user ([`secret::protect`]: DPAPI's blob on Windows, a
/// key file beside the Maildir and ChaCha20-Poly1305 elsewhere) (`PT_BINARY`).
pub const PR_IMAP_PASSWORD_PROTECTED: ULONG = prop_tag(sys::PT_BINARY, 0x6608);

/// Every setting, as `store_provider!` is given them.
pub const SETTINGS: [ULONG; 9] = [
    PR_IMAP_MAILDIR,
    PR_IMAP_SERVER,
    PR_IMAP_PORT,
    PR_IMAP_USER,
    PR_IMAP_PASSWORD,
    PR_IMAP_SECURITY,
    PR_IMAP_CA_FILE,
    PR_IMAP_INSECURE_PLAINTEXT,
    PR_IMAP_PASSWORD_PROTECTED,
];

/// `PR_HTML` (`PidTagHtml`, 0x1013, `PT_BINARY`): not in mingw-w64's `mapitags.h`.
pub const PR_HTML: ULONG = prop_tag(sys::PT_BINARY, 0x1013);
/// `PR_INTERNET_MESSAGE_ID_W` (`PidTagInternetMessageId`, 0x1035).
pub const PR_INTERNET_MESSAGE_ID_W: ULONG = prop_tag(sys::PT_UNICODE, 0x1035);
/// `PR_INTERNET_CPID` (`PidTagInternetCodepage`, 0x3FDE): the code page of `PR_HTML`.
pub const PR_INTERNET_CPID: ULONG = prop_tag(sys::PT_LONG, 0x3FDE);
/// `PR_FLAG_STATUS` (`PidTagFlagStatus`, 0x1090): 2 is "flagged for follow-up".
pub const PR_FLAG_STATUS: ULONG = prop_tag(sys::PT_LONG, 0x1090);
/// `PR_MSG_STATUS` bits (`PidTagMessageStatus`) that `mapidefs.h` lacks.
pub const MSGSTATUS_DRAFT: ULONG = 0x100;
/// The message was answered.
pub const MSGSTATUS_ANSWERED: ULONG = 0x200;

/// UTF-8's code page.
const CP_UTF8: i32 = 65001;

/// The inbox's folder id (the others are their directories' names, `.Name`).
const INBOX: &[u8] = b"INBOX";

/// What separates a file's id from the numbers of the attachments a message is embedded
/// in (Maildir unique names never hold it).
const EMBEDDED: u8 = b'#';

use mapi_sync_store::tags::{PR_ATTACH_CONTENT_ID_W, PR_SMTP_ADDRESS_W};

/// A store's own `MAPIUID`, from its Maildir's path (two FNV-1a hashes), so identifiers
/// stay the same from one logon to the next.
pub fn store_uid(maildir: &Path) -> StoreUid {
    let path = maildir.to_string_lossy();
    let fnv = |offset: u64| {
        path.bytes().fold(offset, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
        })
    };
    let mut uid = [0; 16];
    uid[..8].copy_from_slice(&fnv(0xCBF2_9CE4_8422_2325).to_le_bytes());
    uid[8..].copy_from_slice(&fnv(0x6C62_272E_07BB_0142).to_le_bytes());
    StoreUid(uid)
}

/// Seconds since 1970 as a `FILETIME`.
fn filetime(unix: i64) -> Option<u64> {
    u64::try_from(unix.checked_add(11_644_473_600)?)
        .ok()?
        .checked_mul(10_000_000)
}

/// The folder id of a Maildir++ name, and back.
fn folder_id(maildir_name: &str) -> Vec<u8> {
    if maildir_name.is_empty() {
        INBOX.to_vec()
    } else {
        format!(".{maildir_name}").into_bytes()
    }
}

fn maildir_name(folder: &[u8]) -> Result<&str> {
    if folder == INBOX {
        return Ok("");
    }
    std::str::from_utf8(folder)
        .ok()
        .and_then(|f| f.strip_prefix('.'))
        .ok_or_else(|| Error::with_message(sys::MAPI_E_NOT_FOUND, "no such folder"))
}

/// What a contents table shows of a message, read once from its file (its content does
/// not change; its flags, in its name, are read each time).
#[derive(Debug)]
struct Summary {
    subject: Option<String>,
    sender_name: Option<String>,
    sender_address: Option<String>,
    from_name: Option<String>,
    from_address: Option<String>,
    to: String,
    cc: String,
    bcc: String,
    message_id: Option<String>,
    submitted: Option<u64>,
    delivered: Option<u64>,
    size: i32,
    has_attachments: bool,
}

impl Summary {
    fn of(parsed: &mime::Parsed, file: &Path) -> Summary {
        let metadata = std::fs::metadata(file).ok();
        let delivered = metadata
            .as_ref()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .and_then(|d| filetime(i64::try_from(d.as_secs()).ok()?));
        let from = parsed.from.clone().unwrap_or_default();
        let sender = parsed.sender.clone().unwrap_or_else(|| from.clone());
        Summary {
            subject: parsed.subject.clone(),
            sender_name: sender.name.or_else(|| sender.address.clone()),
            sender_address: sender.address,
            from_name: from.name.or_else(|| from.address.clone()),
            from_address: from.address,
            to: mime::display_list(&parsed.to),
            cc: mime::display_list(&parsed.cc),
            bcc: mime::display_list(&parsed.bcc),
            message_id: parsed.message_id.clone(),
            submitted: parsed.date.and_then(filetime),
            delivered: delivered.or(parsed.date.and_then(filetime)),
            size: metadata.map_or(0, |m| i32::try_from(m.len()).unwrap_or(i32::MAX)),
            has_attachments: !parsed.attachments.is_empty(),
        }
    }
}

/// Calls `answer` with the summary's properties (and `parsed`'s bodies and headers when
/// given) for a message with Maildir flags `f`.
fn with_props(
    summary: &Summary,
    f: maildir::Flags,
    parsed: Option<&mime::Parsed>,
    answer: &mut dyn FnMut(&[Prop<'_>]),
) -> Result<()> {
    let mut flags = 0;
    if f.seen {
        flags |= sys::MSGFLAG_READ;
    }
    if summary.has_attachments {
        flags |= sys::MSGFLAG_HASATTACH;
    }
    flags |= if f.draft {
        sys::MSGFLAG_UNSENT
    } else {
        sys::MSGFLAG_UNMODIFIED
    };
    let mut status = 0;
    if f.replied {
        status |= MSGSTATUS_ANSWERED;
    }
    if f.trashed {
        status |= sys::MSGSTATUS_DELMARKED;
    }
    if f.draft {
        status |= MSGSTATUS_DRAFT;
    }
    let mut props = vec![
        Prop::new(sys::PR_MESSAGE_CLASS_W, PropValue::Str("IPM.Note"))?,
        Prop::new(sys::PR_MESSAGE_SIZE, PropValue::Long(summary.size))?,
        Prop::new(sys::PR_MESSAGE_FLAGS, PropValue::Long(flags as i32))?,
        Prop::new(sys::PR_MSG_STATUS, PropValue::Long(status as i32))?,
        Prop::new(
            sys::PR_HASATTACH,
            PropValue::Boolean(summary.has_attachments),
        )?,
        Prop::new(sys::PR_DISPLAY_TO_W, PropValue::Str(&summary.to))?,
        Prop::new(sys::PR_DISPLAY_CC_W, PropValue::Str(&summary.cc))?,
        Prop::new(sys::PR_DISPLAY_BCC_W, PropValue::Str(&summary.bcc))?,
    ];
    let text = [
        (sys::PR_SUBJECT_W, &summary.subject),
        (sys::PR_SENDER_NAME_W, &summary.sender_name),
        (sys::PR_SENDER_EMAIL_ADDRESS_W, &summary.sender_address),
        (sys::PR_SENT_REPRESENTING_NAME_W, &summary.from_name),
        (
            sys::PR_SENT_REPRESENTING_EMAIL_ADDRESS_W,
            &summary.from_address,
        ),
        (PR_INTERNET_MESSAGE_ID_W, &summary.message_id),
    ];
    for (tag, value) in text {
        if let Some(v) = value {
            props.push(Prop::new(tag, PropValue::Str(v))?);
        }
    }
    if summary.sender_address.is_some() {
        props.push(Prop::new(
            sys::PR_SENDER_ADDRTYPE_W,
            PropValue::Str("SMTP"),
        )?);
    }
    if summary.from_address.is_some() {
        props.push(Prop::new(
            sys::PR_SENT_REPRESENTING_ADDRTYPE_W,
            PropValue::Str("SMTP"),
        )?);
    }
    if f.flagged {
        props.push(Prop::new(PR_FLAG_STATUS, PropValue::Long(2))?);
    }
    if let Some(t) = summary.submitted {
        props.push(Prop::new(
            sys::PR_CLIENT_SUBMIT_TIME,
            PropValue::SysTime(t),
        )?);
    }
    if let Some(t) = summary.delivered {
        props.push(Prop::new(
            sys::PR_MESSAGE_DELIVERY_TIME,
            PropValue::SysTime(t),
        )?);
    }
    if let Some(p) = parsed {
        props.push(Prop::new(
            sys::PR_TRANSPORT_MESSAGE_HEADERS_W,
            PropValue::Str(&p.headers),
        )?);
        if let Some(body) = &p.body {
            props.push(Prop::new(sys::PR_BODY_W, PropValue::Str(body))?);
        }
        if let Some(html) = &p.html {
            props.push(Prop::new(PR_HTML, PropValue::Binary(html.as_bytes()))?);
            props.push(Prop::new(PR_INTERNET_CPID, PropValue::Long(CP_UTF8))?);
        }
    }
    answer(&props);
    Ok(())
}

/// A message's key among the summaries: its folder's id and its unique name.
type SummaryKey = (Vec<u8>, String);

/// The store: a Maildir, and the IMAP account it mirrors.
pub struct ImapBackend {
    maildir: Maildir,
    account: Account,
    uid: StoreUid,
    display_name: String,
    /// Summaries read, by folder id and unique name.
    summaries: RwLock<HashMap<SummaryKey, Arc<Summary>>>,
    /// How it tells the store what a sync changed.
    events: std::sync::Mutex<Option<mapi_sync_store::events::Events>>,
}

impl ImapBackend {
    /// The store of the Maildir at `maildir` (made if missing) for `account`.
    pub fn open(maildir: &Path, account: Account) -> Result<ImapBackend> {
        let md = Maildir::open(maildir).map_err(|e| {
            Error::with_message(
                sys::MAPI_E_LOGON_FAILED,
                format!("{}: {e}", maildir.display()),
            )
        })?;
        Ok(ImapBackend {
            display_name: format!("IMAP: {}@{}", account.user, account.server),
            uid: store_uid(maildir),
            maildir: md,
            account,
            summaries: RwLock::new(HashMap::new()),
            events: std::sync::Mutex::new(None),
        })
    }

    /// The account of `settings`; `MAPI_E_UNCONFIGURED` naming what is missing.
    pub fn account(settings: &Settings) -> Result<(PathBuf, Account)> {
        let maildir = settings.require_text(PR_IMAP_MAILDIR, "Maildir folder")?;
        let server = settings.require_text(PR_IMAP_SERVER, "IMAP server")?;
        let user = settings.require_text(PR_IMAP_USER, "IMAP user")?;
        let password = match settings.text(PR_IMAP_PASSWORD).filter(|p| !p.is_empty()) {
            Some(clear) => clear,
            None => match settings
                .get(PR_IMAP_PASSWORD_PROTECTED)
                .map(|v| v.as_value())
            {
                None => String::new(),
                Some(PropValue::Binary(bytes)) => secret::unprotect(bytes, Path::new(&maildir))
                    .map_err(|e| {
                        Error::with_message(
                            sys::MAPI_E_UNCONFIGURED,
                            format!(
                                "the IMAP password in the profile (property \
                                 0x{PR_IMAP_PASSWORD_PROTECTED:08X}) cannot be read: {}; \
                                 configure the account again with its password",
                                e.message().unwrap_or("no reason given")
                            ),
                        )
                    })?,
                Some(_) => {
                    return Err(Error::with_message(
                        sys::MAPI_E_UNCONFIGURED,
                        format!(
                            "the IMAP password in the profile (property \
                             0x{PR_IMAP_PASSWORD_PROTECTED:08X}) is not binary"
                        ),
                    ))
                }
            },
        };
        let security = match settings.text(PR_IMAP_SECURITY) {
            None => Security::Tls,
            Some(t) => Security::parse(&t).ok_or_else(|| {
                Error::with_message(
                    sys::MAPI_E_UNCONFIGURED,
                    format!("IMAP security {t:?} is none of tls, starttls, none"),
                )
            })?,
        };
        let port = match settings.get(PR_IMAP_PORT).map(|v| v.as_value()) {
            None => security.default_port(),
            Some(PropValue::Long(p)) if (1..=65535).contains(&p) => p as u16,
            Some(_) => {
                return Err(Error::with_message(
                    sys::MAPI_E_UNCONFIGURED,
                    "the IMAP port is not a number from 1 to 65535",
                ))
            }
        };
        let insecure_plaintext = match settings.get(PR_IMAP_INSECURE_PLAINTEXT) {
            None => false,
            Some(v) => match v.as_value() {
                PropValue::Boolean(b) => b,
                _ => {
                    return Err(Error::with_message(
                        sys::MAPI_E_UNCONFIGURED,
                        "the insecure-plaintext setting is not a boolean",
                    ))
                }
            },
        };
        Ok((
            PathBuf::from(maildir),
            Account {
                server,
                port,
                user,
                password,
                security,
                ca_file: settings.text(PR_IMAP_CA_FILE).map(PathBuf::from),
                insecure_plaintext,
            },
        ))
    }

    /// The backend of a logon: the Maildir and account the profile names.
    pub fn for_logon(request: &LogonRequest<'_>) -> Result<ImapBackend> {
        let (maildir, account) = Self::account(request.settings)?;
        ImapBackend::open(&maildir, account)
    }

    /// The Maildir.
    pub fn maildir(&self) -> &Maildir {
        &self.maildir
    }

    /// Message `id` of folder `folder` as the parser reads it (with its attachments),
    /// for what the framework does not show yet.
    /// An id with `#` (`EMBEDDED`) names a message embedded in an attachment: the file's
    /// id, then each attachment's number (`unique#2`, `unique#2#0`).
    pub fn parsed(&self, folder: &[u8], id: &[u8]) -> Result<(Entry, mime::Parsed)> {
        let mut path = id.split(|&b| b == EMBEDDED);
        let entry = self.entry(folder, path.next().unwrap_or_default())?;
        let bytes = std::fs::read(&entry.path).map_err(|e| {
            Error::with_message(
                sys::MAPI_E_DISK_ERROR,
                format!("{}: {e}", entry.path.display()),
            )
        })?;
        let mut parsed = mime::parse(&bytes);
        for num in path {
            let inner = std::str::from_utf8(num)
                .ok()
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| parsed.attachments.get(n))
                .filter(|a| a.is_message)
                .ok_or_else(|| {
                    Error::with_message(sys::MAPI_E_NOT_FOUND, "no such embedded message")
                })?;
            parsed = mime::parse(&inner.data);
        }
        Ok((entry, parsed))
    }

    /// Each folder's message ids (unique names), by folder id: what a sync is compared
    /// against. A folder that cannot be read counts as empty.
    fn snapshot(&self) -> std::collections::BTreeMap<Vec<u8>, HashSet<String>> {
        let names = self.maildir.folders().unwrap_or_default();
        names
            .iter()
            .map(|name| {
                let ids = self.maildir.unique_names(name).unwrap_or_default();
                (folder_id(name), ids)
            })
            .collect()
    }

    fn entry(&self, folder: &[u8], id: &[u8]) -> Result<Entry> {
        let name = maildir_name(folder)?;
        let unique = std::str::from_utf8(id).ok();
        let found = match unique {
            Some(u) if !u.contains(['/', '\\']) => self.maildir.find(name, u).ok().flatten(),
            _ => None,
        };
        found.ok_or_else(|| {
            Error::with_message(
                sys::MAPI_E_NOT_FOUND,
                format!("no message {:?}", String::from_utf8_lossy(id)),
            )
        })
    }

    fn summary(&self, folder: &[u8], entry: &Entry) -> Result<Arc<Summary>> {
        let key = (folder.to_vec(), entry.unique.clone());
        if let Some(s) = self
            .summaries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(s.clone());
        }
        let bytes = std::fs::read(&entry.path).map_err(|e| {
            Error::with_message(
                sys::MAPI_E_NOT_FOUND,
                format!("{}: {e}", entry.path.display()),
            )
        })?;
        let summary = Arc::new(Summary::of(&mime::parse(&bytes), &entry.path));
        self.summaries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, summary.clone());
        Ok(summary)
    }
}

impl Backend for ImapBackend {
    /// One sync at a time: one account, one connection, one Maildir.
    const ONE_AT_A_TIME: bool = true;

    /// `PR_HASATTACH` and `PR_DISPLAY_TO`/`CC`/`BCC` come with the summary read once
    /// per file, so a contents table does not parse each message again.
    const GIVES_SUMMARY: bool = true;

    /// Each MIME attachment: by value, or an embedded message (`message/rfc822`).
    fn attachments(
        &self,
        folder: &[u8],
        id: &[u8],
        each: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        let (_, parsed) = self.parsed(folder, id)?;
        for a in &parsed.attachments {
            let method = if a.is_message {
                sys::ATTACH_EMBEDDED_MSG
            } else {
                sys::ATTACH_BY_VALUE
            };
            let size = i32::try_from(a.data.len()).unwrap_or(i32::MAX);
            let mut props = vec![
                Prop::new(sys::PR_ATTACH_METHOD, PropValue::Long(method as i32))?,
                Prop::new(sys::PR_ATTACH_SIZE, PropValue::Long(size))?,
                Prop::new(sys::PR_ATTACH_MIME_TAG_W, PropValue::Str(&a.mime_type))?,
            ];
            if let Some(name) = &a.name {
                props.push(Prop::new(
                    sys::PR_ATTACH_LONG_FILENAME_W,
                    PropValue::Str(name),
                )?);
                props.push(Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str(name))?);
            }
            if let Some(cid) = &a.content_id {
                props.push(Prop::new(PR_ATTACH_CONTENT_ID_W, PropValue::Str(cid))?);
            }
            if !a.is_message {
                props.push(Prop::new(
                    sys::PR_ATTACH_DATA_BIN,
                    PropValue::Binary(&a.data),
                )?);
            }
            each(&props);
        }
        Ok(())
    }

    fn embedded_message(&self, folder: &[u8], id: &[u8], num: u32) -> Result<Vec<u8>> {
        let (_, parsed) = self.parsed(folder, id)?;
        match parsed.attachments.get(num as usize) {
            Some(a) if a.is_message => Ok([id, &[EMBEDDED], num.to_string().as_bytes()].concat()),
            _ => Err(Error::new(sys::MAPI_E_NOT_FOUND)),
        }
    }

    /// The `To`, `Cc` and `Bcc` mailboxes, as SMTP recipients.
    fn recipients(
        &self,
        folder: &[u8],
        id: &[u8],
        each: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        let (_, parsed) = self.parsed(folder, id)?;
        let lists = [
            (sys::MAPI_TO, &parsed.to),
            (sys::MAPI_CC, &parsed.cc),
            (sys::MAPI_BCC, &parsed.bcc),
        ];
        for (kind, list) in lists {
            for m in list {
                let mut props = vec![
                    Prop::new(sys::PR_RECIPIENT_TYPE, PropValue::Long(kind as i32))?,
                    Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str(m.display()))?,
                ];
                if let Some(address) = &m.address {
                    props.push(Prop::new(sys::PR_EMAIL_ADDRESS_W, PropValue::Str(address))?);
                    props.push(Prop::new(PR_SMTP_ADDRESS_W, PropValue::Str(address))?);
                    props.push(Prop::new(sys::PR_ADDRTYPE_W, PropValue::Str("SMTP"))?);
                }
                each(&props);
            }
        }
        Ok(())
    }

    /// Downloads what is new, then tells the store what arrived (new mail in each
    /// folder) and what went (a folder downloaded again after its UIDVALIDITY changed),
    /// also after a sync that failed part way.
    fn synchronize(&self, _request: &SyncRequest, progress: &Progress) -> Result<()> {
        let before = self.snapshot();
        let result = sync::synchronize(&self.account, &self.maildir, progress).map(|_| ());
        let events = self
            .events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(events) = events {
            let after = self.snapshot();
            if before.keys().ne(after.keys()) {
                events.folders_changed();
            }
            for (folder, ids) in &after {
                let old = before.get(folder);
                for id in ids.iter().filter(|id| old.is_none_or(|o| !o.contains(*id))) {
                    events.new_mail(folder, id.as_bytes());
                }
            }
            for (folder, ids) in &before {
                let now = after.get(folder);
                for id in ids.iter().filter(|id| now.is_none_or(|n| !n.contains(*id))) {
                    events.message_removed(folder, id.as_bytes());
                }
            }
        }
        result
    }

    /// Maildir's way: the file renamed with or without `S`, at once; and, for a message
    /// the sync downloaded (`U=` and `V=` in its name), the state noted for the next sync
    /// to upload ([`pending`]; noted first, so a process killed between the two still
    /// uploads it, and the sync then renames the file too).
    fn set_read_state(&self, folder: &[u8], id: &[u8], read: bool) -> Result<bool> {
        let entry = self.entry(folder, id)?;
        if entry.flags.seen == read {
            return Ok(true);
        }
        let dir = self.maildir.folder_dir(maildir_name(folder)?);
        let v = entry.field("V").and_then(|v| v.parse::<u32>().ok());
        let u = entry.field("U").and_then(|u| u.parse::<u32>().ok());
        if let (Some(v), Some(u)) = (v, u) {
            pending::set(&dir, (v, u), read)
                .map_err(|e| Error::with_message(sys::MAPI_E_DISK_ERROR, e.to_string()))?;
        }
        let flags = maildir::Flags {
            seen: read,
            ..entry.flags
        };
        self.maildir.set_flags(&entry, flags).map_err(|e| {
            Error::with_message(
                sys::MAPI_E_DISK_ERROR,
                format!("{}: {e}", entry.path.display()),
            )
        })?;
        Ok(true)
    }

    fn delete_message(&self, folder: &[u8], id: &[u8]) -> Result<()> {
        let entry = self.entry(folder, id)?;
        let dir = self.maildir.folder_dir(maildir_name(folder)?);
        let v = entry.field("V").and_then(|v| v.parse::<u32>().ok());
        let u = entry.field("U").and_then(|u| u.parse::<u32>().ok());
        // The line first, then the file (see `pending`): a process killed between the
        // two deletes it on the server and the next sync removes the file.
        if let (Some(v), Some(u)) = (v, u) {
            pending::delete(&dir, (v, u))
                .map_err(|e| Error::with_message(sys::MAPI_E_DISK_ERROR, e.to_string()))?;
        }
        std::fs::remove_file(&entry.path).map_err(|e| {
            Error::with_message(
                sys::MAPI_E_DISK_ERROR,
                format!("{}: {e}", entry.path.display()),
            )
        })
    }

    fn connect(&self, events: mapi_sync_store::events::Events) {
        *self.events.lock().unwrap_or_else(|e| e.into_inner()) = Some(events);
    }

    fn store(&self) -> StoreInfo {
        StoreInfo {
            uid: self.uid,
            display_name: self.display_name.clone(),
            mdb_provider: PROVIDER_UID,
        }
    }

    fn folders(&self) -> Result<Vec<FolderInfo>> {
        let names = self.maildir.folders().map_err(|e| {
            Error::with_message(
                sys::MAPI_E_DISK_ERROR,
                format!("{}: {e}", self.maildir.root().display()),
            )
        })?;
        Ok(names
            .iter()
            .map(|name| {
                if name.is_empty() {
                    return FolderInfo::mail(INBOX, None, "Inbox").as_special(Special::Inbox);
                }
                // A parent that is not a folder (Maildir++ allows it): shown at the top.
                let parent = names::parent(name)
                    .filter(|p| names.iter().any(|n| n == p))
                    .map(folder_id);
                FolderInfo::mail(
                    folder_id(name),
                    parent.as_deref(),
                    &names::display_name(name),
                )
            })
            .collect())
    }

    fn messages(&self, folder: &[u8], associated: bool, ids: &mut Vec<Vec<u8>>) -> Result<()> {
        if associated {
            return Ok(());
        }
        let entries = self
            .maildir
            .messages(maildir_name(folder)?)
            .map_err(|e| Error::with_message(sys::MAPI_E_DISK_ERROR, e.to_string()))?;
        ids.extend(entries.into_iter().map(|e| e.unique.into_bytes()));
        Ok(())
    }

    fn message_properties(
        &self,
        folder: &[u8],
        id: &[u8],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        let (entry, parsed) = self.parsed(folder, id)?;
        // An embedded message: its own summary, no flags of a file.
        let (summary, flags) = if id.contains(&EMBEDDED) {
            (
                Arc::new(Summary::of(&parsed, &entry.path)),
                maildir::Flags::default(),
            )
        } else {
            (self.summary(folder, &entry)?, entry.flags)
        };
        with_props(&summary, flags, Some(&parsed), answer)
    }

    /// The summary's columns, the file read once per logon; no body.
    fn message_columns(
        &self,
        folder: &[u8],
        messages: &[MessageRef<'_>],
        columns: &[ULONG],
        answer: &mut dyn FnMut(usize, &[Prop<'_>]),
    ) -> Result<()> {
        let entries: HashMap<String, Entry> = self
            .maildir
            .messages(maildir_name(folder)?)
            .map_err(|e| Error::with_message(sys::MAPI_E_DISK_ERROR, e.to_string()))?
            .into_iter()
            .map(|e| (e.unique.clone(), e))
            .collect();
        for (i, m) in messages.iter().enumerate() {
            let Some(entry) = std::str::from_utf8(m.id).ok().and_then(|u| entries.get(u)) else {
                continue;
            };
            let summary = match self.summary(folder, entry) {
                Ok(s) => s,
                Err(e) if e.code() == sys::MAPI_E_NOT_FOUND => continue,
                Err(e) => return Err(e),
            };
            with_props(&summary, entry.flags, None, &mut |all| {
                let asked: Vec<Prop<'_>> = all
                    .iter()
                    .filter(|p| columns.iter().any(|&c| prop_id(c) == prop_id(p.tag())))
                    .copied()
                    .collect();
                answer(i, &asked);
            })?;
        }
        Ok(())
    }
}

mapi_sync_store::store_provider!(
    settings = [
        PR_IMAP_MAILDIR,
        PR_IMAP_SERVER,
        PR_IMAP_PORT,
        PR_IMAP_USER,
        PR_IMAP_PASSWORD,
        PR_IMAP_SECURITY,
        PR_IMAP_CA_FILE,
        PR_IMAP_INSECURE_PLAINTEXT,
        PR_IMAP_PASSWORD_PROTECTED
    ],
    protect = protect_password,
    ImapBackend::for_logon
);

/// What the service entry does to the settings before it writes them: a password given
/// in clear ([`PR_IMAP_PASSWORD`]) becomes [`PR_IMAP_PASSWORD_PROTECTED`]
/// ([`secret::protect`], for the Maildir the settings name), and [`PR_IMAP_PASSWORD`] an
/// empty string, so the profile holds only the protected bytes. Without a password given
/// the settings stay as they are (a configuration that changes the server keeps the
/// protected password).
pub fn protect_password(settings: &mut Settings) -> Result<()> {
    let Some(password) = settings.text(PR_IMAP_PASSWORD).filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let maildir = settings.require_text(PR_IMAP_MAILDIR, "Maildir folder")?;
    let protected = secret::protect(&password, Path::new(&maildir))?;
    settings.set(PR_IMAP_PASSWORD, OwnedValue::Unicode(Vec::new()));
    settings.set(PR_IMAP_PASSWORD_PROTECTED, OwnedValue::Binary(protected));
    Ok(())
}
