//! [`Restriction`]: an owned `SRestriction` tree, built checked, and how a row is
//! matched against it.
//!
//! Every kind of `mapidefs.h` is here (and `RES_COUNT`, which Microsoft's header has and
//! mingw-w64's lacks). The builders refuse a tree deeper than [`MAX_DEPTH`] with
//! `MAPI_E_TOO_COMPLEX`, so no tree the engine evaluates is deep enough for its
//! recursion to matter. What a restriction means for a row is in the crate's
//! documentation (`Restrictions`).

use std::cmp::Ordering;

use mapi_sync_runtime::props::{prop_id, prop_type, OwnedValue, Prop, PropValue};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_runtime::{Error, Result};

use super::compare::{compare, element, element_count, text_chars};

/// `RES_COUNT` (Microsoft's `MAPIDefS.h`; the `SCountRestriction` page): matches the first
/// `ulCount` rows its inner restriction matches.
pub const RES_COUNT: ULONG = 0x0000_000B;

/// How deep a restriction may nest (a leaf is 1 deep): deeper is `MAPI_E_TOO_COMPLEX`.
pub const MAX_DEPTH: u32 = 256;

/// An `SRestriction`, owning its values. Build it with the constructors; composite ones
/// return `MAPI_E_TOO_COMPLEX` past [`MAX_DEPTH`].
#[derive(Debug, Clone, PartialEq)]
pub struct Restriction {
    kind: RestrictionKind,
    depth: u32,
    /// How many `Count` nodes the tree holds (each has a counter while it is evaluated).
    counts: u32,
    /// For a `RES_CONTENT` on text: its pattern folded once, as every row compares it.
    pattern: Option<Pattern>,
}

/// A `RES_CONTENT`'s text pattern as `fold_for_content` makes it, and the same as bytes
/// when it is all ASCII (then ASCII text is matched without folding it into characters).
#[derive(Debug, Clone, PartialEq)]
struct Pattern {
    chars: Vec<char>,
    ascii: Option<Vec<u8>>,
}

impl Pattern {
    fn new(value: &OwnedValue, fuzzy: ULONG) -> Option<Pattern> {
        let chars = fold_for_content(&value.as_value(), fuzzy)?;
        let ascii = chars
            .iter()
            .all(char::is_ascii)
            .then(|| chars.iter().map(|&c| c as u8).collect());
        Some(Pattern { chars, ascii })
    }
}

/// What a [`Restriction`] is: one variant per `RES_*`. Relations (`relop`) are the
/// `RELOP_*` values, checked when the restriction is used.
#[derive(Debug, Clone, PartialEq)]
pub enum RestrictionKind {
    /// `RES_AND`: every one matches (none: matches).
    And(Vec<Restriction>),
    /// `RES_OR`: one of them matches (none: matches nothing).
    Or(Vec<Restriction>),
    /// `RES_NOT`.
    Not(Box<Restriction>),
    /// `RES_CONTENT`: `FL_FULLSTRING`, `FL_SUBSTRING` or `FL_PREFIX` in the low 16 bits
    /// of `fuzzy_level`, with `FL_IGNORECASE`, `FL_IGNORENONSPACE`, `FL_LOOSE`.
    Content {
        /// `ulFuzzyLevel`.
        fuzzy_level: ULONG,
        /// `ulPropTag`.
        tag: ULONG,
        /// `lpProp`'s value: a string or a binary.
        value: OwnedValue,
    },
    /// `RES_PROPERTY`: the row's value `relop` this one.
    Property {
        /// `relop`.
        relop: ULONG,
        /// `ulPropTag`.
        tag: ULONG,
        /// `lpProp`'s value.
        value: OwnedValue,
    },
    /// `RES_COMPAREPROPS`: the row's `tag1` value `relop` its `tag2` value.
    CompareProps {
        /// `relop`.
        relop: ULONG,
        /// `ulPropTag1`.
        tag1: ULONG,
        /// `ulPropTag2`.
        tag2: ULONG,
    },
    /// `RES_BITMASK`: `BMR_EQZ` (value & mask is 0) or `BMR_NEZ`.
    Bitmask {
        /// `relBMR`.
        relation: ULONG,
        /// `ulPropTag`.
        tag: ULONG,
        /// `ulMask`.
        mask: ULONG,
    },
    /// `RES_SIZE`: the value's size in bytes `relop` `size`.
    Size {
        /// `relop`.
        relop: ULONG,
        /// `ulPropTag`.
        tag: ULONG,
        /// `cb`.
        size: ULONG,
    },
    /// `RES_EXIST`: the row has the property.
    Exist {
        /// `ulPropTag`.
        tag: ULONG,
    },
    /// `RES_SUBRESTRICTION`: one of the row's recipients (`PR_MESSAGE_RECIPIENTS`) or
    /// attachments (`PR_MESSAGE_ATTACHMENTS`) matches.
    SubRestriction {
        /// `ulSubObject`.
        object: ULONG,
        /// `lpRes`.
        restriction: Box<Restriction>,
    },
    /// `RES_COMMENT`: its restriction; the properties are only carried along.
    Comment {
        /// `lpProp`.
        props: Vec<(ULONG, OwnedValue)>,
        /// `lpRes`.
        restriction: Box<Restriction>,
    },
    /// `RES_COUNT`: the first `count` rows (in the order they are evaluated) its
    /// restriction matches.
    Count {
        /// `ulCount`.
        count: ULONG,
        /// `lpRes`.
        restriction: Box<Restriction>,
    },
}

