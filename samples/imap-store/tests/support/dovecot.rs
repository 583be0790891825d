//! A throwaway Dovecot for the tests: a configuration of its own in a temporary folder
//! (no system file read or changed), IMAP on 127.0.0.1 on a free port (plaintext, which
//! Dovecot allows to a loopback client, and STARTTLS) and IMAPS on another (TLS from the
//! first byte), with a certificate for `127.0.0.1` signed by a CA the test makes (rcgen),
//! one user from a passwd-file with a password, its mail a Maildir in the same folder. Started
//! with `dovecot -F -c CONF` (in the foreground, so it is this process's child), stopped
//! when dropped. The settings and why each is there: FACTS.md, "Dovecot".
//!
//! Dovecot runs as the current user; as root (CI), as `nobody`, because Dovecot does not
//! give mail to a process running as root (its `first_valid_uid` check refuses uid 0).
//! When Dovecot is missing the test fails, saying how to install it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The user the tests log in as, and the password.
pub const USER: &str = "tester";
pub const PASSWORD: &str = "s3cret-pw";

/// Where Debian installs the server.
const DOVECOT: &str = "/usr/sbin/dovecot";

/// A running Dovecot.
pub struct Dovecot {
    child: Child,
    dir: tempfile::TempDir,
    /// IMAP: plaintext from a loopback client, or STARTTLS.
    pub port: u16,
    /// IMAPS: TLS from the first byte.
    pub tls_port: u16,
}

/// The test's certificates, as PEM files in `dir`: `ca.pem` (the CA that signed the
/// server's certificate), `cert.pem` and `key.pem` (the server's, valid for the address
/// `127.0.0.1` only), and `other-ca.pem` (a CA that signed nothing of the server's).
fn make_certificates(dir: &Path) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca = |name: &str| {
        let key = KeyPair::generate().expect("a key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).expect("a CA certificate");
        (cert.pem(), Issuer::new(params, key))
    };
    let (ca_pem, issuer) = ca("imap-store test CA");
    let (other_pem, _) = ca("imap-store other CA");
    let key = KeyPair::generate().expect("a key");
    // An IP address: rcgen makes it an iPAddress subject alternative name.
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "imap-store test server");
    let cert = params
        .signed_by(&key, &issuer)
        .expect("the server's certificate");
    std::fs::write(dir.join("ca.pem"), ca_pem).expect("ca.pem");
    std::fs::write(dir.join("other-ca.pem"), other_pem).expect("other-ca.pem");
    std::fs::write(dir.join("cert.pem"), cert.pem()).expect("cert.pem");
    std::fs::write(dir.join("key.pem"), key.serialize_pem()).expect("key.pem");
}

