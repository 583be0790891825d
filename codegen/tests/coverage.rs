//! Coverage of the MAPI interfaces beyond mapidefs.h, mapix.h and mapispi.h: for each
//! newly emitted header, a sample of IIDs, the complete method order of each interface and
//! the pointer-sized parameters, checked against Microsoft's declarations (written down
//! with their sources in docs/FACTS.md, "Coverage").

use core::mem::{offset_of, size_of};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use mapi_codegen::ir::Layout;
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
    layouts: BTreeMap<String, BTreeMap<String, Layout>>,
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
    assert_eq!(l["x86_64"]["SMAPIVerb"], Layout { size: 32, align: 8 });
    assert_eq!(l["i686"]["SMAPIVerb"], Layout { size: 20, align: 4 });
    assert_eq!(size_of::<SMAPIVerb>(), 32);
    // FORMPRINTSETUP: ULONG, two HGLOBALs, two ULONGs.
    assert_eq!(l["x86_64"]["FORMPRINTSETUP"], Layout { size: 32, align: 8 });
    assert_eq!(l["i686"]["FORMPRINTSETUP"], Layout { size: 20, align: 4 });
}

// ---- our IDL: MAPIDefS.h's shutdown interfaces, MAPIAux.h, IMSCapabilities.h ---------

#[test]
fn shutdown_mapiaux_and_capabilities_iids() {
    assert_eq!(
        text(&IID_IMAPIClientShutdown),
        "{00020397-0000-0000-C000-000000000046}"
    );
    assert_eq!(
        text(&IID_IMAPIProviderShutdown),
        "{00020398-0000-0000-C000-000000000046}"
    );
    assert_eq!(
        text(&IID_IMsgServiceAdmin2),
        "{00020387-0000-0000-C000-000000000046}"
    );
    assert_eq!(
        text(&IID_IMSCapabilities),
        "{00020393-0000-0000-C000-000000000046}"
    );
    assert_eq!(<IMSCapabilities as ComInterface>::IID, IID_IMSCapabilities);
}

#[test]
fn shutdown_mapiaux_and_capabilities_method_order() {
    vtable_order!(
        IMAPIClientShutdown_Vtbl,
        IUNKNOWN,
        [QueryFastShutdown, NotifyProcessShutdown, DoFastShutdown]
    );
    vtable_order!(
        IMAPIProviderShutdown_Vtbl,
        IUNKNOWN,
        [QueryFastShutdown, NotifyProcessShutdown, DoFastShutdown]
    );
    // IMsgServiceAdmin's vtable, then CreateMsgServiceEx.
    vtable_order!(
        IMsgServiceAdmin2_Vtbl,
        IUNKNOWN,
        [
            GetLastError,
            GetMsgServiceTable,
            CreateMsgService,
            DeleteMsgService,
            CopyMsgService,
            RenameMsgService,
            ConfigureMsgService,
            OpenProfileSection,
            MsgServiceTransportOrder,
            AdminProviders,
            SetPrimaryIdentity,
            GetProviderTable,
            CreateMsgServiceEx,
        ]
    );
    assert_eq!(
        size_of::<IMsgServiceAdmin2_Vtbl>(),
        size_of::<IMsgServiceAdmin_Vtbl>() + size_of::<usize>()
    );
    vtable_order!(IMSCapabilities_Vtbl, IUNKNOWN, [GetCapabilities]);
    // GetCapabilities answers a ULONG, not an HRESULT.
    fn caps(
        v: &IMSCapabilities_Vtbl,
    ) -> unsafe extern "system" fn(*mut core::ffi::c_void, MSCAP_SELECTOR) -> ULONG {
        v.GetCapabilities
    }
    let _ = caps;
}

#[test]
fn mapiaux_pointer_sized_parameters() {
    for m in [
        "CreateMsgService",
        "CopyMsgService",
        "ConfigureMsgService",
        "CreateMsgServiceEx",
    ] {
        assert_eq!(
            param_type("IMsgServiceAdmin2", m, "ulUIParam"),
            "ULONG_PTR",
            "{m}"
        );
    }
    fn create_ex(
        v: &IMsgServiceAdmin2_Vtbl,
    ) -> unsafe extern "system" fn(
        *mut core::ffi::c_void,
        LPTSTR,
        LPTSTR,
        ULONG_PTR,
        ULONG,
        LPMAPIUID,
    ) -> HRESULT {
        v.CreateMsgServiceEx
    }
    let _ = create_ex;
}

