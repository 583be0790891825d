//! `SPropValue` arrays as a host hands them in (`SetProps`, a table row), made from
//! arbitrary bytes, and what reading them must give. Shared by `tests/props.rs` (a
//! seeded sweep, also under Miri) and the libFuzzer target `fuzz/fuzz_targets/props.rs`.
//!
//! Every non-null pointer the bytes ask for points at memory this module owns, strings
//! NUL-terminated, since that is the part of a host's contract no reader can check; the
//! bytes choose everything else: the tags (any type, known or not), the values, the
//! lengths, and which strings, arrays, GUIDs and the array itself are null. [`check`]
//! then holds the crate's readers to a model of what MAPI documents:
//! - `Props::from_raw` and `Props::read_into` both refuse the first bad value (a type the
//!   crate does not read: `MAPI_E_BAD_VALUE`; a null string, GUID, or array with items:
//!   `MAPI_E_CORRUPT_DATA`), naming its index, and `read_into` keeps the values before it;
//! - otherwise both give every value as the bytes made it;
//! - what was read writes into a MAPI buffer (`PropArray::write`) and reads back the
//!   same, and `PropArray::answer` answers requested tags as `GetProps` documents;
//! - one input in four is an `SRowSet` of such arrays instead (what `QueryRows` hands
//!   back): `Rows::from_raw` refuses a null set (`MAPI_E_INVALID_PARAMETER`), a row that
//!   claims values without an array (`MAPI_E_CORRUPT_DATA`) and a row with a bad value,
//!   naming the row, else gives every row; `RowSet::write` writes them back the same.

use mapi_sync::mem::Allocators;
use mapi_sync::props::{
    change_prop_type, prop_id, prop_tag, prop_type, Prop, PropArray, PropValue, Props, RowSet, Rows,
};
use mapi_sync::sys::{self, SPropValue, GUID, HRESULT, ULONG};

/// Reads the bytes front to back; past the end, every read is zero.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// One time in eight: whether a pointer the value needs is null.
    fn null(&mut self) -> bool {
        self.u8() % 8 == 0
    }

    /// 0 to 16 items.
    fn len(&mut self) -> usize {
        usize::from(self.u8() % 17)
    }
}

/// The types the crate reads, as the model sees them: every type of mapidefs.h.
const KNOWN: [ULONG; 28] = [
    sys::PT_NULL,
    sys::PT_LONG,
    sys::PT_BOOLEAN,
    sys::PT_I8,
    sys::PT_SYSTIME,
    sys::PT_ERROR,
    sys::PT_UNICODE,
    sys::PT_STRING8,
    sys::PT_BINARY,
    sys::PT_CLSID,
    sys::PT_MV_LONG,
    sys::PT_MV_UNICODE,
    sys::PT_MV_STRING8,
    sys::PT_MV_BINARY,
    sys::PT_I2,
    sys::PT_R4,
    sys::PT_DOUBLE,
    sys::PT_CURRENCY,
    sys::PT_APPTIME,
    sys::PT_OBJECT,
    sys::PT_MV_I2,
    sys::PT_MV_R4,
    sys::PT_MV_DOUBLE,
    sys::PT_MV_CURRENCY,
    sys::PT_MV_APPTIME,
    sys::PT_MV_SYSTIME,
    sys::PT_MV_CLSID,
    sys::PT_MV_I8,
];

/// The fixed-size types the model makes the same way: a scalar's size in bytes, or a
/// multi-valued type's item size (its items in one array).
fn fixed_size(ty: ULONG) -> Option<usize> {
    match ty {
        sys::PT_I2 | sys::PT_MV_I2 => Some(2),
        sys::PT_R4 | sys::PT_MV_R4 => Some(4),
        sys::PT_DOUBLE
        | sys::PT_CURRENCY
        | sys::PT_APPTIME
        | sys::PT_MV_DOUBLE
        | sys::PT_MV_CURRENCY
        | sys::PT_MV_APPTIME
        | sys::PT_MV_SYSTIME
        | sys::PT_MV_I8 => Some(8),
        sys::PT_MV_CLSID => Some(16),
        _ => None,
    }
}

