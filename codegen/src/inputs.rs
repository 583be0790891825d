//! The first stage: what a run reads, resolved from the manifest. The MAPI headers found
//! in the include folder; our IDL files, parsed and lowered to C headers; the targets; and
//! the clang arguments to read them all with. Later stages but selection see these, not
//! the manifest.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Diagnostic, Error, Result};
use crate::idl;
use crate::ir::{CopiedFile, Target};
use crate::manifest::Manifest;

/// Where in-memory files live; no real file is ever there.
pub const VIRTUAL_DIR: &str = "/mapi-codegen-virtual";

/// The resolved inputs of one run.
#[derive(Debug)]
pub struct Inputs {
    pub mapi_include: PathBuf,
    /// The MAPI headers, in the manifest's order.
    pub headers: Vec<MapiHeader>,
    /// The IDL files, parsed and lowered, in the manifest's order.
    pub idl: Vec<IdlInput>,
    /// The targets, in the manifest's order.
    pub targets: Vec<Target>,
    /// The index in `targets` of the one whose parse decides calling conventions.
    pub cc_target: usize,
    pub resource_include: PathBuf,
    pub defines: Vec<String>,
    /// `[output.files]`, read.
    pub copied: Vec<CopiedFile>,
    /// A clang overlay that makes the MAPI folder's names with capitals match in any case,
    /// so that Microsoft's `#include <mapidefs.h>` finds their `MAPIDefS.h` on a
    /// case-sensitive file system (and not another folder's `mapidefs.h`); `None` when
    /// every name there is lower-case.
    overlay: Option<Overlay>,
}

/// A clang virtual file system overlay in a temporary file, removed on drop.
#[derive(Debug)]
struct Overlay {
    path: PathBuf,
}

impl Overlay {
    /// An overlay over `dir` listing `files` (their base names), matched case-insensitively.
    fn write(dir: &Path, files: &[&PathBuf]) -> Result<Overlay> {
        let quote = |p: &Path| {
            let mut q = String::from("\"");
            for c in p.to_string_lossy().chars() {
                match c {
                    '"' | '\\' => {
                        q.push('\\');
                        q.push(c);
                    }
                    c if (c as u32) < 0x20 => q.push_str(&format!("\\u{:04x}", c as u32)),
                    c => q.push(c),
                }
            }
            q.push('"');
            q
        };
        let entries: Vec<String> = files
            .iter()
            .filter_map(|f| {
                let name = f.file_name()?;
                Some(format!(
                    "{{\"type\": \"file\", \"name\": {}, \"external-contents\": {}}}",
                    quote(Path::new(name)),
                    quote(f)
                ))
            })
            .collect();
        let text = format!(
            "{{\"version\": 0, \"case-sensitive\": \"false\", \"roots\": [{{\"type\": \
             \"directory\", \"name\": {}, \"contents\": [{}]}}]}}\n",
            quote(dir),
            entries.join(", ")
        );
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path = std::env::temp_dir().join(format!(
            "mapi-codegen-{}-{stamp}.vfs.yaml",
            std::process::id()
        ));
        std::fs::write(&path, text).map_err(|e| {
            Error::msg(format!(
                "cannot write the include overlay {} ({e})",
                path.display()
            ))
        })?;
        Ok(Overlay { path })
    }
}

