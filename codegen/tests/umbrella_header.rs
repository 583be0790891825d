//! Compiles the umbrella header for hosts, `generated/include/mapi-sync.h`, for real: a C
//! and a C++ host using IMsgStore, SPropValue, SPropTagArray, PR_DISPLAY_NAME_W,
//! MAPI_E_NO_SUPPORT and IID_IMsgStore, with gcc and g++ on Linux (where the header
//! declares everything itself) and with the mingw-w64 cross compilers for x86_64 and i686
//! Windows (where it includes the mingw-w64 MAPI headers). The Linux program runs and
//! reports the sizes C gives the records; a size that differs from the bindings' is a
//! compile error, which the last tests provoke.
//!
//! A missing compiler fails the test with the Debian package to install; nothing is skipped.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;

/// IID_IMsgStore, {00020306-0000-0000-C000-000000000046}, as stored in memory.
const IID_IMSGSTORE_BYTES: [u8; 16] = [
    0x06, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
];

/// A C host: a fake message store built on IMsgStore's C vtable, and a caller that reads
/// its display name through `lpVtbl`.
const HOST_C: &str = r##"/* A C host of mapi-sync.h: IMsgStore implemented and called through lpVtbl. */
#define INITGUID
/* MAPI's mapiguid.h defines under INITGUID only the IIDs asked for. */
#define USES_IID_IMsgStore
#include "mapi-sync.h"
#include <stddef.h>
#include <string.h>

/* Microsoft documents SPropValue as ulPropTag, dwAlignPad, then the union _PV. The
   union's largest members are the counted values (SBinary, SLongArray...: a ULONG count
   and a pointer, 16 bytes on 64-bit Windows) and the 8-byte LARGE_INTEGER, double and
   FILETIME, so on 64-bit Windows it is 16 bytes, 8-aligned: 4 + 4 + 16 = 24. On 32-bit
   Windows the counted values are 8 bytes, the union 8 and SPropValue 16. */
_Static_assert(sizeof(SPropValue) == SPROPVALUE_SIZE, "sizeof(SPropValue)");
_Static_assert(offsetof(SPropValue, Value) == 8, "the union follows two ULONGs");
_Static_assert(sizeof(ULONG) == 4 && sizeof(LONG) == 4 && sizeof(WCHAR) == 2, "Windows widths");
_Static_assert(sizeof(FILETIME) == 8 && sizeof(LARGE_INTEGER) == 8 && sizeof(GUID) == 16,
               "Windows records");
_Static_assert(sizeof(SPropTagArray) == 8, "sizeof(SPropTagArray)");
_Static_assert(PR_DISPLAY_NAME_W == 0x3001001F, "PR_DISPLAY_NAME_W");
_Static_assert(MAPI_E_NO_SUPPORT < 0, "MAPI_E_NO_SUPPORT is an error");
_Static_assert((ULONG)MAPI_E_NO_SUPPORT == 0x80040102, "MAPI_E_NO_SUPPORT");
_Static_assert(offsetof(IMsgStoreVtbl, QueryInterface) == 0, "IUnknown first");
_Static_assert(offsetof(IMsgStoreVtbl, GetProps) == 5 * sizeof(void *),
               "IMAPIProp's GetProps after IUnknown's three, GetLastError and SaveChanges");
_Static_assert(sizeof(IMsgStore) == sizeof(void *), "one vtable pointer");

static const WCHAR inbox[] = { 'I', 'n', 'b', 'o', 'x', 0 };
static SPropValue value;
static ULONG refs = 1;

static HRESULT STDMETHODCALLTYPE store_query(IMsgStore *This, REFIID riid, void **ppv)
{
    if (memcmp(riid, &IID_IMsgStore, sizeof(GUID)) != 0) {
        *ppv = NULL;
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    }
    *ppv = This;
    ++refs;
    return S_OK;
}

static ULONG STDMETHODCALLTYPE store_add_ref(IMsgStore *This)
{
    (void)This;
    return ++refs;
}

static ULONG STDMETHODCALLTYPE store_release(IMsgStore *This)
{
    (void)This;
    return --refs;
}

static HRESULT STDMETHODCALLTYPE store_get_props(IMsgStore *This, LPSPropTagArray tags,
                                                 ULONG flags, ULONG *count, LPSPropValue *props)
{
    (void)This;
    if (!tags || tags->cValues != 1 || tags->aulPropTag[0] != PR_DISPLAY_NAME_W
        || !(flags & MAPI_UNICODE))
        return MAPI_E_NO_SUPPORT;
    memset(&value, 0, sizeof value);
    value.ulPropTag = PR_DISPLAY_NAME_W;
    value.Value.lpszW = (LPWSTR)inbox;
    *count = 1;
    *props = &value;
    return S_OK;
}