/// A value as the bytes made it, owned: what reading it must give.
#[derive(Debug, Clone, PartialEq)]
enum Model {
    Null,
    Long(i32),
    Boolean(bool),
    I8(i64),
    SysTime(u64),
    Error(HRESULT),
    Unicode(Vec<u16>),
    String8(Vec<u8>),
    Binary(Vec<u8>),
    Clsid(GUID),
    MvLong(Vec<i32>),
    MvUnicode(Vec<Vec<u16>>),
    MvString8(Vec<Vec<u8>>),
    MvBinary(Vec<Vec<u8>>),
    /// `PT_OBJECT`.
    Object,
    /// A fixed-size scalar of [`fixed_size`]: its type and its bytes in memory, as one
    /// little-endian number.
    Scalar(ULONG, u128),
    /// A fixed-size multi-valued type of [`fixed_size`]: its type and each item's bytes in
    /// memory.
    Fixed(ULONG, Vec<u128>),
    /// A value the readers must refuse with this code.
    Refused(HRESULT),
}

/// What the raw values point at, kept alive (and never moved: only the outer vectors
/// grow) while they are read.
#[derive(Default)]
struct Keep {
    wide: Vec<Vec<u16>>,
    narrow: Vec<Vec<u8>>,
    longs: Vec<Vec<i32>>,
    // Boxed: a GUID's address must not move when more are pushed.
    #[allow(clippy::vec_box)]
    guids: Vec<Box<GUID>>,
    wide_lists: Vec<Vec<*mut u16>>,
    narrow_lists: Vec<Vec<*mut u8>>,
    binaries: Vec<Vec<sys::SBinary>>,
    /// The items of fixed-size lists, in 8-byte words (aligned for every item type).
    words: Vec<Vec<u64>>,
}

/// Moves `items` into `store`, where they stay put while the outer vector grows, and
/// gives their address.
fn stash<T>(store: &mut Vec<Vec<T>>, items: Vec<T>) -> *mut T {
    store.push(items);
    store.last_mut().expect("pushed").as_mut_ptr()
}

/// A UTF-16 unit for a string (NULs among them, and beyond ASCII).
fn wide_unit(b: &mut Bytes<'_>) -> u16 {
    b.u16() % 0x0200
}

/// An 8-bit unit for a string (NULs among them).
fn narrow_unit(b: &mut Bytes<'_>) -> u8 {
    b.u8() % 0x80
}

