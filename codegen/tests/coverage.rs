//! Coverage of the MAPI interfaces beyond mapidefs.h, mapix.h and mapispi.h: for each
//! newly emitted header, a sample of IIDs, the complete method order of each interface and
//! the pointer-sized parameters, checked against Microsoft's declarations (written down
//! with their sources in docs/FACTS.md, "Coverage").

use core::mem::{offset_of, size_of};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use mapi_sync_sys::*;

fn text(g: &GUID) -> String {
    format!("{g:?}")
}

/// A method's name and its parameters (name, C type).
type MethodSig = (String, Vec<(String, String)>);

/// What these tests read from the generator's model.
struct Model {
    /// Each interface with its own methods.
    interfaces: Vec<(String, Vec<MethodSig>)>,
    /// Target, struct, (size, alignment).
    layouts: BTreeMap<String, BTreeMap<String, (u64, u64)>>,
}

/// The generator's model for the committed manifest, made once for the whole file.
fn generated() -> &'static Model {
    static G: OnceLock<Model> = OnceLock::new();
    G.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let g = mapi_codegen::generate(&mapi_codegen::Options {
            manifest: root.join("headers/mapi.toml"),
            mapi_include: None,
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let interfaces = g
            .model
            .interfaces
            .iter()
            .map(|i| {
                let methods = i
                    .methods
                    .iter()
                    .map(|m| {
                        let params = m
                            .params
                            .iter()
                            .map(|p| (p.name.clone(), p.ty.to_string().replace(' ', "")))
                            .collect();
                        (m.name.clone(), params)
                    })
                    .collect();
                (i.name.clone(), methods)
            })
            .collect();
        Model {
            interfaces,
            layouts: g.model.layouts.clone(),
        }
    })
}

/// The type the model gives a parameter, as C spells it (without spaces).
fn param_type(iface: &str, method: &str, param: &str) -> String {
    let (_, methods) = generated()
        .interfaces
        .iter()
        .find(|(i, _)| i == iface)
        .unwrap_or_else(|| panic!("{iface} is not emitted"));
    let (_, params) = methods
        .iter()
        .find(|(m, _)| m == method)
        .unwrap_or_else(|| panic!("{iface}::{method} is missing"));
    let (_, ty) = params
        .iter()
        .find(|(p, _)| p == param)
        .unwrap_or_else(|| panic!("{iface}::{method} has no parameter {param}"));
    ty.clone()
}

/// Asserts that the listed entries are the vtable's own, in this order, right after the
/// `base` slots of its base interface (3 for IUnknown, 14 for IMAPIProp), and that the
/// vtable ends after them.
macro_rules! vtable_order {
    ($vtbl:ty, $base:expr, [$($m:ident),* $(,)?]) => {{
        let p = size_of::<usize>();
        let got = [$(offset_of!($vtbl, $m)),*];
        let want: Vec<usize> = ($base..$base + got.len()).map(|i| i * p).collect();
        assert_eq!(got.to_vec(), want, "method order of {}", stringify!($vtbl));
        assert_eq!(
            size_of::<$vtbl>(),
            ($base + got.len()) * p,
            "size of {}",
            stringify!($vtbl)
        );
        assert_eq!(offset_of!($vtbl, base__), 0);
    }};
}

const IUNKNOWN: usize = 3;
const IMAPIPROP: usize = 14;

fn emitted() -> Vec<&'static str> {
    generated()
        .interfaces
        .iter()
        .map(|(i, _)| i.as_str())
        .collect()
}

fn assert_emitted(names: &[&str]) {
    let have = emitted();
    for n in names {
        assert!(have.contains(n), "{n} is not emitted");
    }
}

// ---- mapiutil.h, mapiform.h, mapihook.h (from the mingw-w64 headers) -----------------

#[test]
fn mapiutil_form_and_hook_interfaces_are_emitted() {
    assert_emitted(&[
        "IPropData",
        "ITableData",
        "IMAPIForm",
        "IMAPIFormAdviseSink",
        "IMAPIFormContainer",
        "IMAPIFormFactory",
        "IMAPIFormInfo",
        "IMAPIFormMgr",
        "IMAPIMessageSite",
        "IMAPIViewAdviseSink",
        "IMAPIViewContext",
        "IPersistMessage",
        "ISpoolerHook",
    ]);
}

