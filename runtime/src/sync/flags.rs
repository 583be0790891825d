//! [`SyncFlags`]: `MAPISIB::ulFlags` as a set.

use crate::sys;

bitflags::bitflags! {
    /// What Outlook asks a synchronization to do: `MAPISIB::ulFlags`.
    ///
    /// Microsoft's page lists the `SYNC_*` values as "one of", but they are distinct bits
    /// and Outlook combines them, so this is a set. Bits this crate does not know are kept
    /// (`from_bits_retain`, and `!`/`complement` leave them alone), so a newer Outlook's
    /// flags reach the provider intact through [`bits`](SyncFlags::bits).
    ///
    /// ```
    /// use mapi_sync::SyncFlags;
    /// let f = SyncFlags::from_bits_retain(0x2000_0082 | 0x0400);
    /// assert!(f.contains(SyncFlags::ON_DEMAND | SyncFlags::DOWNLOAD_CONTENTS));
    /// assert_eq!(f.bits() & 0x0400, 0x0400); // unknown bit kept
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct SyncFlags: u32 {
        /// `SYNC_UPLOAD_HIERARCHY`: push folder hierarchy changes to the server.
        const UPLOAD_HIERARCHY = sys::SYNC_UPLOAD_HIERARCHY;
        /// `SYNC_DOWNLOAD_HIERARCHY`: pull folder hierarchy changes from the server.
        const DOWNLOAD_HIERARCHY = sys::SYNC_DOWNLOAD_HIERARCHY;
        /// `SYNC_UPLOAD_CONTENTS`: push message changes.
        const UPLOAD_CONTENTS = sys::SYNC_UPLOAD_CONTENTS;
        /// `SYNC_DOWNLOAD_CONTENTS`: pull message changes.
        const DOWNLOAD_CONTENTS = sys::SYNC_DOWNLOAD_CONTENTS;
        /// `SYNC_OUTGOING_MAIL`: send to the server (documented as not in use).
        const OUTGOING_MAIL = sys::SYNC_OUTGOING_MAIL;
        /// `SYNC_GLOBAL_HEADERS`: headers only, not full bodies.
        const GLOBAL_HEADERS = sys::SYNC_GLOBAL_HEADERS;
        /// `SYNC_ON_DEMAND`: started by the user, so it has a higher priority.
        const ON_DEMAND = sys::SYNC_ON_DEMAND;
        // Keep every other bit: they are Outlook's, not ours to drop.
        const _ = !0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_the_documentation() {
        assert_eq!(SyncFlags::UPLOAD_HIERARCHY.bits(), 0x0000_0001);
        assert_eq!(SyncFlags::DOWNLOAD_HIERARCHY.bits(), 0x0000_0002);
        assert_eq!(SyncFlags::UPLOAD_CONTENTS.bits(), 0x0000_0040);
        assert_eq!(SyncFlags::DOWNLOAD_CONTENTS.bits(), 0x0000_0080);
        assert_eq!(SyncFlags::OUTGOING_MAIL.bits(), 0x0000_0200);
        assert_eq!(SyncFlags::GLOBAL_HEADERS.bits(), 0x0200_0000);
        assert_eq!(SyncFlags::ON_DEMAND.bits(), 0x2000_0000);
    }

    #[test]
    fn unknown_bits_survive() {
        let f = SyncFlags::from_bits_retain(0x8000_0001);
        assert_eq!(f.bits(), 0x8000_0001);
        assert_eq!((f | SyncFlags::ON_DEMAND).bits(), 0xA000_0001);
        assert_eq!((f - SyncFlags::UPLOAD_HIERARCHY).bits(), 0x8000_0000);
        assert_eq!((!f).bits(), !0x8000_0001);
        assert_eq!(
            SyncFlags::from_bits(0x8000_0000),
            Some(f - SyncFlags::UPLOAD_HIERARCHY)
        );
    }
}
