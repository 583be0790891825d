//! The Markdown report `cargo xtask bench` writes between BENCHMARKS.md's markers.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use super::builds::Compile;
use super::criterion::{C_ONLY_GROUPS, GROUPS};
use super::regen::Regen;
use super::run::{io, ms, REBUILD_ROUNDS};
use super::versions::command_output;
use crate::Fail;

/// Everything the report says.
pub struct Report {
    /// Rounds per job.
    pub runs: usize,
    /// The whole run's time.
    pub took: Duration,
    /// `date -u +%Y-%m-%d %H:%M UTC`.
    pub date: String,
    pub machine: String,
    /// `rustc --version`.
    pub rustc: String,
    /// The crates' names and versions, from Cargo.lock.
    pub crates: Vec<(String, String)>,
    /// The first line of `clang --version`.
    pub clang: String,
    pub regen: Regen,
    pub compile: Compile,
    /// `GROUPS`' medians in ns: ours, windows-core's, C's.
    pub runtime: Vec<Vec<f64>>,
    /// `C_ONLY_GROUPS`' medians in ns: ours, C's.
    pub c_only: Vec<(f64, f64)>,
    /// Stripped release cdylib bytes: ours, windows-core's.
    pub size: (u64, u64),
    /// The store's table engine, `STORE_FIGURES`' medians in ns.
    pub store: Vec<f64>,
    /// imap-store's sync against mbsync (none in a report written before it was there).
    pub imap: Option<super::imap::Imap>,
}

/// The report's Markdown.
pub fn render(r: &Report) -> String {
    let mut t = String::new();
    header(&mut t, r);
    regeneration(&mut t, &r.regen);
    compile_cost(&mut t, &r.compile);
    run_time(&mut t, &r.runtime, &r.c_only);
    size(&mut t, r.size);
    store_table(&mut t, &r.store);
    if let Some(imap) = &r.imap {
        imap_sync(&mut t, imap);
    }
    t
}

fn header(t: &mut String, r: &Report) {
    let _ = writeln!(
        t,
        "Command: `cargo xtask bench` (repetitions: {} per job, {} for the rebuilds \
         after an edit, order alternating every round; medians). Took {:.0} s.\n",
        r.runs,
        r.runs * REBUILD_ROUNDS,
        r.took.as_secs_f64()
    );
    let _ = writeln!(t, "- Date: {}", r.date);
    let _ = writeln!(t, "- Machine: {}", r.machine);
    let _ = writeln!(t, "- Toolchain: {}", r.rustc);
    let crates: Vec<String> = r.crates.iter().map(|(n, v)| format!("{n} {v}")).collect();
    let _ = writeln!(t, "- Versions: {}, {}\n", crates.join(", "), r.clang);
}

fn regeneration(t: &mut String, r: &Regen) {
    let _ = writeln!(t, "### 1. Regeneration\n");
    let _ = writeln!(
        t,
        "| job | median | ratio to plain bindgen |\n|---|---|---|"
    );
    for (name, d) in [
        ("full `cargo xtask regen` (2 targets)", r.full),
        ("plain bindgen + rustfmt (1 target)", r.plain),
        ("`clang -fsyntax-only` (the floor)", r.syntax_only),
    ] {
        let _ = writeln!(
            t,
            "| {name} | {:.0} ms | {:.2} |",
            ms(d),
            ms(d) / ms(r.plain)
        );
    }
}

