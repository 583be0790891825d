//! Compiles the C/C++ header generated from `headers/mapisync.idl` for real: with gcc and
//! g++ on Linux (where the header takes its COM types from the umbrella header
//! `generated/include/mapi-sync.h`), and with the mingw-w64 cross
//! compilers for x86_64 and i686 Windows next to the mingw-w64 MAPI headers.
//!
//! Every translation unit checks layouts and flag values with static assertions. The IID
//! values cannot be checked that way (a `const GUID` object is not a constant expression in
//! C or C++), so the test finds each IID's 16 bytes in the objects compiled with `INITGUID`,
//! and on Linux links a C++ program that implements both interfaces with the C++ view and
//! calls them through the C view (`COBJMACROS`) and runs it.
//!
//! A missing compiler fails the test with the Debian package to install; nothing is skipped.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;

use mapi_codegen::idl::{self, CHeaderOptions};

/// IID_IMAPISync, {5024A385-2D44-486A-81A8-8F0ECB6071DD}, as stored in memory.
const IID_IMAPISYNC_BYTES: [u8; 16] = [
    0x85, 0xA3, 0x24, 0x50, 0x44, 0x2D, 0x6A, 0x48, 0x81, 0xA8, 0x8F, 0x0E, 0xCB, 0x60, 0x71, 0xDD,
];
/// IID_IMAPISyncProgressCallback, {5024A386-2D44-486A-81A8-8F0ECB6071DD}.
const IID_IMAPISYNCPROGRESSCALLBACK_BYTES: [u8; 16] = [
    0x86, 0xA3, 0x24, 0x50, 0x44, 0x2D, 0x6A, 0x48, 0x81, 0xA8, 0x8F, 0x0E, 0xCB, 0x60, 0x71, 0xDD,
];

/// C: every declaration in use, calls through the COBJMACROS macros, layout assertions.
const USE_C: &str = r##"/* Uses mapisync.h from C: layout checks, and calls through the COBJMACROS macros. */
#define COBJMACROS
#include "mapisync.h"
#include <stddef.h>
#include <string.h>

_Static_assert(sizeof(MAPISIB) == MAPISIB_SIZE, "sizeof(MAPISIB)");
_Static_assert(offsetof(MAPISIB, psesSync) == 8, "psesSync follows two ULONGs");
_Static_assert(sizeof(ULONG) == 4 && sizeof(HRESULT) == 4 && sizeof(WCHAR) == 2, "Windows widths");
_Static_assert(sizeof(GUID) == 16, "sizeof(GUID)");
_Static_assert(SYNC_UPLOAD_HIERARCHY == 0x00000001 && SYNC_DOWNLOAD_HIERARCHY == 0x00000002
                   && SYNC_UPLOAD_CONTENTS == 0x00000040 && SYNC_DOWNLOAD_CONTENTS == 0x00000080
                   && SYNC_OUTGOING_MAIL == 0x00000200 && SYNC_GLOBAL_HEADERS == 0x02000000
                   && SYNC_ON_DEMAND == 0x20000000,
               "SYNC_* values");
_Static_assert(S_OK == 0 && E_NOINTERFACE < 0 && E_POINTER < 0 && E_UNEXPECTED < 0
                   && MAPI_E_INVALID_PARAMETER < 0,
               "HRESULT signs");
_Static_assert(offsetof(IMAPISyncVtbl, SynchronizeInBackground) == 3 * sizeof(void *),
               "SynchronizeInBackground follows IUnknown's three methods");
_Static_assert(sizeof(IMAPISyncProgressCallbackVtbl) == 6 * sizeof(void *), "six methods");
_Static_assert(offsetof(IMAPISyncProgressCallbackVtbl, Progress) == 3 * sizeof(void *), "Progress");
_Static_assert(offsetof(IMAPISyncProgressCallbackVtbl, Done) == 5 * sizeof(void *), "Done");

