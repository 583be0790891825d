//! The model: what the table should show, worked out the plain way (a filter and a stable
//! sort over a `Vec`), from the crate's documented semantics, without the engine's code.
//! It reads a `Restriction` through its public `kind()`, and compares `OwnedValue`s
//! itself.

use std::cmp::Ordering;
use std::collections::HashMap;

use mapi_sync_runtime::props::{prop_id, prop_type, OwnedValue};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_store::table::{Cell, Restriction, RestrictionKind, SortOrder};

/// A row of the source: its key, cells and recipients (sub-rows).
pub type SourceRow = (u64, Vec<Cell>, Vec<Vec<Cell>>);

/// A row of the expected view: the source row's index and the instance (its index
/// among the instance column's values, and that value).
#[derive(Debug, Clone)]
pub struct ViewRow {
    pub row: usize,
    pub inst: u32,
    pub value: Option<OwnedValue>,
}

fn text(v: &OwnedValue) -> Option<String> {
    match v {
        OwnedValue::Unicode(w) => Some(String::from_utf16_lossy(w)),
        OwnedValue::String8(b) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    }
}

fn lower(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

fn texts(v: &OwnedValue) -> Option<Vec<String>> {
    match v {
        OwnedValue::MvUnicode(x) => Some(
            x.iter()
                .map(|w| lower(&String::from_utf16_lossy(w)))
                .collect(),
        ),
        OwnedValue::MvString8(x) => Some(
            x.iter()
                .map(|b| lower(&String::from_utf8_lossy(b)))
                .collect(),
        ),
        _ => None,
    }
}

/// How two values compare (None: their types do not).
pub fn cmp(a: &OwnedValue, b: &OwnedValue) -> Option<Ordering> {
    use OwnedValue as V;
    if let (Some(x), Some(y)) = (text(a), text(b)) {
        return Some(lower(&x).cmp(&lower(&y)));
    }
    if let (Some(x), Some(y)) = (texts(a), texts(b)) {
        return Some(x.cmp(&y));
    }
    Some(match (a, b) {
        (V::Long(x), V::Long(y)) => x.cmp(y),
        (V::I8(x), V::I8(y)) => x.cmp(y),
        (V::Boolean(x), V::Boolean(y)) => x.cmp(y),
        (V::SysTime(x), V::SysTime(y)) => x.cmp(y),
        (V::Binary(x), V::Binary(y)) => x.cmp(y),
        (V::MvLong(x), V::MvLong(y)) => x.cmp(y),
        (V::MvBinary(x), V::MvBinary(y)) => x.cmp(y),
        _ => return None,
    })
}

fn rank(v: &OwnedValue) -> ULONG {
    match v {
        OwnedValue::String8(_) => sys::PT_UNICODE,
        OwnedValue::MvString8(_) => sys::PT_MV_UNICODE,
        other => other.prop_type(),
    }
}

fn sort_cmp(a: Option<&OwnedValue>, b: Option<&OwnedValue>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => cmp(x, y).unwrap_or_else(|| rank(x).cmp(&rank(y))),
    }
}

/// The values of a multi-valued value, each as a single value.
pub fn elements(v: &OwnedValue) -> Option<Vec<OwnedValue>> {
    Some(match v {
        OwnedValue::MvLong(x) => x.iter().map(|&n| OwnedValue::Long(n)).collect(),
        OwnedValue::MvUnicode(x) => x.iter().map(|w| OwnedValue::Unicode(w.clone())).collect(),
        OwnedValue::MvString8(x) => x.iter().map(|b| OwnedValue::String8(b.clone())).collect(),
        OwnedValue::MvBinary(x) => x.iter().map(|b| OwnedValue::Binary(b.clone())).collect(),
        _ => return None,
    })
}

/// The cell with `tag`'s identifier.
pub fn get(cells: &[Cell], tag: ULONG) -> Option<&OwnedValue> {
    cells
        .iter()
        .find(|(t, _)| prop_id(*t) == prop_id(tag))
        .map(|(_, v)| v)
}

fn holds(relop: ULONG, o: Ordering) -> bool {
    match relop {
        sys::RELOP_LT => o == Ordering::Less,
        sys::RELOP_LE => o != Ordering::Greater,
        sys::RELOP_GT => o == Ordering::Greater,
        sys::RELOP_GE => o != Ordering::Less,
        sys::RELOP_EQ => o == Ordering::Equal,
        sys::RELOP_NE => o != Ordering::Equal,
        _ => panic!("relop {relop}"),
    }
}

