//! Random rows, restrictions and sort orders for the model test.

use mapi_sync_runtime::props::{prop_tag, OwnedValue, PropValue};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_store::table::{Cell, Restriction, SortKey, SortOrder, RES_COUNT};

use super::rng::Rng;

/// The column holding each row's key (always there), to tell rows apart.
pub const KEY_ID: ULONG = 0x6700;

/// The property identifiers rows draw from, each with the type most rows give it.
pub const POOL: [(ULONG, ULONG); 6] = [
    (0x6701, sys::PT_UNICODE),
    (0x6702, sys::PT_LONG),
    (0x6703, sys::PT_STRING8),
    (0x6704, sys::PT_BINARY),
    (0x6705, sys::PT_MV_LONG),
    (0x6706, sys::PT_MV_UNICODE),
];

/// Every type the generator makes values of.
pub const TYPES: [ULONG; 10] = [
    sys::PT_LONG,
    sys::PT_I8,
    sys::PT_BOOLEAN,
    sys::PT_SYSTIME,
    sys::PT_UNICODE,
    sys::PT_STRING8,
    sys::PT_BINARY,
    sys::PT_MV_LONG,
    sys::PT_MV_UNICODE,
    sys::PT_MV_STRING8,
];

const WORDS: [&str; 11] = ["", "a", "A", "ab", "Ab", "b", "é", "É", "ba", "abc", "éa"];
const ASCII: [&str; 7] = ["", "a", "A", "ab", "B", "b", "abc"];
const BYTES: [&[u8]; 6] = [&[], &[0], &[1], &[0, 1], &[1, 0], &[1, 1, 1]];

/// A value of type `ty`, from small ranges so that rows tie often.
pub fn value(rng: &mut Rng, ty: ULONG) -> OwnedValue {
    let small = |rng: &mut Rng| rng.below(7) as i32 - 3;
    match ty {
        sys::PT_LONG => OwnedValue::Long(small(rng)),
        sys::PT_I8 => OwnedValue::I8(i64::from(small(rng)) << 33),
        sys::PT_BOOLEAN => OwnedValue::Boolean(rng.chance(50)),
        sys::PT_SYSTIME => OwnedValue::SysTime(rng.below(4) as u64),
        sys::PT_UNICODE => PropValue::Str(WORDS[rng.below(WORDS.len())]).into(),
        sys::PT_STRING8 => OwnedValue::String8(rng.pick(&ASCII).as_bytes().to_vec()),
        sys::PT_BINARY => OwnedValue::Binary(rng.pick(&BYTES).to_vec()),
        sys::PT_MV_LONG => OwnedValue::MvLong((0..rng.below(4)).map(|_| small(rng)).collect()),
        sys::PT_MV_UNICODE => OwnedValue::MvUnicode(
            (0..rng.below(4))
                .map(|_| rng.pick(&WORDS).encode_utf16().collect())
                .collect(),
        ),
        sys::PT_MV_STRING8 => OwnedValue::MvString8(
            (0..rng.below(4))
                .map(|_| rng.pick(&ASCII).as_bytes().to_vec())
                .collect(),
        ),
        other => unreachable!("type {other:#X}"),
    }
}

/// A row: its key, and each pool property 3 times in 4 (in its usual type 6 times in
/// 7), in a random order.
pub fn row(rng: &mut Rng, key: u64) -> Vec<Cell> {
    let mut cells = vec![(prop_tag(sys::PT_LONG, KEY_ID), OwnedValue::Long(key as i32))];
    for &(id, ty) in &POOL {
        if rng.chance(25) {
            continue;
        }
        let ty = if rng.chance(15) {
            *rng.pick(&TYPES)
        } else {
            ty
        };
        cells.push((prop_tag(ty, id), value(rng, ty)));
    }
    let n = cells.len();
    for i in (2..n).rev() {
        let j = 1 + rng.below(i);
        cells.swap(i, j);
    }
    cells
}

/// A tag on a pool property: its usual type mostly, another one sometimes.
fn tag(rng: &mut Rng) -> ULONG {
    let &(id, ty) = rng.pick(&POOL);
    let ty = if rng.chance(20) {
        *rng.pick(&TYPES)
    } else {
        ty
    };
    prop_tag(ty, id)
}

fn relop(rng: &mut Rng) -> ULONG {
    *rng.pick(&[
        sys::RELOP_LT,
        sys::RELOP_LE,
        sys::RELOP_GT,
        sys::RELOP_GE,
        sys::RELOP_EQ,
        sys::RELOP_NE,
    ])
}

