//! The property values' own tests: every type through a MAPI buffer and back, and the
//! raw values the readers refuse.

use super::*;
use crate::ll::prop_value::empty;
use crate::mem::Allocators;
use crate::sys::{self, SPropValue, _PV, GUID, ULONG};

/// A `PT_MV_CLSID` value's GUIDs, `'static` as `sample`'s values are.
static GUIDS: [GUID; 2] = [
    GUID::from_parts(1, 2, 3, [4; 8]),
    GUID::from_parts(0xFFFF_FFFF, 0, 0xFFFF, [0, 1, 2, 3, 4, 5, 6, 7]),
];

/// One property of every type.
// longer than 80 lines: a flat list, one line or so per type, clearer whole.
fn sample() -> Vec<Prop<'static>> {
    let guid = GUID::from_parts(1, 2, 3, [4, 5, 6, 7, 8, 9, 10, 11]);
    let p = |tag, value| Prop::new(tag, value).unwrap();
    vec![
        p(sys::PR_DISPLAY_NAME_W, PropValue::Str("Inbox ✉")),
        p(sys::PR_ENTRYID, PropValue::Binary(&[1, 2, 3])),
        p(prop_tag(sys::PT_LONG, 0x3602), PropValue::Long(-7)),
        p(prop_tag(sys::PT_BOOLEAN, 0x360A), PropValue::Boolean(true)),
        p(prop_tag(sys::PT_I8, 0x0E08), PropValue::I8(1 << 40)),
        p(
            sys::PR_MESSAGE_DELIVERY_TIME,
            PropValue::SysTime(0x01D9_0000_1234_5678),
        ),
        p(sys::PR_SUBJECT, PropValue::String8(b"hi")),
        p(
            prop_tag(sys::PT_ERROR, 0x1000),
            PropValue::Error(sys::MAPI_E_NOT_FOUND),
        ),
        p(prop_tag(sys::PT_CLSID, 0x6600), PropValue::Clsid(guid)),
        p(
            prop_tag(sys::PT_MV_LONG, 0x6601),
            PropValue::MvLong(&[1, 2, 3]),
        ),
        p(
            prop_tag(sys::PT_MV_UNICODE, 0x6602),
            PropValue::MvUnicode(Strings::new(&[&[0x61, 0x3042], &[]])),
        ),
        p(
            prop_tag(sys::PT_MV_STRING8, 0x6603),
            PropValue::MvString8(Strings::new(&[b"x", b"yz"])),
        ),
        p(
            prop_tag(sys::PT_MV_BINARY, 0x6604),
            PropValue::MvBinary(Binaries::new(&[&[9], &[]])),
        ),
        p(prop_tag(sys::PT_NULL, 0x6605), PropValue::Null),
        p(
            prop_tag(sys::PT_UNICODE, 0x6606),
            PropValue::Unicode(&[0x48, 0x69]),
        ),
        p(prop_tag(sys::PT_I2, 0x6607), PropValue::I2(-300)),
        p(prop_tag(sys::PT_R4, 0x6608), PropValue::R4(0.25)),
        p(prop_tag(sys::PT_DOUBLE, 0x6609), PropValue::Double(-1e-300)),
        p(
            prop_tag(sys::PT_CURRENCY, 0x660A),
            PropValue::Currency(-123_4567),
        ),
        p(
            prop_tag(sys::PT_APPTIME, 0x660B),
            PropValue::AppTime(45_266.5),
        ),
        p(prop_tag(sys::PT_OBJECT, 0x660C), PropValue::Object),
        p(
            prop_tag(sys::PT_MV_I2, 0x660D),
            PropValue::MvI2(&[1, i16::MIN]),
        ),
        p(
            prop_tag(sys::PT_MV_R4, 0x660E),
            PropValue::MvR4(&[f32::NAN, 2.0]),
        ),
        p(
            prop_tag(sys::PT_MV_DOUBLE, 0x660F),
            PropValue::MvDouble(&[3.5]),
        ),
        p(
            prop_tag(sys::PT_MV_CURRENCY, 0x6610),
            PropValue::MvCurrency(&[1, -1]),
        ),
        p(
            prop_tag(sys::PT_MV_APPTIME, 0x6611),
            PropValue::MvAppTime(&[]),
        ),
        p(
            prop_tag(sys::PT_MV_SYSTIME, 0x6612),
            PropValue::MvSysTime(SysTimes::new(&[0x01D9_0000_1234_5678, 1])),
        ),
        p(
            prop_tag(sys::PT_MV_CLSID, 0x6613),
            PropValue::MvClsid(&GUIDS),
        ),
        p(
            prop_tag(sys::PT_MV_I8, 0x6614),
            PropValue::MvI8(&[1 << 62, -1]),
        ),
    ]
}

