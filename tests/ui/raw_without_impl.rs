use mapi_sync::prelude::*;

#[mapi_sync_provider(raw)]
struct Store;

// A SyncProvider impl does not count in raw mode.
impl SyncProvider for Store {
    fn synchronize(&self, _: &SyncRequest, _: &Progress) -> mapi_sync::Result<()> {
        Ok(())
    }
}

fn main() {}
