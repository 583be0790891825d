//! The stream object called through its vtable, as a client (Outlook) calls it.

use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::ptr::null_mut;

use super::*;
use crate::sys::{ISequentialStream, IUnknown, E_UNEXPECTED, S_OK};

fn large(v: i64) -> LARGE_INTEGER {
    LARGE_INTEGER { QuadPart: v }
}

/// `Read` of `n` bytes: the result, the bytes read and the count the stream reported.
fn read(s: &IStream, n: usize) -> (HRESULT, Vec<u8>) {
    let mut buf = vec![0xEEu8; n];
    let mut got: ULONG = 0xDEAD;
    // SAFETY: a writable buffer of n bytes and a writable count.
    let hr = unsafe { s.Read(buf.as_mut_ptr().cast(), n as ULONG, &mut got) };
    assert!(got as usize <= n);
    buf.truncate(got as usize);
    (hr, buf)
}

fn write(s: &IStream, bytes: &[u8]) -> (HRESULT, ULONG) {
    let mut n: ULONG = 0xDEAD;
    // SAFETY: readable bytes and a writable count.
    let hr = unsafe { s.Write(bytes.as_ptr().cast(), bytes.len() as ULONG, &mut n) };
    (hr, n)
}

fn seek(s: &IStream, by: i64, origin: DWORD) -> (HRESULT, u64) {
    let mut at = ularge(u64::MAX);
    // SAFETY: a writable ULARGE_INTEGER.
    let hr = unsafe { s.Seek(large(by), origin, &mut at) };
    (hr, ularge_value(at))
}

fn stat(s: &IStream, flag: DWORD) -> (HRESULT, STATSTG) {
    // SAFETY: STATSTG is plain data; all ones marks what the stream did not set.
    let mut st: STATSTG = unsafe { std::mem::zeroed() };
    st.type_ = 0xFFFF_FFFF;
    st.pwcsName = std::ptr::NonNull::dangling().as_ptr();
    // SAFETY: a writable STATSTG.
    let hr = unsafe { s.Stat(&mut st, flag) };
    (hr, st)
}

fn clone(s: &IStream) -> IStream {
    let mut p = InterfacePtr::<IStream>::null();
    // SAFETY: a writable out-pointer; its one reference is taken over below.
    assert_eq!(unsafe { s.Clone(&mut p) }, S_OK);
    // SAFETY: the reference Clone handed back.
    unsafe { p.into_owned() }.unwrap()
}

fn hello() -> IStream {
    Stream::read_only(Cursor::new(b"Hello, world".to_vec())).into_istream()
}

#[test]
fn reads_in_pieces_and_stops_at_the_end() {
    let s = hello();
    assert_eq!(read(&s, 5), (S_OK, b"Hello".to_vec()));
    assert_eq!(read(&s, 100), (S_OK, b", world".to_vec()));
    assert_eq!(read(&s, 4), (S_OK, Vec::new()));
    // No count wanted; no buffer is an invalid pointer.
    assert_eq!(seek(&s, 0, sys::STREAM_SEEK_SET), (S_OK, 0));
    let mut b = [0u8; 2];
    // SAFETY: a writable 2-byte buffer; the count may be NULL.
    assert_eq!(
        unsafe { s.Read(b.as_mut_ptr().cast(), 2, null_mut()) },
        S_OK
    );
    assert_eq!(&b, b"He");
    let mut n: ULONG = 7;
    // SAFETY: a null buffer is what is being tested; the count is writable.
    let hr = unsafe { s.Read(null_mut(), 2, &mut n) };
    assert_eq!((hr, n), (sys::STG_E_INVALIDPOINTER, 0));
    assert_eq!(read(&s, 3), (S_OK, b"llo".to_vec()));
}

