//! The system's ANSI code page: how a `PT_STRING8` value becomes a `PT_UNICODE` one and
//! back, when a caller asks for the other type of a string property (`GetProps` with or
//! without `MAPI_UNICODE`, a `_A` tag for a `_W` property, a table column).
//!
//! MAPI's 8-bit strings are in the system's ANSI code page (`CP_ACP`; Microsoft, "MAPI
//! Character Sets" and "String properties"). On Windows the conversion is Windows' own
//! (`MultiByteToWideChar` and `WideCharToMultiByte` with `CP_ACP`), so a store answers as
//! MAPI's own code on that machine would. Elsewhere (the Linux test hosts) there is no
//! such setting, and the runtime stands in Windows-1252, the code page of Western Windows
//! systems, built in: "Café crème" keeps its accents both ways, and a character the code
//! page lacks becomes `?` (one per character), as `WideCharToMultiByte` writes its default
//! character.

/// `ansi` (no NUL) as UTF-16 (no NUL).
pub(crate) fn to_wide(ansi: &[u8]) -> Vec<u16> {
    imp::to_wide(ansi)
}

/// The characters of `ansi` (see [`crate::props::convert::ansi_chars`]).
pub(crate) fn chars(ansi: &[u8]) -> Chars<'_> {
    imp::chars(ansi)
}

pub(crate) use imp::Chars;

/// `wide` (no NUL) in the ANSI code page (no NUL).
pub(crate) fn to_ansi(wide: &[u16]) -> Vec<u8> {
    imp::to_ansi(wide)
}

#[cfg(windows)]
mod imp {
    use windows_sys::Win32::Globalization::{MultiByteToWideChar, WideCharToMultiByte, CP_ACP};

    /// Windows' code page may take several bytes per character: the text is converted
    /// whole, then read.
    pub(crate) type Chars<'a> = std::iter::Map<
        std::char::DecodeUtf16<std::vec::IntoIter<u16>>,
        fn(Result<char, std::char::DecodeUtf16Error>) -> char,
    >;

    pub(super) fn chars(ansi: &[u8]) -> Chars<'_> {
        fn or_replacement(c: Result<char, std::char::DecodeUtf16Error>) -> char {
            c.unwrap_or(char::REPLACEMENT_CHARACTER)
        }
        char::decode_utf16(to_wide(ansi)).map(or_replacement as fn(_) -> char)
    }

    pub(super) fn to_wide(ansi: &[u8]) -> Vec<u16> {
        let Ok(len) = i32::try_from(ansi.len()) else {
            return Vec::new();
        };
        if len == 0 {
            return Vec::new();
        }
        // SAFETY: `ansi` is `len` readable bytes; a null output with size 0 asks for the
        // length only.
        let needed =
            unsafe { MultiByteToWideChar(CP_ACP, 0, ansi.as_ptr(), len, std::ptr::null_mut(), 0) };
        let mut out = vec![0u16; needed.max(0) as usize];
        // SAFETY: `out` has room for `needed` units, as the first call said.
        let written =
            unsafe { MultiByteToWideChar(CP_ACP, 0, ansi.as_ptr(), len, out.as_mut_ptr(), needed) };
        out.truncate(written.max(0) as usize);
        out
    }

    pub(super) fn to_ansi(wide: &[u16]) -> Vec<u8> {
        let Ok(len) = i32::try_from(wide.len()) else {
            return Vec::new();
        };
        if len == 0 {
            return Vec::new();
        }
        let null = std::ptr::null();
        // SAFETY: `wide` is `len` readable units; a null output with size 0 asks for the
        // length only; null default-character arguments take the code page's default.
        let needed = unsafe {
            WideCharToMultiByte(
                CP_ACP,
                0,
                wide.as_ptr(),
                len,
                std::ptr::null_mut(),
                0,
                null,
                std::ptr::null_mut(),
            )
        };
        let mut out = vec![0u8; needed.max(0) as usize];
        // SAFETY: `out` has room for `needed` bytes, as the first call said.
        let written = unsafe {
            WideCharToMultiByte(
                CP_ACP,
                0,
                wide.as_ptr(),
                len,
                out.as_mut_ptr(),
                needed,
                null,
                std::ptr::null_mut(),
            )
        };
        out.truncate(written.max(0) as usize);
        out
    }
}

#[cfg(not(windows))]
mod imp {
    /// Windows-1252's characters for the bytes 0x80 to 0x9F (the rest are Latin-1's).
    /// The five bytes the code page leaves undefined map to the C1 control character of
    /// the same number, as Windows' own conversion maps them.
    const HIGH: [u16; 32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ];

    fn unit_of(b: u8) -> u16 {
        match b {
            0x80..=0x9F => HIGH[usize::from(b - 0x80)],
            _ => u16::from(b),
        }
    }

    pub(super) fn to_wide(ansi: &[u8]) -> Vec<u16> {
        ansi.iter().map(|&b| unit_of(b)).collect()
    }

    /// One character per byte: read in place.
    pub(crate) type Chars<'a> = std::iter::Map<std::slice::Iter<'a, u8>, fn(&u8) -> char>;

    pub(super) fn chars(ansi: &[u8]) -> Chars<'_> {
        fn char_of(b: &u8) -> char {
            // Every unit of the table is a character (none is a surrogate).
            char::from_u32(u32::from(unit_of(*b))).unwrap_or(char::REPLACEMENT_CHARACTER)
        }
        ansi.iter().map(char_of as fn(&u8) -> char)
    }

    fn byte_of(c: char) -> u8 {
        let unit = c as u32;
        if unit < 0x80 || (0xA0..=0xFF).contains(&unit) {
            return unit as u8;
        }
        match HIGH.iter().position(|&h| u32::from(h) == unit) {
            Some(i) => 0x80 + i as u8,
            None => b'?',
        }
    }

    pub(super) fn to_ansi(wide: &[u16]) -> Vec<u8> {
        char::decode_utf16(wide.iter().copied())
            .map(|c| c.map_or(b'?', byte_of))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn western_text_keeps_its_accents_both_ways() {
        let text = "Café crème, 5 € – “quoted”";
        let wide: Vec<u16> = text.encode_utf16().collect();
        let ansi = to_ansi(&wide);
        assert_eq!(to_wide(&ansi), wide);
        #[cfg(not(windows))]
        assert_eq!(&ansi[..10], b"Caf\xE9 cr\xE8me");
    }

    #[cfg(not(windows))]
    #[test]
    fn what_windows_1252_lacks_is_a_question_mark_per_character() {
        let wide: Vec<u16> = "a✉😀b".encode_utf16().collect();
        assert_eq!(to_ansi(&wide), b"a??b");
        // Every byte has a character, and those that are defined come back.
        for b in 0..=255u8 {
            let w = to_wide(&[b]);
            assert_eq!(w.len(), 1);
            assert_eq!(to_ansi(&w), [b], "byte {b:#04X}");
        }
        assert_eq!(to_wide(b"\x80\x9F"), [0x20AC, 0x0178]);
    }
}
