//! `mapi-codegen`: the command-line front of the generator.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use mapi_codegen::{generate, output, regenerate, Options};

/// Generate Rust bindings and a C/C++ header for MAPI and IMAPISync.
///
/// Reads the manifest (which MAPI headers and IDL files to read, what to emit, for which
/// targets, and the corrections the headers need), runs bindgen and a libclang pass over
/// the headers for every target, and writes a crate to the output folder. The folder is
/// replaced as a whole, atomically: on any error (or a kill) it is left as it was. A folder
/// that holds the inputs, is a file or holds a file mapi-codegen did not write is refused.
#[derive(Debug, Parser)]
#[command(name = "mapi-codegen", version)]
struct Cli {
    /// The manifest to read.
    #[arg(long, value_name = "FILE", default_value = "headers/mapi.toml")]
    manifest: PathBuf,

    /// The folder to write the generated crate to (replaced as a whole; a symbolic link
    /// to it stays a link).
    #[arg(long, value_name = "DIR", default_value = "generated")]
    out: PathBuf,

    /// Read the MAPI headers from DIR instead of the manifest's `input.mapi_include`.
    /// Header names are matched case-insensitively (also in the headers' own includes), so
    /// Microsoft's (MAPIStubLibrary's include/, with MAPIDefS.h) work too.
    #[arg(long, value_name = "DIR")]
    mapi_include: Option<PathBuf>,

    /// Do not write: compare with the output folder and fail, naming the files that
    /// differ, if it is stale.
    #[arg(long, conflicts_with = "list")]
    check: bool,

    /// Do not write: print every interface found, with its base and IID.
    #[arg(long)]
    list: bool,

    /// Print how long each stage took, to standard error.
    #[arg(long)]
    timings: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let opts = Options {
        manifest: cli.manifest.clone(),
        mapi_include: cli.mapi_include.clone(),
    };
    let result = if cli.check || cli.list {
        generate(&opts)
    } else {
        regenerate(&opts, &cli.out)
    };
    let generated = match result {
        Ok(g) => g,
        Err(e) => {
            eprintln!("mapi-codegen: error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if cli.timings {
        for lap in &generated.timings {
            let ms = lap.took.as_secs_f64() * 1e3;
            eprintln!("{:>20}: {ms:>8.1} ms", lap.stage);
        }
    }
    if cli.list {
        for i in &generated.model.interfaces {
            let base = i.base.as_deref().unwrap_or("-");
            let iid = i.iid.map(|g| g.to_string()).unwrap_or_else(|| "-".into());
            println!("{:<32} {:<20} {iid}", i.name, base);
        }
        return ExitCode::SUCCESS;
    }
    if cli.check {
        if let Err(e) = output::check_up_to_date(&cli.out, &generated.files) {
            eprintln!("mapi-codegen: error: {e}");
            return ExitCode::FAILURE;
        }
        println!("{} is up to date", cli.out.display());
    }
    ExitCode::SUCCESS
}