#[test]
fn seeks_from_each_origin() {
    let s = hello();
    assert_eq!(seek(&s, 7, sys::STREAM_SEEK_SET), (S_OK, 7));
    assert_eq!(read(&s, 5).1, b"world");
    assert_eq!(seek(&s, -5, sys::STREAM_SEEK_CUR), (S_OK, 7));
    assert_eq!(seek(&s, -5, sys::STREAM_SEEK_END), (S_OK, 7));
    assert_eq!(seek(&s, 0, sys::STREAM_SEEK_END), (S_OK, 12));
    // Before the start: refused, and the pointer stays.
    assert_eq!(
        seek(&s, -13, sys::STREAM_SEEK_END).0,
        sys::STG_E_INVALIDFUNCTION
    );
    assert_eq!(
        seek(&s, -1, sys::STREAM_SEEK_SET).0,
        sys::STG_E_INVALIDFUNCTION
    );
    assert_eq!(seek(&s, 0, sys::STREAM_SEEK_CUR), (S_OK, 12));
    // An unknown origin.
    assert_eq!(seek(&s, 0, 3).0, sys::STG_E_INVALIDFUNCTION);
    // Past the end is allowed; reading there reads nothing.
    assert_eq!(seek(&s, 100, sys::STREAM_SEEK_SET), (S_OK, 100));
    assert_eq!(read(&s, 4), (S_OK, Vec::new()));
    // The new position is optional.
    // SAFETY: a null out-pointer is allowed.
    assert_eq!(
        unsafe { s.Seek(large(1), sys::STREAM_SEEK_SET, null_mut()) },
        S_OK
    );
    assert_eq!(read(&s, 4).1, b"ello");
}

#[test]
fn a_read_only_stream_refuses_changes_and_says_so() {
    let s = hello();
    assert_eq!(write(&s, b"x"), (sys::STG_E_ACCESSDENIED, 0));
    // SAFETY: plain values.
    assert_eq!(unsafe { s.SetSize(ularge(3)) }, sys::STG_E_ACCESSDENIED);
    let (hr, st) = stat(&s, sys::STATFLAG_NONAME);
    assert_eq!(hr, S_OK);
    assert_eq!(st.type_, sys::STGTY_STREAM);
    assert_eq!(ularge_value(st.cbSize), 12);
    assert_eq!(st.grfMode, sys::STGM_READ);
    assert_eq!(st.grfLocksSupported, 0);
    assert!(st.pwcsName.is_null());
    // The stream has no name: none with STATFLAG_DEFAULT either.
    let (hr, st) = stat(&s, sys::STATFLAG_DEFAULT);
    assert_eq!(hr, S_OK);
    assert!(st.pwcsName.is_null());
    assert_eq!(stat(&s, sys::STATFLAG_NOOPEN).0, sys::STG_E_INVALIDFLAG);
    // SAFETY: a null STATSTG is what is being tested.
    assert_eq!(unsafe { s.Stat(null_mut(), 0) }, sys::STG_E_INVALIDPOINTER);
    // Stat does not move the pointer, and reading is unchanged.
    assert_eq!(read(&s, 5).1, b"Hello");
    // Commit and Revert have nothing to do; regions are not locked.
    // SAFETY: plain values.
    unsafe {
        assert_eq!(s.Commit(sys::STGC_DEFAULT), S_OK);
        assert_eq!(s.Commit(0x100), sys::STG_E_INVALIDFLAG);
        assert_eq!(s.Revert(), S_OK);
        assert_eq!(
            s.LockRegion(ularge(0), ularge(1), sys::LOCK_WRITE),
            sys::STG_E_INVALIDFUNCTION
        );
        assert_eq!(
            s.UnlockRegion(ularge(0), ularge(1), sys::LOCK_WRITE),
            sys::STG_E_INVALIDFUNCTION
        );
    }
}

