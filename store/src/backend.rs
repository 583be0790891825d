//! [`Backend`]: what a store provider implements. Safe Rust, no raw pointer: the store's
//! identity, its folder tree, and its messages, as table rows and as objects.
//!
//! The framework asks for as little as it needs, when it needs it (as a FUSE library asks
//! a filesystem to list one directory or read one file): the folder tree when a hierarchy
//! table or a folder is opened, a folder's message ids when its contents table is opened,
//! the columns a table shows for the rows a client reads, and a message's properties when
//! the message is opened. Everything MAPI computes from identity (entry ids, record keys,
//! instance keys, parent entry ids, object types, access) is the framework's: a backend
//! answers with its own ids and properties only.

use mapi_sync_runtime::props::{prop_id, Prop};
use mapi_sync_runtime::stream::Stream;
use mapi_sync_runtime::sys::ULONG;
use mapi_sync_runtime::{Progress, Result, SyncRequest};

use crate::entry_id::{Special, StoreUid};
use crate::named::PropName;

/// The store's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreInfo {
    /// The store's `MAPIUID`, the same at every logon (it is in every entry identifier
    /// the store hands out; see [`entry_id`](crate::entry_id)).
    pub uid: StoreUid,
    /// `PR_DISPLAY_NAME`: what Outlook shows at the top of the store's folders.
    pub display_name: String,
    /// `PR_MDB_PROVIDER`: the provider's own `MAPIUID`, the same for every store it
    /// serves (what tells a client which kind of store this is).
    pub mdb_provider: [u8; 16],
}

/// A folder of the backend, as its tree lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderInfo {
    /// The backend's id: any bytes, unique among its folders and the same for as long as
    /// the folder exists (a path, a database key, an IMAP folder name).
    pub id: Vec<u8>,
    /// Its parent's id, or `None` for a top-level folder (shown under the IPM subtree).
    pub parent: Option<Vec<u8>>,
    /// `PR_DISPLAY_NAME`.
    pub display_name: String,
    /// `PR_CONTAINER_CLASS` (`IPF.Note` for mail, `IPF.Appointment`, …), or `None`.
    pub container_class: Option<String>,
    /// The special folder it is, if any (the account's inbox, its sent items). The
    /// framework supplies the special folders no backend folder is.
    pub special: Option<Special>,
}

impl FolderInfo {
    /// A mail folder (`IPF.Note`) with no special role.
    pub fn mail(id: impl Into<Vec<u8>>, parent: Option<&[u8]>, display_name: &str) -> FolderInfo {
        FolderInfo {
            id: id.into(),
            parent: parent.map(<[u8]>::to_vec),
            display_name: display_name.to_owned(),
            container_class: Some("IPF.Note".into()),
            special: None,
        }
    }

    /// The same folder as the special folder `special`.
    pub fn as_special(mut self, special: Special) -> FolderInfo {
        self.special = Some(special);
        self
    }
}

/// A message a contents table asks about in [`Backend::message_columns`]: its id, and
/// the number the backend gave it when it listed it
/// ([`numbered_messages`](Backend::numbered_messages)), if it gave one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageRef<'a> {
    /// The message's id, as the backend listed it.
    pub id: &'a [u8],
    /// The backend's number for it; `None` for a message it did not number (with the
    /// default `numbered_messages`, or one that came into the folder after the table
    /// opened): find it by its id.
    pub number: Option<u64>,
}