/// A NUL-terminated string of `len` units read by `unit` (NULs inside allowed: the
/// string ends at the first), kept in `store`; the model is the units before the first
/// NUL.
fn string<T: Copy + Default + PartialEq>(
    b: &mut Bytes<'_>,
    store: &mut Vec<Vec<T>>,
    len: usize,
    unit: fn(&mut Bytes<'_>) -> T,
) -> (*mut T, Vec<T>) {
    let mut s: Vec<T> = (0..len).map(|_| unit(b)).collect();
    let model = s
        .iter()
        .copied()
        .take_while(|&c| c != T::default())
        .collect();
    s.push(T::default());
    (stash(store, s), model)
}

/// The strings of a `PT_MV_UNICODE` or `PT_MV_STRING8` value.
struct StringList<T> {
    count: ULONG,
    /// The array of string pointers, null when the bytes said so.
    array: *mut *mut T,
    models: Vec<Vec<T>>,
    /// A null array with strings, or a null string: what the readers refuse.
    bad: bool,
}

/// Whether the array is null, how many strings, then each string (null one time in
/// eight), as [`string`] reads it; kept in `store` and `lists`.
fn strings<T: Copy + Default + PartialEq>(
    b: &mut Bytes<'_>,
    store: &mut Vec<Vec<T>>,
    lists: &mut Vec<Vec<*mut T>>,
    unit: fn(&mut Bytes<'_>) -> T,
) -> StringList<T> {
    let (null, len) = (b.null(), b.len());
    let mut bad = null && len > 0;
    let mut pointers = Vec::new();
    let mut models = Vec::new();
    for _ in 0..len {
        let (item_null, item_len) = (b.null(), b.len());
        bad |= item_null;
        let (p, m) = if item_null {
            (std::ptr::null_mut(), Vec::new())
        } else {
            string(b, store, item_len, unit)
        };
        pointers.push(p);
        models.push(m);
    }
    let list = stash(lists, pointers);
    StringList {
        count: len as ULONG,
        array: if null { std::ptr::null_mut() } else { list },
        models,
        bad,
    }
}

/// `len` bytes; a null pointer (with the bytes' `cb`) when `null`.
fn binary(b: &mut Bytes<'_>, keep: &mut Keep, len: usize, null: bool) -> (sys::SBinary, Vec<u8>) {
    let data: Vec<u8> = (0..len).map(|_| b.u8()).collect();
    if null {
        let bin = sys::SBinary {
            cb: len as ULONG,
            lpb: std::ptr::null_mut(),
        };
        return (bin, Vec::new());
    }
    let bin = sys::SBinary {
        cb: len as ULONG,
        lpb: stash(&mut keep.narrow, data.clone()),
    };
    (bin, data)
}

/// One value from the bytes: the raw value and what reading it must give.
fn value(b: &mut Bytes<'_>, keep: &mut Keep) -> (SPropValue, Model) {
    let kind = b.u8();
    let ty = if usize::from(kind) % 32 < KNOWN.len() {
        KNOWN[usize::from(kind) % 32]
    } else {
        // Any type at all, a known one as likely as garbage.
        ULONG::from(b.u16())
    };
    let tag = prop_tag(ty, ULONG::from(b.u16()));
    // SAFETY: every member of `_PV` is an integer, float or raw pointer (or a struct of
    // them), for which all zeroes is a valid value.
    let mut v: sys::_PV = unsafe { std::mem::zeroed() };
    let corrupt = Model::Refused(sys::MAPI_E_CORRUPT_DATA);
    let model = match ty {
        sys::PT_NULL => Model::Null,
        sys::PT_LONG => {
            let l = b.u32() as i32;
            v.l = l;
            Model::Long(l)
        }
        sys::PT_BOOLEAN => {
            // Any 16-bit value: MAPI's TRUE is 1, but every non-zero value is true.
            let x = if b.u8() % 2 == 0 { b.u16() } else { 1 };
            v.b = x;
            Model::Boolean(x != 0)
        }
        sys::PT_I8 => {
            let i = b.u64() as i64;
            v.li = sys::LARGE_INTEGER { QuadPart: i };
            Model::I8(i)
        }
        sys::PT_SYSTIME => {
            let t = b.u64();
            v.ft = sys::FILETIME {
                dwLowDateTime: t as u32,
                dwHighDateTime: (t >> 32) as u32,
            };
            Model::SysTime(t)
        }
        sys::PT_ERROR => {
            let e = b.u32() as HRESULT;
            v.err = e;
            Model::Error(e)
        }
        sys::PT_UNICODE => {
            let (null, len) = (b.null(), b.len());
            if null {
                v.lpszW = std::ptr::null_mut();
                corrupt
            } else {
                let (p, model) = string(b, &mut keep.wide, len, wide_unit);
                v.lpszW = p;
                Model::Unicode(model)
            }
        }
        sys::PT_STRING8 => {
            let (null, len) = (b.null(), b.len());
            if null {
                v.lpszA = std::ptr::null_mut();
                corrupt
            } else {
                let (p, model) = string(b, &mut keep.narrow, len, narrow_unit);
                v.lpszA = p.cast();
                Model::String8(model)
            }
        }
        sys::PT_BINARY => {
            let (null, len) = (b.null(), b.len());
            let (bin, model) = binary(b, keep, len, null);
            v.bin = bin;
            if null && len > 0 {
                corrupt
            } else {
                Model::Binary(model)
            }
        }
        sys::PT_CLSID => {
            if b.null() {
                v.lpguid = std::ptr::null_mut();
                corrupt
            } else {
                let g = GUID {
                    Data1: b.u32(),
                    Data2: b.u16(),
                    Data3: b.u16(),
                    Data4: std::array::from_fn(|_| b.u8()),
                };
                keep.guids.push(Box::new(g));
                v.lpguid = &mut **keep.guids.last_mut().expect("pushed");
                Model::Clsid(g)
            }
        }
        sys::PT_MV_LONG => {
            let (null, len) = (b.null(), b.len());
            let items: Vec<i32> = (0..len).map(|_| b.u32() as i32).collect();
            let lpl = if null {
                std::ptr::null_mut()
            } else {
                stash(&mut keep.longs, items.clone())
            };
            v.MVl = sys::SLongArray {
                cValues: len as ULONG,
                lpl,
            };
            // A null array of no items reads as no items (and `items` is empty).
            if null && len > 0 {
                corrupt
            } else {
                Model::MvLong(items)
            }
        }
        sys::PT_MV_UNICODE => {
            let list = strings(b, &mut keep.wide, &mut keep.wide_lists, wide_unit);
            v.MVszW = sys::SWStringArray {
                cValues: list.count,
                lppszW: list.array,
            };
            if list.bad {
                corrupt
            } else {
                Model::MvUnicode(list.models)
            }
        }
        sys::PT_MV_STRING8 => {
            let list = strings(b, &mut keep.narrow, &mut keep.narrow_lists, narrow_unit);
            v.MVszA = sys::SLPSTRArray {
                cValues: list.count,
                lppszA: list.array.cast(),
            };
            if list.bad {
                corrupt
            } else {
                Model::MvString8(list.models)
            }
        }
        sys::PT_MV_BINARY => {
            let (null, len) = (b.null(), b.len());
            let mut bad = null && len > 0;
            let mut bins = Vec::new();
            let mut models = Vec::new();
            for _ in 0..len {
                let (item_null, item_len) = (b.null(), b.len());
                let (bin, m) = binary(b, keep, item_len, item_null);
                bad |= item_null && item_len > 0;
                bins.push(bin);
                models.push(m);
            }
            let list = stash(&mut keep.binaries, bins);
            v.MVbin = sys::SBinaryArray {
                cValues: len as ULONG,
                lpbin: if null { std::ptr::null_mut() } else { list },
            };
            if bad {
                corrupt
            } else {
                Model::MvBinary(models)
            }
        }
        sys::PT_OBJECT => Model::Object,
        ty if fixed_size(ty).is_some() => fixed(b, keep, ty, &mut v),
        // Some other type: its union member is never read. Give it bits anyway.
        _ => {
            v.l = b.u32() as i32;
            Model::Refused(sys::MAPI_E_BAD_VALUE)
        }
    };
    let raw = SPropValue {
        ulPropTag: tag,
        dwAlignPad: 0,
        Value: v,
    };
    (raw, model)
}

/// `size` bytes from the bytes, as one little-endian number.
fn bits(b: &mut Bytes<'_>, size: usize) -> u128 {
    let wide = u128::from(b.u64()) | (u128::from(b.u64()) << 64);
    if size == 16 {
        wide
    } else {
        wide & ((1u128 << (size * 8)) - 1)
    }
}

/// A value of a fixed-size type of [`fixed_size`], written into `v`'s member for `ty`.
fn fixed(b: &mut Bytes<'_>, keep: &mut Keep, ty: ULONG, v: &mut sys::_PV) -> Model {
    let size = fixed_size(ty).expect("a fixed-size type");
    if ty & sys::MV_FLAG == 0 {
        let x = bits(b, size);
        // Every scalar member starts at the union's start: write its bytes there.
        let bytes = x.to_le_bytes();
        // SAFETY: `size` bytes fit in the union (it holds 16-byte members), and
        // any bit pattern is a valid i16, f32, f64 or CURRENCY.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), (v as *mut sys::_PV).cast::<u8>(), size)
        };
        return Model::Scalar(ty, x);
    }
    let (null, len) = (b.null(), b.len());
    let items: Vec<u128> = (0..len).map(|_| bits(b, size)).collect();
    let mut words = vec![0u64; (len * size).div_ceil(8).max(1)];
    for (i, item) in items.iter().enumerate() {
        let bytes = item.to_le_bytes();
        // SAFETY: item `i` is within the words (counted above).
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                words.as_mut_ptr().cast::<u8>().add(i * size),
                size,
            )
        };
    }
    let p = if null {
        std::ptr::null_mut()
    } else {
        stash(&mut keep.words, words)
    };
    // Every multi-valued member is a count followed by a pointer (SShortArray and the
    // rest share the layout of SLongArray); the reader casts the pointer to its type.
    v.MVl = sys::SLongArray {
        cValues: len as ULONG,
        lpl: p.cast(),
    };
    if null && len > 0 {
        Model::Refused(sys::MAPI_E_CORRUPT_DATA)
    } else {
        Model::Fixed(ty, items)
    }
}

