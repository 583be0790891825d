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

    /// "m2" has a text file (its data a value) and an embedded message ("m2/1", which
    /// has none).
    fn attachments(&self, _: &[u8], id: &[u8], each: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
        if id == b"m2" {
            let method = |m: u32| Prop::new(sys::PR_ATTACH_METHOD, PropValue::Long(m as i32));
            each(&[
                method(sys::ATTACH_BY_VALUE)?,
                Prop::new(sys::PR_ATTACH_LONG_FILENAME_W, PropValue::Str("a.txt"))?,
                Prop::new(sys::PR_ATTACH_DATA_BIN, PropValue::Binary(b"attached text"))?,
            ]);
            each(&[method(sys::ATTACH_EMBEDDED_MSG)?]);
        }
        Ok(())
    }

    fn embedded_message(&self, _: &[u8], id: &[u8], num: u32) -> Result<Vec<u8>> {
        match (id, num) {
            (b"m2", 1) => Ok(b"m1".to_vec()),
            _ => Err(mapi_sync_runtime::Error::new(sys::MAPI_E_NOT_FOUND)),
        }
    }

    /// "m1" goes to Ann and Bob, copied to Carol.
    fn recipients(&self, _: &[u8], id: &[u8], each: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
        if id == b"m1" {
            for (kind, name) in [
                (sys::MAPI_TO, "Ann"),
                (sys::MAPI_TO, "Bob"),
                (sys::MAPI_CC, "Carol"),
            ] {
                each(&[
                    Prop::new(sys::PR_RECIPIENT_TYPE, PropValue::Long(kind as i32))?,
                    Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str(name))?,
                ]);
            }
        }
        Ok(())
    }
}

pub mod client;
