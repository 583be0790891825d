//! A message file read through `mail-parser`: what the store shows of it.
//!
//! `mail-parser` decodes RFC 2047 encoded words in headers, the charsets of text parts
//! (with `full_encoding`, the multi-byte ones too), quoted-printable and base64, and
//! sorts a multipart message into text bodies, HTML bodies and attachments. What it
//! cannot read at all (no header found) is kept: [`Parsed::readable`] is false and the
//! body is the file's text as it is.

use std::borrow::Cow;

use mail_parser::{Address, MessageParser, MimeHeaders, PartType};

/// A mailbox of an address header: its display name (decoded) and address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: Option<String>,
}

impl Mailbox {
    /// What a list of recipients shows: the name, else the address.
    pub fn display(&self) -> &str {
        self.name
            .as_deref()
            .filter(|n| !n.is_empty())
            .or(self.address.as_deref())
            .unwrap_or("")
    }
}

/// A part the message carries besides its bodies, for the attachment table the
/// framework will have (not wired yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its file name (`Content-Disposition: filename`, else `Content-Type: name`).
    pub name: Option<String>,
    /// Its MIME type (`image/png`), `application/octet-stream` when it says none.
    pub mime_type: String,
    /// `Content-ID`, for HTML bodies that show it inline.
    pub content_id: Option<String>,
    /// Whether it is an embedded message (`message/rfc822`).
    pub is_message: bool,
    /// Its content, decoded (an embedded message's raw bytes).
    pub data: Vec<u8>,
}

/// What the store shows of a message file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Whether the parser could read it; when not, only `body` and `headers` are set.
    pub readable: bool,
    pub subject: Option<String>,
    pub from: Option<Mailbox>,
    /// `Sender:` when there is one (who sent it for `from`).
    pub sender: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub bcc: Vec<Mailbox>,
    /// `Message-ID`, in angle brackets as MAPI shows it.
    pub message_id: Option<String>,
    /// `Date:`, in seconds since 1970 UTC.
    pub date: Option<i64>,
    /// The header block as it is in the file.
    pub headers: String,
    /// The text body (the HTML turned to text when there is only HTML).
    pub body: Option<String>,
    /// The HTML body, only when the message has one.
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
}

fn mailboxes(address: Option<&Address<'_>>) -> Vec<Mailbox> {
    address.map_or_else(Vec::new, |a| {
        a.iter()
            .map(|m| Mailbox {
                name: m.name().map(str::to_owned),
                address: m.address().map(str::to_owned),
            })
            .collect()
    })
}

