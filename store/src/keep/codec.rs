//! How [`Keep`](super::Keep) writes a message's properties into its database: a list of
//! `(tag, value)`, each as the tag (4 bytes, little-endian) and its value in the form the
//! tag's type gives it. Numbers are little-endian, of their own size (`PT_BOOLEAN` one
//! byte); strings and binaries are a 4-byte length (in bytes, or in UTF-16 units for
//! `PT_UNICODE`) and their data; a multi-valued property a 4-byte count and each value;
//! a `GUID` its 16 bytes (`Data1` to `Data3` little-endian, then `Data4`); `PT_NULL`
//! and `PT_OBJECT` nothing. A record that ends early, has bytes left over or a type
//! it does not know is `MAPI_E_CORRUPT_DATA`, never a panic.

use mapi_sync_runtime::props::{prop_type, OwnedValue};
use mapi_sync_runtime::sys::{self, GUID, ULONG};
use mapi_sync_runtime::{Error, Result};

use crate::table::Cell;

/// `cells` as bytes.
pub fn encode(cells: &[Cell]) -> Vec<u8> {
    let mut out = Vec::new();
    for (tag, value) in cells {
        out.extend_from_slice(&tag.to_le_bytes());
        value_into(value, &mut out);
    }
    out
}

fn len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn guid(out: &mut Vec<u8>, g: &GUID) {
    out.extend_from_slice(&g.Data1.to_le_bytes());
    out.extend_from_slice(&g.Data2.to_le_bytes());
    out.extend_from_slice(&g.Data3.to_le_bytes());
    out.extend_from_slice(&g.Data4);
}

fn value_into(value: &OwnedValue, out: &mut Vec<u8>) {
    use OwnedValue as V;
    let bytes = |out: &mut Vec<u8>, b: &[u8]| {
        len(out, b.len());
        out.extend_from_slice(b);
    };
    let units = |out: &mut Vec<u8>, w: &[u16]| {
        len(out, w.len());
        out.extend(w.iter().flat_map(|u| u.to_le_bytes()));
    };
    match value {
        V::Null | V::Object => {}
        V::Long(v) => out.extend_from_slice(&v.to_le_bytes()),
        V::Boolean(b) => out.push(u8::from(*b)),
        V::I8(v) | V::Currency(v) => out.extend_from_slice(&v.to_le_bytes()),
        V::SysTime(v) => out.extend_from_slice(&v.to_le_bytes()),
        V::Unicode(w) => units(out, w),
        V::String8(b) | V::Binary(b) => bytes(out, b),
        V::Error(e) => out.extend_from_slice(&e.to_le_bytes()),
        V::Clsid(g) => guid(out, g),
        V::I2(v) => out.extend_from_slice(&v.to_le_bytes()),
        V::R4(v) => out.extend_from_slice(&v.to_le_bytes()),
        V::Double(v) | V::AppTime(v) => out.extend_from_slice(&v.to_le_bytes()),
        V::MvLong(l) => {
            len(out, l.len());
            l.iter()
                .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        }
        V::MvUnicode(l) => {
            len(out, l.len());
            l.iter().for_each(|w| units(out, w));
        }
        V::MvString8(l) | V::MvBinary(l) => {
            len(out, l.len());
            l.iter().for_each(|b| bytes(out, b));
        }
        V::MvI2(l) => {
            len(out, l.len());
            l.iter()
                .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        }
        V::MvR4(l) => {
            len(out, l.len());
            l.iter()
                .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        }
        V::MvDouble(l) | V::MvAppTime(l) => {
            len(out, l.len());
            l.iter()
                .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        }
        V::MvCurrency(l) | V::MvI8(l) => {
            len(out, l.len());
            l.iter()
                .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        }
        V::MvSysTime(l) => {
            len(out, l.len());
            l.iter()
                .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        }
        V::MvClsid(l) => {
            len(out, l.len());
            l.iter().for_each(|g| guid(out, g));
        }
    }
}

