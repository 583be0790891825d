//! Facts from outside the generator (Microsoft's MAPI reference, written down with their
//! sources in docs/FACTS.md), checked against the committed bindings and the generator's
//! model.

use core::ffi::c_void;
use core::mem::{offset_of, size_of};
use std::path::Path;

use mapi_codegen::ir::Layout;
use mapi_sync_sys::*;

fn text(g: &GUID) -> String {
    format!("{g:?}")
}

#[test]
fn imapisync_iids_are_the_documented_ones() {
    assert_eq!(
        text(&IID_IMAPISync),
        "{5024A385-2D44-486A-81A8-8F0ECB6071DD}"
    );
    assert_eq!(
        text(&IID_IMAPISyncProgressCallback),
        "{5024A386-2D44-486A-81A8-8F0ECB6071DD}"
    );
    assert_eq!(<IMAPISync as ComInterface>::IID, IID_IMAPISync);
}

#[test]
fn mapi_ole_iids() {
    assert_eq!(
        text(&IID_IMsgStore),
        "{00020306-0000-0000-C000-000000000046}"
    );
    assert_eq!(
        text(&IID_IMAPISession),
        "{00020300-0000-0000-C000-000000000046}"
    );
    assert_eq!(
        text(&IID_IUnknown),
        "{00000000-0000-0000-C000-000000000046}"
    );
}

#[test]
fn imsgstore_vtable_follows_imapiprop() {
    let p = size_of::<usize>();
    // IUnknown's 3 entries, then IMAPIProp's 11.
    assert_eq!(size_of::<IUnknown_Vtbl>(), 3 * p);
    assert_eq!(size_of::<IMAPIProp_Vtbl>(), 14 * p);
    assert_eq!(offset_of!(IMsgStore_Vtbl, base__), 0);
    let own = [
        offset_of!(IMsgStore_Vtbl, Advise),
        offset_of!(IMsgStore_Vtbl, Unadvise),
        offset_of!(IMsgStore_Vtbl, CompareEntryIDs),
        offset_of!(IMsgStore_Vtbl, OpenEntry),
        offset_of!(IMsgStore_Vtbl, SetReceiveFolder),
        offset_of!(IMsgStore_Vtbl, GetReceiveFolder),
        offset_of!(IMsgStore_Vtbl, GetReceiveFolderTable),
        offset_of!(IMsgStore_Vtbl, StoreLogoff),
        offset_of!(IMsgStore_Vtbl, AbortSubmit),
        offset_of!(IMsgStore_Vtbl, GetOutgoingQueue),
        offset_of!(IMsgStore_Vtbl, SetLockState),
        offset_of!(IMsgStore_Vtbl, FinishedMsg),
        offset_of!(IMsgStore_Vtbl, NotifyNewMail),
    ];
    let expected: Vec<usize> = (14..27).map(|i| i * p).collect();
    assert_eq!(own.to_vec(), expected);
    assert_eq!(size_of::<IMsgStore_Vtbl>(), 27 * p);
}

#[test]
fn imapisync_vtables() {
    let p = size_of::<usize>();
    assert_eq!(offset_of!(IMAPISync_Vtbl, SynchronizeInBackground), 3 * p);
    assert_eq!(offset_of!(IMAPISyncProgressCallback_Vtbl, Progress), 3 * p);
    assert_eq!(offset_of!(IMAPISyncProgressCallback_Vtbl, Error), 4 * p);
    assert_eq!(offset_of!(IMAPISyncProgressCallback_Vtbl, Done), 5 * p);
    // The signatures, checked by the compiler.
    fn sync(v: &IMAPISync_Vtbl) -> unsafe extern "system" fn(*mut c_void, PMAPISIB) -> HRESULT {
        v.SynchronizeInBackground
    }
    fn progress(
        v: &IMAPISyncProgressCallback_Vtbl,
    ) -> unsafe extern "system" fn(*mut c_void, *const WCHAR, ULONG, ULONG) -> HRESULT {
        v.Progress
    }
    fn done(
        v: &IMAPISyncProgressCallback_Vtbl,
    ) -> unsafe extern "system" fn(*mut c_void, HANDLE, HRESULT) -> HRESULT {
        v.Done
    }
    let _ = (sync, progress, done);
}

