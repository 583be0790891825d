//! The IMAP store shown to a person: adds the store's message service to a profile
//! through its `ServiceEntry` (as MAPI does when a user adds the account), logs on through
//! `IMSProvider::Logon`, runs Send/Receive (`IMAPISync`) with a terminal progress bar that
//! the sync's `Progress` calls drive (`Error` calls print above it), and prints the folder
//! tree with each folder's count of messages.
//!
//! ```sh
//! cargo run -p imap-store --example imap_sync                     # a local Dovecot, demo mail
//! cargo run -p imap-store --example imap_sync -- --messages 2000  # more demo mail
//! IMAP_PASSWORD=… cargo run -p imap-store --example imap_sync -- \
//!     --server imap.example.com --port 993 --security tls --user me@example.com
//! ```
//!
//! With `--server`, `--user` is needed, `--port` defaults to the security's port (993
//! for `tls`, 143 otherwise), `--security` to `tls`, `--ca-file PEM` adds a CA, and
//! `--maildir DIR` keeps the mail (a temporary folder otherwise). The password comes from
//! the `IMAP_PASSWORD` environment variable or is asked for without echo; it is never an
//! argument (other users see a process's arguments).
#![allow(non_snake_case, dead_code)] // MAPI's parameter names; `run` is also the test's

use std::path::PathBuf;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use mapi_harness::support::{Profile, Support};
use mapi_sync::mem::Allocators;
use mapi_sync::prelude::*;
use mapi_sync::props::OwnedValue;
use mapi_sync::sys::{self, Interface, HANDLE, HRESULT, MAPISIB, S_OK, ULONG, WCHAR};

#[path = "../tests/support/mod.rs"]
mod support;

use support::dovecot::Dovecot;

/// Outlook's Send/Receive dialog as a terminal progress bar.
#[mapi_object(IMAPISyncProgressCallback)]
struct Dialog {
    bar: ProgressBar,
}

fn from_wide(p: *const WCHAR) -> String {
    if p.is_null() {
        return String::new();
    }
    let mut len = 0;
    // SAFETY: the provider passes NUL-terminated UTF-16 strings.
    unsafe {
        while *p.add(len) != 0 {
            len += 1;
        }
        String::from_utf16_lossy(std::slice::from_raw_parts(p, len))
    }
}

impl sys::IMAPISyncProgressCallback_Impl for Dialog {
    unsafe fn Progress(&self, text: *const WCHAR, index: ULONG, max: ULONG) -> HRESULT {
        if max > 0 {
            self.bar.set_length(u64::from(max));
            self.bar.set_position(u64::from(index));
        }
        self.bar.set_message(from_wide(text));
        S_OK
    }

    unsafe fn Error(&self, hr: HRESULT, text: *const WCHAR) -> HRESULT {
        let name = mapi_sync::hresult_name(hr).unwrap_or("?");
        let line = format!("  ! {name}: {}", from_wide(text));
        if self.bar.is_hidden() {
            println!("{line}"); // not a terminal: no bar to print above
        } else {
            self.bar.println(line);
        }
        S_OK
    }

    unsafe fn Done(&self, _event: HANDLE, hr: HRESULT) -> HRESULT {
        let outcome = if hr >= 0 {
            "done".to_owned()
        } else {
            format!("failed: {}", mapi_sync::Error::new(hr))
        };
        if self.bar.is_hidden() {
            println!(
                "  {}/{} {outcome}",
                self.bar.position(),
                self.bar.length().unwrap_or(0)
            );
        }
        self.bar.finish_with_message(outcome);
        S_OK
    }
}