#[test]
fn every_type_survives_a_round_trip_through_a_mapi_buffer() {
    let props = sample();
    let array = PropArray::write(Allocators::local(), &props).unwrap();
    assert_eq!(array.as_slice().len(), props.len());
    assert_eq!(array.props(), props[..]);
    // SAFETY: just written by PropArray, alive while `array` is.
    let back = unsafe { Props::from_raw(array.as_slice().as_ptr(), props.len() as ULONG) }.unwrap();
    assert_eq!(back, props[..]);
    // The one-pass reader gives the same values, into reused storage.
    let mut all = vec![props[0]];
    // SAFETY: as above.
    unsafe { Props::read_into(array.as_slice().as_ptr(), props.len() as ULONG, &mut all) }.unwrap();
    assert_eq!(all, props);
    let name = back.find(sys::PR_DISPLAY_NAME_W).unwrap().value();
    assert!(matches!(name, PropValue::Unicode(_)), "{name:?}");
    assert_eq!(name.to_text().as_deref(), Some("Inbox ✉"));
    assert_eq!(name, PropValue::Str("Inbox ✉"));
    assert_ne!(name, PropValue::Str("Inbox"));
    let PropValue::MvUnicode(list) = back.get(10).unwrap().value() else {
        panic!("{:?}", back.get(10));
    };
    assert_eq!(list.iter().collect::<Vec<_>>(), [&[0x61, 0x3042][..], &[]]);
    assert!(back.find(sys::PR_BODY).is_none());
    assert!(back.get(props.len()).is_none());
    // Handed out and freed by the caller: once.
    let (count, raw) = array.into_raw();
    assert_eq!(count as usize, props.len());
    let (_, _, free) = Allocators::local().as_raw();
    // SAFETY: what the caller of GetProps does with the array.
    unsafe { free.unwrap()(raw.cast()) };
}

#[test]
fn a_value_whose_type_is_not_its_tags_is_refused() {
    let e = Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Long(1)).unwrap_err();
    assert_eq!(e.code(), sys::MAPI_E_BAD_VALUE);
    assert!(e.text().contains("0x3001001F"), "{}", e.text());
    let e = Prop::new(sys::PR_SUBJECT, PropValue::Str("not 8-bit")).unwrap_err();
    assert_eq!(e.code(), sys::MAPI_E_BAD_VALUE);
}

fn raw(tag: ULONG, value: _PV) -> SPropValue {
    SPropValue {
        ulPropTag: tag,
        dwAlignPad: 0,
        Value: value,
    }
}

#[test]
fn unreadable_raw_values_are_errors() {
    let code = |r: &SPropValue| {
        // SAFETY: each value below is one the reader refuses before reading any
        // pointer it holds.
        let e = unsafe { Prop::from_raw(r) }.unwrap_err();
        e.code()
    };
    let null_string = raw(sys::PR_DISPLAY_NAME_W, empty());
    assert_eq!(code(&null_string), sys::MAPI_E_CORRUPT_DATA);
    assert_eq!(
        // No type of mapidefs.h (PT_SRESTRICTION, 0x00FD, is Exchange's edkmdb.h's).
        code(&raw(prop_tag(0x00FD, 0x6000), empty())),
        sys::MAPI_E_BAD_VALUE
    );
    let mut v = empty();
    v.bin = sys::SBinary {
        cb: 3,
        lpb: std::ptr::null_mut(),
    };
    assert_eq!(code(&raw(sys::PR_ENTRYID, v)), sys::MAPI_E_CORRUPT_DATA);
    assert_eq!(
        code(&raw(prop_tag(sys::PT_CLSID, 0x6600), empty())),
        sys::MAPI_E_CORRUPT_DATA
    );
    // A multi-valued string with one null among its strings.
    let a: [u16; 2] = [0x61, 0];
    let mut strings = [a.as_ptr().cast_mut(), std::ptr::null_mut()];
    let mut v = empty();
    v.MVszW = sys::SWStringArray {
        cValues: 2,
        lppszW: strings.as_mut_ptr(),
    };
    let mv = raw(prop_tag(sys::PT_MV_UNICODE, 0x6602), v);
    assert_eq!(code(&mv), sys::MAPI_E_CORRUPT_DATA);
    // In an array, the error names the value.
    let ok = raw(prop_tag(sys::PT_LONG, 0x3602), empty());
    let values = [ok, ok, mv];
    // SAFETY: the bad value is refused before its strings are read.
    let e = unsafe { Props::from_raw(values.as_ptr(), 3) }.unwrap_err();
    assert_eq!(e.code(), sys::MAPI_E_CORRUPT_DATA);
    assert!(e.text().contains("property value 2"), "{}", e.text());
    let mut out = Vec::new();
    // SAFETY: as above.
    let e = unsafe { Props::read_into(values.as_ptr(), 3, &mut out) }.unwrap_err();
    assert!(e.text().contains("property value 2"), "{}", e.text());
    assert_eq!(out.len(), 2, "the values before the bad one");
    // SAFETY: a null array with values is refused before reading.
    let e = unsafe { Props::from_raw(std::ptr::null(), 2) }.unwrap_err();
    assert_eq!(e.code(), sys::MAPI_E_CORRUPT_DATA);
    // SAFETY: a null array without values is an empty one.
    assert!(unsafe { Props::from_raw(std::ptr::null(), 0) }
        .unwrap()
        .is_empty());
}

