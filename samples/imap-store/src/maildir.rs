//! The store on disk: a Maildir++ tree (FACTS.md, "Maildir" and "Maildir++").
//!
//! The root is the inbox (`cur/`, `new/`, `tmp/`); every other folder is a directory
//! `.Name` beside them, a child `.Parent.Child`, with the same three subdirectories and a
//! `maildirfolder` file. A message is one file in `new/` (not yet seen by a mail reader,
//! no flags) or in `cur/` (named `UNIQUE:2,FLAGS`). A message is written into `tmp/` and
//! then renamed into `new/` or `cur/`, so a second reader of the same tree (mutt, Dovecot,
//! a test) sees either no file or the whole file, never a part of one.
//!
//! A message's id in the store is its unique name (the file name before `:`), which
//! stays the same when its flags change the file's name.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// What separates a file name's unique part from its info (`:2,FLAGS`): the colon of
/// the Maildir format, except on Windows, whose file names cannot hold a colon, where it
/// is `;` (as isync's `InfoDelimiter` chooses there; FACTS.md).
pub const INFO_SEPARATOR: char = if cfg!(windows) { ';' } else { ':' };

/// A message's Maildir flags (the letters after `:2,`), as a set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// `D`: a draft.
    pub draft: bool,
    /// `F`: flagged for attention.
    pub flagged: bool,
    /// `P`: passed (resent, forwarded or bounced).
    pub passed: bool,
    /// `R`: replied to.
    pub replied: bool,
    /// `S`: seen (read).
    pub seen: bool,
    /// `T`: trashed (marked for deletion).
    pub trashed: bool,
}

impl Flags {
    /// The flags of an info string (what follows `:2,`); letters it does not know (the
    /// lower-case keywords some readers add) are ignored.
    pub fn parse(letters: &str) -> Flags {
        let mut f = Flags::default();
        for c in letters.chars() {
            match c {
                'D' => f.draft = true,
                'F' => f.flagged = true,
                'P' => f.passed = true,
                'R' => f.replied = true,
                'S' => f.seen = true,
                'T' => f.trashed = true,
                _ => {}
            }
        }
        f
    }

    /// The letters, in ASCII order as the format requires.
    pub fn letters(&self) -> String {
        [
            (self.draft, 'D'),
            (self.flagged, 'F'),
            (self.passed, 'P'),
            (self.replied, 'R'),
            (self.seen, 'S'),
            (self.trashed, 'T'),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, c)| *c)
        .collect()
    }

    /// Whether no flag is set.
    pub fn is_empty(&self) -> bool {
        *self == Flags::default()
    }
}

/// One message file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its unique name (the file name before `:`): the message's id.
    pub unique: String,
    /// Where it is now.
    pub path: PathBuf,
    /// Its flags (none in `new/`).
    pub flags: Flags,
}

impl Entry {
    /// The entry of the file `name` in `dir` (`cur/` or `new/`), if it is a message
    /// file (not a dot file).
    fn of(dir: &Path, name: &str) -> Option<Entry> {
        if name.starts_with('.') || name.is_empty() {
            return None;
        }
        let (unique, flags) = match name.split_once(INFO_SEPARATOR) {
            Some((u, info)) => (
                u,
                info.strip_prefix("2,")
                    .map_or_else(Flags::default, Flags::parse),
            ),
            None => (name, Flags::default()),
        };
        Some(Entry {
            unique: unique.to_owned(),
            path: dir.join(name),
            flags,
        })
    }

    /// The `key=value` fields the unique name carries after its first `,` (this store
    /// writes `U=` and `V=`, the message's IMAP UID and UIDVALIDITY).
    pub fn field(&self, key: &str) -> Option<&str> {
        self.unique
            .split(',')
            .skip(1)
            .find_map(|f| f.strip_prefix(key)?.strip_prefix('='))
    }
}

/// A Maildir++ tree.
#[derive(Debug, Clone)]
pub struct Maildir {
    root: PathBuf,
}

/// The file a Maildir++ subfolder holds to say it is one (FACTS.md).
const FOLDER_MARK: &str = "maildirfolder";

fn make_maildir(dir: &Path) -> io::Result<()> {
    for sub in ["tmp", "new", "cur"] {
        fs::create_dir_all(dir.join(sub))?;
    }
    Ok(())
}

/// This host's name as the Maildir unique names carry it: `/` and `:` written as
/// `\057` and `\072` (FACTS.md), and `;` (the separator on Windows) as `\073`.
fn host_name() -> &'static str {
    // Read once: every message's name carries it (reading it for each was 1.4% of a
    // 10,000-message sync).
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(read_host_name)
}

fn read_host_name() -> String {
    let raw = fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "localhost".to_owned());
    raw.replace('/', "\\057")
        .replace(':', "\\072")
        .replace(';', "\\073")
}

impl Maildir {
    /// The tree at `root`, made (with the inbox's `cur/`, `new/`, `tmp/`) if missing.
    pub fn open(root: &Path) -> io::Result<Maildir> {
        make_maildir(root)?;
        Ok(Maildir {
            root: root.to_owned(),
        })
    }

