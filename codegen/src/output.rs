//! Writing the generated crate: into a temporary sibling folder first, then swapped in
//! with renames, so a failed run leaves the old output as it was.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Replaces the folder `out` with exactly `files` (relative path -> contents).
pub fn write_atomically(out: &Path, files: &BTreeMap<String, String>) -> Result<()> {
    let tmp = sibling(out, "tmp");
    let old = sibling(out, "old");
    let io = |what: &str, p: &Path, e: std::io::Error| {
        Error::msg(format!("cannot {what} {}: {e}", p.display()))
    };
    let _ = fs::remove_dir_all(&tmp);
    let result = (|| {
        for (rel, text) in files {
            let path = tmp.join(rel);
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(|e| io("create", dir, e))?;
            }
            fs::write(&path, text).map_err(|e| io("write", &path, e))?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let _ = fs::remove_dir_all(&old);
    if out.exists() {
        fs::rename(out, &old).map_err(|e| io("move aside", out, e))?;
    }
    if let Err(e) = fs::rename(&tmp, out) {
        let _ = fs::rename(&old, out);
        return Err(io("move into place", &tmp, e));
    }
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

/// Compares `files` with the folder `out`: the relative paths that differ, are missing
/// or are extra, each with a word saying which.
pub fn compare(out: &Path, files: &BTreeMap<String, String>) -> Vec<String> {
    let mut diffs = Vec::new();
    for (rel, text) in files {
        match fs::read_to_string(out.join(rel)) {
            Ok(on_disk) if on_disk == *text => {}
            Ok(_) => diffs.push(format!("differs: {rel}")),
            Err(_) => diffs.push(format!("missing: {rel}")),
        }
    }
    let mut on_disk = Vec::new();
    list(out, out, &mut on_disk);
    for rel in on_disk {
        if !files.contains_key(&rel) {
            diffs.push(format!("extra:   {rel}"));
        }
    }
    diffs
}

fn list(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            list(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// `generated` -> `generated.tmp-<pid>` beside it.
fn sibling(out: &Path, what: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    out.with_file_name(format!("{name}.{what}-{}", std::process::id()))
}
