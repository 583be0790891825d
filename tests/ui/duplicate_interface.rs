use mapi_sync::prelude::*;

#[mapi_sync_provider(IMAPIAdviseSink, IMAPIAdviseSink)]
struct Store;

fn main() {}
