//! A simulated Outlook presses Send/Receive on a sample store provider and draws the
//! progress it reports as a bar in the terminal.
//!
//! ```sh
//! cargo run --example send_receive
//! ```
//!
//! Outlook's side is written the way Outlook behaves: it asks the store for `IMAPISync`,
//! passes a `MAPISIB` with its own `IMAPISyncProgressCallback` (here a small COM object
//! built on the generated `IMAPISyncProgressCallback_Vtbl::new`), waits on the done event
//! the provider returns, and closes it. The provider's side is what an author writes with
//! `#[mapi_sync_provider]`.
#![allow(non_snake_case)] // the generated _Impl traits keep MAPI's parameter names

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mapi_sync::prelude::*;
use mapi_sync::sys::{
    self, IMAPISync, IMAPISyncProgressCallback_Impl, HANDLE, HRESULT, MAPISIB, S_OK, WCHAR,
};

// ---------------------------------------------------------------------------------------
// The provider: what a store author writes.
// ---------------------------------------------------------------------------------------

/// A pretend IMAP store: folders with a number of new messages each.
#[mapi_sync_provider]
struct ImapStore {
    folders: Vec<(&'static str, u32)>,
    outbox: u32,
    server: Arc<Server>,
}

/// The pretend server, shared with the demo so it can take the server down.
struct Server {
    name: String,
    /// The folder at which the server stops answering, if any.
    down_at: Mutex<Option<&'static str>>,
}

impl SyncProvider for ImapStore {
    fn synchronize(&self, request: &SyncRequest, progress: &Progress) -> mapi_sync::Result<()> {
        let upload = if request.flags().contains(SyncFlags::UPLOAD_CONTENTS) {
            self.outbox
        } else {
            0
        };
        let download: u32 = if request.flags().contains(SyncFlags::DOWNLOAD_CONTENTS) {
            self.folders.iter().map(|(_, n)| n).sum()
        } else {
            0
        };
        let total = 1 + upload + download;
        let mut done = 0;

        progress.step(&*format!("Connecting to {}", self.server.name), done, total)?;
        pause(150);
        done += 1;

        for i in 1..=upload {
            progress.step(&*format!("Uploading message {i} of {upload}"), done, total)?;
            pause(60);
            done += 1;
        }

        let fail_at = *self.server.down_at.lock().unwrap();
        for (folder, count) in &self.folders {
            if !request.flags().contains(SyncFlags::DOWNLOAD_CONTENTS) {
                break;
            }
            if fail_at == Some(*folder) {
                return Err(Error::with_message(
                    sys::MAPI_E_NETWORK_ERROR,
                    format!(
                        "{} stopped answering while opening {folder}",
                        self.server.name
                    ),
                ));
            }
            for i in 1..=*count {
                progress.step(
                    &*format!("Downloading {folder}: {i} of {count}"),
                    done,
                    total,
                )?;
                pause(25);
                done += 1;
            }
            if *folder == "Junk E-mail" {
                // A warning: shown in the dialog, the sync goes on.
                progress.report(
                    sys::MAPI_W_PARTIAL_COMPLETION,
                    "Junk E-mail: 2 messages over the size limit were skipped",
                )?;
            }
        }
        progress.step("Done", total, total)?;
        Ok(())
    }
}

fn pause(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

// ---------------------------------------------------------------------------------------
// Outlook: the Send/Receive dialog (an IMAPISyncProgressCallback) and the button.
// ---------------------------------------------------------------------------------------

/// Outlook's progress callback, a COM object made with `#[mapi_object]`.
#[mapi_object(IMAPISyncProgressCallback)]
struct Dialog {
    title: &'static str,
    started: Instant,
    tty: bool,
    last: Mutex<Option<(u32, u32)>>,
}

impl Dialog {
    fn new(title: &'static str) -> Object<Dialog> {
        Object::new(Dialog {
            title,
            started: Instant::now(),
            tty: std::io::stdout().is_terminal(),
            last: Mutex::new(None),
        })
    }

    fn draw(&self, text: &str, index: u32, max: u32) {
        const WIDTH: usize = 32;
        let index = index.min(max);
        let filled = (index as usize * WIDTH)
            .checked_div(max as usize)
            .unwrap_or(WIDTH);
        let percent = (index * 100).checked_div(max).unwrap_or(100);
        let bar = format!("{}{}", "█".repeat(filled), "░".repeat(WIDTH - filled));
        let mut out = std::io::stdout().lock();
        if self.tty {
            // Redraw one line in place.
            let _ = write!(out, "\r\x1b[2K  [{bar}] {percent:3}%  {text}");
        } else {
            let _ = writeln!(out, "  [{bar}] {percent:3}%  {text}");
        }
        let _ = out.flush();
    }

    fn line(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        if self.tty {
            let _ = write!(out, "\r\x1b[2K");
        }
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }
}

fn from_wide(p: *const WCHAR) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let mut len = 0;
    // SAFETY: the provider passes NUL-terminated UTF-16 strings.
    unsafe {
        while *p.add(len) != 0 {
            len += 1;
        }
        Some(String::from_utf16_lossy(std::slice::from_raw_parts(p, len)))
    }
}

impl IMAPISyncProgressCallback_Impl for Dialog {
    unsafe fn Progress(
        &self,
        pwcszProgress: *const WCHAR,
        ulIndex: u32,
        ulIndexMax: u32,
    ) -> HRESULT {
        *self.last.lock().unwrap() = Some((ulIndex, ulIndexMax));
        let text = from_wide(pwcszProgress).unwrap_or_default();
        self.draw(&text, ulIndex, ulIndexMax);
        S_OK
    }