fn size(v: &OwnedValue) -> u64 {
    match v {
        OwnedValue::Long(_) => 4,
        OwnedValue::Boolean(_) => 2,
        OwnedValue::I8(_) | OwnedValue::SysTime(_) => 8,
        OwnedValue::Binary(b) => b.len() as u64,
        OwnedValue::String8(b) => b.len() as u64 + 1,
        OwnedValue::Unicode(w) => 2 * (w.len() as u64 + 1),
        OwnedValue::MvLong(x) => 4 * x.len() as u64,
        OwnedValue::MvString8(x) => x.iter().map(|b| b.len() as u64 + 1).sum(),
        OwnedValue::MvUnicode(x) => x.iter().map(|w| 2 * (w.len() as u64 + 1)).sum(),
        other => panic!("no size for {other:?}"),
    }
}

fn fold(s: &str, fuzzy: ULONG) -> String {
    let loose = fuzzy & sys::FL_LOOSE != 0;
    let mut s: String = if loose || fuzzy & sys::FL_IGNORENONSPACE != 0 {
        s.replace('é', "e").replace('É', "E")
    } else {
        s.to_string()
    };
    if loose || fuzzy & sys::FL_IGNORECASE != 0 {
        s = lower(&s);
    }
    s
}

fn content(v: &OwnedValue, pattern: &OwnedValue, fuzzy: ULONG) -> bool {
    let level = fuzzy & 0xFFFF;
    let found = |h: &[u8], n: &[u8]| match level {
        0 => h == n,
        2 => h.starts_with(n),
        _ => n.is_empty() || h.windows(n.len()).any(|w| w == n),
    };
    if let (OwnedValue::Binary(h), OwnedValue::Binary(n)) = (v, pattern) {
        return found(h, n);
    }
    match (text(v), text(pattern)) {
        (Some(h), Some(n)) => found(fold(&h, fuzzy).as_bytes(), fold(&n, fuzzy).as_bytes()),
        _ => false,
    }
}

/// A row as a restriction sees it: its cells, its recipients (`None` for a sub-row,
/// which has none), and in an instance view the instance.
pub struct Seen<'a> {
    pub cells: &'a [Cell],
    pub recipients: Option<&'a [Vec<Cell>]>,
    /// The instance column's identifier and this row's value of it.
    pub instance: Option<(ULONG, Option<&'a OwnedValue>)>,
}

impl Seen<'_> {
    fn get(&self, tag: ULONG) -> Option<&OwnedValue> {
        if let Some((id, v)) = self.instance {
            if id == prop_id(tag) && prop_type(tag) & sys::MVI_FLAG == sys::MVI_FLAG {
                return v;
            }
        }
        get(self.cells, tag)
    }
}

/// The `RES_COUNT` counters of a pass, by node.
pub type Counts = HashMap<*const Restriction, u32>;

/// Whether `row` matches `r`.
pub fn matches(r: &Restriction, row: &Seen<'_>, counts: &mut Counts) -> bool {
    match r.kind() {
        RestrictionKind::And(rs) => rs.iter().all(|r| matches(r, row, counts)),
        RestrictionKind::Or(rs) => rs.iter().any(|r| matches(r, row, counts)),
        RestrictionKind::Not(r) => !matches(r, row, counts),
        RestrictionKind::Comment { restriction, .. } => matches(restriction, row, counts),
        RestrictionKind::Count { count, restriction } => {
            let inner = matches(restriction, row, counts);
            let n = counts.entry(r as *const Restriction).or_insert(0);
            if inner && *n < *count {
                *n += 1;
                true
            } else {
                false
            }
        }
        RestrictionKind::SubRestriction {
            object,
            restriction,
        } => {
            assert_eq!(*object, sys::PR_MESSAGE_RECIPIENTS);
            let subs = row
                .recipients
                .expect("no sub-restriction in a sub-restriction");
            subs.iter().any(|cells| {
                let sub = Seen {
                    cells,
                    recipients: None,
                    instance: None,
                };
                matches(restriction, &sub, counts)
            })
        }
        RestrictionKind::Property { relop, tag, value } => one_of(row.get(*tag), *tag, |v| {
            cmp(v, value).is_some_and(|o| holds(*relop, o))
        }),
        RestrictionKind::Content {
            fuzzy_level,
            tag,
            value,
        } => one_of(row.get(*tag), *tag, |v| content(v, value, *fuzzy_level)),
        RestrictionKind::CompareProps { relop, tag1, tag2 } => {
            match (row.get(*tag1), row.get(*tag2)) {
                (Some(a), Some(b)) => cmp(a, b).is_some_and(|o| holds(*relop, o)),
                _ => false,
            }
        }
        RestrictionKind::Bitmask {
            relation,
            tag,
            mask,
        } => match row.get(*tag) {
            Some(OwnedValue::Long(n)) => ((*n as u32 & mask) == 0) == (*relation == sys::BMR_EQZ),
            _ => false,
        },
        RestrictionKind::Size {
            relop,
            tag,
            size: cb,
        } => row
            .get(*tag)
            .is_some_and(|v| holds(*relop, size(v).cmp(&u64::from(*cb)))),
        RestrictionKind::Exist { tag } => row.get(*tag).is_some(),
    }
}

