use mapi_sync::prelude::*;

#[mapi_sync_provider(IMAPIAdviseSink)]
struct Store;

impl SyncProvider for Store {
    fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> {
        Ok(())
    }
}

fn main() {}
