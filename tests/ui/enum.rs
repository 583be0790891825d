use mapi_sync::prelude::*;

#[mapi_sync_provider]
enum Store {
    Online,
    Offline,
}

fn main() {}