#[test]
fn mapiaux_and_capabilities_constants() {
    assert_eq!(MSCAP_SEL_FOLDER, 2);
    assert_eq!(MSCAP_SEL_RESTRICTION, 4);
    assert_eq!(MSCAP_SECURE_FOLDER_HOMEPAGES, 1);
    assert_eq!(MSCAP_RES_ANNOTATION, 1);
    assert_eq!(MAPI_BG_SESSION, 0x0020_0000);
    assert_eq!(MAPI_NO_COINIT, 0x8);
    assert_eq!(MDB_ONLINE, 0x100);
    assert_eq!(STORE_UNICODE_OK, 0x0004_0000);
    assert_eq!(MAPI_NO_CACHE, 0x200);
    assert_eq!(MAPI_CACHE_ONLY, 0x4000);
    assert_eq!(EDITOR_FORMAT_HTML, 2);
}

// ---- our IDL: EdkMdb.h ----------------------------------------------------------------

#[test]
fn edkmdb_interfaces_are_emitted() {
    assert_emitted(&[
        "IExchangeModifyTable",
        "IExchangeRuleAction",
        "IExchangeManageStore",
        "IExchangeManageStore2",
        "IExchangeManageStore3",
        "IExchangeManageStore4",
        "IExchangeNntpNewsfeed",
        "IExchangeFastTransfer",
        "IExchangeExportChanges",
        "IExchangeExportChanges2",
        "IExchangeExportChanges3",
        "IExchangeImportContentsChanges",
        "IExchangeImportContentsChanges2",
        "IExchangeImportHierarchyChanges",
        "IExchangeChangeAdviseSink",
        "IExchangeChangeAdvisor",
        "IExchangeBadItemCallback",
        "IExchangeMoveUserProgress",
        "IExchangeFavorites",
        "IExchangeMessageConversion",
    ]);
}

#[test]
fn edkmdb_iids() {
    let cases = [
        (
            IID_IExchangeManageStore,
            "{559D10B0-A772-11CD-9BC8-00AA002FC45A}",
        ),
        (
            IID_IExchangeManageStore4,
            "{2590FF87-C431-4F9C-B1A8-CD69D760CD10}",
        ),
        (
            IID_IExchangeModifyTable,
            "{2D734CB0-53FD-101B-B19D-08002B3056E3}",
        ),
        (
            IID_IExchangeExportChanges,
            "{A3EA9CC0-D1B2-11CD-80FC-00AA004BBA0B}",
        ),
        (
            IID_IExchangeExportChanges3,
            "{702E7F86-50A6-11D1-ABD6-00A0C905660A}",
        ),
        (
            IID_IExchangeImportContentsChanges,
            "{F75ABFA0-D0E0-11CD-80FC-00AA004BBA0B}",
        ),
        (
            IID_IExchangeImportHierarchyChanges,
            "{85A66CF0-D0E0-11CD-80FC-00AA004BBA0B}",
        ),
        (
            IID_IExchangeChangeAdvisor,
            "{1E300720-A839-11CF-BDE0-00004C7531E3}",
        ),
        (
            IID_IExchangeFastTransfer,
            "{FF7DB070-A88A-11CD-9BC8-00AA002FC45A}",
        ),
        (
            IID_IExchangeMoveUserProgress,
            "{EF2FB44A-8DAC-4E4E-B1E3-A3B926355617}",
        ),
    ];
    for (iid, want) in cases {
        assert_eq!(text(&iid), want);
    }
    // Microsoft defines no IID for IExchangeChangeAdviseSink; GUID_NULL stands in.
    assert_eq!(
        text(&IID_IExchangeChangeAdviseSink),
        "{00000000-0000-0000-0000-000000000000}"
    );
}

