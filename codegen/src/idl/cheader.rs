//! Lowers an IDL file to a C/C++ header: C `lpVtbl` structs under `CINTERFACE` (and in
//! C), C++ classes with pure virtual methods otherwise, `DEFINE_GUID` for the IIDs.
//!
//! Compiled for Windows it sits on the MAPI headers; elsewhere it declares the few COM
//! types it uses with Windows' widths, so Linux C and C++ hosts can include it alone.

use std::fmt::Write;

use super::ast::*;

/// How to write the header.
#[derive(Debug, Clone)]
pub struct CHeaderOptions {
    /// The include guard macro.
    pub guard: String,
    /// The IDL file's name, for the banner.
    pub source_name: String,
}

/// IUnknown's methods, built in as MIDL has them from unknwn.idl.
fn iunknown_methods() -> Vec<Method> {
    let ptr = |name: &str, n: usize| CType {
        is_const: false,
        name: name.into(),
        pointers: vec![PointerLevel { is_const: false }; n],
    };
    let param = |name: &str, ty: CType| Param {
        name: name.into(),
        ty,
        dir: Direction::In,
        attributes: Vec::new(),
        offset: 0,
    };
    vec![
        Method {
            name: "QueryInterface".into(),
            ret: CType::named("HRESULT"),
            params: vec![
                param("riid", CType::named("REFIID")),
                param("ppvObject", ptr("void", 2)),
            ],
            offset: 0,
        },
        Method {
            name: "AddRef".into(),
            ret: CType::named("ULONG"),
            params: Vec::new(),
            offset: 0,
        },
        Method {
            name: "Release".into(),
            ret: CType::named("ULONG"),
            params: Vec::new(),
            offset: 0,
        },
    ]
}

/// Every method of `iface` in vtable order, inherited ones first.
fn all_methods(file: &IdlFile, iface: &Interface) -> Vec<Method> {
    let mut chain = vec![iface];
    let mut base = iface.base.clone();
    while let Some(b) = base {
        match file.interfaces().find(|i| i.name == b) {
            Some(bi) => {
                chain.push(bi);
                base = bi.base.clone();
            }
            None => break,
        }
    }
    let mut methods = iunknown_methods();
    for i in chain.iter().rev() {
        methods.extend(i.methods.iter().cloned());
    }
    methods
}

