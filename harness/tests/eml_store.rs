//! The harness on `samples/eml-store`, loaded as a library (`libeml_store.so`, which
//! cargo builds beside this test as the cdylib of the dev-dependency) and in process
//! (its `MSProviderInit` linked in).
//!
//! The sample does not pass every rule yet: its folders lack PR_RECORD_KEY (issue 26),
//! its hierarchy rows lack PR_INSTANCE_KEY, its folders and messages lack
//! PR_STORE_SUPPORT_MASK, it never calls ModifyStatusRow, `QueryRows(0)` leaves
//! `*lppRows` as it was, and `SpoolerLogon`, which it leaves to the generated default
//! (`MAPI_E_NO_SUPPORT`), leaves its out-pointers as they were. This test asserts the exact outcome of each
//! rule as it is today, and what each failure saw, so that fixing the store means
//! updating the expectation here, deliberately.

use std::path::{Path, PathBuf};

use mapi_harness::{Config, Outcome, Provider};

/// A folder of three messages.
fn mail_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (i, subject) in ["One", "Two", "Three"].iter().enumerate() {
        let text = format!("From: someone@example.com\r\nSubject: {subject}\r\n\r\nbody {i}\r\n");
        std::fs::write(dir.path().join(format!("m{i}.eml")), text).unwrap();
    }
    dir
}

/// The provider library cargo built for the dev-dependency, beside this test.
fn library() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    let name = format!(
        "{}eml_store{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let lib = deps.join(&name);
    assert!(lib.exists(), "{} was not built", lib.display());
    lib
}

fn outcome_words(report: &mapi_harness::Report) -> Vec<(&'static str, &'static str)> {
    report
        .outcomes()
        .into_iter()
        .map(|(name, o)| (name, o.word()))
        .collect()
}

/// What the sample gets today, rule by rule.
const TODAY: &[(&str, &str)] = &[
    ("provider-starts", "pass"),
    ("out-null-on-failure", "fail"),
    ("qi-identity", "pass"),
    ("qi-bases", "pass"),
    ("support-released-at-logoff", "pass"),
    ("memory-no-leak", "pass"),
    ("memory-freed-once", "pass"),
    ("entryid-present", "pass"),
    ("record-key-present", "fail"),
    ("instance-key-unique", "fail"),
    ("table-end-no-rows", "pass"),
    ("store-display-name", "pass"),
    ("no-notify-after-unadvise", "n/a"),
    ("entryid-round-trip", "pass"),
    ("strings-a-w-agree", "pass"),
    ("seek-row-rereads", "pass"),
    ("sync-ends-with-done", "pass"),
    ("released-to-zero", "pass"),
    ("find-row-finds", "n/a"),
    ("restrict-restricts", "n/a"),
    ("support-mask-present", "fail"),
    ("status-row-at-logon", "fail"),
    ("sort-table-sorts", "n/a"),
    ("service-entry-configures", "n/a"),
    ("store-profile-section", "n/a"),
];

fn config(provider: Provider, mail: &Path, profiles: &Path) -> Config {
    Config::new(
        provider,
        eml_store::store_entry_id(mail),
        profiles.to_path_buf(),
    )
}

#[test]
fn the_sample_store_as_a_library() {
    let (mail, profiles) = (mail_folder(), tempfile::tempdir().unwrap());
    let report = mapi_harness::run(config(
        Provider::Library(library()),
        mail.path(),
        profiles.path(),
    ));
    let text = report.to_text();
    assert_eq!(outcome_words(&report), TODAY, "{text}");
    assert_eq!(report.exit_code(), 1);
}

