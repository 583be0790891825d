//! A message's summary of its attachments and recipients, which MAPI shows on the
//! message and in its contents-table row: `PR_HASATTACH` and `MSGFLAG_HASATTACH` in
//! `PR_MESSAGE_FLAGS` ("PidTagHasAttachments", "PidTagMessageFlags"), and
//! `PR_DISPLAY_TO`, `PR_DISPLAY_CC`, `PR_DISPLAY_BCC` ("PidTagDisplayTo": the display
//! names of the recipients of that type, separated by semicolons). The framework computes
//! them from [`Backend::attachments`] and [`Backend::recipients`] unless the backend
//! says it gives them ([`Backend::GIVES_SUMMARY`]).

use mapi_sync_runtime::props::{prop_id, OwnedValue, Prop, PropValue};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_runtime::Result;

use crate::backend::Backend;
use crate::identity::Computed;
use crate::tags::PR_SMTP_ADDRESS_W;

/// The properties of a summary.
pub const TAGS: [ULONG; 5] = [
    sys::PR_HASATTACH,
    sys::PR_MESSAGE_FLAGS,
    sys::PR_DISPLAY_TO_W,
    sys::PR_DISPLAY_CC_W,
    sys::PR_DISPLAY_BCC_W,
];

/// Whether `columns` ask for any of the summary's properties.
pub fn asked(columns: &[ULONG]) -> bool {
    columns
        .iter()
        .any(|&c| TAGS.iter().any(|&t| prop_id(t) == prop_id(c)))
}

/// What a message's attachments and recipients add to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Whether it has an attachment.
    pub has_attach: bool,
    /// `PR_DISPLAY_TO`: the names of its `MAPI_TO` recipients.
    pub to: String,
    /// `PR_DISPLAY_CC`: its `MAPI_CC` recipients'.
    pub cc: String,
    /// `PR_DISPLAY_BCC`: its `MAPI_BCC` recipients'.
    pub bcc: String,
}

/// A string value of `p` (either string type).
fn text(p: &Prop<'_>) -> Option<String> {
    match p.value() {
        PropValue::Str(s) => Some(s.to_owned()),
        PropValue::Unicode(w) => Some(String::from_utf16_lossy(w)),
        PropValue::String8(a) => Some(mapi_sync_runtime::props::convert::ansi_chars(a).collect()),
        _ => None,
    }
}

