//! The rules the harness checks, each with the Microsoft page it comes from
//! (`RULES.md` says what each page says and how the harness checks it).

use crate::report::Rule;

/// `MSProviderInit` and `IMSProvider::Logon` succeed for a configured profile.
pub static PROVIDER_STARTS: Rule = Rule {
    name: "provider-starts",
    source: "MSProviderInit",
    says: "MSProviderInit hands out an IMSProvider, whose Logon with the profile's store entry identifier hands out an IMSLogon and an IMsgStore.",
};

/// Every `[out]` pointer is NULL after a failure.
pub static OUT_NULL_ON_FAILURE: Rule = Rule {
    name: "out-null-on-failure",
    source: "Memory Management Rules",
    says: "A method that fails leaves NULL in every [out] pointer it was given.",
};

/// `QueryInterface(IID_IUnknown)` gives one pointer, whichever interface it is asked on.
pub static QI_IDENTITY: Rule = Rule {
    name: "qi-identity",
    source: "Rules for Implementing QueryInterface",
    says: "QueryInterface for IUnknown answers the same pointer from every interface of one object, every time.",
};

/// Every interface answers `QueryInterface` for itself, its bases and `IUnknown`.
pub static QI_BASES: Rule = Rule {
    name: "qi-bases",
    source: "Rules for Implementing QueryInterface",
    says: "An interface handed out answers QueryInterface for itself, for each interface it derives from, and for IUnknown.",
};

/// The provider releases the support object by the end of `IMSLogon::Logoff`.
pub static SUPPORT_RELEASED: Rule = Rule {
    name: "support-released-at-logoff",
    source: "Shutting Down a Service Provider",
    says: "At logoff the provider releases the support object (and whatever it opened from it, such as profile sections), so its reference count is back to MAPI's own.",
};

/// Every buffer allocated is freed by the end of the run.
pub static NO_LEAK: Rule = Rule {
    name: "memory-no-leak",
    source: "MAPIAllocateBuffer",
    says: "Every buffer allocated with MAPIAllocateBuffer is freed with MAPIFreeBuffer by whoever owns it by the end of the run.",
};

/// Every buffer is freed once, as a whole, through its first allocation.
pub static FREED_ONCE: Rule = Rule {
    name: "memory-freed-once",
    source: "MAPIFreeBuffer",
    says: "MAPIFreeBuffer is called once per MAPIAllocateBuffer buffer, on the pointer MAPIAllocateBuffer gave (never on a MAPIAllocateMore block, a freed buffer or anything else).",
};

/// `PR_ENTRYID` is on stores, folders and messages and in their table rows.
pub static ENTRYID_PRESENT: Rule = Rule {
    name: "entryid-present",
    source: "PidTagEntryId Canonical Property",
    says: "Message stores, folders and messages have PR_ENTRYID, and the rows of hierarchy and contents tables have it as a column.",
};

/// `PR_RECORD_KEY` is on stores, folders and messages and in their table rows.
pub static RECORD_KEY_PRESENT: Rule = Rule {
    name: "record-key-present",
    source: "PidTagRecordKey Canonical Property",
    says: "Message stores, folders and messages have PR_RECORD_KEY, and the rows of hierarchy and contents tables have it as a column.",
};

/// `PR_INSTANCE_KEY` is in every row, unique in the table.
pub static INSTANCE_KEY_UNIQUE: Rule = Rule {
    name: "instance-key-unique",
    source: "PidTagInstanceKey Canonical Property",
    says: "Every row of a table has PR_INSTANCE_KEY, and no two rows of one open table have the same one.",
};

/// `QueryRows` at the end of a table answers `S_OK` and no rows.
pub static TABLE_END: Rule = Rule {
    name: "table-end-no-rows",
    source: "Determining a Table's End",
    says: "QueryRows with a positive count at the end of a table answers S_OK and a row set of zero rows (never MAPI_E_NOT_FOUND).",
};

/// The store's display name is there.
pub static STORE_DISPLAY_NAME: Rule = Rule {
    name: "store-display-name",
    source: "IMsgStore : IMAPIProp",
    says: "A message store has PR_DISPLAY_NAME.",
};

