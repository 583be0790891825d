//! The COM object model: what `#[mapi_sync_provider]` and `#[mapi_object]` make of the
//! author's struct.
//!
//! - [`ComClass`] (`class.rs`): the trait the attributes implement, whose hidden items
//!   describe the object's vtables;
//! - [`RawObject`] (`raw.rs`): the object's memory (vtable pointers, the count, the value)
//!   and `IUnknown` on it: the only code here that works with raw pointers;
//! - [`Object`] (`object.rs`): the owned handle Rust code holds;
//! - [`This`] (`this.rs`): the back reference from a value to its object;
//! - [`FreeThreaded`] (`free_threaded.rs`): an interface pointer allowed across threads.
//!
//! Not to be confused with the generated bindings' [`ComObject`](crate::sys::ComObject),
//! the trait a vtable's entries call into, which [`RawObject`] implements.

mod class;
mod free_threaded;
mod object;
mod raw;
pub(crate) mod slots;
mod this;

pub use class::{ComClass, VtblPtr};
pub use free_threaded::FreeThreaded;
pub use object::Object;
pub use raw::RawObject;
pub use this::{This, WeakObject};
