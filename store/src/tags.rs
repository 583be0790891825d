//! Property tags a mail store uses that the mingw-w64 `mapitags.h` (from which the
//! bindings' `PR_*` constants come) does not define. Each is Microsoft's: its
//! identifier and type from its page in [MS-OXPROPS] ("Exchange Server Protocols
//! Master Property List", section 2, one page per `PidTag…` name; the same values as
//! the "PidTag… Canonical Property" pages of the MAPI reference).

use mapi_sync_runtime::sys::ULONG;

/// `STORE_HTML_OK` (0x00010000) in `PR_STORE_SUPPORT_MASK`: the store keeps HTML bodies
/// in `PR_HTML` (the "PidTagStoreSupportMask Canonical Property" page; not in the
/// mingw-w64 `mapidefs.h`).
pub const STORE_HTML_OK: ULONG = 0x0001_0000;

/// `PidTagHtml` (0x1013, `PtypBinary`): the message's HTML body.
pub const PR_HTML: ULONG = 0x1013_0102;
/// `PidTagInternetMessageId` (0x1035, `PtypString`): the `Message-ID` header.
pub const PR_INTERNET_MESSAGE_ID_W: ULONG = 0x1035_001F;
/// `PidTagSmtpAddress` (0x39FE, `PtypString`): a recipient's SMTP address.
pub const PR_SMTP_ADDRESS_W: ULONG = 0x39FE_001F;
/// `PidTagInternetCodepage` (0x3FDE, `PtypInteger32`): the code page of the message's
/// body as it arrived.
pub const PR_INTERNET_CPID: ULONG = 0x3FDE_0003;
/// `PidTagAttachContentId` (0x3712, `PtypString`): the attachment's `Content-ID`
/// (what a `cid:` URL in the HTML body names).
pub const PR_ATTACH_CONTENT_ID_W: ULONG = 0x3712_001F;
/// `PidTagAttachContentLocation` (0x3713, `PtypString`): its `Content-Location`.
pub const PR_ATTACH_CONTENT_LOCATION_W: ULONG = 0x3713_001F;
/// `PidTagAttachFlags` (0x3714, `PtypInteger32`).
pub const PR_ATTACH_FLAGS: ULONG = 0x3714_0003;
/// `PidTagAttachmentHidden` (0x7FFE, `PtypBoolean`): an attachment Outlook does not
/// list (an image the HTML body shows inline).
pub const PR_ATTACHMENT_HIDDEN: ULONG = 0x7FFE_000B;

/// `DELETE_HARD_DELETE` (0x00000010), a flag of `IMAPIFolder::DeleteMessages` and
/// `DeleteFolder` ("IMAPIFolder::DeleteMessages": deletes the messages permanently,
/// soft-deleted ones included), which the mingw-w64 `mapidefs.h` lacks.
pub const DELETE_HARD_DELETE: ULONG = 0x0000_0010;

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_sync_runtime::props::{prop_id, prop_type};
    use mapi_sync_runtime::sys;

    #[test]
    fn each_tag_has_its_pages_identifier_and_type() {
        let table = [
            (PR_HTML, 0x1013, sys::PT_BINARY),
            (PR_INTERNET_MESSAGE_ID_W, 0x1035, sys::PT_UNICODE),
            (PR_SMTP_ADDRESS_W, 0x39FE, sys::PT_UNICODE),
            (PR_INTERNET_CPID, 0x3FDE, sys::PT_LONG),
            (PR_ATTACH_CONTENT_ID_W, 0x3712, sys::PT_UNICODE),
            (PR_ATTACH_CONTENT_LOCATION_W, 0x3713, sys::PT_UNICODE),
            (PR_ATTACH_FLAGS, 0x3714, sys::PT_LONG),
            (PR_ATTACHMENT_HIDDEN, 0x7FFE, sys::PT_BOOLEAN),
        ];
        for (tag, id, ty) in table {
            assert_eq!((prop_id(tag), prop_type(tag)), (id, ty), "{tag:#010X}");
        }
    }
}
