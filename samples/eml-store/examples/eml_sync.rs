//! MAPI's side of the eml-store, played in Rust: loads the store through
//! `MSProviderInit`, logs on, reads the store's name and the inbox, drops new `.eml` files
//! into the folder and syncs them with a terminal progress bar (the `Progress` calls of
//! `IMAPISyncProgressCallback` drive an `indicatif` bar; `Error` calls print above it).
//!
//! ```sh
//! cargo run -p eml-store --example eml_sync              # a fresh folder in /tmp
//! cargo run -p eml-store --example eml_sync -- DIR 2000  # DIR (made if missing), 2,000 new files
//! ```
#![allow(non_snake_case)] // the generated _Impl traits keep MAPI's parameter names

use std::path::PathBuf;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use mapi_sync::mem::Allocators;
use mapi_sync::prelude::*;
use mapi_sync::props::{write_prop_tags, PropValue, Props, Rows};
use mapi_sync::sys::{self, Interface, HANDLE, HRESULT, MAPISIB, S_OK, ULONG, WCHAR};

#[path = "../tests/support/mod.rs"]
mod support;

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
    unsafe fn Progress(
        &self,
        pwcszProgress: *const WCHAR,
        ulIndex: ULONG,
        ulIndexMax: ULONG,
    ) -> HRESULT {
        self.bar.set_length(u64::from(ulIndexMax.max(1)));
        self.bar.set_position(u64::from(ulIndex));
        self.bar.set_message(from_wide(pwcszProgress));
        S_OK
    }

    unsafe fn Error(&self, hResult: HRESULT, pwcszErrorStr: *const WCHAR) -> HRESULT {
        let name = mapi_sync::hresult_name(hResult).unwrap_or("?");
        let line = format!("  ! {name}: {}", from_wide(pwcszErrorStr));
        if self.bar.is_hidden() {
            println!("{line}"); // not a terminal: no bar to print above
        } else {
            self.bar.println(line);
        }
        S_OK
    }

    unsafe fn Done(&self, _hThreadDoneEvent: HANDLE, hResult: HRESULT) -> HRESULT {
        let outcome = if hResult >= 0 {
            "done".to_owned()
        } else {
            format!("failed: {}", mapi_sync::Error::new(hResult))
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

fn free(p: *mut std::ffi::c_void) {
    let (_, _, free) = Allocators::local().as_raw();
    // SAFETY: a buffer the store handed out with these allocators, freed once.
    unsafe { free.expect("local allocators")(p) };
}

fn write_message(dir: &std::path::Path, name: &str, subject: &str, n: usize) {
    let text = format!(
        "From: Sender {n} <sender{n}@example.com>\r\nSubject: {subject}\r\n\
         Date: Tue, 1 Dec 2026 {:02}:{:02}:00 +0000\r\n\r\nThis is {subject}.\r\n",
        n / 60 % 24,
        n % 60
    );
    std::fs::write(dir.join(name), text).expect("write a message");
}

fn row_count(table: &sys::IMAPITable) -> ULONG {
    let mut count = 0;
    // SAFETY: a writable ULONG.
    mapi_sync::check(unsafe { table.GetRowCount(0, &mut count) }).expect("GetRowCount");
    count
}

fn main() -> mapi_sync::Result<()> {
    let mut args = std::env::args().skip(1);
    let scratch;
    let dir = match args.next() {
        Some(d) => PathBuf::from(d),
        None => {
            scratch = tempfile::tempdir().expect("a scratch folder");
            scratch.path().join("mail")
        }
    };
    let new: usize = args
        .next()
        .map_or(500, |n| n.parse().expect("a number of files"));
    std::fs::create_dir_all(&dir)?;
    for n in 1..=10 {
        write_message(&dir, &format!("{n:05}.eml"), &format!("Message {n}"), n);
    }

    // MSProviderInit, then IMSProvider::Logon with a profile whose section names the
    // folder (what the service entry keeps there), as MAPI calls them.
    let provider = support::provider();
    println!(
        "MSProviderInit: SPI version {:#010x}",
        sys::CURRENT_SPI_VERSION
    );
    let (logon, store) = support::logon(&provider, &dir);

    // The store's display name.
    let tags = write_prop_tags(Allocators::local(), &[sys::PR_DISPLAY_NAME_W])?;
    let (mut count, mut values) = (0, std::ptr::null_mut());
    // SAFETY: a tag array and writable out-pointers.
    mapi_sync::check(unsafe { store.GetProps(tags.as_ptr().cast(), 0, &mut count, &mut values) })?;
    // SAFETY: what GetProps handed out.
    let name = unsafe { Props::from_raw(values, count) }?
        .get(0)
        .and_then(|p| p.value().to_text());
    println!(
        "Logged on to \"{}\" ({})",
        name.unwrap_or_default(),
        dir.display()
    );
    free(values.cast());

    // The inbox and its contents table.
    let (mut cb, mut inbox_id) = (0, std::ptr::null_mut());
    // SAFETY: writable out-pointers; no explicit class asked for.
    mapi_sync::check(unsafe {
        store.GetReceiveFolder(
            std::ptr::null_mut(),
            0,
            &mut cb,
            &mut inbox_id,
            std::ptr::null_mut(),
        )
    })?;
    let (mut kind, mut unknown) = (0, sys::InterfacePtr::null());
    // SAFETY: the identifier GetReceiveFolder gave, and writable out-pointers.
    mapi_sync::check(unsafe {
        store.OpenEntry(
            cb,
            inbox_id,
            std::ptr::null_mut(),
            0,
            &mut kind,
            &mut unknown,
        )
    })?;
    free(inbox_id.cast());
    // SAFETY: one reference from OpenEntry.
    let inbox: sys::IMAPIFolder = unsafe { unknown.into_owned() }
        .unwrap()
        .cast()
        .map_err(mapi_sync::Error::new)?;
    let mut table_raw = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    mapi_sync::check(unsafe { inbox.GetContentsTable(0, &mut table_raw) })?;
    // SAFETY: one reference from GetContentsTable.
    let table = unsafe { table_raw.into_owned() }.unwrap();
    println!("Inbox: {} messages", row_count(&table));

    // New mail arrives as files; one of them is not a message.
    for n in 1..=new {
        write_message(
            &dir,
            &format!("new{n:05}.eml"),
            &format!("New message {n}"),
            100 + n,
        );
    }
    std::fs::write(dir.join("new00000-broken.eml"), "this is not a message\n")?;
    println!("{} new files in the folder; syncing", new + 1);

    // Send/Receive: IMAPISync with our dialog.
    let sync: sys::IMAPISync = store.cast().map_err(mapi_sync::Error::new)?;
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
    let started = Instant::now();
    // SAFETY: a complete MAPISIB with a live callback and a writable event slot.
    mapi_sync::check(unsafe { sync.SynchronizeInBackground(&mut sib) })?;
    // SAFETY: the event the store handed out, ours to wait on and close.
    unsafe {
        mapi_sync::event::wait_timeout(event, Duration::from_secs(600))?;
        mapi_sync::event::close(event);
    }
    if !bar.is_hidden() {
        eprintln!(); // the bar (on stderr) stays; what follows goes under it
    }
    println!("Synced in {:.2} s", started.elapsed().as_secs_f64());

    // The inbox again: a table opened now shows the new rows at its end (one opened
    // before shows the folder as it was, until table notifications come).
    drop(table);
    let mut table_raw = sys::InterfacePtr::null();
    // SAFETY: a writable out-pointer.
    mapi_sync::check(unsafe { inbox.GetContentsTable(0, &mut table_raw) })?;
    // SAFETY: one reference from GetContentsTable.
    let table = unsafe { table_raw.into_owned() }.unwrap();
    let last = row_count(&table);
    println!("Inbox: {last} messages");
    let columns = write_prop_tags(Allocators::local(), &[sys::PR_SUBJECT_W])?;
    let mut sought = 0;
    // SAFETY: a tag array; a writable LONG; a writable row-set pointer.
    unsafe {
        mapi_sync::check(table.SetColumns(columns.as_ptr().cast(), 0))?;
        mapi_sync::check(table.SeekRow(sys::BOOKMARK_END, -3, &mut sought))?;
        let mut rows = std::ptr::null_mut();
        mapi_sync::check(table.QueryRows(3, 0, &mut rows))?;
        for row in Rows::from_raw(rows)?.iter() {
            if let Some(PropValue::Unicode(s)) = row.get(0).map(|p| p.value()) {
                println!("  ... {}", String::from_utf16_lossy(s));
            }
        }
        // FreeProws: each row, then the set.
        let first = std::ptr::addr_of!((*rows).aRow).cast::<sys::SRow>();
        for i in 0..(*rows).cRows as usize {
            free((*first.add(i)).lpProps.cast());
        }
        free(rows.cast());
    }

    // Logoff and release, as MAPI does.
    let mut flags = 0;
    // SAFETY: a writable ULONG.
    unsafe { mapi_sync::check(logon.Logoff(&mut flags))? };
    drop((sync, table, inbox, store, logon, provider, dialog));
    println!(
        "Logged off; {} objects of the store alive",
        mapi_sync::module::live_objects()
    );
    Ok(())
}