#[test]
fn the_sample_store_in_process() {
    let (mail, profiles) = (mail_folder(), tempfile::tempdir().unwrap());
    let report = mapi_harness::run(config(
        Provider::Init(eml_store::MSProviderInit),
        mail.path(),
        profiles.path(),
    ));
    let text = report.to_text();
    println!("{text}");
    assert_eq!(outcome_words(&report), TODAY, "{text}");
    // What fails, precisely.
    let seen = |rule: &str| match report.outcome(rule) {
        Some(Outcome::Fail(seen)) => seen,
        other => panic!("{rule}: {other:?}\n{text}"),
    };
    // The folders' PR_RECORD_KEY, on the objects and in the rows.
    assert_eq!(
        seen("record-key-present"),
        [
            "the inbox has no PR_RECORD_KEY (PT_ERROR MAPI_E_NOT_FOUND)",
            "the IPM subtree has no PR_RECORD_KEY (PT_ERROR MAPI_E_NOT_FOUND)",
            "the IPM subtree's hierarchy table: 1 of 1 rows have no PR_RECORD_KEY (row 0: PT_ERROR MAPI_E_NOT_FOUND)",
            "the object of the IPM subtree's hierarchy table, row 0 has no PR_RECORD_KEY (PT_ERROR MAPI_E_NOT_FOUND)",
        ],
        "{text}"
    );
    assert_eq!(
        seen("instance-key-unique"),
        ["the IPM subtree's hierarchy table: row 0 has no PR_INSTANCE_KEY (PT_ERROR MAPI_E_NOT_FOUND)"],
        "{text}"
    );
    assert_eq!(
        seen("out-null-on-failure"),
        [
            "IMSProvider::SpoolerLogon failed (MAPI_E_NO_SUPPORT) and left 0xbadf00d in lppMSLogon",
            "IMSProvider::SpoolerLogon failed (MAPI_E_NO_SUPPORT) and left 0xbadf00d in lppMDB",
            "the inbox's contents table: QueryRows(0) failed (MAPI_E_INVALID_PARAMETER) and left 0xbadf00d in lppRows",
            "the IPM subtree's hierarchy table: QueryRows(0) failed (MAPI_E_INVALID_PARAMETER) and left 0xbadf00d in lppRows",
            "the inbox's contents table, read during a sync: QueryRows(0) failed (MAPI_E_INVALID_PARAMETER) and left 0xbadf00d in lppRows",
        ],
        "{text}"
    );
    assert_eq!(
        report.notes(),
        [
            "IMSProvider::SpoolerLogon answered MAPI_E_NO_SUPPORT: no spooler logon",
            "the inbox's contents table: FindRow answered MAPI_E_NO_SUPPORT",
            "the inbox's contents table: Restrict answered MAPI_E_NO_SUPPORT",
            "the inbox's contents table: SortTable answered MAPI_E_NO_SUPPORT",
            "the IPM subtree's hierarchy table: FindRow answered MAPI_E_NO_SUPPORT",
            "the IPM subtree's hierarchy table: Restrict answered MAPI_E_NO_SUPPORT",
            "IMsgStore::Advise answered MAPI_E_NO_SUPPORT: no notifications checked",
            "the inbox's contents table, read during a sync: FindRow answered MAPI_E_NO_SUPPORT",
            "the inbox's contents table, read during a sync: Restrict answered MAPI_E_NO_SUPPORT",
            "the inbox's contents table, read during a sync: SortTable answered MAPI_E_NO_SUPPORT",
        ]
    );
    // The folders and the messages have no PR_STORE_SUPPORT_MASK.
    assert_eq!(
        seen("support-mask-present"),
        [
            "the inbox has no PR_STORE_SUPPORT_MASK (PT_ERROR MAPI_E_NOT_FOUND)",
            "the object of the inbox's contents table, row 0 has no PR_STORE_SUPPORT_MASK (PT_ERROR MAPI_E_NOT_FOUND)",
            "the object of the inbox's contents table, row 1 has no PR_STORE_SUPPORT_MASK (PT_ERROR MAPI_E_NOT_FOUND)",
            "the object of the inbox's contents table, row 2 has no PR_STORE_SUPPORT_MASK (PT_ERROR MAPI_E_NOT_FOUND)",
            "the IPM subtree has no PR_STORE_SUPPORT_MASK (PT_ERROR MAPI_E_NOT_FOUND)",
            "the object of the IPM subtree's hierarchy table, row 0 has no PR_STORE_SUPPORT_MASK (PT_ERROR MAPI_E_NOT_FOUND)",
        ],
        "{text}"
    );
    assert_eq!(
        seen("status-row-at-logon"),
        ["Logon returned without calling IMAPISupport::ModifyStatusRow"]
    );
    // The JSON report says the same.
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["passed"], false);
    assert_eq!(json["rules"][8]["name"], "record-key-present");
    assert_eq!(json["rules"][8]["outcome"], "fail");
}

/// One scenario at a time, as a provider's own tests would run them: each sees only its
/// own rules' failures.
#[test]
fn the_sample_store_one_scenario_at_a_time() {
    use mapi_harness::Scenario;
    let (mail, profiles) = (mail_folder(), tempfile::tempdir().unwrap());
    let failures = |scenario| {
        let c = config(
            Provider::Init(eml_store::MSProviderInit),
            mail.path(),
            profiles.path(),
        )
        .only(scenario);
        mapi_harness::run(c).failures()
    };
    // SpoolerLogon and the status row are played in every run; the folders and messages
    // lack PR_STORE_SUPPORT_MASK.
    let every = ["out-null-on-failure", "status-row-at-logon"];
    assert_eq!(failures(Scenario::Interfaces), every);
    assert_eq!(failures(Scenario::StoreProperties), every);
    assert_eq!(failures(Scenario::Advise), every);
    assert_eq!(failures(Scenario::Sync), every);
    assert_eq!(
        failures(Scenario::InboxContents),
        [
            "out-null-on-failure",
            "record-key-present",
            "support-mask-present",
            "status-row-at-logon"
        ]
    );
    assert_eq!(
        failures(Scenario::Hierarchy),
        [
            "out-null-on-failure",
            "record-key-present",
            "instance-key-unique",
            "support-mask-present",
            "status-row-at-logon"
        ]
    );
}
