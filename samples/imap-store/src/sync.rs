//! Downloading an IMAP account into the Maildir: what `IMAPISync` runs.
//!
//! For each folder of the server (`LIST "" *`, without the `\Noselect` ones) the sync
//! keeps, in a small state file in the folder's directory ([`State`], written atomically:
//! a temporary file renamed over it), the folder's UIDVALIDITY and the highest UID below
//! which every message is on disk. A sync `EXAMINE`s the folder (read-only: nothing on the
//! server changes), asks for the UIDs above that one, and downloads them in batches with
//! `BODY.PEEK[]` (which leaves `\Seen` as it is), each into the Maildir the Maildir way,
//! its unique name ending in `,U=<uid>,V=<uidvalidity>`.
//!
//! # Resuming without losing or duplicating a message
//!
//! A message is on disk (renamed into `cur/` or `new/`) before the state file counts it.
//! A sync stopped anywhere (cancelled, the connection dropped, the process killed) leaves
//! at most some messages on disk that the state does not count yet: the next sync reads
//! the `U=`/`V=` of the folder's files, skips those UIDs and moves the state past them. A
//! message that failed is not counted, so the next sync tries it again.
//!
//! # Read flags and deletions, up before down
//!
//! Before it downloads, a sync uploads the read flags changed and the messages deleted
//! in Outlook that each folder's [`pending`](crate::pending) file lists: it `SELECT`s the
//! folder (read-write) and sends one `UID STORE <uids> +FLAGS.SILENT (\Seen)` and one
//! `-FLAGS.SILENT`, and for the deleted ones `UID STORE <uids> +FLAGS.SILENT (\Deleted)`
//! then `UID EXPUNGE <uids>` (RFC 4315: only those, not a message another client marked
//! `\Deleted`), for the messages of the folder's UIDVALIDITY now (the others' UIDs mean
//! nothing any more and are dropped). A line leaves the file only after the server's
//! `OK`; a sync cut before that uploads it again next time (setting a flag twice, or
//! expunging a message already gone, changes nothing). Uploading first means a deleted
//! message is gone from the server before the sync asks what is new.
//!
//! # TLS
//!
//! `tls` speaks TLS from the first byte, `starttls` reads the greeting and the
//! capabilities in plaintext, sends `STARTTLS` and then nothing but TLS; both through
//! rustls, the server's certificate checked against Mozilla's roots and the account's CA
//! file, for the name or address the account gives. `none` is plaintext, refused to a
//! server that is not on a loopback address unless the account allows it in so many
//! words ([`Account::insecure_plaintext`]). The password goes only into `LOGIN` (after
//! the handshake, where there is TLS), and into no error.
//!
//! # UIDVALIDITY
//!
//! When the server's UIDVALIDITY is not the one kept, the UIDs kept mean nothing: the
//! sync downloads the whole folder again, then removes the files of the old UIDVALIDITY
//! (after, so the folder is never shown empty in between).

use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use imap::types::Flag;
use imap_proto::NameAttribute;
use mapi_sync::sys;
use mapi_sync::{Error, Progress, Result};

use crate::maildir::{Flags, Maildir};
use crate::names;

/// How the connection to the server is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain TCP: only to a loopback address (a test server, a local proxy), unless the
    /// account says [`insecure_plaintext`](Account::insecure_plaintext).
    None,
    /// TLS from the first byte (port 993).
    Tls,
    /// Plain TCP, then `STARTTLS` before anything else is said (port 143).
    StartTls,
}

impl Security {
    /// The setting's text: `none`, `tls` or `starttls` (any case).
    pub fn parse(text: &str) -> Option<Security> {
        match text.to_ascii_lowercase().as_str() {
            "none" => Some(Security::None),
            "tls" => Some(Security::Tls),
            "starttls" => Some(Security::StartTls),
            _ => None,
        }
    }

    /// The port IMAP uses with it when the account names none: 993 for TLS, else 143.
    pub fn default_port(self) -> u16 {
        match self {
            Security::Tls => 993,
            Security::None | Security::StartTls => 143,
        }
    }
}

/// The IMAP account a store synchronizes.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub server: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub security: Security,
    /// A PEM file of certificate authorities trusted besides the built-in ones (Mozilla's,
    /// from `webpki-roots`): a company's own CA, a test's.
    pub ca_file: Option<PathBuf>,
    /// Plaintext ([`Security::None`]) allowed to a server that is not on this machine:
    /// the password and the mail then cross the network readable by anyone on the way.
    pub insecure_plaintext: bool,
}

