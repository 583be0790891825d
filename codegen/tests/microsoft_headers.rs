//! A regeneration from headers that differ from the mingw-w64 ones the way Microsoft's
//! (microsoft/MAPIStubLibrary's include/) do gives the bindings the mingw-w64 headers and
//! the manifest's corrections give. Microsoft's headers are not in the repository: each
//! test copies the mingw-w64 headers and rewrites the copy in the points where Microsoft's
//! differ and that once stopped or changed a run:
//!
//! - the file names are spelled with capitals (`MAPIDefS.h`, `MAPIX.h`, `MAPIUtil.h`, ...)
//!   while the headers include each other in lower case (`#include <mapidefs.h>`);
//! - a struct declared without a typedef is named without its `struct` tag, which only
//!   C++ accepts (Microsoft's MAPIUtil.h does so for the RTF stream-info structs);
//! - parameters the manifest corrects to `ULONG_PTR` are `ULONG_PTR` already;
//! - the typedefs, function types and record fields the manifest's type corrections fix
//!   are declared as Microsoft declares them (`typedef ULONG_PTR BOOKMARK;`, `BOOL` for
//!   `WINBOOL`, `LONG` for `__LONG32`, `LPCTSTR` for `LPTSTR`: the list in
//!   headers/mapi.toml, above its `types`);
//! - MAPIDefS.h (and MAPIGuid.h) declare the fast-shutdown interfaces that
//!   headers/mapishutdown.idl declares for the mingw-w64 headers.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use mapi_codegen::{generate, Options};

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

const MINGW: &str = "/usr/share/mingw-w64/include";

/// Microsoft's spellings of the headers the manifest reads.
const SPELLINGS: &[(&str, &str)] = &[
    ("mapidefs.h", "MAPIDefS.h"),
    ("mapicode.h", "MAPICode.h"),
    ("mapiguid.h", "MAPIGuid.h"),
    ("mapitags.h", "MAPITags.h"),
    ("mapix.h", "MAPIX.h"),
    ("mapispi.h", "MAPISPI.h"),
    ("mapiform.h", "MAPIForm.h"),
    ("mapihook.h", "MAPIHook.h"),
    ("mapiutil.h", "MAPIUtil.h"),
];

/// `text` with `from` replaced by `to`, which must occur `count` times.
fn rewrite(text: &str, from: &str, to: &str, count: usize) -> String {
    assert_eq!(
        text.matches(from).count(),
        count,
        "the mingw-w64 header changed: `{from}`"
    );
    text.replace(from, to)
}

/// The fast-shutdown interfaces as a MAPI header declares them, with the mingw-w64
/// headers' macros. `client_methods` is IMAPIClientShutdown's method list.
fn shutdown_interfaces(client_methods: &str) -> String {
    format!(
        "\n#define MAPI_IMAPICLIENTSHUTDOWN_METHODS(IPURE) {client_methods}\n\
         #undef INTERFACE\n\
         #define INTERFACE IMAPIClientShutdown\n\
         DECLARE_MAPI_INTERFACE_(IMAPIClientShutdown,IUnknown) {{\n\
           BEGIN_INTERFACE\n\
           MAPI_IUNKNOWN_METHODS(PURE)\n\
           MAPI_IMAPICLIENTSHUTDOWN_METHODS(PURE)\n\
         }};\n\
         DECLARE_MAPI_INTERFACE_PTR(IMAPIClientShutdown,LPMAPICLIENTSHUTDOWN);\n\
         #define MAPI_IMAPIPROVIDERSHUTDOWN_METHODS(IPURE) \
           MAPIMETHOD(QueryFastShutdown) (THIS) IPURE; \
           MAPIMETHOD(NotifyProcessShutdown) (THIS) IPURE; \
           MAPIMETHOD(DoFastShutdown) (THIS) IPURE;\n\
         #undef INTERFACE\n\
         #define INTERFACE IMAPIProviderShutdown\n\
         DECLARE_MAPI_INTERFACE_(IMAPIProviderShutdown,IUnknown) {{\n\
           BEGIN_INTERFACE\n\
           MAPI_IUNKNOWN_METHODS(PURE)\n\
           MAPI_IMAPIPROVIDERSHUTDOWN_METHODS(PURE)\n\
         }};\n\
         DECLARE_MAPI_INTERFACE_PTR(IMAPIProviderShutdown,LPMAPIPROVIDERSHUTDOWN);\n"
    )
}

