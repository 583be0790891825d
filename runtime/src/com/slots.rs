//! What the attributes' expansion builds an object's vtable slots and `QueryInterface`
//! from: each listed interface named once ([`Slot`]), checked to be an interface
//! ([`IsInterface`]), and its bases answered from its slot ([`is_base_iid`]).

use crate::sys::{ComInterface, IID_IUnknown, GUID};

/// The interface listed at vtable slot `K` (1 or more) of a provider. Each listed name is
/// written once, here, so a wrong name gives one error.
pub trait Slot<const K: usize> {
    /// The owned pointer type of the interface (`IMsgStore`).
    type Interface: ComInterface;
}

/// Passes a listed name through when it is a COM interface of the bindings; the bound is
/// where a listed name that is some other type (a struct, a constant's type) is reported.
pub trait IsInterface {
    /// `Self`.
    type Itself: ComInterface;
}

impl<T: ComInterface> IsInterface for T {
    type Itself = T;
}

/// Whether `iid` is one of `bases` (an interface's `ComInterface::BASE_IIDS`), other
/// than `IUnknown` (which is slot 0's).
pub fn is_base_iid(bases: &[GUID], iid: &GUID) -> bool {
    *iid != IID_IUnknown && bases.contains(iid)
}