#[test]
fn a_writable_stream_writes_extends_and_sets_its_size() {
    let s = Stream::writable(Cursor::new(b"abcdef".to_vec())).into_istream();
    assert_eq!(
        stat(&s, sys::STATFLAG_NONAME).1.grfMode,
        sys::STGM_READWRITE
    );
    assert_eq!(seek(&s, 4, sys::STREAM_SEEK_SET).0, S_OK);
    assert_eq!(write(&s, b"XYZ"), (S_OK, 3));
    assert_eq!(seek(&s, 0, sys::STREAM_SEEK_CUR).1, 7);
    assert_eq!(ularge_value(stat(&s, 1).1.cbSize), 7);
    // Past the end: the gap is zeros.
    assert_eq!(seek(&s, 9, sys::STREAM_SEEK_SET).0, S_OK);
    assert_eq!(write(&s, b"!"), (S_OK, 1));
    seek(&s, 0, sys::STREAM_SEEK_SET);
    assert_eq!(read(&s, 100).1, b"abcdXYZ\0\0!");
    // SetSize cuts and extends with zeros, and leaves the pointer.
    seek(&s, 2, sys::STREAM_SEEK_SET);
    // SAFETY: plain values.
    assert_eq!(unsafe { s.SetSize(ularge(3)) }, S_OK);
    assert_eq!(seek(&s, 0, sys::STREAM_SEEK_CUR).1, 2);
    assert_eq!(read(&s, 100).1, b"c");
    // SAFETY: plain values.
    assert_eq!(unsafe { s.SetSize(ularge(5)) }, S_OK);
    seek(&s, 0, sys::STREAM_SEEK_SET);
    assert_eq!(read(&s, 100).1, b"abc\0\0");
    // A count of 0 writes nothing, even without a buffer; a null buffer otherwise is
    // an invalid pointer.
    let mut n: ULONG = 9;
    // SAFETY: null buffers are what is being tested; the count is writable.
    unsafe {
        assert_eq!(s.Write(std::ptr::null(), 0, &mut n), S_OK);
        assert_eq!(n, 0);
        assert_eq!(
            s.Write(std::ptr::null(), 1, &mut n),
            sys::STG_E_INVALIDPOINTER
        );
        assert_eq!(s.Write(b"q".as_ptr().cast(), 1, null_mut()), S_OK);
        assert_eq!(
            s.Commit(sys::STGC_OVERWRITE | sys::STGC_ONLYIFCURRENT),
            S_OK
        );
    }
    assert_eq!(ularge_value(stat(&s, 1).1.cbSize), 6);
}

#[test]
fn clones_share_the_data_with_their_own_pointers() {
    let s = Stream::writable(Cursor::new(b"0123456789".to_vec())).into_istream();
    seek(&s, 3, sys::STREAM_SEEK_SET);
    let c = clone(&s);
    // The clone starts where the source was; each then moves on its own.
    assert_eq!(read(&c, 2).1, b"34");
    assert_eq!(read(&s, 1).1, b"3");
    assert_eq!(seek(&c, 0, sys::STREAM_SEEK_CUR).1, 5);
    // A write through one is seen by the other at once.
    assert_eq!(write(&c, b"ab"), (S_OK, 2));
    seek(&s, 5, sys::STREAM_SEEK_SET);
    assert_eq!(read(&s, 3).1, b"ab7");
    // The clone outlives the source; it is an object of its own (its own identity).
    let su: IUnknown = s.cast().unwrap();
    let cu: IUnknown = c.cast().unwrap();
    assert_ne!(su.as_raw(), cu.as_raw());
    drop((s, su));
    seek(&c, 0, sys::STREAM_SEEK_SET);
    assert_eq!(read(&c, 100).1, b"01234ab789");
    // A read-only stream's clone is read-only.
    let r = clone(&hello());
    assert_eq!(write(&r, b"x").0, sys::STG_E_ACCESSDENIED);
    // SAFETY: a null out-pointer is what is being tested.
    assert_eq!(unsafe { r.Clone(null_mut()) }, sys::STG_E_INVALIDPOINTER);
}

