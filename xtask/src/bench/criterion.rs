//! The run-time figures: criterion's benches (`benches/com.rs`, the sample store's
//! `samples/eml-store/benches/store.rs` and the store framework's `store/benches/table.rs`)
//! run, and the medians read from its output.

use std::path::PathBuf;

use super::run::{cargo, io};
use crate::{root, Fail};

/// Groups run by ours, windows-core's and C's objects: (criterion group, report label).
pub const GROUPS: &[(&str, &str)] = &[
    ("qi_release", "QueryInterface + Release"),
    ("addref_release", "AddRef + Release"),
    ("progress", "Progress through the vtable"),
    (
        "sync_to_done",
        "SynchronizeInBackground to Done (empty sync)",
    ),
];
const IMPLS: &[&str] = &["ours", "windows_core", "c"];
/// Groups with no windows-core side: MAPI's property values.
pub const C_ONLY_GROUPS: &[(&str, &str)] = &[
    ("props_read", "100 mixed SPropValues read"),
    ("props_write", "100 mixed SPropValues written and freed"),
    (
        "store_table_10k",
        "eml-store: inbox table opened, 4 columns, 10,000 rows read and freed",
    ),
    (
        "store_sync_1k",
        "eml-store: a sync importing 1,000 `.eml` files, to the done event",
    ),
];

/// The store's table engine (`store/benches/table.rs`): criterion group and function of
/// each figure, in the report's order (the query's "c" is SQLite in memory).
pub const STORE_FIGURES: &[(&str, &str)] = &[
    ("table_query_100k", "ours"),
    ("table_query_100k", "c"),
    ("table_find_10k", "ours"),
    ("table_find_100k", "ours"),
];

/// Runs the store's table bench; gives `STORE_FIGURES`' medians in ns.
pub fn store_figures() -> Result<Vec<f64>, Fail> {
    crate::run(cargo().current_dir(root()).args([
        "bench",
        "-p",
        "mapi-sync-store",
        "--bench",
        "table",
        "--",
        "--noplot",
    ]))?;
    STORE_FIGURES
        .iter()
        .map(|(g, f)| criterion_median(g, f))
        .collect()
}

/// Where criterion writes: `CRITERION_HOME`, else `criterion/` in cargo's target folder.
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("criterion")
}

/// The median's point estimate in criterion's `estimates.json`.
pub fn parse_median(estimates: &str) -> Option<f64> {
    let after = estimates
        .split("\"median\"")
        .nth(1)
        .and_then(|t| t.split("\"point_estimate\":").nth(1))?;
    let number: String = after
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        .collect();
    number.parse().ok()
}

/// One criterion figure: group/function -> median in ns.
fn criterion_median(group: &str, function: &str) -> Result<f64, Fail> {
    let path = criterion_home()
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let text = io(std::fs::read_to_string(&path), &path.display().to_string())?;
    parse_median(&text).ok_or_else(|| Fail(format!("no median in {}", path.display())))
}

/// Runs the criterion benches; gives each of `GROUPS`' medians for ours, windows-core's
/// and C's objects.
pub fn runtime_figures() -> Result<Vec<Vec<f64>>, Fail> {
    crate::run(cargo().current_dir(root()).args([
        "bench",
        "-p",
        "mapi-sync",
        "--bench",
        "com",
        "--",
        "--noplot",
    ]))?;
    // The sample store against its C floor (samples/eml-store/benches/store.rs).
    crate::run(cargo().current_dir(root()).args([
        "bench",
        "-p",
        "eml-store",
        "--bench",
        "store",
        "--",
        "--noplot",
    ]))?;
    GROUPS
        .iter()
        .map(|(g, _)| IMPLS.iter().map(|i| criterion_median(g, i)).collect())
        .collect()
}

/// Each of `C_ONLY_GROUPS`' medians for ours and C's, from the run of `runtime_figures`.
pub fn c_only_figures() -> Result<Vec<(f64, f64)>, Fail> {
    C_ONLY_GROUPS
        .iter()
        .map(|(g, _)| Ok((criterion_median(g, "ours")?, criterion_median(g, "c")?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::parse_median;

    #[test]
    fn reads_the_median_of_estimates_json() {
        let json = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":10.1,"upper_bound":10.9},"point_estimate":10.5,"standard_error":0.2},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":10.2,"upper_bound":10.8},"point_estimate":1.0702e1,"standard_error":0.1}}"#;
        assert_eq!(parse_median(json), Some(10.702));
        assert_eq!(parse_median(r#"{"mean":{"point_estimate":3.0}}"#), None);
    }
}
