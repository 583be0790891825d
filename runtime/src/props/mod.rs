//! Property values: tags ([`prop_tag`] and the other `PROP_*` macros of `mapidefs.h`),
//! values ([`PropValue`], [`Prop`]), reading a caller's arrays in place ([`Props`],
//! [`Rows`]) and writing MAPI's ([`PropArray`], [`RowSet`]), and [`Properties`], the safe
//! `IMAPIProp` the attributes' `properties` argument implements.
//!
//! Reading never copies: [`Props`] checks a caller's `SPropValue` array once (every type
//! one this crate reads, every pointer there) and then decodes a value each time it is
//! reached, borrowing strings and arrays where they are. [`PropValue`] is `Copy`. The raw
//! side (decoding and writing the C structures) is `crate::ll`'s.
//!
//! ```
//! use mapi_sync::props::{change_prop_type, prop_id, prop_tag, prop_type};
//! use mapi_sync::sys::{PR_DISPLAY_NAME, PR_DISPLAY_NAME_W, PT_STRING8, PT_UNICODE};
//!
//! assert_eq!(prop_id(PR_DISPLAY_NAME), 0x3001);
//! assert_eq!(prop_type(PR_DISPLAY_NAME), PT_STRING8);
//! assert_eq!(prop_tag(PT_UNICODE, 0x3001), PR_DISPLAY_NAME_W);
//! assert_eq!(change_prop_type(PR_DISPLAY_NAME, PT_UNICODE), PR_DISPLAY_NAME_W);
//! ```

mod array;
pub mod convert;
pub mod imapiprop;
mod owned;
mod prop;
mod rows;
mod tag;
#[cfg(test)]
mod tests;
mod value;

pub use crate::ll::entry_id::{entry_id, write_entry_id};
pub use crate::ll::tags::{prop_tags, write_prop_tags};
pub use array::PropArray;
pub use owned::OwnedValue;
pub use prop::{Prop, Props};
pub use rows::{RowSet, Rows};
pub use tag::{change_prop_type, prop_id, prop_tag, prop_type, PROP_TYPE_MASK};
pub use value::{Binaries, PropValue, Strings, SysTimes};

/// A safe `IMAPIProp`: what an object's properties are, and how to set them. Write
/// `properties` in the attribute (`#[mapi_object(IMessage, properties)]`, also for
/// `#[mapi_sync_provider]`) and the macro implements `IMAPIProp_Impl` from this trait:
///
/// - `GetProps` answers from what [`properties`](Properties::properties) gives as
///   [`PropArray::answer`] does (in the caller's order, `PT_ERROR` values of
///   `MAPI_E_NOT_FOUND` for what is missing, `MAPI_W_ERRORS_RETURNED` then), in memory
///   from [`allocators`](Properties::allocators) (by default the provider's) that the
///   caller frees with `MAPIFreeBuffer`;
/// - `GetPropList` lists their tags, in the same memory;
/// - `SetProps` hands the caller's values, checked, to
///   [`set_properties`](Properties::set_properties);
/// - every other `IMAPIProp` method answers `MAPI_E_NO_SUPPORT`.
///
/// Null out-pointers are `MAPI_E_INVALID_PARAMETER`; an `Err` is its code. With
/// `properties`, do not implement `IMAPIProp_Impl` yourself (rustc reports the two
/// implementations).
///
/// ```
/// use mapi_sync::prelude::*;
/// use mapi_sync::props::{Prop, Properties, PropValue};
/// use mapi_sync::sys::{self, IMessage_Impl};
///
/// #[mapi_object(IMessage, properties)]
/// struct Message {
///     subject: String,
/// }
///
/// impl IMessage_Impl for Message {}
/// impl Properties for Message {
///     fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> mapi_sync::Result<()> {
///         answer(&[
///             Prop::new(sys::PR_SUBJECT_W, PropValue::Str(&self.subject))?,
///             Prop::new(sys::PR_MESSAGE_SIZE, PropValue::Long(42))?,
///         ]);
///         Ok(())
///     }
/// }
/// # let m: sys::IMessage = Object::new(Message { subject: "Hi".into() }).cast().unwrap();
/// # let (mut n, mut v) = (0, std::ptr::null_mut());
/// # assert_eq!(unsafe { m.GetProps(std::ptr::null_mut(), 0, &mut n, &mut v) }, sys::S_OK);
/// # assert_eq!(n, 2);
/// # unsafe { mapi_sync::mem::Allocators::provider().as_raw().2.unwrap()(v.cast()) };
/// ```
pub trait Properties {
    /// Hands every property the object has now to `answer`, once; the values may borrow
    /// from anything alive for the call (a field, a lock guard held meanwhile). Not
    /// calling it answers as for an object with no properties.
    fn properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> crate::Result<()>;

    /// The allocators `GetProps` and `GetPropList` answer in: by default the provider's
    /// ([`Allocators::provider`](crate::mem::Allocators::provider), the last ones
    /// `MSProviderInit` was given). An object that belongs to one provider instance
    /// returns that instance's, so two providers in one process, each given its own
    /// allocators, never hand out each other's buffers.
    fn allocators(&self) -> crate::mem::Allocators {
        crate::mem::Allocators::provider()
    }

    /// Sets `values` (each already checked: its type is its tag's). The default answers
    /// `MAPI_E_NO_SUPPORT`, as for an object whose properties cannot be changed.
    fn set_properties(&self, values: Props<'_>) -> crate::Result<()> {
        let _ = values;
        Err(crate::Error::new(crate::sys::MAPI_E_NO_SUPPORT))
    }
}