fn compile_cost(t: &mut String, c: &Compile) {
    let _ = writeln!(t, "\n### 2. Compile cost (clean debug builds)\n");
    let _ = writeln!(t, "| crate | median | ratio |\n|---|---|---|");
    let s = |d: Duration| d.as_secs_f64();
    let ratio = |d: Duration, to: Duration| format!("{:.2}", s(d) / s(to));
    let one = || "1.00".to_string();
    let (raw, wc, wc_inc) = (c.raw, c.windows_core, c.windows_core_incremental);
    let win = "(x86_64-pc-windows-gnu)";
    let ours = "one-struct provider, `#[mapi_sync_provider]`";
    let rebuild = "rebuild after editing the provider,";
    let edit = "rebuild after an edit,";
    let rows = [
        (
            format!("`generated/`, default features {win}"),
            format!("{:.1} s", s(c.generated)),
            ratio(c.generated, raw),
        ),
        (
            format!("`generated/`, `full` {win}"),
            format!("{:.1} s", s(c.generated_full)),
            ratio(c.generated_full, raw),
        ),
        (
            format!("raw bindgen output of every header read {win}"),
            format!("{:.1} s", s(raw)),
            one(),
        ),
        (
            format!("{ours} (the published crates, as from crates.io)"),
            format!("{:.2} s", s(c.ours)),
            ratio(c.ours, wc),
        ),
        (
            "one-struct provider, windows-core `#[implement]` (crates.io)".to_string(),
            format!("{:.2} s", s(wc)),
            one(),
        ),
        (
            format!("{ours} as a path dependency of this repository"),
            format!("{:.2} s", s(c.ours_path)),
            ratio(c.ours_path, wc),
        ),
        (
            format!("{rebuild} `#[mapi_sync_provider]`"),
            format!("{:.0} ms", ms(c.ours_incremental)),
            ratio(c.ours_incremental, wc_inc),
        ),
        (
            format!("{rebuild} windows-core `#[implement]`"),
            format!("{:.0} ms", ms(wc_inc)),
            one(),
        ),
        (
            format!("{edit} a cdylib with std alone (the floor)"),
            format!("{:.0} ms", ms(c.floor_incremental)),
            ratio(c.floor_incremental, wc_inc),
        ),
        (
            format!("{edit} the floor depending on `mapi-sync` and using none of it"),
            format!("{:.0} ms", ms(c.deps_only_incremental)),
            ratio(c.deps_only_incremental, wc_inc),
        ),
    ];
    for (what, median, ratio) in rows {
        let _ = writeln!(t, "| {what} | {median} | {ratio} |");
    }
}

fn run_time(t: &mut String, runtime: &[Vec<f64>], c_only: &[(f64, f64)]) {
    let _ = writeln!(
        t,
        "\n### 3. Run time (criterion medians, ns per operation)\n"
    );
    let _ = writeln!(
        t,
        "| operation | ours | windows-core | C (floor) | ours / windows-core | ours / C |\n|---|---|---|---|---|---|"
    );
    for ((_, label), row) in GROUPS.iter().zip(runtime) {
        let _ = writeln!(
            t,
            "| {label} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            row[0],
            row[1],
            row[2],
            row[0] / row[1],
            row[0] / row[2]
        );
    }
    let _ = writeln!(
        t,
        "\n| operation (ours and C only) | ours | C (floor) | ours / C |\n|---|---|---|---|"
    );
    for ((_, label), (ours, c)) in C_ONLY_GROUPS.iter().zip(c_only) {
        let _ = writeln!(t, "| {label} | {ours:.2} | {c:.2} | {:.2} |", ours / c);
    }
}

fn size(t: &mut String, (ours, windows_core): (u64, u64)) {
    let _ = writeln!(t, "\n### 4. Size (stripped release cdylib)\n");
    let _ = writeln!(t, "| provider | bytes | ratio |\n|---|---|---|");
    let _ = writeln!(
        t,
        "| `#[mapi_sync_provider]` | {ours} | {:.2} |",
        ours as f64 / windows_core as f64
    );
    let _ = writeln!(t, "| windows-core `#[implement]` | {windows_core} | 1.00 |");
}

fn store_table(t: &mut String, store: &[f64]) {
    let [query, sqlite, find_10k, find_100k] = store else {
        return;
    };
    let _ = writeln!(t, "\n### 5. The store's table engine (criterion medians)\n");
    let _ = writeln!(
        t,
        "| operation | ours | SQLite (in memory) | ours / SQLite |\n|---|---|---|---|"
    );
    let _ = writeln!(
        t,
        "| 100,000 rows: Restrict (subject substring AND time range) + SortTable (2 keys) + QueryRows in pages of 100 | {:.1} ms | {:.1} ms | {:.2} |",
        query / 1e6,
        sqlite / 1e6,
        query / sqlite
    );
    let _ = writeln!(t, "\n| FindRow by `PR_INSTANCE_KEY` | 10,000 rows | 100,000 rows | growth |\n|---|---|---|---|");
    let _ = writeln!(
        t,
        "| a row near the end, from the beginning | {find_10k:.0} ns | {find_100k:.0} ns | {:.2} |",
        find_100k / find_10k
    );
}

