//! What a message service registers: its name, its sections' entries, and the DLL name
//! MAPI loads.

use std::fmt;

/// The name of a provider DLL as MAPISVC.INF gives it, checked against MAPI's rules
/// (Microsoft, "Registering Services and Service Providers in MapiSvc.inf" and
/// "PidTagServiceDllName"):
///
/// - the name is given without the "32" MAPI appends: `mystore` (or `mystore.dll`)
///   makes MAPI load `mystore32.dll`, so a name already ending in "32" is refused;
/// - MAPI puts the "32" before the first period of the value, so a full path may have no
///   period but its file name's extension;
/// - Outlook 2013 and later no longer look for provider DLLs on `PATH`: a bare name is
///   accepted, with a [`warning`](DllName::warning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DllName(String);

/// Why a DLL name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DllNameError(pub String);

impl fmt::Display for DllNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DllNameError {}

/// Where a path's file name starts.
fn file_name_start(value: &str) -> usize {
    value.rfind(['\\', '/', ':']).map_or(0, |i| i + 1)
}

impl DllName {
    /// Checks `value` (a bare name or a full path, without the "32").
    pub fn new(value: &str) -> Result<DllName, DllNameError> {
        if value.trim().is_empty() || value.trim() != value {
            return Err(DllNameError(format!(
                "{value:?}: a DLL name must be given, without spaces around it"
            )));
        }
        let start = file_name_start(value);
        let file = &value[start..];
        if let Some(i) = value[..start].find('.') {
            return Err(DllNameError(format!(
                "{value:?}: MAPI puts \"32\" before the first period, and this path has one at \
                 byte {i}, before the file name; install the DLL in a folder whose path has none"
            )));
        }
        let stem = file.split('.').next().unwrap_or(file);
        if file.matches('.').count() > 1 {
            return Err(DllNameError(format!(
                "{value:?}: the file name may have one period, before its extension"
            )));
        }
        if stem.is_empty() {
            return Err(DllNameError(format!("{value:?}: no file name")));
        }
        if stem.ends_with("32") {
            return Err(DllNameError(format!(
                "{value:?}: give the name without \"32\": MAPI appends it ({} would load {}32{})",
                value,
                &value[..start + stem.len()],
                &file[stem.len()..]
            )));
        }
        Ok(DllName(value.to_owned()))
    }

    /// The value as MAPISVC.INF holds it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The file MAPI loads for it: "32" before the first period, or at the end.
    pub fn loaded_file(&self) -> String {
        match self.0.find('.') {
            Some(i) => format!("{}32{}", &self.0[..i], &self.0[i..]),
            None => format!("{}32", self.0),
        }
    }

    /// A warning for a bare name: Outlook 2013 and later do not search `PATH` for it.
    pub fn warning(&self) -> Option<String> {
        (file_name_start(&self.0) == 0).then(|| {
            format!(
                "{:?} is not a full path: Outlook 2013 and later do not search PATH for \
                 provider DLLs, so give the full path of {}",
                self.0,
                self.loaded_file()
            )
        })
    }
}

/// One service provider of a message service: its section's name and entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// The section's name, listed in the service's `Providers=` entry.
    pub section: String,
    /// The section's entries, in order (`PR_…`, value).
    pub entries: Vec<(String, String)>,
}

/// A message service as MAPISVC.INF registers it: its `[Services]` entry, its section and
/// its providers' sections (Microsoft, "File Format of MapiSvc.inf", "MapiSvc.inf Message
/// Service Sections", "MapiSvc.inf Service Provider Sections").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// The service's section name, and its name in `[Services]`.
    pub name: String,
    /// Its display name (the `[Services]` entry's value).
    pub display_name: String,
    /// The service section's entries, in order (`Providers=` is written from
    /// [`providers`](Service::providers) after them).
    pub entries: Vec<(String, String)>,
    /// Its providers.
    pub providers: Vec<Provider>,
}