impl Drop for Overlay {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One MAPI header the manifest names and the file found for it.
#[derive(Debug)]
pub struct MapiHeader {
    /// The lower-case base name (`mapidefs.h`).
    pub key: String,
    /// The name as the manifest spells it, which the output shows whatever the file's
    /// spelling (`mapidefs.h` for Microsoft's `MAPIDefS.h` too).
    pub name: String,
    /// The real file.
    pub path: PathBuf,
}

/// An IDL interface left out of what clang reads ([`Inputs::leave_out`]).
#[derive(Debug, Clone)]
pub struct LeftOut {
    pub name: String,
    /// The key of its IDL file's lowered header.
    pub key: String,
    /// Its line in the IDL file.
    pub line: usize,
}

/// One IDL file: its syntax tree, its source and the C header lowered from it.
#[derive(Debug)]
pub struct IdlInput {
    pub file: idl::IdlFile,
    /// The source text (without a byte-order mark), for positioning errors.
    pub source: String,
    /// The key of the lowered header (`mapisync.h`).
    pub key: String,
    /// Where clang reads the lowered header: `/mapi-codegen-virtual/<key>`.
    pub virtual_path: String,
    /// How the lowered header's `#line` directives name the IDL file
    /// (`headers/mapisync.idl`), as clang's diagnostics then do.
    pub shown: String,
    /// The lowered C header that clang reads: [`shipped`](Self::shipped), less the
    /// interfaces the MAPI headers already declare ([`Inputs::leave_out`]).
    pub header: String,
    /// The IDL line of each of the header's lines (0 for none), for naming the IDL line in
    /// clang's errors.
    pub lines: Vec<usize>,
    /// The lowered C header as the crate ships it: every declaration of the IDL.
    pub shipped: String,
    /// The options it was lowered with.
    options: idl::CHeaderOptions,
}

impl IdlInput {
    /// An error at a place in this file, shown as the IDL front end shows its own: the
    /// message, the position, the source line and a caret.
    pub fn error_at(&self, line: usize, column: usize, message: impl Into<String>) -> Error {
        idl::IdlError::at(&self.file.path, &self.source, line, column, message.into()).into()
    }

    /// An error at the first whole word `word` at or after line `from` (at the start of
    /// line `from` if there is none).
    pub fn error_at_word(&self, from: usize, word: &str, message: impl Into<String>) -> Error {
        let (line, column) = word_after(&self.source, from, word);
        self.error_at(line, column, message)
    }
}

/// 1-based line and column of the first whole-word `word` at or after line `from`.
fn word_after(src: &str, from: usize, word: &str) -> (usize, usize) {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    for (i, text) in src.split('\n').enumerate().skip(from.saturating_sub(1)) {
        for (b, _) in text.match_indices(word) {
            if !text[..b].ends_with(is_word) && !text[b + word.len()..].starts_with(is_word) {
                return (i + 1, text[..b].chars().count() + 1);
            }
        }
    }
    (from, 1)
}

/// Where a diagnostic on a lowered IDL header is, in the IDL and in the header.
struct HeaderPlace<'d> {
    diagnostic: &'d Diagnostic,
    /// The IDL line.
    idl_line: usize,
    /// The header lines (1-based) the diagnostic may be on, likeliest first.
    candidates: Vec<usize>,
}

/// A place in an IDL file.
struct IdlPlace {
    idl_line: usize,
    column: usize,
}

impl IdlInput {
    /// The IDL place of the first of `diagnostics` on this file's lowered header that
    /// names an IDL line: those placed by the `#line` directives first, then those placed
    /// by the header's own path.
    fn place_of(&self, diagnostics: &[Diagnostic]) -> Option<IdlPlace> {
        let at = self
            .header_place(diagnostics, true)
            .or_else(|| self.header_place(diagnostics, false))?;
        Some(IdlPlace {
            idl_line: at.idl_line,
            column: self.column_in_idl(&at),
        })
    }

