// The owned interface types count with Clone and Drop; a Release beside them would let
// `u.Release(); drop(u)` free the object twice, so there is none.
use mapi_sync::prelude::*;

#[mapi_sync_provider]
struct Store;

impl SyncProvider for Store {
    fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> {
        Ok(())
    }
}

fn main() {
    let u = Store.into_unknown();
    unsafe { u.Release() };
    let s: mapi_sync::sys::IMAPISync = u.cast().unwrap();
    unsafe { s.AddRef() };
}