pub fn imap_sync(t: &mut String, f: &super::imap::Imap) {
    use super::imap::{ADDED, MESSAGES};
    let _ = writeln!(
        t,
        "\n### 6. imap-store's sync against mbsync (medians of {} rounds, seconds)\n\n\
         A Dovecot on 127.0.0.1 ({}) with {MESSAGES} messages in its inbox, synced into an \
         empty store through `IMAPISync` (Logon with the account in the profile, then \
         `SynchronizeInBackground` to `Done`) and by mbsync ({}, `Sync Pull`, `FSync no` as \
         the sample) into an empty Maildir; then {ADDED} new messages. Maildirs on {}; order \
         alternating every round (`samples/imap-store/benches/mbsync.rs`).\n",
        f.rounds, f.dovecot, f.mbsync, f.place
    );
    let _ = writeln!(
        t,
        "| sync | imap-store | mbsync | imap-store / mbsync |\n|---|---|---|---|"
    );
    for (what, ours, theirs) in [
        (
            format!("{MESSAGES} messages into an empty store"),
            f.ours_full,
            f.mbsync_full,
        ),
        (
            format!("{ADDED} new messages"),
            f.ours_incremental,
            f.mbsync_incremental,
        ),
    ] {
        let _ = writeln!(
            t,
            "| {what} | {ours:.3} s | {theirs:.3} s | {:.2} |",
            ours / theirs
        );
    }
}

/// The machine: cores, CPU model and the load average now.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    format!(
        "{} cores, {cpu}, load average {load} at the end",
        command_output("nproc", &[])
    )
}

const BEGIN: &str = "<!-- cargo xtask bench: begin -->";
const END: &str = "<!-- cargo xtask bench: end -->";

/// Replaces the text between the markers, keeping the hand-written rest of the file.
pub fn write_between_markers(path: &Path, body: &str) -> Result<(), Fail> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(a), Some(b)) if a < b => {
            format!("{}{BEGIN}\n{body}{}", &old[..a], &old[b..])
        }
        _ => format!("# Benchmarks\n\n{BEGIN}\n{body}{END}\n{old}"),
    };
    io(std::fs::write(path, new), "BENCHMARKS.md")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::{render, Report};
    use crate::bench::builds::Compile;
    use crate::bench::regen::Regen;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// A fixed set of figures.
    fn figures() -> Report {
        Report {
            runs: 5,
            took: ms(318_400),
            date: "2026-12-01 21:09 UTC".into(),
            machine: "2 cores, AMD EPYC, load average 1.26 0.99 1.11 at the end".into(),
            rustc: "rustc 1.95.0 (59807616e 2026-04-14)".into(),
            crates: vec![
                ("bindgen".into(), "0.73.2".into()),
                ("windows-core".into(), "0.100.0".into()),
                ("criterion".into(), "0.5.1".into()),
            ],
            clang: "Debian clang version 14.0.6".into(),
            regen: Regen {
                full: ms(1830),
                plain: ms(3921),
                syntax_only: ms(219),
                plain_output: PathBuf::from("plain.rs"),
            },
            compile: Compile {
                generated: ms(281),
                generated_full: ms(1232),
                raw: ms(1220),
                ours: ms(1771),
                ours_path: ms(2266),
                windows_core: ms(3220),
                ours_incremental: ms(114),
                windows_core_incremental: ms(127),
                floor_incremental: ms(99),
                deps_only_incremental: ms(101),
            },
            runtime: vec![
                vec![10.7, 15.59, 10.74],
                vec![10.64, 12.35, 10.46],
                vec![1.68, 1.34, 1.25],
                vec![19224.68, 36254.4, 14960.64],
            ],
            c_only: vec![
                (192.41, 140.88),
                (1662.39, 1385.45),
                (3389767.86, 2525577.98),
                (5667813.85, 5562396.89),
            ],
            size: (386488, 362360),
            store: vec![294_550_000.0, 17_514_000.0, 131.61, 129.54],
            imap: None,
        }
    }

    #[test]
    fn renders_the_report_from_figures() {
        assert_eq!(render(&figures()), EXPECTED);
    }

    #[test]
    fn renders_the_imap_section_with_its_ratios() {
        let mut f = figures();
        f.imap = Some(crate::bench::imap::Imap {
            rounds: 5,
            ours_full: 1.5,
            mbsync_full: 1.2,
            ours_incremental: 0.1,
            mbsync_incremental: 0.125,
            mbsync: "isync 1.4.4".into(),
            dovecot: "2.3.19.1".into(),
            place: "a tmpfs (`/dev/shm`)".into(),
        });
        let t = render(&f);
        let section = t.split("### 6.").nth(1).expect("section 6");
        assert!(section.contains("medians of 5 rounds"));
        assert!(
            section.contains("| 10000 messages into an empty store | 1.500 s | 1.200 s | 1.25 |")
        );
        assert!(section.contains("| 100 new messages | 0.100 s | 0.125 s | 0.80 |"));
        assert!(section.contains("isync 1.4.4") && section.contains("2.3.19.1"));
        assert!(t.starts_with(&EXPECTED[..EXPECTED.len() - 1]));
    }

    /// What the report looked like before it was split out of one function, for the
    /// same figures (the versions read from Cargo.lock), and the store's section since.
    const EXPECTED: &str = r#"Command: `cargo xtask bench` (repetitions: 5 per job, 20 for the rebuilds after an edit, order alternating every round; medians). Took 318 s.