/// The bytes in memory of a fixed-size value's items (one for a scalar), as [`fixed`]
/// models them; `None` for the other types.
fn fixed_bits(value: &PropValue<'_>) -> Option<(ULONG, Vec<u128>)> {
    let guid = |g: &GUID| {
        let mut bytes = [0u8; 16];
        bytes[..4].copy_from_slice(&g.Data1.to_le_bytes());
        bytes[4..6].copy_from_slice(&g.Data2.to_le_bytes());
        bytes[6..8].copy_from_slice(&g.Data3.to_le_bytes());
        bytes[8..].copy_from_slice(&g.Data4);
        u128::from_le_bytes(bytes)
    };
    let ty = value.prop_type();
    let items: Vec<u128> = match *value {
        PropValue::I2(x) => vec![u128::from(x as u16)],
        PropValue::R4(x) => vec![u128::from(x.to_bits())],
        PropValue::Double(x) | PropValue::AppTime(x) => vec![u128::from(x.to_bits())],
        PropValue::Currency(x) => vec![u128::from(x as u64)],
        PropValue::MvI2(l) => l.iter().map(|&x| u128::from(x as u16)).collect(),
        PropValue::MvR4(l) => l.iter().map(|x| u128::from(x.to_bits())).collect(),
        PropValue::MvDouble(l) | PropValue::MvAppTime(l) => {
            l.iter().map(|x| u128::from(x.to_bits())).collect()
        }
        PropValue::MvCurrency(l) | PropValue::MvI8(l) => {
            l.iter().map(|&x| u128::from(x as u64)).collect()
        }
        PropValue::MvSysTime(t) => t.iter().map(u128::from).collect(),
        PropValue::MvClsid(l) => l.iter().map(guid).collect(),
        _ => return None,
    };
    Some((ty, items))
}

