//! The umbrella header as a C SDK (issue 32): `c_sdk/provider.c`, a provider's entry
//! points written against `generated/include/mapi-sync.h` alone as Windows code writes
//! them (Microsoft's function types, `Sized*`/`CbNew*`, `PROP_*`, `HR_FAILED`,
//! `MAKE_MAPI_E`, `IsEqualIID`, `STDMETHODIMP`, an `IMalloc`, Windows' union member
//! names), compiled as C11 and C++17 under `-Wall -Wextra -pedantic -Werror` for Linux
//! and both mingw-w64 targets; built into a library for Linux (C and C++) and x86_64
//! Windows (C), loaded by a C host (`dlopen`; `LoadLibrary` under Wine) that runs its
//! checks, and checked to export its entry points and no GUID. (i686 Windows is compiled
//! only: Debian's wine64 runs no 32-bit program.)
//!
//! A missing tool fails the test with the Debian package to install; nothing is
//! skipped. Cost: 18 to 27 s on the project's 2-core machine (measured 2026-12-08, load
//! 5.9), 11 of them Wine's start in a fresh prefix.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Tool {
    command: &'static str,
    package: &'static str,
}

const GCC: Tool = Tool {
    command: "gcc",
    package: "gcc",
};
const GXX: Tool = Tool {
    command: "g++",
    package: "g++",
};
const COMPILERS: [Tool; 6] = [
    GCC,
    GXX,
    Tool {
        command: "x86_64-w64-mingw32-gcc",
        package: "gcc-mingw-w64-x86-64",
    },
    Tool {
        command: "x86_64-w64-mingw32-g++",
        package: "g++-mingw-w64-x86-64",
    },
    Tool {
        command: "i686-w64-mingw32-gcc",
        package: "gcc-mingw-w64-i686",
    },
    Tool {
        command: "i686-w64-mingw32-g++",
        package: "g++-mingw-w64-i686",
    },
];

/// The host: loads the library, runs `c_sdk_run`, prints its answer.
const HOST: &str = r#"#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    void *lib;
    int (*run)(void);
    if (argc != 2 || !(lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL))) {
        fprintf(stderr, "cannot load %s: %s\n", argc == 2 ? argv[1] : "?", dlerror());
        return 100;
    }
    *(void **)&run = dlsym(lib, "c_sdk_run");
    if (!run || !dlsym(lib, "MSProviderInit") || !dlsym(lib, "ServiceEntry")) {
        fprintf(stderr, "an entry point is missing\n");
        return 101;
    }
    printf("c_sdk_run: %d\n", run());
    return 0;
}
"#;

/// The Windows host: loads the DLL, runs `c_sdk_run`, prints its answer.
const WINDOWS_HOST: &str = r#"#include <windows.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    HMODULE lib;
    int (*run)(void);
    if (argc != 2 || !(lib = LoadLibraryA(argv[1]))) {
        fprintf(stderr, "cannot load the library (%lu)\n", (unsigned long)GetLastError());
        return 100;
    }
    *(FARPROC *)&run = GetProcAddress(lib, "c_sdk_run");
    if (!run || !GetProcAddress(lib, "MSProviderInit") || !GetProcAddress(lib, "ServiceEntry")) {
        fprintf(stderr, "an entry point is missing\n");
        return 101;
    }
    printf("c_sdk_run: %d\n", run());
    fflush(stdout);
    FreeLibrary(lib);
    return 0;
}
"#;

fn include() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated/include")
}

