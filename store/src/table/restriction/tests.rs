//! Each kind of restriction on rows made for it.

use mapi_sync_runtime::props::{prop_tag, OwnedValue, Prop, PropValue};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_runtime::Result;

use super::{content_matches, value_size, Lookup, PropsLookup, Restriction, MAX_DEPTH};

const LONG: ULONG = 0x6601_0003; // PT_LONG
const LONG2: ULONG = 0x6602_0003;
const TEXT: ULONG = 0x6603_001F; // PT_UNICODE
const TEXT8: ULONG = 0x6603_001E; // the same property as PT_STRING8
const BIN: ULONG = 0x6604_0102;
const MV: ULONG = 0x6605_1003; // PT_MV_LONG
const MVS: ULONG = 0x6606_101F; // PT_MV_UNICODE
const ABSENT: ULONG = 0x6607_0003;

fn w(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

fn row() -> Vec<(ULONG, OwnedValue)> {
    vec![
        (LONG, OwnedValue::Long(6)),
        (LONG2, OwnedValue::Long(9)),
        (TEXT, OwnedValue::Unicode(w("Héllo World"))),
        (BIN, OwnedValue::Binary(vec![1, 2, 3])),
        (MV, OwnedValue::MvLong(vec![3, 30])),
        (MVS, OwnedValue::MvUnicode(vec![w("red"), w("Blue")])),
    ]
}

fn eval_on(r: &Restriction, cells: &[(ULONG, OwnedValue)]) -> Result<bool> {
    let props: Vec<Prop<'_>> = cells
        .iter()
        .map(|(t, v)| Prop::new(*t, v.as_value()).unwrap())
        .collect();
    r.check()?;
    r.matches(&PropsLookup(&props), &mut r.counters())
}

fn eval(r: &Restriction) -> bool {
    eval_on(r, &row()).unwrap()
}

fn prop(relop: ULONG, tag: ULONG, v: impl Into<OwnedValue>) -> Restriction {
    Restriction::property(relop, tag, v)
}

#[test]
fn property_relations_on_a_long() {
    for (relop, n, expect) in [
        (sys::RELOP_LT, 7, true),
        (sys::RELOP_LT, 6, false),
        (sys::RELOP_LE, 6, true),
        (sys::RELOP_GT, 5, true),
        (sys::RELOP_GE, 7, false),
        (sys::RELOP_EQ, 6, true),
        (sys::RELOP_NE, 6, false),
    ] {
        assert_eq!(
            eval(&prop(relop, LONG, OwnedValue::Long(n))),
            expect,
            "{relop} {n}"
        );
    }
}

#[test]
fn a_missing_property_is_false_and_its_not_true() {
    let r = prop(sys::RELOP_NE, ABSENT, OwnedValue::Long(0));
    assert!(!eval(&r));
    assert!(eval(&Restriction::not(r).unwrap()));
    assert!(!eval(&Restriction::content(
        sys::FL_SUBSTRING,
        0x6608_001F,
        PropValue::Str("x")
    )));
    assert!(!eval(&Restriction::exist(ABSENT)));
    assert!(!eval(&Restriction::bitmask(sys::BMR_EQZ, ABSENT, 1)));
    assert!(!eval(&Restriction::size(sys::RELOP_GE, ABSENT, 0)));
    assert!(!eval(&Restriction::compare_props(
        sys::RELOP_NE,
        LONG,
        ABSENT
    )));
    // A PT_ERROR value counts as missing.
    let cells = vec![(
        prop_tag(sys::PT_ERROR, 0x6607),
        OwnedValue::Error(sys::MAPI_E_NOT_FOUND),
    )];
    assert!(!eval_on(&Restriction::exist(ABSENT), &cells).unwrap());
}

#[test]
fn row_values_of_another_type_do_not_match() {
    // The row's 0x6603 is text: a PT_LONG restriction on it matches nothing.
    let on_text = prop_tag(sys::PT_LONG, 0x6603);
    assert!(!eval(&prop(sys::RELOP_EQ, on_text, OwnedValue::Long(6))));
    assert!(!eval(&prop(sys::RELOP_NE, on_text, OwnedValue::Long(6))));
    let on_long = prop_tag(sys::PT_I8, 0x6601);
    assert!(!eval(&prop(sys::RELOP_EQ, on_long, OwnedValue::I8(6))));
    // Text matches text of either string type, case-insensitively.
    assert!(eval(&prop(
        sys::RELOP_EQ,
        TEXT8,
        PropValue::String8(b"h\xE9LLO world")
    )));
    assert!(eval(&prop(sys::RELOP_GT, TEXT, PropValue::Str("hello"))));
}

#[test]
fn a_value_of_another_type_than_its_tag_is_too_complex() {
    for r in [
        prop(sys::RELOP_EQ, LONG, OwnedValue::I8(6)),
        prop(sys::RELOP_EQ, BIN, OwnedValue::String8(vec![1])),
        prop(
            sys::RELOP_EQ,
            MV | sys::MV_INSTANCE,
            OwnedValue::MvLong(vec![1]),
        ),
        Restriction::content(sys::FL_FULLSTRING, BIN, PropValue::Str("x")),
    ] {
        assert_eq!(
            r.check().unwrap_err().code(),
            sys::MAPI_E_TOO_COMPLEX,
            "{r:?}"
        );
    }
    // Text of the other string type, and one value for an MVI_FLAG tag, are fine.
    assert!(prop(sys::RELOP_EQ, TEXT8, PropValue::Str("x"))
        .check()
        .is_ok());
    assert!(
        prop(sys::RELOP_EQ, MV | sys::MV_INSTANCE, OwnedValue::Long(1))
            .check()
            .is_ok()
    );
}

#[test]
fn relop_re_is_too_complex_and_unknown_values_invalid() {
    let e = eval_on(&prop(sys::RELOP_RE, TEXT, PropValue::Str("H.*")), &row()).unwrap_err();
    assert_eq!(e.code(), sys::MAPI_E_TOO_COMPLEX);
    let e = eval_on(&prop(99, LONG, OwnedValue::Long(1)), &row()).unwrap_err();
    assert_eq!(e.code(), sys::MAPI_E_INVALID_PARAMETER);
    let e = eval_on(&Restriction::bitmask(2, LONG, 1), &row()).unwrap_err();
    assert_eq!(e.code(), sys::MAPI_E_INVALID_PARAMETER);
    let e = eval_on(&Restriction::content(3, TEXT, PropValue::Str("x")), &row()).unwrap_err();
    assert_eq!(e.code(), sys::MAPI_E_INVALID_PARAMETER);
    let e = eval_on(&Restriction::content(0, LONG, OwnedValue::Long(1)), &row()).unwrap_err();
    assert_eq!(e.code(), sys::MAPI_E_TOO_COMPLEX);
    // Nested inside others too.
    let deep = Restriction::and(vec![Restriction::not(prop(
        sys::RELOP_RE,
        TEXT,
        PropValue::Str("x"),
    ))
    .unwrap()])
    .unwrap();
    assert_eq!(deep.check().unwrap_err().code(), sys::MAPI_E_TOO_COMPLEX);
}

#[test]
fn content_levels_and_flags_on_text() {
    let c = |fuzzy, s: &str| eval(&Restriction::content(fuzzy, TEXT, PropValue::Str(s)));
    assert!(c(sys::FL_FULLSTRING, "Héllo World"));
    assert!(!c(sys::FL_FULLSTRING, "héllo world"));
    assert!(c(sys::FL_FULLSTRING | sys::FL_IGNORECASE, "héllo world"));
    assert!(c(sys::FL_SUBSTRING, "llo W"));
    assert!(!c(sys::FL_SUBSTRING, "LLO W"));
    assert!(c(sys::FL_SUBSTRING | sys::FL_IGNORECASE, "LLO W"));
    assert!(c(sys::FL_PREFIX, "Hé"));
    assert!(!c(sys::FL_PREFIX, "World"));
    assert!(!c(sys::FL_PREFIX, "He"));
    assert!(c(sys::FL_PREFIX | sys::FL_IGNORENONSPACE, "He"));
    assert!(!c(sys::FL_PREFIX | sys::FL_IGNORENONSPACE, "he"));
    // FL_LOOSE ignores case and nonspacing marks both.
    assert!(c(sys::FL_PREFIX | sys::FL_LOOSE, "HE"));
    // A combining accent is left out with FL_IGNORENONSPACE.
    assert!(c(sys::FL_PREFIX | sys::FL_IGNORENONSPACE, "He\u{301}llo"));
    // PT_STRING8 restriction values and columns compare with PT_UNICODE ones.
    assert!(eval(&Restriction::content(
        sys::FL_SUBSTRING | sys::FL_IGNORECASE,
        TEXT8,
        PropValue::String8(b"WORLD")
    )));
    let cells = vec![(TEXT8, OwnedValue::String8(b"Plain ascii".to_vec()))];
    assert!(eval_on(
        &Restriction::content(sys::FL_SUBSTRING, TEXT, PropValue::Str("ascii")),
        &cells
    )
    .unwrap());
    // The empty string is a prefix and a substring of everything.
    assert!(c(sys::FL_SUBSTRING, ""));
}

#[test]
fn content_on_binaries_is_bytewise() {
    let b = |fuzzy, v: &[u8]| {
        eval(&Restriction::content(
            fuzzy,
            BIN,
            OwnedValue::Binary(v.to_vec()),
        ))
    };
    assert!(b(sys::FL_FULLSTRING, &[1, 2, 3]));
    assert!(!b(sys::FL_FULLSTRING, &[1, 2]));
    assert!(b(sys::FL_PREFIX, &[1, 2]));
    assert!(b(sys::FL_SUBSTRING, &[2, 3]));
    assert!(!b(sys::FL_SUBSTRING, &[3, 2]));
    // A text pattern on a binary, or a binary one on text: no match.
    assert!(!content_matches(
        &PropValue::Binary(b"ab"),
        &PropValue::String8(b"ab"),
        sys::FL_FULLSTRING
    ));
}

#[test]
fn with_mvi_flag_a_multi_valued_column_matches_when_one_value_does() {
    let mvi = MV | sys::MV_INSTANCE;
    assert!(eval(&prop(sys::RELOP_EQ, mvi, OwnedValue::Long(30))));
    assert!(eval(&prop(sys::RELOP_GT, mvi, OwnedValue::Long(20))));
    assert!(!eval(&prop(sys::RELOP_GT, mvi, OwnedValue::Long(30))));
    // NOT of "one value is 3" is "no value is 3".
    assert!(!eval(
        &Restriction::not(prop(sys::RELOP_EQ, mvi, OwnedValue::Long(3))).unwrap()
    ));
    assert!(eval(&Restriction::content(
        sys::FL_FULLSTRING | sys::FL_IGNORECASE,
        MVS | sys::MV_INSTANCE,
        PropValue::Str("blue")
    )));
}

#[test]
fn without_mvi_flag_a_multi_valued_column_is_one_ordered_tuple() {
    assert!(eval(&prop(
        sys::RELOP_EQ,
        MV,
        OwnedValue::MvLong(vec![3, 30])
    )));
    assert!(!eval(&prop(
        sys::RELOP_EQ,
        MV,
        OwnedValue::MvLong(vec![30, 3])
    )));
    // Compared value by value; the shorter tuple is the lesser when it is a prefix.
    assert!(eval(&prop(sys::RELOP_GT, MV, OwnedValue::MvLong(vec![3]))));
    assert!(eval(&prop(sys::RELOP_LT, MV, OwnedValue::MvLong(vec![4]))));
    // A single value for a multi-valued tag without MVI_FLAG is another type.
    assert_eq!(
        eval_on(&prop(sys::RELOP_EQ, MV, OwnedValue::Long(3)), &row())
            .unwrap_err()
            .code(),
        sys::MAPI_E_TOO_COMPLEX
    );
    // A single-valued tag does not reach into a multi-valued value either.
    assert!(!eval(&prop(
        sys::RELOP_EQ,
        0x6605_0003,
        OwnedValue::Long(3)
    )));
}

#[test]
fn compare_props_bitmask_size_exist() {
    assert!(eval(&Restriction::compare_props(
        sys::RELOP_LT,
        LONG,
        LONG2
    )));
    assert!(!eval(&Restriction::compare_props(
        sys::RELOP_EQ,
        LONG,
        LONG2
    )));
    assert!(!eval(&Restriction::compare_props(
        sys::RELOP_NE,
        LONG,
        TEXT
    )));
    // 6 is 0b110.
    assert!(eval(&Restriction::bitmask(sys::BMR_EQZ, LONG, 0b001)));
    assert!(eval(&Restriction::bitmask(sys::BMR_NEZ, LONG, 0b010)));
    assert!(!eval(&Restriction::bitmask(sys::BMR_NEZ, LONG, 0b1001)));
    assert!(!eval(&Restriction::bitmask(sys::BMR_EQZ, TEXT, 1)));
    assert!(eval(&Restriction::size(sys::RELOP_EQ, LONG, 4)));
    assert!(eval(&Restriction::size(sys::RELOP_EQ, BIN, 3)));
    // "Héllo World": 11 characters and the NUL, 2 bytes each.
    assert!(eval(&Restriction::size(sys::RELOP_EQ, TEXT, 24)));
    assert!(eval(&Restriction::size(sys::RELOP_LT, MV, 9)));
    assert_eq!(value_size(&PropValue::String8(b"ab")), 3);
    assert_eq!(value_size(&PropValue::Boolean(true)), 2);
    assert!(eval(&Restriction::exist(LONG)));
    // EXIST looks at the property identifier, whatever the type.
    assert!(eval(&Restriction::exist(TEXT8)));
}

#[test]
fn and_or_not_comment() {
    let t = || prop(sys::RELOP_EQ, LONG, OwnedValue::Long(6));
    let f = || prop(sys::RELOP_EQ, LONG, OwnedValue::Long(7));
    assert!(eval(&Restriction::and(vec![t(), t()]).unwrap()));
    assert!(!eval(&Restriction::and(vec![t(), f()]).unwrap()));
    assert!(eval(&Restriction::and(vec![]).unwrap()));
    assert!(eval(&Restriction::or(vec![f(), t()]).unwrap()));
    assert!(!eval(&Restriction::or(vec![]).unwrap()));
    assert!(eval(&Restriction::not(f()).unwrap()));
    let c = Restriction::comment(
        vec![(sys::PR_DISPLAY_NAME_W, PropValue::Str("note").into())],
        f(),
    )
    .unwrap();
    assert!(!eval(&c));
}

#[test]
fn count_limits_the_matches_of_its_restriction() {
    let r = Restriction::count(2, Restriction::exist(LONG)).unwrap();
    let props: Vec<Prop<'_>> = vec![Prop::new(LONG, PropValue::Long(1)).unwrap()];
    let none: Vec<Prop<'_>> = vec![];
    let mut counters = r.counters();
    let mut results = Vec::new();
    for p in [&props, &none, &props, &props, &props] {
        results.push(r.matches(&PropsLookup(p), &mut counters).unwrap());
    }
    assert_eq!(results, [true, false, true, false, false]);
    // A fresh pass counts again.
    assert!(r.matches(&PropsLookup(&props), &mut r.counters()).unwrap());
    // Two counts in one tree count apart.
    let two = Restriction::or(vec![
        Restriction::count(1, Restriction::exist(LONG)).unwrap(),
        Restriction::count(1, Restriction::exist(LONG)).unwrap(),
    ])
    .unwrap();
    let mut c = two.counters();
    let got: Vec<bool> = (0..3)
        .map(|_| two.matches(&PropsLookup(&props), &mut c).unwrap())
        .collect();
    assert_eq!(got, [true, true, false]);
}

struct WithSubRows<'a> {
    props: &'a [Prop<'a>],
    recipients: Option<Vec<Vec<Prop<'a>>>>,
}