    /// The first diagnostic placed at this IDL file by the `#line` directives (`direct`)
    /// or at the lowered header's own path, if its line comes from an IDL line.
    fn header_place<'d>(
        &self,
        diagnostics: &'d [Diagnostic],
        direct: bool,
    ) -> Option<HeaderPlace<'d>> {
        let file = if direct {
            &self.shown
        } else {
            &self.virtual_path
        };
        let diagnostic = diagnostics
            .iter()
            .find(|d| d.path.as_os_str() == file.as_str())?;
        let n = diagnostic.line;
        let lines = &self.lines;
        let (idl_line, candidates) = if direct {
            // The header lines the compiler presumes at IDL line `n`, and the IDL line they
            // really come from.
            let on: Vec<usize> = idl::presumed_lines(&self.header, &self.shown)
                .iter()
                .enumerate()
                .filter(|(h, p)| **p == Some(n) && lines.get(*h).is_some_and(|&l| l != 0))
                .map(|(h, _)| h + 1)
                .collect();
            // A line that really is IDL line `n` first (a run's first line, where a
            // directive put it), then lines presumed there after a run's first.
            let (mut exact, drifted): (Vec<usize>, Vec<usize>) =
                on.into_iter().partition(|&h| lines[h - 1] == n);
            exact.extend(drifted);
            (exact.first().map_or(0, |&h| lines[h - 1]), exact)
        } else {
            (lines.get(n.wrapping_sub(1)).copied().unwrap_or(0), vec![n])
        };
        (idl_line != 0).then_some(HeaderPlace {
            diagnostic,
            idl_line,
            candidates,
        })
    }

    /// The column on the IDL line of the name clang points at in a header line from it,
    /// else of the first name clang quotes, else of the line's first non-blank.
    fn column_in_idl(&self, at: &HeaderPlace<'_>) -> usize {
        let text = self.source.split('\n').nth(at.idl_line - 1).unwrap_or("");
        let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let in_idl = |w: &str| -> Option<usize> {
            if w.is_empty() || !w.chars().all(is_word) {
                return None;
            }
            text.match_indices(w).map(|(b, _)| b).find(|&b| {
                !text[..b].ends_with(is_word) && !text[b + w.len()..].starts_with(is_word)
            })
        };
        let pointed = at.candidates.iter().find_map(|&h| {
            let word: String = self
                .header
                .split('\n')
                .nth(h - 1)
                .unwrap_or("")
                .chars()
                .skip(at.diagnostic.column.saturating_sub(1))
                .take_while(|&c| is_word(c))
                .collect();
            in_idl(&word)
        });
        let quoted = at.diagnostic.message.split('\'').nth(1).unwrap_or("");
        pointed
            .or_else(|| in_idl(quoted))
            .or_else(|| text.find(|c: char| !c.is_whitespace()))
            .map_or(1, |b| text[..b].chars().count() + 1)
    }
}

use crate::ir::header_key;

