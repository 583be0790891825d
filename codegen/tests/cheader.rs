//! The C/C++ header lowered from our IDL compiles as C and as C++, on Linux alone and for
//! both Windows targets beside the mingw-w64 MAPI headers, with the documented layout.

use std::path::{Path, PathBuf};
use std::process::Command;

fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated/include")
}

/// A C translation unit that uses the header as a C host would.
const C_TU: &str = r#"
#define INITGUID
#define COBJMACROS
#include "mapisync.h"
#include <stddef.h>

_Static_assert(sizeof(MAPISIB) == EXPECTED_MAPISIB_SIZE, "sizeof(MAPISIB)");
_Static_assert(sizeof(ULONG) == 4 && sizeof(HRESULT) == 4 && sizeof(WCHAR) == 2, "widths");
_Static_assert(sizeof(HANDLE) == sizeof(void *), "HANDLE is a pointer");
_Static_assert(offsetof(IMAPISyncProgressCallbackVtbl, Progress) == 3 * sizeof(void *), "Progress slot");
_Static_assert(offsetof(IMAPISyncProgressCallbackVtbl, Done) == 5 * sizeof(void *), "Done slot");
_Static_assert(SYNC_ON_DEMAND == 0x20000000u, "SYNC_ON_DEMAND");

int check(IMAPISync *sync, MAPISIB *sib) {
    IMAPISyncProgressCallback *cb = 0;
    if (IMAPISync_QueryInterface(sync, &IID_IMAPISyncProgressCallback, (void **)&cb) != S_OK)
        return 1;
    IMAPISyncProgressCallback_Release(cb);
    return IMAPISync_SynchronizeInBackground(sync, sib) == S_OK
        && IID_IMAPISync.Data1 == 0x5024A385u && IID_IMAPISyncProgressCallback.Data1 == 0x5024A386u;
}
"#;

/// A C++ translation unit: a class implementing the callback through the header's
/// declarations, and the same layout checks.
const CPP_TU: &str = r#"
#define INITGUID
#include "mapisync.h"

static_assert(sizeof(MAPISIB) == EXPECTED_MAPISIB_SIZE, "sizeof(MAPISIB)");
static_assert(sizeof(ULONG) == 4 && sizeof(HRESULT) == 4 && sizeof(WCHAR) == 2, "widths");

struct Recorder : public IMAPISyncProgressCallback {
    ULONG refs = 1;
    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID, void **out) override { *out = this; return S_OK; }
    ULONG STDMETHODCALLTYPE AddRef() override { return ++refs; }
    ULONG STDMETHODCALLTYPE Release() override { return --refs; }
    HRESULT STDMETHODCALLTYPE Progress(const WCHAR *, ULONG, ULONG) override { return S_OK; }
    HRESULT STDMETHODCALLTYPE Error(HRESULT, const WCHAR *) override { return S_OK; }
    HRESULT STDMETHODCALLTYPE Done(HANDLE, HRESULT) override { return S_OK; }
};

HRESULT start(IMAPISync *sync, MAPISIB *sib) {
    Recorder r;
    sib->punkCallBack = &r;
    return sync->SynchronizeInBackground(sib);
}
"#;

fn compile(
    compiler: &str,
    package: &str,
    lang: &str,
    source: &str,
    sizeof_sib: u32,
    extra: &[&str],
) {
    let dir = tempfile::tempdir().unwrap();
    let ext = if lang == "c" { "c" } else { "cpp" };
    let src = dir.path().join(format!("host.{ext}"));
    std::fs::write(&src, source).unwrap();
    let std = if lang == "c" {
        "-std=c11"
    } else {
        "-std=c++11"
    };
    let out = Command::new(compiler)
        .args([std, "-Wall", "-Wextra", "-Werror", "-c"])
        .arg(format!("-DEXPECTED_MAPISIB_SIZE={sizeof_sib}"))
        .arg("-I")
        .arg(include_dir())
        .args(extra)
        .arg(&src)
        .arg("-o")
        .arg(dir.path().join("host.o"))
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {compiler} ({e}); install it with `apt-get install {package}`")
        });
    assert!(
        out.status.success(),
        "{compiler} rejected mapisync.h as {lang}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn c_on_linux_stands_alone() {
    compile("gcc", "gcc", "c", C_TU, 32, &["-pedantic"]);
}

#[test]
fn cpp_on_linux_stands_alone() {
    compile("g++", "g++", "c++", CPP_TU, 32, &["-pedantic"]);
}

#[test]
fn c_view_in_cpp_with_cinterface() {
    let tu = format!(
        "#define CINTERFACE\n{}",
        // In C++ REFIID is a reference, CINTERFACE or not, as in Windows' own headers.
        C_TU.replace("_Static_assert", "static_assert").replace(
            "&IID_IMAPISyncProgressCallback",
            "IID_IMAPISyncProgressCallback"
        )
    );
    compile("g++", "g++", "c++", &tu, 32, &[]);
}

#[test]
fn c_for_64_bit_windows() {
    compile(
        "x86_64-w64-mingw32-gcc",
        "gcc-mingw-w64-x86-64",
        "c",
        C_TU,
        32,
        &[],
    );
}

#[test]
fn cpp_for_64_bit_windows() {
    compile(
        "x86_64-w64-mingw32-g++",
        "g++-mingw-w64-x86-64",
        "c++",
        CPP_TU,
        32,
        &[],
    );
}

#[test]
fn c_for_32_bit_windows() {
    compile(
        "i686-w64-mingw32-gcc",
        "gcc-mingw-w64-i686",
        "c",
        C_TU,
        20,
        &[],
    );
}

#[test]
fn cpp_for_32_bit_windows() {
    compile(
        "i686-w64-mingw32-g++",
        "g++-mingw-w64-i686",
        "c++",
        CPP_TU,
        20,
        &[],
    );
}