impl Lookup for WithSubRows<'_> {
    fn get(&self, tag: ULONG) -> Option<PropValue<'_>> {
        super::find(self.props, tag)
    }
    fn sub_rows(
        &self,
        object: ULONG,
        _: &[ULONG],
        answer: &mut dyn FnMut(&[Prop<'_>]),
    ) -> Result<bool> {
        match (&self.recipients, object) {
            (Some(rows), sys::PR_MESSAGE_RECIPIENTS) => {
                rows.iter().for_each(|r| answer(r));
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[test]
fn sub_restrictions_look_at_the_sub_rows_or_are_too_complex() {
    let bob = [Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str("Bob")).unwrap()];
    let ann = [Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str("Ann")).unwrap()];
    let row = WithSubRows {
        props: &[],
        recipients: Some(vec![ann.to_vec(), bob.to_vec()]),
    };
    let to = |name: &str| {
        Restriction::sub(
            sys::PR_MESSAGE_RECIPIENTS,
            Restriction::content(
                sys::FL_FULLSTRING | sys::FL_IGNORECASE,
                sys::PR_DISPLAY_NAME_W,
                PropValue::Str(name),
            ),
        )
        .unwrap()
    };
    assert!(to("bob").matches(&row, &mut to("bob").counters()).unwrap());
    assert!(!to("eve").matches(&row, &mut to("eve").counters()).unwrap());
    let r = Restriction::sub(sys::PR_MESSAGE_ATTACHMENTS, Restriction::exist(LONG)).unwrap();
    assert_eq!(
        r.matches(&row, &mut r.counters()).unwrap_err().code(),
        sys::MAPI_E_TOO_COMPLEX
    );
    let r = Restriction::sub(sys::PR_SUBJECT, Restriction::exist(LONG)).unwrap();
    assert_eq!(r.check().unwrap_err().code(), sys::MAPI_E_TOO_COMPLEX);
}

#[test]
fn the_builder_refuses_a_tree_deeper_than_the_limit() {
    let mut r = Restriction::exist(LONG);
    let mut refused_at = None;
    for level in 2..=10_000 {
        match Restriction::not(r.clone()) {
            Ok(n) => r = n,
            Err(e) => {
                assert_eq!(e.code(), sys::MAPI_E_TOO_COMPLEX);
                refused_at = Some(level);
                break;
            }
        }
    }
    assert_eq!(refused_at, Some(MAX_DEPTH + 1));
    assert_eq!(r.depth(), MAX_DEPTH);
    // The deepest tree allowed evaluates: 255 NOTs of a true EXIST is false.
    assert!(!eval(&r));
    // AND/OR count the deepest child.
    assert!(Restriction::and(vec![Restriction::exist(LONG), r.clone()]).is_err());
    assert_eq!(
        Restriction::and(vec![Restriction::exist(LONG)])
            .unwrap()
            .depth(),
        2
    );
}

#[test]
fn tags_lists_what_the_restriction_reads() {
    let r = Restriction::and(vec![
        prop(sys::RELOP_EQ, LONG, OwnedValue::Long(1)),
        Restriction::compare_props(sys::RELOP_EQ, LONG, LONG2),
        Restriction::sub(sys::PR_MESSAGE_RECIPIENTS, Restriction::exist(TEXT)).unwrap(),
    ])
    .unwrap();
    assert_eq!(r.tags(), [LONG, LONG2]);
}

#[test]
fn the_fast_content_search_answers_as_folding_every_character_does() {
    // Texts and patterns from pieces whose folding differs bytewise and charwise: the
    // Kelvin sign folds to `k`, `É` to `é` (and to `e` without nonspacing marks), a
    // combining acute is dropped, Latin-1 bytes that are not UTF-8.
    let pieces: [&[u8]; 10] = [
        b"k",
        b"K",
        "\u{212A}".as_bytes(),
        b"e",
        "\u{c9}".as_bytes(),
        "e\u{301}".as_bytes(),
        b"r",
        b"Re",
        b" ",
        &[0xC9],
    ];
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move |n: u64| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s % n) as usize
    };
    let mut text = |max: u64| -> Vec<u8> {
        (0..next(max))
            .flat_map(|_| pieces[next(pieces.len() as u64)].iter().copied())
            .collect()
    };
    let flags = [
        sys::FL_SUBSTRING,
        sys::FL_SUBSTRING | sys::FL_IGNORECASE,
        sys::FL_SUBSTRING | sys::FL_IGNORENONSPACE,
        sys::FL_SUBSTRING | sys::FL_LOOSE,
        sys::FL_PREFIX | sys::FL_IGNORECASE,
        sys::FL_FULLSTRING | sys::FL_IGNORECASE,
    ];
    for round in 0..4000 {
        let (hay, needle) = (text(8), text(3));
        let fuzzy = flags[round % flags.len()];
        // The pattern as text (the restriction's value is a string), the row's value as
        // either string type.
        let Ok(needle) = String::from_utf8(needle) else {
            continue;
        };
        let r = Restriction::content(fuzzy, TEXT8, PropValue::Str(&needle));
        let mut values = vec![PropValue::String8(&hay)];
        let utf8 = std::str::from_utf8(&hay).ok();
        if let Some(h) = utf8 {
            values.push(PropValue::Str(h));
        }
        for v in values {
            let slow = content_matches(&v, &PropValue::Str(&needle), fuzzy);
            assert_eq!(r.test_value(Some(v)), slow, "{v:?} {needle:?} {fuzzy:#X}");
            // And as the engine tests a column, a row at a time and many at once.
            let test = r.column_test();
            assert_eq!(test.test(Some(v)), slow, "{v:?} {needle:?} {fuzzy:#X}");
            let mut pass = [true, true, false];
            test.test_all(&[Some(v), Some(PropValue::Error(1))], &mut pass);
            assert_eq!(pass, [slow, false, false]);
        }
    }
}
