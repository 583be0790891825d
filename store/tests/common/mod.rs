//! The backend the store's integration tests open: an inbox with two messages and one
//! associated (a view), and a folder under it.

use mapi_sync_runtime::props::{Prop, PropValue};
use mapi_sync_runtime::sys;
use mapi_sync_runtime::Result;
use mapi_sync_store::backend::{Backend, FolderInfo, StoreInfo};
use mapi_sync_store::entry_id::{Special, StoreUid};

/// The store's MAPIUID.
pub const UID: StoreUid = StoreUid([6; 16]);

/// The backend.
pub struct Mail;

impl Backend for Mail {
    fn store(&self) -> StoreInfo {
        StoreInfo {
            uid: UID,
            display_name: "Mail".into(),
            mdb_provider: [7; 16],
        }
    }

    fn folders(&self) -> Result<Vec<FolderInfo>> {
        Ok(vec![
            FolderInfo::mail("INBOX", None, "Inbox").as_special(Special::Inbox),
            FolderInfo::mail("INBOX/Lists", Some(b"INBOX"), "Lists"),
        ])
    }

    fn messages(&self, folder: &[u8], associated: bool, ids: &mut Vec<Vec<u8>>) -> Result<()> {
        match (folder, associated) {
            (b"INBOX", false) => ids.extend([b"m1".to_vec(), b"m2".to_vec()]),
            (b"INBOX", true) => ids.push(b"view".to_vec()),
            _ => {}
        }
        Ok(())
    }

    fn message_properties(
        &self,
        _: &[u8],
        id: &[u8],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        let n = match id {
            b"m1" => 1,
            b"m2" => 2,
            b"view" => 3,
            _ => return Err(mapi_sync_runtime::Error::new(sys::MAPI_E_NOT_FOUND)),
        };
        let subject = format!("Subject of {}", String::from_utf8_lossy(id));
        answer(&[
            Prop::new(sys::PR_SUBJECT_W, PropValue::Str(&subject))?,
            Prop::new(sys::PR_MESSAGE_SIZE, PropValue::Long(100 * n))?,
            Prop::new(
                sys::PR_MESSAGE_DELIVERY_TIME,
                PropValue::SysTime(0x01DB_0000_0000_0000 + n as u64),
            )?,
            Prop::new(sys::PR_MESSAGE_CLASS_W, PropValue::Str("IPM.Note"))?,
        ]);
        Ok(())
    }
}
pub mod client;
