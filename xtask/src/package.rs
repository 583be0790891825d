//! What a provider author gets from crates.io, checked before it is published: the
//! published crates are packaged (`cargo package`), unpacked, and `tests/crates/package`
//! (a one-struct provider outside the workspace, depending on `mapi-sync` by version) is
//! built against the unpacked packages only, for Linux and both Windows targets, and
//! driven by `tests/crates/package/host.c`, a C host that includes only the packaged
//! `mapi-sync.h`; a C file is compiled against the packaged IDL header too. A file left
//! out of a package that the build needs fails here, not on a user's machine.
//!
//! Also the docs as docs.rs builds them: `cargo doc` of the published crates for the
//! same three targets, warnings denied.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, root, step, Fail};

/// The crates published to crates.io, in dependency order.
pub const PUBLISHED: &[&str] = &[
    "mapi-sync-sys",
    "mapi-sync-macros",
    "mapi-sync-runtime",
    "mapi-sync-store",
    "mapi-sync",
];

/// The targets a provider is built for, and that docs.rs documents (`None`: this host).
const TARGETS: &[Option<&str>] = &[
    None,
    Some("x86_64-pc-windows-gnu"),
    Some("i686-pc-windows-gnu"),
];

fn io(what: &str, path: &Path, e: std::io::Error) -> Fail {
    Fail(format!("{what} {}: {e}", path.display()))
}

/// The published crates packaged (`cargo package`) into `work/target` and unpacked into
/// `work/unpacked`: each crate's name and its unpacked folder, in dependency order.
pub fn pack(work: &Path) -> Result<Vec<(&'static str, PathBuf)>, Fail> {
    let crates_dir = work.join("target");
    let mut package = cargo();
    package
        .args(["package", "--quiet", "--no-verify", "--allow-dirty"])
        .arg("--target-dir")
        .arg(&crates_dir);
    for name in PUBLISHED {
        package.args(["-p", name]);
    }
    step("cargo package the published crates", &mut package)?;

    let unpacked = work.join("unpacked");
    std::fs::create_dir_all(&unpacked).map_err(|e| io("cannot create", &unpacked, e))?;
    let mut sources = Vec::new();
    for name in PUBLISHED {
        let file = packaged_file(&crates_dir.join("package"), name)?;
        crate::run(
            Command::new("tar")
                .arg("-xzf")
                .arg(&file)
                .arg("-C")
                .arg(&unpacked),
        )?;
        let stem = file
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".crate"))
            .ok_or_else(|| Fail(format!("unexpected package name {}", file.display())))?;
        sources.push((*name, unpacked.join(stem)));
    }
    Ok(sources)
}

/// `--config` arguments that make `cargo` take the published crates from `sources`
/// (what [`pack`] gave) instead of crates.io.
pub fn patches(sources: &[(&str, PathBuf)]) -> Vec<String> {
    sources
        .iter()
        .flat_map(|(name, dir)| {
            [
                "--config".to_string(),
                format!("patch.crates-io.{name}.path={}", toml_string(dir)),
            ]
        })
        .collect()
}

