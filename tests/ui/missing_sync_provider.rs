use mapi_sync::prelude::*;

#[mapi_sync_provider]
struct Store {
    server: String,
}

fn main() {
    let _ = Store { server: String::new() }.into_unknown();
}
