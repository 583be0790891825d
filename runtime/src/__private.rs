//! What the attributes' expansion names, and nothing else: the macros emit paths into this
//! module only (serde/serde_derive style), so the runtime can change how an object is
//! built without breaking the macros' users. It holds no code of its own: each name is
//! re-exported from the module that owns it.

pub use crate::com::slots::{is_base_iid, IsInterface, Slot};
pub use crate::com::{ComClass, RawObject, This, VtblPtr};
pub use crate::props::imapiprop as properties;
pub use crate::props::Properties;
pub use crate::sync::{raw_sync_vtable, sync_vtable, RawSyncProvider, SyncProvider};
pub use core::option::Option::{self, None, Some};
pub use mapi_sync_sys::{
    ComInterface, IID_IMAPISync, IID_IUnknown, IMAPISync_Vtbl, Interface, GUID,
};

/// `IMAPIProp_Impl`'s methods from [`Properties`]: `impl IMAPIProp_Impl for T {
/// imapiprop_methods!(); }`. Defined with the runtime, whose own build expands it (see
/// `props/imapiprop.rs`), so a regeneration that changes the signatures breaks here, not
/// in a provider's build.
pub use crate::__mapi_sync_imapiprop_methods as imapiprop_methods;

/// Where the macro looks up the interface names listed in the attribute: all of the
/// generated bindings, so a name that is not there is reported by rustc at the author's
/// token, and one that is there but is not an interface fails [`Slot`]'s `ComInterface`
/// bound.
pub mod interfaces {
    pub use mapi_sync_sys::*;
}