#[test]
fn edkmdb_method_order() {
    vtable_order!(
        IExchangeModifyTable_Vtbl,
        IUNKNOWN,
        [GetLastError, GetTable, ModifyTable]
    );
    vtable_order!(IExchangeRuleAction_Vtbl, IUNKNOWN, [ActionCount, GetAction]);
    vtable_order!(
        IExchangeManageStore_Vtbl,
        IUNKNOWN,
        [
            CreateStoreEntryID,
            EntryIDFromSourceKey,
            GetRights,
            GetMailboxTable,
            GetPublicFolderTable,
        ]
    );
    vtable_order!(
        IExchangeManageStore4_Vtbl,
        IUNKNOWN,
        [
            CreateStoreEntryID,
            EntryIDFromSourceKey,
            GetRights,
            GetMailboxTable,
            GetPublicFolderTable,
            CreateNewsgroupNameEntryID,
            GetMailboxTableOffset,
            GetPublicFolderTableOffset,
        ]
    );
    vtable_order!(
        IExchangeExportChanges_Vtbl,
        IUNKNOWN,
        [GetLastError, Config, Synchronize, UpdateState]
    );
    vtable_order!(
        IExchangeExportChanges2_Vtbl,
        IUNKNOWN + 4,
        [ConfigForConversionStream]
    );
    vtable_order!(
        IExchangeExportChanges3_Vtbl,
        IUNKNOWN + 5,
        [ConfigForSelectiveSync]
    );
    vtable_order!(
        IExchangeImportContentsChanges_Vtbl,
        IUNKNOWN,
        [
            GetLastError,
            Config,
            UpdateState,
            ImportMessageChange,
            ImportMessageDeletion,
            ImportPerUserReadStateChange,
            ImportMessageMove,
        ]
    );
    vtable_order!(
        IExchangeImportContentsChanges2_Vtbl,
        IUNKNOWN + 7,
        [ConfigForConversionStream, ImportMessageChangeAsAStream]
    );
    vtable_order!(
        IExchangeImportHierarchyChanges_Vtbl,
        IUNKNOWN,
        [
            GetLastError,
            Config,
            UpdateState,
            ImportFolderChange,
            ImportFolderDeletion
        ]
    );
    vtable_order!(IExchangeChangeAdviseSink_Vtbl, IUNKNOWN, [OnNotify]);
    vtable_order!(
        IExchangeChangeAdvisor_Vtbl,
        IUNKNOWN,
        [GetLastError, Config, UpdateState, AddKeys, RemoveKeys]
    );
    vtable_order!(
        IExchangeFastTransfer_Vtbl,
        IUNKNOWN,
        [Config, TransferBuffer]
    );
    vtable_order!(IExchangeBadItemCallback_Vtbl, IUNKNOWN, [BadItem]);
    vtable_order!(
        IExchangeMoveUserProgress_Vtbl,
        IUNKNOWN,
        [NextFolder, Progress, Restart]
    );
    vtable_order!(
        IExchangeFavorites_Vtbl,
        IUNKNOWN,
        [GetLastError, AddFavorites, DelFavorites]
    );
    vtable_order!(IExchangeMessageConversion_Vtbl, IUNKNOWN, [OpenStream]);
    vtable_order!(
        IExchangeNntpNewsfeed_Vtbl,
        IUNKNOWN,
        [Configure, CheckMsgIds, OpenArticleStream]
    );
    // Signatures the compiler checks.
    fn config(
        v: &IExchangeExportChanges_Vtbl,
    ) -> unsafe extern "system" fn(
        *mut core::ffi::c_void,
        LPSTREAM,
        ULONG,
        LPUNKNOWN,
        LPSRestriction,
        LPSPropTagArray,
        LPSPropTagArray,
        ULONG,
    ) -> HRESULT {
        v.Config
    }
    fn on_notify(
        v: &IExchangeChangeAdviseSink_Vtbl,
    ) -> unsafe extern "system" fn(*mut core::ffi::c_void, ULONG, LPENTRYLIST) -> ULONG {
        v.OnNotify
    }
    let _ = (config, on_notify);
}