/// The password never shows, not even in a debug print.
impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("server", &self.server)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("security", &self.security)
            .field("ca_file", &self.ca_file)
            .field("insecure_plaintext", &self.insecure_plaintext)
            .finish_non_exhaustive()
    }
}

/// What the sync keeps of one folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct State {
    pub uid_validity: u32,
    /// Every message with a UID up to this one is on disk.
    pub highest_uid: u32,
}

/// The state file's name, in the folder's directory.
pub const STATE_FILE: &str = "imap-store.state";

impl State {
    /// The state kept in `dir`, if any (a file that does not parse counts as none: the
    /// sync then relies on the files' `U=`/`V=`).
    pub fn read(dir: &Path) -> io::Result<Option<State>> {
        let text = match std::fs::read_to_string(dir.join(STATE_FILE)) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut state = State::default();
        let mut seen = 0;
        for line in text.lines() {
            let Some((key, value)) = line.split_once(' ') else {
                continue;
            };
            let Ok(value) = value.trim().parse() else {
                continue;
            };
            match key {
                "uidvalidity" => (state.uid_validity, seen) = (value, seen | 1),
                "highest-uid" => (state.highest_uid, seen) = (value, seen | 2),
                _ => {}
            }
        }
        Ok((seen == 3).then_some(state))
    }

    /// Writes it into `dir` atomically: a temporary file there, renamed over the old one.
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        use std::io::Write;
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        write!(
            file,
            "imap-store 1\nuidvalidity {}\nhighest-uid {}\n",
            self.uid_validity, self.highest_uid
        )?;
        file.persist(dir.join(STATE_FILE)).map_err(|e| e.error)?;
        Ok(())
    }
}

/// How many messages one `UID FETCH` asks for: each batch is one round trip, during
/// which the server waits for the sync to ask again (50 made 200 of them for 10,000
/// messages; `cargo xtask bench`, BENCHMARKS.md). A cut loses at most one batch's work,
/// which the next sync fetches again.
const BATCH: usize = 250;
/// How long a connect, read or write may take before the sync gives up on the server.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The connection to the server: plain TCP, or TLS over it.
pub enum Wire {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Read for Wire {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Wire::Plain(s) => s.read(buf),
            Wire::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Wire {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Wire::Plain(s) => s.write(buf),
            Wire::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Wire::Plain(s) => s.flush(),
            Wire::Tls(s) => s.flush(),
        }
    }
}

type Session = imap::Session<Wire>;

/// A MAPI error for an IMAP failure: `MAPI_E_NETWORK_ERROR` for the connection,
/// `MAPI_E_CALL_FAILED` for what the server refused, with `what` before its text. A TLS
/// failure after the handshake (a bad record, an alert) is the connection's.
fn imap_error(what: &str, e: &imap::Error) -> Error {
    if let imap::Error::Io(io) = e {
        if tls_cause(io).is_some() {
            return tls_error(what, io);
        }
    }
    let code = match e {
        imap::Error::Io(_) | imap::Error::ConnectionLost => sys::MAPI_E_NETWORK_ERROR,
        _ => sys::MAPI_E_CALL_FAILED,
    };
    Error::with_message(code, format!("{what}: {e}"))
}

fn is_connection(e: &imap::Error) -> bool {
    matches!(e, imap::Error::Io(_) | imap::Error::ConnectionLost)
}

fn disk_error(what: &str, e: &io::Error) -> Error {
    Error::with_message(sys::MAPI_E_DISK_ERROR, format!("{what}: {e}"))
}

/// The TLS error inside an I/O error, if it is one (rustls reports through `io::Error`).
fn tls_cause(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref()?.downcast_ref::<rustls::Error>()
}

/// A MAPI error for a failed TLS handshake or record: `MAPI_E_LOGON_FAILED` naming the
/// certificate's problem when the server's certificate was refused (not a fault a retry
/// mends), `MAPI_E_NETWORK_ERROR` otherwise.
fn tls_error(place: &str, e: &io::Error) -> Error {
    match tls_cause(e) {
        Some(rustls::Error::InvalidCertificate(c)) => {
            let why = match c {
                rustls::CertificateError::UnknownIssuer => "it is not signed by a trusted \
                     certificate authority (UnknownIssuer); a private authority is trusted \
                     through the CA file setting"
                    .to_owned(),
                rustls::CertificateError::NotValidForName => {
                    "it is not valid for this server's name (NotValidForName)".to_owned()
                }
                other => other.to_string(),
            };
            Error::with_message(
                sys::MAPI_E_LOGON_FAILED,
                format!("{place}: the server's TLS certificate is refused: {why}"),
            )
        }
        Some(other) => Error::with_message(
            sys::MAPI_E_NETWORK_ERROR,
            format!("{place}: TLS failed: {other}"),
        ),
        None => Error::with_message(
            sys::MAPI_E_NETWORK_ERROR,
            format!("{place}: TLS handshake: {e}"),
        ),
    }
}