impl Service {
    /// A message store service of one store provider, as a store registers it: the
    /// service's DLL and entry point (`PR_SERVICE_DLL_NAME`, `PR_SERVICE_ENTRY_NAME`), and
    /// a provider section `<name>_Store` with `PR_PROVIDER_DLL_NAME`,
    /// `PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER` and `PR_RESOURCE_FLAGS=STATUS_NO_DEFAULT_STORE`
    /// (a store that is not the default delivery store).
    pub fn store(name: &str, display_name: &str, dll: &DllName, entry_point: &str) -> Service {
        let dll = dll.as_str().to_owned();
        Service {
            name: name.to_owned(),
            display_name: display_name.to_owned(),
            entries: vec![
                ("PR_DISPLAY_NAME".into(), display_name.to_owned()),
                ("PR_SERVICE_DLL_NAME".into(), dll.clone()),
                ("PR_SERVICE_ENTRY_NAME".into(), entry_point.to_owned()),
            ],
            providers: vec![Provider {
                section: format!("{name}_Store"),
                entries: vec![
                    ("PR_DISPLAY_NAME".into(), display_name.to_owned()),
                    ("PR_PROVIDER_DISPLAY".into(), display_name.to_owned()),
                    ("PR_PROVIDER_DLL_NAME".into(), dll),
                    ("PR_RESOURCE_TYPE".into(), "MAPI_STORE_PROVIDER".into()),
                    ("PR_RESOURCE_FLAGS".into(), "STATUS_NO_DEFAULT_STORE".into()),
                ],
            }],
        }
    }

    /// Checks the names: a section or entry name must be non-empty and hold none of
    /// `[`, `]`, `=`, `;` or a line break; a value no line break.
    pub fn check(&self) -> Result<(), String> {
        let name_ok = |n: &str| {
            !n.trim().is_empty() && n.trim() == n && !n.contains(['[', ']', '=', ';', '\r', '\n'])
        };
        let value_ok = |v: &str| !v.contains(['\r', '\n']);
        let sections = std::iter::once(self.name.as_str())
            .chain(self.providers.iter().map(|p| p.section.as_str()));
        for section in sections {
            if !name_ok(section) {
                return Err(format!("{section:?} cannot be a section name"));
            }
        }
        let entries = self
            .entries
            .iter()
            .chain(self.providers.iter().flat_map(|p| &p.entries));
        for (name, value) in entries {
            if !name_ok(name) || !value_ok(value) {
                return Err(format!("{name:?}={value:?} cannot be an entry"));
            }
        }
        if !value_ok(&self.display_name) {
            return Err(format!("{:?} cannot be a display name", self.display_name));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_mapis_rules() {
        let full = DllName::new(r"C:\Program Files\EmlStore\emlstore.dll").unwrap();
        assert_eq!(
            full.loaded_file(),
            r"C:\Program Files\EmlStore\emlstore32.dll"
        );
        assert_eq!(full.warning(), None);
        let bare = DllName::new("emlstore").unwrap();
        assert_eq!(bare.loaded_file(), "emlstore32");
        assert!(bare.warning().unwrap().contains("PATH"));
        for (bad, why) in [
            (r"C:\Program Files\Eml.Store\emlstore.dll", "first period"),
            ("emlstore32.dll", "without \"32\""),
            (r"C:\x\emlstore32", "without \"32\""),
            ("eml.store.dll", "one period"),
            ("", "must be given"),
            (" emlstore.dll", "must be given"),
            (r"C:\x\.dll", "no file name"),
        ] {
            let e = DllName::new(bad).unwrap_err();
            assert!(e.0.contains(why), "{bad:?}: {e}");
        }
    }

    #[test]
    fn a_store_service_has_its_provider_and_checks_its_names() {
        let dll = DllName::new(r"C:\Stores\emlstore.dll").unwrap();
        let service = Service::store("EmlStore", "EML Store", &dll, "ServiceEntry");
        assert!(service.check().is_ok());
        assert_eq!(service.providers[0].section, "EmlStore_Store");
        let mut bad = service.clone();
        bad.name = "Eml[Store]".into();
        assert!(bad.check().is_err());
        let mut bad = service;
        bad.providers[0]
            .entries
            .push(("PR_X".into(), "a\nb".into()));
        assert!(bad.check().is_err());
    }
}
