//! A store named by its one setting, with `store_provider!(settings = [..], ..)`
//! exporting `MSProviderInit` and `ServiceEntry`: what the service tests install.

use mapi_sync_runtime::props::{prop_tag, Prop, PropValue};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_runtime::Result;
use mapi_sync_store::backend::{Backend, FolderInfo, StoreInfo};
use mapi_sync_store::entry_id::{Special, StoreUid};
use mapi_sync_store::ll::provider::LogonRequest;

/// The store's one setting: its name (a tag in the provider range).
pub const PR_NOTES_NAME: ULONG = prop_tag(sys::PT_UNICODE, 0x6600);

/// A store named by its setting.
pub struct Named(pub String);

impl Backend for Named {
    fn store(&self) -> StoreInfo {
        let mut uid = [0x4E; 16];
        for (i, b) in self.0.bytes().enumerate() {
            uid[i % 16] ^= b;
        }
        StoreInfo {
            uid: StoreUid(uid),
            display_name: self.0.clone(),
            mdb_provider: [0x4D; 16],
        }
    }

    fn folders(&self) -> Result<Vec<FolderInfo>> {
        Ok(vec![
            FolderInfo::mail("in", None, "Inbox").as_special(Special::Inbox)
        ])
    }

    fn messages(&self, _: &[u8], associated: bool, ids: &mut Vec<Vec<u8>>) -> Result<()> {
        if !associated {
            ids.extend([b"b".to_vec(), b"a".to_vec()]);
        }
        Ok(())
    }

    fn message_properties(
        &self,
        _: &[u8],
        id: &[u8],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        let subject = format!("Note {}", String::from_utf8_lossy(id));
        let size = PropValue::Long(100 + id.len() as i32 * i32::from(id[0]));
        answer(&[
            Prop::new(sys::PR_SUBJECT_W, PropValue::Str(&subject))?,
            Prop::new(sys::PR_MESSAGE_SIZE, size)?,
        ]);
        Ok(())
    }
}

mapi_sync_store::store_provider!(settings = [PR_NOTES_NAME], |request: &LogonRequest<'_>| {
    Ok(Named(
        request.settings.require_text(PR_NOTES_NAME, "store name")?,
    ))
});
