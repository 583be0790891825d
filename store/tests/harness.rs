//! A store written on the framework, played by the MAPI host harness (`harness/`) as MAPI
//! and Outlook open a store: every rule of the harness, each with its Microsoft page.

use mapi_harness::{Config, Outcome, Provider};
use mapi_sync_runtime::props::{Prop, PropValue};
use mapi_sync_runtime::sys;
use mapi_sync_runtime::Result;
use mapi_sync_store::backend::{Backend, FolderInfo, StoreInfo};
use mapi_sync_store::entry_id::{EntryId, Special, StoreUid};
use mapi_sync_store::ll::provider::{LogonRequest, ProviderObject};

const UID: StoreUid = StoreUid([0x3C; 16]);

/// An inbox of three messages and a folder under it.
struct Mail;

impl Backend for Mail {
    fn store(&self) -> StoreInfo {
        StoreInfo {
            uid: UID,
            display_name: "Framework mail".into(),
            mdb_provider: [0x4D; 16],
        }
    }

    fn folders(&self) -> Result<Vec<FolderInfo>> {
        Ok(vec![
            FolderInfo::mail("INBOX", None, "Inbox").as_special(Special::Inbox),
            FolderInfo::mail("INBOX/Lists", Some(b"INBOX"), "Lists"),
        ])
    }

    fn messages(&self, folder: &[u8], associated: bool, ids: &mut Vec<Vec<u8>>) -> Result<()> {
        if folder == b"INBOX" && !associated {
            ids.extend([b"1".to_vec(), b"2".to_vec(), b"3".to_vec()]);
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
            b"1" => 1,
            b"2" => 2,
            b"3" => 3,
            _ => return Err(mapi_sync_runtime::Error::new(sys::MAPI_E_NOT_FOUND)),
        };
        let subject = ["Café crème", "Agenda", "zebra"][n - 1];
        answer(&[
            Prop::new(sys::PR_SUBJECT_W, PropValue::Str(subject))?,
            Prop::new(sys::PR_MESSAGE_SIZE, PropValue::Long(100 * n as i32))?,
            Prop::new(
                sys::PR_MESSAGE_DELIVERY_TIME,
                PropValue::SysTime(0x01DB_0000_0000_0000 + n as u64),
            )?,
            Prop::new(sys::PR_MESSAGE_CLASS_W, PropValue::Str("IPM.Note"))?,
        ]);
        Ok(())
    }
}

fn config() -> Config {
    let profiles = tempfile::tempdir().unwrap().keep();
    let make = |allocators| {
        let provider = ProviderObject::new(allocators, |_: &LogonRequest<'_>| Ok(Mail));
        provider.cast::<sys::IMSProvider>()
    };
    Config::new(
        Provider::Make(Box::new(make)),
        EntryId::store(UID).to_bytes(),
        profiles,
    )
}

#[test]
fn a_framework_store_against_every_rule() {
    let report = mapi_harness::run(config());
    let text = report.to_text();
    // Every rule passes; notifications are not the framework's yet (Advise answers
    // MAPI_E_NO_SUPPORT), so their rule does not apply.
    for (rule, outcome) in report.outcomes() {
        let expected = if rule == "no-notify-after-unadvise" {
            Outcome::NotApplicable
        } else {
            Outcome::Pass
        };
        assert_eq!(outcome, expected, "{rule}\n{text}");
    }
    assert!(report.outcomes().len() >= 23, "{text}");
}

#[test]
fn every_allocation_failing_in_turn_leaves_no_leak_and_frees_once() {
    let plain = mapi_harness::run(config());
    let total = plain.allocations();
    assert!(total > 20, "{total} allocations");
    for n in 1..=total {
        let mut c = config();
        c.fail_allocation = Some(n);
        let report = mapi_harness::run(c);
        for rule in [
            "memory-no-leak",
            "memory-freed-once",
            "support-released-at-logoff",
            "released-to-zero",
        ] {
            assert_eq!(
                report.outcome(rule),
                Some(Outcome::Pass),
                "allocation {n} of {total}: {rule}\n{}",
                report.to_text()
            );
        }
    }
}