#[test]
fn edkmdb_constants_and_layouts() {
    assert_eq!(SYNC_UNICODE, 0x1);
    assert_eq!(SYNC_NORMAL, 0x20);
    assert_eq!(SYNC_CATCHUP, 0x400);
    assert_eq!(SYNC_NEW_MESSAGE, 0x800);
    assert_eq!(SYNC_FXRECOVERMODE, 0x0001_0000);
    assert_eq!(SYNC_SOFT_DELETE, 0x1);
    assert_eq!(ROW_ADD, 1);
    assert_eq!(ROW_REMOVE, 4);
    assert_eq!(ROW_EMPTY, ROW_ADD | ROW_REMOVE);
    let l = &generated().layouts;
    // ROWENTRY: two ULONGs and a pointer; ROWLIST: a ULONG, then ROWENTRYs.
    assert_eq!(l["x86_64"]["_ROWENTRY"], Layout { size: 16, align: 8 });
    assert_eq!(l["i686"]["_ROWENTRY"], Layout { size: 12, align: 4 });
    assert_eq!(l["x86_64"]["_ROWLIST"], Layout { size: 24, align: 8 });
    assert_eq!(l["i686"]["_ROWLIST"], Layout { size: 16, align: 4 });
    assert_eq!(offset_of!(ROWLIST, aEntries), 8);
    // READSTATE: ULONG, pointer, ULONG.
    assert_eq!(l["x86_64"]["_ReadState"], Layout { size: 24, align: 8 });
    assert_eq!(l["i686"]["_ReadState"], Layout { size: 12, align: 4 });
    assert_eq!(size_of::<READSTATE>(), 24);
}

// ---- our IDL: actMgmt.h ---------------------------------------------------------------

#[test]
fn actmgmt_iids() {
    assert_eq!(
        text(&IID_IOlkErrorUnknown),
        "{9240A6C0-AF41-11D2-8C3B-00104B2A6676}"
    );
    assert_eq!(
        text(&IID_IOlkAccountNotify),
        "{9240A6C3-AF41-11D2-8C3B-00104B2A6676}"
    );
    assert_eq!(
        text(&IID_IOlkAccountHelper),
        "{9240A6CB-AF41-11D2-8C3B-00104B2A6676}"
    );
    assert_eq!(
        text(&IID_IOlkAccountManager),
        "{9240A6CD-AF41-11D2-8C3B-00104B2A6676}"
    );
    assert_eq!(
        text(&IID_IOlkAccount),
        "{9240A6D2-AF41-11D2-8C3B-00104B2A6676}"
    );
}

#[test]
fn actmgmt_method_order() {
    vtable_order!(IOlkErrorUnknown_Vtbl, IUNKNOWN, [GetLastError]);
    let base = IUNKNOWN + 1;
    vtable_order!(
        IOlkAccount_Vtbl,
        base,
        [
            PlaceHolder1,
            PlaceHolder2,
            PlaceHolder3,
            PlaceHolder4,
            PlaceHolder5,
            PlaceHolder6,
            GetAccountInfo,
            GetProp,
            SetProp,
            PlaceHolder7,
            PlaceHolder8,
            PlaceHolder9,
            FreeMemory,
            PlaceHolder10,
            SaveChanges,
        ]
    );
    vtable_order!(
        IOlkAccountHelper_Vtbl,
        IUNKNOWN,
        [PlaceHolder1, GetIdentity, GetMapiSession, HandsOffSession]
    );
    vtable_order!(IOlkAccountNotify_Vtbl, base, [Notify]);
    vtable_order!(
        IOlkAccountManager_Vtbl,
        base,
        [
            Init,
            DisplayAccountList,
            PlaceHolder1,
            PlaceHolder2,
            PlaceHolder3,
            PlaceHolder4,
            PlaceHolder5,
            FindAccount,
            PlaceHolder6,
            PlaceHolder7,
            PlaceHolder8,
            DeleteAccount,
            PlaceHolder9,
            SaveChanges,
            GetOrder,
            SetOrder,
            EnumerateAccounts,
            PlaceHolder10,
            PlaceHolder11,
            FreeMemory,
            Advise,
            Unadvise,
            PlaceHolder12,
            PlaceHolder13,
            PlaceHolder14,
        ]
    );
}

