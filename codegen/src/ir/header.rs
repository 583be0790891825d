//! The headers a run reads, as the model knows them: each by its key, with the name it is
//! shown under and, for a header lowered from IDL, the C text shipped with the bindings.

use std::path::Path;

/// The umbrella C header for hosts, written to `include/` beside the lowered IDL headers,
/// which include it where there are no Windows headers.
pub const UMBRELLA_HEADER: &str = "mapi-sync.h";

/// One header: a MAPI header found on disk or the C header lowered from an IDL file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The lower-case base name ([`header_key`]): `mapidefs.h`, `mapisync.h`.
    pub key: String,
    /// The name shown in the bindings' docs: the file's name on disk (`MAPIDefS.h`), or
    /// the IDL file's (`mapisync.idl`).
    pub shown: String,
    /// For a header lowered from IDL: its C text, written to `include/<key>`.
    pub lowered: Option<String>,
}

/// The key a header is known by: its lower-case base name, with `.idl` read as the `.h`
/// lowered from it.
pub fn header_key(name: &str) -> String {
    let base = Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match base.strip_suffix(".idl") {
        Some(stem) => format!("{stem}.h"),
        None => base,
    }
}