/// No notification reaches a sink after `Unadvise`.
pub static NO_NOTIFY_AFTER_UNADVISE: Rule = Rule {
    name: "no-notify-after-unadvise",
    source: "IMsgStore::Unadvise",
    says: "After Unadvise returns, the advise sink it names receives no more notifications.",
};

/// A row's entry identifier opens its object, which names itself the same way.
pub static ENTRYID_ROUND_TRIP: Rule = Rule {
    name: "entryid-round-trip",
    source: "IMsgStore::CompareEntryIDs",
    says: "The PR_ENTRYID of a table row opens its object (OpenEntry), CompareEntryIDs finds it the same as the object's own PR_ENTRYID, and the object's PR_RECORD_KEY is the row's, byte for byte.",
};

/// A string property answered as `PT_UNICODE` and as `PT_STRING8` holds one text.
pub static STRINGS_A_W_AGREE: Rule = Rule {
    name: "strings-a-w-agree",
    source: "MAPI String Properties",
    says: "A string property an object answers both as PT_UNICODE and as PT_STRING8 holds the same text in both (checked where the text is ASCII).",
};

/// `SeekRow(BOOKMARK_BEGINNING)` then `QueryRows` reads the same rows again.
pub static SEEK_ROW_REREADS: Rule = Rule {
    name: "seek-row-rereads",
    source: "IMAPITable::SeekRow",
    says: "SeekRow(BOOKMARK_BEGINNING, 0) puts the cursor on the first row: reading the open table again gives the same rows, with the same PR_INSTANCE_KEYs, in the same order.",
};

/// A background synchronization ends with one `Done`, last.
pub static SYNC_ENDS_WITH_DONE: Rule = Rule {
    name: "sync-ends-with-done",
    source: "IMAPISyncProgressCallback",
    says: "After SynchronizeInBackground succeeds (with the done event in *phSyncDoneEvent), the store calls the callback's Progress and Error while it works and Done once, when it has finished: nothing after Done.",
};

/// The harness's last `Release` of the store, the logon object and the provider answers 0.
pub static RELEASED_TO_ZERO: Rule = Rule {
    name: "released-to-zero",
    source: "IUnknown::Release",
    says: "When the harness, the last holder, releases the store (after the scenarios), the logon object (after Logoff) and the provider (after Shutdown), Release answers the new count, 0: nothing else still holds them.",
};

/// `FindRow` puts the cursor on the first row matching its restriction.
pub static FIND_ROW_FINDS: Rule = Rule {
    name: "find-row-finds",
    source: "IMAPITable::FindRow",
    says: "FindRow from BOOKMARK_BEGINNING with a restriction one row satisfies (its PR_ENTRYID) answers S_OK and leaves the cursor on that row: QueryRows then gives it.",
};

/// `Restrict` limits the view to the rows matching its restriction; NULL lifts it.
pub static RESTRICT_RESTRICTS: Rule = Rule {
    name: "restrict-restricts",
    source: "IMAPITable::Restrict",
    says: "After Restrict, the table's rows are those that satisfy the restriction (a row's PR_ENTRYID: that row); Restrict(NULL) gives every row back.",
};

/// `PR_STORE_SUPPORT_MASK` is on the store, its folders and its messages.
pub static SUPPORT_MASK_PRESENT: Rule = Rule {
    name: "support-mask-present",
    source: "Message Store Features",
    says: "PR_STORE_SUPPORT_MASK (a PT_LONG of STORE_* flags) is on the message store, on its folders and on its messages.",
};

/// The store gives MAPI its status row at logon.
pub static STATUS_ROW: Rule = Rule {
    name: "status-row-at-logon",
    source: "Message Store Features",
    says: "Every message store provider provides its status in MAPI's status table: by the end of Logon it has called IMAPISupport::ModifyStatusRow.",
};

/// `SortTable` orders the rows.
pub static SORT_TABLE_SORTS: Rule = Rule {
    name: "sort-table-sorts",
    source: "IMAPITable::SortTable",
    says: "After SortTable on one column (PR_MESSAGE_SIZE, descending), the table gives the same rows in that order.",
};