#[test]
fn actmgmt_constants_and_layouts() {
    assert_eq!(ACCT_INIT_NOSYNCH_MAPI_ACCTS, 1);
    assert_eq!(NOTIFY_ACCT_CHANGED, 1);
    assert_eq!(NOTIFY_ACCT_PREDELETED, 5);
    assert_eq!(ACCTUI_SHOW_ACCTWIZARD, 0x400);
    // PROP_TAG(PT_UNICODE, 0x0002), PROP_TAG(PT_LONG, 0x0104), PROP_TAG(PT_BINARY, 0x0018).
    assert_eq!(PROP_ACCT_NAME, (0x0002 << 16) | PT_UNICODE);
    assert_eq!(PROP_INET_PORT, (0x0104 << 16) | PT_LONG);
    assert_eq!(PROP_ACCT_DELIVERY_STORE, (0x0018 << 16) | PT_BINARY);
    assert_eq!(PR_PRIMARY_SEND_ACCT, (0x0E28 << 16) | PT_UNICODE);
    let l = &generated().layouts;
    // ACCT_BIN: DWORD and pointer; ACCT_VARIANT: DWORD and the union, whose largest member
    // is an ACCT_BIN.
    assert_eq!(l["x86_64"]["ACCT_BIN"], Layout { size: 16, align: 8 });
    assert_eq!(l["i686"]["ACCT_BIN"], Layout { size: 8, align: 4 });
    assert_eq!(l["x86_64"]["ACCT_VARIANT"], Layout { size: 24, align: 8 });
    assert_eq!(l["i686"]["ACCT_VARIANT"], Layout { size: 12, align: 4 });
    assert_eq!(offset_of!(ACCT_VARIANT, Val), 8);
}

// ---- our IDL: mimeole.h ---------------------------------------------------------------

#[test]
fn mimeole_interfaces_are_emitted() {
    assert_emitted(&[
        "IMimeInternational",
        "IMimeSecurity",
        "IMimeHeaderTable",
        "IMimePropertySchema",
        "IMimePropertySet",
        "IMimeAddressTable",
        "IMimeWebDocument",
        "IMimeBody",
        "IMimeMessageTree",
        "IMimeMessage",
        "IMimeMessageCallback",
        "IPersistMime",
        "IMimeMessageParts",
        "IMimeEnumHeaderRows",
        "IMimeEnumProperties",
        "IMimeEnumAddressTypes",
        "IMimeEnumMessageParts",
        "IHashTable",
        "IMimeAllocator",
        "IMimeObjResolver",
        "IFontCache",
        "IFontCacheNotify",
        "IMimeEditTag",
        "IMimeEditTagCollection",
    ]);
}

#[test]
fn mimeole_iids() {
    let cases = [
        (IID_IMimeMessage, "{FD853CD5-7F86-11D0-8252-00C04FD85AB4}"),
        (
            IID_IMimeMessageTree,
            "{FD853CD4-7F86-11D0-8252-00C04FD85AB4}",
        ),
        (IID_IMimeBody, "{C558834C-7F86-11D0-8252-00C04FD85AB4}"),
        (
            IID_IMimePropertySet,
            "{FD853CD3-7F86-11D0-8252-00C04FD85AB4}",
        ),
        (
            IID_IMimeInternational,
            "{C5588349-7F86-11D0-8252-00C04FD85AB4}",
        ),
        (IID_IMimeAllocator, "{C5588351-7F86-11D0-8252-00C04FD85AB4}"),
        (IID_IPersistMime, "{DE4AD8DA-555F-11D1-8DD0-00C04FB951F9}"),
        (IID_IHashTable, "{64577981-86D7-11D1-BDFC-00C04FA31009}"),
        (
            IID_IMimeEditTagCollection,
            "{D09EE528-7B38-11D2-8C12-00C04FA31009}",
        ),
    ];
    for (iid, want) in cases {
        assert_eq!(text(&iid), want);
    }
}