fn source() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c_sdk/provider.c");
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run(dir: &Path, tool: &Tool, args: &[&str]) -> Output {
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

fn ok(dir: &Path, tool: &Tool, args: &[&str]) -> Output {
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
    out
}

/// The flags every compile takes: the language, every warning an error, the header.
fn flags(tool: &Tool, include: &str) -> Vec<String> {
    let cxx = tool.command.ends_with("++");
    let std = if cxx { "-std=c++17" } else { "-std=c11" };
    let mut v: Vec<String> = [std, "-Wall", "-Wextra", "-pedantic", "-Werror"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if cxx {
        v.extend(["-x", "c++"].map(String::from));
    }
    v.push(format!("-I{include}"));
    v
}

fn workdir(source: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("cannot create a temporary folder");
    fs::write(dir.path().join("provider.c"), source).unwrap();
    fs::write(dir.path().join("host.c"), HOST).unwrap();
    dir
}

#[test]
fn the_provider_compiles_as_c11_and_cxx17_pedantic_for_linux_and_both_windows_targets() {
    let dir = workdir(&source());
    let inc = include().display().to_string();
    for tool in &COMPILERS {
        let mut args = flags(tool, &inc);
        args.extend(["-c", "provider.c", "-o", "provider.o"].map(String::from));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = ok(dir.path(), tool, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.trim().is_empty(), "{}: {stderr}", tool.command);
    }
}

/// Builds the provider as a Linux library with `extra` flags, as C or C++; its
/// dynamic symbols.
fn linux_library(dir: &Path, cxx: bool, extra: &[&str]) -> String {
    let tool = if cxx { &GXX } else { &GCC };
    let inc = include().display().to_string();
    let mut args = flags(tool, &inc);
    args.extend(["-fPIC", "-shared", "provider.c", "-o", "libprovider.so"].map(String::from));
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(dir, tool, &args);
    let tool = Tool {
        command: "nm",
        package: "binutils",
    };
    let out = ok(dir, &tool, &["-D", "--defined-only", "libprovider.so"]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_linux_library_is_loaded_and_its_checks_pass_and_it_exports_no_guid() {
    for cxx in [false, true] {
        let dir = workdir(&source());
        let d = dir.path();
        let symbols = linux_library(d, cxx, &[]);
        let exported = |name: &str| symbols.lines().any(|l| l.ends_with(&format!(" {name}")));
        assert!(
            exported("MSProviderInit") && exported("ServiceEntry") && exported("c_sdk_run"),
            "the entry points are not exported:\n{symbols}"
        );
        let guids: Vec<&str> = symbols
            .lines()
            .filter(|l| l.contains(" IID_") || l.contains(" PS_") || l.contains(" MUID_"))
            .collect();
        assert!(guids.is_empty(), "the library exports GUIDs: {guids:?}");
        ok(d, &GCC, &["host.c", "-o", "host", "-ldl"]);
        let out = Command::new(d.join("host"))
            .arg(d.join("libprovider.so"))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.trim() == "c_sdk_run: 0",
            "the host ({}, {}): {stdout}{}",
            if cxx { "C++" } else { "C" },
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Asked with MAPI_SYNC_EXPORT_GUIDS, the library exports them (so the check above can
/// fail).
#[test]
fn guids_are_exported_when_asked() {
    let dir = workdir(&source());
    let symbols = linux_library(dir.path(), false, &["-DMAPI_SYNC_EXPORT_GUIDS"]);
    assert!(
        symbols.lines().any(|l| l.ends_with(" IID_IMsgStore")),
        "IID_IMsgStore is not exported:\n{symbols}"
    );
}

/// The function types are Microsoft's: ServiceEntry defined with mingw-w64's `ULONG
/// ulUIParam` does not match `MSGSERVICEENTRY` on Linux.
#[test]
fn a_definition_unlike_microsofts_function_type_does_not_compile() {
    let text = source();
    let right = "#else\ntypedef ULONG_PTR C_SDK_UIPARAM;";
    assert!(
        text.contains(right),
        "provider.c changed: {right:?} is gone"
    );
    let dir = workdir(&text.replacen(right, "#else\ntypedef ULONG C_SDK_UIPARAM;", 1));
    let inc = include().display().to_string();
    let mut args = flags(&GCC, &inc);
    args.extend(["-c", "provider.c", "-o", "provider.o"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(dir.path(), &GCC, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("ServiceEntry"),
        "a ServiceEntry with a ULONG ulUIParam compiled:\n{stderr}"
    );
}

/// Debian's wine64 keeps its loader and server in /usr/lib/wine.
fn wine(program: &str) -> PathBuf {
    for dir in ["/usr/lib/wine", "/usr/bin"] {
        let p = Path::new(dir).join(program);
        if p.exists() {
            return p;
        }
    }
    panic!(
        "{program} is not installed; install the Debian package `wine64` (apt-get install wine64)"
    );
}

#[test]
fn the_windows_dll_is_loaded_under_wine_and_exports_its_entry_points_only() {
    let dir = workdir(&source());
    let d = dir.path();
    fs::write(d.join("winhost.c"), WINDOWS_HOST).unwrap();
    let cc = &COMPILERS[2];
    let inc = include().display().to_string();
    let mut args = flags(cc, &inc);
    args.extend(["-shared", "provider.c", "-o", "provider.dll"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(d, cc, &args);
    ok(
        d,
        cc,
        &[
            "-Wall",
            "-Wextra",
            "-Werror",
            "winhost.c",
            "-o",
            "winhost.exe",
        ],
    );
    let objdump = Tool {
        command: "x86_64-w64-mingw32-objdump",
        package: "binutils-mingw-w64-x86-64",
    };
    let dump = ok(d, &objdump, &["-p", "provider.dll"]);
    let dump = String::from_utf8_lossy(&dump.stdout);
    let exports: Vec<&str> = dump
        .lines()
        .skip_while(|l| !l.contains("[Ordinal/Name Pointer] Table"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split(']').nth(1).map(str::trim))
        .collect();
    assert_eq!(
        exports,
        ["MSProviderInit", "ServiceEntry", "c_sdk_run"],
        "{dump}"
    );
    let prefix = tempfile::tempdir().unwrap();
    let out = Command::new(wine("wine64"))
        .current_dir(d)
        .env("WINEPREFIX", prefix.path())
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
        .arg(d.join("winhost.exe"))
        .arg("provider.dll")
        .output()
        .unwrap_or_else(|e| panic!("cannot run wine64: {e}"));
    // Wine's server outlives the program; stop it so the prefix can go.
    let _ = Command::new(wine("wineserver"))
        .env("WINEPREFIX", prefix.path())
        .arg("-k")
        .status();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.trim() == "c_sdk_run: 0",
        "the Windows host ({}): {stdout}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
