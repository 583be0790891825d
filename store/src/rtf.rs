//! `PR_RTF_COMPRESSED` made from a message's text, for a store whose backend gives a
//! plain-text body (`PR_BODY`) and no RTF: what Outlook reads through
//! `OpenProperty(PR_RTF_COMPRESSED, IID_IStream)` and `WrapCompressedRTFStream`.
//!
//! The text becomes RTF marked `\fromtext` (the body was plain text), and the RTF is put
//! in the property's uncompressed form ([MS-OXRTFCP] 2.1.3.1.1: a 16-byte header, then the
//! RTF as it is), which every reader of the format reads and which the store says it
//! gives (`STORE_UNCOMPRESSED_RTF`). Why not the `compressed-rtf` crate, which also
//! compresses: its versions need Rust 1.76 and 1.82, above the 1.74 a provider is built
//! with; and text a store makes into RTF on every read gains nothing from compression
//! (the tests read this module's output back with that crate, as an independent reader).

/// `COMPTYPE` of uncompressed contents: the bytes `MELA`.
pub const UNCOMPRESSED: u32 = 0x414C_454D;

/// RTF showing `text` as plain text: `\fromtext`, one paragraph per line (`\r\n`, `\n`
/// or `\r`), `\`, `{` and `}` escaped, every character outside printable ASCII as
/// `\uN?` (its UTF-16 units as signed numbers, `?` for a reader without Unicode).
pub fn from_text(text: &str) -> Vec<u8> {
    let mut rtf = String::with_capacity(text.len() + 128);
    rtf.push_str(
        "{\\rtf1\\ansi\\ansicpg1252\\fromtext \\deff0{\\fonttbl{\\f0\\fswiss Arial;}}\r\n",
    );
    rtf.push_str("\\f0\\fs20 ");
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                rtf.push_str("\\par\r\n");
            }
            '\n' => rtf.push_str("\\par\r\n"),
            '\\' | '{' | '}' => {
                rtf.push('\\');
                rtf.push(c);
            }
            '\t' => rtf.push_str("\\tab "),
            ' '..='~' => rtf.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    rtf.push_str(&format!("\\u{}?", *unit as i16));
                }
            }
        }
    }
    rtf.push_str("\r\n}");
    rtf.into_bytes()
}

/// `rtf` as `PR_RTF_COMPRESSED`'s value in its uncompressed form: `COMPSIZE` (the
/// contents' length plus the 12 header bytes after it), `RAWSIZE` (the contents'
/// length), `COMPTYPE` [`UNCOMPRESSED`], `CRC` 0, then the RTF.
pub fn uncompressed(rtf: &[u8]) -> Vec<u8> {
    let len = rtf.len() as u32;
    let mut out = Vec::with_capacity(rtf.len() + 16);
    out.extend_from_slice(&(len + 12).to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&UNCOMPRESSED.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(rtf);
    out
}

/// `PR_RTF_COMPRESSED` of a message whose text is `text`.
pub fn compressed_of_text(text: &str) -> Vec<u8> {
    uncompressed(&from_text(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_rtf_with_its_specials_escaped_and_lines_as_paragraphs() {
        let rtf = String::from_utf8(from_text("a{b}\\c\r\nCafé 😀\nend")).unwrap();
        assert!(rtf.starts_with("{\\rtf1\\ansi"));
        assert!(rtf.contains("\\fromtext"));
        assert!(rtf.contains("a\\{b\\}\\\\c\\par\r\nCaf\\u233? \\u-10179?\\u-8704?\\par\r\nend"));
        assert!(rtf.ends_with('}'));
    }

    #[test]
    fn the_uncompressed_form_has_its_header() {
        let value = uncompressed(b"{\\rtf1 x}");
        assert_eq!(&value[..4], &(9u32 + 12).to_le_bytes());
        assert_eq!(&value[4..8], &9u32.to_le_bytes());
        assert_eq!(&value[8..12], b"MELA");
        assert_eq!(&value[12..16], &[0; 4]);
        assert_eq!(&value[16..], b"{\\rtf1 x}");
    }
}