/// The TLS configuration of `account`: rustls with the `ring` provider, certificates
/// checked against Mozilla's roots and the account's CA file.
fn tls_config(account: &Account) -> Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = &account.ca_file {
        use rustls_pki_types::pem::PemObject;
        let unusable = |why: String| {
            Error::with_message(
                sys::MAPI_E_UNCONFIGURED,
                format!("the CA file {}: {why}", path.display()),
            )
        };
        let certs = rustls_pki_types::CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<std::result::Result<Vec<_>, _>>())
            .map_err(|e| unusable(e.to_string()))?;
        if certs.is_empty() {
            return Err(unusable("no PEM certificate in it".into()));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| unusable(e.to_string()))?;
        }
    }
    // ring, not aws-lc-rs: see the crate's docs, "Crates, and what they cost". rustls
    // 0.23.48 deprecates it for lacking post-quantum key exchange, which aws-lc-rs has.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::with_message(sys::MAPI_E_CALL_FAILED, format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// TLS over `tcp` with the server `server`, the handshake done (so a refused certificate
/// is said as such, before anything else is read).
fn handshake(
    mut tcp: TcpStream,
    server: &str,
    config: Arc<rustls::ClientConfig>,
    place: &str,
) -> Result<Wire> {
    let name = rustls_pki_types::ServerName::try_from(server.to_owned()).map_err(|_| {
        Error::with_message(
            sys::MAPI_E_UNCONFIGURED,
            format!("{place}: {server:?} is not a host name or address TLS can check"),
        )
    })?;
    let mut conn = rustls::ClientConnection::new(config, name)
        .map_err(|e| Error::with_message(sys::MAPI_E_NETWORK_ERROR, format!("{place}: {e}")))?;
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp)
            .map_err(|e| tls_error(place, &e))?;
    }
    Ok(Wire::Tls(Box::new(rustls::StreamOwned::new(conn, tcp))))
}

/// Sends `STARTTLS` on `tcp` and reads the server's answer, up to its tagged `OK` (RFC
/// 3501 6.2.1). The `imap` crate says `STARTTLS` only through its own TLS set-up, which
/// cannot be given a CA file, so the command is written here and its answer parsed by
/// `imap-proto`, the crate's parser. The answer is read a byte at a time, so nothing the
/// server sends after it (the TLS handshake) is taken from the stream.
fn starttls(tcp: &mut TcpStream, place: &str) -> Result<()> {
    use imap_proto::{Response, Status};
    const TAG: &str = "S1";
    let lost = |e: io::Error| {
        Error::with_message(sys::MAPI_E_NETWORK_ERROR, format!("{place}: STARTTLS: {e}"))
    };
    tcp.write_all(format!("{TAG} STARTTLS\r\n").as_bytes())
        .map_err(lost)?;
    let mut line = Vec::new();
    loop {
        let mut byte = [0u8];
        if tcp.read(&mut byte).map_err(lost)? == 0 {
            return Err(lost(io::ErrorKind::UnexpectedEof.into()));
        }
        line.push(byte[0]);
        if line.len() > 8192 {
            return Err(Error::with_message(
                sys::MAPI_E_NETWORK_ERROR,
                format!("{place}: STARTTLS: the answer is too long"),
            ));
        }
        if !line.ends_with(b"\r\n") {
            continue;
        }
        let refused = |what: &str| {
            Error::with_message(
                sys::MAPI_E_NO_SUPPORT,
                format!("{place}: the server refused STARTTLS: {what}"),
            )
        };
        match imap_proto::parser::parse_response(&line) {
            Ok((
                _,
                Response::Done {
                    tag,
                    status,
                    information,
                    ..
                },
            )) if tag.0 == TAG => {
                return match status {
                    Status::Ok => Ok(()),
                    _ => Err(refused(&information.unwrap_or_default())),
                };
            }
            // An untagged response before the answer: nothing to do with it.
            Ok(_) => line.clear(),
            Err(_) => return Err(refused(&String::from_utf8_lossy(&line))),
        }
    }
}