#[test]
fn mapiutil_form_and_hook_iids() {
    assert_eq!(
        text(&IID_IMAPIPropData),
        "{0002031A-0000-0000-C000-000000000046}"
    );
    assert_eq!(<IPropData as ComInterface>::IID, IID_IMAPIPropData);
    assert_eq!(
        text(&IID_ISpoolerHook),
        "{00020320-0000-0000-C000-000000000046}"
    );
    assert_eq!(
        text(&IID_IMAPIViewContext),
        "{00020321-0000-0000-C000-000000000046}"
    );
    assert_eq!(
        text(&IID_IMAPIFormMgr),
        "{00020322-0000-0000-C000-000000000046}"
    );
    assert_eq!(
        text(&IID_IMAPIFormInfo),
        "{00020324-0000-0000-C000-000000000046}"
    );
    assert_eq!(
        text(&IID_IMAPIForm),
        "{00020327-0000-0000-C000-000000000046}"
    );
    assert_eq!(
        text(&IID_IPersistMessage),
        "{0002032A-0000-0000-C000-000000000046}"
    );
    assert_eq!(
        text(&IID_IMAPIViewAdviseSink),
        "{0002032B-0000-0000-C000-000000000046}"
    );
    assert_eq!(
        text(&IID_IMAPIFormContainer),
        "{0002032E-0000-0000-C000-000000000046}"
    );
    assert_eq!(
        text(&IID_IMAPIFormAdviseSink),
        "{0002032F-0000-0000-C000-000000000046}"
    );
    assert_eq!(
        text(&IID_IMAPIFormFactory),
        "{00020350-0000-0000-C000-000000000046}"
    );
    assert_eq!(
        text(&IID_IMAPIMessageSite),
        "{00020370-0000-0000-C000-000000000046}"
    );
}

#[test]
fn mapiutil_and_hook_method_order() {
    vtable_order!(
        IPropData_Vtbl,
        IMAPIPROP,
        [
            HrSetObjAccess,
            HrSetPropAccess,
            HrGetPropAccess,
            HrAddObjProps
        ]
    );
    vtable_order!(
        ISpoolerHook_Vtbl,
        IUNKNOWN,
        [InboundMsgHook, OutboundMsgHook]
    );
}

#[test]
fn mapiform_method_order() {
    vtable_order!(
        IPersistMessage_Vtbl,
        IUNKNOWN,
        [
            GetLastError,
            GetClassID,
            IsDirty,
            InitNew,
            Load,
            Save,
            SaveCompleted,
            HandsOffMessage
        ]
    );
    vtable_order!(
        IMAPIMessageSite_Vtbl,
        IUNKNOWN,
        [
            GetLastError,
            GetSession,
            GetStore,
            GetFolder,
            GetMessage,
            GetFormManager,
            NewMessage,
            CopyMessage,
            MoveMessage,
            DeleteMessage,
            SaveMessage,
            SubmitMessage,
            GetSiteStatus,
        ]
    );
    vtable_order!(
        IMAPIForm_Vtbl,
        IUNKNOWN,
        [
            GetLastError,
            SetViewContext,
            GetViewContext,
            ShutdownForm,
            DoVerb,
            Advise,
            Unadvise
        ]
    );
    vtable_order!(
        IMAPIViewContext_Vtbl,
        IUNKNOWN,
        [
            GetLastError,
            SetAdviseSink,
            ActivateNext,
            GetPrintSetup,
            GetSaveStream,
            GetViewStatus
        ]
    );
    vtable_order!(
        IMAPIFormAdviseSink_Vtbl,
        IUNKNOWN,
        [OnChange, OnActivateNext]
    );
    vtable_order!(
        IMAPIViewAdviseSink_Vtbl,
        IUNKNOWN,
        [OnShutdown, OnNewMessage, OnPrint, OnSubmitted, OnSaved]
    );
    vtable_order!(
        IMAPIFormInfo_Vtbl,
        IMAPIPROP,
        [
            CalcFormPropSet,
            CalcVerbSet,
            MakeIconFromBinary,
            SaveForm,
            OpenFormContainer
        ]
    );
    vtable_order!(
        IMAPIFormMgr_Vtbl,
        IUNKNOWN,
        [
            GetLastError,
            LoadForm,
            ResolveMessageClass,
            ResolveMultipleMessageClasses,
            CalcFormPropSet,
            CreateForm,
            SelectForm,
            SelectMultipleForms,
            SelectFormContainer,
            OpenFormContainer,
            PrepareForm,
            IsInConflict,
        ]
    );
    vtable_order!(
        IMAPIFormContainer_Vtbl,
        IUNKNOWN,
        [
            GetLastError,
            InstallForm,
            RemoveForm,
            ResolveMessageClass,
            ResolveMultipleMessageClasses,
            CalcFormPropSet,
            GetDisplay,
        ]
    );
    vtable_order!(
        IMAPIFormFactory_Vtbl,
        IUNKNOWN,
        [GetLastError, CreateClassFactory, LockServer]
    );
}

