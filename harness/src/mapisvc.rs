//! The provider's MAPISVC.INF, read as MAPI reads it when a client adds the service to a
//! profile (Microsoft, "File Format of MapiSvc.inf", "MapiSvc.inf Message Service
//! Sections", "MapiSvc.inf Service Provider Sections"): the `[Services]` entry, the
//! service's section (`PR_SERVICE_DLL_NAME`, `PR_SERVICE_ENTRY_NAME`, `Providers=`) and
//! its providers' sections (`PR_PROVIDER_DLL_NAME`, `PR_RESOURCE_TYPE`,
//! `PR_RESOURCE_FLAGS`, …). MAPI copies each section's properties into the profile
//! section of the service or provider; the harness does the same, then calls the entry
//! point the service section names.
//!
//! Entries are property names (`PR_DISPLAY_NAME`, and the others of these sections that
//! the harness knows) or hexadecimal tags (`0x6600001E`); `PR_RESOURCE_TYPE` takes
//! `MAPI_STORE_PROVIDER` and the other provider types, `PR_RESOURCE_FLAGS` names joined
//! with `|`. An entry the harness does not know is not copied, and a note says so.

use std::path::{Path, PathBuf};

use mapi_sync::props::{prop_type, OwnedValue};
use mapi_sync::sys::{self, ULONG};
use mapisvc::Inf;

/// Where the service is registered: the file and the service's name in `[Services]`.
#[derive(Debug, Clone)]
pub struct MapiSvc {
    /// The MAPISVC.INF file.
    pub path: PathBuf,
    /// The service's name (its section, and its entry in `[Services]`).
    pub service: String,
}

impl MapiSvc {
    /// Registers a message store service in the MAPISVC.INF at `path` (made if it is not
    /// there) as its installer would (the `mapisvc` library: `[Services]`, the service's
    /// section naming `dll` and `entry_point`, a store provider's section), for a run
    /// that reads it back.
    pub fn install_store(
        path: &Path,
        service: &str,
        display_name: &str,
        dll: &str,
        entry_point: &str,
    ) -> Result<MapiSvc, String> {
        let dll = mapisvc::DllName::new(dll).map_err(|e| e.0)?;
        let registered = mapisvc::Service::store(service, display_name, &dll, entry_point);
        mapisvc::install_file(path, &registered).map_err(|e| e.0)?;
        Ok(MapiSvc {
            path: path.to_owned(),
            service: service.to_owned(),
        })
    }
}

/// The service as the file registers it.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    /// `PR_SERVICE_DLL_NAME` (as written: MAPI appends "32" and the extension).
    pub dll: String,
    /// `PR_SERVICE_ENTRY_NAME`: the entry point's export name.
    pub entry_point: String,
    /// The service section's properties, as MAPI copies them into the profile.
    pub service: Vec<(ULONG, OwnedValue)>,
    /// The store provider's section's properties (the first provider whose
    /// `PR_RESOURCE_TYPE` is `MAPI_STORE_PROVIDER`).
    pub store: Vec<(ULONG, OwnedValue)>,
    /// What does not follow MAPI's rules for the sections (empty when all is well).
    pub problems: Vec<String>,
    /// Entries not copied (names the harness does not know).
    pub skipped: Vec<String>,
}

/// A property name of these sections, its tag (strings as MAPI keeps them in a profile:
/// ANSI) and how its value reads.
fn known(name: &str) -> Option<ULONG> {
    Some(match name.to_ascii_uppercase().as_str() {
        "PR_DISPLAY_NAME" => sys::PR_DISPLAY_NAME_A,
        "PR_PROVIDER_DISPLAY" => sys::PR_PROVIDER_DISPLAY_A,
        "PR_PROVIDER_DLL_NAME" => sys::PR_PROVIDER_DLL_NAME_A,
        "PR_SERVICE_DLL_NAME" => sys::PR_SERVICE_DLL_NAME_A,
        "PR_SERVICE_ENTRY_NAME" => sys::PR_SERVICE_ENTRY_NAME,
        "PR_SERVICE_NAME" => sys::PR_SERVICE_NAME_A,
        "PR_RESOURCE_TYPE" => sys::PR_RESOURCE_TYPE,
        "PR_RESOURCE_FLAGS" => sys::PR_RESOURCE_FLAGS,
        _ => return None,
    })
}