#[test]
fn mimeole_method_order() {
    // IPersistStreamInit's methods (after IUnknown's) come first, as MIDL's vtable has them.
    vtable_order!(
        IMimeMessageTree_Vtbl,
        IUNKNOWN,
        [
            GetClassID,
            IsDirty,
            Load,
            Save,
            GetSizeMax,
            InitNew,
            GetMessageSource,
            GetMessageSize,
            LoadOffsetTable,
            SaveOffsetTable,
            GetFlags,
            Commit,
            HandsOffStorage,
            BindToObject,
            SaveBody,
            InsertBody,
            GetBody,
            DeleteBody,
            MoveBody,
            CountBodies,
            FindFirst,
            FindNext,
            ResolveURL,
            ToMultipart,
            GetBodyOffsets,
            GetCharset,
            SetCharset,
            IsBodyType,
            IsContentType,
            QueryBodyProp,
            GetBodyProp,
            SetBodyProp,
            DeleteBodyProp,
            SetOption,
            GetOption,
        ]
    );
    vtable_order!(
        IMimeMessage_Vtbl,
        38,
        [
            CreateWebPage,
            GetProp,
            SetProp,
            DeleteProp,
            QueryProp,
            GetTextBody,
            SetTextBody,
            AttachObject,
            AttachFile,
            AttachURL,
            GetAttachments,
            GetAddressTable,
            GetSender,
            GetAddressTypes,
            GetAddressFormat,
            EnumAddressTypes,
            SplitMessage,
            GetRootMoniker,
        ]
    );
    // IMimeBody follows IMimePropertySet's 28 entries.
    assert_eq!(size_of::<IMimePropertySet_Vtbl>(), 28 * size_of::<usize>());
    vtable_order!(
        IMimeBody_Vtbl,
        28,
        [
            IsType,
            SetDisplayName,
            GetDisplayName,
            GetOffsets,
            GetCurrentEncoding,
            SetCurrentEncoding,
            GetEstimatedSize,
            GetDataHere,
            GetData,
            SetData,
            EmptyData,
            CopyTo,
            GetTransmitInfo,
            SaveToFile,
            GetHandle,
        ]
    );
    vtable_order!(
        IMimeInternational_Vtbl,
        IUNKNOWN,
        [
            SetDefaultCharset,
            GetDefaultCharset,
            GetCodePageCharset,
            FindCharset,
            GetCharsetInfo,
            GetCodePageInfo,
            CanConvertCodePages,
            DecodeHeader,
            EncodeHeader,
            ConvertBuffer,
            ConvertString,
            MLANG_ConvertInetReset,
            MLANG_ConvertInetString,
            Rfc1522Decode,
            Rfc1522Encode,
        ]
    );
    vtable_order!(IPersistMime_Vtbl, IUNKNOWN, [GetClassID, Load, Save]);
    vtable_order!(
        IMimeEnumMessageParts_Vtbl,
        IUNKNOWN,
        [Next, Skip, Reset, Clone, Count]
    );
    // IMalloc's six methods, then the MIME frees.
    vtable_order!(
        IMimeAllocator_Vtbl,
        IUNKNOWN,
        [
            Alloc,
            Realloc,
            Free,
            GetSize,
            DidAlloc,
            HeapMinimize,
            FreeParamInfoArray,
            FreeAddressList,
            FreeAddressProps,
            ReleaseObjects,
            FreeEnumHeaderRowArray,
            FreeEnumPropertyArray,
            FreeThumbprint,
            PropVariantClear,
        ]
    );
    vtable_order!(
        IFontCache_Vtbl,
        IUNKNOWN,
        [Init, GetFont, OnOptionChange, GetJP_ISOControl]
    );
    // IMalloc::Alloc's SIZE_T is pointer-sized.
    assert_eq!(param_type("IMimeAllocator", "Alloc", "cb"), "ULONG_PTR");
    assert_eq!(param_type("IMimeAllocator", "Realloc", "cb"), "ULONG_PTR");
}

#[test]
fn mimeole_enums() {
    assert_eq!(IET_BINARY, 0);
    assert_eq!(IET_BASE64, 1);
    assert_eq!(IET_QP, 3);
    assert_eq!(IET_BINHEX40, 12);
    assert_eq!(IBL_ROOT, 0);
    assert_eq!(IBL_PREVIOUS, 5);
    assert_eq!(IBT_ATTACHMENT, 1);
    assert_eq!(AFT_RFC822_TRANSMIT, 5);
    assert_eq!(CSET_APPLY_TAG_ALL, 2);
}

#[test]
fn every_interface_of_microsofts_mapi_headers_is_emitted() {
    // Microsoft's headers declare 94 interfaces, our IDL 2 more (IMAPISync,
    // IMAPISyncProgressCallback), and COM's objidlbase.h the 2 stream interfaces
    // OpenProperty answers with (ISequentialStream, IStream).
    let all = emitted();
    let real: Vec<&&str> = all.iter().filter(|n| **n != "IUnknown").collect();
    assert_eq!(real.len(), 98, "{real:?}");
    assert!(all.contains(&"ISequentialStream") && all.contains(&"IStream"));
    assert!(all.contains(&"IOlkEnum"));
}

