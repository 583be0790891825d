//! Folder names: an IMAP mailbox name (modified UTF-7, RFC 3501 section 5.1.3, split by
//! the server's hierarchy delimiter) as a Maildir++ folder name, and the name a person
//! reads.
//!
//! **Choice**: on disk the components stay in modified UTF-7 (as Dovecot keeps its own
//! Maildir++ names), joined by `.`; a `.`, `/` or `%` inside a component is written
//! `%2E`, `%2F`, `%25`, so every IMAP name has one folder and back. `INBOX` (any case)
//! is the root.

/// The Maildir++ name (without the leading dot; `""` for the inbox) of IMAP mailbox
/// `name` whose hierarchy delimiter is `delimiter`.
pub fn maildir_name(name: &str, delimiter: Option<&str>) -> String {
    if name.eq_ignore_ascii_case("INBOX") {
        return String::new();
    }
    let parts: Vec<&str> = match delimiter {
        Some(d) if !d.is_empty() => name.split(d).collect(),
        _ => vec![name],
    };
    parts
        .iter()
        .map(|p| {
            p.replace('%', "%25")
                .replace('.', "%2E")
                .replace('/', "%2F")
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The Maildir++ name's parent, if it has one (`"A.B"` → `"A"`).
pub fn parent(maildir_name: &str) -> Option<&str> {
    maildir_name.rsplit_once('.').map(|(p, _)| p)
}

/// What a person reads for a Maildir++ name's last component: escapes undone, modified
/// UTF-7 decoded (left as it is where it is not valid).
pub fn display_name(maildir_name: &str) -> String {
    if maildir_name.is_empty() {
        return "Inbox".to_owned();
    }
    let last = maildir_name.rsplit('.').next().unwrap_or(maildir_name);
    let unescaped = last
        .replace("%2E", ".")
        .replace("%2F", "/")
        .replace("%25", "%");
    decode_mutf7(&unescaped).unwrap_or(unescaped)
}

/// Decodes modified UTF-7: `&` starts base64 of UTF-16BE (alphabet with `,` for `/`),
/// `-` ends it, `&-` is `&`.
pub fn decode_mutf7(s: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let end = after.find('-')?;
        let b64 = &after[..end];
        if b64.is_empty() {
            out.push('&');
        } else {
            let mut bits: u32 = 0;
            let mut nbits = 0;
            let mut units = Vec::new();
            for c in b64.bytes() {
                let v = match c {
                    b'A'..=b'Z' => c - b'A',
                    b'a'..=b'z' => c - b'a' + 26,
                    b'0'..=b'9' => c - b'0' + 52,
                    b'+' => 62,
                    b',' => 63,
                    _ => return None,
                };
                bits = (bits << 6) | u32::from(v);
                nbits += 6;
                if nbits >= 16 {
                    nbits -= 16;
                    units.push((bits >> nbits) as u16);
                    bits &= (1 << nbits) - 1;
                }
            }
            out.push_str(&String::from_utf16(&units).ok()?);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imap_names_map_to_maildir_plus_plus_names_and_back_to_display_names() {
        assert_eq!(maildir_name("INBOX", Some(".")), "");
        assert_eq!(maildir_name("inbox", Some("/")), "");
        assert_eq!(
            maildir_name("Lists/rust.users", Some("/")),
            "Lists.rust%2Eusers"
        );
        assert_eq!(maildir_name("Lists.rust", Some(".")), "Lists.rust");
        assert_eq!(parent("Lists.rust%2Eusers"), Some("Lists"));
        assert_eq!(parent("Lists"), None);
        assert_eq!(display_name("Lists.rust%2Eusers"), "rust.users");
        assert_eq!(display_name(""), "Inbox");
    }

    #[test]
    fn modified_utf7_is_decoded() {
        // RFC 3501's example: "~peter/mail/台北/日本語".
        assert_eq!(
            decode_mutf7("~peter/mail/&U,BTFw-/&ZeVnLIqe-").as_deref(),
            Some("~peter/mail/台北/日本語")
        );
        assert_eq!(decode_mutf7("Tom &- Jerry").as_deref(), Some("Tom & Jerry"));
        assert_eq!(decode_mutf7("Entw&APw-rfe").as_deref(), Some("Entwürfe"));
        assert_eq!(decode_mutf7("bad &AP"), None);
    }
}