/// A message's `PR_BODY_W` opens as an `IStream` that reads what `GetProps` gives.
pub static BODY_STREAM: Rule = Rule {
    name: "body-stream",
    source: "IMAPIProp::OpenProperty",
    says: "A message's PR_BODY_W opens with OpenProperty(IID_IStream); the stream reads the text GetProps gives (UTF-16LE, a terminating NUL allowed) and Stat gives its size.",
};

/// Every rule, in the order reports list them.
pub static ALL: &[&Rule] = &[
    &PROVIDER_STARTS,
    &OUT_NULL_ON_FAILURE,
    &QI_IDENTITY,
    &QI_BASES,
    &SUPPORT_RELEASED,
    &NO_LEAK,
    &FREED_ONCE,
    &ENTRYID_PRESENT,
    &RECORD_KEY_PRESENT,
    &INSTANCE_KEY_UNIQUE,
    &TABLE_END,
    &STORE_DISPLAY_NAME,
    &NO_NOTIFY_AFTER_UNADVISE,
    &ENTRYID_ROUND_TRIP,
    &STRINGS_A_W_AGREE,
    &SEEK_ROW_REREADS,
    &SYNC_ENDS_WITH_DONE,
    &RELEASED_TO_ZERO,
    &FIND_ROW_FINDS,
    &RESTRICT_RESTRICTS,
    &SUPPORT_MASK_PRESENT,
    &STATUS_ROW,
    &SORT_TABLE_SORTS,
    &BODY_STREAM,
    &SERVICE_ENTRY,
    &STORE_SECTION,
    &STORE_LOGOFF,
    &MAPISVC_REGISTERS,
    &NAMED_PROPERTIES,
    &ATTACHMENTS,
    &RECIPIENTS,
    &ASSOCIATED_VIEW,
    &READ_FLAG,
    &TABLE_NOTIFICATIONS,
];

/// A view saved as an associated message reads back from the associated contents table.
pub static ASSOCIATED_VIEW: Rule = Rule {
    name: "associated-view",
    source: "Folder-Associated Information Tables",
    says: "A folder whose PR_ACCESS has MAPI_ACCESS_CREATE_ASSOCIATED makes a message with CreateMessage(MAPI_ASSOCIATED) that SetProps and SaveChanges keep: the associated contents table (GetContentsTable(MAPI_ASSOCIATED)) lists it with MSGFLAG_ASSOCIATED and the values saved, its PR_ENTRYID opens it with them, PR_ASSOC_CONTENT_COUNT counts it, the normal contents table does not list it, and DeleteMessages removes it.",
};

/// `SetReadFlag` and `SetReadFlags` set and clear `MSGFLAG_READ`.
pub static READ_FLAG: Rule = Rule {
    name: "read-flag",
    source: "IMessage::SetReadFlag",
    says: "SetReadFlag(0) sets MSGFLAG_READ in the message's PR_MESSAGE_FLAGS and CLEAR_READ_FLAG clears it, on the object and in the contents table's row; IMAPIFolder::SetReadFlags does the same for the messages listed; CLEAR_READ_FLAG with SUPPRESS_RECEIPT is MAPI_E_INVALID_PARAMETER.",
};

/// A contents table's sink hears the rows a change adds, modifies and deletes.
pub static TABLE_NOTIFICATIONS: Rule = Rule {
    name: "table-notifications",
    source: "IMAPITable::Advise",
    says: "After IMAPITable::Advise(fnevTableModified) succeeds, a change to the table's rows reaches the sink: TABLE_ROW_MODIFIED for a message marked read (propIndex its row's PR_INSTANCE_KEY, the row showing the new flags), TABLE_ROW_ADDED for an associated message saved (the row its own, propIndex its PR_INSTANCE_KEY) and TABLE_ROW_DELETED with that propIndex when it is deleted.",
};

/// A message's attachments open by their numbers, with their data or embedded message.
pub static ATTACHMENTS: Rule = Rule {
    name: "attachments",
    source: "Attachment Tables",
    says: "GetAttachmentTable lists each attachment once with a distinct PR_ATTACH_NUM, which OpenAttach opens; an attachment by value serves PR_ATTACH_DATA_BIN through OpenProperty(IID_IStream), the same bytes GetProps gives or MAPI_E_NOT_ENOUGH_MEMORY in their place; an embedded message opens through OpenProperty(PR_ATTACH_DATA_OBJ, IID_IMessage); PR_HASATTACH and MSGFLAG_HASATTACH say whether there is any.",
};

