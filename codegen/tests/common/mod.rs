//! What several test files share: a copy of `headers/` to edit.

use std::fs;
use std::path::{Path, PathBuf};

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Copies `headers/` (and its folders) into `dir`. The manifest's files from outside
/// `headers/` (the license texts, `../LICENSE-*`) are named by their real paths in the
/// copy, so the copy generates wherever it is.
pub fn copy_headers(dir: &Path) {
    copy_tree(&root().join("headers"), dir);
    fs::write(dir.join("mapi.toml"), manifest_text()).unwrap();
}

/// The committed manifest, with its files from outside `headers/` named by their real
/// paths (as in [`copy_headers`]).
#[allow(dead_code)] // not every test file reads it
pub fn manifest_text() -> String {
    let text = fs::read_to_string(root().join("headers/mapi.toml")).unwrap();
    let real = format!("\"{}/", root().display());
    text.replace("\"../", &real)
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let p = entry.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            fs::copy(&p, &dest).unwrap();
        }
    }
}