/// A leaf restriction.
fn leaf(rng: &mut Rng) -> Restriction {
    match rng.below(6) {
        0 => {
            let mut t = tag(rng);
            let ty = mapi_sync_runtime::props::prop_type(t);
            // On a multi-valued tag, mostly with MVI_FLAG and a single value (one of the
            // values matches), else the whole tuple.
            let vty = if ty & sys::MV_FLAG != 0 && rng.chance(70) {
                t |= sys::MV_INSTANCE;
                ty & !sys::MV_FLAG
            } else {
                ty
            };
            Restriction::property(relop(rng), t, value(rng, vty))
        }
        1 => {
            let (t, v) = match rng.below(4) {
                0 => (prop_tag(sys::PT_BINARY, 0x6704), value(rng, sys::PT_BINARY)),
                1 => (
                    prop_tag(sys::PT_MV_UNICODE | sys::MVI_FLAG, 0x6706),
                    value(rng, sys::PT_UNICODE),
                ),
                2 => (
                    prop_tag(sys::PT_STRING8, 0x6703),
                    value(rng, sys::PT_STRING8),
                ),
                _ => (
                    prop_tag(sys::PT_UNICODE, 0x6701),
                    value(rng, sys::PT_UNICODE),
                ),
            };
            let level = rng.below(3) as ULONG;
            let flags = *rng.pick(&[
                0,
                sys::FL_IGNORECASE,
                sys::FL_IGNORENONSPACE,
                sys::FL_LOOSE,
                sys::FL_IGNORECASE | sys::FL_IGNORENONSPACE,
            ]);
            Restriction::content(level | flags, t, v)
        }
        2 => Restriction::compare_props(relop(rng), tag(rng), tag(rng)),
        3 => Restriction::bitmask(
            if rng.chance(50) {
                sys::BMR_EQZ
            } else {
                sys::BMR_NEZ
            },
            tag(rng),
            rng.below(8) as ULONG,
        ),
        4 => Restriction::size(relop(rng), tag(rng), rng.below(12) as ULONG),
        _ => Restriction::exist(tag(rng)),
    }
}

/// A row's recipients: up to three sub-rows of the same random properties.
pub fn recipients(rng: &mut Rng) -> Vec<Vec<Cell>> {
    (0..rng.below(4))
        .map(|i| row(rng, 1000 + i as u64))
        .collect()
}

/// A restriction up to `depth` deep, of every kind; `with_count` allows `RES_COUNT`.
pub fn restriction(rng: &mut Rng, depth: u32, with_count: bool) -> Restriction {
    restriction_in(rng, depth, with_count, true)
}

/// `with_sub` allows sub-restrictions (not inside one).
fn restriction_in(rng: &mut Rng, depth: u32, with_count: bool, with_sub: bool) -> Restriction {
    if depth <= 1 || rng.chance(35) {
        return leaf(rng);
    }
    let child = |rng: &mut Rng| restriction_in(rng, depth - 1, with_count, with_sub);
    if with_sub && rng.chance(12) {
        let inner = restriction_in(rng, depth - 1, with_count, false);
        return Restriction::sub(sys::PR_MESSAGE_RECIPIENTS, inner).unwrap();
    }
    match rng.below(if with_count { 6 } else { 5 }) {
        0 | 1 => {
            let n = rng.below(4);
            let children = (0..n).map(|_| child(rng)).collect();
            if rng.chance(50) {
                Restriction::and(children).unwrap()
            } else {
                Restriction::or(children).unwrap()
            }
        }
        2 | 3 => Restriction::not(child(rng)).unwrap(),
        4 => {
            let props = vec![(sys::PR_DISPLAY_NAME_W, PropValue::Str("note").into())];
            Restriction::comment(props, child(rng)).unwrap()
        }
        _ => {
            let _ = RES_COUNT;
            Restriction::count(rng.below(4) as ULONG, child(rng)).unwrap()
        }
    }
}

/// A sort order: up to three keys, one of them sometimes the multi-valued instance
/// column (`MVI_FLAG`).
pub fn sort(rng: &mut Rng) -> SortOrder {
    let n = rng.below(4);
    let mut keys = Vec::new();
    let mut instance = false;
    for _ in 0..n {
        let mut t = tag(rng);
        if !instance && rng.chance(25) {
            let id = *rng.pick(&[0x6705, 0x6706]);
            let ty = if id == 0x6705 {
                sys::PT_MV_LONG
            } else {
                sys::PT_MV_UNICODE
            };
            t = prop_tag(ty | sys::MVI_FLAG, id);
            instance = true;
        }
        keys.push(if rng.chance(50) {
            SortKey::ascending(t)
        } else {
            SortKey::descending(t)
        });
    }
    SortOrder::by(keys)
}