/// A message's recipients are a table that agrees with `PR_DISPLAY_TO`.
pub static RECIPIENTS: Rule = Rule {
    name: "recipients",
    source: "Recipient Tables",
    says: "GetRecipientTable lists each recipient with a distinct PR_ROWID and its PR_RECIPIENT_TYPE; PR_DISPLAY_TO is the display names of the MAPI_TO recipients, separated by semicolons (PidTagDisplayTo).",
};

/// `GetIDsFromNames` maps Outlook's names, one map for the store's objects.
pub static NAMED_PROPERTIES: Rule = Rule {
    name: "named-properties",
    source: "IMAPIProp::GetIDsFromNames",
    says: "GetIDsFromNames with MAPI_CREATE gives each name an identifier from 0x8000 to 0xFFFE, of type PT_UNSPECIFIED, distinct; the store's folders give the same identifiers without MAPI_CREATE; GetNamesFromIDs gives the names back, NULL with MAPI_W_ERRORS_RETURNED for a tag that is no named property's.",
};

/// MAPISVC.INF registers the service as MAPI reads it.
pub static MAPISVC_REGISTERS: Rule = Rule {
    name: "mapisvc-registers",
    source: "File Format of MapiSvc.inf",
    says: "MAPISVC.INF lists the service in [Services]; its section names the DLL (PR_SERVICE_DLL_NAME, without the \"32\" MAPI appends, no period before the file name) and the entry point (PR_SERVICE_ENTRY_NAME), which the DLL exports; Providers= names a section with PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER and PR_PROVIDER_DLL_NAME.",
};

/// The store's last release passes `StoreLogoff`'s flags to `StoreLogoffTransports`.
pub static STORE_LOGOFF: Rule = Rule {
    name: "store-logoff-transports",
    source: "IMsgStore::StoreLogoff",
    says: "A store keeps the flags given to StoreLogoff and, once its reference count reaches zero (not before), calls IMAPISupport::StoreLogoffTransports with them, once.",
};

/// `ServiceEntry` adds the service to a profile and configures it without a dialog.
pub static SERVICE_ENTRY: Rule = Rule {
    name: "service-entry-configures",
    source: "MSGSERVICEENTRY",
    says: "The message service's entry point answers MSG_SERVICE_CREATE without UI flags (the service added, to be configured) and MSG_SERVICE_CONFIGURE with valid values in lpProps without showing anything, each with S_OK and *lppMapiError NULL.",
};

/// The configured store's profile section holds its wrapped entry id and identity.
pub static STORE_SECTION: Rule = Rule {
    name: "store-profile-section",
    source: "IMAPISupport::WrapStoreEntryID",
    says: "A configured store's profile section holds PR_ENTRYID, the store's entry identifier wrapped by IMAPISupport::WrapStoreEntryID, with PR_DISPLAY_NAME, PR_MDB_PROVIDER and PR_RECORD_KEY, and Logon accepts that identifier unwrapped.",
};

/// The provider library survives being unloaded right after a sync's done event.
/// Checked only in a run with [`Config::unload_after_done`](crate::Config::unload_after_done),
/// so not in [`ALL`].
pub static UNLOAD_AFTER_DONE: Rule = Rule {
    name: "unload-after-done",
    source: "Shutting Down a Service Provider",
    says: "Once the sync's done event is signalled and the store, the logon object and the provider are released (StoreLogoff, Logoff, Shutdown), MAPI may free the provider's DLL (FreeLibrary): nothing of the provider may run after that, and the DLL loaded again starts, logs on and plays the scenarios as before.",
};

/// The rules fault injection adds to a run's report.
pub static FAULTS: &[&Rule] = &[&UNLOAD_AFTER_DONE];

/// The rule named `name`.
pub fn by_name(name: &str) -> Option<&'static Rule> {
    ALL.iter().chain(FAULTS).copied().find(|r| r.name == name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = super::ALL
            .iter()
            .chain(super::FAULTS)
            .map(|r| r.name)
            .collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), super::ALL.len() + super::FAULTS.len());
    }
}