/// What a recipient is shown as: its display name, else its address.
fn shown_name(props: &[Prop<'_>]) -> Option<String> {
    [
        sys::PR_DISPLAY_NAME_W,
        sys::PR_EMAIL_ADDRESS_W,
        PR_SMTP_ADDRESS_W,
    ]
    .iter()
    .find_map(|&tag| {
        props
            .iter()
            .find(|p| prop_id(p.tag()) == prop_id(tag))
            .and_then(text)
            .filter(|s| !s.is_empty())
    })
}

impl Summary {
    /// Message `id`'s summary, from its attachments and recipients.
    pub fn of<B: Backend>(backend: &B, folder: &[u8], id: &[u8]) -> Result<Summary> {
        let mut summary = Summary::default();
        backend.attachments(folder, id, &mut |_| summary.has_attach = true)?;
        backend.recipients(folder, id, &mut |props| summary.add_recipient(props))?;
        Ok(summary)
    }

    /// Adds a recipient with properties `props` to the display lists.
    pub fn add_recipient(&mut self, props: &[Prop<'_>]) {
        let kind = props.iter().find_map(|p| match p.value() {
            PropValue::Long(k) if prop_id(p.tag()) == prop_id(sys::PR_RECIPIENT_TYPE) => {
                Some(k as ULONG & !(sys::MAPI_P1 | sys::MAPI_SUBMITTED))
            }
            _ => None,
        });
        let list = match kind {
            Some(sys::MAPI_CC) => &mut self.cc,
            Some(sys::MAPI_BCC) => &mut self.bcc,
            Some(sys::MAPI_TO) => &mut self.to,
            _ => return,
        };
        if let Some(name) = shown_name(props) {
            if !list.is_empty() {
                list.push_str("; ");
            }
            list.push_str(&name);
        }
    }

    /// The summary's properties: `PR_HASATTACH` and the three display lists.
    pub fn properties(&self) -> Vec<Computed> {
        let text = |s: &str| OwnedValue::Unicode(s.encode_utf16().collect());
        vec![
            (sys::PR_HASATTACH, OwnedValue::Boolean(self.has_attach)),
            (sys::PR_DISPLAY_TO_W, text(&self.to)),
            (sys::PR_DISPLAY_CC_W, text(&self.cc)),
            (sys::PR_DISPLAY_BCC_W, text(&self.bcc)),
        ]
    }

    /// `flags`, the message's `PR_MESSAGE_FLAGS` as the backend gives it, with
    /// `MSGFLAG_HASATTACH` set or cleared to match (none when the backend gives none and
    /// there is no attachment).
    pub fn flags(&self, flags: Option<i32>) -> Option<i32> {
        let bit = sys::MSGFLAG_HASATTACH as i32;
        match (flags, self.has_attach) {
            (Some(f), true) => Some(f | bit),
            (Some(f), false) => Some(f & !bit),
            (None, true) => Some(bit),
            (None, false) => None,
        }
    }
}

/// The `PR_MESSAGE_FLAGS` among `props`, if any.
pub fn flags_of(props: &[Prop<'_>]) -> Option<i32> {
    props.iter().find_map(|p| match p.value() {
        PropValue::Long(f) if prop_id(p.tag()) == prop_id(sys::PR_MESSAGE_FLAGS) => Some(f),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{FolderInfo, StoreInfo};
    use crate::entry_id::StoreUid;

    /// One message with an attachment and four recipients (one without a name, one of
    /// no type), one with neither.
    struct Mail;

    impl Backend for Mail {
        fn store(&self) -> StoreInfo {
            StoreInfo {
                uid: StoreUid([1; 16]),
                display_name: "Mail".into(),
                mdb_provider: [2; 16],
            }
        }

        fn folders(&self) -> Result<Vec<FolderInfo>> {
            Ok(vec![FolderInfo::mail("F", None, "F")])
        }

        fn messages(&self, _: &[u8], _: bool, _: &mut Vec<Vec<u8>>) -> Result<()> {
            Ok(())
        }

        fn message_properties(
            &self,
            _: &[u8],
            _: &[u8],
            _: &mut dyn FnMut(&[Prop<'_>]),
        ) -> Result<()> {
            Ok(())
        }

        fn attachments(
            &self,
            _: &[u8],
            id: &[u8],
            each: &mut dyn FnMut(&[Prop<'_>]),
        ) -> Result<()> {
            if id == b"full" {
                each(&[]);
            }
            Ok(())
        }

        fn recipients(&self, _: &[u8], id: &[u8], each: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
            if id != b"full" {
                return Ok(());
            }
            let kind = |k: ULONG| Prop::new(sys::PR_RECIPIENT_TYPE, PropValue::Long(k as i32));
            each(&[
                kind(sys::MAPI_TO)?,
                Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str("Ann"))?,
            ]);
            each(&[
                kind(sys::MAPI_TO | sys::MAPI_SUBMITTED)?,
                Prop::new(sys::PR_DISPLAY_NAME_A, PropValue::String8(b"B\xF6b"))?,
            ]);
            each(&[
                kind(sys::MAPI_CC)?,
                Prop::new(PR_SMTP_ADDRESS_W, PropValue::Str("c@x.org"))?,
            ]);
            each(&[Prop::new(
                sys::PR_DISPLAY_NAME_W,
                PropValue::Str("no type"),
            )?]);
            Ok(())
        }
    }

    #[test]
    fn the_summary_joins_names_by_type_and_marks_attachments() {
        let s = Summary::of(&Mail, b"F", b"full").unwrap();
        assert_eq!(
            s,
            Summary {
                has_attach: true,
                to: "Ann; Böb".into(),
                cc: "c@x.org".into(),
                bcc: String::new(),
            }
        );
        assert_eq!(
            s.flags(Some(sys::MSGFLAG_READ as i32)),
            Some((sys::MSGFLAG_READ | sys::MSGFLAG_HASATTACH) as i32)
        );
        assert!(s
            .properties()
            .contains(&(sys::PR_HASATTACH, OwnedValue::Boolean(true))));
        let empty = Summary::of(&Mail, b"F", b"other").unwrap();
        assert_eq!(empty, Summary::default());
        // The backend's flag is cleared where there is no attachment; no flags are
        // made up where the backend gives none.
        assert_eq!(empty.flags(Some(sys::MSGFLAG_HASATTACH as i32)), Some(0));
        assert_eq!(empty.flags(None), None);
        assert!(asked(&[sys::PR_SUBJECT_W, sys::PR_DISPLAY_TO_A]));
        assert!(!asked(&[sys::PR_SUBJECT_W]));
    }
}
