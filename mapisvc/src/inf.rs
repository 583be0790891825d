//! MAPISVC.INF read and written back byte for byte: sections of lines, each line kept as
//! it was (its bytes and its line ending), so that an edit changes only the lines it means
//! to.
//!
//! The format (Microsoft, "File Format of MapiSvc.inf"): sections headed `[name]`, entries
//! `name=value` (property entries `PR_…=value`, and links such as `Providers=`), and
//! comments starting with `;`. Section and entry names match in any case. The file is in
//! the system's ANSI code page, so it is read as bytes, not as UTF-8.

use std::fmt;

/// One line of the file, without its line ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) text: Vec<u8>,
    /// `\r\n`, `\n`, or nothing (the last line of a file without a final newline).
    pub(crate) ending: &'static [u8],
}

/// A section: its header line and the lines after it, up to the next header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Section {
    /// The name between the brackets, as written.
    pub(crate) name: Vec<u8>,
    pub(crate) header: Line,
    pub(crate) lines: Vec<Line>,
}

/// A parsed MAPISVC.INF: the lines before the first section (blank or comments), then
/// the sections in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inf {
    pub(crate) preamble: Vec<Line>,
    pub(crate) sections: Vec<Section>,
    /// The line ending new lines get: the file's first one (`\r\n` for a new file, as
    /// Windows writes it).
    pub(crate) newline: &'static [u8],
}

/// Why a file is not a MAPISVC.INF this crate can edit: the line (from 1) and what is
/// wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The line, counted from 1.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// What a line is.
pub(crate) enum Kind<'a> {
    Blank,
    Comment,
    Header(&'a [u8]),
    Entry { name: &'a [u8], value: &'a [u8] },
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace());
    match (start, end) {
        (Some(s), Some(e)) => &bytes[s..=e],
        _ => &[],
    }
}

impl Line {
    /// What the line is, or what is wrong with it.
    pub(crate) fn kind(&self) -> Result<Kind<'_>, String> {
        let text = trim(&self.text);
        match text.first() {
            None => Ok(Kind::Blank),
            Some(b';') => Ok(Kind::Comment),
            Some(b'[') => match text.last() {
                Some(b']') if text.len() >= 2 && !trim(&text[1..text.len() - 1]).is_empty() => {
                    Ok(Kind::Header(trim(&text[1..text.len() - 1])))
                }
                Some(b']') => Err("a section header with no name".into()),
                _ => Err("a section header without its closing `]`".into()),
            },
            Some(_) => match text.iter().position(|&b| b == b'=') {
                Some(0) => Err("an entry with no name before `=`".into()),
                Some(i) => Ok(Kind::Entry {
                    name: trim(&text[..i]),
                    value: trim(&text[i + 1..]),
                }),
                None => Err(format!(
                    "neither a section header, an entry (`name=value`) nor a comment: {:?}",
                    String::from_utf8_lossy(text)
                )),
            },
        }
    }
}

/// Splits `bytes` into lines, each with its ending.
fn lines(bytes: &[u8]) -> Vec<Line> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (text, ending, next): (&[u8], &'static [u8], &[u8]) = match rest
            .iter()
            .position(|&b| b == b'\n')
        {
            Some(i) if i > 0 && rest[i - 1] == b'\r' => (&rest[..i - 1], b"\r\n", &rest[i + 1..]),
            Some(i) => (&rest[..i], b"\n", &rest[i + 1..]),
            None => (rest, b"", &[]),
        };
        out.push(Line {
            text: text.to_vec(),
            ending,
        });
        rest = next;
    }
    out
}

impl Inf {
    /// An empty file.
    pub fn new() -> Inf {
        Inf {
            preamble: Vec::new(),
            sections: Vec::new(),
            newline: b"\r\n",
        }
    }

    /// Reads a MAPISVC.INF. Every line must be blank, a comment (`;`), a section header
    /// (`[name]`) or an entry (`name=value`), and entries must be inside a section; the
    /// error names the first line that is not.
    pub fn parse(bytes: &[u8]) -> Result<Inf, ParseError> {
        let all = lines(bytes);
        let newline = all.first().map_or(&b"\r\n"[..], |l| {
            if l.ending.is_empty() {
                b"\r\n"
            } else {
                l.ending
            }
        });
        let mut inf = Inf {
            preamble: Vec::new(),
            sections: Vec::new(),
            newline,
        };
        for (i, line) in all.into_iter().enumerate() {
            let error = |message: String| ParseError {
                line: i + 1,
                message,
            };
            match line.kind().map_err(error)? {
                Kind::Header(name) => {
                    let name = name.to_vec();
                    inf.sections.push(Section {
                        name,
                        header: line,
                        lines: Vec::new(),
                    });
                }
                Kind::Entry { .. } if inf.sections.is_empty() => {
                    return Err(error("an entry before the first section header".into()));
                }
                _ => match inf.sections.last_mut() {
                    Some(section) => section.lines.push(line),
                    None => inf.preamble.push(line),
                },
            }
        }
        Ok(inf)
    }