/// Whether `got` is the value `want` describes.
fn same(got: &PropValue<'_>, want: &Model) -> bool {
    match (want, fixed_bits(got)) {
        (Model::Scalar(ty, x), Some((got_ty, items))) => return *ty == got_ty && items == [*x],
        (Model::Fixed(ty, want), Some((got_ty, items))) => return *ty == got_ty && items == *want,
        _ => {}
    }
    match (got, want) {
        (PropValue::Object, Model::Object) => true,
        (PropValue::Null, Model::Null) => true,
        (PropValue::Long(a), Model::Long(b)) => a == b,
        (PropValue::Boolean(a), Model::Boolean(b)) => a == b,
        (PropValue::I8(a), Model::I8(b)) => a == b,
        (PropValue::SysTime(a), Model::SysTime(b)) => a == b,
        (PropValue::Error(a), Model::Error(b)) => a == b,
        (PropValue::Unicode(a), Model::Unicode(b)) => a == b,
        (PropValue::String8(a), Model::String8(b)) => a == b,
        (PropValue::Binary(a), Model::Binary(b)) => a == b,
        (PropValue::Clsid(a), Model::Clsid(b)) => a == b,
        (PropValue::MvLong(a), Model::MvLong(b)) => a == b,
        (PropValue::MvUnicode(a), Model::MvUnicode(b)) => a.iter().eq(b.iter().map(|s| &s[..])),
        (PropValue::MvString8(a), Model::MvString8(b)) => a.iter().eq(b.iter().map(|s| &s[..])),
        (PropValue::MvBinary(a), Model::MvBinary(b)) => {
            a.len() == b.len() && (0..a.len()).all(|i| a.get(i) == Some(&b[i][..]))
        }
        _ => false,
    }
}

/// Asserts that `err` is a refusal with `code` whose message starts with `prefix` (the
/// value or row it names).
fn refused(err: &mapi_sync::Error, code: HRESULT, prefix: &str, who: &str) {
    assert_eq!(err.code(), code, "{who}: the code ({prefix}): {err}");
    assert!(
        err.message().is_some_and(|m| m.starts_with(prefix)),
        "{who}: the error starts {prefix:?}: {err}"
    );
}

/// What [`check`] saw: how many values, and the code they were refused with, if any.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// Values in the array (in all rows, for a row set).
    pub values: usize,
    /// Whether the input was a row set.
    pub rows: bool,
    /// The code the readers refused the input with, if they did.
    pub refused: Option<HRESULT>,
}

/// Values from the bytes, at most `max`, until they run out: the raw values and their
/// models.
fn values(b: &mut Bytes<'_>, keep: &mut Keep, max: usize) -> (Vec<SPropValue>, Vec<Model>) {
    let mut raws = Vec::new();
    let mut models = Vec::new();
    while !b.is_empty() && raws.len() < max {
        let (raw, model) = value(b, keep);
        raws.push(raw);
        models.push(model);
    }
    (raws, models)
}

/// The first refused value of `models`: its index and code.
fn first_refused(models: &[Model]) -> Option<(usize, HRESULT)> {
    models.iter().enumerate().find_map(|(i, m)| match m {
        Model::Refused(code) => Some((i, *code)),
        _ => None,
    })
}

