//! The example `imap_sync` (`cargo run -p imap-store --example imap_sync`) run once at a
//! tiny size, its code included as it is: a local Dovecot with the demo mailbox, the
//! service added through `ServiceEntry`, `Logon`, Send/Receive with the progress bar,
//! and the folder tree it prints.

#[path = "../examples/imap_sync.rs"]
mod example;

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_example_syncs_the_demo_mailbox_and_prints_the_tree_with_counts() {
    let tree = example::run(&args(&["--messages", "4"])).expect("the example runs");
    let find = |name: &str| {
        tree.iter()
            .find(|f| f.0 == name)
            .unwrap_or_else(|| panic!("no {name} in {tree:?}"))
            .clone()
    };
    assert_eq!(find("Inbox").2, 4);
    assert_eq!(find("Archive").2, 12);
    let (_, archive_depth, _) = find("Archive");
    let (_, child_depth, child_count) = find("2025");
    assert_eq!((child_depth, child_count), (archive_depth + 1, 5));
    assert_eq!(find("Lists").2, 3);
}

#[test]
fn the_example_takes_no_password_argument_and_checks_its_arguments() {
    let e = example::run(&args(&["--server", "h", "--user", "u", "--password", "x"]))
        .expect_err("a password argument is refused");
    assert!(e.contains("IMAP_PASSWORD") && !e.contains(" x"), "{e}");
    let e = example::run(&args(&["--server", "h"])).expect_err("no user");
    assert!(e.contains("--user"), "{e}");
    let e = example::run(&args(&["--security", "ssl3"])).expect_err("no such security");
    assert!(e.contains("ssl3"), "{e}");
}
