//! Installing and removing a service in an [`Inf`]: only its own lines change.
//!
//! - Install writes the service's `[Services]` entry (replacing one of the same name, in
//!   any case, else after the section's last entry), and its section and its providers'
//!   sections (replacing their entries where they exist, keeping the blank lines and
//!   comments after them; else appended at the end of the file, each followed by a blank
//!   line). Installing what is installed changes nothing.
//! - Remove deletes the `[Services]` entry, the service's section, and the sections its
//!   `Providers=` entry names, whole; every other line stays byte for byte. Installing
//!   then removing gives back the file as it was (if it ended with a line break).

use crate::inf::{Inf, Kind, Line, Section};
use crate::service::Service;

fn entry_line(inf: &Inf, name: &str, value: &str) -> Line {
    inf.line(format!("{name}={value}"))
}

/// Whether `line` is the entry `name` (in any case).
fn is_entry(line: &Line, name: &str) -> bool {
    matches!(line.kind(), Ok(Kind::Entry { name: n, .. }) if n.eq_ignore_ascii_case(name.as_bytes()))
}

/// Whether `line` is blank or a comment: what stays after a section's entries.
fn is_trailer(line: &Line) -> bool {
    matches!(line.kind(), Ok(Kind::Blank | Kind::Comment))
}

/// Sets section `name`'s entries to `entries`, keeping what trails them; or appends the
/// section. Whether anything changed.
fn put_section(inf: &mut Inf, name: &str, entries: &[(String, String)]) -> bool {
    let lines: Vec<Line> = entries.iter().map(|(n, v)| entry_line(inf, n, v)).collect();
    match inf.section(name) {
        Some(i) => {
            let section = &mut inf.sections[i];
            let keep_from = section
                .lines
                .iter()
                .rposition(|l| !is_trailer(l))
                .map_or(0, |p| p + 1);
            if section.lines[..keep_from] == lines[..] {
                return false;
            }
            let trailer = section.lines.split_off(keep_from);
            section.lines = lines;
            section.lines.extend(trailer);
            true
        }
        None => {
            inf.end_last_line();
            let header = inf.line(format!("[{name}]"));
            let blank = inf.line(Vec::new());
            let mut lines = lines;
            lines.push(blank);
            inf.sections.push(Section {
                name: name.as_bytes().to_vec(),
                header,
                lines,
            });
            true
        }
    }
}

/// Sets the `[Services]` entry `name=display`. Whether anything changed.
fn put_services_entry(inf: &mut Inf, name: &str, display: &str) -> bool {
    let line = entry_line(inf, name, display);
    let i = match inf.section("Services") {
        Some(i) => i,
        None => {
            let header = inf.line("[Services]");
            let blank = inf.line(Vec::new());
            inf.end_last_line();
            inf.sections.insert(
                0,
                Section {
                    name: b"Services".to_vec(),
                    header,
                    lines: vec![blank],
                },
            );
            0
        }
    };
    let section = &mut inf.sections[i];
    if let Some(existing) = section.lines.iter_mut().find(|l| is_entry(l, name)) {
        if existing.text == line.text {
            return false;
        }
        existing.text = line.text;
        return true;
    }
    let at = section
        .lines
        .iter()
        .rposition(|l| !is_trailer(l))
        .map_or(0, |p| p + 1);
    section.lines.insert(at, line);
    true
}

/// Installs `service`; whether the file changed. `Err` names what cannot be written.
pub fn install(inf: &mut Inf, service: &Service) -> Result<bool, String> {
    service.check()?;
    let mut changed = put_services_entry(inf, &service.name, &service.display_name);
    let mut entries = service.entries.clone();
    let providers: Vec<&str> = service
        .providers
        .iter()
        .map(|p| p.section.as_str())
        .collect();
    entries.push(("Providers".into(), providers.join(", ")));
    changed |= put_section(inf, &service.name, &entries);
    for provider in &service.providers {
        changed |= put_section(inf, &provider.section, &provider.entries);
    }
    Ok(changed)
}

/// Removes service `name`: its `[Services]` entry, its section and its providers'
/// sections. Whether the file changed.
pub fn remove(inf: &mut Inf, name: &str) -> bool {
    let mut changed = false;
    if let Some(i) = inf.section("Services") {
        let lines = &mut inf.sections[i].lines;
        let before = lines.len();
        lines.retain(|l| !is_entry(l, name));
        changed |= lines.len() != before;
    }
    let providers: Vec<String> = inf
        .value(name, "Providers")
        .map(|list| {
            list.split(',')
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect()
        })
        .unwrap_or_default();
    for section in std::iter::once(name.to_owned()).chain(providers) {
        while let Some(i) = inf.section(&section) {
            inf.sections.remove(i);
            changed = true;
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::DllName;

    fn service() -> Service {
        let dll = DllName::new(r"C:\Stores\emlstore.dll").unwrap();
        Service::store("EmlStore", "EML Store", &dll, "ServiceEntry")
    }

    #[test]
    fn into_an_empty_file_then_out_again() {
        let mut inf = Inf::new();
        assert!(install(&mut inf, &service()).unwrap());
        let text = String::from_utf8(inf.to_bytes()).unwrap();
        assert!(
            text.starts_with("[Services]\r\nEmlStore=EML Store\r\n"),
            "{text}"
        );
        assert!(
            text.contains("[EmlStore]\r\nPR_DISPLAY_NAME=EML Store\r\n"),
            "{text}"
        );
        assert!(text.contains("Providers=EmlStore_Store\r\n"), "{text}");
        assert!(text.contains("[EmlStore_Store]\r\n"), "{text}");
        assert!(
            text.contains("PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\r\n"),
            "{text}"
        );
        let again = Inf::parse(text.as_bytes()).unwrap();
        assert_eq!(
            again
                .value("EmlStore_Store", "PR_PROVIDER_DLL_NAME")
                .as_deref(),
            Some(r"C:\Stores\emlstore.dll")
        );
        let mut twice = again.clone();
        assert!(
            !install(&mut twice, &service()).unwrap(),
            "a second install changes nothing"
        );
        assert_eq!(twice.to_bytes(), text.as_bytes());
        assert!(remove(&mut twice, "emlstore"));
        assert_eq!(twice.section_names(), ["Services"]);
        assert!(!remove(&mut twice, "EmlStore"));
    }

    #[test]
    fn a_changed_service_replaces_its_entries_and_keeps_what_follows_them() {
        let before = b"[Services]\nEmlStore=Old\nX=Other\n\n[EmlStore]\nPR_DISPLAY_NAME=Old\n; kept\n\n[X]\nPR_A=1\n";
        let mut inf = Inf::parse(before).unwrap();
        assert!(install(&mut inf, &service()).unwrap());
        let text = String::from_utf8(inf.to_bytes()).unwrap();
        assert!(text.starts_with("[Services]\nEmlStore=EML Store\nX=Other\n\n[EmlStore]\nPR_DISPLAY_NAME=EML Store\n"), "{text}");
        assert!(
            text.contains("Providers=EmlStore_Store\n; kept\n\n[X]\nPR_A=1\n"),
            "{text}"
        );
        // The file's own line ending for new lines.
        assert!(!text.contains('\r'));
    }
}
