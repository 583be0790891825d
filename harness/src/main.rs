//! `mapi-harness`: runs the harness on a provider library and prints its report.
//!
//! ```text
//! mapi-harness path/to/store.so --store-entry-id HEX --profile-dir DIR [--json FILE]
//! ```
//!
//! Exit status: 0 when no rule failed, 1 when one did, 2 for a usage error or when the
//! harness could not run (a profile folder it cannot write).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use mapi_harness::{Config, Provider, Scenario};

/// Plays MAPI and Outlook against a MAPI store provider library and checks MAPI's rules.
#[derive(Parser, Debug)]
#[command(name = "mapi-harness", version)]
struct Args {
    /// The provider library (a .so on Linux, a DLL on Windows) exporting MSProviderInit.
    library: PathBuf,
    /// The store entry identifier the profile holds, in hexadecimal (flags first).
    #[arg(long, value_parser = parse_hex)]
    store_entry_id: Hex,
    /// The folder the profile's file (PROFILE.json) is kept in.
    #[arg(long)]
    profile_dir: PathBuf,
    /// The profile's name.
    #[arg(long, default_value = "mapi-harness")]
    profile: String,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Make the Nth allocation after MSProviderInit fail with MAPI_E_NOT_ENOUGH_MEMORY.
    #[arg(long)]
    fail_allocation: Option<u64>,
    /// Play only these scenarios (repeat the option): interfaces, store-properties,
    /// bad-arguments, inbox-contents, hierarchy, advise.
    #[arg(long = "scenario", value_parser = parse_scenario)]
    scenarios: Vec<Scenario>,
}

fn parse_scenario(s: &str) -> Result<Scenario, String> {
    Scenario::by_name(s).ok_or_else(|| {
        let names: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
        format!("one of {}", names.join(", "))
    })
}

/// Bytes given in hexadecimal.
#[derive(Clone, Debug)]
struct Hex(Vec<u8>);

fn parse_hex(s: &str) -> Result<Hex, String> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if !s.len().is_multiple_of(2) {
        return Err("an odd number of hexadecimal digits".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            let pair = s.get(i..i + 2).ok_or("not hexadecimal")?;
            u8::from_str_radix(pair, 16).map_err(|e| format!("{pair}: {e}"))
        })
        .collect::<Result<Vec<u8>, String>>()
        .map(Hex)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut config = Config::new(
        Provider::Library(args.library),
        args.store_entry_id.0,
        args.profile_dir,
    );
    config.profile_name = args.profile;
    config.fail_allocation = args.fail_allocation;
    if !args.scenarios.is_empty() {
        config.scenarios = args.scenarios;
    }
    let report = mapi_harness::run(config);
    print!("{}", report.to_text());
    if let Some(path) = &args.json {
        if let Err(e) = std::fs::write(path, report.to_json()) {
            eprintln!("mapi-harness: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    ExitCode::from(report.exit_code() as u8)
}
