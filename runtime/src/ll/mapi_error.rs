//! `MAPIERROR` (Microsoft, "MAPIERROR", "IMAPIProp::GetLastError"): an error's text and
//! component written into one MAPI buffer, strings in the character set the caller asked
//! for (`MAPI_UNICODE`: UTF-16, else the ANSI code page).

use std::mem::size_of;

use super::codepage::to_ansi;
use crate::mem::{Allocators, Buffer};
use crate::sys::{self, MAPIERROR, ULONG};
use crate::Result;

/// A NUL-terminated copy of `text` in a child of `buffer`, as `MAPI_UNICODE` in `flags`
/// asks.
fn string(buffer: &Buffer, text: &str, flags: ULONG) -> Result<*mut u8> {
    let wide: Vec<u16> = text.encode_utf16().collect();
    if flags & sys::MAPI_UNICODE != 0 {
        let child = buffer.more((wide.len() + 1) * size_of::<u16>())?;
        let p = child.as_ptr().cast::<u16>();
        // SAFETY: room for the units and the NUL (zeroed by `more`), aligned for u16.
        unsafe { p.copy_from_nonoverlapping(wide.as_ptr(), wide.len()) };
        Ok(p.cast())
    } else {
        let ansi = to_ansi(&wide);
        let child = buffer.more(ansi.len() + 1)?;
        // SAFETY: room for the bytes and the NUL (zeroed by `more`).
        unsafe {
            child
                .as_ptr()
                .copy_from_nonoverlapping(ansi.as_ptr(), ansi.len())
        };
        Ok(child.as_ptr())
    }
}

/// A `MAPIERROR` of `text` from `component`, in one buffer the caller frees with
/// `MAPIFreeBuffer`.
pub(crate) fn write(
    allocators: Allocators,
    text: &str,
    component: &str,
    flags: ULONG,
) -> Result<Buffer> {
    let buffer = Buffer::new(allocators, size_of::<MAPIERROR>())?;
    let error = MAPIERROR {
        ulVersion: sys::MAPI_ERROR_VERSION,
        lpszError: string(&buffer, text, flags)?.cast(),
        lpszComponent: string(&buffer, component, flags)?.cast(),
        ulLowLevelError: 0,
        ulContext: 0,
    };
    // SAFETY: the buffer has room for one MAPIERROR, aligned.
    unsafe { buffer.as_ptr().cast::<MAPIERROR>().write(error) };
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_character_sets_hold_the_text_and_the_component() {
        for flags in [sys::MAPI_UNICODE, 0] {
            let buffer = write(Allocators::local(), "Café: no such row", "store", flags).unwrap();
            // SAFETY: just written: a MAPIERROR whose strings end in a NUL.
            unsafe {
                let e = &*buffer.as_ptr().cast::<MAPIERROR>();
                assert_eq!(e.ulVersion, sys::MAPI_ERROR_VERSION);
                let (text, component) = if flags != 0 {
                    let read = |p: *const u16| {
                        let n = (0..).find(|&i| *p.add(i) == 0).unwrap();
                        String::from_utf16(std::slice::from_raw_parts(p, n)).unwrap()
                    };
                    (read(e.lpszError.cast()), read(e.lpszComponent.cast()))
                } else {
                    let read =
                        |p: *const u8| std::ffi::CStr::from_ptr(p.cast()).to_bytes().to_vec();
                    let text = read(e.lpszError.cast());
                    assert_eq!(text[3], 0xE9, "é in the code page");
                    (
                        String::from_utf16(&super::super::codepage::to_wide(&text)).unwrap(),
                        String::from_utf8(read(e.lpszComponent.cast())).unwrap(),
                    )
                };
                assert_eq!(
                    (text.as_str(), component.as_str()),
                    ("Café: no such row", "store")
                );
            }
        }
    }
}
