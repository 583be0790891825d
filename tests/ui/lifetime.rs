use mapi_sync::prelude::*;

#[mapi_sync_provider]
struct Store<'a> {
    server: &'a str,
}

fn main() {}