static IMsgStoreVtbl store_vtbl;
static IMsgStore store;

IMsgStore *make_store(void)
{
    store_vtbl.QueryInterface = store_query;
    store_vtbl.AddRef = store_add_ref;
    store_vtbl.Release = store_release;
    store_vtbl.GetProps = store_get_props;
    store.lpVtbl = &store_vtbl;
    return &store;
}

/* PR_DISPLAY_NAME_W of `store`, through the C view. */
HRESULT display_name(IMsgStore *s, const WCHAR **name)
{
    SPropTagArray tags = { 1, { PR_DISPLAY_NAME_W } };
    ULONG count = 0;
    LPSPropValue props = NULL;
    void *same = NULL;
    HRESULT hr = s->lpVtbl->QueryInterface(s, &IID_IMsgStore, &same);
    if (FAILED(hr))
        return hr;
    s->lpVtbl->Release(s);
    hr = s->lpVtbl->GetProps(s, (LPSPropTagArray)&tags, MAPI_UNICODE, &count, &props);
    if (FAILED(hr))
        return hr;
    if (count != 1 || props[0].ulPropTag != PR_DISPLAY_NAME_W)
        return MAPI_E_NO_SUPPORT;
    *name = props[0].Value.lpszW;
    return S_OK;
}

unsigned size_of_spropvalue(void) { return (unsigned)sizeof(SPropValue); }
"##;

/// A C++ host: calls the store of host.c through the C++ class; on Linux `main` runs it.
const HOST_CPP: &str = r##"// A C++ host of mapi-sync.h: the same object through IMsgStore's C++ class.
#include "mapi-sync.h"
#include <cstdio>

static_assert(sizeof(SPropValue) == SPROPVALUE_SIZE, "sizeof(SPropValue)");
static_assert(sizeof(SPropTagArray) == 8, "sizeof(SPropTagArray)");
static_assert(PR_DISPLAY_NAME_W == 0x3001001F, "PR_DISPLAY_NAME_W");
static_assert(MAPI_E_NO_SUPPORT < 0, "MAPI_E_NO_SUPPORT");

extern "C" IMsgStore *make_store(void);
extern "C" HRESULT display_name(IMsgStore *store, const WCHAR **name);
extern "C" unsigned size_of_spropvalue(void);

int run_host()
{
    IMsgStore *store = make_store();
    SPropTagArray tags = {1, {PR_DISPLAY_NAME_W}};
    ULONG count = 0;
    LPSPropValue props = nullptr;
    HRESULT hr = store->GetProps(reinterpret_cast<LPSPropTagArray>(&tags), MAPI_UNICODE,
                                 &count, &props);
    if (hr != S_OK || count != 1 || props->Value.lpszW[0] != 'I')
        return 1;
    if (store->GetProps(nullptr, 0, &count, &props) != MAPI_E_NO_SUPPORT)
        return 2;
    const WCHAR *name = nullptr;
    if (display_name(store, &name) != S_OK || name[4] != 'x')
        return 3;
    void *same = nullptr;
    if (store->QueryInterface(IID_IMsgStore, &same) != S_OK || same != store)
        return 4;
    store->Release();
    return 0;
}

#ifdef HOST_MAIN
int main()
{
    int r = run_host();
    std::printf("%s %u\n", r == 0 ? "ok" : "failed", size_of_spropvalue());
    return r;
}
#endif
"##;

struct Tool {
    command: &'static str,
    package: &'static str,
}

struct Target {
    cc: Tool,
    cxx: Tool,
    /// sizeof(SPropValue) there.
    spropvalue: u32,
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
        spropvalue: 24,
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
        spropvalue: 24,
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
        spropvalue: 16,
    }
}

fn include() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated/include")
}

/// Runs `tool` in `dir`; the output, or a failure naming the package to install if the
/// tool is missing.
fn run(dir: &Path, tool: &Tool, args: &[String]) -> std::process::Output {
    match Command::new(tool.command)
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
    }
}