#[test]
fn get_props_answers_in_the_callers_order_with_errors_for_what_is_missing() {
    let has = sample();
    let size = prop_tag(sys::PT_UNSPECIFIED, 0x0E08);
    let requested = [sys::PR_SUBJECT, sys::PR_BODY_W, size, sys::PR_ENTRYID];
    let answer = PropArray::answer(
        Allocators::local(),
        Some(&requested),
        &has,
        sys::MAPI_UNICODE,
    )
    .unwrap();
    assert_eq!(answer.status(), sys::MAPI_W_ERRORS_RETURNED);
    let got: Vec<_> = answer.props().iter().collect();
    assert_eq!(got[0], has[6]);
    assert_eq!(got[1].tag(), prop_tag(sys::PT_ERROR, 0x1000));
    assert_eq!(got[1].value(), PropValue::Error(sys::MAPI_E_NOT_FOUND));
    assert_eq!(got[2], has[4], "PT_UNSPECIFIED finds the property by id");
    assert_eq!(got[3], has[1]);
    // No tag array: everything, strings as MAPI_UNICODE asks (the sample's PT_STRING8
    // subject as PT_UNICODE); no PT_ERROR asked for or given beyond the sample's own.
    let all = PropArray::answer(Allocators::local(), None, &has[..7], sys::MAPI_UNICODE).unwrap();
    let all_props: Vec<_> = all.props().iter().collect();
    assert_eq!(all_props[..6], has[..6]);
    assert_eq!(all_props[6].tag(), sys::PR_SUBJECT_W);
    assert_eq!(all_props[6].value(), PropValue::Str("hi"));
    assert_eq!(all.status(), sys::S_OK);
    // Handed out: both pointers written; a null one refused.
    let (mut count, mut values) = (0, std::ptr::null_mut());
    // SAFETY: both writable.
    assert_eq!(unsafe { all.hand_out(&mut count, &mut values) }, sys::S_OK);
    assert_eq!(count, 7);
    let (_, _, free) = Allocators::local().as_raw();
    // SAFETY: the caller's MAPIFreeBuffer, once.
    unsafe { free.unwrap()(values.cast()) };
    let again = PropArray::answer(Allocators::local(), None, &has, sys::MAPI_UNICODE).unwrap();
    // SAFETY: null is refused before anything is written.
    let hr = unsafe { again.hand_out(&mut count, std::ptr::null_mut()) };
    assert_eq!(hr, sys::MAPI_E_INVALID_PARAMETER);
}

#[test]
fn a_property_given_as_an_error_answers_that_error_in_the_type_asked() {
    // A body too big for GetProps, given as MAPI stores give it: PT_ERROR in its place.
    let too_big = prop_tag(sys::PT_ERROR, 0x1000);
    let has = [
        Prop::new(too_big, PropValue::Error(sys::MAPI_E_NOT_ENOUGH_MEMORY)).unwrap(),
        Prop::new(sys::PR_SUBJECT_W, PropValue::Str("s")).unwrap(),
    ];
    for asked in [sys::PR_BODY_W, sys::PR_BODY_A] {
        let answer = PropArray::answer(Allocators::local(), Some(&[asked]), &has, 0).unwrap();
        assert_eq!(answer.status(), sys::MAPI_W_ERRORS_RETURNED);
        let got = answer.props().get(0).unwrap();
        assert_eq!(got.tag(), too_big);
        assert_eq!(got.value(), PropValue::Error(sys::MAPI_E_NOT_ENOUGH_MEMORY));
    }
    // Every property: the error is listed as it is.
    let all = PropArray::answer(Allocators::local(), None, &has, 0).unwrap();
    assert_eq!(all.props().get(0).unwrap().tag(), too_big);
}

#[test]
fn values_are_plain_data_that_cross_threads() {
    fn send_sync<T: Send + Sync + Copy>() {}
    send_sync::<PropValue<'static>>();
    send_sync::<Prop<'static>>();
}

