//! The fixtures the compile and size figures build: the two one-struct providers as their
//! authors build them, copies to rebuild after an edit, and the bindings as crates.

use std::path::{Path, PathBuf};

use super::run::{clean_build, io};
use crate::package::{copy_tree, pack, patches, toml_string};
use crate::{root, Fail};

/// The two one-struct providers as their authors build them: windows-core's from
/// crates.io, ours from the published crates as crates.io would serve them (packaged,
/// then a directory source in place of crates.io, so they build like registry crates:
/// without incremental compilation, 16 codegen units, lints capped, no file checks on a
/// rebuild), not as path dependencies of this repository.
pub struct Fixtures {
    /// `benches/fixtures/ours`, copied, depending on `mapi-sync` by version.
    pub ours: PathBuf,
    /// `benches/fixtures/deps-only`, copied, depending on `mapi-sync` by version.
    pub deps_only: PathBuf,
    /// `--config` arguments that replace crates.io by the directory source.
    pub ours_args: Vec<String>,
    /// `benches/fixtures/windows-core`, copied.
    pub windows_core: PathBuf,
}

/// `benches/fixtures/NAME` in this repository.
pub fn fixture(name: &str) -> PathBuf {
    root().join("benches/fixtures").join(name)
}

/// Copies the fixture `name` to `to`, its path dependency on `mapi-sync` made one on
/// this version (from the directory source); gives its manifest.
fn published_copy(name: &str, to: &Path) -> Result<PathBuf, Fail> {
    let fixture = fixture(name);
    copy_tree(&fixture, to)?;
    let manifest = to.join("Cargo.toml");
    let text = io(std::fs::read_to_string(&manifest), "Cargo.toml")?;
    let by_path = "mapi-sync = { path = \"../../..\" }";
    if !text.contains(by_path) {
        return Err(Fail(format!(
            "{} no longer says `{by_path}`: update the bench",
            fixture.join("Cargo.toml").display()
        )));
    }
    let version = env!("CARGO_PKG_VERSION");
    io(
        std::fs::write(
            &manifest,
            text.replace(by_path, &format!("mapi-sync = \"={version}\"")),
        ),
        "Cargo.toml",
    )?;
    Ok(manifest)
}

/// The registry crates the packages need, vendored from cargo's cache into `vendor`, and
/// the packages themselves beside them; gives the `--config` arguments that make that
/// folder crates.io.
fn vendor_packages(scratch: &Path, ours: &Path, vendor: &Path) -> Result<Vec<String>, Fail> {
    let sources = pack(&scratch.join("packages"))?;
    crate::run(
        super::run::cargo()
            .current_dir(ours)
            .args(["vendor", "--quiet", "--offline", "--versioned-dirs"])
            .arg(vendor)
            .args(patches(&sources)),
    )?;
    for (_, dir) in &sources {
        let name = dir.file_name().expect("an unpacked crate's folder");
        let copy = vendor.join(name);
        copy_tree(dir, &copy)?;
        io(
            std::fs::write(
                copy.join(".cargo-checksum.json"),
                "{\"files\":{},\"package\":null}",
            ),
            ".cargo-checksum.json",
        )?;
    }
    Ok(vec![
        "--config".to_string(),
        "source.crates-io.replace-with=\"bench-packages\"".to_string(),
        "--config".to_string(),
        format!("source.bench-packages.directory={}", toml_string(vendor)),
    ])
}

impl Fixtures {
    pub fn new(scratch: &Path) -> Result<Fixtures, Fail> {
        let manifest = published_copy("ours", &scratch.join("fixture-ours"))?;
        let ours = manifest.parent().expect("a crate folder").to_path_buf();
        let deps_only = published_copy("deps-only", &scratch.join("fixture-deps-only"))?;
        let ours_args = vendor_packages(scratch, &ours, &scratch.join("vendor"))?;
        let windows_core = scratch.join("fixture-windows-core");
        copy_tree(&fixture("windows-core"), &windows_core)?;
        Ok(Fixtures {
            ours: manifest,
            deps_only,
            ours_args,
            windows_core: windows_core.join("Cargo.toml"),
        })
    }
}

/// Copies the crate folder `from` to `to` and builds it once into `target_dir`, so that
/// a rebuild there compiles the crate alone; gives the copy's manifest.
pub fn rebuild_copy(
    from: &Path,
    to: &Path,
    target_dir: &Path,
    args: &[String],
) -> Result<PathBuf, Fail> {
    copy_tree(from, to)?;
    let manifest = to.join("Cargo.toml");
    clean_build(&manifest, target_dir, args)?;
    Ok(manifest)
}

/// Makes the crate at `manifest` a workspace of its own.
fn standalone(manifest: &Path) -> Result<(), Fail> {
    let text = io(std::fs::read_to_string(manifest), "Cargo.toml")?;
    if !text.contains("[workspace]") {
        io(
            std::fs::write(manifest, format!("{text}\n[workspace]\n")),
            "Cargo.toml",
        )?;
    }
    Ok(())
}

/// generated/ as a crate of its own, and bindgen's plain output (`plain_output`) as one:
/// their manifests.
pub fn bindings_crates(scratch: &Path, plain_output: &Path) -> Result<(PathBuf, PathBuf), Fail> {
    let gen = scratch.join("generated-crate");
    copy_tree(&root().join("generated"), &gen)?;
    standalone(&gen.join("Cargo.toml"))?;
    let raw = scratch.join("raw-bindgen-crate");
    io(std::fs::create_dir_all(raw.join("src")), "raw crate")?;
    io(
        std::fs::write(
            raw.join("Cargo.toml"),
            "[package]\nname = \"raw-bindgen\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[workspace]\n",
        ),
        "raw crate",
    )?;
    let bindings = io(std::fs::read_to_string(plain_output), "plain.rs")?;
    io(
        std::fs::write(
            raw.join("src/lib.rs"),
            format!(
                "#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals, \
                 dead_code, improper_ctypes, clippy::all)]\n{bindings}"
            ),
        ),
        "raw crate",
    )?;
    Ok((gen.join("Cargo.toml"), raw.join("Cargo.toml")))
}