fn too_complex(what: &str) -> Error {
    Error::with_message(sys::MAPI_E_TOO_COMPLEX, what.to_string())
}

fn invalid(what: String) -> Error {
    Error::with_message(sys::MAPI_E_INVALID_PARAMETER, what)
}

impl Restriction {
    fn node(kind: RestrictionKind) -> Result<Restriction> {
        let (depth, counts) = {
            let children: Vec<&Restriction> = match &kind {
                RestrictionKind::And(r) | RestrictionKind::Or(r) => r.iter().collect(),
                RestrictionKind::Not(r)
                | RestrictionKind::SubRestriction { restriction: r, .. }
                | RestrictionKind::Comment { restriction: r, .. }
                | RestrictionKind::Count { restriction: r, .. } => vec![&**r],
                _ => Vec::new(),
            };
            let depth = 1 + children.iter().map(|c| c.depth).max().unwrap_or(0);
            let own = u32::from(matches!(kind, RestrictionKind::Count { .. }));
            let counts = children.iter().fold(own, |n, c| n.saturating_add(c.counts));
            (depth, counts)
        };
        if depth > MAX_DEPTH {
            return Err(too_complex("the restriction nests deeper than 256"));
        }
        Ok(Restriction {
            kind,
            depth,
            counts,
            pattern: None,
        })
    }

    fn leaf(kind: RestrictionKind) -> Restriction {
        let pattern = match &kind {
            RestrictionKind::Content {
                fuzzy_level, value, ..
            } => Pattern::new(value, *fuzzy_level),
            _ => None,
        };
        Restriction {
            kind,
            depth: 1,
            counts: 0,
            pattern,
        }
    }

    /// `RES_AND`.
    pub fn and(all: Vec<Restriction>) -> Result<Restriction> {
        Restriction::node(RestrictionKind::And(all))
    }

    /// `RES_OR`.
    pub fn or(any: Vec<Restriction>) -> Result<Restriction> {
        Restriction::node(RestrictionKind::Or(any))
    }

