//! Host-made `SPropValue` arrays and `SRowSet`s through the property readers and
//! writers: a seeded sweep of arbitrary inputs through `props_input::check` (the model of
//! what reading must give; the libFuzzer target `fuzz/fuzz_targets/props.rs` runs the
//! same check), and inputs made to hit each refusal.

mod props_input;

use mapi_sync::sys;
use props_input::{check, Outcome};

/// xorshift64*: the same inputs on every run and every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn a_seeded_sweep_reads_as_the_model_says() {
    // Miri checks the readers' unsafe code on a few; natively, many.
    let inputs = if cfg!(miri) { 48 } else { 20_000 };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut read, mut bad_value, mut corrupt, mut values) = (0, 0, 0, 0);
    let (mut row_sets, mut null_sets, mut rows_read) = (0, 0, 0);
    for _ in 0..inputs {
        // Half of them short, so that many hold no bad value at all.
        let len = (rng.next() % if rng.next() % 2 == 0 { 40 } else { 384 }) as usize;
        let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let outcome = check(&data);
        values += outcome.values;
        if outcome.rows {
            row_sets += 1;
            rows_read += usize::from(outcome.refused.is_none());
        }
        match outcome.refused {
            None => read += 1,
            Some(sys::MAPI_E_BAD_VALUE) => bad_value += 1,
            Some(sys::MAPI_E_CORRUPT_DATA) => corrupt += 1,
            Some(sys::MAPI_E_INVALID_PARAMETER) if outcome.rows => null_sets += 1,
            Some(other) => panic!("refused with {other:#010X}"),
        }
    }
    // The sweep reaches every outcome (each branch of the model is exercised; under
    // Miri, `each_refusal` reaches them).
    if cfg!(miri) {
        return;
    }
    assert!(read > inputs / 20, "{read} of {inputs} read");
    assert!(
        bad_value > inputs / 20,
        "{bad_value} of {inputs} refused as bad values"
    );
    assert!(
        corrupt > inputs / 20,
        "{corrupt} of {inputs} refused as corrupt"
    );
    assert!(row_sets > inputs / 8, "{row_sets} of {inputs} row sets");
    assert!(
        rows_read > inputs / 40,
        "{rows_read} of {inputs} row sets read"
    );
    assert!(null_sets > 0, "{null_sets} null row sets");
    assert!(values > inputs, "{values} values in {inputs} inputs");
}

#[test]
fn nothing_reads_as_an_empty_array() {
    assert_eq!(
        check(&[]),
        Outcome {
            values: 0,
            rows: false,
            refused: None
        }
    );
}

#[test]
fn each_refusal() {
    // Head byte 1 (not a null array), then one value: kind, tag id (2 bytes), then what
    // the kind reads. Kind 6 is PT_UNICODE, 9 PT_CLSID, 10 PT_MV_LONG, 16 PT_DOUBLE,
    // 27 PT_MV_I8, 28 a raw type (two bytes).
    let null_string = [1, 6, 0x34, 0x12, 8, 3];
    assert_eq!(check(&null_string).refused, Some(sys::MAPI_E_CORRUPT_DATA));
    let string = [1, 6, 0x34, 0x12, 1, 3, b'a', 0, b'b', 0, b'c', 0];
    assert_eq!(check(&string).refused, None);
    let null_clsid = [1, 9, 0, 0, 0];
    assert_eq!(check(&null_clsid).refused, Some(sys::MAPI_E_CORRUPT_DATA));
    let null_longs = [1, 10, 0, 0, 0, 2, 1, 0, 0, 0, 2, 0, 0, 0];
    assert_eq!(check(&null_longs).refused, Some(sys::MAPI_E_CORRUPT_DATA));
    let null_no_longs = [1, 10, 0, 0, 0, 0];
    assert_eq!(check(&null_no_longs).refused, None);
    // PT_SRESTRICTION (0x00FD), Exchange's, no type of mapidefs.h: not read.
    let restriction = [1, 28, 0xFD, 0, 0x10, 0, 0, 0, 0, 0];
    assert_eq!(check(&restriction).refused, Some(sys::MAPI_E_BAD_VALUE));
    // PT_DOUBLE: any bits, a NaN's too, read as written.
    let double = [1, 16, 0, 0x10, 1, 0, 0, 0, 0, 0, 0xF8, 0x7F];
    assert_eq!(check(&double).refused, None);
    // PT_MV_I8 with a null array claiming one item; then with none.
    let null_i8s = [1, 27, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8];
    assert_eq!(check(&null_i8s).refused, Some(sys::MAPI_E_CORRUPT_DATA));
    let i8s = [1, 27, 0, 0, 1, 2, 1, 2, 3, 4, 5, 6, 7, 8];
    assert_eq!(check(&i8s).refused, None);
    // A null array (head byte 0) that claims one good value.
    let null_array = [0, 1, 0, 0, 7, 0, 0, 0];
    assert_eq!(check(&null_array).refused, Some(sys::MAPI_E_CORRUPT_DATA));

    // Row sets (head byte 3 modulo 4): a row count, then per row a value count, whether
    // its array is null, and its values.
    let null_set = [3, 0];
    assert_eq!(
        check(&null_set).refused,
        Some(sys::MAPI_E_INVALID_PARAMETER)
    );
    let no_rows = [7, 0];
    assert_eq!(check(&no_rows).refused, None);
    // Two rows: one PT_LONG; then one value claimed with no array.
    let no_array = [7, 2, 1, 1, 1, 0, 0, 7, 0, 0, 0, 1, 8, 1, 0, 0, 7, 0, 0, 0];
    assert_eq!(check(&no_array).refused, Some(sys::MAPI_E_CORRUPT_DATA));
    // Two rows: one PT_LONG; then a PT_SRESTRICTION.
    let bad_row = [
        7, 2, 1, 1, 1, 0, 0, 7, 0, 0, 0, 1, 1, 28, 0xFD, 0, 0x10, 0, 0, 0, 0, 0,
    ];
    assert_eq!(check(&bad_row).refused, Some(sys::MAPI_E_BAD_VALUE));
    let good_rows = [7, 2, 1, 1, 1, 0, 0, 7, 0, 0, 0, 1, 1, 1, 0, 0, 9, 0, 0, 0];
    let outcome = check(&good_rows);
    assert_eq!(
        (outcome.rows, outcome.values, outcome.refused),
        (true, 2, None)
    );
}
