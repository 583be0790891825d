use mapi_sync::prelude::*;

// IMAPIFolder needs IMAPIFolder_Impl and those of its bases.
#[mapi_object(IMAPIAdviseSink, IMAPIFolder)]
struct Folder;

impl mapi_sync::sys::IMAPIAdviseSink_Impl for Folder {}

fn main() {}