#[test]
fn answers_its_interfaces() {
    let s = hello();
    let seq: ISequentialStream = s.cast().unwrap();
    let mut b = [0u8; 5];
    let mut n = 0;
    // SAFETY: a writable 5-byte buffer and count.
    assert_eq!(unsafe { seq.Read(b.as_mut_ptr().cast(), 5, &mut n) }, S_OK);
    assert_eq!(&b, b"Hello");
    let back: IStream = seq.cast().unwrap();
    assert_eq!(read(&back, 2).1, b", ");
    assert!(s.cast::<crate::sys::IMAPISync>().is_err());
}

#[test]
fn copies_to_another_stream_with_counts() {
    let s = hello();
    seek(&s, 7, sys::STREAM_SEEK_SET);
    let target = Stream::writable(Cursor::new(Vec::new())).into_istream();
    let (mut r, mut w) = (ularge(9), ularge(9));
    // SAFETY: a live target and writable counts.
    let hr = unsafe { s.CopyTo((&target).into(), ularge(3), &mut r, &mut w) };
    assert_eq!((hr, ularge_value(r), ularge_value(w)), (S_OK, 3, 3));
    // More than is left: what is left.
    // SAFETY: as above; the counts are optional.
    let hr = unsafe { s.CopyTo((&target).into(), ularge(u64::MAX), &mut r, null_mut()) };
    assert_eq!((hr, ularge_value(r)), (S_OK, 2));
    assert_eq!(seek(&s, 0, sys::STREAM_SEEK_CUR).1, 12);
    seek(&target, 0, sys::STREAM_SEEK_SET);
    assert_eq!(read(&target, 100).1, b"world");
    // To a read-only stream: its refusal, with what was read.
    seek(&s, 0, sys::STREAM_SEEK_SET);
    // SAFETY: as above.
    let hr = unsafe { s.CopyTo((&hello()).into(), ularge(4), &mut r, &mut w) };
    assert_eq!(
        (hr, ularge_value(r), ularge_value(w)),
        (sys::STG_E_ACCESSDENIED, 4, 0)
    );
    // SAFETY: a null target is what is being tested.
    let hr = unsafe { s.CopyTo(InterfacePtr::null(), ularge(4), &mut r, &mut w) };
    assert_eq!((hr, ularge_value(r)), (sys::STG_E_INVALIDPOINTER, 0));
}

#[test]
fn copies_to_its_own_clone_without_deadlock() {
    let s = Stream::writable(Cursor::new(b"abc".to_vec())).into_istream();
    let c = clone(&s);
    seek(&c, 0, sys::STREAM_SEEK_END);
    let mut w = ularge(0);
    // SAFETY: a live target and a writable count.
    let hr = unsafe { s.CopyTo((&c).into(), ularge(3), null_mut(), &mut w) };
    assert_eq!((hr, ularge_value(w)), (S_OK, 3));
    seek(&s, 0, sys::STREAM_SEEK_SET);
    assert_eq!(read(&s, 100).1, b"abcabc");
}

#[test]
fn more_than_a_chunk_reads_and_copies_whole() {
    let data: Vec<u8> = (0..CHUNK * 2 + 17).map(|i| (i % 251) as u8).collect();
    let s = Stream::read_only(Cursor::new(data.clone())).into_istream();
    assert_eq!(read(&s, data.len() + 5), (S_OK, data.clone()));
    seek(&s, 0, sys::STREAM_SEEK_SET);
    let target = Stream::writable(Cursor::new(Vec::new())).into_istream();
    let (mut r, mut w) = (ularge(0), ularge(0));
    // SAFETY: a live target and writable counts.
    let hr = unsafe { s.CopyTo((&target).into(), ularge(u64::MAX), &mut r, &mut w) };
    let n = data.len() as u64;
    assert_eq!((hr, ularge_value(r), ularge_value(w)), (S_OK, n, n));
    seek(&target, 0, sys::STREAM_SEEK_SET);
    assert_eq!(read(&target, data.len()).1, data);
}

