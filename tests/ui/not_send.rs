use mapi_sync::prelude::*;
use std::rc::Rc;

#[mapi_sync_provider]
struct Store {
    cache: Rc<Vec<u8>>,
}

impl SyncProvider for Store {
    fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> {
        Ok(())
    }
}

fn main() {}
