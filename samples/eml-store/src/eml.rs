//! A small reader for `.eml` files (RFC 5322 messages): the `Subject`, `From` and `Date`
//! headers, and the body after the first empty line. Written here rather than taken from
//! a MIME crate because the store needs four fields and the rules for them fit on a page:
//!
//! - Lines end in CRLF or LF. A header is `Name: value`; a line starting with a space or
//!   a tab continues the previous header (RFC 5322 §2.2.3, unfolded by removing the line
//!   break). Header names are matched without regard to case.
//! - The headers end at the first empty line; the rest is the body. A file without an
//!   empty line is all headers and has an empty body.
//! - `From: Name <address>`, `From: "Name" <address>` or `From: address`.
//! - `Date` is RFC 5322 §3.3: `[Day ","] DD Mon YYYY HH:MM[:SS] zone`, with a numeric
//!   zone (`+hhmm`/`-hhmm`) or one of the obsolete names of §4.3 (`UT`, `GMT`, `EST`,
//!   `EDT`, `CST`, `CDT`, `MST`, `MDT`, `PST`, `PDT`; military letters count as `-0000`),
//!   and a trailing comment such as `(UTC)` ignored. It becomes a `FILETIME`.
//! - Encoded words (RFC 2047) and MIME parts are left as they are: the subject and body
//!   are the file's text.
//!
//! Malformed, and refused with `MAPI_E_CORRUPT_DATA` naming the line: headers that are
//! not UTF-8, a line in the headers that is neither a header nor a continuation (which is
//! also what a file that is not a message at all gives), a `Date` that does not parse, and
//! a file with no header at all.

use mapi_sync::{sys, Error, Result};

/// What the store keeps of a message file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eml {
    /// `Subject`, or empty.
    pub subject: String,
    /// The display name of `From` (its address when it has none), or empty.
    pub sender_name: String,
    /// The address of `From`, or empty.
    pub sender_address: String,
    /// `Date` as a FILETIME (100 ns since 1601-01-01 UTC), if the message has one.
    pub date: Option<u64>,
    /// Everything after the first empty line (invalid UTF-8 replaced).
    pub body: String,
}

fn corrupt(what: String) -> Error {
    Error::with_message(sys::MAPI_E_CORRUPT_DATA, what)
}

/// Reads a message from the file's bytes.
pub fn parse(bytes: &[u8]) -> Result<Eml> {
    let (head, body) = split(bytes);
    let head = std::str::from_utf8(head).map_err(|e| {
        corrupt(format!(
            "the headers are not UTF-8 (byte {})",
            e.valid_up_to()
        ))
    })?;
    let mut headers: Vec<(&str, String)> = Vec::new();
    for (n, line) in head.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue; // only the last line of `head` can be empty
        }
        if line.starts_with([' ', '\t']) {
            match headers.last_mut() {
                Some((_, value)) => value.push_str(line),
                None => {
                    return Err(corrupt(format!(
                        "line {}: a continuation before any header",
                        n + 1
                    )))
                }
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(corrupt(format!("line {}: not a header (no colon)", n + 1)));
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(corrupt(format!(
                "line {}: {name:?} is not a header name",
                n + 1
            )));
        }
        headers.push((name, value.trim_start().to_owned()));
    }
    if headers.is_empty() {
        return Err(corrupt("no header".to_owned()));
    }
    let header = |wanted: &str| {
        headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
            .map(|(_, value)| value.trim())
    };
    let (sender_name, sender_address) = header("From").map(from).unwrap_or_default();
    let date = match header("Date") {
        Some(text) => Some(
            date(text).ok_or_else(|| corrupt(format!("Date: {text:?} is not an RFC 5322 date")))?,
        ),
        None => None,
    };
    Ok(Eml {
        subject: header("Subject").unwrap_or("").to_owned(),
        sender_name,
        sender_address,
        date,
        body: String::from_utf8_lossy(body).into_owned(),
    })
}