/// Connects the way the account says, then logs in.
fn connect(account: &Account) -> Result<Session> {
    let place = format!("{}:{}", account.server, account.port);
    let tls = match account.security {
        Security::None => None,
        Security::Tls | Security::StartTls => Some(tls_config(account)?),
    };
    let addresses: Vec<SocketAddr> = (account.server.as_str(), account.port)
        .to_socket_addrs()
        .map_err(|e| Error::with_message(sys::MAPI_E_NETWORK_ERROR, format!("{place}: {e}")))?
        .collect();
    if tls.is_none()
        && !account.insecure_plaintext
        && (addresses.is_empty() || !addresses.iter().all(|a| is_loopback(a.ip())))
    {
        return Err(Error::with_message(
            sys::MAPI_E_NO_SUPPORT,
            format!(
                "{place}: without TLS only a server on this machine (a loopback address) is \
                 allowed, unless the insecure-plaintext setting says otherwise"
            ),
        ));
    }
    let mut last = None;
    let mut connected = None;
    for address in &addresses {
        match TcpStream::connect_timeout(address, TIMEOUT) {
            Ok(tcp) => {
                connected = Some(tcp);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let Some(tcp) = connected else {
        return Err(Error::with_message(
            sys::MAPI_E_NETWORK_ERROR,
            format!(
                "{place}: {}",
                last.map_or_else(|| "no address".to_owned(), |e| e.to_string())
            ),
        ));
    };
    tcp.set_read_timeout(Some(TIMEOUT))
        .and_then(|()| tcp.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| Error::with_message(sys::MAPI_E_NETWORK_ERROR, format!("{place}: {e}")))?;
    let client = match (account.security, tls) {
        (Security::Tls, Some(config)) => {
            let mut client = imap::Client::new(handshake(tcp, &account.server, config, &place)?);
            client.read_greeting().map_err(|e| imap_error(&place, &e))?;
            client
        }
        (Security::StartTls, Some(config)) => {
            // RFC 3501 6.2.1: STARTTLS, then TLS; nothing but the greeting and the
            // capabilities is said before it, and the client's buffer is dropped with it.
            let mut plain = imap::Client::new(tcp);
            plain.read_greeting().map_err(|e| imap_error(&place, &e))?;
            let capabilities = plain.capabilities().map_err(|e| imap_error(&place, &e))?;
            if !capabilities.has_str("STARTTLS") {
                return Err(Error::with_message(
                    sys::MAPI_E_NO_SUPPORT,
                    format!("{place}: the server does not offer STARTTLS"),
                ));
            }
            let mut tcp = plain.into_inner().map_err(|e| imap_error(&place, &e))?;
            starttls(&mut tcp, &place)?;
            let mut client = imap::Client::new(handshake(tcp, &account.server, config, &place)?);
            // The greeting came before STARTTLS.
            client.greeting_read = true;
            client
        }
        _ => {
            let mut client = imap::Client::new(Wire::Plain(tcp));
            client.read_greeting().map_err(|e| imap_error(&place, &e))?;
            client
        }
    };
    // The error names the user, never the password.
    client
        .login(&account.user, &account.password)
        .map_err(|(e, _)| {
            let e = imap_error(&format!("{place}: login as {}", account.user), &e);
            if e.code() == sys::MAPI_E_CALL_FAILED {
                Error::with_message(sys::MAPI_E_LOGON_FAILED, e.text())
            } else {
                e
            }
        })
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// A message's Maildir flags from its IMAP flags.
pub fn maildir_flags(flags: &[Flag<'_>]) -> Flags {
    let mut f = Flags::default();
    for flag in flags {
        match flag {
            Flag::Seen => f.seen = true,
            Flag::Answered => f.replied = true,
            Flag::Flagged => f.flagged = true,
            Flag::Deleted => f.trashed = true,
            Flag::Draft => f.draft = true,
            Flag::Custom(k) if k.eq_ignore_ascii_case("$Forwarded") => f.passed = true,
            _ => {}
        }
    }
    f
}

/// A folder of the server, and what is to be downloaded of it.
struct Plan {
    /// Its IMAP name.
    imap: String,
    /// Its Maildir++ name.
    local: String,
    /// Its UIDVALIDITY now.
    uid_validity: u32,
    /// The state to start from (the kept one, moved past the messages already on disk).
    state: State,
    /// UIDs on disk above `state.highest_uid` (a sync stopped before counting them).
    on_disk: HashSet<u32>,
    /// The UIDs to download, ascending.
    new: Vec<u32>,
    /// Whether files of another UIDVALIDITY are to be removed at the end.
    stale: bool,
}

/// What one sync did, for its caller and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Messages written into the Maildir.
    pub downloaded: usize,
    /// Folders and messages that failed (each reported through `Progress::error`).
    pub failed: usize,
}

/// Synchronizes `account` into `maildir`: one `Progress` step per message downloaded,
/// one `Progress` error per folder or message that fails. An error that ends the sync
/// (no connection, the login refused, the connection lost, a cancel) is returned.
pub fn synchronize(account: &Account, maildir: &Maildir, progress: &Progress) -> Result<Outcome> {
    progress.step(
        format!("Connecting to {}:{}", account.server, account.port),
        0,
        0,
    )?;
    let mut session = connect(account)?;
    let result = run(&mut session, maildir, progress);
    // Logging out is a courtesy; a lost connection has nothing to say.
    let _ = session.logout();
    result
}

fn run(session: &mut Session, maildir: &Maildir, progress: &Progress) -> Result<Outcome> {
    let mut outcome = Outcome::default();
    let names = session
        .list(Some(""), Some("*"))
        .map_err(|e| imap_error("LIST", &e))?;
    let mut folders: Vec<(String, Option<String>)> = names
        .iter()
        .filter(|n| {
            !n.attributes().iter().any(|a| match a {
                NameAttribute::NoSelect => true,
                NameAttribute::Extension(x) => x.eq_ignore_ascii_case("\\NonExistent"),
                _ => false,
            })
        })
        .map(|n| (n.name().to_owned(), n.delimiter().map(str::to_owned)))
        .collect();
    folders.sort();

    // Read flags changed in Outlook go up first: a cut sync leaves them to the next.
    upload_read_flags(session, maildir, &folders, progress, &mut outcome)?;

    // Then what is new everywhere, so the steps count to a known total.
    let mut plans = Vec::new();
    for (imap_name, delimiter) in &folders {
        match plan(session, maildir, imap_name, delimiter.as_deref()) {
            Ok(p) => plans.push(p),
            Err(e) if e.code() == sys::MAPI_E_NETWORK_ERROR => return Err(e),
            Err(e) => {
                outcome.failed += 1;
                progress.error(&e)?;
            }
        }
    }
    let total: usize = plans.iter().map(|p| p.new.len()).sum();
    let total = u32::try_from(total).unwrap_or(u32::MAX);
    if total == 0 {
        progress.step("No new messages", 0, 0)?;
    }
    let mut index = 0u32;
    for mut p in plans {
        download(
            session,
            maildir,
            &mut p,
            progress,
            &mut index,
            total,
            &mut outcome,
        )?;
    }
    Ok(outcome)
}

/// A UID set of `uids` (ascending) for a command: runs written as ranges (`1:3,7`).
pub fn uid_set(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        while i + 1 < uids.len() && uids[i + 1] == uids[i] + 1 {
            i += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if uids[i] == start {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{}", uids[i]));
        }
        i += 1;
    }
    out
}

/// Uploads the read flags and deletions each folder has pending
/// ([`pending`](crate::pending)): one `UID STORE` adding `\Seen`, one taking it away, one
/// adding `\Deleted` and a `UID EXPUNGE`, per folder. A folder that fails is
/// reported and keeps its list; a lost connection ends the sync.
fn upload_read_flags(
    session: &mut Session,
    maildir: &Maildir,
    folders: &[(String, Option<String>)],
    progress: &Progress,
    outcome: &mut Outcome,
) -> Result<()> {
    let by_local: HashMap<String, &str> = folders
        .iter()
        .map(|(imap, delimiter)| {
            (
                names::maildir_name(imap, delimiter.as_deref()),
                imap.as_str(),
            )
        })
        .collect();
    let locals = maildir
        .folders()
        .map_err(|e| disk_error(&maildir.root().display().to_string(), &e))?;
    for local in locals {
        let dir = maildir.folder_dir(&local);
        let shown = names::display_name(&local);
        let pending = match crate::pending::read(&dir) {
            Ok(p) if p.is_empty() => continue,
            Ok(p) => p,
            Err(e) => {
                outcome.failed += 1;
                progress.error(&disk_error(&format!("{shown}: read flags"), &e))?;
                continue;
            }
        };
        let result = match by_local.get(&local) {
            Some(imap) => upload_folder(session, maildir, &local, imap, &pending),
            // Gone from the server: nothing to give the flags to.
            None => Ok(0),
        };
        match result {
            Ok(n) => {
                crate::pending::remove(&dir, &pending)
                    .map_err(|e| disk_error(&format!("{shown}: read flags"), &e))?;
                if n > 0 {
                    progress.step(format!("{shown}: {n} read flags uploaded"), 0, 0)?;
                }
            }
            Err(e) if e.code() == sys::MAPI_E_NETWORK_ERROR => return Err(e),
            Err(e) => {
                outcome.failed += 1;
                progress.error(&e)?;
            }
        }
    }
    Ok(())
}

/// Gives the messages of `pending` their read state on the server (folder `imap`
/// selected read-write) and in their files (where a process stopped between the two);
/// how many went up. Those of another UIDVALIDITY are void and dropped.
fn upload_folder(
    session: &mut Session,
    maildir: &Maildir,
    local: &str,
    imap: &str,
    pending: &crate::pending::Pending,
) -> Result<usize> {
    let mailbox = session.select(imap).map_err(|e| imap_error(imap, &e))?;
    let Some(validity) = mailbox.uid_validity else {
        return Ok(0);
    };
    let mut by_uid = HashMap::new();
    for entry in maildir.messages(local).map_err(|e| disk_error(imap, &e))? {
        let v = entry.field("V").and_then(|v| v.parse::<u32>().ok());
        let u = entry.field("U").and_then(|u| u.parse::<u32>().ok());
        if let (Some(v), Some(u)) = (v, u) {
            if v == validity {
                by_uid.insert(u, entry);
            }
        }
    }
    let (mut seen, mut unseen, mut deleted) = (Vec::new(), Vec::new(), Vec::new());
    for (&(v, u), &change) in pending {
        if v != validity {
            continue;
        }
        let state = match change {
            crate::pending::Change::Seen(state) => state,
            crate::pending::Change::Deleted => {
                // Its file goes too, where a process stopped before it went.
                if let Some(entry) = by_uid.get(&u) {
                    match std::fs::remove_file(&entry.path) {
                        Err(e) if e.kind() != io::ErrorKind::NotFound => {
                            return Err(disk_error(imap, &e))
                        }
                        _ => {}
                    }
                }
                deleted.push(u);
                continue;
            }
        };
        if let Some(entry) = by_uid.get(&u).filter(|e| e.flags.seen != state) {
            let flags = Flags {
                seen: state,
                ..entry.flags
            };
            maildir
                .set_flags(entry, flags)
                .map_err(|e| disk_error(imap, &e))?;
        }
        if state {
            seen.push(u);
        } else {
            unseen.push(u);
        }
    }
    for (uids, change) in [
        (&seen, "+FLAGS.SILENT (\\Seen)"),
        (&unseen, "-FLAGS.SILENT (\\Seen)"),
        (&deleted, "+FLAGS.SILENT (\\Deleted)"),
    ] {
        if !uids.is_empty() {
            session
                .uid_store(uid_set(uids), change)
                .map_err(|e| imap_error(&format!("{imap}: UID STORE"), &e))?;
        }
    }
    if !deleted.is_empty() {
        // Only these: UID EXPUNGE (RFC 4315, UIDPLUS) leaves any other message another
        // client marked \Deleted alone.
        session
            .uid_expunge(uid_set(&deleted))
            .map_err(|e| imap_error(&format!("{imap}: UID EXPUNGE"), &e))?;
    }
    Ok(seen.len() + unseen.len() + deleted.len())
}

/// Examines folder `imap_name` and works out what to download.
fn plan(
    session: &mut Session,
    maildir: &Maildir,
    imap_name: &str,
    delimiter: Option<&str>,
) -> Result<Plan> {
    let local = names::maildir_name(imap_name, delimiter);
    let mailbox = session
        .examine(imap_name)
        .map_err(|e| imap_error(imap_name, &e))?;
    let uid_validity = mailbox.uid_validity.ok_or_else(|| {
        Error::with_message(
            sys::MAPI_E_CALL_FAILED,
            format!("{imap_name}: the server gives no UIDVALIDITY"),
        )
    })?;
    maildir
        .create_folder(&local)
        .map_err(|e| disk_error(imap_name, &e))?;
    let dir = maildir.folder_dir(&local);
    let kept = State::read(&dir).map_err(|e| disk_error(imap_name, &e))?;
    let mut state = match kept {
        Some(s) if s.uid_validity == uid_validity => s,
        _ => State {
            uid_validity,
            highest_uid: 0,
        },
    };
    // What is on disk: of this UIDVALIDITY (maybe past the state), or of another.
    let mut on_disk = HashSet::new();
    let mut stale = false;
    let validity = uid_validity.to_string();
    for entry in maildir
        .messages(&local)
        .map_err(|e| disk_error(imap_name, &e))?
    {
        match (
            entry.field("V"),
            entry.field("U").and_then(|u| u.parse::<u32>().ok()),
        ) {
            (Some(v), Some(u)) if v == validity && u > state.highest_uid => {
                on_disk.insert(u);
            }
            (Some(v), _) if v == validity => {}
            (Some(_), _) => stale = true,
            _ => {}
        }
    }
    // The state moves past the messages on disk that follow it without a gap.
    while on_disk.remove(&(state.highest_uid + 1)) {
        state.highest_uid += 1;
    }
    let mut new = Vec::new();
    if mailbox.exists > 0 && mailbox.uid_next.is_none_or(|n| n > state.highest_uid + 1) {
        let uids = session
            .uid_search(format!("UID {}:*", state.highest_uid + 1))
            .map_err(|e| imap_error(imap_name, &e))?;
        // `n:*` always matches the last message, even below n (RFC 3501, 6.4.8).
        new = uids
            .into_iter()
            .filter(|&u| u > state.highest_uid && !on_disk.contains(&u))
            .collect();
        new.sort_unstable();
    }
    Ok(Plan {
        imap: imap_name.to_owned(),
        local,
        uid_validity,
        state,
        on_disk,
        new,
        stale,
    })
}

/// The state after `done` more UIDs are on disk: moved up as far as no UID is missing
/// below it (`pending` are still to come or failed).
fn advance(state: &mut State, on_disk: &mut HashSet<u32>, pending: &[u32]) {
    let next_pending = pending.first().copied().unwrap_or(u32::MAX);
    loop {
        let next = state.highest_uid + 1;
        if next >= next_pending {
            break;
        }
        if on_disk.remove(&next) {
            state.highest_uid = next;
        } else {
            // A UID that is on no list: expunged on the server, nothing to keep.
            let smallest = on_disk.iter().copied().min().unwrap_or(u32::MAX);
            let limit = smallest.min(next_pending);
            if limit == u32::MAX {
                break;
            }
            state.highest_uid = limit - 1;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn download(
    session: &mut Session,
    maildir: &Maildir,
    p: &mut Plan,
    progress: &Progress,
    index: &mut u32,
    total: u32,
    outcome: &mut Outcome,
) -> Result<()> {
    let dir = maildir.folder_dir(&p.local);
    let shown = names::display_name(&p.local);
    if !p.new.is_empty() {
        // Selected again: the planning pass examined every folder after this one.
        let mailbox = session
            .examine(&p.imap)
            .map_err(|e| imap_error(&p.imap, &e))?;
        if mailbox.uid_validity != Some(p.uid_validity) {
            return Err(Error::with_message(
                sys::MAPI_E_CALL_FAILED,
                format!(
                    "{}: UIDVALIDITY changed during the sync; the next sync refetches it",
                    p.imap
                ),
            ));
        }
    }
    let mut failed: Vec<u32> = Vec::new();
    let uids = std::mem::take(&mut p.new);
    for (batch_at, batch) in uids.chunks(BATCH).enumerate() {
        // Ascending (the plan sorts them): runs go as ranges.
        let set = uid_set(batch);
        let fetches = match session.uid_fetch(&set, "(UID FLAGS INTERNALDATE BODY.PEEK[])") {
            Ok(f) => f,
            Err(e) if is_connection(&e) => return Err(imap_error(&p.imap, &e)),
            Err(e) => {
                outcome.failed += 1;
                progress.error(&imap_error(&p.imap, &e))?;
                failed.extend_from_slice(batch);
                continue;
            }
        };
        let mut got = HashSet::new();
        for fetch in fetches.iter() {
            let Some(uid) = fetch.uid else { continue };
            if batch.binary_search(&uid).is_err() || got.contains(&uid) {
                continue; // an unsolicited FETCH (a flag change), or the same twice
            }
            let Some(body) = fetch.body() else { continue };
            got.insert(uid);
            let time = fetch.internal_date().map(|d| {
                let secs = d.timestamp();
                if secs >= 0 {
                    UNIX_EPOCH + Duration::from_secs(secs as u64)
                } else {
                    UNIX_EPOCH
                }
            });
            let flags = maildir_flags(fetch.flags());
            let fields = format!(",U={uid},V={}", p.uid_validity);
            let written = maildir.deliver(
                &p.local,
                body,
                flags,
                time.or(Some(SystemTime::now())),
                &fields,
            );
            *index += 1;
            match written {
                Ok(_) => {
                    outcome.downloaded += 1;
                    p.on_disk.insert(uid);
                    if !crate::mime::parse(body).readable {
                        outcome.failed += 1;
                        progress.error(&Error::with_message(
                            sys::MAPI_E_CORRUPT_DATA,
                            format!("{shown}: message {uid} is not a MIME message; kept as it is"),
                        ))?;
                    }
                }
                Err(e) => {
                    outcome.failed += 1;
                    failed.push(uid);
                    progress.error(&disk_error(&format!("{shown}: message {uid}"), &e))?;
                }
            }
            progress.step(format!("{shown}: message {uid}"), *index, total)?;
        }
        for &uid in batch {
            if !got.contains(&uid) && !failed.contains(&uid) {
                // Expunged since the search: nothing to download, nothing to wait for.
                p.on_disk.insert(uid);
            }
        }
        failed.sort_unstable();
        let rest = &uids[((batch_at + 1) * BATCH).min(uids.len())..];
        let mut pending: Vec<u32> = failed.iter().chain(rest.iter()).copied().collect();
        pending.sort_unstable();
        advance(&mut p.state, &mut p.on_disk, &pending);
        p.state
            .write(&dir)
            .map_err(|e| disk_error(&format!("{shown}: state"), &e))?;
    }
    if uids.is_empty() {
        advance(&mut p.state, &mut p.on_disk, &[]);
        p.state
            .write(&dir)
            .map_err(|e| disk_error(&format!("{shown}: state"), &e))?;
    }
    if p.stale {
        let validity = p.uid_validity.to_string();
        for entry in maildir
            .messages(&p.local)
            .map_err(|e| disk_error(&shown, &e))?
        {
            if entry.field("V").is_some_and(|v| v != validity) {
                std::fs::remove_file(&entry.path)
                    .or_else(|e| {
                        if e.kind() == io::ErrorKind::NotFound {
                            Ok(())
                        } else {
                            Err(e)
                        }
                    })
                    .map_err(|e| disk_error(&shown, &e))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_file_is_written_whole_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(State::read(dir.path()).unwrap(), None);
        let s = State {
            uid_validity: 1_700_000_000,
            highest_uid: 42,
        };
        s.write(dir.path()).unwrap();
        assert_eq!(State::read(dir.path()).unwrap(), Some(s));
        // Nothing else is left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        std::fs::write(dir.path().join(STATE_FILE), "uidvalidity 3\n").unwrap();
        assert_eq!(State::read(dir.path()).unwrap(), None);
    }

    #[test]
    fn the_state_advances_only_past_what_is_on_disk_without_a_gap() {
        let mut s = State {
            uid_validity: 1,
            highest_uid: 3,
        };
        let mut on_disk: HashSet<u32> = [4, 5, 7, 9].into();
        advance(&mut s, &mut on_disk, &[8, 10]);
        // 6 is on no list (expunged): skipped; 8 is pending: the state stops before it.
        assert_eq!(s.highest_uid, 7);
        assert_eq!(on_disk, [9].into());
        advance(&mut s, &mut on_disk, &[]);
        assert_eq!(s.highest_uid, 9);
    }

    #[test]
    fn imap_flags_map_to_maildir_letters() {
        let f = maildir_flags(&[
            Flag::Seen,
            Flag::Answered,
            Flag::Flagged,
            Flag::Deleted,
            Flag::Draft,
        ]);
        assert_eq!(f.letters(), "DFRST");
        assert!(maildir_flags(&[Flag::Recent]).is_empty());
    }

    #[test]
    fn uid_sets_write_runs_as_ranges() {
        assert_eq!(uid_set(&[]), "");
        assert_eq!(uid_set(&[7]), "7");
        assert_eq!(uid_set(&[1, 2, 3, 5, 7, 8]), "1:3,5,7:8");
    }

    #[test]
    fn plaintext_is_refused_to_a_server_that_is_not_loopback() {
        let account = Account {
            server: "192.0.2.1".into(),
            port: 143,
            user: "u".into(),
            password: "secret".into(),
            security: Security::None,
            ca_file: None,
            insecure_plaintext: false,
        };
        let e = connect(&account).err().unwrap();
        assert_eq!(e.code(), sys::MAPI_E_NO_SUPPORT);
        assert!(!e.text().contains("secret"));
        assert!(!format!("{account:?}").contains("secret"));
    }
}