/// An `MVI_FLAG` tag on a multi-valued value: one of its values; else the value, whole.
fn one_of(v: Option<&OwnedValue>, tag: ULONG, test: impl Fn(&OwnedValue) -> bool) -> bool {
    let Some(v) = v else {
        return false;
    };
    if prop_type(tag) & sys::MVI_FLAG == sys::MVI_FLAG {
        if let Some(es) = elements(v) {
            return es.iter().any(test);
        }
    }
    test(v)
}

/// The view: the rows `restriction` matches (in the source's order, one counting pass),
/// one per instance, stably sorted.
pub fn view(
    rows: &[SourceRow],
    restriction: Option<&Restriction>,
    sort: &SortOrder,
) -> Vec<ViewRow> {
    let mut counts = Counts::new();
    let instance = sort
        .keys
        .iter()
        .position(|k| prop_type(k.tag) & sys::MVI_FLAG == sys::MVI_FLAG);
    let mut out = Vec::new();
    for (i, (_, cells, recipients)) in rows.iter().enumerate() {
        let seen = Seen {
            cells,
            recipients: Some(recipients),
            instance: None,
        };
        if let Some(r) = restriction {
            if !matches(r, &seen, &mut counts) {
                continue;
            }
        }
        let values = instance
            .and_then(|k| get(cells, sort.keys[k].tag))
            .and_then(elements)
            .unwrap_or_default();
        if values.is_empty() {
            out.push(ViewRow {
                row: i,
                inst: 0,
                value: None,
            });
        }
        for (n, v) in values.into_iter().enumerate() {
            out.push(ViewRow {
                row: i,
                inst: n as u32,
                value: Some(v),
            });
        }
    }
    // `sort_by` is stable: ties keep the source's order (and the instances theirs).
    out.sort_by(|a, b| {
        order(
            sort,
            &sort_values(sort, &rows[a.row].1, a),
            &sort_values(sort, &rows[b.row].1, b),
        )
    });
    out
}

/// A view row's value of each sort key (the instance's value for the instance key).
pub fn sort_values(sort: &SortOrder, cells: &[Cell], v: &ViewRow) -> Vec<Option<OwnedValue>> {
    sort.keys
        .iter()
        .map(|k| {
            if prop_type(k.tag) & sys::MVI_FLAG == sys::MVI_FLAG {
                v.value.clone()
            } else {
                get(cells, k.tag).cloned()
            }
        })
        .collect()
}

/// How two rows with these sort values compare (ties: `Equal`).
pub fn order(sort: &SortOrder, a: &[Option<OwnedValue>], b: &[Option<OwnedValue>]) -> Ordering {
    for (k, s) in sort.keys.iter().enumerate() {
        let o = sort_cmp(a[k].as_ref(), b[k].as_ref());
        let o = if s.order == sys::TABLE_SORT_DESCEND {
            o.reverse()
        } else {
            o
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// The first position from `start` (included; going backward, from the one before it)
/// whose row matches, with fresh counters.
pub fn find(
    rows: &[SourceRow],
    view: &[ViewRow],
    sort: &SortOrder,
    r: &Restriction,
    start: usize,
    backward: bool,
) -> Option<usize> {
    let instance_id = sort
        .keys
        .iter()
        .find(|k| prop_type(k.tag) & sys::MVI_FLAG == sys::MVI_FLAG)
        .map(|k| prop_id(k.tag));
    let positions: Vec<usize> = if backward {
        (0..start.min(view.len())).rev().collect()
    } else {
        (start..view.len()).collect()
    };
    let mut counts = Counts::new();
    positions.into_iter().find(|&p| {
        let v = &view[p];
        let seen = Seen {
            cells: &rows[v.row].1,
            recipients: Some(&rows[v.row].2),
            instance: instance_id.map(|id| (id, v.value.as_ref())),
        };
        matches(r, &seen, &mut counts)
    })
}
