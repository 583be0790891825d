//! Named properties: the store's map between property names (a property set's GUID and
//! a number or a string, MAPI's `MAPINAMEID`) and the identifiers `0x8000` to `0xFFFE`
//! that stand for them in property tags (Microsoft, "Named Properties",
//! "IMAPIProp::GetIDsFromNames", "IMAPIProp::GetNamesFromIDs").
//!
//! One map per store, shared by all its objects: a name has the same identifier on the
//! store, its folders and its messages. Outlook maps its property sets (`PSETID_Common`,
//! `PSETID_Address`, …) with `MAPI_CREATE` before it shows an item, even in a store that
//! cannot be written, so the map takes new names whether or not the store can. The
//! store's [`keep`](crate::keep) keeps the map between logons (in the file
//! [`Backend::keep_path`](crate::backend::Backend::keep_path) names); a backend that
//! keeps it itself gives it back through
//! [`Backend::named_properties`](crate::backend::Backend::named_properties), which wins
//! over the keep's where they disagree, and is told of each new name through
//! [`Backend::name_mapped`](crate::backend::Backend::name_mapped).

use std::collections::HashMap;
use std::sync::Mutex;

use mapi_sync_runtime::sys;
use mapi_sync_runtime::{Error, Result};

/// The first identifier of a named property.
pub const FIRST_NAMED_ID: u16 = 0x8000;
/// The last identifier of a named property (`0xFFFF` is not one).
pub const LAST_NAMED_ID: u16 = 0xFFFE;

/// A named property's name: its property set and, within it, a number (`MNID_ID`) or a
/// string (`MNID_STRING`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PropName {
    /// The property set's GUID, its 16 bytes as a `GUID` lies in memory.
    pub set: [u8; 16],
    /// The name within the set.
    pub kind: NameKind,
}

/// A name within a property set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NameKind {
    /// `MNID_ID`: a number.
    Id(i32),
    /// `MNID_STRING`: a string (compared as written: MAPI's names are case-sensitive).
    Name(String),
}

#[derive(Default)]
struct Map {
    by_name: HashMap<PropName, u16>,
    by_id: HashMap<u16, PropName>,
    next: u16,
}

/// The map a store opens with: the backend's (`theirs`), then each name the keep has
/// (`kept`) that the backend's does not name, with an identifier it does not use.
pub fn merged(theirs: Vec<(PropName, u16)>, kept: Vec<(PropName, u16)>) -> Vec<(PropName, u16)> {
    let mut all = theirs;
    for (name, id) in kept {
        if !all.iter().any(|(n, i)| *n == name || *i == id) {
            all.push((name, id));
        }
    }
    all
}

/// The store's named-property map (see the [module](self)).
pub struct NamedProps {
    map: Mutex<Map>,
}

impl NamedProps {
    /// A map holding `known` (what the backend kept); `MAPI_E_CORRUPT_DATA` for an
    /// identifier outside `0x8000..=0xFFFE` or a name or identifier given twice.
    pub fn new(known: Vec<(PropName, u16)>) -> Result<NamedProps> {
        let mut map = Map {
            next: FIRST_NAMED_ID,
            ..Map::default()
        };
        for (name, id) in known {
            if !(FIRST_NAMED_ID..=LAST_NAMED_ID).contains(&id) {
                return Err(Error::with_message(
                    sys::MAPI_E_CORRUPT_DATA,
                    format!("named property {name:?} kept as 0x{id:04X}, not 0x8000 to 0xFFFE"),
                ));
            }
            if map.by_id.contains_key(&id) || map.by_name.contains_key(&name) {
                return Err(Error::with_message(
                    sys::MAPI_E_CORRUPT_DATA,
                    format!("named property {name:?} (0x{id:04X}) kept twice"),
                ));
            }
            map.next = map.next.max(id.saturating_add(1));
            map.by_id.insert(id, name.clone());
            map.by_name.insert(name, id);
        }
        Ok(NamedProps {
            map: Mutex::new(map),
        })
    }