/// What the command line asks for.
struct Args {
    server: Option<String>,
    port: Option<u16>,
    security: String,
    user: Option<String>,
    ca_file: Option<PathBuf>,
    maildir: Option<PathBuf>,
    messages: usize,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut a = Args {
        server: None,
        port: None,
        security: "tls".into(),
        user: None,
        ca_file: None,
        maildir: None,
        messages: 300,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--server" => a.server = Some(value()?),
            "--port" => {
                let v = value()?;
                a.port = Some(v.parse().map_err(|_| format!("--port: `{v}` is no port"))?);
            }
            "--security" => a.security = value()?,
            "--user" => a.user = Some(value()?),
            "--ca-file" => a.ca_file = Some(value()?.into()),
            "--maildir" => a.maildir = Some(value()?.into()),
            "--messages" => {
                let v = value()?;
                a.messages = v
                    .parse()
                    .map_err(|_| format!("--messages: `{v}` is no number"))?;
            }
            "--password" => {
                return Err(
                    "the password is never an argument (other users see a process's \
                     arguments): set IMAP_PASSWORD or answer the prompt"
                        .into(),
                )
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if a.server.is_some() && a.user.is_none() {
        return Err("--server needs --user".into());
    }
    if imap_store::sync::Security::parse(&a.security).is_none() {
        return Err(format!(
            "--security: `{}` is not tls, starttls or none",
            a.security
        ));
    }
    Ok(a)
}

/// The demo mailbox: an inbox of `n` messages, `Archive` with a child `2025`, and `Lists`.
fn demo(n: usize) -> Dovecot {
    let dovecot = Dovecot::start();
    for folder in ["Archive", "Archive.2025", "Lists"] {
        dovecot.create(folder);
    }
    dovecot.deliver("INBOX", (0..n).map(support::bench::mail));
    dovecot.deliver(".Archive", (n..n + 12).map(support::bench::mail));
    dovecot.deliver(".Archive.2025", (n + 12..n + 17).map(support::bench::mail));
    dovecot.deliver(".Lists", (n + 17..n + 20).map(support::bench::mail));
    dovecot
}

fn wide(text: &str) -> OwnedValue {
    OwnedValue::Unicode(text.encode_utf16().collect())
}

/// The folders of the IPM subtree with their depth and count of messages.
fn tree(store: &sys::IMsgStore) -> Vec<(String, i32, ULONG)> {
    support::folders(store)
        .into_iter()
        .map(|(name, depth, eid)| {
            let folder: sys::IMAPIFolder = support::open(store, &eid);
            let mut table = sys::InterfacePtr::null();
            // SAFETY: a writable out-pointer.
            let hr = unsafe { folder.GetContentsTable(0, &mut table) };
            let mut count = 0;
            if hr == S_OK {
                // SAFETY: one reference from GetContentsTable.
                let table: sys::IMAPITable = unsafe { table.into_owned() }.unwrap();
                // SAFETY: a writable count.
                let _ = unsafe { table.GetRowCount(0, &mut count) };
            }
            (name, depth, count)
        })
        .collect()
}

/// Everything but the process: the folder tree it printed, or what went wrong.
pub fn run(args: &[String]) -> Result<Vec<(String, i32, ULONG)>, String> {
    let args = parse_args(args)?;
    let scratch = tempfile::tempdir().map_err(|e| format!("a temporary folder: {e}"))?;
    let maildir = args
        .maildir
        .clone()
        .unwrap_or_else(|| scratch.path().join("mail"));
    std::fs::create_dir_all(&maildir).map_err(|e| format!("{}: {e}", maildir.display()))?;

    let dovecot;
    let mut settings = vec![(
        imap_store::PR_IMAP_MAILDIR,
        wide(&maildir.to_string_lossy()),
    )];
    let shown;
    match &args.server {
        None => {
            println!(
                "Starting a local Dovecot with {} demo messages",
                args.messages + 20
            );
            dovecot = demo(args.messages);
            settings = dovecot.settings(&maildir);
            shown = format!("127.0.0.1:{} (a local Dovecot)", dovecot.port);
        }
        Some(server) => {
            let security = imap_store::sync::Security::parse(&args.security).expect("checked");
            let port = args.port.unwrap_or_else(|| security.default_port());
            let user = args.user.clone().expect("checked");
            let password = match std::env::var("IMAP_PASSWORD") {
                Ok(p) => p,
                Err(_) => rpassword::prompt_password(format!("Password for {user}: "))
                    .map_err(|e| format!("the password prompt: {e}"))?,
            };
            settings.extend([
                (imap_store::PR_IMAP_SERVER, wide(server)),
                (imap_store::PR_IMAP_PORT, OwnedValue::Long(i32::from(port))),
                (imap_store::PR_IMAP_USER, wide(&user)),
                (imap_store::PR_IMAP_PASSWORD, wide(&password)),
                (imap_store::PR_IMAP_SECURITY, wide(&args.security)),
            ]);
            if let Some(ca) = &args.ca_file {
                settings.push((imap_store::PR_IMAP_CA_FILE, wide(&ca.to_string_lossy())));
            }
            shown = format!("{server}:{port} ({}) as {user}", args.security);
        }
    }

    // MAPI's order: MSProviderInit; the service added to a profile and configured
    // through ServiceEntry; Logon with the entry id the service wrote.
    let provider = support::provider();
    let profile = Profile::open(scratch.path(), "demo").map_err(|e| format!("the profile: {e}"))?;
    let support = Object::new(Support::new(profile, Allocators::local()));
    let eid =
        mapi_harness::service::add_service(Some(imap_store::ServiceEntry), &support, &settings)
            .map_err(|e| format!("ServiceEntry: {e}"))?;
    println!("Service added and configured through ServiceEntry; logging on to {shown}");
    let sup: sys::IMAPISupport = support.cast().map_err(|e| format!("IMAPISupport: {e:?}"))?;
    let mut eid_bytes = eid.clone();
    let mut name = *b"demo\0";
    let (mut logon, mut store) = (sys::InterfacePtr::null(), sys::InterfacePtr::null());
    // SAFETY: a live support object, a NUL-terminated profile name, the entry id's bytes
    // alive for the call, writable out-pointers.
    let hr = unsafe {
        provider.Logon(
            sys::InterfacePtr::from_raw(sup.as_raw()),
            0,
            name.as_mut_ptr().cast(),
            eid_bytes.len() as ULONG,
            eid_bytes.as_mut_ptr().cast(),
            sys::MAPI_UNICODE,
            std::ptr::null(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut logon,
            &mut store,
        )
    };
    if hr != S_OK {
        return Err(format!("Logon: {}", mapi_sync::Error::new(hr)));
    }
    // SAFETY: one reference each from a successful Logon.
    let (_logon, store): (sys::IMSLogon, sys::IMsgStore) =
        unsafe { (logon.into_owned().unwrap(), store.into_owned().unwrap()) };

    // Send/Receive: IMAPISync with the terminal's dialog.
    let sync: sys::IMAPISync = store.cast().map_err(|e| format!("IMAPISync: {e:?}"))?;
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template("  [{bar:40}] {pos}/{len} {msg}")
            .expect("a template")
            .progress_chars("=> "),
    );
    let dialog = Object::new(Dialog { bar: bar.clone() }).into_unknown();
    let mut event: HANDLE = std::ptr::null_mut();
    let mut sib = MAPISIB {
        ulSize: std::mem::size_of::<MAPISIB>() as u32,
        ulFlags: SyncFlags::DOWNLOAD_CONTENTS.bits(),
        psesSync: sys::InterfacePtr::null(),
        punkCallBack: sys::InterfacePtr::from_raw(dialog.as_raw()),
        phSyncDoneEvent: &mut event,
    };
    let began = Instant::now();
    // SAFETY: a complete MAPISIB with a live callback and a writable event slot.
    let hr = unsafe { sync.SynchronizeInBackground(&mut sib) };
    if hr != S_OK {
        return Err(format!(
            "SynchronizeInBackground: {}",
            mapi_sync::Error::new(hr)
        ));
    }
    // SAFETY: the event the store handed out, ours to wait on and close.
    unsafe {
        let waited = mapi_sync::event::wait_timeout(event, Duration::from_secs(3600));
        mapi_sync::event::close(event);
        waited.map_err(|e| format!("waiting for the sync: {e:?}"))?;
    }
    println!("Synced in {:.2} s", began.elapsed().as_secs_f64());

    let folders = tree(&store);
    for (name, depth, count) in &folders {
        let indent = "  ".repeat(usize::try_from(*depth).unwrap_or(0));
        println!("{indent}{name} ({count})");
    }
    Ok(folders)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&args) {
        eprintln!("imap_sync: {e}");
        std::process::exit(1);
    }
}
