//! Property tags: the `PROP_*` macros of `mapidefs.h` as `const fn`s.
//!
//! A property tag is a 32-bit value: the property identifier in the high 16 bits, the
//! property type (`PT_*`) in the low 16 (`mapidefs.h`: `PROP_TYPE_MASK` is `0x0000FFFF`,
//! `PROP_ID(tag)` is `tag >> 16`, `PROP_TAG(type, id)` is `(id << 16) | type`).

use crate::sys::ULONG;

/// `PROP_TYPE_MASK`: the type bits of a tag.
pub const PROP_TYPE_MASK: ULONG = 0x0000_FFFF;

/// `PROP_TYPE(tag)`: the property type (`PT_*`).
pub const fn prop_type(tag: ULONG) -> ULONG {
    tag & PROP_TYPE_MASK
}

/// `PROP_ID(tag)`: the property identifier.
pub const fn prop_id(tag: ULONG) -> ULONG {
    tag >> 16
}

/// `PROP_TAG(type, id)`: the tag of property `id` with type `ty` (only the low 16 bits of
/// each count).
pub const fn prop_tag(ty: ULONG, id: ULONG) -> ULONG {
    ((id & 0xFFFF) << 16) | (ty & PROP_TYPE_MASK)
}

/// `CHANGE_PROP_TYPE(tag, type)`: the same property with another type.
pub const fn change_prop_type(tag: ULONG, ty: ULONG) -> ULONG {
    (tag & 0xFFFF_0000) | (ty & PROP_TYPE_MASK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys;

    #[test]
    fn tags_of_the_headers_split_and_join() {
        for (tag, id, ty) in [
            (sys::PR_ENTRYID, 0x0FFF, sys::PT_BINARY),
            (sys::PR_DISPLAY_NAME_W, 0x3001, sys::PT_UNICODE),
        ] {
            assert_eq!((prop_id(tag), prop_type(tag)), (id, ty));
            assert_eq!(prop_tag(ty, id), tag);
            assert_eq!(change_prop_type(tag, prop_type(tag)), tag);
        }
        // Only 16 bits of each part count.
        assert_eq!(prop_tag(0x1_0003, 0x1_3001), 0x3001_0003);
        const CONST_TAG: ULONG = prop_tag(sys::PT_LONG, 0x0E08);
        assert_eq!(CONST_TAG, 0x0E08_0003);
    }
}
