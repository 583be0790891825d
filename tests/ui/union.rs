use mapi_sync::prelude::*;

#[mapi_sync_provider]
union Store {
    a: u32,
    b: f32,
}

fn main() {}
