// An IFoo_Impl method receives the caller's raw pointers unchecked, so safe code must not
// be able to call it with made-up ones.
use mapi_sync::prelude::*;
use mapi_sync::sys::{IMAPIProp_Impl, IMsgStore_Impl};

#[mapi_sync_provider(IMsgStore)]
struct Store;

impl SyncProvider for Store {
    fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> {
        Ok(())
    }
}

impl IMAPIProp_Impl for Store {}
impl IMsgStore_Impl for Store {}

fn main() {
    let bogus = 0x10 as *mut u32;
    let _ = Store.StoreLogoff(bogus);
}
