//! The sync bench's code path (`benches/mbsync.rs`, run by `cargo xtask bench` at 10,000
//! messages) at a tiny size, so it does not rot: a Dovecot filled the bench's way, the
//! sample's sync and mbsync into empty Maildirs, then an incremental sync by both, each
//! client's messages counted on its disk. Nothing is timed here.

mod support;

use support::bench::{mail, round};

#[test]
fn the_bench_round_syncs_both_clients_fully_then_incrementally() {
    // Both orders, as the bench alternates them.
    for ours_first in [true, false] {
        let r = round(12, 3, ours_first);
        assert!(r.ours_full > std::time::Duration::ZERO);
        assert!(r.mbsync_incremental > std::time::Duration::ZERO);
    }
}

#[test]
fn bench_mails_parse_with_their_subject_and_attachment() {
    for i in [0, 1, 10, 99] {
        let raw = mail(i);
        let parsed = mail_parser::MessageParser::default()
            .parse(&raw[..])
            .expect("a bench mail parses");
        assert_eq!(
            parsed.subject(),
            Some(format!("Bench message {i}: quarterly figures").as_str())
        );
        assert_eq!(parsed.attachment_count(), usize::from(i.is_multiple_of(10)));
        assert!((1000..20_000).contains(&raw.len()), "{} bytes", raw.len());
    }
}