/// Whom to run as: (uid, gid, user name, group name), and whether to switch to them.
fn run_as() -> (u32, u32, String, String, bool) {
    let id = |arg: &str| {
        let out = Command::new("id").arg(arg).output().expect("id");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let uid: u32 = id("-u").parse().expect("a uid");
    if uid == 0 {
        (65534, 65534, "nobody".into(), "nogroup".into(), true)
    } else {
        let gid = id("-g").parse().expect("a gid");
        (uid, gid, id("-un"), id("-gn"), false)
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn chown_all(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).expect("chown");
    if path.is_dir() {
        for e in std::fs::read_dir(path).expect("read_dir") {
            chown_all(&e.expect("entry").path(), uid, gid);
        }
    }
}

impl Dovecot {
    /// Starts a Dovecot with an empty mailbox (an inbox).
    pub fn start() -> Dovecot {
        assert!(
            Path::new(DOVECOT).exists(),
            "Dovecot is not installed ({DOVECOT} is missing); the IMAP tests need it: \
             run as root `apt-get install -y dovecot-imapd` (what `cargo xtask test` installs)"
        );
        let dir = tempfile::tempdir().expect("a temporary folder");
        let root = dir.path();
        let (uid, gid, user, group, switch) = run_as();
        for sub in ["run", "state", "mail", "home"] {
            std::fs::create_dir(root.join(sub)).expect("a folder");
        }
        std::fs::write(root.join("passwd"), format!("{USER}:{{PLAIN}}{PASSWORD}\n"))
            .expect("passwd-file");
        make_certificates(root);
        let port = free_port();
        let tls_port = free_port();
        let r = root.display();
        let conf = format!(
            "base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{r}/cert.pem
ssl_key = <{r}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{r}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={r}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"
        );
        std::fs::write(root.join("dovecot.conf"), conf).expect("dovecot.conf");
        if switch {
            chown_all(root, uid, gid);
        }
        let mut cmd = Command::new(DOVECOT);
        cmd.arg("-F")
            .arg("-c")
            .arg(root.join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if switch {
            cmd.uid(uid).gid(gid);
        }
        let child = cmd.spawn().expect("dovecot starts");
        let mut dovecot = Dovecot {
            child,
            dir,
            port,
            tls_port,
        };
        dovecot.wait_ready();
        dovecot
    }

    /// Waits until the server greets on its port (10 s at most).
    fn wait_ready(&mut self) {
        let began = Instant::now();
        loop {
            if let Ok(s) = TcpStream::connect(("127.0.0.1", self.port)) {
                s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut line = String::new();
                if BufReader::new(&s).read_line(&mut line).is_ok() && line.starts_with("* OK") {
                    let _ = (&s).write_all(b"a LOGOUT\r\n");
                    return;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = self.child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("dovecot exited ({status}): {err}\n{}", self.log());
            }
            assert!(
                began.elapsed() < Duration::from_secs(10),
                "dovecot did not answer on 127.0.0.1:{} in 10 s\n{}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Dovecot's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    /// The test CA's certificate (PEM), which signed the server's.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// Another CA's certificate (PEM), which signed nothing of the server's.
    pub fn other_ca_file(&self) -> PathBuf {
        self.dir.path().join("other-ca.pem")
    }

    /// The lines of Dovecot's log that record a login (`Login: user=<…>, …, TLS, …`).
    pub fn logins(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| l.contains("imap-login: Info: Login:"))
            .map(str::to_owned)
            .collect()
    }

    /// Whether message `uid` of `folder` has `\Seen` on the server now (`UID FETCH
    /// <uid> FLAGS` after `EXAMINE`, which changes nothing).
    pub fn seen(&self, folder: &str, uid: u32) -> bool {
        let mut s = self.session();
        s.examine(folder).expect("EXAMINE");
        let fetches = s.uid_fetch(uid.to_string(), "FLAGS").expect("UID FETCH");
        let found = fetches
            .iter()
            .find(|f| f.uid == Some(uid))
            .unwrap_or_else(|| panic!("no message {uid} in {folder}"));
        let seen = found.flags().contains(&imap::types::Flag::Seen);
        let _ = s.logout();
        seen
    }

    /// The UIDs of `folder`'s messages on the server now, in order.
    pub fn uids(&self, folder: &str) -> Vec<u32> {
        let mut s = self.session();
        s.examine(folder).expect("EXAMINE");
        let mut uids: Vec<u32> = s
            .uid_search("ALL")
            .expect("UID SEARCH")
            .into_iter()
            .collect();
        let _ = s.logout();
        uids.sort_unstable();
        uids
    }

    /// Marks message `uid` of `folder` `\Deleted` on the server without expunging it
    /// (as another client may).
    pub fn mark_deleted(&self, folder: &str, uid: u32) {
        let mut s = self.session();
        s.select(folder).expect("SELECT");
        s.uid_store(uid.to_string(), "+FLAGS (\\Deleted)")
            .expect("UID STORE");
        let _ = s.logout();
    }

    /// Sets or clears `\Seen` on message `uid` of `folder` on the server.
    pub fn set_seen(&self, folder: &str, uid: u32, seen: bool) {
        let mut s = self.session();
        s.select(folder).expect("SELECT");
        let change = if seen { "+FLAGS" } else { "-FLAGS" };
        s.uid_store(uid.to_string(), format!("{change} (\\Seen)"))
            .expect("UID STORE");
        let _ = s.logout();
    }

    /// Puts `messages` straight into `folder`'s `new/` on the server's side (the Maildir
    /// way: written in `tmp/`, renamed), as a delivery agent would, for mailboxes too big
    /// to `APPEND` one by one; Dovecot gives them UIDs when a client next opens the
    /// folder. `folder` is `INBOX` or a Maildir++ name (`.Archive`).
    pub fn deliver(&self, folder: &str, messages: impl IntoIterator<Item = Vec<u8>>) {
        let root = self.maildir();
        let dir = if folder == "INBOX" {
            root.clone()
        } else {
            root.join(folder)
        };
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(dir.join(sub)).expect("a Maildir folder");
        }
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("a clock after 1970");
        for (i, message) in messages.into_iter().enumerate() {
            let name = format!(
                "{}.M{}P{}Q{i}.bench",
                stamp.as_secs(),
                stamp.subsec_micros(),
                std::process::id()
            );
            let tmp = dir.join("tmp").join(&name);
            std::fs::write(&tmp, message).expect("a message in tmp/");
            std::fs::rename(&tmp, dir.join("new").join(&name)).expect("into new/");
        }
        let (uid, gid, _, _, switch) = run_as();
        if switch {
            chown_all(&root, uid, gid);
        }
    }

    /// The number of messages in `folder` now (`EXAMINE`, which also makes Dovecot give
    /// UIDs to what was delivered since and index it).
    pub fn count(&self, folder: &str) -> u32 {
        let mut s = self.session();
        let m = s.examine(folder).expect("EXAMINE");
        let _ = s.logout();
        m.exists
    }

    /// The user's Maildir on the server's side.
    pub fn maildir(&self) -> PathBuf {
        self.dir.path().join("mail").join(USER)
    }

    /// A logged-in IMAP session, to put messages in and change folders.
    pub fn session(&self) -> imap::Session<TcpStream> {
        let tcp = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        let mut client = imap::Client::new(tcp);
        client.read_greeting().expect("greeting");
        client
            .login(USER, PASSWORD)
            .map_err(|(e, _)| e)
            .expect("login")
    }

    /// Appends `message` to `folder` (with `\Seen` when `seen`); its UID.
    pub fn append(&self, folder: &str, message: &[u8], seen: bool) -> u32 {
        let mut s = self.session();
        let mut cmd = s.append(folder, message);
        if seen {
            cmd.flag(imap::types::Flag::Seen);
        }
        let appended = cmd.finish().expect("APPEND");
        let _ = s.logout();
        appended
            .uids
            .and_then(|u| u.first().cloned())
            .map(|r| match r {
                imap_proto::UidSetMember::Uid(u) => u,
                imap_proto::UidSetMember::UidRange(r) => *r.start(),
            })
            .unwrap_or(0)
    }

    /// Creates `folder` (with the server's `.` delimiter for children).
    pub fn create(&self, folder: &str) {
        let mut s = self.session();
        s.create(folder).expect("CREATE");
        let _ = s.logout();
    }

    /// `folder`'s UIDVALIDITY now.
    pub fn uid_validity(&self, folder: &str) -> u32 {
        let mut s = self.session();
        let m = s.examine(folder).expect("EXAMINE");
        let _ = s.logout();
        m.uid_validity.expect("UIDVALIDITY")
    }

    /// The store's settings for this server, the store's Maildir at `maildir`.
    pub fn settings(&self, maildir: &Path) -> super::Settings {
        use mapi_sync::props::OwnedValue;
        let wide = |s: &str| OwnedValue::Unicode(s.encode_utf16().collect());
        vec![
            (
                imap_store::PR_IMAP_MAILDIR,
                wide(&maildir.to_string_lossy()),
            ),
            (imap_store::PR_IMAP_SERVER, wide("127.0.0.1")),
            (
                imap_store::PR_IMAP_PORT,
                OwnedValue::Long(i32::from(self.port)),
            ),
            (imap_store::PR_IMAP_USER, wide(USER)),
            (imap_store::PR_IMAP_PASSWORD, wide(PASSWORD)),
            (imap_store::PR_IMAP_SECURITY, wide("none")),
        ]
    }
}

impl Drop for Dovecot {
    /// SIGTERM (Dovecot's master stops its processes), then SIGKILL after 5 s.
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let began = Instant::now();
        while began.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