fn params_c(m: &Method) -> String {
    m.params
        .iter()
        .map(|p| format!("{} {}", p.ty.to_c().trim_end(), p.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn guid_args(g: &Guid) -> String {
    let d = &g.data4;
    format!(
        "0x{:08x}, 0x{:04x}, 0x{:04x}, 0x{:02x}, 0x{:02x}, 0x{:02x}, 0x{:02x}, 0x{:02x}, 0x{:02x}, 0x{:02x}, 0x{:02x}",
        g.data1, g.data2, g.data3, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
    )
}

const STANDALONE: &str = r#"#ifdef _WIN32
#include <windows.h>
#include <objbase.h>
#include <mapix.h>
#else
/* Not Windows: declare the COM types this header uses, with Windows' widths. */
#include <stdint.h>
#ifndef MAPISYNC_COM_TYPES_DEFINED
#define MAPISYNC_COM_TYPES_DEFINED
typedef uint32_t ULONG;
typedef int32_t LONG;
typedef int32_t HRESULT;
typedef int32_t SCODE;
typedef uint16_t WCHAR;
typedef void *HANDLE;
typedef void *LPVOID;
typedef struct _GUID {
    uint32_t Data1;
    uint16_t Data2;
    uint16_t Data3;
    unsigned char Data4[8];
} GUID;
typedef GUID IID;
#if defined(__cplusplus) && !defined(CINTERFACE)
#define REFIID const IID &
#else
#define REFIID const IID *
#endif
#define STDMETHODCALLTYPE
#define S_OK ((HRESULT)0)
#define S_FALSE ((HRESULT)1)
#define E_NOINTERFACE ((HRESULT)(int32_t)0x80004002u)
#define E_POINTER ((HRESULT)(int32_t)0x80004003u)
#define E_UNEXPECTED ((HRESULT)(int32_t)0x8000FFFFu)
#define MAPI_E_INVALID_PARAMETER ((HRESULT)(int32_t)0x80070057u)
#define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#define FAILED(hr) (((HRESULT)(hr)) < 0)
#ifdef __cplusplus
#define MAPISYNC_DECLARE extern "C"
#define MAPISYNC_DEFINE extern "C"
#else
#define MAPISYNC_DECLARE extern
#define MAPISYNC_DEFINE
#endif
#ifndef DEFINE_GUID
#ifdef INITGUID
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
    MAPISYNC_DEFINE const GUID name = { l, w1, w2, { b1, b2, b3, b4, b5, b6, b7, b8 } }
#else
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
    MAPISYNC_DECLARE const GUID name
#endif
#endif
typedef struct IUnknown IUnknown;
#if defined(__cplusplus) && !defined(CINTERFACE)
struct IUnknown {
    virtual HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void **ppvObject) = 0;
    virtual ULONG STDMETHODCALLTYPE AddRef(void) = 0;
    virtual ULONG STDMETHODCALLTYPE Release(void) = 0;
};
#else
typedef struct IUnknownVtbl {
    HRESULT (STDMETHODCALLTYPE *QueryInterface)(IUnknown *This, REFIID riid, void **ppvObject);
    ULONG (STDMETHODCALLTYPE *AddRef)(IUnknown *This);
    ULONG (STDMETHODCALLTYPE *Release)(IUnknown *This);
} IUnknownVtbl;
struct IUnknown {
    const struct IUnknownVtbl *lpVtbl;
};
#ifdef COBJMACROS
#define IUnknown_QueryInterface(This, riid, ppvObject) ((This)->lpVtbl->QueryInterface(This, riid, ppvObject))
#define IUnknown_AddRef(This) ((This)->lpVtbl->AddRef(This))
#define IUnknown_Release(This) ((This)->lpVtbl->Release(This))
#endif
#endif
typedef IUnknown *LPUNKNOWN;
DEFINE_GUID(IID_IUnknown, 0x00000000, 0x0000, 0x0000, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46);
/* MAPI's session, opaque here. */
typedef struct IMAPISession IMAPISession;
typedef IMAPISession *LPMAPISESSION;
#endif /* MAPISYNC_COM_TYPES_DEFINED */
#endif /* _WIN32 */
"#;

/// The whole header.
pub fn c_header(file: &IdlFile, opts: &CHeaderOptions) -> String {
    let mut h = String::new();
    let g = &opts.guard;
    let _ = writeln!(
        h,
        "/* Generated by mapi-codegen from {}. Do not edit: run `cargo xtask regen`. */",
        opts.source_name
    );
    let _ = writeln!(h, "#ifndef {g}\n#define {g}\n");
    h.push_str(STANDALONE);
    h.push_str("\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    for i in file.interfaces() {
        let _ = writeln!(h, "typedef struct {0} {0};", i.name);
    }
    for item in &file.items {
        if let Item::ForwardInterface(n) = item {
            let _ = writeln!(h, "typedef struct {n} {n};");
        }
    }
    h.push('\n');
    for item in &file.items {
        match item {
            Item::CppQuote(text) => {
                let _ = writeln!(h, "{text}");
            }
            Item::Const(c) => {
                let _ = writeln!(
                    h,
                    "#define {} (({})0x{:08X})",
                    c.name,
                    c.ty.to_c().trim_end(),
                    c.value
                );
            }
            Item::Struct(s) => {
                let _ = writeln!(
                    h,
                    "typedef struct {}{{",
                    s.tag
                        .as_deref()
                        .map(|t| format!("{t} "))
                        .unwrap_or_default()
                );
                for f in &s.fields {
                    let array = f.array.map(|n| format!("[{n}]")).unwrap_or_default();
                    let _ = writeln!(h, "    {} {}{array};", f.ty.to_c().trim_end(), f.name);
                }
                let _ = writeln!(h, "}} {};\n", declarators(&s.names));
            }
            Item::Enum(e) => {
                let _ = writeln!(
                    h,
                    "typedef enum {}{{",
                    e.tag
                        .as_deref()
                        .map(|t| format!("{t} "))
                        .unwrap_or_default()
                );
                for (n, v) in &e.variants {
                    let _ = writeln!(h, "    {n} = {v},");
                }
                let _ = writeln!(h, "}} {};\n", declarators(&e.names));
            }
            Item::Typedef(a) => {
                let _ = writeln!(
                    h,
                    "typedef {} {};",
                    a.ty.to_c().trim_end(),
                    declarators(&a.names)
                );
            }
            Item::ForwardInterface(_) => {}
            Item::Interface(i) => interface(&mut h, file, i),
        }
    }
    h.push_str("#ifdef __cplusplus\n}\n#endif\n\n");
    let _ = writeln!(h, "#endif /* {g} */");
    h
}

fn declarators(names: &[Declarator]) -> String {
    names
        .iter()
        .map(|d| format!("{}{}", "*".repeat(d.pointers), d.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn interface(h: &mut String, file: &IdlFile, i: &Interface) {
    let n = &i.name;
    let base = i.base.as_deref().unwrap_or("IUnknown");
    let _ = writeln!(
        h,
        "/* {n}{} */",
        i.uuid.map(|g| format!(" {g}")).unwrap_or_default()
    );
    if let Some(g) = &i.uuid {
        let _ = writeln!(h, "DEFINE_GUID(IID_{n}, {});", guid_args(g));
    }
    let _ = writeln!(h, "#if defined(__cplusplus) && !defined(CINTERFACE)");
    let _ = writeln!(h, "struct {n} : public {base} {{");
    for m in &i.methods {
        let params = params_c(m);
        let params = if params.is_empty() {
            "void".to_string()
        } else {
            params
        };
        let _ = writeln!(
            h,
            "    virtual {} STDMETHODCALLTYPE {}({params}) = 0;",
            m.ret.to_c().trim_end(),
            m.name
        );
    }
    let _ = writeln!(h, "}};\n#else");
    let _ = writeln!(h, "typedef struct {n}Vtbl {{");
    let methods = all_methods(file, i);
    for m in &methods {
        let params = params_c(m);
        let sep = if params.is_empty() { "" } else { ", " };
        let _ = writeln!(
            h,
            "    {} (STDMETHODCALLTYPE *{})({n} *This{sep}{params});",
            m.ret.to_c().trim_end(),
            m.name
        );
    }
    let _ = writeln!(h, "}} {n}Vtbl;");
    let _ = writeln!(h, "struct {n} {{\n    const struct {n}Vtbl *lpVtbl;\n}};");
    let _ = writeln!(h, "#ifdef COBJMACROS");
    for m in &methods {
        let args: Vec<&str> = m.params.iter().map(|p| p.name.as_str()).collect();
        let sep = if args.is_empty() { "" } else { ", " };
        let _ = writeln!(
            h,
            "#define {n}_{0}(This{sep}{1}) ((This)->lpVtbl->{0}(This{sep}{1}))",
            m.name,
            args.join(", ")
        );
    }
    let _ = writeln!(h, "#endif\n#endif\n");
}
