use mapi_sync::prelude::*;

#[mapi_sync_provider(IMAPISync)]
struct Store;

fn main() {}