    fn map(&self) -> std::sync::MutexGuard<'_, Map> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The identifier of `name`; with `create`, a new one when it has none (and
    /// `new(id)` is told first: a failure there leaves the name unmapped). `Ok(None)` for
    /// a name without one and no `create`; `MAPI_E_TOO_BIG` when every identifier is
    /// taken.
    pub fn id_of(
        &self,
        name: &PropName,
        create: bool,
        new: impl FnOnce(u16) -> Result<()>,
    ) -> Result<Option<u16>> {
        let mut map = self.map();
        if let Some(&id) = map.by_name.get(name) {
            return Ok(Some(id));
        }
        if !create {
            return Ok(None);
        }
        // Past the highest identifier given, then the lowest free one.
        let id = if map.next <= LAST_NAMED_ID {
            map.next
        } else {
            (FIRST_NAMED_ID..=LAST_NAMED_ID)
                .find(|id| !map.by_id.contains_key(id))
                .ok_or_else(|| {
                    Error::with_message(
                        sys::MAPI_E_TOO_BIG,
                        "every named property identifier is taken",
                    )
                })?
        };
        new(id)?;
        map.next = map.next.max(id.saturating_add(1));
        map.by_id.insert(id, name.clone());
        map.by_name.insert(name.clone(), id);
        Ok(Some(id))
    }

    /// The name of identifier `id`, if it is mapped.
    pub fn name_of(&self, id: u16) -> Option<PropName> {
        self.map().by_id.get(&id).cloned()
    }

    /// Every mapping, by identifier.
    pub fn all(&self) -> Vec<(u16, PropName)> {
        let map = self.map();
        let mut all: Vec<(u16, PropName)> =
            map.by_id.iter().map(|(&i, n)| (i, n.clone())).collect();
        all.sort_by_key(|&(id, _)| id);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: i32) -> PropName {
        PropName {
            set: [7; 16],
            kind: NameKind::Id(n),
        }
    }

    #[test]
    fn a_name_gets_one_identifier_from_0x8000_and_keeps_it() {
        let named = NamedProps::new(Vec::new()).unwrap();
        let string = PropName {
            set: [7; 16],
            kind: NameKind::Name("Keywords".into()),
        };
        assert_eq!(named.id_of(&name(1), false, |_| Ok(())).unwrap(), None);
        assert_eq!(
            named.id_of(&name(1), true, |_| Ok(())).unwrap(),
            Some(0x8000)
        );
        assert_eq!(
            named.id_of(&string, true, |_| Ok(())).unwrap(),
            Some(0x8001)
        );
        assert_eq!(
            named.id_of(&name(1), true, |_| Ok(())).unwrap(),
            Some(0x8000)
        );
        assert_eq!(named.name_of(0x8001), Some(string));
        assert_eq!(named.name_of(0x8002), None);
        // A refusal to keep a new name leaves it unmapped.
        let refused = named.id_of(&name(2), true, |_| Err(Error::new(sys::MAPI_E_DISK_ERROR)));
        assert_eq!(refused.unwrap_err().code(), sys::MAPI_E_DISK_ERROR);
        assert_eq!(named.id_of(&name(2), false, |_| Ok(())).unwrap(), None);
    }

    #[test]
    fn what_the_backend_kept_is_read_back_and_checked() {
        let named = NamedProps::new(vec![(name(5), 0x9000)]).unwrap();
        assert_eq!(
            named.id_of(&name(5), false, |_| Ok(())).unwrap(),
            Some(0x9000)
        );
        assert_eq!(
            named.id_of(&name(6), true, |_| Ok(())).unwrap(),
            Some(0x9001)
        );
        for bad in [
            vec![(name(1), 0x7FFF)],
            vec![(name(1), 0xFFFF)],
            vec![(name(1), 0x8000), (name(2), 0x8000)],
            vec![(name(1), 0x8000), (name(1), 0x8001)],
        ] {
            assert_eq!(
                NamedProps::new(bad).err().map(|e| e.code()),
                Some(sys::MAPI_E_CORRUPT_DATA)
            );
        }
    }

    #[test]
    fn when_the_top_is_reached_the_lowest_free_identifier_is_given_then_too_big() {
        let named = NamedProps::new(vec![(name(0), LAST_NAMED_ID)]).unwrap();
        assert_eq!(
            named.id_of(&name(1), true, |_| Ok(())).unwrap(),
            Some(0x8000)
        );
        let full: Vec<(PropName, u16)> = (FIRST_NAMED_ID..=LAST_NAMED_ID)
            .map(|id| (name(i32::from(id)), id))
            .collect();
        let named = NamedProps::new(full).unwrap();
        let e = named.id_of(&name(-1), true, |_| Ok(())).unwrap_err();
        assert_eq!(e.code(), sys::MAPI_E_TOO_BIG);
    }
}
