//! GUIDs: the IIDs the IDL declares and the headers define, as the back end emits them.

use std::fmt;

/// A GUID a header defines (with `DEFINE_GUID` or `DEFINE_OLEGUID`), and which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinedGuid {
    pub value: Guid,
    /// The key of the header that defines it.
    pub header: String,
}

/// A GUID (an IID here), laid out like Windows' `GUID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Guid {
    pub data1: u32,
    pub data2: u16,
    pub data3: u16,
    pub data4: [u8; 8],
}

impl Guid {
    /// IID_IUnknown, {00000000-0000-0000-C000-000000000046}.
    pub const IUNKNOWN: Guid = Guid {
        data1: 0,
        data2: 0,
        data3: 0,
        data4: [0xC0, 0, 0, 0, 0, 0, 0, 0x46],
    };

    /// The arguments of C's `DEFINE_GUID` after the name:
    /// `0x5024A385, 0x2D44, 0x486A, 0x81, 0xA8, ...`.
    pub fn define_guid_args(&self) -> String {
        let mut s = format!(
            "0x{:08X}, 0x{:04X}, 0x{:04X}",
            self.data1, self.data2, self.data3
        );
        for b in self.data4 {
            s.push_str(&format!(", 0x{b:02X}"));
        }
        s
    }

    /// Parses the 8-4-4-4-12 hex form, with or without surrounding braces; `None` if it is
    /// anything else.
    pub fn parse(text: &str) -> Option<Guid> {
        let t = text.trim();
        let t = match t.strip_prefix('{') {
            Some(inner) => inner.strip_suffix('}')?,
            None => t,
        };
        let groups: Vec<&str> = t.split('-').collect();
        let lens = [8, 4, 4, 4, 12];
        if groups.len() != lens.len()
            || groups
                .iter()
                .zip(lens)
                .any(|(g, n)| g.len() != n || !g.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return None;
        }
        let data1 = u32::from_str_radix(groups[0], 16).ok()?;
        let data2 = u16::from_str_radix(groups[1], 16).ok()?;
        let data3 = u16::from_str_radix(groups[2], 16).ok()?;
        let tail = format!("{}{}", groups[3], groups[4]);
        let mut data4 = [0u8; 8];
        for (i, b) in data4.iter_mut().enumerate() {
            *b = u8::from_str_radix(tail.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Guid {
            data1,
            data2,
            data3,
            data4,
        })
    }

    /// The GUID's 16 bytes as Windows stores them in memory (little-endian fields).
    pub fn to_bytes_le(&self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..4].copy_from_slice(&self.data1.to_le_bytes());
        b[4..6].copy_from_slice(&self.data2.to_le_bytes());
        b[6..8].copy_from_slice(&self.data3.to_le_bytes());
        b[8..].copy_from_slice(&self.data4);
        b
    }
}

/// The registry form, `{5024A385-2D44-486A-81A8-8F0ECB6071DD}`.
impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.data4;
        write!(
            f,
            "{{{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}}}",
            self.data1, self.data2, self.data3, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
        )
    }
}