/// What [`encode`] wrote, read back.
pub fn decode(bytes: &[u8]) -> Result<Vec<Cell>> {
    let mut r = Reader { bytes, at: 0 };
    let mut cells = Vec::new();
    while r.at < bytes.len() {
        let tag = r.u32()?;
        let value = r.value(prop_type(tag))?;
        cells.push((tag, value));
    }
    Ok(cells)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

fn corrupt(what: &str) -> Error {
    Error::with_message(
        sys::MAPI_E_CORRUPT_DATA,
        format!("the store's kept properties are damaged: {what}"),
    )
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N]> {
        let end = self.at.checked_add(N).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| corrupt("a value ends early"))?;
        let mut out = [0; N];
        out.copy_from_slice(&self.bytes[self.at..end]);
        self.at = end;
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32> {
        self.take().map(u32::from_le_bytes)
    }

    /// A count of things at least `each` bytes long, checked against what is left.
    fn count(&mut self, each: usize) -> Result<usize> {
        let n = self.u32()? as usize;
        if n.saturating_mul(each.max(1)) > self.bytes.len() - self.at {
            return Err(corrupt("a length beyond the record"));
        }
        Ok(n)
    }

    fn bytes(&mut self) -> Result<Vec<u8>> {
        let n = self.count(1)?;
        let out = self.bytes[self.at..self.at + n].to_vec();
        self.at += n;
        Ok(out)
    }

    fn units(&mut self) -> Result<Vec<u16>> {
        let n = self.count(2)?;
        (0..n)
            .map(|_| self.take().map(u16::from_le_bytes))
            .collect()
    }

    fn guid(&mut self) -> Result<GUID> {
        let (d1, d2, d3, d4) = (
            self.u32()?,
            u16::from_le_bytes(self.take()?),
            u16::from_le_bytes(self.take()?),
            self.take::<8>()?,
        );
        Ok(GUID::from_parts(d1, d2, d3, d4))
    }

    fn list<T>(
        &mut self,
        each: usize,
        mut one: impl FnMut(&mut Self) -> Result<T>,
    ) -> Result<Vec<T>> {
        let n = self.count(each)?;
        (0..n).map(|_| one(self)).collect()
    }

    fn value(&mut self, ty: ULONG) -> Result<OwnedValue> {
        use OwnedValue as V;
        Ok(match ty {
            sys::PT_NULL => V::Null,
            sys::PT_OBJECT => V::Object,
            sys::PT_LONG => V::Long(i32::from_le_bytes(self.take()?)),
            sys::PT_BOOLEAN => V::Boolean(self.take::<1>()?[0] != 0),
            sys::PT_I8 => V::I8(i64::from_le_bytes(self.take()?)),
            sys::PT_CURRENCY => V::Currency(i64::from_le_bytes(self.take()?)),
            sys::PT_SYSTIME => V::SysTime(u64::from_le_bytes(self.take()?)),
            sys::PT_UNICODE => V::Unicode(self.units()?),
            sys::PT_STRING8 => V::String8(self.bytes()?),
            sys::PT_BINARY => V::Binary(self.bytes()?),
            sys::PT_ERROR => V::Error(i32::from_le_bytes(self.take()?)),
            sys::PT_CLSID => V::Clsid(self.guid()?),
            sys::PT_I2 => V::I2(i16::from_le_bytes(self.take()?)),
            sys::PT_R4 => V::R4(f32::from_le_bytes(self.take()?)),
            sys::PT_DOUBLE => V::Double(f64::from_le_bytes(self.take()?)),
            sys::PT_APPTIME => V::AppTime(f64::from_le_bytes(self.take()?)),
            sys::PT_MV_LONG => V::MvLong(self.list(4, |r| Ok(i32::from_le_bytes(r.take()?)))?),
            sys::PT_MV_UNICODE => V::MvUnicode(self.list(4, Self::units)?),
            sys::PT_MV_STRING8 => V::MvString8(self.list(4, Self::bytes)?),
            sys::PT_MV_BINARY => V::MvBinary(self.list(4, Self::bytes)?),
            sys::PT_MV_I2 => V::MvI2(self.list(2, |r| Ok(i16::from_le_bytes(r.take()?)))?),
            sys::PT_MV_R4 => V::MvR4(self.list(4, |r| Ok(f32::from_le_bytes(r.take()?)))?),
            sys::PT_MV_DOUBLE => V::MvDouble(self.list(8, |r| Ok(f64::from_le_bytes(r.take()?)))?),
            sys::PT_MV_APPTIME => {
                V::MvAppTime(self.list(8, |r| Ok(f64::from_le_bytes(r.take()?)))?)
            }
            sys::PT_MV_CURRENCY => {
                V::MvCurrency(self.list(8, |r| Ok(i64::from_le_bytes(r.take()?)))?)
            }
            sys::PT_MV_I8 => V::MvI8(self.list(8, |r| Ok(i64::from_le_bytes(r.take()?)))?),
            sys::PT_MV_SYSTIME => {
                V::MvSysTime(self.list(8, |r| Ok(u64::from_le_bytes(r.take()?)))?)
            }
            sys::PT_MV_CLSID => V::MvClsid(self.list(16, Self::guid)?),
            other => return Err(corrupt(&format!("a value of unknown type {other:#06X}"))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_sync_runtime::props::prop_tag;

    fn every_type() -> Vec<Cell> {
        use OwnedValue as V;
        let g = GUID::from_parts(0x0102_0304, 0x0506, 0x0708, *b"abcdefgh");
        let t = |ty: ULONG, n: u16| prop_tag(ty, 0x8000 + u32::from(n));
        vec![
            (t(sys::PT_NULL, 0), V::Null),
            (t(sys::PT_LONG, 1), V::Long(-7)),
            (t(sys::PT_BOOLEAN, 2), V::Boolean(true)),
            (t(sys::PT_I8, 3), V::I8(i64::MIN)),
            (t(sys::PT_SYSTIME, 4), V::SysTime(0x01DB_0000_0000_0001)),
            (
                t(sys::PT_UNICODE, 5),
                V::Unicode("héllo €".encode_utf16().collect()),
            ),
            (t(sys::PT_STRING8, 6), V::String8(b"caf\xE9".to_vec())),
            (t(sys::PT_BINARY, 7), V::Binary(vec![0, 255, 1])),
            (t(sys::PT_ERROR, 8), V::Error(sys::MAPI_E_NOT_FOUND)),
            (t(sys::PT_CLSID, 9), V::Clsid(g)),
            (t(sys::PT_MV_LONG, 10), V::MvLong(vec![1, -2])),
            (
                t(sys::PT_MV_UNICODE, 11),
                V::MvUnicode(vec![vec![65], vec![]]),
            ),
            (t(sys::PT_MV_STRING8, 12), V::MvString8(vec![b"a".to_vec()])),
            (t(sys::PT_MV_BINARY, 13), V::MvBinary(vec![vec![], vec![9]])),
            (t(sys::PT_I2, 14), V::I2(-3)),
            (t(sys::PT_R4, 15), V::R4(1.5)),
            (t(sys::PT_DOUBLE, 16), V::Double(f64::NAN)),
            (t(sys::PT_CURRENCY, 17), V::Currency(12_3400)),
            (t(sys::PT_APPTIME, 18), V::AppTime(45000.25)),
            (t(sys::PT_OBJECT, 19), V::Object),
            (t(sys::PT_MV_I2, 20), V::MvI2(vec![1, 2, 3])),
            (t(sys::PT_MV_R4, 21), V::MvR4(vec![0.5])),
            (t(sys::PT_MV_DOUBLE, 22), V::MvDouble(vec![-0.0])),
            (t(sys::PT_MV_CURRENCY, 23), V::MvCurrency(vec![5])),
            (t(sys::PT_MV_APPTIME, 24), V::MvAppTime(vec![1.0, 2.0])),
            (t(sys::PT_MV_SYSTIME, 25), V::MvSysTime(vec![7])),
            (t(sys::PT_MV_CLSID, 26), V::MvClsid(vec![g, g])),
            (t(sys::PT_MV_I8, 27), V::MvI8(vec![-1])),
        ]
    }

    #[test]
    fn every_type_reads_back_as_written() {
        let cells = every_type();
        let bytes = encode(&cells);
        let back = decode(&bytes).unwrap();
        assert_eq!(back.len(), cells.len());
        for ((t1, v1), (t2, v2)) in cells.iter().zip(&back) {
            assert_eq!(t1, t2);
            assert_eq!(v1.as_value(), v2.as_value(), "{t1:#010X}");
        }
    }

    #[test]
    fn a_damaged_record_is_corrupt_data_at_every_cut_and_flip() {
        let bytes = encode(&every_type());
        // Every prefix that ends inside a value, and every single byte changed, reads
        // as corrupt data or as some other valid list: never a panic.
        for cut in 0..bytes.len() {
            if let Err(e) = decode(&bytes[..cut]) {
                assert_eq!(e.code(), sys::MAPI_E_CORRUPT_DATA);
            }
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0xFF;
            if let Err(e) = decode(&b) {
                assert_eq!(e.code(), sys::MAPI_E_CORRUPT_DATA);
            }
        }
        // A length far beyond the record.
        let mut huge = sys::PR_SUBJECT_W.to_le_bytes().to_vec();
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(decode(&huge).unwrap_err().code(), sys::MAPI_E_CORRUPT_DATA);
        let unknown = prop_tag(0x0099, 0x8000).to_le_bytes();
        assert_eq!(
            decode(&unknown).unwrap_err().code(),
            sys::MAPI_E_CORRUPT_DATA
        );
    }
}
