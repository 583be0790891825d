//! Install and remove a MAPI message service in MAPISVC.INF, as Microsoft documents the
//! file ("File Format of MapiSvc.inf", "Registering Services and Service Providers in
//! MapiSvc.inf"): the `[Services]` entry, the service's section and its providers'
//! sections; nothing else in the file changes, byte for byte.
//!
//! ```
//! use mapisvc::{DllName, Inf, Service};
//!
//! let dll = DllName::new(r"C:\Program Files\EmlStore\emlstore.dll")?;
//! assert_eq!(dll.loaded_file(), r"C:\Program Files\EmlStore\emlstore32.dll");
//! let service = Service::store("EmlStore", "EML Store", &dll, "ServiceEntry");
//! let mut inf = Inf::parse(b"[Services]\r\nMSPST MS=Personal Folders File (.pst)\r\n")?;
//! assert!(mapisvc::install(&mut inf, &service)?);
//! assert!(!mapisvc::install(&mut inf, &service)?); // twice changes nothing
//! assert_eq!(inf.value("Services", "EmlStore").as_deref(), Some("EML Store"));
//! assert!(mapisvc::remove(&mut inf, "EmlStore"));
//! assert_eq!(inf.to_bytes(), b"[Services]\r\nMSPST MS=Personal Folders File (.pst)\r\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`install_file`] and [`remove_file`] do the same to a file on disk, atomically: the new
//! file is written beside the old one and renamed over it, so a reader (MAPI, Outlook)
//! sees the old file or the new one, never half of one; a file that does not parse is an
//! error naming its line, and nothing is written.

mod edit;
mod inf;
mod service;

use std::io::Write;
use std::path::Path;

pub use edit::{install, remove};
pub use inf::{Inf, ParseError};
pub use service::{DllName, DllNameError, Provider, Service};

/// An error of [`install_file`] or [`remove_file`], naming the file (and the line, for a
/// file that does not parse).
#[derive(Debug)]
pub struct FileError(pub String);

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FileError {}

fn read(path: &Path) -> Result<Inf, FileError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(FileError(format!("{}: {e}", path.display()))),
    };
    Inf::parse(&bytes).map_err(|e| FileError(format!("{}:{e}", path.display())))
}

/// Replaces `path` with `inf`'s bytes: a temporary file in the same folder, flushed to
/// disk, renamed over it.
fn write(path: &Path, inf: &Inf) -> Result<(), FileError> {
    let error = |e: std::io::Error| FileError(format!("{}: {e}", path.display()));
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(folder).map_err(error)?;
    file.write_all(&inf.to_bytes()).map_err(error)?;
    file.as_file().sync_all().map_err(error)?;
    file.persist(path).map_err(|e| error(e.error))?;
    Ok(())
}

/// Installs `service` into the MAPISVC.INF at `path` (a missing file is an empty one);
/// whether it changed. An unchanged file is not written.
pub fn install_file(path: &Path, service: &Service) -> Result<bool, FileError> {
    let mut inf = read(path)?;
    let changed =
        install(&mut inf, service).map_err(|e| FileError(format!("{}: {e}", path.display())))?;
    if changed {
        write(path, &inf)?;
    }
    Ok(changed)
}

/// Removes service `name` from the MAPISVC.INF at `path`; whether it changed. An
/// unchanged file is not written.
pub fn remove_file(path: &Path, name: &str) -> Result<bool, FileError> {
    let mut inf = read(path)?;
    let changed = remove(&mut inf, name);
    if changed {
        write(path, &inf)?;
    }
    Ok(changed)
}