    unsafe fn Error(&self, hResult: HRESULT, pwcszErrorStr: *const WCHAR) -> HRESULT {
        let text = from_wide(pwcszErrorStr).unwrap_or_default();
        let kind = if hResult < 0 { "error" } else { "warning" };
        let name = mapi_sync::hresult_name(hResult).unwrap_or("?");
        self.line(&format!("  ! {kind} {name}: {text}"));
        // Put the bar back under the message.
        if let (true, Some((index, max))) = (self.tty, *self.last.lock().unwrap()) {
            self.draw("", index, max);
        }
        S_OK
    }

    unsafe fn Done(&self, _hThreadDoneEvent: HANDLE, hResult: HRESULT) -> HRESULT {
        let elapsed = self.started.elapsed().as_secs_f32();
        let status = if hResult >= 0 {
            "completed".to_string()
        } else {
            format!("failed: {}", Error::new(hResult))
        };
        self.line(&format!("  {} {status} in {elapsed:.1} s", self.title));
        S_OK
    }
}

/// Outlook's Send/Receive button: one synchronization, start to finish.
fn send_receive(sync: &IMAPISync, title: &'static str, flags: SyncFlags) -> HRESULT {
    println!("{title}");
    let dialog = Dialog::new(title).to_unknown();
    let mut event: HANDLE = std::ptr::null_mut();
    let mut sib = MAPISIB {
        ulSize: std::mem::size_of::<MAPISIB>() as u32,
        ulFlags: flags.bits(),
        psesSync: mapi_sync::sys::InterfacePtr::null(),
        punkCallBack: mapi_sync::sys::InterfacePtr::from_raw(dialog.as_raw()),
        phSyncDoneEvent: &mut event,
    };
    // SAFETY: a complete MAPISIB with a live callback and a writable event slot.
    let hr = unsafe { sync.SynchronizeInBackground(&mut sib) };
    if hr < 0 {
        println!("  SynchronizeInBackground failed: {}", Error::new(hr));
    } else {
        // SAFETY: the provider stored an open event handle that is now ours; Outlook waits
        // on it, then closes it.
        unsafe {
            mapi_sync::event::wait(event).unwrap();
            mapi_sync::event::close(event);
        }
    }
    // Outlook lets go of its dialog.
    drop(dialog);
    hr
}

fn main() {
    let server = Arc::new(Server {
        name: "imap.example.com".into(),
        down_at: Mutex::new(None),
    });
    let store = ImapStore {
        folders: vec![("Inbox", 24), ("Junk E-mail", 6), ("Archive", 12)],
        outbox: 3,
        server: server.clone(),
    };
    // What the store provider hands to MAPI; Outlook asks it for IMAPISync.
    let unknown = store.into_unknown();
    let sync: IMAPISync = unknown.cast().expect("the store answers IID_IMAPISync");

    let everything = SyncFlags::ON_DEMAND
        | SyncFlags::UPLOAD_CONTENTS
        | SyncFlags::DOWNLOAD_CONTENTS
        | SyncFlags::DOWNLOAD_HIERARCHY;
    send_receive(&sync, "Send/Receive All Folders", everything);

    // The same store again, with the server going away half way.
    *server.down_at.lock().unwrap() = Some("Archive");
    send_receive(
        &sync,
        "Send/Receive (server going down)",
        SyncFlags::DOWNLOAD_CONTENTS,
    );
}