/// Builds the values `data` describes and holds the readers and writers to the model
/// (see the module). Panics, with what differed, on any difference.
pub fn check(data: &[u8]) -> Outcome {
    let mut b = Bytes(data);
    let head = b.u8();
    if head % 4 == 3 {
        return check_rows(head, &mut b);
    }
    let mut keep = Keep::default();
    let (raws, models) = values(&mut b, &mut keep, 64);
    // One input in sixteen hands in a null array that claims its values.
    let null_array = head % 16 == 0 && !raws.is_empty();
    let count = raws.len() as ULONG;
    let ptr = if null_array {
        std::ptr::null()
    } else {
        raws.as_ptr()
    };
    let first_bad = if null_array {
        Some((0, sys::MAPI_E_CORRUPT_DATA))
    } else {
        first_refused(&models)
    };

    // SAFETY: `ptr` is null or points at `count` values whose non-null pointers point
    // into `keep` (strings NUL-terminated), alive and unwritten until the end.
    let viewed = unsafe { Props::from_raw(ptr, count) };
    let mut read = Vec::new();
    // SAFETY: as above.
    let one_pass = unsafe { Props::read_into(ptr, count, &mut read) };
    match first_bad {
        Some((index, code)) => {
            let prefix = format!("property value {index}: ");
            refused(
                &viewed.expect_err("from_raw refuses"),
                code,
                &prefix,
                "from_raw",
            );
            let one_pass = one_pass.expect_err("read_into refuses");
            refused(&one_pass, code, &prefix, "read_into");
            assert_eq!(
                read.len(),
                index,
                "read_into keeps the values before the bad one"
            );
            for (i, (p, m)) in read.iter().zip(&models).enumerate() {
                assert!(
                    same(&p.value(), m),
                    "read_into value {i}: {p:?} is not {m:?}"
                );
            }
        }
        None => {
            let viewed = viewed.expect("from_raw reads every value");
            one_pass.expect("read_into reads every value");
            assert_values(&viewed, &raws, &models, "from_raw");
            assert!(viewed == read[..], "the two readers agree");
            let _ = format!("{viewed:?}");
            round_trip(&read, data);
        }
    }
    drop(keep);
    Outcome {
        values: models.len(),
        rows: false,
        refused: first_bad.map(|(_, code)| code),
    }
}

/// Asserts that `got` holds the values `raws` were made from.
fn assert_values(got: &Props<'_>, raws: &[SPropValue], models: &[Model], who: &str) {
    assert_eq!(got.len(), models.len(), "{who}: how many values");
    for (i, (p, m)) in got.iter().zip(models).enumerate() {
        assert_eq!(p.tag(), raws[i].ulPropTag, "{who}: value {i}'s tag");
        assert!(same(&p.value(), m), "{who}: value {i}: {p:?} is not {m:?}");
    }
}