HRESULT start_sync(IMAPISync *sync, LPMAPISESSION session, LPUNKNOWN callback, HANDLE *done)
{
    MAPISIB sib;
    memset(&sib, 0, sizeof sib);
    sib.ulSize = sizeof sib;
    sib.ulFlags = SYNC_UPLOAD_CONTENTS | SYNC_DOWNLOAD_CONTENTS | SYNC_ON_DEMAND;
    sib.psesSync = session;
    sib.punkCallBack = callback;
    sib.phSyncDoneEvent = done;
    return IMAPISync_SynchronizeInBackground(sync, &sib);
}

HRESULT report(LPUNKNOWN unknown, HANDLE done)
{
    static const WCHAR text[] = { 'S', 'y', 'n', 'c', 0 };
    LPMAPISYNCPROGRESSCALLBACK cb = NULL;
    HRESULT hr = IUnknown_QueryInterface(unknown, &IID_IMAPISyncProgressCallback, (void **)&cb);
    if (FAILED(hr))
        return hr;
    hr = IMAPISyncProgressCallback_Progress(cb, text, 1, 2);
    if (SUCCEEDED(hr))
        hr = IMAPISyncProgressCallback_Error(cb, MAPI_E_INVALID_PARAMETER, text);
    if (SUCCEEDED(hr))
        hr = IMAPISyncProgressCallback_Done(cb, done, S_OK);
    IMAPISyncProgressCallback_Release(cb);
    return hr;
}
"##;

/// C with INITGUID: defines the IIDs in this object.
const GUIDS_C: &str = r##"/* Defines the IIDs in this translation unit (the test finds their bytes in the object). */
#define INITGUID
#include "mapisync.h"

_Static_assert(sizeof(MAPISIB) == MAPISIB_SIZE, "sizeof(MAPISIB)");

const GUID *const mapisync_test_iids[] = { &IID_IMAPISync, &IID_IMAPISyncProgressCallback };
"##;

/// C++ with INITGUID: implements both interfaces and drives them through `use.c`.
const MAIN_CPP: &str = r##"// Implements both interfaces with the C++ view and drives them through the C functions
// in use.c: the two views must agree on the vtable layout and calling convention.
#define INITGUID
#include "mapisync.h"
#include <cstddef>
#include <cstdio>
#include <cstring>

static_assert(sizeof(MAPISIB) == MAPISIB_SIZE, "sizeof(MAPISIB)");
static_assert(offsetof(MAPISIB, phSyncDoneEvent) == 8 + 2 * sizeof(void *), "phSyncDoneEvent");
static_assert(sizeof(ULONG) == 4 && sizeof(HRESULT) == 4 && sizeof(WCHAR) == 2, "Windows widths");
static_assert(SYNC_ON_DEMAND == 0x20000000 && SYNC_GLOBAL_HEADERS == 0x02000000, "SYNC_*");
static_assert(E_NOINTERFACE < 0 && MAPI_E_INVALID_PARAMETER < 0, "HRESULT signs");
static_assert(sizeof(IMAPISync) == sizeof(void *), "one vtable pointer");

extern "C" HRESULT start_sync(IMAPISync *sync, LPMAPISESSION session, LPUNKNOWN callback,
                              HANDLE *done);
extern "C" HRESULT report(LPUNKNOWN unknown, HANDLE done);

static bool same(const GUID &a, const GUID &b) { return std::memcmp(&a, &b, sizeof(GUID)) == 0; }

struct Callback : public IMAPISyncProgressCallback {
    ULONG refs = 1;
    int progress = 0, errors = 0, done = 0;
    ULONG index = 0, max = 0;
    WCHAR first = 0;
    HRESULT error = S_OK, status = E_UNEXPECTED;
    HANDLE event = nullptr;

    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void **ppv) override {
        if (!ppv)
            return E_POINTER;
        if (same(riid, IID_IUnknown) || same(riid, IID_IMAPISyncProgressCallback)) {
            *ppv = this;
            AddRef();
            return S_OK;
        }
        *ppv = nullptr;
        return E_NOINTERFACE;
    }
    ULONG STDMETHODCALLTYPE AddRef() override { return ++refs; }
    ULONG STDMETHODCALLTYPE Release() override { return --refs; }
    HRESULT STDMETHODCALLTYPE Progress(const WCHAR *text, ULONG i, ULONG n) override {
        ++progress;
        index = i;
        max = n;
        first = text ? text[0] : 0;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE Error(HRESULT hr, const WCHAR *) override {
        ++errors;
        error = hr;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE Done(HANDLE ev, HRESULT hr) override {
        ++done;
        event = ev;
        status = hr;
        return S_OK;
    }
};

struct Sync : public IMAPISync {
    int calls = 0;
    MAPISIB seen;
    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void **ppv) override {
        *ppv = same(riid, IID_IMAPISync) ? this : nullptr;
        return *ppv ? S_OK : E_NOINTERFACE;
    }
    ULONG STDMETHODCALLTYPE AddRef() override { return 2; }
    ULONG STDMETHODCALLTYPE Release() override { return 1; }
    HRESULT STDMETHODCALLTYPE SynchronizeInBackground(PMAPISIB psib) override {
        ++calls;
        seen = *psib;
        *psib->phSyncDoneEvent = this;
        return S_OK;
    }
};