/// The names `PR_RESOURCE_TYPE` and `PR_RESOURCE_FLAGS` take.
const NAMED: [(&str, ULONG); 21] = [
    ("MAPI_STORE_PROVIDER", sys::MAPI_STORE_PROVIDER),
    ("MAPI_AB_PROVIDER", sys::MAPI_AB_PROVIDER),
    ("MAPI_TRANSPORT_PROVIDER", sys::MAPI_TRANSPORT_PROVIDER),
    ("MAPI_HOOK_PROVIDER", sys::MAPI_HOOK_PROVIDER),
    ("MAPI_PROFILE_PROVIDER", sys::MAPI_PROFILE_PROVIDER),
    ("SERVICE_DEFAULT_STORE", sys::SERVICE_DEFAULT_STORE),
    ("SERVICE_SINGLE_COPY", sys::SERVICE_SINGLE_COPY),
    ("SERVICE_CREATE_WITH_STORE", sys::SERVICE_CREATE_WITH_STORE),
    ("SERVICE_PRIMARY_IDENTITY", sys::SERVICE_PRIMARY_IDENTITY),
    (
        "SERVICE_NO_PRIMARY_IDENTITY",
        sys::SERVICE_NO_PRIMARY_IDENTITY,
    ),
    ("STATUS_DEFAULT_STORE", sys::STATUS_DEFAULT_STORE),
    ("STATUS_NO_DEFAULT_STORE", sys::STATUS_NO_DEFAULT_STORE),
    ("STATUS_PRIMARY_IDENTITY", sys::STATUS_PRIMARY_IDENTITY),
    (
        "STATUS_NO_PRIMARY_IDENTITY",
        sys::STATUS_NO_PRIMARY_IDENTITY,
    ),
    ("STATUS_SIMPLE_STORE", sys::STATUS_SIMPLE_STORE),
    ("STATUS_XP_PREFER_LAST", sys::STATUS_XP_PREFER_LAST),
    ("STATUS_OWN_STORE", sys::STATUS_OWN_STORE),
    ("STATUS_NEED_IPM_TREE", sys::STATUS_NEED_IPM_TREE),
    ("STATUS_PRIMARY_STORE", sys::STATUS_PRIMARY_STORE),
    ("STATUS_SECONDARY_STORE", sys::STATUS_SECONDARY_STORE),
    ("STATUS_DEFAULT_OUTBOUND", sys::STATUS_DEFAULT_OUTBOUND),
];

/// A number: decimal, `0x` hexadecimal, or names of [`NAMED`] joined with `|`.
fn number(value: &str) -> Option<ULONG> {
    value.split('|').try_fold(0, |acc, part| {
        let part = part.trim();
        let n = if let Some(hex) = part.strip_prefix("0x").or(part.strip_prefix("0X")) {
            ULONG::from_str_radix(hex, 16).ok()
        } else if let Ok(n) = part.parse::<ULONG>() {
            Some(n)
        } else {
            NAMED
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(part))
                .map(|&(_, n)| n)
        };
        n.map(|n| acc | n)
    })
}