impl Inputs {
    /// Reads what the manifest names: the MAPI header folder (`mapi_include`, given on the
    /// command line, overrides the manifest's), its headers, the IDL files, the targets
    /// and the files copied into the crate.
    pub fn resolve(manifest: &Manifest, mapi_include: Option<&Path>) -> Result<Inputs> {
        let spec = &manifest.spec;
        let dir = mapi_folder(manifest, mapi_include)?;
        let given = mapi_include.is_some();
        let files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| unreadable_folder(manifest, &dir, given, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        let headers = find_headers(manifest, &dir, &files, given)?;
        let overlay = overlay_for_capitals(&dir, &files)?;
        let idl = spec
            .input
            .idl
            .iter()
            .map(|i| read_idl(manifest, i.get_ref()))
            .collect::<Result<Vec<_>>>()?;
        let targets = spec
            .targets
            .iter()
            .map(|t| Target {
                name: t.name.clone(),
                triple: t.triple.clone(),
                cfg: t.cfg.clone(),
                layout_cfg: t.layout_cfg.clone(),
            })
            .collect();
        let cc_target = spec
            .targets
            .iter()
            .position(|t| t.calling_conventions)
            .ok_or_else(|| Error::msg("no target decides calling conventions"))?;
        let copied = read_copied(manifest)?;
        Ok(Inputs {
            mapi_include: dir,
            headers,
            idl,
            targets,
            cc_target,
            resource_include: clang_resource_include()?,
            defines: spec.input.defines.clone(),
            copied,
            overlay,
        })
    }

    /// Leaves the interfaces named in `held` out of the lowered headers clang reads (the
    /// MAPI headers already declare them: Microsoft's MAPIDefS.h does our
    /// mapishutdown.idl's); the shipped headers keep them. Returns each one left out.
    pub fn leave_out(&mut self, held: &HashSet<String>) -> Vec<LeftOut> {
        let mut left = Vec::new();
        for input in &mut self.idl {
            let mine: Vec<LeftOut> = input
                .file
                .interfaces()
                .filter(|i| held.contains(&i.name))
                .map(|i| LeftOut {
                    name: i.name.clone(),
                    key: input.key.clone(),
                    line: i.line,
                })
                .collect();
            if mine.is_empty() {
                continue;
            }
            let mut file = input.file.clone();
            file.items
                .retain(|item| !matches!(item, idl::Item::Interface(i) if held.contains(&i.name)));
            let (header, lines) = idl::c_header_with_lines(&file, &input.options);
            input.header = header;
            input.lines = lines;
            left.extend(mine);
        }
        left
    }

    /// The main file naming the MAPI headers alone, without the IDL's.
    pub fn unsaved_mapi_only(&self, main_name: &str) -> Vec<(String, String)> {
        let mut main = String::new();
        for h in &self.headers {
            if let Some(n) = h.path.file_name() {
                main.push_str(&format!("#include \"{}\"\n", n.to_string_lossy()));
            }
        }
        vec![(format!("{VIRTUAL_DIR}/{main_name}"), main)]
    }

    /// The target whose parse decides calling conventions (stdcall or cdecl).
    pub fn cc_triple(&self) -> &str {
        &self.targets[self.cc_target].triple
    }

    /// The keys of the headers lowered from IDL.
    pub fn idl_keys(&self) -> impl Iterator<Item = &str> {
        self.idl.iter().map(|i| i.key.as_str())
    }

    /// An error that reports clang's diagnostics on a lowered IDL header is put at the IDL
    /// line the header line comes from: `x.idl:LINE:COL: ...`, the column that of the name
    /// clang points at (or else the first it quotes), if the IDL line holds it. clang
    /// places a diagnostic as the header's `#line` directives have it
    /// (`headers/x.idl:LINE:COL`), or, for a line they do not cover, by the header's own
    /// path (`/mapi-codegen-virtual/x.h:L:C`). Any other error is returned as it is.
    pub fn locate_in_idl(&self, e: Error) -> Error {
        for input in &self.idl {
            if let Some(at) = input.place_of(e.compiler_diagnostics()) {
                return input.error_at(
                    at.idl_line,
                    at.column,
                    format!("this declaration does not compile once lowered to C: {e}"),
                );
            }
        }
        e
    }

    /// The main file: every header, in order. The MAPI headers are included by their
    /// bare names (the header folder is on the include path), so no path needs quoting.
    pub fn main_source(&self) -> String {
        let mut s = String::new();
        for h in &self.headers {
            let name = h
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            s.push_str(&format!("#include \"{name}\"\n"));
        }
        for i in &self.idl {
            s.push_str(&format!("#include \"{}\"\n", i.virtual_path));
        }
        s
    }

    /// Clang arguments for one target, as C or as C++.
    pub fn clang_args(&self, triple: &str, cplusplus: bool) -> Vec<String> {
        let mut a = vec![
            format!("--target={triple}"),
            "-x".into(),
            if cplusplus { "c++" } else { "c" }.into(),
            if cplusplus { "-std=c++11" } else { "-std=c11" }.into(),
            "-ferror-limit=0".into(),
            "-isystem".into(),
            self.resource_include.display().to_string(),
            "-isystem".into(),
            self.mapi_include.display().to_string(),
        ];
        if let Some(o) = &self.overlay {
            a.push("-ivfsoverlay".into());
            a.push(o.path.display().to_string());
        }
        a.extend(self.defines.iter().map(|d| format!("-D{d}")));
        a
    }

    /// The in-memory files for a parse: the main file (with `extra` appended) and the
    /// lowered IDL headers.
    pub fn unsaved(&self, main_name: &str, extra: &str) -> Vec<(String, String)> {
        let mut v = vec![(
            format!("{VIRTUAL_DIR}/{main_name}"),
            format!("{}{extra}", self.main_source()),
        )];
        for i in &self.idl {
            v.push((i.virtual_path.clone(), i.header.clone()));
        }
        v
    }

    /// The in-memory files for a C parse: as [`unsaved`](Self::unsaved), and, before
    /// every header, one declaring each record the headers name without its tag
    /// (`tagless`: name to `struct` or `union`) as C++ declares it with the record:
    /// `typedef struct X X;`. It is the second file, so that bindgen, which
    /// `-include`s every file after the main one ahead of it, reads it first too.
    pub fn unsaved_c(
        &self,
        main_name: &str,
        tagless: &std::collections::BTreeMap<String, &'static str>,
    ) -> Vec<(String, String)> {
        let mut v = self.unsaved(main_name, "");
        if tagless.is_empty() {
            return v;
        }
        let path = format!("{VIRTUAL_DIR}/tagless.h");
        let mut first =
            String::from("#ifndef MAPI_CODEGEN_TAGLESS_H\n#define MAPI_CODEGEN_TAGLESS_H\n");
        for (name, keyword) in tagless {
            first.push_str(&format!("typedef {keyword} {name} {name};\n"));
        }
        first.push_str("#endif\n");
        v[0].1.insert_str(0, &format!("#include \"{path}\"\n"));
        v.insert(1, (path, first));
        v
    }

    /// Every header, MAPI and IDL, in include order, as the model knows them.
    pub fn header_list(&self) -> Vec<crate::ir::Header> {
        let mapi = self.headers.iter().map(|h| crate::ir::Header {
            key: h.key.clone(),
            shown: h.name.clone(),
            lowered: None,
        });
        let idl = self.idl.iter().map(|i| crate::ir::Header {
            key: i.key.clone(),
            shown: format!("{}.idl", i.key.strip_suffix(".h").unwrap_or(&i.key)),
            lowered: Some(i.shipped.clone()),
        });
        mapi.chain(idl).collect()
    }

    /// Every header key, MAPI and IDL, in include order.
    pub fn keys(&self) -> Vec<String> {
        self.headers
            .iter()
            .map(|h| h.key.clone())
            .chain(self.idl.iter().map(|i| i.key.clone()))
            .collect()
    }
}

/// The MAPI header folder, absolute. `--mapi-include` is relative to the working
/// folder, the manifest's `mapi_include` to the manifest's folder.
fn mapi_folder(manifest: &Manifest, mapi_include: Option<&Path>) -> Result<PathBuf> {
    let dir = match mapi_include {
        Some(d) => d.to_path_buf(),
        None => manifest.dir().join(&manifest.spec.input.mapi_include),
    };
    std::fs::canonicalize(&dir)
        .map_err(|e| unreadable_folder(manifest, &dir, mapi_include.is_some(), e))
}

/// The error for a MAPI header folder that cannot be read, at the manifest's
/// `mapi_include` unless the folder was `given` on the command line.
fn unreadable_folder(manifest: &Manifest, dir: &Path, given: bool, e: std::io::Error) -> Error {
    if given {
        return Error::msg(format!(
            "the MAPI header folder {} given with --mapi-include cannot be read ({e})",
            dir.display()
        ));
    }
    manifest.error_at(
        manifest.offset_of("input.mapi_include"),
        format!(
            "the MAPI header folder {} cannot be read ({e}).\n  Install the mingw-w64 headers \
             with `apt-get install mingw-w64-x86-64-dev` (or run `cargo xtask regen`, which \
             installs them), or pass another folder with --mapi-include DIR",
            dir.display()
        ),
    )
}

/// The file in the folder (`files`) for each header the manifest names, matched
/// case-insensitively (the first, sorted, if several match).
fn find_headers(
    manifest: &Manifest,
    dir: &Path,
    files: &[PathBuf],
    given: bool,
) -> Result<Vec<MapiHeader>> {
    let mut headers = Vec::new();
    for h in &manifest.spec.input.headers {
        let want = h.get_ref().to_lowercase();
        let mut found: Vec<&PathBuf> = files
            .iter()
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().to_lowercase() == want)
            })
            .collect();
        found.sort();
        let Some(path) = found.first() else {
            let advice = if given {
                "check the name and the folder given with --mapi-include"
            } else {
                "check the name or pass --mapi-include DIR"
            };
            return Err(manifest.error_at(
                h.span().start,
                format!(
                    "header `{}` is not in the MAPI header folder {} (names are matched \
                     case-insensitively); {advice}",
                    h.get_ref(),
                    dir.display()
                ),
            ));
        };
        headers.push(MapiHeader {
            key: want,
            name: h.get_ref().clone(),
            path: (*path).clone(),
        });
    }
    Ok(headers)
}

