//! C integer literals, as the IDL front end reads its own and the clang scan reads the
//! arguments of `DEFINE_GUID` in the headers' macros.

/// Parses a C integer literal: decimal, octal (leading `0`) or hex (`0x`), with an optional
/// `U` and up to two `L` suffixes (any case). `None` if `text` is anything else or does not
/// fit in 64 bits.
pub fn parse(text: &str) -> Option<u64> {
    let body = text.trim_end_matches(['u', 'U', 'l', 'L']);
    let suffix = &text[body.len()..];
    let us = suffix
        .chars()
        .filter(|c| c.eq_ignore_ascii_case(&'u'))
        .count();
    let ls = suffix.len() - us;
    if us > 1 || ls > 2 {
        return None;
    }
    let (digits, radix) =
        if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (h, 16)
        } else if body.len() > 1 && body.starts_with('0') {
            (&body[1..], 8)
        } else {
            (body, 10)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::parse as int_literal;

    #[test]
    fn integer_literals() {
        assert_eq!(int_literal("0x20000000"), Some(0x2000_0000));
        assert_eq!(int_literal("42UL"), Some(42));
        assert_eq!(int_literal("010"), Some(8));
        assert_eq!(int_literal("0"), Some(0));
        assert_eq!(int_literal("0xFFFFFFFFFFFFFFFFull"), Some(u64::MAX));
        assert_eq!(int_literal("0x1FFFFFFFFFFFFFFFF"), None);
        assert_eq!(int_literal("0x"), None);
        assert_eq!(int_literal("08"), None);
        assert_eq!(int_literal("1uu"), None);
        assert_eq!(int_literal("2D44"), None);
    }
}
