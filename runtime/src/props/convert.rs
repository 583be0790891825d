//! String properties in the character set the caller asked for.
//!
//! A string property has two types, `PT_STRING8` (8-bit, the system's ANSI code page) and
//! `PT_UNICODE` (UTF-16), and so has a multi-valued one (`PT_MV_STRING8`,
//! `PT_MV_UNICODE`). MAPI documents (Microsoft, "IMAPIProp::GetProps", "String
//! properties") that a caller may ask for either whatever the object keeps: a tag array
//! naming `PR_SUBJECT_A` of an object that has `PR_SUBJECT_W` gets the subject converted;
//! where the caller names no type (`PT_UNSPECIFIED`, or no tag array at all), strings come
//! back as `PT_UNICODE` when it passed `MAPI_UNICODE` and as `PT_STRING8` when it did not.
//! The conversion goes through the system's code page (see `crate::ll::codepage`).

use super::{change_prop_type, prop_type, OwnedValue, PropValue};
use crate::ll::codepage::{self, to_ansi, to_wide};
use crate::sys::{self, ULONG};

/// The other type of a string type (`PT_STRING8` and `PT_UNICODE`, and their
/// multi-valued forms), or `None` for a type that is not a string's.
pub fn other_string_type(ty: ULONG) -> Option<ULONG> {
    match ty {
        sys::PT_STRING8 => Some(sys::PT_UNICODE),
        sys::PT_UNICODE => Some(sys::PT_STRING8),
        sys::PT_MV_STRING8 => Some(sys::PT_MV_UNICODE),
        sys::PT_MV_UNICODE => Some(sys::PT_MV_STRING8),
        _ => None,
    }
}

/// The type a value of type `ty` is answered with for a caller that named no type:
/// strings as `PT_UNICODE` (`unicode`, the caller's `MAPI_UNICODE`) or `PT_STRING8`,
/// every other type as it is.
pub fn answered_type(ty: ULONG, unicode: bool) -> ULONG {
    match (ty, unicode) {
        (sys::PT_STRING8 | sys::PT_UNICODE, true) => sys::PT_UNICODE,
        (sys::PT_STRING8 | sys::PT_UNICODE, false) => sys::PT_STRING8,
        (sys::PT_MV_STRING8 | sys::PT_MV_UNICODE, true) => sys::PT_MV_UNICODE,
        (sys::PT_MV_STRING8 | sys::PT_MV_UNICODE, false) => sys::PT_MV_STRING8,
        _ => ty,
    }
}

/// `tag` with its type as [`answered_type`] answers it.
pub fn answered_tag(tag: ULONG, unicode: bool) -> ULONG {
    change_prop_type(tag, answered_type(prop_type(tag), unicode))
}

/// `value` as a string of type `ty`, when `value` is a string of the other type
/// ([`other_string_type`]); `None` when it already has type `ty` or is no string.
///
/// ```
/// use mapi_sync::props::{convert, OwnedValue, PropValue};
/// use mapi_sync::sys::PT_STRING8;
///
/// let ansi = convert::to_string_type(PropValue::Str("Café"), PT_STRING8);
/// assert_eq!(ansi, Some(OwnedValue::String8(b"Caf\xE9".to_vec())));
/// ```
pub fn to_string_type(value: PropValue<'_>, ty: ULONG) -> Option<OwnedValue> {
    if other_string_type(ty) != Some(value.prop_type()) {
        return None;
    }
    Some(match value {
        PropValue::Unicode(w) => OwnedValue::String8(to_ansi(w)),
        PropValue::Str(s) => OwnedValue::String8(to_ansi(&s.encode_utf16().collect::<Vec<_>>())),
        PropValue::String8(a) => OwnedValue::Unicode(to_wide(a)),
        PropValue::MvUnicode(list) => OwnedValue::MvString8(list.iter().map(to_ansi).collect()),
        PropValue::MvString8(list) => OwnedValue::MvUnicode(list.iter().map(to_wide).collect()),
        _ => return None,
    })
}

/// The characters of `PT_STRING8` bytes, read in the system's ANSI code page as
/// [`to_string_type`] converts them (Windows-1252 off Windows): what a store compares
/// and searches when a value is 8-bit text.
///
/// ```
/// use mapi_sync::props::convert::ansi_chars;
///
/// # #[cfg(not(windows))]
/// assert_eq!(ansi_chars(b"5 \x80, caf\xE9").collect::<String>(), "5 €, café");
/// ```
pub fn ansi_chars(bytes: &[u8]) -> AnsiChars<'_> {
    AnsiChars(codepage::chars(bytes), std::marker::PhantomData)
}

/// The characters of 8-bit text ([`ansi_chars`]).
#[derive(Clone)]
pub struct AnsiChars<'a>(
    codepage::Chars<'a>,
    // On Windows the text is converted whole: the characters no longer borrow it.
    std::marker::PhantomData<&'a [u8]>,
);

impl Iterator for AnsiChars<'_> {
    type Item = char;
    fn next(&mut self) -> Option<char> {
        self.0.next()
    }
}

impl std::fmt::Debug for AnsiChars<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AnsiChars")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::props::Strings;

    #[test]
    fn strings_convert_to_the_other_type_and_nothing_else_does() {
        assert_eq!(
            to_string_type(PropValue::String8(b"cr\xE8me"), sys::PT_UNICODE),
            Some(OwnedValue::Unicode("crème".encode_utf16().collect()))
        );
        let w: Vec<u16> = "é".encode_utf16().collect();
        let list = [&w[..], &[0x61][..]];
        assert_eq!(
            to_string_type(
                PropValue::MvUnicode(Strings::new(&list)),
                sys::PT_MV_STRING8
            ),
            Some(OwnedValue::MvString8(vec![b"\xE9".to_vec(), b"a".to_vec()]))
        );
        // Already that type, or not a string.
        assert_eq!(to_string_type(PropValue::Str("x"), sys::PT_UNICODE), None);
        assert_eq!(to_string_type(PropValue::Long(1), sys::PT_STRING8), None);
        assert_eq!(
            to_string_type(PropValue::String8(b"x"), sys::PT_MV_UNICODE),
            None
        );
    }

    #[test]
    fn a_caller_that_names_no_type_gets_strings_as_its_flag_says() {
        assert_eq!(answered_tag(sys::PR_SUBJECT_W, false), sys::PR_SUBJECT_A);
        assert_eq!(answered_tag(sys::PR_SUBJECT_A, true), sys::PR_SUBJECT_W);
        assert_eq!(answered_tag(sys::PR_ENTRYID, true), sys::PR_ENTRYID);
        assert_eq!(answered_type(sys::PT_MV_UNICODE, false), sys::PT_MV_STRING8);
    }
}
