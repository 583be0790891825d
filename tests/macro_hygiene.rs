//! Providers the attribute must accept however the author writes them: declared by the
//! author's own `macro_rules!` (listing an interface), beside a type named like a
//! primitive, with a where-clause, doc comments and `#[cfg]`-gated fields.
#![allow(non_camel_case_types, non_snake_case, clippy::upper_case_acronyms)]

use mapi_sync::prelude::*;
use mapi_sync::sys::{IMAPIAdviseSink, IMAPIAdviseSink_Impl, LPNOTIFICATION, ULONG};

/// The author's own macro declares the provider; the interface name comes from its
/// input, the struct and impls from its body.
macro_rules! declare_store {
    ($name:ident, $iface:ident) => {
        #[mapi_sync_provider($iface)]
        pub struct $name;

        impl SyncProvider for $name {
            fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> {
                Ok(())
            }
        }

        impl IMAPIAdviseSink_Impl for $name {
            unsafe fn OnNotify(&self, n: ULONG, _: LPNOTIFICATION) -> ULONG {
                n + 1
            }
        }
    };
}

declare_store!(MacroStore, IMAPIAdviseSink);

#[test]
fn a_provider_declared_by_the_authors_macro_answers_its_interface() {
    let sink: IMAPIAdviseSink = MacroStore.into_interface().unwrap();
    // SAFETY: the implementation does not read the notifications.
    assert_eq!(unsafe { sink.OnNotify(41, std::ptr::null_mut()) }, 42);
}

mod shadowed {
    use mapi_sync::prelude::*;

    /// Names the expansion must not pick up.
    pub struct usize;
    pub struct Option;
    pub struct GUID;

    #[mapi_sync_provider(IMAPIAdviseSink)]
    pub struct Store;

    impl SyncProvider for Store {
        fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> {
            let _ = (usize, Option, GUID);
            Ok(())
        }
    }

    impl mapi_sync::sys::IMAPIAdviseSink_Impl for Store {
        unsafe fn OnNotify(&self, _: u32, _: mapi_sync::sys::LPNOTIFICATION) -> u32 {
            7
        }
    }
}

#[test]
fn types_named_like_the_expansions_names_do_not_break_it() {
    let sink: IMAPIAdviseSink = shadowed::Store.into_interface().unwrap();
    // SAFETY: as above.
    assert_eq!(unsafe { sink.OnNotify(0, std::ptr::null_mut()) }, 7);
}

/// A store over any counter type.
///
/// With doc comments on the struct and its fields.
#[mapi_sync_provider]
pub struct Generic<C>
where
    C: Fn() -> u32 + Send + Sync + 'static,
{
    /// The counter.
    count: C,
    /// Only in test builds.
    #[cfg(test)]
    label: &'static str,
    /// Never compiled.
    #[cfg(any())]
    missing: NotAType,
}

impl<C> SyncProvider for Generic<C>
where
    C: Fn() -> u32 + Send + Sync + 'static,
{
    fn synchronize(&self, _: &SyncRequest, progress: &Progress) -> mapi_sync::Result<()> {
        progress.step(self.label, (self.count)(), 1)
    }
}

#[test]
fn where_clauses_doc_comments_and_cfg_fields_are_kept() {
    let store = Object::new(Generic {
        count: || 1,
        label: "one",
    });
    assert_eq!((store.count)(), 1);
    assert_eq!(store.label, "one");
    let sync: mapi_sync::sys::IMAPISync = store.cast().unwrap();
    drop(sync);
}