    /// `RES_NOT`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(r: Restriction) -> Result<Restriction> {
        Restriction::node(RestrictionKind::Not(Box::new(r)))
    }

    /// `RES_CONTENT`.
    pub fn content(fuzzy_level: ULONG, tag: ULONG, value: impl Into<OwnedValue>) -> Restriction {
        Restriction::leaf(RestrictionKind::Content {
            fuzzy_level,
            tag,
            value: value.into(),
        })
    }

    /// `RES_PROPERTY`.
    pub fn property(relop: ULONG, tag: ULONG, value: impl Into<OwnedValue>) -> Restriction {
        Restriction::leaf(RestrictionKind::Property {
            relop,
            tag,
            value: value.into(),
        })
    }

    /// `RES_COMPAREPROPS`.
    pub fn compare_props(relop: ULONG, tag1: ULONG, tag2: ULONG) -> Restriction {
        Restriction::leaf(RestrictionKind::CompareProps { relop, tag1, tag2 })
    }

    /// `RES_BITMASK`.
    pub fn bitmask(relation: ULONG, tag: ULONG, mask: ULONG) -> Restriction {
        Restriction::leaf(RestrictionKind::Bitmask {
            relation,
            tag,
            mask,
        })
    }

    /// `RES_SIZE`.
    pub fn size(relop: ULONG, tag: ULONG, size: ULONG) -> Restriction {
        Restriction::leaf(RestrictionKind::Size { relop, tag, size })
    }

    /// `RES_EXIST`.
    pub fn exist(tag: ULONG) -> Restriction {
        Restriction::leaf(RestrictionKind::Exist { tag })
    }

    /// `RES_SUBRESTRICTION`.
    pub fn sub(object: ULONG, r: Restriction) -> Result<Restriction> {
        Restriction::node(RestrictionKind::SubRestriction {
            object,
            restriction: Box::new(r),
        })
    }

    /// `RES_COMMENT`.
    pub fn comment(props: Vec<(ULONG, OwnedValue)>, r: Restriction) -> Result<Restriction> {
        Restriction::node(RestrictionKind::Comment {
            props,
            restriction: Box::new(r),
        })
    }

    /// `RES_COUNT`.
    pub fn count(count: ULONG, r: Restriction) -> Result<Restriction> {
        Restriction::node(RestrictionKind::Count {
            count,
            restriction: Box::new(r),
        })
    }

    /// What it is.
    pub fn kind(&self) -> &RestrictionKind {
        &self.kind
    }

    /// How deep it nests (a leaf is 1).
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// `Ok` if the engine can evaluate it: every relation a `RELOP_*` other than
    /// `RELOP_RE` (which is `MAPI_E_TOO_COMPLEX`), `BMR_EQZ`/`BMR_NEZ`, a known
    /// `FL_*` level on a string or binary value, property and content values of their
    /// tag's type (see `types_agree`), a sub-restriction on recipients or
    /// attachments; `MAPI_E_INVALID_PARAMETER` for a value no `RELOP_*`, `BMR_*` or `FL_*`
    /// has, `MAPI_E_TOO_COMPLEX` for what the engine does not evaluate.
    pub fn check(&self) -> Result<()> {
        match &self.kind {
            RestrictionKind::And(rs) | RestrictionKind::Or(rs) => {
                rs.iter().try_for_each(Restriction::check)
            }
            RestrictionKind::Not(r)
            | RestrictionKind::Comment { restriction: r, .. }
            | RestrictionKind::Count { restriction: r, .. } => r.check(),
            RestrictionKind::SubRestriction {
                object,
                restriction,
            } => {
                if *object != sys::PR_MESSAGE_RECIPIENTS && *object != sys::PR_MESSAGE_ATTACHMENTS {
                    return Err(too_complex("a sub-restriction on another object"));
                }
                restriction.check()
            }
            RestrictionKind::Content {
                fuzzy_level,
                value,
                tag,
            } => {
                types_agree(*tag, value)?;
                let known = sys::FL_IGNORECASE | sys::FL_IGNORENONSPACE | sys::FL_LOOSE;
                if fuzzy_level & 0xFFFF > sys::FL_PREFIX || fuzzy_level & 0xFFFF_0000 & !known != 0
                {
                    return Err(invalid(format!("fuzzy level {fuzzy_level:#X}")));
                }
                let v = value.as_value();
                if text_chars(&v).is_none() && !matches!(v, PropValue::Binary(_)) {
                    return Err(too_complex(
                        "a content restriction on a value that is not a string or a binary",
                    ));
                }
                Ok(())
            }
            RestrictionKind::Property { relop, tag, value } => {
                types_agree(*tag, value)?;
                Relop::from_raw(*relop).map(|_| ())
            }
            RestrictionKind::CompareProps { relop, .. } | RestrictionKind::Size { relop, .. } => {
                Relop::from_raw(*relop).map(|_| ())
            }
            RestrictionKind::Bitmask { relation, .. } => {
                if *relation == sys::BMR_EQZ || *relation == sys::BMR_NEZ {
                    Ok(())
                } else {
                    Err(invalid(format!("bitmask relation {relation}")))
                }
            }
            RestrictionKind::Exist { .. } => Ok(()),
        }
    }

    /// Every tag the restriction reads from a row (not those of its sub-restrictions,
    /// which are read from the sub-rows), each once.
    pub fn tags(&self) -> Vec<ULONG> {
        let mut out = Vec::new();
        self.collect_tags(&mut out);
        out
    }

    fn collect_tags(&self, out: &mut Vec<ULONG>) {
        let mut push = |t: ULONG| {
            if !out.contains(&t) {
                out.push(t)
            }
        };
        match &self.kind {
            RestrictionKind::And(rs) | RestrictionKind::Or(rs) => {
                rs.iter().for_each(|r| r.collect_tags(out))
            }
            RestrictionKind::Not(r)
            | RestrictionKind::Comment { restriction: r, .. }
            | RestrictionKind::Count { restriction: r, .. } => r.collect_tags(out),
            RestrictionKind::SubRestriction { .. } => {}
            RestrictionKind::Content { tag, .. }
            | RestrictionKind::Property { tag, .. }
            | RestrictionKind::Bitmask { tag, .. }
            | RestrictionKind::Size { tag, .. }
            | RestrictionKind::Exist { tag } => push(*tag),
            RestrictionKind::CompareProps { tag1, tag2, .. } => {
                push(*tag1);
                push(*tag2);
            }
        }
    }

    /// Whether it holds a `RES_COUNT`.
    pub(crate) fn has_count(&self) -> bool {
        self.counts > 0
    }

    /// A fresh set of `RES_COUNT` counters for one evaluation pass.
    pub(crate) fn counters(&self) -> Counters {
        Counters(vec![0; self.counts as usize])
    }

    /// Whether `row` matches. `counters` are this pass's (see [`counters`]).
    pub(crate) fn matches(&self, row: &dyn Lookup, counters: &mut Counters) -> Result<bool> {
        self.eval(row, &mut counters.0, 0)
    }

    fn eval(&self, row: &dyn Lookup, counters: &mut [u32], base: usize) -> Result<bool> {
        Ok(match &self.kind {
            RestrictionKind::And(rs) => {
                let mut at = base;
                for r in rs {
                    if !r.eval(row, counters, at)? {
                        return Ok(false);
                    }
                    at += r.counts as usize;
                }
                true
            }
            RestrictionKind::Or(rs) => {
                let mut at = base;
                for r in rs {
                    if r.eval(row, counters, at)? {
                        return Ok(true);
                    }
                    at += r.counts as usize;
                }
                false
            }
            RestrictionKind::Not(r) => !r.eval(row, counters, base)?,
            RestrictionKind::Comment { restriction, .. } => {
                restriction.eval(row, counters, base)?
            }
            RestrictionKind::Count { count, restriction } => {
                if restriction.eval(row, counters, base + 1)? && counters[base] < *count {
                    counters[base] += 1;
                    true
                } else {
                    false
                }
            }
            RestrictionKind::SubRestriction {
                object,
                restriction,
            } => eval_sub(row, *object, restriction, counters, base)?,
            _ => self.eval_leaf(row)?,
        })
    }

    /// A restriction without restrictions inside (no counter) on `row`.
    fn eval_leaf(&self, row: &dyn Lookup) -> Result<bool> {
        Ok(match &self.kind {
            RestrictionKind::Content { tag, .. } | RestrictionKind::Exist { tag } => {
                self.test_value(row.get(*tag))
            }
            RestrictionKind::Property { relop, tag, .. }
            | RestrictionKind::Size { relop, tag, .. } => {
                Relop::from_raw(*relop)?;
                self.test_value(row.get(*tag))
            }
            RestrictionKind::Bitmask { tag, .. } => self.test_value(row.get(*tag)),
            RestrictionKind::CompareProps { relop, tag1, tag2 } => {
                let relop = Relop::from_raw(*relop)?;
                match (row.get(*tag1), row.get(*tag2)) {
                    (Some(a), Some(b)) => compare(&a, &b).is_some_and(|o| relop.holds(o)),
                    _ => false,
                }
            }
            _ => unreachable!("eval_leaf on a restriction with restrictions inside"),
        })
    }

    /// The column a restriction that tests one column of a row reads (`RES_CONTENT`,
    /// `RES_PROPERTY`, `RES_BITMASK`, `RES_SIZE`, `RES_EXIST`), `None` for any other.
    pub(crate) fn test_tag(&self) -> Option<ULONG> {
        match &self.kind {
            RestrictionKind::Content { tag, .. }
            | RestrictionKind::Property { tag, .. }
            | RestrictionKind::Bitmask { tag, .. }
            | RestrictionKind::Size { tag, .. }
            | RestrictionKind::Exist { tag } => Some(*tag),
            _ => None,
        }
    }

    /// When the restriction is an AND (nested, or in a `RES_COMMENT`) of restrictions
    /// that each test one column (see [`test_tag`](Restriction::test_tag)), or one such
    /// restriction: those tests. Whether a row matches is then whether it passes each,
    /// in any order (none counts, none fails once `check` passed), so the engine may
    /// test a column at a time and read a column only for the rows the tests before
    /// left. `None` for any other restriction.
    pub(crate) fn column_tests(&self) -> Option<Vec<&Restriction>> {
        let mut out = Vec::new();
        self.collect_tests(&mut out).then_some(out)
    }

    fn collect_tests<'r>(&'r self, out: &mut Vec<&'r Restriction>) -> bool {
        match &self.kind {
            RestrictionKind::And(rs) => rs.iter().all(|r| r.collect_tests(out)),
            RestrictionKind::Comment { restriction, .. } => restriction.collect_tests(out),
            _ => match self.test_tag() {
                Some(_) => {
                    out.push(self);
                    true
                }
                None => false,
            },
        }
    }

    /// This test of one column (see [`test_tag`](Restriction::test_tag)) made ready to be
    /// run on many rows: a relation with a number, a time or a boolean on a column without
    /// `MVI_FLAG` compares the row's value of that type directly.
    pub(crate) fn column_test(&self) -> ColumnTest<'_> {
        if let RestrictionKind::Content {
            fuzzy_level, tag, ..
        } = &self.kind
        {
            if let (Some(ascii), false) = (
                self.pattern.as_ref().and_then(|p| p.ascii.as_deref()),
                is_mvi(*tag),
            ) {
                if fuzzy_level & 0xFFFF == sys::FL_SUBSTRING {
                    let case = fuzzy_level & (sys::FL_LOOSE | sys::FL_IGNORECASE) != 0;
                    return ColumnTest::Substring(ascii, case, self);
                }
            }
        }
        if let RestrictionKind::Property { relop, tag, value } = &self.kind {
            if let (Ok(relop), false) = (Relop::from_raw(*relop), is_mvi(*tag)) {
                match *value {
                    OwnedValue::SysTime(x) => return ColumnTest::SysTime(relop, x),
                    OwnedValue::Long(x) => return ColumnTest::Long(relop, x),
                    OwnedValue::I8(x) => return ColumnTest::I8(relop, x),
                    OwnedValue::Boolean(x) => return ColumnTest::Boolean(relop, x),
                    _ => {}
                }
            }
        }
        ColumnTest::Other(self)
    }

    /// Whether a restriction of [`test_tag`](Restriction::test_tag) passes on a row whose
    /// value of its column is `v` (`None`: the row has none, or a `PT_ERROR`). A relation
    /// no `RELOP_*` has passes nothing (`check` refuses it beforehand).
    pub(crate) fn test_value(&self, v: Option<PropValue<'_>>) -> bool {
        match &self.kind {
            RestrictionKind::Content {
                fuzzy_level,
                tag,
                value,
            } => any_value(v, *tag, |v| match &self.pattern {
                Some(p) => text_content_matches(v, p, *fuzzy_level),
                None => content_matches(v, &value.as_value(), *fuzzy_level),
            }),
            RestrictionKind::Property { relop, tag, value } => {
                let Ok(relop) = Relop::from_raw(*relop) else {
                    return false;
                };
                let value = value.as_value();
                any_value(v, *tag, |v| {
                    compare(v, &value).is_some_and(|o| relop.holds(o))
                })
            }
            RestrictionKind::Bitmask { relation, mask, .. } => match v {
                Some(PropValue::Long(n)) => ((n as u32 & mask) == 0) == (*relation == sys::BMR_EQZ),
                _ => false,
            },
            RestrictionKind::Size { relop, size, .. } => {
                let Ok(relop) = Relop::from_raw(*relop) else {
                    return false;
                };
                v.is_some_and(|v| relop.holds(value_size(&v).cmp(&u64::from(*size))))
            }
            RestrictionKind::Exist { .. } => v.is_some(),
            _ => false,
        }
    }
}