#[test]
fn ulong_ptr_errata_are_applied() {
    // IMAPIProp::CopyTo's ulUIParam is a ULONG_PTR (pointer-sized), not a ULONG.
    fn copy_to(
        v: &IMAPIProp_Vtbl,
    ) -> unsafe extern "system" fn(
        *mut c_void,
        ULONG,
        LPCIID,
        LPSPropTagArray,
        ULONG_PTR,
        LPMAPIPROGRESS,
        LPCIID,
        LPVOID,
        ULONG,
        *mut LPSPropProblemArray,
    ) -> HRESULT {
        v.CopyTo
    }
    let _ = copy_to;
    assert_eq!(size_of::<ULONG_PTR>(), size_of::<usize>());
    // IMAPISession::Advise's connection is a ULONG_PTR*.
    fn advise(
        v: &IMAPISession_Vtbl,
    ) -> unsafe extern "system" fn(
        *mut c_void,
        ULONG,
        LPENTRYID,
        ULONG,
        LPMAPIADVISESINK,
        *mut ULONG_PTR,
    ) -> HRESULT {
        v.Advise
    }
    let _ = advise;
}

/// Whether `A` and `B` are one type.
fn same<A: 'static, B: 'static>() -> bool {
    std::any::TypeId::of::<A>() == std::any::TypeId::of::<B>()
}

#[test]
fn typedefs_are_microsofts() {
    // MAPIDefS.h: `typedef ULONG_PTR BOOKMARK;`, and the BOOKMARK_* constants are
    // BOOKMARKs.
    assert!(same::<BOOKMARK, ULONG_PTR>());
    assert_eq!(size_of::<BOOKMARK>(), size_of::<usize>());
    let _: [BOOKMARK; 3] = [BOOKMARK_BEGINNING, BOOKMARK_CURRENT, BOOKMARK_END];
    // The function types are STDMETHODCALLTYPE or STDAPICALLTYPE (stdcall on 32-bit
    // Windows): `extern "system"`, as their `LP...` aliases are.
    assert!(same::<
        ACCELERATEABSDI,
        Option<unsafe extern "system" fn(ULONG_PTR, LPVOID) -> BOOL>,
    >());
    assert!(same::<
        DISMISSMODELESS,
        Option<unsafe extern "system" fn(ULONG_PTR, LPVOID)>,
    >());
    assert!(same::<
        LPFNBUTTON,
        Option<unsafe extern "system" fn(ULONG_PTR, LPVOID, ULONG, LPENTRYID, ULONG) -> SCODE>,
    >());
    assert!(same::<
        NOTIFCALLBACK,
        Option<unsafe extern "system" fn(LPVOID, ULONG, LPNOTIFICATION) -> LONG>,
    >());
    // MAPISPI.h: MSGSERVICEENTRY's fourth parameter is `ULONG_PTR ulUIParam`.
    assert!(same::<
        MSGSERVICEENTRY,
        Option<
            unsafe extern "system" fn(
                HINSTANCE,
                LPMALLOC,
                LPMAPISUP,
                ULONG_PTR,
                ULONG,
                ULONG,
                ULONG,
                LPSPropValue,
                LPPROVIDERADMIN,
                *mut LPMAPIERROR,
            ) -> HRESULT,
        >,
    >());
    // MAPIUtil.h: CALLERRELEASE, FNIDLE, LPOPENSTREAMONFILE.
    assert!(same::<
        CALLERRELEASE,
        Option<unsafe extern "system" fn(ULONG_PTR, LPTABLEDATA, LPMAPITABLE)>,
    >());
    assert!(same::<
        FNIDLE,
        Option<unsafe extern "system" fn(LPVOID) -> BOOL>,
    >());
    assert!(same::<
        LPOPENSTREAMONFILE,
        Option<
            unsafe extern "system" fn(
                LPALLOCATEBUFFER,
                LPFREEBUFFER,
                ULONG,
                LPCTSTR,
                LPCTSTR,
                *mut LPSTREAM,
            ) -> HRESULT,
        >,
    >());
}

#[test]
fn hresults_and_flags() {
    assert_eq!(MAPI_E_NOT_FOUND, 0x8004010F_u32 as i32);
    assert_eq!(MAPI_E_INVALID_PARAMETER, 0x80070057_u32 as i32);
    assert_eq!(MAPI_E_NO_SUPPORT, 0x80040102_u32 as i32);
    assert_eq!(MAPI_W_ERRORS_RETURNED, 0x00040380);
    assert_eq!(PT_LONG, 3);
    assert_eq!(PT_UNICODE, 0x1F);
    assert_eq!(PR_DISPLAY_NAME_W, 0x3001_001F);
    assert_eq!(SYNC_UPLOAD_HIERARCHY, 0x0000_0001);
    assert_eq!(SYNC_DOWNLOAD_HIERARCHY, 0x0000_0002);
    assert_eq!(SYNC_UPLOAD_CONTENTS, 0x0000_0040);
    assert_eq!(SYNC_DOWNLOAD_CONTENTS, 0x0000_0080);
    assert_eq!(SYNC_OUTGOING_MAIL, 0x0000_0200);
    assert_eq!(SYNC_GLOBAL_HEADERS, 0x0200_0000);
    assert_eq!(SYNC_ON_DEMAND, 0x2000_0000);
}

