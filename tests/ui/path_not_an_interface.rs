use mapi_sync::prelude::*;

#[mapi_object(std::string::String)]
struct Callback;

fn main() {}