/// The overlay for the folder's files with capitals in their names, if there are any.
fn overlay_for_capitals(dir: &Path, files: &[PathBuf]) -> Result<Option<Overlay>> {
    let capitals: Vec<&PathBuf> = files
        .iter()
        .filter(|p| {
            p.is_file()
                && p.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n != n.to_lowercase()
                })
        })
        .collect();
    if capitals.is_empty() {
        return Ok(None);
    }
    Overlay::write(dir, &capitals).map(Some)
}

/// One IDL file the manifest names (`rel`, relative to its folder): read, parsed and
/// lowered.
fn read_idl(manifest: &Manifest, rel: &str) -> Result<IdlInput> {
    let path = manifest.dir().join(rel);
    let source = std::fs::read_to_string(&path).map_err(|e| {
        idl::IdlError::whole_file(&path, format!("cannot read `{}`: {e}", path.display()))
    })?;
    let source = source
        .strip_prefix('\u{feff}')
        .unwrap_or(&source)
        .to_string();
    let file = idl::parse_str(&path, &source)?;
    let key = header_key(rel);
    let shown = shown_near(&manifest.path, rel);
    let options = idl::CHeaderOptions {
        guard: guard_name(&key),
        source_name: shown.clone(),
        header_name: key.clone(),
    };
    let (header, lines) = idl::c_header_with_lines(&file, &options);
    Ok(IdlInput {
        file,
        source,
        shown,
        virtual_path: format!("{VIRTUAL_DIR}/{key}"),
        key,
        shipped: header.clone(),
        header,
        lines,
        options,
    })
}

