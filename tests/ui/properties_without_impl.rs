use mapi_sync::prelude::*;

#[mapi_object(IMessage, properties)]
struct Message;

impl mapi_sync::sys::IMessage_Impl for Message {}

fn main() {}
