//! `mapi-harness`: runs the harness on a provider library.

fn main() {
    let report = mapi_harness::Report::new(mapi_harness::rules::ALL);
    print!("{}", report.to_text());
    std::process::exit(report.exit_code());
}