/// The store, as its provider describes it. Implement it; the framework implements
/// `IMsgStore`, `IMAPIFolder`, `IMessage` and `IMAPITable` on it, and `IMAPISync` with
/// [`synchronize`](Backend::synchronize).
pub trait Backend: Send + Sync + 'static {
    /// Whether a synchronization that arrives while one runs is refused with
    /// `MAPI_E_BUSY` (as [`SyncProvider::ONE_AT_A_TIME`](mapi_sync_runtime::SyncProvider::ONE_AT_A_TIME)):
    /// yes by default, as most stores sync one account on one connection.
    const ONE_AT_A_TIME: bool = true;

    /// What Outlook's Send/Receive runs on the store (`IMAPISync::SynchronizeInBackground`,
    /// on a thread of the runtime's): see [`SyncProvider::synchronize`](mapi_sync_runtime::SyncProvider::synchronize).
    /// The default has nothing to synchronize.
    fn synchronize(&self, request: &SyncRequest, progress: &Progress) -> Result<()> {
        let _ = (request, progress);
        Ok(())
    }

    /// The store's identity.
    fn store(&self) -> StoreInfo;

    /// Properties of the store beyond what the framework computes; none by default.
    fn store_properties(&self, answer: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
        let _ = answer;
        Ok(())
    }

    /// Every folder of the store, parents before or after children, in the order their
    /// siblings are listed.
    fn folders(&self) -> Result<Vec<FolderInfo>>;

    /// Properties of folder `folder` beyond what [`FolderInfo`] and the framework give;
    /// none by default.
    fn folder_properties(&self, folder: &[u8], answer: &mut dyn FnMut(&[Prop<'_>])) -> Result<()> {
        let _ = (folder, answer);
        Ok(())
    }

    /// Pushes onto `ids` the id of every message of folder `folder` (its associated,
    /// folder-associated information messages when `associated`), in the folder's
    /// order. A message's id is any bytes, unique in its folder and the same for as long
    /// as the message exists. Called when a contents table opens: make it cheap (no
    /// message read).
    fn messages(&self, folder: &[u8], associated: bool, ids: &mut Vec<Vec<u8>>) -> Result<()>;

    /// The messages of folder `folder`, as [`messages`](Backend::messages) lists them,
    /// each with a number of the backend's choosing that finds the message faster than
    /// its id (its place in a list that only grows, a database's row id): a contents
    /// table keeps each row's number and hands it back in
    /// [`message_columns`](Backend::message_columns) ([`MessageRef::number`]), so a
    /// large table is read without a lookup by id per row. A number must name the same
    /// message for as long as the store is open (unlike the id, which entry ids carry
    /// from one logon to the next, it need not last longer). The default numbers none:
    /// it pushes what `messages` lists, each with `None`.
    fn numbered_messages(
        &self,
        folder: &[u8],
        associated: bool,
        messages: &mut Vec<(Vec<u8>, Option<u64>)>,
    ) -> Result<()> {
        let mut ids = Vec::new();
        self.messages(folder, associated, &mut ids)?;
        messages.extend(ids.into_iter().map(|id| (id, None)));
        Ok(())
    }

    /// All of message `id`'s properties (of folder `folder`), once, to `answer`:
    /// what `IMessage::GetProps` shows. `MAPI_E_NOT_FOUND` for a message that is gone.
    fn message_properties(
        &self,
        folder: &[u8],
        id: &[u8],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()>;

    /// Message `id`'s property `tag` (of folder `folder`) as a stream, for
    /// `IMAPIProp::OpenProperty(tag, IID_IStream)`, which is how Outlook reads bodies
    /// (`PR_BODY_W`, `PR_HTML`) and other big binary and string values. `Ok(None)`, the
    /// default, serves the value [`message_properties`](Backend::message_properties)
    /// gives (converted as `GetProps` converts it: `PR_BODY_A` of a `PR_BODY_W` through
    /// the code page); return a read-only [`Stream`] over a file or a database blob
    /// (`Stream::read_only`) to serve a value without holding it in memory.
    /// `MAPI_E_NOT_FOUND` for a property the message lacks. `tag`'s type is the one the
    /// caller asked for (`PT_UNICODE` text is UTF-16LE without a terminating NUL,
    /// `PT_STRING8` the code page's bytes, `PT_BINARY` the bytes).
    fn message_stream(&self, folder: &[u8], id: &[u8], tag: ULONG) -> Result<Option<Stream>> {
        let _ = (folder, id, tag);
        Ok(None)
    }

    /// For each message `messages[i]` of folder `folder` that still exists, calls
    /// `answer(i, props)` once with its values among `columns` (matched by property
    /// identifier); what a contents table shows. Each message comes with its id and, if
    /// [`numbered_messages`](Backend::numbered_messages) gave one, its number. The
    /// default reads each message's properties with
    /// [`message_properties`](Backend::message_properties) and keeps the asked ones:
    /// override it to read only the columns (a summary a database keeps, an index of
    /// headers) where reading a whole message costs.
    fn message_columns(
        &self,
        folder: &[u8],
        messages: &[MessageRef<'_>],
        columns: &[ULONG],
        answer: &mut dyn FnMut(usize, &[Prop<'_>]),
    ) -> Result<()> {
        for (i, m) in messages.iter().enumerate() {
            let result = self.message_properties(folder, m.id, &mut |all| {
                let asked: Vec<Prop<'_>> = all
                    .iter()
                    .filter(|p| columns.iter().any(|&c| prop_id(c) == prop_id(p.tag())))
                    .copied()
                    .collect();
                answer(i, &asked);
            });
            match result {
                Err(e) if e.code() == mapi_sync_runtime::sys::MAPI_E_NOT_FOUND => {}
                other => other?,
            }
        }
        Ok(())
    }

    /// Whether [`message_properties`](Backend::message_properties) and
    /// [`message_columns`](Backend::message_columns) give a message's summary of its
    /// attachments and recipients themselves: `PR_HASATTACH`, `MSGFLAG_HASATTACH` in
    /// `PR_MESSAGE_FLAGS`, and `PR_DISPLAY_TO_W`, `PR_DISPLAY_CC_W`, `PR_DISPLAY_BCC_W`
    /// (the display names of its recipients of each type, joined by `"; "`). When not
    /// (the default), the framework computes them from [`attachments`](Backend::attachments)
    /// and [`recipients`](Backend::recipients), the same on the message and in its
    /// row: when a message opens, and for a contents table's rows only when its columns
    /// ask for one of them. A backend that can give them more cheaply than by listing
    /// attachments and recipients (a database's summary, headers already parsed) says
    /// `true` and gives them.
    const GIVES_SUMMARY: bool = false;

    /// Each attachment of message `id` (of folder `folder`), in order: calls `each` once
    /// per attachment with its properties, which `GetAttachmentTable`'s rows and the
    /// attachment object (`OpenAttach`) show. The framework numbers them in that order
    /// (`PR_ATTACH_NUM` 0, 1, …: keep the order the same for as long as the message
    /// is) and adds the identity (`PR_INSTANCE_KEY`, `PR_RECORD_KEY`, `PR_OBJECT_TYPE`,
    /// `PR_ACCESS`). Give `PR_ATTACH_METHOD` (`ATTACH_BY_VALUE`, `ATTACH_EMBEDDED_MSG`),
    /// `PR_ATTACH_LONG_FILENAME_W`, `PR_ATTACH_SIZE`, `PR_ATTACH_MIME_TAG_W`,
    /// `PR_ATTACH_CONTENT_ID_W` as the attachment has them; give its data
    /// (`PR_ATTACH_DATA_BIN`) here only when it is small, and otherwise serve it with
    /// [`attachment_stream`](Backend::attachment_stream) (tables never show it). None by
    /// default.
    fn attachments(
        &self,
        folder: &[u8],
        id: &[u8],
        each: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        let _ = (folder, id, each);
        Ok(())
    }

    /// Attachment `num`'s property `tag` (`PR_ATTACH_DATA_BIN`, or another binary or
    /// string one) as a stream, for `OpenProperty(tag, IID_IStream)` on the attachment,
    /// as [`message_stream`](Backend::message_stream) is for a message: `Ok(None)`, the
    /// default, serves the value [`attachments`](Backend::attachments) gives.
    fn attachment_stream(
        &self,
        folder: &[u8],
        id: &[u8],
        num: u32,
        tag: ULONG,
    ) -> Result<Option<Stream>> {
        let _ = (folder, id, num, tag);
        Ok(None)
    }

    /// The id of the message embedded in attachment `num` of message `id` (one whose
    /// `PR_ATTACH_METHOD` is `ATTACH_EMBEDDED_MSG`), which a client opens with
    /// `OpenProperty(PR_ATTACH_DATA_OBJ, IID_IMessage)`. The framework then asks for its
    /// properties, attachments and recipients with that id and the same `folder`, as
    /// for any message (it is in no contents table, and has no entry id: MAPI gives
    /// embedded messages none). `MAPI_E_NOT_FOUND`, the default, for an attachment that
    /// embeds no message.
    fn embedded_message(&self, folder: &[u8], id: &[u8], num: u32) -> Result<Vec<u8>> {
        let _ = (folder, id, num);
        Err(mapi_sync_runtime::Error::new(
            mapi_sync_runtime::sys::MAPI_E_NOT_FOUND,
        ))
    }

    /// Each recipient of message `id` (of folder `folder`), in order: calls `each` once
    /// per recipient with its properties, which `GetRecipientTable` shows. Give
    /// `PR_RECIPIENT_TYPE` (`MAPI_TO`, `MAPI_CC`, `MAPI_BCC`), `PR_DISPLAY_NAME_W`,
    /// `PR_EMAIL_ADDRESS_W`, `PR_ADDRTYPE_W` (`SMTP`) as you have them; the framework
    /// adds `PR_ROWID` (0, 1, … in this order) and `PR_INSTANCE_KEY`. None by default.
    fn recipients(
        &self,
        folder: &[u8],
        id: &[u8],
        each: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<()> {
        let _ = (folder, id, each);
        Ok(())
    }

    /// The store opened: `events` is how the backend reports changes (a synchronization
    /// that brought mail, a message gone), which the store passes on to MAPI's clients
    /// (see [`events`](crate::events)). Keep it if the backend's messages change while
    /// the store is open; the default drops it.
    fn connect(&self, events: crate::events::Events) {
        let _ = events;
    }

    /// Where the store keeps what this backend cannot (see [`keep`](crate::keep)): a
    /// message's read state when [`set_read_state`](Backend::set_read_state) does not
    /// keep it, and the associated messages (views, settings) Outlook saves in its
    /// folders. A file the store makes and owns (one per store: two logons to different
    /// stores need different paths), read once when the store opens. `None`, the
    /// default, keeps them in memory until the store is closed.
    fn keep_path(&self) -> Option<std::path::PathBuf> {
        None
    }

    /// A client marked message `id` of `folder` read or unread (`IMessage::SetReadFlag`,
    /// `IMAPIFolder::SetReadFlags`): `Ok(true)` when the backend keeps it itself (its
    /// `PR_MESSAGE_FLAGS` shows it from now on: a Maildir's `S` flag, an IMAP `\Seen`
    /// to upload), `Ok(false)`, the default, to have the store keep it (it then shows
    /// `MSGFLAG_READ` as kept, over what the backend gives).
    fn set_read_state(&self, folder: &[u8], id: &[u8], read: bool) -> Result<bool> {
        let _ = (folder, id, read);
        Ok(false)
    }

    /// Whether the backend writes messages: [`save_message`](Backend::save_message) and
    /// [`delete_message`](Backend::delete_message) are implemented. When it does, the
    /// store says so (`STORE_CREATE_OK | STORE_MODIFY_OK` in `PR_STORE_SUPPORT_MASK`
    /// instead of `STORE_READONLY`) and `IMAPIFolder::CreateMessage` makes normal
    /// messages; when not (the default), `CreateMessage` answers `MAPI_E_NO_ACCESS` at
    /// once, before a client composes what it could not save.
    const WRITES_MESSAGES: bool = false;

    /// Writes message `data` into folder `folder` (see [`write`](crate::write)): a new
    /// message when `id` is `None` (`IMAPIFolder::CreateMessage` then `SaveChanges`, or a
    /// copy `CopyMessages` makes), else message `id` replaced whole (a message made by
    /// this store saved again). Returns the message's id (a replaced message's may
    /// change: a Maildir file renamed). The store then shows it in the folder's contents
    /// table and tells the table's clients. `MAPI_E_NO_ACCESS`, the default, for a
    /// backend that keeps no messages a client makes.
    fn save_message(
        &self,
        folder: &[u8],
        id: Option<&[u8]>,
        data: &crate::write::MessageData<'_>,
    ) -> Result<Vec<u8>> {
        let _ = (folder, id, data);
        Err(mapi_sync_runtime::Error::with_message(
            mapi_sync_runtime::sys::MAPI_E_NO_ACCESS,
            "the store keeps no new messages",
        ))
    }

    /// Deletes message `id` of folder `folder` (`IMAPIFolder::DeleteMessages`, a move's
    /// second half). `MAPI_E_NOT_FOUND` for a message already gone;
    /// `MAPI_E_NO_ACCESS`, the default, for a backend whose messages cannot be deleted.
    fn delete_message(&self, folder: &[u8], id: &[u8]) -> Result<()> {
        let _ = (folder, id);
        Err(mapi_sync_runtime::Error::with_message(
            mapi_sync_runtime::sys::MAPI_E_NO_ACCESS,
            "the store's messages cannot be deleted",
        ))
    }

    /// Moves message `id` of folder `folder` into folder `to`
    /// (`CopyMessages(MESSAGE_MOVE)`), returning its id there. The default reads it
    /// whole ([`WholeMessage::read`](crate::write::WholeMessage::read)), saves it in `to`
    /// with [`save_message`](Backend::save_message) and deletes it with
    /// [`delete_message`](Backend::delete_message); override it where the backend moves
    /// in place (a file renamed, an IMAP `MOVE`).
    fn move_message(&self, folder: &[u8], id: &[u8], to: &[u8]) -> Result<Vec<u8>> {
        let whole = crate::write::WholeMessage::read(self, folder, id)?;
        let new = whole.as_data(|data| self.save_message(to, None, data))?;
        self.delete_message(folder, id)?;
        Ok(new)
    }

    /// Makes a folder named `name` under folder `parent` (`None`: a top-level folder, under
    /// the IPM subtree) for `IMAPIFolder::CreateFolder`, and returns its id; the store
    /// then reads [`folders`](Backend::folders) again, which must list it.
    /// `MAPI_E_NO_ACCESS`, the default, for a backend whose folders are fixed.
    fn create_folder(&self, parent: Option<&[u8]>, name: &str) -> Result<Vec<u8>> {
        let _ = (parent, name);
        Err(mapi_sync_runtime::Error::with_message(
            mapi_sync_runtime::sys::MAPI_E_NO_ACCESS,
            "the store's folders cannot be made",
        ))
    }

    /// Deletes folder `id` with its messages and folders (`IMAPIFolder::DeleteFolder`,
    /// after the store checked `DEL_MESSAGES` and `DEL_FOLDERS`). `MAPI_E_NO_ACCESS`,
    /// the default, for a backend whose folders are fixed.
    fn delete_folder(&self, id: &[u8]) -> Result<()> {
        let _ = id;
        Err(mapi_sync_runtime::Error::with_message(
            mapi_sync_runtime::sys::MAPI_E_NO_ACCESS,
            "the store's folders cannot be deleted",
        ))
    }

    /// The named-property map the store kept from earlier logons (see
    /// [`named`](crate::named)): each name with its identifier (`0x8000` to `0xFFFE`).
    /// The default keeps none: names are mapped afresh at each logon.
    fn named_properties(&self) -> Vec<(PropName, u16)> {
        Vec::new()
    }

    /// A name was just mapped to `id` (`GetIDsFromNames` with `MAPI_CREATE`): a backend
    /// that keeps the map between logons writes it down here (an error leaves the name
    /// unmapped, and `GetIDsFromNames` answers it). The default keeps nothing.
    fn name_mapped(&self, name: &PropName, id: u16) -> Result<()> {
        let _ = (name, id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_sync_runtime::props::PropValue;
    use mapi_sync_runtime::sys;
    use mapi_sync_runtime::Error;

    /// Two messages in one folder; "gone" is not found, "bad" fails.
    struct Two;

    impl Backend for Two {
        fn store(&self) -> StoreInfo {
            StoreInfo {
                uid: StoreUid([1; 16]),
                display_name: "Two".into(),
                mdb_provider: [2; 16],
            }
        }

        fn folders(&self) -> Result<Vec<FolderInfo>> {
            Ok(vec![FolderInfo::mail("F", None, "F")])
        }

        fn messages(&self, _: &[u8], _: bool, ids: &mut Vec<Vec<u8>>) -> Result<()> {
            ids.extend([b"a".to_vec(), b"b".to_vec()]);
            Ok(())
        }

        fn message_properties(
            &self,
            _: &[u8],
            id: &[u8],
            answer: &mut dyn FnMut(&[Prop<'_>]),
        ) -> Result<()> {
            match id {
                b"gone" => return Err(Error::new(sys::MAPI_E_NOT_FOUND)),
                b"bad" => return Err(Error::new(sys::MAPI_E_DISK_ERROR)),
                _ => {}
            }
            let subject = String::from_utf8_lossy(id).into_owned();
            answer(&[
                Prop::new(sys::PR_SUBJECT_W, PropValue::Str(&subject))?,
                Prop::new(sys::PR_MESSAGE_SIZE, PropValue::Long(id.len() as i32))?,
                Prop::new(sys::PR_BODY_W, PropValue::Str("a long body"))?,
            ]);
            Ok(())
        }
    }

    #[test]
    fn the_default_numbers_no_message() {
        let mut listed = Vec::new();
        Two.numbered_messages(b"F", false, &mut listed).unwrap();
        assert_eq!(listed, [(b"a".to_vec(), None), (b"b".to_vec(), None)]);
    }

    #[test]
    fn the_default_columns_keep_what_was_asked_and_skip_what_is_gone() {
        let mut got = Vec::new();
        let refs = |ids: &[&'static [u8]]| -> Vec<MessageRef<'static>> {
            ids.iter()
                .map(|&id| MessageRef { id, number: None })
                .collect()
        };
        Two.message_columns(
            b"F",
            &refs(&[b"a", b"gone", b"ccc"]),
            // The subject asked as PT_STRING8: matched by identifier.
            &[sys::PR_SUBJECT_A, sys::PR_MESSAGE_SIZE],
            &mut |i, props| got.push((i, props.iter().map(|p| p.tag()).collect::<Vec<_>>())),
        )
        .unwrap();
        assert_eq!(
            got,
            [
                (0, vec![sys::PR_SUBJECT_W, sys::PR_MESSAGE_SIZE]),
                (2, vec![sys::PR_SUBJECT_W, sys::PR_MESSAGE_SIZE])
            ]
        );
        let e = Two
            .message_columns(b"F", &refs(&[b"bad"]), &[sys::PR_SUBJECT_W], &mut |_, _| {})
            .unwrap_err();
        assert_eq!(e.code(), sys::MAPI_E_DISK_ERROR);
    }
}