/// The headers (without the empty line) and the body.
fn split(bytes: &[u8]) -> (&[u8], &[u8]) {
    let mut start = 0;
    while start < bytes.len() {
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| start + i);
        let line = &bytes[start..end];
        if line.is_empty() || line == b"\r" {
            return (&bytes[..start], bytes.get(end + 1..).unwrap_or(&[]));
        }
        start = end + 1;
    }
    (bytes, &[])
}

/// `Name <address>` → (name, address); a bare address is both.
fn from(value: &str) -> (String, String) {
    match (value.rfind('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => {
            let address = value[open + 1..close].trim().to_owned();
            let name = value[..open].trim().trim_matches('"').trim();
            let name = if name.is_empty() {
                address.clone()
            } else {
                name.to_owned()
            };
            (name, address)
        }
        _ => (value.to_owned(), value.to_owned()),
    }
}

/// Seconds from 1601-01-01 to 1970-01-01.
const UNIX_EPOCH_IN_FILETIME_SECONDS: i64 = 11_644_473_600;

/// An RFC 5322 date as a FILETIME.
pub fn date(text: &str) -> Option<u64> {
    // A trailing comment, "(UTC)".
    let text = match text.find('(') {
        Some(i) => &text[..i],
        None => text,
    };
    let text = match text.split_once(',') {
        Some((day_name, rest)) => {
            const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
            if !DAYS.iter().any(|d| d.eq_ignore_ascii_case(day_name.trim())) {
                return None;
            }
            rest
        }
        None => text,
    };
    let mut parts = text.split_whitespace();
    let day: u32 = parts.next()?.parse().ok()?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month_name = parts.next()?;
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month_name))? as u32
        + 1;
    let year_text = parts.next()?;
    let mut year: i64 = year_text.parse().ok()?;
    // RFC 5322 §4.3: two-digit years are 1950-2049, three-digit ones add 1900.
    match year_text.len() {
        2 => year += if year < 50 { 2000 } else { 1900 },
        3 => year += 1900,
        4 => {}
        _ => return None,
    }
    let mut clock = parts.next()?.split(':');
    let hour: i64 = two_digits(clock.next()?)?;
    let minute: i64 = two_digits(clock.next()?)?;
    let second: i64 = clock.next().map_or(Some(0), two_digits)?;
    if clock.next().is_some() || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let offset_minutes = zone(parts.next()?)?;
    if parts.next().is_some() || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    let since_1601 = seconds.checked_add(UNIX_EPOCH_IN_FILETIME_SECONDS)?;
    u64::try_from(since_1601).ok()?.checked_mul(10_000_000)
}