/// The row-set half of [`check`]: up to eight rows of up to sixteen values each.
fn check_rows(head: u8, b: &mut Bytes<'_>) -> Outcome {
    let mut keep = Keep::default();
    let row_count = usize::from(b.u8() % 9);
    let mut rows = Vec::new();
    for _ in 0..row_count {
        let n = usize::from(b.u8() % 17);
        // One row in eight (with values) claims them without an array.
        let null = b.null();
        let (raws, models) = values(b, &mut keep, n);
        rows.push((null && !raws.is_empty(), raws, models));
    }
    // An SRowSet: the count, then the rows in place (8-byte aligned, as MAPI's buffers).
    let words = (std::mem::size_of::<sys::SRowSet>()
        + row_count * std::mem::size_of::<sys::SRow>())
    .div_ceil(8);
    let mut set = vec![0u64; words];
    let header = set.as_mut_ptr().cast::<sys::SRowSet>();
    // SAFETY: `set` has room for the count and `row_count` rows, aligned for them.
    unsafe {
        std::ptr::addr_of_mut!((*header).cRows).write(row_count as ULONG);
        let first = std::ptr::addr_of_mut!((*header).aRow).cast::<sys::SRow>();
        for (i, (no_array, raws, _)) in rows.iter_mut().enumerate() {
            first.add(i).write(sys::SRow {
                ulAdrEntryPad: 0,
                cValues: raws.len() as ULONG,
                lpProps: if *no_array {
                    std::ptr::null_mut()
                } else {
                    raws.as_mut_ptr()
                },
            });
        }
    }
    // One row set in eight is a null pointer.
    let null_set = head % 32 == 3;
    let first_bad = if null_set {
        Some((sys::MAPI_E_INVALID_PARAMETER, "a null SRowSet".to_owned()))
    } else {
        rows.iter()
            .enumerate()
            .find_map(|(i, (no_array, raws, models))| {
                if *no_array {
                    let what = format!("row {i} has {} values but no value array", raws.len());
                    Some((sys::MAPI_E_CORRUPT_DATA, what))
                } else {
                    first_refused(models)
                        .map(|(j, code)| (code, format!("row {i}: property value {j}: ")))
                }
            })
    };
    let ptr = if null_set {
        std::ptr::null()
    } else {
        header.cast_const()
    };
    // SAFETY: `ptr` is null or the set just made, its rows' values as in `check`.
    let read = unsafe { Rows::from_raw(ptr) };
    match &first_bad {
        Some((code, prefix)) => refused(&read.expect_err("refuses"), *code, prefix, "Rows"),
        None => {
            let read = read.expect("reads every row");
            assert_eq!(read.len(), rows.len(), "how many rows");
            for (i, (got, (_, raws, models))) in read.iter().zip(&rows).enumerate() {
                assert_values(&got, raws, models, &format!("row {i}"));
            }
            let _ = format!("{read:?}");
            let owned: Vec<Vec<Prop<'_>>> = read.iter().map(|r| r.iter().collect()).collect();
            let written = RowSet::write(Allocators::local(), &owned).expect("writes");
            // SAFETY: the set the crate just wrote, alive while `written` is.
            let reread = unsafe { Rows::from_raw(written.as_ptr()) }.expect("rereads");
            assert_eq!(reread.len(), owned.len(), "written rows");
            for (i, (got, want)) in reread.iter().zip(&owned).enumerate() {
                assert!(got == want[..], "written row {i} reads back the same");
            }
        }
    }
    drop(set);
    drop(keep);
    Outcome {
        values: rows.iter().map(|(_, r, _)| r.len()).sum(),
        rows: true,
        refused: first_bad.map(|(code, _)| code),
    }
}