const CLIENT_METHODS: &str = "MAPIMETHOD(QueryFastShutdown) (THIS) IPURE; \
                              MAPIMETHOD(NotifyProcessShutdown) (THIS) IPURE; \
                              MAPIMETHOD(DoFastShutdown) (THIS) IPURE;";

/// A rewrite of a mingw-w64 header: what it says, what Microsoft's says instead, and how
/// often the first occurs.
struct Rewrite {
    mingw: &'static str,
    microsoft: &'static str,
    count: usize,
}

const fn rw(mingw: &'static str, microsoft: &'static str, count: usize) -> Rewrite {
    Rewrite {
        mingw,
        microsoft,
        count,
    }
}

/// mapidefs.h's typedefs as Microsoft's MAPIDefS.h declares them.
const MAPIDEFS_TYPEDEFS: &[Rewrite] = &[
    rw("typedef ULONG BOOKMARK;", "typedef ULONG_PTR BOOKMARK;", 1),
    rw(
        "typedef __LONG32 (WINAPI NOTIFCALLBACK)",
        "typedef LONG (WINAPI NOTIFCALLBACK)",
        1,
    ),
    rw(
        "typedef WINBOOL (WINAPI ACCELERATEABSDI)(ULONG ulUIParam,",
        "typedef BOOL (WINAPI ACCELERATEABSDI)(ULONG_PTR ulUIParam,",
        1,
    ),
    rw(
        "typedef void (WINAPI DISMISSMODELESS)(ULONG ulUIParam,",
        "typedef void (WINAPI DISMISSMODELESS)(ULONG_PTR ulUIParam,",
        1,
    ),
    rw(
        "typedef SCODE (WINAPI *LPFNBUTTON)(ULONG ulUIParam,",
        "typedef SCODE (WINAPI *LPFNBUTTON)(ULONG_PTR ulUIParam,",
        1,
    ),
    rw("__LONG32 lReturnValue;", "LONG lReturnValue;", 1),
];

/// mapispi.h's as MAPISPI.h declares them.
const MAPISPI_TYPEDEFS: &[Rewrite] = &[rw(
    "LPMAPISUP lpMAPISup,ULONG ulUIParam,ULONG ulFlags,ULONG ulContext",
    "LPMAPISUP lpMAPISup,ULONG_PTR ulUIParam,ULONG ulFlags,ULONG ulContext",
    1,
)];

/// mapiutil.h's as MAPIUtil.h declares them (with `ITableData::HrGetView`'s
/// `ULONG_PTR ulCallerData`, which goes with CALLERRELEASE's).
const MAPIUTIL_TYPEDEFS: &[Rewrite] = &[
    rw(
        "typedef void (WINAPI CALLERRELEASE)(ULONG ulCallerData,",
        "typedef void (WINAPI CALLERRELEASE)(ULONG_PTR ulCallerData,",
        1,
    ),
    rw(
        "CALLERRELEASE *lpfCallerRelease,ULONG ulCallerData,",
        "CALLERRELEASE *lpfCallerRelease,ULONG_PTR ulCallerData,",
        1,
    ),
    rw(
        "typedef WINBOOL (WINAPI FNIDLE) (LPVOID);",
        "typedef BOOL (WINAPI FNIDLE) (LPVOID);",
        1,
    ),
    rw(
        "ULONG ulFlags,LPTSTR lpszFileName,LPTSTR lpszPrefix,LPSTREAM *lppStream",
        "ULONG ulFlags,LPCTSTR lpszFileName,LPCTSTR lpszPrefix,LPSTREAM *lppStream",
        2,
    ),
];

