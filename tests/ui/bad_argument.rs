use mapi_sync::prelude::*;

#[mapi_sync_provider(mapi_sync::sys::IMsgStore)]
struct Store;

fn main() {}
