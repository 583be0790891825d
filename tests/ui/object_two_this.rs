use mapi_sync::prelude::*;
use mapi_sync::This;

#[mapi_object(IMAPIAdviseSink)]
struct Twice {
    a: This<Self>,
    b: This<Self>,
}

impl mapi_sync::sys::IMAPIAdviseSink_Impl for Twice {}

fn main() {}