/// `[output.files]`, read.
fn read_copied(manifest: &Manifest) -> Result<Vec<CopiedFile>> {
    let mut copied = Vec::new();
    for (name, source) in &manifest.spec.output.files {
        let path = manifest.dir().join(source.get_ref());
        let text = std::fs::read_to_string(&path).map_err(|e| {
            manifest.error_at(
                source.span().start,
                format!("`{}` cannot be read ({e})", path.display()),
            )
        })?;
        copied.push(CopiedFile {
            name: name.clone(),
            source: source.get_ref().clone(),
            text,
        });
    }
    Ok(copied)
}

/// How banners name a file the manifest names: relative to the manifest's folder, shown
/// under that folder's name (`headers/mapisync.idl`), so the text does not depend on where
/// the checkout is.
fn shown_near(manifest: &Path, rel: &str) -> String {
    let folder = manifest
        .canonicalize()
        .ok()
        .and_then(|m| {
            m.parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| ".".into());
    format!("{folder}/{rel}")
}

/// `mapisync.h` -> `MAPISYNC_H`.
pub fn guard_name(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The include folder of clang's resource directory (for `x86intrin.h` and friends).
/// Asked of clang once per process (a process start per regeneration otherwise); a
/// failure is not remembered.
fn clang_resource_include() -> Result<PathBuf> {
    static FOUND: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    if let Some(dir) = FOUND.get() {
        return Ok(dir.clone());
    }
    let out = Command::new("clang").arg("-print-resource-dir").output();
    match out {
        Ok(o) if o.status.success() => {
            let dir = String::from_utf8_lossy(&o.stdout).trim().to_string();
            Ok(FOUND
                .get_or_init(|| PathBuf::from(dir).join("include"))
                .clone())
        }
        _ => Err(Error::msg(
            "`clang -print-resource-dir` failed: clang is needed to find its built-in \
             headers.\n  Install it with `apt-get install clang` (or run `cargo xtask regen`, \
             which installs it)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clang::libclang::TranslationUnit;

    /// `#include <capital.h>` in a folder holding `Capital.h`, read with the folder on the
    /// include path and, if `overlay`, the overlay: clang's errors.
    fn include_lower_case(overlay: bool) -> Vec<crate::error::Diagnostic> {
        let dir = tempfile::tempdir().unwrap();
        let header = dir.path().join("Capital.h");
        std::fs::write(&header, "#define FROM_THE_FOLDER 1\n").unwrap();
        let dir = std::fs::canonicalize(dir.path()).unwrap();
        let header = dir.join("Capital.h");
        let o = Overlay::write(&dir, &[&header]).unwrap();
        let mut args = vec!["-x".to_string(), "c".into(), "-isystem".into()];
        args.push(dir.display().to_string());
        if overlay {
            args.extend(["-ivfsoverlay".to_string(), o.path.display().to_string()]);
        }
        let main = "#include <capital.h>\n#ifndef FROM_THE_FOLDER\n#error not read\n#endif\n";
        let tu = TranslationUnit::parse_lenient(
            &args,
            &[(format!("{VIRTUAL_DIR}/main.c"), main.to_string())],
        )
        .unwrap();
        tu.errors()
    }

    #[test]
    fn the_overlay_finds_a_capitalised_header_by_its_lower_case_name() {
        assert!(include_lower_case(true).is_empty());
        // Without it, a case-sensitive file system has no `capital.h`.
        assert!(!include_lower_case(false).is_empty());
    }

    #[test]
    fn the_overlay_file_is_removed_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let o = Overlay::write(dir.path(), &[]).unwrap();
        let path = o.path.clone();
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .contains("\"case-sensitive\": \"false\""));
        drop(o);
        assert!(!path.exists());
    }
}