/// A source whose reads fail or panic on demand.
struct Faulty {
    inner: Cursor<Vec<u8>>,
    fail: std::sync::Arc<std::sync::atomic::AtomicU8>,
}

impl Read for Faulty {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            1 => Err(io::Error::other("disk gone")),
            2 => panic!("the provider's read panicked"),
            _ => self.inner.read(buf),
        }
    }
}

impl Seek for Faulty {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[test]
fn read_errors_and_panics_become_results_and_the_stream_goes_on() {
    let fail = std::sync::Arc::new(std::sync::atomic::AtomicU8::new(0));
    let s = Stream::read_only(Faulty {
        inner: Cursor::new(b"abcdef".to_vec()),
        fail: fail.clone(),
    })
    .into_istream();
    assert_eq!(read(&s, 2).1, b"ab");
    fail.store(1, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(read(&s, 2), (sys::STG_E_READFAULT, Vec::new()));
    fail.store(2, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(read(&s, 2).0, E_UNEXPECTED);
    fail.store(0, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(read(&s, 2).1, b"cd");
}

/// A small deterministic generator (xorshift), so the model test needs no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

/// Random calls on a writable stream and a clone of it, against a model: one Vec and two
/// positions, with the documented rules (a seek before the start is refused and moves
/// nothing, a write past the end fills with zeros, SetSize keeps the pointers).
#[test]
fn behaves_like_its_model() {
    let rounds = if cfg!(miri) { 150 } else { 3000 };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut model: Vec<u8> = b"seed".to_vec();
    let mut pos = [0u64; 2];
    let first = Stream::writable(Cursor::new(model.clone())).into_istream();
    let streams = [clone(&first), first];
    for round in 0..rounds {
        let k = rng.next(2) as usize;
        let s = &streams[k];
        match rng.next(5) {
            0 => {
                let n = rng.next(40) as usize;
                let start = (pos[k] as usize).min(model.len());
                let end = (start + n).min(model.len());
                assert_eq!(
                    read(s, n),
                    (S_OK, model[start..end].to_vec()),
                    "round {round}"
                );
                // Reading at or past the end reads nothing and moves nothing.
                pos[k] += (end - start) as u64;
            }
            1 => {
                let n = rng.next(20) as usize;
                let bytes: Vec<u8> = (0..n).map(|_| rng.next(256) as u8).collect();
                assert_eq!(write(s, &bytes), (S_OK, n as ULONG), "round {round}");
                let at = pos[k] as usize;
                if n > 0 {
                    if model.len() < at + n {
                        model.resize(at + n, 0);
                    }
                    model[at..at + n].copy_from_slice(&bytes);
                }
                pos[k] += n as u64;
            }
            2 => {
                let origin = rng.next(3) as DWORD;
                let by = rng.next(80) as i64 - 40;
                let base = match origin {
                    sys::STREAM_SEEK_SET => 0,
                    sys::STREAM_SEEK_CUR => pos[k] as i64,
                    _ => model.len() as i64,
                };
                let (hr, at) = seek(s, by, origin);
                if base + by < 0 {
                    assert_eq!(hr, sys::STG_E_INVALIDFUNCTION, "round {round}");
                } else {
                    assert_eq!((hr, at), (S_OK, (base + by) as u64), "round {round}");
                    pos[k] = at;
                }
            }
            3 => {
                let len = rng.next(60) as usize;
                // SAFETY: plain values.
                assert_eq!(unsafe { s.SetSize(ularge(len as u64)) }, S_OK);
                model.resize(len, 0);
            }
            _ => {
                let (hr, st) = stat(s, sys::STATFLAG_NONAME);
                assert_eq!(hr, S_OK);
                assert_eq!(ularge_value(st.cbSize), model.len() as u64, "round {round}");
            }
        }
    }
}