int main() {
    int failures = 0;
#define EXPECT(c)                                                                  \
    do {                                                                           \
        if (!(c)) {                                                                \
            std::printf("%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
            ++failures;                                                            \
        }                                                                          \
    } while (0)
    EXPECT(IID_IMAPISync.Data1 == 0x5024A385u && IID_IMAPISync.Data2 == 0x2D44);
    EXPECT(IID_IMAPISync.Data3 == 0x486A && IID_IMAPISync.Data4[0] == 0x81);
    EXPECT(IID_IMAPISync.Data4[7] == 0xDD);
    EXPECT(IID_IMAPISyncProgressCallback.Data1 == 0x5024A386u);

    Callback cb;
    int event = 0;
    EXPECT(report(&cb, &event) == S_OK);
    EXPECT(cb.progress == 1 && cb.index == 1 && cb.max == 2 && cb.first == 'S');
    EXPECT(cb.errors == 1 && cb.error == MAPI_E_INVALID_PARAMETER);
    EXPECT(cb.done == 1 && cb.event == &event && cb.status == S_OK);
    EXPECT(cb.refs == 1);

    Sync sync;
    HANDLE done = nullptr;
    EXPECT(start_sync(&sync, nullptr, &cb, &done) == S_OK);
    EXPECT(sync.calls == 1 && sync.seen.ulSize == sizeof(MAPISIB));
    EXPECT(sync.seen.ulFlags == (SYNC_UPLOAD_CONTENTS | SYNC_DOWNLOAD_CONTENTS | SYNC_ON_DEMAND));
    EXPECT(sync.seen.psesSync == nullptr && sync.seen.punkCallBack == &cb);
    EXPECT(sync.seen.phSyncDoneEvent == &done && done == &sync);
    if (failures == 0)
        std::printf("ok\n");
    return failures == 0 ? 0 : 1;
}
"##;

/// C++ without INITGUID: the header twice (include guard), the C++ view, and `__uuidof`
/// on Windows.
const DECL_CPP: &str = r##"#include "mapisync.h"
#include "mapisync.h"

static_assert(sizeof(MAPISIB) == MAPISIB_SIZE, "sizeof(MAPISIB)");

HRESULT call(IMAPISync *sync, PMAPISIB sib) { return sync->SynchronizeInBackground(sib); }
HRESULT tell(LPMAPISYNCPROGRESSCALLBACK cb, const WCHAR *text) { return cb->Progress(text, 0, 1); }
ULONG drop(IMAPISyncProgressCallback *cb) { return static_cast<IUnknown *>(cb)->Release(); }
const IID &iid() { return IID_IMAPISync; }
#ifdef _WIN32
const IID &uuidof_works() { return __uuidof(IMAPISync); }
#endif
"##;

/// C++ with CINTERFACE: the C view compiled as C++ (REFIID is a reference there).
const CINTERFACE_CPP: &str = r##"#define CINTERFACE
#define COBJMACROS
#include "mapisync.h"

static_assert(sizeof(IMAPISyncVtbl) == 4 * sizeof(void *), "IMAPISync's vtable");

HRESULT call(IMAPISync *sync, PMAPISIB sib) { return IMAPISync_SynchronizeInBackground(sync, sib); }
HRESULT query(IMAPISync *sync, void **out) { return IMAPISync_QueryInterface(sync, IID_IMAPISyncProgressCallback, out); }
"##;

/// C: the header of `tests/idl/features.idl` (enum, derived interface, forward declaration,
/// cpp_quote, array member) in use.
const FEATURES_C: &str = r##"#define COBJMACROS
#include "features.h"
#include <stddef.h>

#ifndef FEATURES_QUOTED
#error "the cpp_quote line is missing"
#endif
_Static_assert(F_ONE == 1 && F_MASK == 26 && F_BIG == 0x100000000ULL, "constants");
_Static_assert(COLOR_RED == 1 && COLOR_GREEN == 2 && COLOR_BLUE == 16, "enumerators");
_Static_assert(sizeof(((POINT2 *)0)->tag) == 4, "array member");
_Static_assert(offsetof(IFeatureVtbl, Ping) == 3 * sizeof(void *), "base methods first");
_Static_assert(offsetof(IFeatureVtbl, Get) == 5 * sizeof(void *), "then its own");
_Static_assert(sizeof(IFeatureVtbl) == 10 * sizeof(void *), "ten methods");

HRESULT use_feature(IFeature *f, IFeatureSink *sink, char *const *argv)
{
    static const WCHAR name[] = { 'n', 0 };
    POINT2 pt;
    LPPOINT2 lp = &pt;
    PCOLOR pc = &pt.color;
    COUNT n = 0;
    unsigned char buf[4];
    ULONG got = 0;
    IFeature *self = NULL;
    LPFEATURE same = f;
    IFeatureBase *base = (IFeatureBase *)f;
    HRESULT hr = IFeature_Ping(same);
    if (IFeatureBase_Count(base) == 0)
        return E_UNEXPECTED;
    if (SUCCEEDED(hr))
        hr = IFeature_Get(f, 1, lp);
    if (SUCCEEDED(hr))
        hr = IFeature_Put(f, &pt, &n);
    if (SUCCEEDED(hr))
        hr = IFeature_Name(f, name, buf, sizeof buf, &got);
    if (SUCCEEDED(hr))
        hr = IFeature_Sink(f, sink, &self, argv);
    if (SUCCEEDED(hr))
        hr = IFeature_Tag(f, 1, 2);
    *pc = COLOR_RED;
    IFeature_Release(f);
    return hr;
}
"##;

/// C++: the same header's classes.
const FEATURES_CPP: &str = r##"#include "features.h"

static_assert(F_MASK == 26 && COLOR_BLUE == 16, "values");

HRESULT use_feature(IFeature *f, IFeatureSink *sink, char *const *argv)
{
    IFeatureBase *base = f;
    IFeature *self = nullptr;
    POINT2 pt = POINT2();
    HRESULT hr = base->Ping();
    if (SUCCEEDED(hr))
        hr = f->Get(base->Count(), &pt);
    if (SUCCEEDED(hr))
        hr = f->Sink(sink, &self, argv);
    if (SUCCEEDED(hr))
        hr = f->Tag(1, 2);
    static_cast<IUnknown *>(f)->Release();
    return hr;
}
"##;

struct Tool {
    command: &'static str,
    package: &'static str,
}

struct Target {
    cc: Tool,
    cxx: Tool,
    /// sizeof(MAPISIB) on the target.
    mapisib_size: usize,
    /// Libraries for linking the C++ program.
    libs: &'static [&'static str],
    /// The Debian package with the target's Windows headers, if any.
    headers_package: Option<&'static str>,
}