    /// Its root (the inbox).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of folder `name` (its Maildir++ name without the leading dot:
    /// `""` for the inbox, `"Parent.Child"` for a child).
    pub fn folder_dir(&self, name: &str) -> PathBuf {
        if name.is_empty() {
            self.root.clone()
        } else {
            self.root.join(format!(".{name}"))
        }
    }

    /// Makes folder `name` (and nothing above it) if missing.
    pub fn create_folder(&self, name: &str) -> io::Result<()> {
        let dir = self.folder_dir(name);
        make_maildir(&dir)?;
        if !name.is_empty() {
            let mark = dir.join(FOLDER_MARK);
            if !mark.exists() {
                File::create(mark)?;
            }
        }
        Ok(())
    }

    /// Every folder's Maildir++ name, the inbox (`""`) first, then the others sorted (so
    /// a parent comes before its children).
    pub fn folders(&self) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in fs::read_dir(&self.root)? {
            let entry = entry?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let Some(folder) = name.strip_prefix('.') else {
                continue;
            };
            if folder.is_empty() || folder == "." || !entry.path().join("cur").is_dir() {
                continue;
            }
            names.push(folder.to_owned());
        }
        names.sort();
        names.insert(0, String::new());
        Ok(names)
    }

    /// Every message of folder `name`: `cur/` then `new/`, each sorted by file name (the
    /// unique names this store writes begin with the time of delivery).
    pub fn messages(&self, name: &str) -> io::Result<Vec<Entry>> {
        let dir = self.folder_dir(name);
        let mut all = Vec::new();
        for sub in ["cur", "new"] {
            let sub = dir.join(sub);
            let mut here: Vec<Entry> = match fs::read_dir(&sub) {
                Ok(d) => d
                    .filter_map(|e| e.ok())
                    .filter_map(|e| Entry::of(&sub, e.file_name().to_str()?))
                    .collect(),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
                Err(e) => return Err(e),
            };
            here.sort_by(|a, b| a.unique.cmp(&b.unique));
            all.extend(here);
        }
        Ok(all)
    }

    /// The unique names of folder `name`'s messages (`cur/` and `new/`), unsorted: what
    /// [`messages`](Self::messages) gives without a path, flags or order for each, for a
    /// look at what is there (a folder of 10,000 is read twice by every sync).
    pub fn unique_names(&self, name: &str) -> io::Result<HashSet<String>> {
        let dir = self.folder_dir(name);
        let mut all = HashSet::new();
        for sub in ["cur", "new"] {
            let entries = match fs::read_dir(dir.join(sub)) {
                Ok(d) => d,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            for e in entries.filter_map(|e| e.ok()) {
                let file = e.file_name();
                let Some(file) = file.to_str() else { continue };
                if file.starts_with('.') || file.is_empty() {
                    continue;
                }
                let unique = file.split_once(INFO_SEPARATOR).map_or(file, |(u, _)| u);
                all.insert(unique.to_owned());
            }
        }
        Ok(all)
    }

    /// The message `unique` of folder `name`, wherever its flags put it now.
    pub fn find(&self, name: &str, unique: &str) -> io::Result<Option<Entry>> {
        let dir = self.folder_dir(name);
        for sub in ["cur", "new"] {
            let sub = dir.join(sub);
            let plain = sub.join(unique);
            if plain.is_file() {
                return Ok(Entry::of(&sub, unique));
            }
            let prefix = format!("{unique}{INFO_SEPARATOR}");
            match fs::read_dir(&sub) {
                Ok(d) => {
                    for e in d.filter_map(|e| e.ok()) {
                        if let Some(n) = e.file_name().to_str() {
                            if n.starts_with(&prefix) {
                                return Ok(Entry::of(&sub, n));
                            }
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// A new unique name: the time, then `M` microseconds, `P` process id and `Q` a
    /// counter of this process, then the host, then `fields` (`,U=7,V=42`).
    pub fn unique_name(fields: &str) -> String {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let q = COUNTER.fetch_add(1, Ordering::Relaxed);
        format!(
            "{}.M{}P{}Q{}.{}{fields}",
            now.as_secs(),
            now.subsec_micros(),
            std::process::id(),
            q,
            host_name()
        )
    }

    /// Writes a message into folder `name` the Maildir way: into `tmp/`, its time set to
    /// `time` (the time it arrived, which readers take from the file), then renamed into
    /// `new/` (no flags) or `cur/` (with its flags). `fields` end its unique name.
    pub fn deliver(
        &self,
        name: &str,
        bytes: &[u8],
        flags: Flags,
        time: Option<SystemTime>,
        fields: &str,
    ) -> io::Result<Entry> {
        let dir = self.folder_dir(name);
        let unique = Self::unique_name(fields);
        let tmp = dir.join("tmp").join(&unique);
        let written = (|| {
            let mut file = File::create(&tmp)?;
            file.write_all(bytes)?;
            if let Some(t) = time {
                file.set_modified(t)?;
            }
            Ok(())
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        let (sub, file_name) = if flags.is_empty() {
            ("new", unique.clone())
        } else {
            (
                "cur",
                format!("{unique}{INFO_SEPARATOR}2,{}", flags.letters()),
            )
        };
        let path = dir.join(sub).join(file_name);
        if let Err(e) = fs::rename(&tmp, &path) {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        Ok(Entry {
            unique,
            path,
            flags,
        })
    }

    /// Gives message `entry` the flags `flags`: a rename into `cur/` (the file's content
    /// does not change, so a reader sees it whole under one name or the other).
    pub fn set_flags(&self, entry: &Entry, flags: Flags) -> io::Result<Entry> {
        let folder_dir = entry
            .path
            .parent()
            .and_then(Path::parent)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not in a Maildir"))?;
        let path = folder_dir.join("cur").join(format!(
            "{}{INFO_SEPARATOR}2,{}",
            entry.unique,
            flags.letters()
        ));
        fs::rename(&entry.path, &path)?;
        Ok(Entry {
            unique: entry.unique.clone(),
            path,
            flags,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_written_in_ascii_order_and_read_back() {
        let f = Flags::parse("TSRFDa");
        assert!(f.draft && f.flagged && f.replied && f.seen && f.trashed && !f.passed);
        assert_eq!(f.letters(), "DFRST");
        assert_eq!(Flags::parse("").letters(), "");
    }

    #[test]
    fn folders_are_the_inbox_then_the_dot_directories_with_a_cur() {
        let dir = tempfile::tempdir().unwrap();
        let md = Maildir::open(dir.path()).unwrap();
        md.create_folder("Lists.rust").unwrap();
        md.create_folder("Lists").unwrap();
        md.create_folder("Archive").unwrap();
        fs::create_dir(dir.path().join(".not-a-folder")).unwrap();
        assert_eq!(
            md.folders().unwrap(),
            ["", "Archive", "Lists", "Lists.rust"]
        );
        assert!(dir.path().join(".Lists.rust/maildirfolder").is_file());
        assert!(dir.path().join(".Lists.rust/tmp").is_dir());
    }

    #[test]
    fn unique_names_are_the_messages_uniques_in_new_and_cur() {
        let dir = tempfile::tempdir().unwrap();
        let md = Maildir::open(dir.path()).unwrap();
        let seen = Flags {
            seen: true,
            ..Flags::default()
        };
        for (i, flags) in [Flags::default(), seen, Flags::default()]
            .into_iter()
            .enumerate()
        {
            md.deliver(
                "",
                format!("Subject: {i}\r\n\r\n").as_bytes(),
                flags,
                None,
                ",U=1",
            )
            .unwrap();
        }
        fs::write(dir.path().join("cur/.hidden"), "").unwrap();
        let from_messages: HashSet<String> = md
            .messages("")
            .unwrap()
            .into_iter()
            .map(|e| e.unique)
            .collect();
        assert_eq!(from_messages.len(), 3);
        assert_eq!(md.unique_names("").unwrap(), from_messages);
        assert!(md.unique_names("Missing").unwrap().is_empty());
    }

    #[test]
    fn a_delivery_goes_through_tmp_to_new_or_cur_and_flags_rename_it() {
        let dir = tempfile::tempdir().unwrap();
        let md = Maildir::open(dir.path()).unwrap();
        let fresh = md
            .deliver(
                "",
                b"Subject: a\r\n\r\nA\r\n",
                Flags::default(),
                None,
                ",U=1,V=9",
            )
            .unwrap();
        assert_eq!(fresh.path.parent().unwrap(), dir.path().join("new"));
        assert_eq!(fresh.field("U"), Some("1"));
        assert_eq!(fresh.field("V"), Some("9"));
        let seen = Flags {
            seen: true,
            ..Flags::default()
        };
        let read = md
            .deliver("", b"Subject: b\r\n\r\nB\r\n", seen, None, "")
            .unwrap();
        assert!(read.path.to_str().unwrap().ends_with(":2,S"));
        assert_eq!(read.path.parent().unwrap(), dir.path().join("cur"));
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);

        let moved = md
            .set_flags(
                &fresh,
                Flags {
                    replied: true,
                    seen: true,
                    ..Flags::default()
                },
            )
            .unwrap();
        assert!(moved.path.to_str().unwrap().ends_with(":2,RS"));
        assert_eq!(md.find("", &fresh.unique).unwrap().unwrap(), moved);
        let all = md.messages("").unwrap();
        assert_eq!(all.len(), 2);
        assert!(all.iter().all(|e| e.flags.seen));
    }

    #[test]
    fn unique_names_differ_within_one_microsecond() {
        let a = Maildir::unique_name("");
        let b = Maildir::unique_name("");
        assert_ne!(a, b);
        assert!(!a.contains('/') && !a.contains(':'));
    }
}
