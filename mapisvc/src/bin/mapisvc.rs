//! `mapisvc`: install or remove a message store service in a MAPISVC.INF.
//!
//! ```text
//! mapisvc install --inf "C:\Program Files\Microsoft Office\root\Office16\MAPISVC.INF" \
//!     --service EmlStore --display-name "EML Store" --dll "C:\Stores\emlstore.dll"
//! mapisvc remove --inf ... --service EmlStore
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mapisvc::{DllName, Service};

#[derive(Parser)]
#[command(about = "Install or remove a MAPI message store service in MAPISVC.INF")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Adds the service (or brings it up to date); running it twice changes nothing.
    Install {
        /// The MAPISVC.INF to change.
        #[arg(long)]
        inf: PathBuf,
        /// The service's section name (no spaces needed), e.g. EmlStore.
        #[arg(long)]
        service: String,
        /// The name Outlook shows.
        #[arg(long)]
        display_name: String,
        /// The DLL, without the "32" MAPI appends: a full path, e.g.
        /// C:\Stores\emlstore.dll for C:\Stores\emlstore32.dll.
        #[arg(long)]
        dll: String,
        /// The DLL's MSGSERVICEENTRY export.
        #[arg(long, default_value = "ServiceEntry")]
        entry_point: String,
    },
    /// Removes the service and its providers' sections; every other line stays.
    Remove {
        /// The MAPISVC.INF to change.
        #[arg(long)]
        inf: PathBuf,
        /// The service's section name.
        #[arg(long)]
        service: String,
    },
}

fn run(cli: Cli) -> Result<String, Box<dyn std::error::Error>> {
    match cli.command {
        Command::Install {
            inf,
            service,
            display_name,
            dll,
            entry_point,
        } => {
            let dll = DllName::new(&dll)?;
            if let Some(warning) = dll.warning() {
                eprintln!("mapisvc: warning: {warning}");
            }
            let service = Service::store(&service, &display_name, &dll, &entry_point);
            let changed = mapisvc::install_file(&inf, &service)?;
            Ok(format!(
                "{}: {} {} (MAPI loads {})",
                inf.display(),
                service.name,
                if changed {
                    "installed"
                } else {
                    "already installed"
                },
                dll.loaded_file()
            ))
        }
        Command::Remove { inf, service } => {
            let changed = mapisvc::remove_file(&inf, &service)?;
            Ok(format!(
                "{}: {service} {}",
                inf.display(),
                if changed {
                    "removed"
                } else {
                    "was not installed"
                }
            ))
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(said) => {
            println!("{said}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mapisvc: {e}");
            ExitCode::FAILURE
        }
    }
}