/// `RES_SUBRESTRICTION`: whether one of the row's sub-rows `object` matches.
fn eval_sub(
    row: &dyn Lookup,
    object: ULONG,
    restriction: &Restriction,
    counters: &mut [u32],
    base: usize,
) -> Result<bool> {
    let columns = restriction.tags();
    let (mut found, mut failed) = (false, None);
    let offered = row.sub_rows(object, &columns, &mut |props| {
        if found || failed.is_some() {
            return;
        }
        match restriction.eval(&PropsLookup(props), counters, base) {
            Ok(m) => found = m,
            Err(e) => failed = Some(e),
        }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    if !offered {
        return Err(too_complex("the source offers no sub-rows"));
    }
    Ok(found)
}

/// `Ok` when a restriction's value has its tag's type: the same type, text of either
/// string type (and lists of them), or for an `MVI_FLAG` tag one value of the
/// multi-valued type. Else `MAPI_E_TOO_COMPLEX` (the `SPropertyRestriction` page).
fn types_agree(tag: ULONG, value: &OwnedValue) -> Result<()> {
    let t = prop_type(tag);
    let t = if t & sys::MVI_FLAG == sys::MVI_FLAG {
        t & !sys::MVI_FLAG
    } else {
        t
    };
    let v = value.prop_type();
    let text = |x| x == sys::PT_UNICODE || x == sys::PT_STRING8;
    let texts = |x| x == sys::PT_MV_UNICODE || x == sys::PT_MV_STRING8;
    if t == v || (text(t) && text(v)) || (texts(t) && texts(v)) {
        Ok(())
    } else {
        Err(Error::with_message(
            sys::MAPI_E_TOO_COMPLEX,
            format!("a value of type {v:#06X} for the tag {tag:#010X}"),
        ))
    }
}

/// Whether `tag`'s type has `MVI_FLAG`.
fn is_mvi(tag: ULONG) -> bool {
    prop_type(tag) & sys::MVI_FLAG == sys::MVI_FLAG
}

/// A test of one column made ready by [`Restriction::column_test`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum ColumnTest<'r> {
    /// `RES_PROPERTY` with a `PT_SYSTIME` value.
    SysTime(Relop, u64),
    /// `RES_PROPERTY` with a `PT_LONG` value.
    Long(Relop, i32),
    /// `RES_PROPERTY` with a `PT_I8` value.
    I8(Relop, i64),
    /// `RES_PROPERTY` with a `PT_BOOLEAN` value.
    Boolean(Relop, bool),
    /// `RES_CONTENT`, `FL_SUBSTRING` of a folded ASCII pattern, with `FL_IGNORECASE` (or
    /// `FL_LOOSE`) or not; the restriction for text the bytes do not decide.
    Substring(&'r [u8], bool, &'r Restriction),
    /// Any other: [`Restriction::test_value`].
    Other(&'r Restriction),
}

impl ColumnTest<'_> {
    /// Whether it is a relation with a number (a time, a boolean).
    pub(crate) fn is_numeric(&self) -> bool {
        !matches!(self, ColumnTest::Substring(..) | ColumnTest::Other(_))
    }

    /// As [`Restriction::test_value`]: a value of another type does not compare.
    pub(crate) fn test(&self, v: Option<PropValue<'_>>) -> bool {
        match (*self, v) {
            (ColumnTest::SysTime(r, x), Some(PropValue::SysTime(y))) => r.holds(y.cmp(&x)),
            (ColumnTest::Long(r, x), Some(PropValue::Long(y))) => r.holds(y.cmp(&x)),
            (ColumnTest::I8(r, x), Some(PropValue::I8(y))) => r.holds(y.cmp(&x)),
            (ColumnTest::Boolean(r, x), Some(PropValue::Boolean(y))) => r.holds(y.cmp(&x)),
            (ColumnTest::Substring(p, case, t), Some(v)) => {
                let found = match v {
                    PropValue::Str(s) => substring_in_bytes(s.as_bytes(), p, case),
                    PropValue::String8(b) if ONE_BYTE_CODE_PAGE => substring_in_bytes(b, p, case),
                    _ => None,
                };
                found.unwrap_or_else(|| t.test_value(Some(v)))
            }
            (ColumnTest::Other(t), v) => t.test_value(v),
            _ => false,
        }
    }

    /// For each row whose `pass` is still true, whether its value in `values` (none
    /// past its end; a `PT_ERROR` is none) passes [`test`](ColumnTest::test); a loop of
    /// its own for each kind of test.
    pub(crate) fn test_all(&self, values: &[Option<PropValue<'_>>], pass: &mut [bool]) {
        fn each(
            values: &[Option<PropValue<'_>>],
            pass: &mut [bool],
            test: impl Fn(Option<PropValue<'_>>) -> bool,
        ) {
            for (i, p) in pass.iter_mut().enumerate() {
                if *p {
                    let v = values.get(i).copied().flatten();
                    *p = test(v.filter(|v| !matches!(v, PropValue::Error(_))));
                }
            }
        }
        match *self {
            ColumnTest::SysTime(r, x) => each(
                values,
                pass,
                |v| matches!(v, Some(PropValue::SysTime(y)) if r.holds(y.cmp(&x))),
            ),
            ColumnTest::Long(r, x) => each(
                values,
                pass,
                |v| matches!(v, Some(PropValue::Long(y)) if r.holds(y.cmp(&x))),
            ),
            _ => each(values, pass, |v| self.test(v)),
        }
    }
}

/// The `RES_COUNT` counters of one evaluation pass.
#[derive(Debug, Clone)]
pub(crate) struct Counters(Vec<u32>);

/// Whether the row's value of `tag` passes `test`. With `MVI_FLAG` in the tag's type and a
/// multi-valued row value, whether one of its values does; without it, a multi-valued
/// value is tested whole, as one ordered tuple (the `IMAPITable::Restrict` page).
fn any_value(v: Option<PropValue<'_>>, tag: ULONG, test: impl Fn(&PropValue<'_>) -> bool) -> bool {
    let Some(v) = v else {
        return false;
    };
    if prop_type(tag) & sys::MVI_FLAG == sys::MVI_FLAG {
        if let Some(n) = element_count(&v) {
            return (0..n).any(|i| element(&v, i).is_some_and(|e| test(&e)));
        }
    }
    test(&v)
}

/// A relation, `RELOP_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relop {
    /// `RELOP_LT`.
    Lt,
    /// `RELOP_LE`.
    Le,
    /// `RELOP_GT`.
    Gt,
    /// `RELOP_GE`.
    Ge,
    /// `RELOP_EQ`.
    Eq,
    /// `RELOP_NE`.
    Ne,
}

impl Relop {
    /// `RELOP_RE` (a regular expression) is `MAPI_E_TOO_COMPLEX`, a value no `RELOP_*`
    /// has `MAPI_E_INVALID_PARAMETER`.
    pub fn from_raw(relop: ULONG) -> Result<Relop> {
        Ok(match relop {
            sys::RELOP_LT => Relop::Lt,
            sys::RELOP_LE => Relop::Le,
            sys::RELOP_GT => Relop::Gt,
            sys::RELOP_GE => Relop::Ge,
            sys::RELOP_EQ => Relop::Eq,
            sys::RELOP_NE => Relop::Ne,
            sys::RELOP_RE => return Err(too_complex("RELOP_RE")),
            other => return Err(invalid(format!("relation {other}"))),
        })
    }

    /// Whether a value that compares `o` with the restriction's passes.
    pub fn holds(self, o: Ordering) -> bool {
        match self {
            Relop::Lt => o.is_lt(),
            Relop::Le => o.is_le(),
            Relop::Gt => o.is_gt(),
            Relop::Ge => o.is_ge(),
            Relop::Eq => o.is_eq(),
            Relop::Ne => o.is_ne(),
        }
    }
}

/// A value's size in bytes for `RES_SIZE`: 4 for `PT_LONG` and `PT_R4`, 2 for
/// `PT_BOOLEAN` (its `unsigned short`) and `PT_I2`, 8 for `PT_I8`, `PT_SYSTIME`,
/// `PT_DOUBLE`, `PT_CURRENCY` and `PT_APPTIME`, 16 for `PT_CLSID`, 0 for `PT_OBJECT`, the bytes of a
/// binary, a string's bytes with its terminating NUL (2 bytes a character for
/// `PT_UNICODE`), a multi-valued value's values added up, 0 for `PT_NULL`.
pub fn value_size(v: &PropValue<'_>) -> u64 {
    let n = |x: usize| x as u64;
    match v {
        PropValue::Null => 0,
        PropValue::Long(_) | PropValue::Error(_) => 4,
        PropValue::Boolean(_) => 2,
        PropValue::I8(_) | PropValue::SysTime(_) => 8,
        PropValue::Clsid(_) => 16,
        PropValue::Binary(b) => n(b.len()),
        PropValue::String8(s) => n(s.len()) + 1,
        PropValue::Unicode(w) => 2 * (n(w.len()) + 1),
        PropValue::Str(s) => 2 * (n(s.encode_utf16().count()) + 1),
        PropValue::MvLong(x) => 4 * n(x.len()),
        PropValue::MvBinary(x) => x.iter().map(|b| n(b.len())).sum(),
        PropValue::MvString8(x) => x.iter().map(|s| n(s.len()) + 1).sum(),
        PropValue::MvUnicode(x) => x.iter().map(|w| 2 * (n(w.len()) + 1)).sum(),
        PropValue::I2(_) => 2,
        PropValue::R4(_) => 4,
        PropValue::Double(_) | PropValue::Currency(_) | PropValue::AppTime(_) => 8,
        PropValue::Object => 0,
        PropValue::MvI2(x) => 2 * n(x.len()),
        PropValue::MvR4(x) => 4 * n(x.len()),
        PropValue::MvDouble(x) | PropValue::MvAppTime(x) => 8 * n(x.len()),
        PropValue::MvCurrency(x) | PropValue::MvI8(x) => 8 * n(x.len()),
        PropValue::MvSysTime(x) => 8 * n(x.len()),
        PropValue::MvClsid(x) => 16 * n(x.len()),
    }
}

/// The base letter of a Latin-1 letter with a diacritic, `None` for a combining mark
/// (what `FL_IGNORENONSPACE` leaves out), else the character itself.
fn without_nonspacing(c: char) -> Option<char> {
    let base = match c {
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}' => return None,
        'À'..='Å' => 'A',
        'Ç' => 'C',
        'È'..='Ë' => 'E',
        'Ì'..='Ï' => 'I',
        'Ñ' => 'N',
        'Ò'..='Ö' | 'Ø' => 'O',
        'Ù'..='Ü' => 'U',
        'Ý' => 'Y',
        'à'..='å' => 'a',
        'ç' => 'c',
        'è'..='ë' => 'e',
        'ì'..='ï' => 'i',
        'ñ' => 'n',
        'ò'..='ö' | 'ø' => 'o',
        'ù'..='ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    };
    Some(base)
}

fn fold_for_content(v: &PropValue<'_>, fuzzy: ULONG) -> Option<Vec<char>> {
    let loose = fuzzy & sys::FL_LOOSE != 0;
    let case = loose || fuzzy & sys::FL_IGNORECASE != 0;
    let nonspace = loose || fuzzy & sys::FL_IGNORENONSPACE != 0;
    let chars = text_chars(v)?;
    let mut out: Vec<char> = if nonspace {
        chars.filter_map(without_nonspacing).collect()
    } else {
        chars.collect()
    };
    if case {
        out = out.into_iter().flat_map(char::to_lowercase).collect();
    }
    Some(out)
}

fn found<T: PartialEq>(hay: &[T], needle: &[T], level: ULONG) -> bool {
    match level {
        sys::FL_FULLSTRING => hay == needle,
        sys::FL_PREFIX => hay.starts_with(needle),
        _ => needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle),
    }
}

/// `RES_CONTENT` on one value: text with text (either string type), binary with binary.
pub(crate) fn content_matches(v: &PropValue<'_>, pattern: &PropValue<'_>, fuzzy: ULONG) -> bool {
    let level = fuzzy & 0xFFFF;
    match (v, pattern) {
        (PropValue::Binary(h), PropValue::Binary(n)) => found(h, n, level),
        _ => match (fold_for_content(v, fuzzy), fold_for_content(pattern, fuzzy)) {
            (Some(h), Some(n)) => found(&h, &n, level),
            _ => false,
        },
    }
}

/// [`content_matches`] with a text pattern folded beforehand: ASCII text against an
/// ASCII pattern compares bytes (folding ASCII is lowercasing it, nothing else), any other
/// text is folded into characters.
fn text_content_matches(v: &PropValue<'_>, pattern: &Pattern, fuzzy: ULONG) -> bool {
    let level = fuzzy & 0xFFFF;
    let case = fuzzy & (sys::FL_LOOSE | sys::FL_IGNORECASE) != 0;
    if let Some(p) = &pattern.ascii {
        match *v {
            PropValue::Str(s) if level == sys::FL_SUBSTRING => {
                if let Some(found) = substring_in_bytes(s.as_bytes(), p, case) {
                    return found;
                }
            }
            PropValue::String8(b) if level == sys::FL_SUBSTRING && ONE_BYTE_CODE_PAGE => {
                if let Some(found) = substring_in_bytes(b, p, case) {
                    return found;
                }
            }
            PropValue::Str(s) if s.is_ascii() => return found_ascii(s.as_bytes(), p, level, case),
            PropValue::String8(b) if ONE_BYTE_CODE_PAGE && b.is_ascii() => {
                return found_ascii(b, p, level, case)
            }
            PropValue::Unicode(w) if w.iter().all(|&u| u < 0x80) => {
                return found_ascii(w, p, level, case)
            }
            _ => {}
        }
    }
    match fold_for_content(v, fuzzy) {
        Some(h) => found(&h, &pattern.chars, level),
        None => false,
    }
}

/// Whether 8-bit text has one byte per character, so that a byte below 0x80 is an ASCII
/// character: Windows-1252 off Windows; on Windows the system's code page may take two
/// bytes for a character (whose second byte may be below 0x80), so 8-bit text is folded
/// into characters there.
const ONE_BYTE_CODE_PAGE: bool = cfg!(not(windows));

/// `FL_SUBSTRING` of a folded ASCII pattern in text given as bytes (UTF-8, or 8-bit text
/// of a one-byte code page), searched bytewise (ASCII letters lowercased if `case`):
/// `Some(true)` where the bytes hold it, `Some(false)` where they do not and are all
/// ASCII, `None` (fold the text into characters and look again) otherwise. Found bytewise
/// is found: a byte below 0x80 is one character in UTF-8 and in such a code page, folding leaves an ASCII character one ASCII
/// character (lowercased), and folds characters one at a time, so a run of ASCII
/// characters stays a run in the folded text. Not found bytewise is not found only in
/// ASCII text: elsewhere a character may fold to ASCII (`K`, the Kelvin sign, to `k`; `é`
/// to `e` under `FL_IGNORENONSPACE`).
fn substring_in_bytes(hay: &[u8], needle: &[u8], case: bool) -> Option<bool> {
    let Some(&first) = needle.first() else {
        return Some(true);
    };
    if hay.len() >= needle.len() {
        // The pattern is folded: with `case`, a letter in it is lowercase, and `b | 0x20`
        // is that letter for it and its uppercase only. Other bytes compare as they are.
        let lower = |p: u8| {
            if case && p.is_ascii_lowercase() {
                0x20
            } else {
                0
            }
        };
        let same_at = |i: usize| {
            hay[i..i + needle.len()]
                .iter()
                .zip(needle)
                .all(|(&h, &p)| h | lower(p) == p)
        };
        let (first_lower, last) = (lower(first), hay.len() - needle.len());
        // Eight bytes at a time, where the first byte of the pattern may start (the
        // bytes where `(word | mask) ^ first` is zero: `(x - 0x01..) & !x & 0x80..` marks
        // each, and perhaps bytes after one, which `same_at` then refuses).
        const ONES: u64 = 0x0101_0101_0101_0101;
        let (mask, firsts) = (ONES * u64::from(first_lower), ONES * u64::from(first));
        let mut i = 0;
        while i + 8 <= hay.len() && i <= last {
            let mut word = [0u8; 8];
            word.copy_from_slice(&hay[i..i + 8]);
            let x = (u64::from_le_bytes(word) | mask) ^ firsts;
            let mut zeros = x.wrapping_sub(ONES) & !x & (ONES << 7);
            while zeros != 0 {
                let at = i + (zeros.trailing_zeros() / 8) as usize;
                if at <= last && same_at(at) {
                    return Some(true);
                }
                zeros &= zeros - 1;
            }
            i += 8;
        }
        while i <= last {
            if hay[i] | first_lower == first && same_at(i) {
                return Some(true);
            }
            i += 1;
        }
    }
    if hay.is_ascii() {
        Some(false)
    } else {
        None
    }
}

/// A code unit of ASCII text (a byte or a UTF-16 unit below 0x80).
trait AsciiUnit: Copy {
    fn byte(self) -> u8;
}

impl AsciiUnit for u8 {
    fn byte(self) -> u8 {
        self
    }
}

impl AsciiUnit for u16 {
    fn byte(self) -> u8 {
        self as u8
    }
}

/// [`found`] on ASCII text and a folded ASCII pattern, lowercasing the text if `case`.
fn found_ascii<U: AsciiUnit>(hay: &[U], needle: &[u8], level: ULONG, case: bool) -> bool {
    let same = |h: &[U]| {
        h.iter().zip(needle).all(|(&a, &b)| {
            let a = a.byte();
            (if case { a.to_ascii_lowercase() } else { a }) == b
        })
    };
    let Some(&first) = needle.first() else {
        return level != sys::FL_FULLSTRING || hay.is_empty();
    };
    match level {
        sys::FL_FULLSTRING => hay.len() == needle.len() && same(hay),
        sys::FL_PREFIX => hay.len() >= needle.len() && same(&hay[..needle.len()]),
        _ => {
            // Only where the first byte matches is the rest compared.
            let lower = |u: U| {
                if case {
                    u.byte().to_ascii_lowercase()
                } else {
                    u.byte()
                }
            };
            let last = hay.len().checked_sub(needle.len());
            last.is_some_and(|last| {
                (0..=last).any(|i| lower(hay[i]) == first && same(&hay[i..i + needle.len()]))
            })
        }
    }
}

/// A row's values as the evaluation reads them.
pub(crate) trait Lookup {
    /// The row's value with `tag`'s property identifier (any type), not a `PT_ERROR`.
    fn get(&self, tag: ULONG) -> Option<PropValue<'_>>;
    /// The row's sub-rows (see `RowSource::sub_rows`).
    fn sub_rows(
        &self,
        object: ULONG,
        columns: &[ULONG],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<bool>;
}

/// The value with `tag`'s identifier among `props`, not a `PT_ERROR`.
pub(crate) fn find<'a>(props: &[Prop<'a>], tag: ULONG) -> Option<PropValue<'a>> {
    props
        .iter()
        .find(|p| prop_id(p.tag()) == prop_id(tag))
        .map(|p| p.value())
        .filter(|v| !matches!(v, PropValue::Error(_)))
}

/// A row that is only its values (a sub-row): it has no sub-rows of its own.
pub(crate) struct PropsLookup<'p, 'a>(pub &'p [Prop<'a>]);

impl Lookup for PropsLookup<'_, '_> {
    fn get(&self, tag: ULONG) -> Option<PropValue<'_>> {
        find(self.0, tag)
    }
    fn sub_rows(&self, _: ULONG, _: &[ULONG], _: &mut dyn FnMut(&[Prop<'_>])) -> Result<bool> {
        Ok(false)
    }
}

#[cfg(test)]
mod tests;