/// One entry as a property: `Ok(None)` for a name the harness does not know, `Err` for a
/// value its type cannot take.
fn property(name: &str, value: &str) -> Result<Option<(ULONG, OwnedValue)>, String> {
    let tag = match known(name) {
        Some(tag) => tag,
        None => {
            let digits = name.trim_start_matches("0x").trim_start_matches("0X");
            match ULONG::from_str_radix(digits, 16) {
                Ok(tag) if digits.len() == 8 => tag,
                _ => return Ok(None),
            }
        }
    };
    let bad = || {
        format!(
            "{name}={value}: not a value of type 0x{:04X}",
            prop_type(tag)
        )
    };
    let value = match prop_type(tag) {
        sys::PT_STRING8 => OwnedValue::String8(value.as_bytes().to_vec()),
        sys::PT_UNICODE => OwnedValue::Unicode(value.encode_utf16().collect()),
        sys::PT_LONG => OwnedValue::Long(number(value).ok_or_else(bad)? as i32),
        sys::PT_BOOLEAN => OwnedValue::Boolean(number(value).ok_or_else(bad)? != 0),
        sys::PT_BINARY => {
            let digits: Vec<char> = value.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = digits
                .chunks(2)
                .map(|pair| {
                    let pair: String = pair.iter().collect();
                    u8::from_str_radix(&pair, 16)
                        .ok()
                        .filter(|_| pair.len() == 2)
                })
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(bad)?;
            OwnedValue::Binary(bytes)
        }
        _ => return Ok(None),
    };
    Ok(Some((tag, value)))
}

/// A section's entries as properties (`Providers=` and unknown names left out).
fn section(
    inf: &Inf,
    name: &str,
    out: &mut Registration,
) -> Result<Vec<(ULONG, OwnedValue)>, String> {
    let entries = inf
        .entries(name)
        .ok_or_else(|| format!("it has no section [{name}]"))?;
    let mut props = Vec::new();
    for (entry, value) in entries {
        if entry.eq_ignore_ascii_case("Providers") {
            continue;
        }
        match property(&entry, &value).map_err(|e| format!("[{name}] {e}"))? {
            Some(p) => props.push(p),
            None => out.skipped.push(format!("[{name}] {entry}")),
        }
    }
    Ok(props)
}

