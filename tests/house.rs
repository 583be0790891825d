//! The house's rule for the code provider authors depend on: no function over 80 lines in
//! `macros/src` or `runtime/src` unless the comment just above it (its doc comment
//! included) says why, starting "longer than 80 lines:" (the words the generator's
//! architecture test takes for `codegen/src`). Read as text: a function runs from its
//! `fn` line to the line where its braces balance.

use std::path::{Path, PathBuf};

/// The longest a function may be without saying why.
const LIMIT: usize = 80;
/// What the comment above a longer function says.
const WHY: &str = "longer than 80 lines:";

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether `line` starts a function (after visibility and qualifiers).
fn fn_name(line: &str) -> Option<&str> {
    let mut rest = line.trim_start();
    for prefix in [
        "pub(crate) ",
        "pub(super) ",
        "pub ",
        "const ",
        "async ",
        "unsafe ",
        "extern \"system\" ",
        "extern \"C\" ",
    ] {
        rest = rest.strip_prefix(prefix).unwrap_or(rest);
        rest = rest.trim_start();
    }
    let rest = rest.strip_prefix("fn ")?;
    Some(
        rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap_or(""),
    )
}

/// `line` without a `//` comment and string literals' contents, for counting braces.
fn code_of(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_string => {
                chars.next();
            }
            '"' => in_string = !in_string,
            '/' if !in_string && chars.peek() == Some(&'/') => break,
            '\'' if !in_string => {
                // A char literal ('{', '\'') is skipped; a lifetime is one character.
                let rest: String = chars.clone().take(3).collect();
                if rest.len() >= 2 && (rest.as_bytes()[1] == b'\'' || rest.starts_with('\\')) {
                    for _ in 0..rest.find('\'').map_or(0, |i| i + 1).max(2) {
                        chars.next();
                    }
                }
            }
            _ if !in_string => out.push(c),
            _ => {}
        }
    }
    out
}

/// The functions of one file longer than the limit with no comment saying why:
/// `file:line name (N lines)`.
fn long_functions(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(name) = fn_name(line) else { continue };
        let (mut depth, mut opened, mut end) = (0i64, false, i);
        for (j, l) in lines.iter().enumerate().skip(i) {
            let code = code_of(l);
            if !opened && code.trim_end().ends_with(';') {
                break;
            }
            for c in code.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            end = j;
            if opened && depth <= 0 {
                break;
            }
        }
        let length = end - i + 1;
        let says_why = lines[..i]
            .iter()
            .rev()
            .take_while(|l| {
                let t = l.trim_start();
                t.starts_with("//") || t.starts_with("#[")
            })
            .any(|l| l.contains(WHY));
        if opened && length > LIMIT && !says_why {
            found.push(format!(
                "{}:{} {name} ({length} lines)",
                path.display(),
                i + 1
            ));
        }
    }
    found
}

#[test]
fn no_function_is_over_80_lines_without_saying_why() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["macros/src", "runtime/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 30, "{} files read", files.len());
    let long: Vec<String> = files.iter().flat_map(|f| long_functions(f)).collect();
    assert!(
        long.is_empty(),
        "over {LIMIT} lines, with no comment saying why:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_reader_measures_what_it_should() {
    let dir = std::env::temp_dir().join(format!("house-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let long = |name: &str, n: usize| {
        format!("fn {name}() {{\n{}}}\n", "    let x = '{';\n".repeat(n - 2))
    };
    let file = dir.join("a.rs");
    let text = format!(
        "{}\n// longer than 80 lines: a table, one line per entry.\n{}\n{}",
        long("too_long", 81),
        long("excused", 90),
        long("fine", 80)
    );
    std::fs::write(&file, text).unwrap();
    let found = long_functions(&file);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].ends_with("too_long (81 lines)"), "{found:?}");
}