#[test]
fn mapiform_pointer_sized_parameters() {
    // Microsoft's MAPIForm.h types these ULONG_PTR (window handles and connections);
    // mingw-w64 has ULONG, and the manifest's [corrections] fix them.
    let cases = [
        ("IMAPIForm", "Advise", "pdwStatus", "ULONG_PTR*"),
        ("IMAPIForm", "DoVerb", "hwndParent", "ULONG_PTR"),
        ("IMAPIForm", "Unadvise", "ulConnection", "ULONG_PTR"),
        (
            "IMAPIFormContainer",
            "InstallForm",
            "ulUIParam",
            "ULONG_PTR",
        ),
        ("IMAPIFormMgr", "CreateForm", "ulUIParam", "ULONG_PTR"),
        ("IMAPIFormMgr", "LoadForm", "ulUIParam", "ULONG_PTR"),
        ("IMAPIFormMgr", "PrepareForm", "ulUIParam", "ULONG_PTR"),
        ("IMAPIFormMgr", "SelectForm", "ulUIParam", "ULONG_PTR"),
        (
            "IMAPIFormMgr",
            "SelectFormContainer",
            "ulUIParam",
            "ULONG_PTR",
        ),
        (
            "IMAPIFormMgr",
            "SelectMultipleForms",
            "ulUIParam",
            "ULONG_PTR",
        ),
    ];
    for (i, m, p, want) in cases {
        assert_eq!(param_type(i, m, p), want, "{i}::{m}({p})");
    }
    // And the Rust signature, checked by the compiler.
    fn do_verb(
        v: &IMAPIForm_Vtbl,
    ) -> unsafe extern "system" fn(
        *mut core::ffi::c_void,
        LONG,
        LPMAPIVIEWCONTEXT,
        ULONG_PTR,
        LPCRECT,
    ) -> HRESULT {
        v.DoVerb
    }
    let _ = do_verb;
    // Parameters that stay 32-bit on both ABIs.
    assert_eq!(
        param_type("IMAPIForm", "ShutdownForm", "ulSaveOptions"),
        "ULONG"
    );
    assert_eq!(
        param_type("IMAPIFormFactory", "LockServer", "fLockServer"),
        "ULONG"
    );
}

#[test]
fn mapiform_and_hook_constants() {
    assert_eq!(HFRMREG_DEFAULT, 0);
    assert_eq!(HFRMREG_FOLDER, 3);
    assert_eq!(VCSTATUS_NEXT, 0x1);
    assert_eq!(VCSTATUS_NEW_MESSAGE, 0x0040_0000);
    assert_eq!(SAVE_FORMAT_RICHTEXT, 2);
    assert_eq!(SAVEOPTS_PROMPTSAVE, 2);
    assert_eq!(HOOK_DELETE, 0x1);
    assert_eq!(HOOK_CANCEL, 0x2);
    assert_eq!(HOOK_INBOUND, 0x200);
    assert_eq!(HOOK_OUTBOUND, 0x400);
}

#[test]
fn mapiform_struct_layouts() {
    let l = &generated().layouts;
    // SMAPIVerb: LONG, pointer, DWORD, DWORD, ULONG.
    assert_eq!(l["x86_64"]["SMAPIVerb"], (32, 8));
    assert_eq!(l["i686"]["SMAPIVerb"], (20, 4));
    assert_eq!(size_of::<SMAPIVerb>(), 32);
    // FORMPRINTSETUP: ULONG, two HGLOBALs, two ULONGs.
    assert_eq!(l["x86_64"]["FORMPRINTSETUP"], (32, 8));
    assert_eq!(l["i686"]["FORMPRINTSETUP"], (20, 4));
}