fn text(props: &[(ULONG, OwnedValue)], tag: ULONG) -> Option<String> {
    props
        .iter()
        .find(|(t, _)| *t == tag)
        .and_then(|(_, v)| match v {
            OwnedValue::String8(b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        })
}

/// Reads `path` for `service`. `Err` (the file and what is wrong) when the file cannot be
/// read, is not of the format (with its line), or has a value its property cannot take;
/// what does not follow MAPI's rules for the sections is in
/// [`problems`](Registration::problems).
pub fn read(path: &Path, service: &str) -> Result<Registration, String> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
    let inf = Inf::parse(&bytes).map_err(|e| format!("{shown}: {e}"))?;
    let mut out = Registration::default();
    if inf.value("Services", service).is_none() {
        out.problems
            .push(format!("[Services] does not list {service}"));
    }
    out.service = section(&inf, service, &mut out).map_err(|e| format!("{shown}: {e}"))?;
    out.dll = text(&out.service, sys::PR_SERVICE_DLL_NAME_A).unwrap_or_default();
    out.entry_point = text(&out.service, sys::PR_SERVICE_ENTRY_NAME).unwrap_or_default();
    if out.dll.is_empty() {
        out.problems
            .push(format!("[{service}] has no PR_SERVICE_DLL_NAME"));
    } else if let Err(e) = mapisvc::DllName::new(&out.dll) {
        out.problems.push(format!("[{service}] {}", e.0));
    }
    if out.entry_point.is_empty() {
        out.problems
            .push(format!("[{service}] has no PR_SERVICE_ENTRY_NAME"));
    }
    let providers = inf.value(service, "Providers").unwrap_or_default();
    for name in providers
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        let props = section(&inf, name, &mut out).map_err(|e| format!("{shown}: {e}"))?;
        let kind = props.iter().find(|(t, _)| *t == sys::PR_RESOURCE_TYPE);
        if matches!(kind, Some((_, OwnedValue::Long(k))) if *k as ULONG == sys::MAPI_STORE_PROVIDER)
        {
            if text(&props, sys::PR_PROVIDER_DLL_NAME_A).is_none() {
                out.problems
                    .push(format!("[{name}] has no PR_PROVIDER_DLL_NAME"));
            }
            if out.store.is_empty() {
                out.store = props;
            }
        }
    }
    if out.store.is_empty() {
        out.problems.push(format!(
            "no section of [{service}]'s Providers= ({providers:?}) has PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("MAPISVC.INF");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    const GOOD: &str = "[Services]\r\nMyStore=My Store\r\n\r\n[MyStore]\r\n\
        PR_DISPLAY_NAME=My Store\r\nProviders=MyStore_Store\r\n\
        PR_SERVICE_DLL_NAME=mystore\r\nPR_SERVICE_ENTRY_NAME=ServiceEntry\r\n\r\n\
        [MyStore_Store]\r\nPR_PROVIDER_DLL_NAME=mystore\r\nPR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\r\n\
        PR_RESOURCE_FLAGS=STATUS_NO_DEFAULT_STORE|STATUS_SIMPLE_STORE\r\n0x6600001E=C:\\mail\r\n\
        PR_SERVICE_INSTALL_ID={6485D262-C2AC-11D1-AD3E-10A0C911C9C0}\r\n";

    #[test]
    fn a_registered_store_service_reads_as_mapi_copies_it() {
        let (_dir, path) = write(GOOD);
        let r = read(&path, "mystore").unwrap();
        assert_eq!(r.problems, Vec::<String>::new());
        assert_eq!(
            (r.dll.as_str(), r.entry_point.as_str()),
            ("mystore", "ServiceEntry")
        );
        assert!(r.service.contains(&(
            sys::PR_DISPLAY_NAME_A,
            OwnedValue::String8(b"My Store".to_vec())
        )));
        assert!(r.store.contains(&(
            sys::PR_RESOURCE_TYPE,
            OwnedValue::Long(sys::MAPI_STORE_PROVIDER as i32)
        )));
        assert!(r.store.contains(&(
            sys::PR_RESOURCE_FLAGS,
            OwnedValue::Long((sys::STATUS_NO_DEFAULT_STORE | sys::STATUS_SIMPLE_STORE) as i32)
        )));
        assert!(r
            .store
            .contains(&(0x6600_001E, OwnedValue::String8(b"C:\\mail".to_vec()))));
        assert_eq!(r.skipped, ["[MyStore_Store] PR_SERVICE_INSTALL_ID"]);
    }

    #[test]
    fn what_breaks_mapis_rules_is_named() {
        let broken = GOOD
            .replace("MyStore=My Store\r\n", "")
            .replace("PR_SERVICE_ENTRY_NAME=ServiceEntry\r\n", "")
            .replace(
                "PR_SERVICE_DLL_NAME=mystore",
                "PR_SERVICE_DLL_NAME=mystore32",
            )
            .replace("MAPI_STORE_PROVIDER", "MAPI_AB_PROVIDER");
        let (_dir, path) = write(&broken);
        let r = read(&path, "MyStore").unwrap();
        assert_eq!(r.problems.len(), 4, "{:?}", r.problems);
        assert!(r.problems[0].contains("[Services] does not list MyStore"));
        assert!(r.problems[1].contains("[MyStore]"), "{:?}", r.problems);
        assert!(r.problems[2].contains("no PR_SERVICE_ENTRY_NAME"));
        assert!(r.problems[3].contains("MAPI_STORE_PROVIDER"));
    }

    #[test]
    fn a_file_mapi_cannot_read_is_an_error_naming_it() {
        let (_dir, path) = write("[Services]\r\nno equals sign here\r\n");
        let e = read(&path, "MyStore").unwrap_err();
        assert!(e.contains("MAPISVC.INF: line 2"), "{e}");
        let (_dir, path) = write(&GOOD.replace("STATUS_SIMPLE_STORE", "STATUS_NO_SUCH_FLAG"));
        let e = read(&path, "MyStore").unwrap_err();
        assert!(e.contains("[MyStore_Store] PR_RESOURCE_FLAGS="), "{e}");
        let e = read(Path::new("/nonexistent/MAPISVC.INF"), "MyStore").unwrap_err();
        assert!(e.starts_with("/nonexistent/MAPISVC.INF: "), "{e}");
        let (_dir, path) = write("[Services]\r\nMyStore=My Store\r\n");
        let e = read(&path, "MyStore").unwrap_err();
        assert!(e.contains("no section [MyStore]"), "{e}");
    }
}
