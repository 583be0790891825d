//! The sample's sync against mbsync (isync), run by `cargo xtask bench`:
//!
//! ```text
//! cargo bench -p imap-store --bench mbsync -- [--rounds N] [--messages N] [--added N]
//!     [--tmp DIR] [--out FILE]
//! ```
//!
//! Each round (`tests/support/bench.rs`, which `tests/bench.rs` runs at a tiny size) starts
//! a throwaway Dovecot with `--messages` messages (10,000) in its inbox, syncs it into an
//! empty store through `IMAPISync` and with mbsync into an empty Maildir, then `--added`
//! (100) new messages incrementally; the order of the two alternates from round to round.
//! `--tmp` puts every Maildir (the server's and both clients') under DIR: `cargo xtask
//! bench` gives a tmpfs (`/dev/shm`), where the clients, not the state of a disk shared
//! with other jobs, are measured (on this machine's ext4 the same full sync took from 1.6
//! to 12 s from one run to the next, most of it in ext4's search for a free inode).
//! Prints each round and the medians; with `--out`, writes the medians (seconds) as
//! `key value` lines for the xtask's report.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Duration;

use support::bench::{round, Round};

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    let n = v.len();
    let mid = if !n.is_multiple_of(2) {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    };
    mid.as_secs_f64()
}

fn main() {
    let (mut rounds, mut messages, mut added, mut out) = (5usize, 10_000usize, 100usize, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut number = |what: &str| -> usize {
            let v = args.next().unwrap_or_default();
            v.parse().unwrap_or_else(|_| {
                eprintln!("{what} takes a number, not `{v}`");
                std::process::exit(2)
            })
        };
        match a.as_str() {
            "--rounds" => rounds = number("--rounds"),
            "--messages" => messages = number("--messages"),
            "--added" => added = number("--added"),
            "--out" => out = args.next(),
            // Where the servers' and clients' Maildirs go (tempfile follows TMPDIR).
            "--tmp" => std::env::set_var("TMPDIR", args.next().unwrap_or_default()),
            // What cargo bench passes to every bench target.
            "--bench" => {}
            other => {
                eprintln!("unknown argument `{other}`");
                std::process::exit(2)
            }
        }
    }
    let mut all: Vec<Round> = Vec::new();
    for i in 0..rounds {
        let ours_first = i.is_multiple_of(2);
        let r = round(messages, added, ours_first);
        println!(
            "round {}/{rounds} ({} first): full {:.3} s ours, {:.3} s mbsync; \
             +{added}: {:.3} s ours, {:.3} s mbsync",
            i + 1,
            if ours_first { "ours" } else { "mbsync" },
            r.ours_full.as_secs_f64(),
            r.mbsync_full.as_secs_f64(),
            r.ours_incremental.as_secs_f64(),
            r.mbsync_incremental.as_secs_f64(),
        );
        all.push(r);
    }
    let figures = [
        (
            "ours_full",
            median(all.iter().map(|r| r.ours_full).collect()),
        ),
        (
            "mbsync_full",
            median(all.iter().map(|r| r.mbsync_full).collect()),
        ),
        (
            "ours_incremental",
            median(all.iter().map(|r| r.ours_incremental).collect()),
        ),
        (
            "mbsync_incremental",
            median(all.iter().map(|r| r.mbsync_incremental).collect()),
        ),
    ];
    println!(
        "medians of {rounds} rounds, {messages} messages then {added} new: full {:.3} s ours, \
         {:.3} s mbsync ({:.2}x); incremental {:.3} s ours, {:.3} s mbsync ({:.2}x)",
        figures[0].1,
        figures[1].1,
        figures[0].1 / figures[1].1,
        figures[2].1,
        figures[3].1,
        figures[2].1 / figures[3].1,
    );
    if let Some(out) = out {
        let mut text = format!("rounds {rounds}\nmessages {messages}\nadded {added}\n");
        for (k, v) in figures {
            text.push_str(&format!("{k} {v}\n"));
        }
        if let Err(e) = std::fs::write(&out, text) {
            eprintln!("{out}: {e}");
            std::process::exit(1)
        }
    }
}
