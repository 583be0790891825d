use mapi_sync::prelude::*;

#[mapi_sync_provider("IMsgStore")]
struct Store;

fn main() {}