fn linux() -> Target {
    Target {
        cc: Tool {
            command: "gcc",
            package: "gcc",
        },
        cxx: Tool {
            command: "g++",
            package: "g++",
        },
        mapisib_size: if cfg!(target_pointer_width = "64") {
            32
        } else {
            20
        },
        libs: &[],
        headers_package: None,
    }
}

fn mingw_x86_64() -> Target {
    Target {
        cc: Tool {
            command: "x86_64-w64-mingw32-gcc",
            package: "gcc-mingw-w64-x86-64",
        },
        cxx: Tool {
            command: "x86_64-w64-mingw32-g++",
            package: "g++-mingw-w64-x86-64",
        },
        mapisib_size: 32,
        libs: &["-static", "-luuid"],
        headers_package: Some("mingw-w64-x86-64-dev"),
    }
}

fn mingw_i686() -> Target {
    Target {
        cc: Tool {
            command: "i686-w64-mingw32-gcc",
            package: "gcc-mingw-w64-i686",
        },
        cxx: Tool {
            command: "i686-w64-mingw32-g++",
            package: "g++-mingw-w64-i686",
        },
        mapisib_size: 20,
        libs: &["-static", "-luuid"],
        headers_package: Some("mingw-w64-i686-dev"),
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn header() -> String {
    let file = idl::parse_file(&root().join("headers/mapisync.idl"))
        .unwrap_or_else(|e| panic!("headers/mapisync.idl does not parse:\n{e}"));
    idl::c_header(
        &file,
        &CHeaderOptions {
            guard: "MAPISYNC_H".to_string(),
            source_name: "headers/mapisync.idl".to_string(),
            header_name: "mapisync.h".to_string(),
        },
    )
}

/// A temporary folder with the header and every test source in it.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("cannot create a temporary folder");
    for (name, text) in [
        ("mapisync.h", header().as_str()),
        ("use.c", USE_C),
        ("guids.c", GUIDS_C),
        ("main.cpp", MAIN_CPP),
        ("decl.cpp", DECL_CPP),
        ("cinterface.cpp", CINTERFACE_CPP),
    ] {
        fs::write(dir.path().join(name), text).expect("cannot write a test file");
    }
    dir
}

/// Runs `tool` in `dir`; fails the test with the command line and the compiler's output if
/// it fails, and with the package to install if the tool is missing.
fn run(dir: &Path, tool: &Tool, target: &Target, args: &[String]) {
    let out = match Command::new(tool.command)
        .args(args)
        .current_dir(dir)
        .output()
    {
        Ok(o) => o,
        Err(e) if e.kind() == ErrorKind::NotFound => panic!(
            "`{}` is not installed; install the Debian package `{}` (apt-get install {})",
            tool.command, tool.package, tool.package
        ),
        Err(e) => panic!("cannot run `{}`: {e}", tool.command),
    };
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let hint = match target.headers_package {
            Some(p) if stderr.contains("No such file or directory") => {
                format!("\n(are the mingw-w64 headers installed? Debian package `{p}`)")
            }
            _ => String::new(),
        };
        panic!(
            "`{} {}` failed ({}):\n{}{}{hint}",
            tool.command,
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            stderr
        );
    }
}