/// Packages, unpacks and builds the provider against the packages.
pub fn check() -> Result<(), Fail> {
    let work = root().join("target/package-check");
    if work.exists() {
        std::fs::remove_dir_all(&work).map_err(|e| io("cannot remove", &work, e))?;
    }
    let sources = pack(&work)?;

    // The provider, copied out so that its lock file and build stay under target/.
    let provider = work.join("provider");
    copy_tree(&root().join("tests/crates/package"), &provider)?;
    for target in TARGETS {
        let mut build = cargo();
        build
            .current_dir(&provider)
            .args(["build", "--quiet", "--manifest-path"])
            .arg(provider.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(work.join("provider-target"));
        build.args(patches(&sources));
        if let Some(t) = target {
            build.args(["--target", t]);
        }
        step(
            &format!(
                "build a provider from the packaged crates for {}",
                target.unwrap_or("this host")
            ),
            &mut build,
        )?;
    }

    let sys = &sources[0].1;
    let include = sys.join("include");
    first_hour_host(&work, &include)?;
    for compiler in ["gcc", "x86_64-w64-mingw32-gcc", "i686-w64-mingw32-gcc"] {
        step(
            &format!("compile a host against the packaged C header with {compiler}"),
            Command::new(compiler)
                .args([
                    "-std=gnu11",
                    "-Wall",
                    "-Wextra",
                    "-Werror",
                    "-fsyntax-only",
                    "-I",
                ])
                .arg(&include)
                .arg(root().join("tests/crates/package/uses_header.c")),
        )?;
    }
    Ok(())
}

/// The README's provider (`tests/crates/package`, just built from the packages) driven
/// by `tests/crates/package/host.c`, which includes only the packaged `mapi-sync.h`: run on
/// Linux and, built with mingw-w64, under Wine; for 32-bit Windows compiled and linked (this
/// machine's Wine runs 64-bit programs only).
fn first_hour_host(work: &Path, include: &Path) -> Result<(), Fail> {
    let source = root().join("tests/crates/package/host.c");
    let built = work.join("provider-target");
    let flags = ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O1"];
    let compile = |compiler: &str, out: &Path, libs: &[&str]| -> Result<(), Fail> {
        step(
            &format!(
                "compile the first-hour host against the packaged mapi-sync.h with {compiler}"
            ),
            Command::new(compiler)
                .args(flags)
                .arg("-I")
                .arg(include)
                .arg(&source)
                .arg("-o")
                .arg(out)
                .args(libs),
        )
    };
    let linux = work.join("first-hour-host");
    compile("gcc", &linux, &["-ldl"])?;
    step(
        "the first-hour host drives the README's provider on Linux",
        Command::new(&linux).arg(built.join("debug/libpackaged_provider.so")),
    )?;

    let windows = work.join("first-hour-windows");
    std::fs::create_dir_all(&windows).map_err(|e| io("cannot create", &windows, e))?;
    compile(
        "x86_64-w64-mingw32-gcc",
        &windows.join("host.exe"),
        &["-luuid"],
    )?;
    let dll = windows.join("packaged_provider.dll");
    std::fs::copy(
        built.join("x86_64-pc-windows-gnu/debug/packaged_provider.dll"),
        &dll,
    )
    .map_err(|e| io("cannot copy the provider DLL to", &dll, e))?;
    crate::wine_shim(&windows)?;
    let wine = crate::wine64()?;
    let prefix = std::env::temp_dir().join(format!("mapi-sync-first-hour-{}", std::process::id()));
    let result = step(
        "the first-hour host drives the README's provider on x86_64 Windows, under Wine",
        Command::new(wine)
            .current_dir(&windows)
            .env("WINEPREFIX", &prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .arg("host.exe")
            .arg("packaged_provider.dll"),
    );
    crate::stop_wine(wine, &prefix);
    result?;
    compile(
        "i686-w64-mingw32-gcc",
        &work.join("first-hour-host32.exe"),
        &["-luuid"],
    )
}

/// `cargo doc` of the published crates, for each target, with every warning an error.
pub fn docs() -> Result<(), Fail> {
    for target in TARGETS {
        let mut doc = cargo();
        doc.env("RUSTDOCFLAGS", "-D warnings")
            .args(["doc", "--quiet", "--no-deps"])
            // As docs.rs builds them: every header's feature on.
            .args([
                "--features",
                "mapi-sync/full,mapi-sync/store,mapi-sync-sys/full",
            ])
            .arg("--target-dir")
            .arg(root().join("target/doc-check"));
        for name in PUBLISHED {
            doc.args(["-p", name]);
        }
        if let Some(t) = target {
            doc.args(["--target", t]);
        }
        step(
            &format!(
                "cargo doc, warnings denied, for {}",
                target.unwrap_or("this host")
            ),
            &mut doc,
        )?;
    }
    Ok(())
}

/// The one `NAME-VERSION.crate` in `dir`.
fn packaged_file(dir: &Path, name: &str) -> Result<PathBuf, Fail> {
    let entries = std::fs::read_dir(dir).map_err(|e| io("cannot read", dir, e))?;
    let mut found = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| io("cannot read", dir, e))?.path();
        let Some(file) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let version = file
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|rest| rest.strip_suffix(".crate"));
        if version.is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit())) {
            found.push(path);
        }
    }
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Fail(format!(
            "cargo package wrote no {name}-VERSION.crate in {}",
            dir.display()
        ))),
        _ => Err(Fail(format!(
            "several packages of {name} in {}: {found:?}",
            dir.display()
        ))),
    }
}

/// A path as a TOML string (for `--config`).
pub fn toml_string(path: &Path) -> String {
    let text = path.display().to_string();
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Copies the folder `from` to `to`, leaving out any `target/` folder (a crate's build).
pub fn copy_tree(from: &Path, to: &Path) -> Result<(), Fail> {
    std::fs::create_dir_all(to).map_err(|e| io("cannot create", to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| io("cannot read", from, e))? {
        let entry = entry.map_err(|e| io("cannot read", from, e))?;
        if entry.file_name() == "target" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| io("cannot copy", &src, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_one_package_of_a_crate_and_not_its_namesakes() {
        let dir = std::env::temp_dir().join(format!("xtask-package-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for f in [
            "mapi-sync-0.1.0.crate",
            "mapi-sync-sys-0.1.0.crate",
            "mapi-sync-macros-0.1.0.crate",
        ] {
            std::fs::write(dir.join(f), b"").unwrap();
        }
        assert_eq!(
            packaged_file(&dir, "mapi-sync").unwrap(),
            dir.join("mapi-sync-0.1.0.crate")
        );
        assert_eq!(
            packaged_file(&dir, "mapi-sync-sys").unwrap(),
            dir.join("mapi-sync-sys-0.1.0.crate")
        );
        let e = packaged_file(&dir, "mapi-codegen").err().unwrap();
        assert!(e.0.contains("no mapi-codegen-VERSION.crate"), "{}", e.0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