#[test]
fn row_sets_round_trip_and_a_truncated_one_is_refused() {
    let rows = vec![
        vec![
            Prop::new(sys::PR_SUBJECT, PropValue::String8(b"one")).unwrap(),
            Prop::new(sys::PR_DISPLAY_NAME_W, PropValue::Str("1")).unwrap(),
        ],
        vec![],
        vec![Prop::new(sys::PR_SUBJECT, PropValue::String8(b"three")).unwrap()],
    ];
    let set = RowSet::write(Allocators::local(), &rows).unwrap();
    // SAFETY: just written, alive while `set` is.
    let back = unsafe { Rows::from_raw(set.as_ptr()) }.unwrap();
    assert_eq!(back.len(), 3);
    assert!(back.iter().zip(&rows).all(|(r, w)| r == w[..]));
    assert_eq!(back.get(1).unwrap().len(), 0);
    // A row that claims values it does not have.
    let raw = set.as_ptr().cast_mut();
    // SAFETY: row 1 exists; its (empty) value buffer stays owned by `set`.
    let (saved, e) = unsafe {
        let row = std::ptr::addr_of_mut!((*raw).aRow)
            .cast::<sys::SRow>()
            .add(1);
        let saved = *row;
        (*row).cValues = 5;
        (*row).lpProps = std::ptr::null_mut();
        (saved, Rows::from_raw(raw).unwrap_err())
    };
    assert_eq!(e.code(), sys::MAPI_E_CORRUPT_DATA);
    assert!(e.text().contains("row 1"), "{}", e.text());
    // SAFETY: put back what was there, so `set` frees it.
    unsafe {
        *std::ptr::addr_of_mut!((*raw).aRow)
            .cast::<sys::SRow>()
            .add(1) = saved
    };
    drop(set);
    // SAFETY: null is refused.
    let e = unsafe { Rows::from_raw(std::ptr::null()) }.unwrap_err();
    assert_eq!(e.code(), sys::MAPI_E_INVALID_PARAMETER);
    // Handed out: the caller's FreeProws is each row's buffer, then the set.
    let set = RowSet::write(Allocators::local(), &rows)
        .unwrap()
        .into_raw();
    let (_, _, free) = Allocators::local().as_raw();
    // SAFETY: what FreeProws does, once.
    unsafe {
        let first = std::ptr::addr_of!((*set).aRow).cast::<sys::SRow>();
        for i in 0..(*set).cRows as usize {
            free.unwrap()((*first.add(i)).lpProps.cast());
        }
        free.unwrap()(set.cast());
    }
}

#[test]
fn tag_arrays_and_entry_ids_round_trip() {
    let buffer = write_prop_tags(Allocators::local(), &[sys::PR_ENTRYID, sys::PR_SUBJECT]).unwrap();
    // SAFETY: just written.
    let tags = unsafe { prop_tags(buffer.as_ptr().cast()) }.unwrap();
    assert_eq!(tags, [sys::PR_ENTRYID, sys::PR_SUBJECT]);
    // SAFETY: null is "all properties".
    assert!(unsafe { prop_tags(std::ptr::null()) }.is_none());
    let (cb, id) = write_entry_id(Allocators::local(), [0, 0, 0, 1], b"inbox").unwrap();
    assert_eq!(cb, 9);
    // SAFETY: `cb` bytes, just written.
    let (flags, bytes) = unsafe { entry_id(cb, id.as_ptr().cast()) }.unwrap();
    assert_eq!((flags, bytes), ([0, 0, 0, 1], &b"inbox"[..]));
    // SAFETY: too short: refused before reading.
    let e = unsafe { entry_id(3, id.as_ptr().cast()) }.unwrap_err();
    assert_eq!(e.code(), sys::MAPI_E_INVALID_ENTRYID);
}

#[test]
fn text_is_written_as_nul_terminated_utf16_whatever_it_holds() {
    // ASCII (widened byte by byte), Latin text, a character beyond the BMP (a surrogate
    // pair), and nothing: each in a child written whole, with its NUL.
    let texts = ["plain ASCII subject", "Café crème", "clef 𝄞!", ""];
    let props: Vec<Prop<'_>> = texts
        .iter()
        .map(|t| Prop::new(sys::PR_SUBJECT_W, PropValue::Str(t)).unwrap())
        .collect();
    let array = PropArray::write(Allocators::local(), &props).unwrap();
    for (raw, text) in array.as_slice().iter().zip(texts) {
        let want: Vec<u16> = text.encode_utf16().chain([0]).collect();
        // SAFETY: a PT_UNICODE value written above: `want.len()` units, NUL included.
        let got = unsafe { std::slice::from_raw_parts(raw.Value.lpszW, want.len()) };
        assert_eq!(got, &want[..], "{text:?}");
    }
    let read: Vec<PropValue<'_>> = array.props().iter().map(|p| p.value()).collect();
    let units = |t: &str| t.encode_utf16().collect::<Vec<u16>>();
    assert_eq!(read[1], PropValue::Unicode(&units("Café crème")));
}