/// The display list of `mailboxes` (`PR_DISPLAY_TO`'s form: names joined by `"; "`).
pub fn display_list(mailboxes: &[Mailbox]) -> String {
    mailboxes
        .iter()
        .map(Mailbox::display)
        .filter(|d| !d.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The header block of `bytes`: up to the first empty line.
fn header_block(bytes: &[u8]) -> &[u8] {
    for (i, w) in bytes.windows(2).enumerate() {
        if w == b"\n\n" {
            return &bytes[..i + 1];
        }
        if w == b"\r\n" && bytes[i + 2..].starts_with(b"\r\n") {
            return &bytes[..i + 2];
        }
    }
    bytes
}

/// Reads a message file.
pub fn parse(bytes: &[u8]) -> Parsed {
    let headers = String::from_utf8_lossy(header_block(bytes)).into_owned();
    let parsed = MessageParser::default().parse(bytes);
    // No header at all: not a message the parser read, whatever it made of it.
    let Some(message) = parsed.filter(|m| !m.headers().is_empty()) else {
        return Parsed {
            readable: false,
            headers,
            body: Some(String::from_utf8_lossy(bytes).into_owned()),
            ..Parsed::default()
        };
    };
    let html = message
        .html_bodies()
        .find(|p| matches!(p.body, PartType::Html(_)))
        .and_then(|p| p.text_contents())
        .map(str::to_owned);
    let attachments = message
        .attachments()
        .map(|part| Attachment {
            name: part.attachment_name().map(str::to_owned),
            mime_type: part.content_type().map_or_else(
                || "application/octet-stream".to_owned(),
                |ct| match ct.subtype() {
                    Some(sub) => format!("{}/{sub}", ct.ctype()),
                    None => ct.ctype().to_owned(),
                },
            ),
            content_id: part.content_id().map(str::to_owned),
            is_message: part.is_message(),
            data: part.contents().to_vec(),
        })
        .collect();
    Parsed {
        readable: true,
        subject: message.subject().map(str::to_owned),
        from: mailboxes(message.from()).into_iter().next(),
        sender: mailboxes(message.sender()).into_iter().next(),
        to: mailboxes(message.to()),
        cc: mailboxes(message.cc()),
        bcc: mailboxes(message.bcc()),
        message_id: message.message_id().map(|id| format!("<{id}>")),
        date: message.date().map(|d| d.to_timestamp()),
        headers,
        body: message.body_text(0).map(Cow::into_owned),
        html,
        attachments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_encoded_subject_and_names_are_decoded() {
        let m = parse(
            b"From: =?UTF-8?Q?Ren=C3=A9e_Dupr=C3=A9?= <renee@example.com>\r\n\
              To: =?ISO-8859-1?Q?J=F6rg?= <jorg@example.com>, plain@example.com\r\n\
              Cc: Ann <ann@example.com>\r\n\
              Subject: =?UTF-8?B?w4d2YSDDp2EgbWFyY2hlPw==?= =?ISO-8859-1?Q?_=E0_Z=FCrich?=\r\n\
              Message-ID: <abc@example.com>\r\n\
              Date: Tue, 1 Dec 2026 10:00:00 +0100\r\n\
              \r\n\
              Body\r\n",
        );
        assert!(m.readable);
        assert_eq!(m.subject.as_deref(), Some("Çva ça marche? à Zürich"));
        let from = m.from.unwrap();
        assert_eq!(from.name.as_deref(), Some("Renée Dupré"));
        assert_eq!(from.address.as_deref(), Some("renee@example.com"));
        assert_eq!(display_list(&m.to), "Jörg; plain@example.com");
        assert_eq!(display_list(&m.cc), "Ann");
        assert_eq!(m.message_id.as_deref(), Some("<abc@example.com>"));
        // 2026-12-01 09:00 UTC.
        assert_eq!(m.date, Some(1_796_115_600));
        assert!(m.headers.starts_with("From: ") && m.headers.ends_with("+0100\r\n"));
        assert_eq!(m.body.as_deref(), Some("Body\r\n"));
        assert_eq!(m.html, None);
    }

    #[test]
    fn a_latin_1_body_is_decoded() {
        let mut raw = b"From: a@example.com\r\nSubject: latin\r\nMIME-Version: 1.0\r\n\
            Content-Type: text/plain; charset=iso-8859-1\r\n\
            Content-Transfer-Encoding: 8bit\r\n\r\n"
            .to_vec();
        raw.extend_from_slice(b"Gr\xfc\xdfe aus K\xf6ln, \xe7a co\xfbte 5 \xa3\r\n");
        let m = parse(&raw);
        assert_eq!(m.body.as_deref(), Some("Grüße aus Köln, ça coûte 5 £\r\n"));
    }

    #[test]
    fn multipart_alternative_gives_a_text_and_an_html_body_and_attachments() {
        let m = parse(
            b"From: a@example.com\r\nSubject: alt\r\nMIME-Version: 1.0\r\n\
              Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
              --outer\r\n\
              Content-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n\
              --inner\r\n\
              Content-Type: text/plain; charset=utf-8\r\n\
              Content-Transfer-Encoding: quoted-printable\r\n\r\n\
              Caf=C3=A9 at noon\r\n\
              --inner\r\n\
              Content-Type: text/html; charset=utf-8\r\n\r\n\
              <p>Caf\xc3\xa9 at <b>noon</b></p>\r\n\
              --inner--\r\n\
              --outer\r\n\
              Content-Type: application/pdf; name=\"menu.pdf\"\r\n\
              Content-Disposition: attachment; filename=\"menu.pdf\"\r\n\
              Content-Transfer-Encoding: base64\r\n\r\n\
              JVBERi0=\r\n\
              --outer--\r\n",
        );
        assert_eq!(m.body.as_deref().map(str::trim_end), Some("Café at noon"));
        assert_eq!(
            m.html.as_deref().map(str::trim_end),
            Some("<p>Café at <b>noon</b></p>")
        );
        assert_eq!(m.attachments.len(), 1);
        let a = &m.attachments[0];
        assert_eq!(a.name.as_deref(), Some("menu.pdf"));
        assert_eq!(a.mime_type, "application/pdf");
        assert_eq!(a.data, b"%PDF-");
        assert!(!a.is_message);
    }

    #[test]
    fn what_the_parser_cannot_read_is_kept_as_text() {
        let m = parse(b"not a header line\r\n\r\nbut some text");
        assert!(!m.readable);
        assert_eq!(m.subject, None);
        assert_eq!(
            m.body.as_deref(),
            Some("not a header line\r\n\r\nbut some text")
        );
        assert!(!parse(b"").readable);
    }
}