    /// The file's bytes: what was read, with the edits made since.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let all = self.preamble.iter().chain(
            self.sections
                .iter()
                .flat_map(|s| std::iter::once(&s.header).chain(&s.lines)),
        );
        for line in all {
            out.extend_from_slice(&line.text);
            out.extend_from_slice(line.ending);
        }
        out
    }

    /// The section named `name` (in any case), if there is one.
    pub(crate) fn section(&self, name: &str) -> Option<usize> {
        self.sections
            .iter()
            .position(|s| s.name.eq_ignore_ascii_case(name.as_bytes()))
    }

    /// The value of entry `entry` in section `section` (names in any case).
    pub fn value(&self, section: &str, entry: &str) -> Option<String> {
        let section = &self.sections[self.section(section)?];
        section.lines.iter().find_map(|line| match line.kind() {
            Ok(Kind::Entry { name, value }) if name.eq_ignore_ascii_case(entry.as_bytes()) => {
                Some(String::from_utf8_lossy(value).into_owned())
            }
            _ => None,
        })
    }

    /// The entries of section `section` (its name in any case), in order, as
    /// (name, value); `None` when the file has no such section.
    pub fn entries(&self, section: &str) -> Option<Vec<(String, String)>> {
        let section = &self.sections[self.section(section)?];
        let entries = section.lines.iter().filter_map(|line| match line.kind() {
            Ok(Kind::Entry { name, value }) => Some((
                String::from_utf8_lossy(name).into_owned(),
                String::from_utf8_lossy(value).into_owned(),
            )),
            _ => None,
        });
        Some(entries.collect())
    }

    /// The names of the sections, in order.
    pub fn section_names(&self) -> Vec<String> {
        self.sections
            .iter()
            .map(|s| String::from_utf8_lossy(&s.name).into_owned())
            .collect()
    }

    /// A new line of `text` with the file's line ending.
    pub(crate) fn line(&self, text: impl Into<Vec<u8>>) -> Line {
        Line {
            text: text.into(),
            ending: self.newline,
        }
    }

    /// Makes sure the last line before a new section ends with a line ending.
    pub(crate) fn end_last_line(&mut self) {
        let newline = self.newline;
        let last = match self.sections.last_mut() {
            Some(s) => s.lines.last_mut().unwrap_or(&mut s.header),
            None => match self.preamble.last_mut() {
                Some(l) => l,
                None => return,
            },
        };
        if last.ending.is_empty() {
            last.ending = newline;
        }
    }
}

impl Default for Inf {
    fn default() -> Inf {
        Inf::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sections_entries_come_in_order_without_comments() {
        let inf =
            Inf::parse(b"[Services]\r\nA=The A\r\n[a]\r\n; note\r\nPR_X = 1\r\nY=two\r\n").unwrap();
        assert_eq!(
            inf.entries("A").unwrap(),
            [
                ("PR_X".to_owned(), "1".to_owned()),
                ("Y".into(), "two".into())
            ]
        );
        assert_eq!(inf.entries("B"), None);
    }

    #[test]
    fn any_file_of_the_format_reads_back_byte_for_byte() {
        for text in [
            &b""[..],
            b"[Services]\r\nA=The A\r\n",
            b"; comment\n\n[Services]\nA = B \n[A]\nPR_X=1",
            b"[S]\r\nname=caf\xE9\r\n\r\n",
        ] {
            assert_eq!(Inf::parse(text).unwrap().to_bytes(), text);
        }
    }

    #[test]
    fn a_malformed_line_is_named_with_what_is_wrong() {
        for (text, line, what) in [
            (&b"[Services\r\n"[..], 1, "closing"),
            (b"; ok\n[]\n", 2, "no name"),
            (b"[S]\nA=1\njust words\n", 3, "neither"),
            (b"A=1\n[S]\n", 1, "before the first section"),
            (b"[S]\n=value\n", 2, "no name before"),
        ] {
            let e = Inf::parse(text).unwrap_err();
            assert_eq!(e.line, line, "{e}");
            assert!(e.message.contains(what), "{e}");
        }
    }

    #[test]
    fn names_match_in_any_case() {
        let inf =
            Inf::parse(b"[Services]\nMyStore=Mine\n[MYSTORE]\nPr_Display_Name = x \n").unwrap();
        assert_eq!(inf.value("services", "mystore").as_deref(), Some("Mine"));
        assert_eq!(
            inf.value("MyStore", "PR_DISPLAY_NAME").as_deref(),
            Some("x")
        );
        assert_eq!(inf.value("Other", "PR_DISPLAY_NAME"), None);
    }
}