fn two_digits(s: &str) -> Option<i64> {
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// A zone as minutes east of UTC.
fn zone(z: &str) -> Option<i64> {
    if let Some(sign) = z
        .strip_prefix(['+', '-'])
        .map(|rest| (z.as_bytes()[0], rest))
    {
        let (sign, digits) = sign;
        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let hh: i64 = digits[..2].parse().ok()?;
        let mm: i64 = digits[2..].parse().ok()?;
        if mm > 59 {
            return None;
        }
        let minutes = hh * 60 + mm;
        return Some(if sign == b'-' { -minutes } else { minutes });
    }
    let hours = match z.to_ascii_uppercase().as_str() {
        "UT" | "GMT" | "Z" => 0,
        "EDT" => -4,
        "EST" | "CDT" => -5,
        "CST" | "MDT" => -6,
        "MST" | "PDT" => -7,
        "PST" => -8,
        // Military zones: RFC 5322 §4.3 says to take them as -0000.
        m if m.len() == 1 && m.as_bytes()[0].is_ascii_alphabetic() && m != "J" => 0,
        _ => return None,
    };
    Some(hours * 60)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the date (proleptic Gregorian), by counting whole years and
/// months: simple, and exact for any year a message carries.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let mut days: i64 = 0;
    if year >= 1970 {
        for y in 1970..year {
            days += if is_leap(y) { 366 } else { 365 };
        }
    } else {
        for y in year..1970 {
            days -= if is_leap(y) { 366 } else { 365 };
        }
    }
    for m in 1..month {
        days += i64::from(days_in_month(year, m));
    }
    days + i64::from(day) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-01 00:00 UTC as a FILETIME (the figure samples/sync-provider's tests also
    /// use).
    const DEC_1_2026: u64 = 134_405_568_000_000_000;

    #[test]
    fn headers_and_body_are_read() {
        let m = parse(
            b"From: \"Ada Lovelace\" <ada@example.com>\r\nSubject: Notes on\r\n the engine\r\n\
              Date: Tue, 1 Dec 2026 01:30:00 +0130\r\n\r\nFirst line\r\n\r\nSecond\r\n",
        )
        .unwrap();
        assert_eq!(m.subject, "Notes on the engine");
        assert_eq!(m.sender_name, "Ada Lovelace");
        assert_eq!(m.sender_address, "ada@example.com");
        assert_eq!(m.date, Some(DEC_1_2026));
        assert_eq!(m.body, "First line\r\n\r\nSecond\r\n");
        let bare = parse(b"from: bob@example.com\nsubject: hi\n").unwrap();
        assert_eq!(
            (bare.sender_name.as_str(), bare.sender_address.as_str()),
            ("bob@example.com", "bob@example.com")
        );
        assert_eq!(
            (bare.subject.as_str(), bare.date, bare.body.as_str()),
            ("hi", None, "")
        );
    }

    #[test]
    fn dates_of_rfc_5322_become_filetimes() {
        assert_eq!(date("1 Dec 2026 00:00 GMT"), Some(DEC_1_2026));
        assert_eq!(date("Mon, 30 Nov 2026 19:00:00 EST"), Some(DEC_1_2026));
        assert_eq!(
            date("Tue, 01 Dec 2026 00:00:00 +0000 (UTC)"),
            Some(DEC_1_2026)
        );
        assert_eq!(date("1 Dec 26 00:00 Z"), Some(DEC_1_2026));
        // The FILETIME epoch itself and a leap day.
        assert_eq!(date("1 Jan 1601 00:00:00 +0000"), Some(0));
        assert_eq!(
            date("29 Feb 2000 00:00:00 +0000"),
            Some((951_782_400 + 11_644_473_600) * 10_000_000)
        );
        for bad in [
            "",
            "yesterday",
            "31 Nov 2026 00:00 +0000",
            "29 Feb 2026 00:00 +0000",
            "1 Dec 2026 24:00 +0000",
            "1 Dec 2026 00:00 +9x00",
            "Xyz, 1 Dec 2026 00:00 +0000",
            "1 Dec 2026 00:00",
            "1 Dec 2026 00:00 +0000 extra",
            "1 Dec 1600 00:00 +0000",
        ] {
            assert_eq!(date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn malformed_messages_are_corrupt_data() {
        for (bytes, says) in [
            (
                &b"just some text\nwithout headers\n"[..],
                "line 1: not a header",
            ),
            (b" folded first\nSubject: x\n", "line 1: a continuation"),
            (b"Subject: ok\nDate: someday\n\nbody", "Date"),
            (b"Subject: \xff\xfe\n\nbody", "not UTF-8"),
            (b"\nbody only", "no header"),
            (b"Bad Name: x\n", "not a header name"),
        ] {
            let e = parse(bytes).unwrap_err();
            assert_eq!(e.code(), sys::MAPI_E_CORRUPT_DATA);
            assert!(
                e.text().contains(says),
                "{:?}: {}",
                String::from_utf8_lossy(bytes),
                e.text()
            );
        }
        // A body that is not UTF-8 is still a message.
        assert_eq!(parse(b"Subject: x\n\n\xffz").unwrap().body, "\u{fffd}z");
    }
}