/// `text` with every rewrite of `list` made.
fn microsoft_typedefs(text: &str, list: &[Rewrite]) -> String {
    list.iter().fold(text.to_string(), |t, r| {
        rewrite(&t, r.mingw, r.microsoft, r.count)
    })
}

/// A copy of the mingw-w64 header folder in `dir`, rewritten as Microsoft's headers
/// differ; `client_methods` is what its MAPIDefS.h declares IMAPIClientShutdown with.
fn microsoft_like(dir: &Path, client_methods: &str) -> PathBuf {
    let include = dir.join("include");
    fs::create_dir(&include).unwrap();
    let renamed: BTreeMap<&str, &str> = SPELLINGS.iter().copied().collect();
    for entry in fs::read_dir(MINGW).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if !renamed.contains_key(name.as_str()) {
            std::os::unix::fs::symlink(&p, include.join(&name)).unwrap();
        }
    }
    let read = |name: &str| fs::read_to_string(Path::new(MINGW).join(name)).unwrap();
    let mut texts: BTreeMap<&str, String> = SPELLINGS
        .iter()
        .map(|(lower, _)| (*lower, read(lower)))
        .collect();

    // mapidefs.h: the ULONG_PTR the corrections give, a struct named without its tag,
    // and the shutdown interfaces at the end (before the closing `extern "C"` and guard).
    let defs = &texts["mapidefs.h"];
    let defs = rewrite(
        defs,
        "MAPIMETHOD(CopyEntries) (THIS_ LPENTRYLIST lpEntries,ULONG ulUIParam,",
        "MAPIMETHOD(CopyEntries) (THIS_ LPENTRYLIST lpEntries,ULONG_PTR ulUIParam,",
        2,
    );
    let defs = microsoft_typedefs(&defs, MAPIDEFS_TYPEDEFS);
    let defs = rewrite(
        &defs,
        "typedef struct _SRestriction *LPSRestriction;",
        "struct _SRestriction;\n  typedef _SRestriction *LPSRestriction;",
        1,
    );
    let end = defs
        .rfind("#ifdef __cplusplus")
        .expect("mapidefs.h ends its extern \"C\"");
    let defs = format!(
        "{}{}{}",
        &defs[..end],
        shutdown_interfaces(client_methods),
        &defs[end..]
    );
    texts.insert("mapidefs.h", defs);

    // mapiguid.h: the shutdown interfaces' IIDs.
    let guid = &texts["mapiguid.h"];
    let at = guid
        .find("#if !defined(INITGUID) || defined(USES_IID_IMAPISession)")
        .unwrap();
    let guid = format!(
        "{}DEFINE_OLEGUID(IID_IMAPIClientShutdown,0x00020397,0,0);\n\
         DEFINE_OLEGUID(IID_IMAPIProviderShutdown,0x00020398,0,0);\n{}",
        &guid[..at],
        &guid[at..]
    );
    texts.insert("mapiguid.h", guid);

    let spi = microsoft_typedefs(&texts["mapispi.h"], MAPISPI_TYPEDEFS);
    texts.insert("mapispi.h", spi);

    // mapiutil.h: Microsoft's typedefs, a function parameter naming a struct without its
    // tag.
    let util = microsoft_typedefs(&texts["mapiutil.h"], MAPIUTIL_TYPEDEFS);
    let util = rewrite(
        &util,
        "FPropContainsProp(LPSPropValue lpSPropValueDst,",
        "FPropContainsProp(_SPropValue *lpSPropValueDst,",
        1,
    );
    texts.insert("mapiutil.h", util);

    for (lower, text) in texts {
        fs::write(include.join(renamed[lower]), text).unwrap();
    }
    // Only Microsoft's spellings: the lower-case names are reached through the overlay.
    for (lower, _) in SPELLINGS {
        assert!(!include.join(lower).exists());
    }
    include
}