#[test]
fn iolkenum_shares_iolkerrorunknowns_iid_as_microsoft_gives_it() {
    // actMgmt.h and "Constants (Account Management API)": IID_IOlkEnum is
    // 9240A6C0-AF41-11D2-8C3B-00104B2A6676, IOlkErrorUnknown's too.
    assert_eq!(
        text(&IID_IOlkEnum),
        "{9240A6C0-AF41-11D2-8C3B-00104B2A6676}"
    );
    assert_eq!(text(&IID_IOlkEnum), text(&IID_IOlkErrorUnknown));
    // Reference "IOlkEnum": IUnknown, then GetCount, Reset, GetNext, Skip.
    vtable_order!(IOlkEnum_Vtbl, IUNKNOWN, [GetCount, Reset, GetNext, Skip]);
}

#[test]
fn mimeole_struct_layouts() {
    let l = &generated().layouts;
    // INETCSETINFO: char[128], a handle, three DWORDs.
    assert_eq!(
        l["x86_64"]["tagINETCSETINFO"],
        Layout {
            size: 152,
            align: 8
        }
    );
    assert_eq!(
        l["i686"]["tagINETCSETINFO"],
        Layout {
            size: 144,
            align: 4
        }
    );
    // CODEPAGEINFO: six 4-byte fields, six char[128], three 4-byte fields.
    assert_eq!(
        l["x86_64"]["tagCODEPAGEINFO"],
        Layout {
            size: 804,
            align: 4
        }
    );
    assert_eq!(
        l["i686"]["tagCODEPAGEINFO"],
        Layout {
            size: 804,
            align: 4
        }
    );
    // MIMEPROPINFO: DWORD, handle, enum, four DWORDs, two VARTYPEs.
    assert_eq!(
        l["x86_64"]["tagMIMEPROPINFO"],
        Layout { size: 40, align: 8 }
    );
    assert_eq!(l["i686"]["tagMIMEPROPINFO"], Layout { size: 32, align: 4 });
    assert_eq!(offset_of!(MIMEPROPINFO, vtCurrent), 38);
    // FINDBODY: two strings and a DWORD; WEBPAGEOPTIONS: three DWORDs and a WCHAR.
    assert_eq!(l["x86_64"]["tagFINDBODY"], Layout { size: 24, align: 8 });
    assert_eq!(l["i686"]["tagFINDBODY"], Layout { size: 12, align: 4 });
    assert_eq!(
        l["x86_64"]["tagWEBPAGEOPTIONS"],
        Layout { size: 16, align: 4 }
    );
    assert_eq!(size_of::<TRANSMITINFO>(), 32);
    assert_eq!(size_of::<HEADERROWINFO>(), 16);
}

#[test]
fn edkmdb_and_actmgmt_hresults() {
    // MAKE_SCODE(SEVERITY_ERROR, FACILITY_ITF, 0x800 + n) and the warnings at 0x820.
    assert_eq!(SYNC_E_OBJECT_DELETED, 0x8004_0800_u32 as HRESULT);
    assert_eq!(SYNC_E_CONFLICT, 0x8004_0802_u32 as HRESULT);
    assert_eq!(SYNC_E_UNSYNCHRONIZED, 0x8004_0805_u32 as HRESULT);
    assert_eq!(SYNC_W_PROGRESS, 0x0004_0820);
    assert_eq!(SYNC_W_CLIENT_CHANGE_NEWER, 0x0004_0821);
    assert_eq!(SYNC_E_UNKNOWN_FLAGS, MAPI_E_UNKNOWN_FLAGS);
    assert_eq!(SYNC_E_INVALID_PARAMETER, 0x8007_0057_u32 as HRESULT);
    assert_eq!(E_ACCT_NOT_FOUND, 0x800C_8101_u32 as HRESULT);
    assert_eq!(E_OLK_NOT_INITIALIZED, 0x800C_8005_u32 as HRESULT);
    assert_eq!(E_OLK_REGISTRY, E_OLK_ALREADY_INITIALIZED);
}
