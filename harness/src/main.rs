//! `mapi-harness`: runs the harness on a provider library and prints its report.
//!
//! ```text
//! mapi-harness path/to/store.so --profile-dir DIR --configure TAG=VALUE... [--json FILE]
//! mapi-harness path/to/store.so --profile-dir DIR --mapisvc MAPISVC.INF --service NAME
//!     --configure TAG=VALUE...
//! mapi-harness path/to/store.so --profile-dir DIR --store-entry-id HEX [--json FILE]
//! ```
//!
//! With `--configure`, the library's `ServiceEntry` adds the store to the profile and
//! configures it with those values (as `IMsgServiceAdmin::ConfigureMsgService` passes
//! them), and the logon uses the store entry id it wrote; with `--store-entry-id` alone,
//! a store without a service entry is logged on with that id. With `--mapisvc` and
//! `--service`, the service's sections of that MAPISVC.INF are checked and copied into the
//! profile first, and the entry point is the export they name.
//!
//! Exit status: 0 when no rule failed, 1 when one did, 2 for a usage error or when the
//! harness could not run (a profile folder it cannot write).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use mapi_harness::{Config, MapiSvc, Provider, Scenario, Service};
use mapi_sync::props::{prop_type, OwnedValue};
use mapi_sync::sys::{self, ULONG};

/// Plays MAPI and Outlook against a MAPI store provider library and checks MAPI's rules.
#[derive(Parser, Debug)]
#[command(name = "mapi-harness", version)]
struct Args {
    /// The provider library (a .so on Linux, a DLL on Windows) exporting MSProviderInit.
    library: PathBuf,
    /// The store entry identifier the profile holds, in hexadecimal (flags first), for a
    /// store without a service entry.
    #[arg(long, value_parser = parse_hex, required_unless_present = "configure")]
    store_entry_id: Option<Hex>,
    /// A value for the store's ServiceEntry (repeat the option): TAG=VALUE, the tag in
    /// hexadecimal (0x6600001F), the value text for PT_UNICODE and PT_STRING8, a number
    /// for PT_LONG, hexadecimal for PT_BINARY.
    #[arg(long, value_parser = parse_setting)]
    configure: Vec<Setting>,
    /// The MAPISVC.INF that registers the service (with --service and --configure): its
    /// sections are checked and copied into the profile, and the entry point is the
    /// export its PR_SERVICE_ENTRY_NAME names.
    #[arg(long, requires_all = ["service", "configure"])]
    mapisvc: Option<PathBuf>,
    /// The service's name in the MAPISVC.INF (its section).
    #[arg(long, requires = "mapisvc")]
    service: Option<String>,
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
    /// named-properties, bad-arguments, inbox-contents, hierarchy, associated-view,
    /// read-flag, advise, sync.
    #[arg(long = "scenario", value_parser = parse_scenario)]
    scenarios: Vec<Scenario>,
    /// First play the sync and, as soon as its done event is signalled, release the
    /// store, the logon object and the provider and unload the library; then load it
    /// again and play the scenarios (rule unload-after-done).
    #[arg(long)]
    unload_after_done: bool,
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

/// One `--configure` value.
#[derive(Clone, Debug)]
struct Setting(ULONG, OwnedValue);

fn parse_setting(s: &str) -> Result<Setting, String> {
    let (tag, value) = s.split_once('=').ok_or("TAG=VALUE")?;
    let digits = tag.trim().trim_start_matches("0x").trim_start_matches("0X");
    let tag = ULONG::from_str_radix(digits, 16).map_err(|e| format!("tag {tag}: {e}"))?;
    let value = match prop_type(tag) {
        sys::PT_UNICODE => OwnedValue::Unicode(value.encode_utf16().collect()),
        sys::PT_STRING8 => OwnedValue::String8(value.as_bytes().to_vec()),
        sys::PT_LONG => OwnedValue::Long(value.parse().map_err(|e| format!("{value}: {e}"))?),
        sys::PT_BINARY => OwnedValue::Binary(parse_hex(value)?.0),
        other => {
            return Err(format!(
                "property type 0x{other:04X} is not one --configure takes"
            ))
        }
    };
    Ok(Setting(tag, value))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut config = Config::new(
        Provider::Library(args.library),
        args.store_entry_id.map(|h| h.0).unwrap_or_default(),
        args.profile_dir,
    );
    if !args.configure.is_empty() {
        config.service = Some(Service {
            entry: None,
            props: args.configure.into_iter().map(|s| (s.0, s.1)).collect(),
        });
    }
    if let (Some(path), Some(service)) = (args.mapisvc, args.service) {
        config.mapisvc = Some(MapiSvc { path, service });
    }
    config.profile_name = args.profile;
    config.fail_allocation = args.fail_allocation;
    config.unload_after_done = args.unload_after_done;
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