#[test]
fn mapisib_layout_on_both_windows_abis() {
    // This host is 64-bit; the 32-bit figure comes from the generator's i686 parse and is
    // also asserted at compile time by the i686-pc-windows-gnu build.
    assert_eq!(size_of::<MAPISIB>(), 32);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let g = mapi_codegen::generate(&mapi_codegen::Options {
        manifest: root.join("headers/mapi.toml"),
        mapi_include: None,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        g.model.layouts["x86_64"]["_MAPISIB"],
        Layout { size: 32, align: 8 }
    );
    assert_eq!(
        g.model.layouts["i686"]["_MAPISIB"],
        Layout { size: 20, align: 4 }
    );
    // The errata reach the model too.
    let prop = g
        .model
        .interfaces
        .iter()
        .find(|i| i.name == "IMAPIProp")
        .unwrap();
    let copy_to = prop.methods.iter().find(|m| m.name == "CopyTo").unwrap();
    let ui = copy_to
        .params
        .iter()
        .find(|p| p.name == "ulUIParam")
        .unwrap();
    assert_eq!(ui.ty.to_string(), "ULONG_PTR");
}

/// Names declared by `macro(NAME, ...)` in a header, read with plain text search,
/// independent of the generator.
fn declared_in(header: &str, prefix: &str) -> Vec<String> {
    let text = std::fs::read_to_string(Path::new("/usr/share/mingw-w64/include").join(header))
        .unwrap_or_else(|e| panic!("{header}: {e}"));
    let mut names: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '(' || c == '#'))
        .filter_map(|w| w.strip_prefix(prefix))
        .map(|w| w.trim_start_matches('(').to_string())
        .filter(|w| !w.is_empty() && w != "iface")
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The names after `#define PREFIX` at the start of a line, without the prefix.
fn defines(header: &str, prefix: &str) -> Vec<String> {
    std::fs::read_to_string(Path::new("/usr/share/mingw-w64/include").join(header))
        .unwrap_or_else(|e| panic!("{header}: {e}"))
        .lines()
        .filter_map(|l| l.strip_prefix("#define ")?.strip_prefix(prefix))
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn every_interface_and_code_of_the_headers_is_emitted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let g = mapi_codegen::generate(&mapi_codegen::Options {
        manifest: root.join("headers/mapi.toml"),
        mapi_include: None,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let emitted: Vec<&str> = g.model.interfaces.iter().map(|i| i.name.as_str()).collect();
    let mut count = 0;
    for h in ["mapidefs.h", "mapix.h", "mapispi.h"] {
        for name in declared_in(h, "DECLARE_MAPI_INTERFACE_(") {
            assert!(
                emitted.contains(&name.as_str()),
                "{name} from {h} is not emitted"
            );
            count += 1;
        }
    }
    assert_eq!(count, 27);
    assert!(emitted.contains(&"IMAPISync") && emitted.contains(&"IMAPISyncProgressCallback"));
    let mapicode = &g.files["src/mapicode.rs"];
    let codes = defines("mapicode.h", "MAPI_E_");
    assert_eq!(codes.len(), 68);
    for c in codes {
        assert!(
            mapicode.contains(&format!("pub const MAPI_E_{c}: HRESULT")),
            "MAPI_E_{c}"
        );
    }
    let tags = &g.files["src/mapitags.rs"];
    let prs = defines("mapitags.h", "PR_");
    assert!(prs.len() > 700);
    for p in prs {
        assert!(tags.contains(&format!("pub const PR_{p}: ULONG")), "PR_{p}");
    }
}

/// COM's stream interfaces (emitted from the mingw-w64 objidlbase.h the MAPI headers
/// include; docs/FACTS.md, "IStream"): the IIDs and vtable order of Microsoft's
/// "ISequentialStream interface" and "IStream interface" pages, `LPSTREAM` typed, and
/// STATSTG's layout on both Windows ABIs.
#[test]
fn istream_iids_vtables_and_statstg() {
    assert_eq!(
        text(&IID_ISequentialStream),
        "{0C733A30-2A1C-11CE-ADE5-00AA0044773D}"
    );
    assert_eq!(text(&IID_IStream), "{0000000C-0000-0000-C000-000000000046}");
    assert_eq!(<IStream as ComInterface>::IID, IID_IStream);
    assert_eq!(
        <IStream as ComInterface>::BASE_IIDS,
        &[IID_ISequentialStream, IID_IUnknown]
    );
    assert!(same::<LPSTREAM, InterfacePtr<IStream>>());
    let p = size_of::<usize>();
    assert_eq!(offset_of!(ISequentialStream_Vtbl, Read), 3 * p);
    assert_eq!(offset_of!(ISequentialStream_Vtbl, Write), 4 * p);
    assert_eq!(offset_of!(IStream_Vtbl, base__), 0);
    let own = [
        offset_of!(IStream_Vtbl, Seek),
        offset_of!(IStream_Vtbl, SetSize),
        offset_of!(IStream_Vtbl, CopyTo),
        offset_of!(IStream_Vtbl, Commit),
        offset_of!(IStream_Vtbl, Revert),
        offset_of!(IStream_Vtbl, LockRegion),
        offset_of!(IStream_Vtbl, UnlockRegion),
        offset_of!(IStream_Vtbl, Stat),
        offset_of!(IStream_Vtbl, Clone),
    ];
    assert_eq!(own.to_vec(), (5..14).map(|i| i * p).collect::<Vec<_>>());
    assert_eq!(size_of::<IStream_Vtbl>(), 14 * p);
    // Signatures the compiler checks: Seek's move is signed, the sizes unsigned.
    fn seek(
        v: &IStream_Vtbl,
    ) -> unsafe extern "system" fn(*mut c_void, LARGE_INTEGER, DWORD, *mut ULARGE_INTEGER) -> HRESULT
    {
        v.Seek
    }
    fn stat(
        v: &IStream_Vtbl,
    ) -> unsafe extern "system" fn(*mut c_void, *mut STATSTG, DWORD) -> HRESULT {
        v.Stat
    }
    let _ = (seek, stat);
    // STATSTG: a pointer, a DWORD, the 8-byte-aligned ULARGE_INTEGER and three FILETIMEs,
    // three DWORDs around a CLSID, a reserved DWORD.
    assert_eq!(size_of::<STATSTG>(), 80);
    assert_eq!(offset_of!(STATSTG, cbSize), 16);
    assert_eq!(offset_of!(STATSTG, mtime), 24);
    assert_eq!(offset_of!(STATSTG, grfMode), 48);
    assert_eq!(offset_of!(STATSTG, clsid), 56);
    assert_eq!(offset_of!(STATSTG, reserved), 76);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let g = mapi_codegen::generate(&mapi_codegen::Options {
        manifest: root.join("headers/mapi.toml"),
        mapi_include: None,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        g.model.layouts["x86_64"]["tagSTATSTG"],
        Layout { size: 80, align: 8 }
    );
    assert_eq!(
        g.model.layouts["i686"]["tagSTATSTG"],
        Layout { size: 72, align: 8 }
    );
}

/// The storage constants the manifest declares (`[[extra_constant]]`: STGM_*, STREAM_SEEK_*,
/// STATFLAG_*, STGTY_*, LOCK_*, STGC_*, STG_E_*) have the values the Windows headers give
/// them: a C file of static assertions, compiled against the mingw-w64 headers.
#[test]
fn storage_constants_match_the_windows_headers() {
    let constants: &[(&str, u32)] = &[
        ("STGM_DIRECT", STGM_DIRECT),
        ("STGM_TRANSACTED", STGM_TRANSACTED),
        ("STGM_SIMPLE", STGM_SIMPLE),
        ("STGM_READ", STGM_READ),
        ("STGM_WRITE", STGM_WRITE),
        ("STGM_READWRITE", STGM_READWRITE),
        ("STGM_SHARE_DENY_NONE", STGM_SHARE_DENY_NONE),
        ("STGM_SHARE_DENY_READ", STGM_SHARE_DENY_READ),
        ("STGM_SHARE_DENY_WRITE", STGM_SHARE_DENY_WRITE),
        ("STGM_SHARE_EXCLUSIVE", STGM_SHARE_EXCLUSIVE),
        ("STGM_PRIORITY", STGM_PRIORITY),
        ("STGM_DELETEONRELEASE", STGM_DELETEONRELEASE),
        ("STGM_NOSCRATCH", STGM_NOSCRATCH),
        ("STGM_CREATE", STGM_CREATE),
        ("STGM_CONVERT", STGM_CONVERT),
        ("STGM_FAILIFTHERE", STGM_FAILIFTHERE),
        ("STGM_NOSNAPSHOT", STGM_NOSNAPSHOT),
        ("STGM_DIRECT_SWMR", STGM_DIRECT_SWMR),
        ("STREAM_SEEK_SET", STREAM_SEEK_SET),
        ("STREAM_SEEK_CUR", STREAM_SEEK_CUR),
        ("STREAM_SEEK_END", STREAM_SEEK_END),
        ("STATFLAG_DEFAULT", STATFLAG_DEFAULT),
        ("STATFLAG_NONAME", STATFLAG_NONAME),
        ("STATFLAG_NOOPEN", STATFLAG_NOOPEN),
        ("STGTY_STORAGE", STGTY_STORAGE),
        ("STGTY_STREAM", STGTY_STREAM),
        ("STGTY_LOCKBYTES", STGTY_LOCKBYTES),
        ("STGTY_PROPERTY", STGTY_PROPERTY),
        ("LOCK_WRITE", LOCK_WRITE),
        ("LOCK_EXCLUSIVE", LOCK_EXCLUSIVE),
        ("LOCK_ONLYONCE", LOCK_ONLYONCE),
        ("STGC_DEFAULT", STGC_DEFAULT),
        ("STGC_OVERWRITE", STGC_OVERWRITE),
        ("STGC_ONLYIFCURRENT", STGC_ONLYIFCURRENT),
        (
            "STGC_DANGEROUSLYCOMMITMERELYTODISKCACHE",
            STGC_DANGEROUSLYCOMMITMERELYTODISKCACHE,
        ),
        ("STGC_CONSOLIDATE", STGC_CONSOLIDATE),
        ("STG_E_INVALIDFUNCTION", STG_E_INVALIDFUNCTION as u32),
        ("STG_E_FILENOTFOUND", STG_E_FILENOTFOUND as u32),
        ("STG_E_PATHNOTFOUND", STG_E_PATHNOTFOUND as u32),
        ("STG_E_TOOMANYOPENFILES", STG_E_TOOMANYOPENFILES as u32),
        ("STG_E_ACCESSDENIED", STG_E_ACCESSDENIED as u32),
        ("STG_E_INVALIDHANDLE", STG_E_INVALIDHANDLE as u32),
        ("STG_E_INSUFFICIENTMEMORY", STG_E_INSUFFICIENTMEMORY as u32),
        ("STG_E_INVALIDPOINTER", STG_E_INVALIDPOINTER as u32),
        ("STG_E_NOMOREFILES", STG_E_NOMOREFILES as u32),
        (
            "STG_E_DISKISWRITEPROTECTED",
            STG_E_DISKISWRITEPROTECTED as u32,
        ),
        ("STG_E_SEEKERROR", STG_E_SEEKERROR as u32),
        ("STG_E_WRITEFAULT", STG_E_WRITEFAULT as u32),
        ("STG_E_READFAULT", STG_E_READFAULT as u32),
        ("STG_E_SHAREVIOLATION", STG_E_SHAREVIOLATION as u32),
        ("STG_E_LOCKVIOLATION", STG_E_LOCKVIOLATION as u32),
        ("STG_E_FILEALREADYEXISTS", STG_E_FILEALREADYEXISTS as u32),
        ("STG_E_INVALIDPARAMETER", STG_E_INVALIDPARAMETER as u32),
        ("STG_E_MEDIUMFULL", STG_E_MEDIUMFULL as u32),
        ("STG_E_INVALIDFLAG", STG_E_INVALIDFLAG as u32),
        ("STG_E_NOTCURRENT", STG_E_NOTCURRENT as u32),
        ("STG_E_REVERTED", STG_E_REVERTED as u32),
        ("STG_E_CANTSAVE", STG_E_CANTSAVE as u32),
    ];
    let mut c = String::from("#include <windows.h>\n#include <objbase.h>\n");
    for (name, value) in constants {
        c.push_str(&format!(
            "_Static_assert((unsigned long)({name}) == {value:#x}UL, \"{name}\");\n"
        ));
    }
    let dir = std::env::temp_dir().join(format!("mapi-facts-stg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("stg.c");
    std::fs::write(&file, c).unwrap();
    let out = std::process::Command::new("x86_64-w64-mingw32-gcc")
        .args(["-fsyntax-only", "-std=c11"])
        .arg(&file)
        .output()
        .expect("x86_64-w64-mingw32-gcc (gcc-mingw-w64-x86-64) runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(constants.len(), 58);
}