- Date: 2026-12-01 21:09 UTC
- Machine: 2 cores, AMD EPYC, load average 1.26 0.99 1.11 at the end
- Toolchain: rustc 1.95.0 (59807616e 2026-04-14)
- Versions: bindgen 0.73.2, windows-core 0.100.0, criterion 0.5.1, Debian clang version 14.0.6

### 1. Regeneration

| job | median | ratio to plain bindgen |
|---|---|---|
| full `cargo xtask regen` (2 targets) | 1830 ms | 0.47 |
| plain bindgen + rustfmt (1 target) | 3921 ms | 1.00 |
| `clang -fsyntax-only` (the floor) | 219 ms | 0.06 |

### 2. Compile cost (clean debug builds)

| crate | median | ratio |
|---|---|---|
| `generated/`, default features (x86_64-pc-windows-gnu) | 0.3 s | 0.23 |
| `generated/`, `full` (x86_64-pc-windows-gnu) | 1.2 s | 1.01 |
| raw bindgen output of every header read (x86_64-pc-windows-gnu) | 1.2 s | 1.00 |
| one-struct provider, `#[mapi_sync_provider]` (the published crates, as from crates.io) | 1.77 s | 0.55 |
| one-struct provider, windows-core `#[implement]` (crates.io) | 3.22 s | 1.00 |
| one-struct provider, `#[mapi_sync_provider]` as a path dependency of this repository | 2.27 s | 0.70 |
| rebuild after editing the provider, `#[mapi_sync_provider]` | 114 ms | 0.90 |
| rebuild after editing the provider, windows-core `#[implement]` | 127 ms | 1.00 |
| rebuild after an edit, a cdylib with std alone (the floor) | 99 ms | 0.78 |
| rebuild after an edit, the floor depending on `mapi-sync` and using none of it | 101 ms | 0.80 |

### 3. Run time (criterion medians, ns per operation)

| operation | ours | windows-core | C (floor) | ours / windows-core | ours / C |
|---|---|---|---|---|---|
| QueryInterface + Release | 10.70 | 15.59 | 10.74 | 0.69 | 1.00 |
| AddRef + Release | 10.64 | 12.35 | 10.46 | 0.86 | 1.02 |
| Progress through the vtable | 1.68 | 1.34 | 1.25 | 1.25 | 1.34 |
| SynchronizeInBackground to Done (empty sync) | 19224.68 | 36254.40 | 14960.64 | 0.53 | 1.29 |

| operation (ours and C only) | ours | C (floor) | ours / C |
|---|---|---|---|
| 100 mixed SPropValues read | 192.41 | 140.88 | 1.37 |
| 100 mixed SPropValues written and freed | 1662.39 | 1385.45 | 1.20 |
| eml-store: inbox table opened, 4 columns, 10,000 rows read and freed | 3389767.86 | 2525577.98 | 1.34 |
| eml-store: a sync importing 1,000 `.eml` files, to the done event | 5667813.85 | 5562396.89 | 1.02 |

### 4. Size (stripped release cdylib)

| provider | bytes | ratio |
|---|---|---|
| `#[mapi_sync_provider]` | 386488 | 1.07 |
| windows-core `#[implement]` | 362360 | 1.00 |

### 5. The store's table engine (criterion medians)

| operation | ours | SQLite (in memory) | ours / SQLite |
|---|---|---|---|
| 100,000 rows: Restrict (subject substring AND time range) + SortTable (2 keys) + QueryRows in pages of 100 | 294.6 ms | 17.5 ms | 16.82 |

| FindRow by `PR_INSTANCE_KEY` | 10,000 rows | 100,000 rows | growth |
|---|---|---|---|
| a row near the end, from the beginning | 132 ns | 130 ns | 0.98 |
"#;
}
