//! imap-store's sync against mbsync: `samples/imap-store/benches/mbsync.rs` run (its own
//! rounds, order alternating, on a tmpfs when the machine has one), its medians read back.

use std::path::Path;

use super::run::{cargo, io};
use super::versions::command_output;
use crate::{root, Fail};

/// Messages in the bench's mailbox, and how many arrive for the incremental sync.
pub const MESSAGES: usize = 10_000;
pub const ADDED: usize = 100;

/// The medians in seconds, and what the report names.
#[derive(Debug, Clone, PartialEq)]
pub struct Imap {
    pub rounds: usize,
    pub ours_full: f64,
    pub mbsync_full: f64,
    pub ours_incremental: f64,
    pub mbsync_incremental: f64,
    /// `mbsync -v` and Dovecot's `--version`.
    pub mbsync: String,
    pub dovecot: String,
    /// Where the Maildirs were (the tmpfs, or the system's temporary folder).
    pub place: String,
}

/// Runs the bench with `rounds` rounds; its medians.
pub fn imap_figures(rounds: usize, scratch: &Path) -> Result<Imap, Fail> {
    // A tmpfs: on this machine's shared ext4 the same sync took 1.6 to 12 s from one run
    // to the next (ext4's search for a free inode), which measured the disk, not the
    // clients.
    let shm = Path::new("/dev/shm");
    let place = if shm.is_dir() {
        shm.join(format!("mapi-imap-bench-{}", std::process::id()))
    } else {
        scratch.join("imap")
    };
    io(std::fs::create_dir_all(&place), "the bench's Maildirs")?;
    let out = scratch.join("imap-figures.txt");
    let result = crate::run(cargo().current_dir(root()).args([
        "bench",
        "-p",
        "imap-store",
        "--bench",
        "mbsync",
        "--",
        "--rounds",
        &rounds.to_string(),
        "--messages",
        &MESSAGES.to_string(),
        "--added",
        &ADDED.to_string(),
        "--tmp",
        &place.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
    ]));
    let _ = std::fs::remove_dir_all(&place);
    result?;
    let text = io(std::fs::read_to_string(&out), &out.display().to_string())?;
    let mut figures = parse(&text).ok_or_else(|| {
        Fail(format!(
            "{}: not the bench's figures:\n{text}",
            out.display()
        ))
    })?;
    figures.mbsync = command_output("mbsync", &["-v"]);
    figures.dovecot = command_output("dovecot", &["--version"]);
    figures.place = if shm.is_dir() {
        "a tmpfs (`/dev/shm`)".into()
    } else {
        "the system's temporary folder".into()
    };
    Ok(figures)
}

/// The bench's `--out` file: `key value` lines.
pub fn parse(text: &str) -> Option<Imap> {
    let get = |key: &str| -> Option<f64> {
        text.lines()
            .filter_map(|l| l.split_once(' '))
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.trim().parse().ok())
    };
    Some(Imap {
        rounds: get("rounds")? as usize,
        ours_full: get("ours_full")?,
        mbsync_full: get("mbsync_full")?,
        ours_incremental: get("ours_incremental")?,
        mbsync_incremental: get("mbsync_incremental")?,
        mbsync: String::new(),
        dovecot: String::new(),
        place: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_the_bench_figures() {
        let f = parse(
            "rounds 5\nmessages 10000\nadded 100\nours_full 1.25\nmbsync_full 1.0\n\
             ours_incremental 0.1\nmbsync_incremental 0.08\n",
        )
        .expect("figures");
        assert_eq!((f.rounds, f.ours_full, f.mbsync_full), (5, 1.25, 1.0));
        assert_eq!((f.ours_incremental, f.mbsync_incremental), (0.1, 0.08));
        assert_eq!(parse("rounds 5\nours_full 1.0\n"), None);
        assert_eq!(parse("rounds 5\nours_full x\n"), None);
    }
}
