use mapi_sync::prelude::*;

#[mapi_sync_provider]
fn store() {}

fn main() {}
