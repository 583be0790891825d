//! Installs what the project needs when it is missing, saying what it installs; where it
//! cannot (not root, no apt-get, no rustup), it stops with the exact command to run.

use std::process::Command;

use crate::{run, Fail};

/// A Debian package and why the project needs it.
pub struct Package {
    pub name: &'static str,
    pub why: &'static str,
}

/// What `regen` needs.
pub const REGEN: &[Package] = &[
    Package {
        name: "libclang-dev",
        why: "libclang, which bindgen and the AST pass load",
    },
    Package {
        name: "clang",
        why: "clang's built-in headers (x86intrin.h) and `clang -fsyntax-only` for the benchmark",
    },
    Package {
        name: "mingw-w64-x86-64-dev",
        why: "the mingw-w64 MAPI headers",
    },
];

/// What `test` needs on top of `REGEN`.
pub const TEST: &[Package] = &[
    Package {
        name: "gcc",
        why: "compiles the C header and the C hosts on Linux",
    },
    Package {
        name: "g++",
        why: "compiles the C++ view of the header on Linux",
    },
    Package {
        name: "gcc-mingw-w64-x86-64",
        why: "links x86_64-pc-windows-gnu builds and compiles the header for 64-bit Windows",
    },
    Package {
        name: "gcc-mingw-w64-i686",
        why: "links i686-pc-windows-gnu builds and compiles the header for 32-bit Windows",
    },
    Package {
        name: "g++-mingw-w64-x86-64",
        why: "compiles the C++ view of the header for 64-bit Windows",
    },
    Package {
        name: "g++-mingw-w64-i686",
        why: "compiles the C++ view of the header for 32-bit Windows",
    },
    Package {
        name: "valgrind",
        why: "runs the C and C++ hosts checking for invalid accesses and leaks",
    },
    Package {
        name: "strace",
        why: "delivers a signal at the generator's output swap in codegen's output tests",
    },
    Package {
        name: "dovecot-imapd",
        why: "the IMAP server imap-store's tests sync against (started by the tests, \
              on 127.0.0.1 with a configuration of their own)",
    },
    Package {
        name: "isync",
        why: "mbsync, the C tool that mirrors IMAP into a Maildir, which `cargo xtask bench` \
              times imap-store's sync against (and imap-store's bench test runs at a tiny size)",
    },
    Package {
        name: "wine64",
        why: "runs the Windows host against the provider DLL",
    },
];

/// Rust targets the tests build for.
pub const TARGETS: &[&str] = &["x86_64-pc-windows-gnu", "i686-pc-windows-gnu"];

fn installed(pkg: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", pkg])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Installs the missing packages, or fails with the command that would.
pub fn ensure_packages(sets: &[&[Package]]) -> Result<(), Fail> {
    let missing: Vec<&Package> = sets
        .iter()
        .flat_map(|s| s.iter())
        .filter(|p| !installed(p.name))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = missing.iter().map(|p| p.name).collect();
    let command = format!("apt-get install -y {}", names.join(" "));
    if !have("apt-get") || !is_root() {
        return Err(Fail(format!(
            "missing packages: {}\n  run as root: apt-get update && {command}",
            names.join(", ")
        )));
    }
    for p in &missing {
        eprintln!("xtask: installing {} ({})", p.name, p.why);
    }
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    run(Command::new("apt-get")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&names))?;
    Ok(())
}

/// Adds the missing Rust targets, or fails with the command that would.
pub fn ensure_targets() -> Result<(), Fail> {
    let listed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|_| {
            Fail(format!(
                "rustup not found; install the targets with: rustup target add {}",
                TARGETS.join(" ")
            ))
        })?;
    let have = String::from_utf8_lossy(&listed.stdout).to_string();
    let missing: Vec<&str> = TARGETS
        .iter()
        .copied()
        .filter(|t| !have.lines().any(|l| l.trim() == *t))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!(
        "xtask: adding Rust targets {} (the bindings' layout checks and Windows builds)",
        missing.join(", ")
    );
    run(Command::new("rustup")
        .args(["target", "add"])
        .args(&missing))
}

/// A rustup command with the outer cargo's toolchain choice taken out of the environment,
/// so that `rustup run TOOLCHAIN ...` really runs that toolchain.
pub fn rustup() -> Command {
    let mut c = Command::new("rustup");
    for var in [
        "RUSTUP_TOOLCHAIN",
        "RUSTC",
        "RUSTDOC",
        "CARGO",
        "RUSTC_WRAPPER",
    ] {
        c.env_remove(var);
    }
    c
}

/// Installs `toolchain` (minimal profile) with `components` and `targets` when they are
/// missing, saying why; fails with the command to run where rustup is missing.
pub fn ensure_toolchain(
    toolchain: &str,
    components: &[&str],
    targets: &[&str],
    why: &str,
) -> Result<(), Fail> {
    let present = rustup()
        .args(["run", toolchain, "rustc", "--version"])
        .output()
        .map_err(|_| {
            Fail(format!(
                "rustup not found; install it, then: rustup toolchain install {toolchain}"
            ))
        })?
        .status
        .success();
    if !present {
        eprintln!("xtask: installing Rust {toolchain} ({why})");
        run(rustup().args(["toolchain", "install", toolchain, "--profile", "minimal"]))?;
    }
    let listed = |what: &str| -> String {
        rustup()
            .args([what, "list", "--installed", "--toolchain", toolchain])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
            .unwrap_or_default()
    };
    let have = listed("component");
    let missing: Vec<&str> = components
        .iter()
        .copied()
        .filter(|c| !have.lines().any(|l| l.trim().starts_with(c)))
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "xtask: adding {} to Rust {toolchain} ({why})",
            missing.join(", ")
        );
        run(rustup()
            .args(["component", "add", "--toolchain", toolchain])
            .args(&missing))?;
    }
    let have = listed("target");
    let missing: Vec<&str> = targets
        .iter()
        .copied()
        .filter(|t| !have.lines().any(|l| l.trim() == *t))
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "xtask: adding targets {} to Rust {toolchain} ({why})",
            missing.join(", ")
        );
        run(rustup()
            .args(["target", "add", "--toolchain", toolchain])
            .args(&missing))?;
    }
    Ok(())
}