fn ok(dir: &Path, tool: &Tool, args: &[String]) {
    let out = run(dir, tool, args);
    assert!(
        out.status.success(),
        "`{} {}` failed ({}):\n{}{}",
        tool.command,
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn flags(std: &str, t: &Target, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [std, "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    v.push(format!("-I{}", include().display()));
    v.push(format!("-DSPROPVALUE_SIZE={}", t.spropvalue));
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("cannot create a temporary folder");
    fs::write(dir.path().join("host.c"), HOST_C).unwrap();
    fs::write(dir.path().join("host.cpp"), HOST_CPP).unwrap();
    dir
}

/// Compiles both hosts for `t` and checks that IID_IMsgStore is defined in host.o.
fn compile(t: &Target, dir: &Path) {
    ok(
        dir,
        &t.cc,
        &flags("-std=c99", t, &["-c", "host.c", "-o", "host.o"]),
    );
    ok(
        dir,
        &t.cxx,
        &flags(
            "-std=c++11",
            t,
            &["-DHOST_MAIN", "-c", "host.cpp", "-o", "host-cpp.o"],
        ),
    );
    let obj = fs::read(dir.join("host.o")).unwrap();
    assert!(
        obj.windows(16).any(|w| w == IID_IMSGSTORE_BYTES),
        "host.o (INITGUID) does not hold IID_IMsgStore"
    );
}

#[test]
fn linux_hosts_compile_link_and_run_with_windows_sizes() {
    let t = linux();
    let dir = workdir();
    let d = dir.path();
    compile(&t, d);
    let link: Vec<String> = ["host.o", "host-cpp.o", "-o", "host"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    ok(d, &t.cxx, &link);
    let out = Command::new(d.join("host")).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    // 24: SPropValue on 64-bit Windows (see host.c), which x86_64 Linux must match.
    assert!(
        out.status.success() && stdout.trim() == "ok 24",
        "the host failed ({}): {stdout}",
        out.status
    );
}

#[test]
fn mingw_x86_64_hosts_compile() {
    let dir = workdir();
    compile(&mingw_x86_64(), dir.path());
}

#[test]
fn mingw_i686_hosts_compile() {
    let dir = workdir();
    compile(&mingw_i686(), dir.path());
}

/// A translation unit that claims another size fails, on every target.
#[test]
fn a_wrong_size_is_a_compile_error() {
    for t in [linux(), mingw_x86_64(), mingw_i686()] {
        let dir = workdir();
        let d = dir.path();
        let mut wrong = flags("-std=c99", &t, &["-c", "host.c", "-o", "host.o"]);
        wrong.retain(|f| !f.starts_with("-DSPROPVALUE_SIZE="));
        wrong.push(format!("-DSPROPVALUE_SIZE={}", t.spropvalue - 8));
        let out = run(d, &t.cc, &wrong);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains("sizeof(SPropValue)"),
            "{}: a wrong SPropValue size compiled:\n{stderr}",
            t.cc.command
        );
    }
}

/// The header's own assertions catch a declaration whose size drifts from the bindings':
/// the header with `ULONG` declared as `unsigned long` (the classic mistake: 8 bytes on
/// x86_64 Linux, 4 on Windows) does not compile, and names `_SPropValue` among the
/// records whose size is wrong.
#[test]
fn the_header_asserts_the_bindings_sizes() {
    let text = fs::read_to_string(include().join("mapi-sync.h")).unwrap();
    assert!(
        text.contains("MAPI_SYNC_ASSERT_SIZE(_SPropValue, 24);"),
        "no assertion of _SPropValue's size"
    );
    let ulong = "typedef uint32_t ULONG;\n";
    assert!(text.contains(ulong), "ULONG is not declared as uint32_t");
    let broken = text.replacen(ulong, "typedef unsigned long ULONG;\n", 1);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for entry in fs::read_dir(include()).unwrap() {
        let p = entry.unwrap().path();
        fs::copy(&p, d.join(p.file_name().unwrap())).unwrap();
    }
    fs::write(d.join("mapi-sync.h"), broken).unwrap();
    fs::write(d.join("use.c"), "#include \"mapi-sync.h\"\n").unwrap();
    let t = linux();
    for (tool, lang) in [(&t.cc, "c"), (&t.cxx, "c++")] {
        let args: Vec<String> = ["-fsyntax-only", "-x", lang, "use.c"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let out = run(d, tool, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains("sizeof(_SPropValue) is not 24"),
            "{}: the header with a 64-bit ULONG compiled, or did not name _SPropValue:\n{stderr}",
            tool.command
        );
    }
}
