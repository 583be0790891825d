use mapi_sync::prelude::*;

#[mapi_object]
struct Nothing;

#[mapi_object()]
struct Empty;

fn main() {}