#[test]
fn microsoft_like_headers_give_the_same_bindings() {
    let dir = tempfile::tempdir().unwrap();
    let include = microsoft_like(dir.path(), CLIENT_METHODS);
    let manifest = root().join("headers/mapi.toml");
    let ours = generate(&Options {
        manifest: manifest.clone(),
        mapi_include: None,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let theirs = generate(&Options {
        manifest,
        mapi_include: Some(include),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let names = |g: &mapi_codegen::Generated| {
        g.model
            .interfaces
            .iter()
            .map(|i| (i.name.clone(), i.header.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&ours), names(&theirs));
    // Every type: each item (typedef, struct, union, function type, alias) with its
    // module and target, as Rust; the interfaces' methods with their C types; the
    // constants with their types.
    let types = |g: &mapi_codegen::Generated| {
        let records = mapi_codegen::backend::rust_records::Records::new(&g.model);
        g.model
            .items
            .iter()
            .map(|i| {
                let item = records.render(i).expect("every item renders");
                let text = quote::quote!(#item).to_string();
                (
                    (i.name().to_string(), i.cfg.clone()),
                    (i.header.clone(), text),
                )
            })
            .collect::<BTreeMap<_, _>>()
    };
    let (our_types, their_types) = (types(&ours), types(&theirs));
    assert_eq!(
        our_types.keys().collect::<Vec<_>>(),
        their_types.keys().collect::<Vec<_>>()
    );
    for (key, ours) in &our_types {
        assert_eq!(ours, &their_types[key], "{key:?} differs");
    }
    assert_eq!(
        their_types[&("BOOKMARK".to_string(), None)].1,
        "pub type BOOKMARK = ULONG_PTR ;"
    );
    let methods = |g: &mapi_codegen::Generated| {
        g.model
            .interfaces
            .iter()
            .flat_map(|i| {
                i.methods.iter().map(move |m| {
                    let params: Vec<String> = m
                        .params
                        .iter()
                        .map(|p| format!("{} {}", p.ty, p.name))
                        .collect();
                    format!("{}::{}({}) -> {}", i.name, m.name, params.join(", "), m.ret)
                })
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(methods(&ours), methods(&theirs));
    let constants = |g: &mapi_codegen::Generated| {
        g.model
            .constants
            .values()
            .map(|c| (c.name.clone(), c.ty.clone(), c.value))
            .collect::<Vec<_>>()
    };
    assert_eq!(constants(&ours), constants(&theirs));
    // The C declarations the C header's Linux half is rendered from, one by one for each
    // target: every typedef, function type (its return, parameters, their names and
    // its convention), callback, struct and union with each field's C type and width.
    let declarations = |g: &mapi_codegen::Generated| {
        g.model
            .header_declarations
            .iter()
            .flat_map(|(target, ds)| {
                ds.iter().map(move |d| {
                    (
                        (target.clone(), d.name.clone()),
                        format!("{} {:?} {:?}", d.header, d.kind, d.params),
                    )
                })
            })
            .collect::<BTreeMap<_, _>>()
    };
    let (our_decls, their_decls) = (declarations(&ours), declarations(&theirs));
    assert_eq!(
        our_decls.keys().collect::<Vec<_>>(),
        their_decls.keys().collect::<Vec<_>>()
    );
    for (key, ours) in &our_decls {
        assert_eq!(
            ours, &their_decls[key],
            "the C declaration of {key:?} differs"
        );
    }
    // What the rewrite made Microsoft's is in them: MSGSERVICEENTRY a stdcall function
    // type whose ulUIParam is a ULONG_PTR.
    let entry = &their_decls[&("x86_64".to_string(), "MSGSERVICEENTRY".to_string())];
    assert!(
        entry.contains("Fn { abi: System")
            && entry.contains("Named(\"HINSTANCE\"), Named(\"LPMALLOC\"), Named(\"LPMAPISUP\"), Named(\"ULONG_PTR\")"),
        "{entry}"
    );
    assert!(names(&theirs).contains(&(
        "IMAPIClientShutdown".to_string(),
        "mapishutdown.h".to_string()
    )));
    assert_eq!(
        ours.files.keys().collect::<Vec<_>>(),
        theirs.files.keys().collect::<Vec<_>>()
    );
    for (name, text) in &ours.files {
        if name.as_str() == "INTERFACES.md" {
            continue;
        }
        assert!(theirs.files[name] == *text, "{name} differs");
    }
    // INTERFACES.md lists the declarations the corrections changed: from the mingw-w64
    // headers every one (IMsgStore::Advise's lpulConnection, MSGSERVICEENTRY's
    // ulUIParam, ...); from the rewritten headers only those the rewrite left as
    // mingw-w64 has them (most parameters) and our IDL's `void *`. The interface table
    // above the list is the same.
    let corrected = |g: &mapi_codegen::Generated| {
        g.model
            .corrected
            .iter()
            .map(|c| format!("{} {:?} {} -> {}", c.item, c.member, c.from, c.to))
            .collect::<Vec<_>>()
    };
    let (ours_fixed, theirs_fixed) = (corrected(&ours), corrected(&theirs));
    let made_microsofts = [
        "MSGSERVICEENTRY Some(\"ulUIParam\") ULONG -> ULONG_PTR",
        "BOOKMARK None ULONG -> ULONG_PTR",
        "IABContainer::CopyEntries Some(\"ulUIParam\") ULONG -> ULONG_PTR",
    ];
    for expected in made_microsofts
        .iter()
        .chain(&["IMsgStore::Advise Some(\"lpulConnection\") ULONG* -> ULONG_PTR*"])
    {
        assert!(
            ours_fixed.iter().any(|c| c == expected),
            "{expected}: {ours_fixed:#?}"
        );
    }
    for c in &theirs_fixed {
        assert!(ours_fixed.contains(c), "{c}");
        assert!(!made_microsofts.contains(&c.as_str()), "{c}");
    }
    assert!(theirs_fixed.iter().any(|c| c.contains(" void* -> ")));
    assert_eq!(ours_fixed.len(), 88, "{ours_fixed:#?}");
    let table = |g: &mapi_codegen::Generated| {
        let text = &g.files["INTERFACES.md"];
        let (table, list) = text.split_at(text.find("\n## Declarations").expect("the list"));
        (table.to_string(), list.to_string())
    };
    let ((our_table, our_list), (their_table, their_list)) = (table(&ours), table(&theirs));
    assert_eq!(our_table, their_table);
    assert!(
        our_list.contains(
            "| `IMsgStore::Advise` `lpulConnection` | `mapidefs.h` | `ULONG*` | `ULONG_PTR*` |"
        ),
        "{our_list}"
    );
    assert!(their_list.contains("`IMsgStore::Advise`"), "{their_list}");
    assert!(!their_list.contains("| `BOOKMARK` |"), "{their_list}");
}

#[test]
fn an_idl_interface_the_headers_declare_differently_is_an_error_at_the_idl() {
    let dir = tempfile::tempdir().unwrap();
    // The headers' IMAPIClientShutdown lacks DoFastShutdown.
    let include = microsoft_like(
        dir.path(),
        "MAPIMETHOD(QueryFastShutdown) (THIS) IPURE; \
         MAPIMETHOD(NotifyProcessShutdown) (THIS) IPURE;",
    );
    let err = generate(&Options {
        manifest: root().join("headers/mapi.toml"),
        mapi_include: Some(include),
    })
    .expect_err("a differing declaration is an error")
    .to_string();
    assert!(
        err.contains("mapishutdown.idl:17:11")
            && err.contains("redefinition of 'IMAPIClientShutdown'")
            && err.contains(
                "The MAPI headers declare `IMAPIClientShutdown` too, differently: \
                             there (mapidefs.h line "
            )
            && err.contains(
                "its methods (name/parameters) are QueryFastShutdown/0, \
                             NotifyProcessShutdown/0, here QueryFastShutdown/0, \
                             NotifyProcessShutdown/0, DoFastShutdown/0"
            ),
        "{err}"
    );
}