/// Writes `props` into a MAPI buffer and reads it back; answers tags chosen from the
/// bytes as `GetProps` does.
fn round_trip(props: &[Prop<'_>], data: &[u8]) {
    let written = PropArray::write(Allocators::local(), props).expect("writes");
    assert!(
        written.props() == *props,
        "written values read back the same"
    );
    let raw = written.as_slice();
    // SAFETY: the array the crate just wrote, alive while `written` is.
    let reread = unsafe { Props::from_raw(raw.as_ptr(), raw.len() as ULONG) }.expect("rereads");
    assert!(reread == *props, "written values pass from_raw");

    // Tags to ask for: each present tag as it is, with its type made PT_UNSPECIFIED, with
    // its identifier changed, or (a string's) with the other string type; and whether the
    // caller passes MAPI_UNICODE; chosen by the input's first bytes.
    let mut choose = Bytes(data);
    let unicode = choose.u8() % 2 == 0;
    let flags = if unicode { sys::MAPI_UNICODE } else { 0 };
    let mut requested = Vec::new();
    for p in props {
        match choose.u8() % 5 {
            0 => requested.push(p.tag()),
            1 => requested.push(change_prop_type(p.tag(), sys::PT_UNSPECIFIED)),
            2 => requested.push(prop_tag(prop_type(p.tag()), ULONG::from(choose.u16()))),
            3 => requested.push(change_prop_type(p.tag(), other_string(prop_type(p.tag())))),
            _ => {}
        }
    }
    let answer =
        PropArray::answer(Allocators::local(), Some(&requested), props, flags).expect("answers");
    let answered = answer.props();
    assert_eq!(
        answered.len(),
        requested.len(),
        "one value per requested tag"
    );
    let mut errors = false;
    for (tag, got) in requested.iter().zip(answered.iter()) {
        let ty = prop_type(*tag);
        let found = if ty == sys::PT_UNSPECIFIED {
            props.iter().find(|p| prop_id(p.tag()) == prop_id(*tag))
        } else {
            props.iter().find(|p| p.tag() == *tag).or_else(|| {
                props
                    .iter()
                    .find(|p| p.tag() == change_prop_type(*tag, other_string(ty)))
            })
        };
        match found {
            Some(p) => {
                let want_ty = if ty == sys::PT_UNSPECIFIED {
                    string_type_for(prop_type(p.tag()), unicode)
                } else {
                    ty
                };
                assert_answered(p, want_ty, &got);
            }
            None => {
                // Not there, or there as an error in its place (a value too big): that
                // error, else MAPI_E_NOT_FOUND.
                let error_tag = change_prop_type(*tag, sys::PT_ERROR);
                let given = props.iter().find(|p| p.tag() == error_tag);
                let want = given.map_or(PropValue::Error(sys::MAPI_E_NOT_FOUND), |p| p.value());
                assert_eq!(got.tag(), error_tag);
                assert!(got.value() == want);
            }
        }
        errors |= prop_type(got.tag()) == sys::PT_ERROR;
    }
    let status = if errors {
        sys::MAPI_W_ERRORS_RETURNED
    } else {
        sys::S_OK
    };
    assert_eq!(answer.status(), status, "GetProps' status");
    let all = PropArray::answer(Allocators::local(), None, props, flags).expect("answers all");
    assert_eq!(
        all.props().len(),
        props.len(),
        "no tags asked: every property"
    );
    for (p, got) in props.iter().zip(all.props().iter()) {
        assert_answered(p, string_type_for(prop_type(p.tag()), unicode), &got);
    }
}

/// The other string type of a string type (PT_STRING8 and PT_UNICODE, and their
/// multi-valued forms); any other type as it is.
fn other_string(ty: ULONG) -> ULONG {
    match ty {
        sys::PT_STRING8 => sys::PT_UNICODE,
        sys::PT_UNICODE => sys::PT_STRING8,
        sys::PT_MV_STRING8 => sys::PT_MV_UNICODE,
        sys::PT_MV_UNICODE => sys::PT_MV_STRING8,
        _ => ty,
    }
}

/// The type a value of type `ty` is answered with when the caller names no type: strings
/// as MAPI_UNICODE asks.
fn string_type_for(ty: ULONG, unicode: bool) -> ULONG {
    let wide = matches!(ty, sys::PT_UNICODE | sys::PT_MV_UNICODE);
    let narrow = matches!(ty, sys::PT_STRING8 | sys::PT_MV_STRING8);
    if (wide && !unicode) || (narrow && unicode) {
        other_string(ty)
    } else {
        ty
    }
}

/// Asserts that `got` answers property `p` as type `want_ty`: `p` itself when that is its
/// type, else its strings converted through the code page: the same number of characters,
/// ASCII kept, every other character a non-ASCII unit or byte (or `?` for one the code
/// page lacks).
fn assert_answered(p: &Prop<'_>, want_ty: ULONG, got: &Prop<'_>) {
    assert_eq!(
        got.tag(),
        change_prop_type(p.tag(), want_ty),
        "the answer's tag"
    );
    if want_ty == prop_type(p.tag()) {
        assert!(*got == *p, "{:#010X} answers {p:?}, not {got:?}", p.tag());
        return;
    }
    let wide_narrow = |w: &[u16], a: &[u8]| {
        let chars: Vec<char> = char::decode_utf16(w.iter().copied())
            .map(|c| c.unwrap_or('\u{FFFD}'))
            .collect();
        chars.len() == a.len()
            && chars.iter().zip(a).all(|(&c, &b)| {
                if c.is_ascii() {
                    b == c as u8
                } else {
                    b >= 0x80 || b == b'?'
                }
            })
    };
    let same = match (p.value(), got.value()) {
        (PropValue::Unicode(w), PropValue::String8(a)) => wide_narrow(w, a),
        (PropValue::String8(a), PropValue::Unicode(w)) => {
            w.len() == a.len()
                && a.iter()
                    .zip(w)
                    .all(|(&b, &u)| (b < 0x80) == (u < 0x80) && (b >= 0x80 || u == u16::from(b)))
        }
        (PropValue::MvUnicode(w), PropValue::MvString8(a)) => {
            w.len() == a.len() && w.iter().zip(a.iter()).all(|(w, a)| wide_narrow(w, a))
        }
        (PropValue::MvString8(a), PropValue::MvUnicode(w)) => {
            w.len() == a.len() && a.iter().zip(w.iter()).all(|(a, w)| w.len() == a.len())
        }
        _ => false,
    };
    assert!(
        same,
        "{:#010X} converted to {want_ty:#06X}: {p:?} gave {got:?}",
        p.tag()
    );
}