fn c_flags(target: &Target, src: &str, obj: &str) -> Vec<String> {
    let mut v: Vec<String> = ["-std=c99", "-Wall", "-Wextra", "-Werror"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    v.push(format!("-DMAPISIB_SIZE={}", target.mapisib_size));
    // On Linux the IDL headers include the umbrella header, `mapi-sync.h`, which is
    // generated beside them (and includes them in turn).
    v.push(format!("-I{}", root().join("generated/include").display()));
    v.extend([
        "-c".to_string(),
        src.to_string(),
        "-o".to_string(),
        obj.to_string(),
    ]);
    v
}

fn cxx_flags(target: &Target, src: &str, obj: &str) -> Vec<String> {
    let mut v = c_flags(target, src, obj);
    v[0] = "-std=c++11".to_string();
    v
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Both IIDs' bytes are in the object `obj` (compiled with INITGUID).
fn assert_defines_iids(dir: &Path, obj: &str) {
    let bytes = fs::read(dir.join(obj)).unwrap_or_else(|e| panic!("cannot read {obj}: {e}"));
    assert!(
        contains(&bytes, &IID_IMAPISYNC_BYTES),
        "{obj} does not hold IID_IMAPISync {{5024A385-2D44-486A-81A8-8F0ECB6071DD}}"
    );
    assert!(
        contains(&bytes, &IID_IMAPISYNCPROGRESSCALLBACK_BYTES),
        "{obj} does not hold IID_IMAPISyncProgressCallback {{5024A386-2D44-486A-81A8-8F0ECB6071DD}}"
    );
}

/// Compiles every source for `target`, checks the IIDs in the INITGUID objects and links
/// the C++ program with the C caller; returns the folder and the program's path.
fn build(target: &Target, exe: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = workdir();
    let d = dir.path();
    run(d, &target.cc, target, &c_flags(target, "use.c", "use.o"));
    run(
        d,
        &target.cc,
        target,
        &c_flags(target, "guids.c", "guids.o"),
    );
    assert_defines_iids(d, "guids.o");
    run(
        d,
        &target.cxx,
        target,
        &cxx_flags(target, "main.cpp", "main.o"),
    );
    assert_defines_iids(d, "main.o");
    run(
        d,
        &target.cxx,
        target,
        &cxx_flags(target, "decl.cpp", "decl.o"),
    );
    run(
        d,
        &target.cxx,
        target,
        &cxx_flags(target, "cinterface.cpp", "cinterface.o"),
    );
    let mut link: Vec<String> = ["use.o", "main.o", "-o", exe]
        .iter()
        .map(|s| s.to_string())
        .collect();
    link.extend(target.libs.iter().map(|s| s.to_string()));
    run(d, &target.cxx, target, &link);
    let path = d.join(exe);
    (dir, path)
}

#[test]
fn the_fixture_header_compiles_everywhere() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/idl/features.idl");
    let file = idl::parse_file(&path).unwrap_or_else(|e| panic!("{e}"));
    let text = idl::c_header(
        &file,
        &CHeaderOptions {
            guard: "FEATURES_H".to_string(),
            source_name: "codegen/tests/idl/features.idl".to_string(),
            header_name: "features.h".to_string(),
        },
    );
    let dir = tempfile::tempdir().expect("cannot create a temporary folder");
    let d = dir.path();
    for (name, text) in [
        ("features.h", text.as_str()),
        ("features.c", FEATURES_C),
        ("features.cpp", FEATURES_CPP),
    ] {
        fs::write(d.join(name), text).expect("cannot write a test file");
    }
    for target in [linux(), mingw_x86_64(), mingw_i686()] {
        run(
            d,
            &target.cc,
            &target,
            &c_flags(&target, "features.c", "features-c.o"),
        );
        run(
            d,
            &target.cxx,
            &target,
            &cxx_flags(&target, "features.cpp", "features-cpp.o"),
        );
    }
}

#[test]
fn the_header_is_deterministic_and_tidy() {
    let a = header();
    assert_eq!(a, header(), "two renderings differ");
    assert!(a.ends_with("#endif /* MAPISYNC_H */\n"), "{a}");
    assert!(a.starts_with("/* Generated by mapi-codegen from headers/mapisync.idl. Do not edit"));
    for (i, l) in a.lines().enumerate() {
        assert!(
            !l.ends_with([' ', '\t']),
            "line {} ends in white space: {l:?}",
            i + 1
        );
    }
    // Interfaces in source order, each with its IID.
    let sync = a
        .find("struct IMAPISync : public IUnknown {")
        .expect("IMAPISync");
    let cb = a
        .find("struct IMAPISyncProgressCallback : public IUnknown {")
        .expect("IMAPISyncProgressCallback");
    assert!(sync < cb);
    assert!(a.contains(
        "DEFINE_GUID(IID_IMAPISync, 0x5024A385, 0x2D44, 0x486A, 0x81, 0xA8, 0x8F, 0x0E, 0xCB, \
         0x60, 0x71, 0xDD);"
    ));
    assert!(a.contains("#define SYNC_ON_DEMAND ((ULONG)0x20000000)\n"));
}

#[test]
fn linux_c_and_cxx_compile_and_agree_at_run_time() {
    let (dir, exe) = build(&linux(), "mapisync-test");
    let out = Command::new(&exe)
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.trim() == "ok",
        "the test program failed ({}):\n{stdout}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn mingw_x86_64_c_and_cxx_compile_and_link() {
    let (_dir, exe) = build(&mingw_x86_64(), "mapisync-test.exe");
    assert!(exe.is_file());
}

#[test]
fn mingw_i686_c_and_cxx_compile_and_link() {
    let (_dir, exe) = build(&mingw_i686(), "mapisync-test.exe");
    assert!(exe.is_file());
}
