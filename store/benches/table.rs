//! The store's table engine at scale, side by side with SQLite on the same rows:
//!
//! - `table_query_100k`: 100,000 messages (subject, delivery time, size);
//!   `Restrict` (the subject contains "report", case-insensitively, AND the time lies in
//!   a range) + `SortTable` (time descending, then subject) + `QueryRows` through the
//!   whole view in pages of 100 (`ours`), against SQLite in memory answering the
//!   equivalent `SELECT … WHERE … ORDER BY …`, read in the same pages (`c`: SQLite is C);
//! - `table_find_10k` and `table_find_100k`: `FindRow` by `PR_INSTANCE_KEY` of a row near
//!   the end of 10,000 and 100,000 rows (`ours`), to show its cost does not grow with the
//!   table as a scan's would.
//!
//! Each round opens a new table on the same rows (the engine reads only keys to open).
//! The rows' source answers the engine column by column (`values_by_column`, values
//! borrowing the messages), as a backend whose values live in memory would.
//! `cargo xtask bench` runs this and writes the figures to BENCHMARKS.md. On 64-bit hosts
//! only (SQLite's C source is built for those; see the crate's Cargo.toml).
#![cfg_attr(not(target_pointer_width = "64"), allow(unused))]

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use mapi_sync_runtime::props::{prop_id, OwnedValue, Prop, PropValue};
use mapi_sync_runtime::sys::{self, ULONG};
use mapi_sync_runtime::Result;
use mapi_sync_store::table::{
    Batch, Restriction, RowKey, RowSource, SortKey, SortOrder, Table, TableType,
};

/// A message: subject, delivery time, size.
struct Message {
    subject: String,
    time: u64,
    size: i32,
}

/// Words the subjects are made of; "report" is in about one in eight.
const WORDS: [&str; 8] = [
    "Quarterly",
    "report",
    "Meeting",
    "notes",
    "Lunch",
    "plans",
    "Budget",
    "review",
];

/// `n` messages, made the same way every run (a xorshift walk).
fn messages(n: usize) -> Arc<Vec<Message>> {
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    Arc::new(
        (0..n)
            .map(|_| {
                let subject = (0..3)
                    .map(|_| WORDS[(next() % 8) as usize])
                    .collect::<Vec<_>>()
                    .join(" ");
                Message {
                    subject,
                    time: 0x01DB_0000_0000_0000 + next() % 10_000_000_000,
                    size: (next() % 100_000) as i32,
                }
            })
            .collect(),
    )
}

/// The messages as a row source: a message's index is its key.
struct Messages(Arc<Vec<Message>>);

impl RowSource for Messages {
    fn keys(&self, keys: &mut Vec<RowKey>) -> Result<()> {
        keys.extend(0..self.0.len() as RowKey);
        Ok(())
    }

    fn values(
        &self,
        rows: &[RowKey],
        columns: &[ULONG],
        answer: &mut dyn FnMut(usize, &[Prop<'_>]),
    ) -> Result<()> {
        let want = |tag: ULONG| columns.iter().any(|&c| prop_id(c) == prop_id(tag));
        let (subject, time, size) = (
            want(sys::PR_SUBJECT_W),
            want(sys::PR_MESSAGE_DELIVERY_TIME),
            want(sys::PR_MESSAGE_SIZE),
        );
        let mut props = Vec::with_capacity(3);
        for (i, &key) in rows.iter().enumerate() {
            let m = &self.0[key as usize];
            props.clear();
            if subject {
                props.push(Prop::new(sys::PR_SUBJECT_W, PropValue::Str(&m.subject))?);
            }
            if time {
                props.push(Prop::new(
                    sys::PR_MESSAGE_DELIVERY_TIME,
                    PropValue::SysTime(m.time),
                )?);
            }
            if size {
                props.push(Prop::new(sys::PR_MESSAGE_SIZE, PropValue::Long(m.size))?);
            }
            answer(i, &props);
        }
        Ok(())
    }

    fn borrows_by_column(&self) -> bool {
        true
    }

    /// Column by column: each column filled for every row in one loop, borrowing the
    /// messages.
    fn values_by_column(
        &self,
        rows: &[RowKey],
        columns: &[ULONG],
        answer: &mut dyn FnMut(&Batch<'_>),
    ) -> Result<()> {
        fn fill<'a>(
            column: &mut [Option<PropValue<'a>>],
            rows: &[RowKey],
            messages: &'a [Message],
            value: impl Fn(&'a Message) -> PropValue<'a>,
        ) {
            for (slot, &key) in column.iter_mut().zip(rows) {
                *slot = messages.get(key as usize).map(&value);
            }
        }
        let mut batch = Batch::new(rows.len(), columns.len());
        for (c, &tag) in columns.iter().enumerate() {
            let column = batch.column_mut(c);
            match prop_id(tag) {
                id if id == prop_id(sys::PR_SUBJECT_W) => {
                    fill(column, rows, &self.0, |m| PropValue::Str(&m.subject))
                }
                id if id == prop_id(sys::PR_MESSAGE_DELIVERY_TIME) => {
                    fill(column, rows, &self.0, |m| PropValue::SysTime(m.time))
                }
                id if id == prop_id(sys::PR_MESSAGE_SIZE) => {
                    fill(column, rows, &self.0, |m| PropValue::Long(m.size))
                }
                _ => {}
            }
        }
        answer(&batch);
        Ok(())
    }
}

const FROM: u64 = 0x01DB_0000_0000_0000 + 2_000_000_000;
const TO: u64 = 0x01DB_0000_0000_0000 + 8_000_000_000;

/// Restrict + sort + every row in pages of 100: how many rows it read.
fn engine_query(rows: &Arc<Vec<Message>>) -> usize {
    let columns = vec![
        sys::PR_SUBJECT_W,
        sys::PR_MESSAGE_DELIVERY_TIME,
        sys::PR_MESSAGE_SIZE,
    ];
    let mut table = Table::new(Messages(rows.clone()), columns, TableType::Dynamic).unwrap();
    let restriction = Restriction::and(vec![
        Restriction::content(
            sys::FL_SUBSTRING | sys::FL_IGNORECASE,
            sys::PR_SUBJECT_W,
            PropValue::Str("report"),
        ),
        Restriction::property(
            sys::RELOP_GE,
            sys::PR_MESSAGE_DELIVERY_TIME,
            OwnedValue::SysTime(FROM),
        ),
        Restriction::property(
            sys::RELOP_LE,
            sys::PR_MESSAGE_DELIVERY_TIME,
            OwnedValue::SysTime(TO),
        ),
    ])
    .unwrap();
    table.restrict(Some(restriction)).unwrap();
    table
        .sort_table(SortOrder::by(vec![
            SortKey::descending(sys::PR_MESSAGE_DELIVERY_TIME),
            SortKey::ascending(sys::PR_SUBJECT_W),
        ]))
        .unwrap();
    let mut read = 0;
    loop {
        let page = table.query_rows(100, 0).unwrap();
        if page.is_empty() {
            return read;
        }
        read += page.len();
    }
}

/// The same rows in an in-memory SQLite database.
#[cfg(target_pointer_width = "64")]
fn sqlite(rows: &[Message]) -> rusqlite::Connection {
    let db = rusqlite::Connection::open_in_memory().unwrap();
    db.execute_batch("CREATE TABLE m (subject TEXT, time INTEGER, size INTEGER)")
        .unwrap();
    let tx = db.unchecked_transaction().unwrap();
    {
        let mut insert = tx.prepare("INSERT INTO m VALUES (?1, ?2, ?3)").unwrap();
        for m in rows {
            insert
                .execute(rusqlite::params![m.subject, m.time as i64, m.size])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    db
}

/// The equivalent query, its rows read (as owned values, as the engine's are) in pages of
/// 100: how many rows it read.
#[cfg(target_pointer_width = "64")]
fn sqlite_query(db: &rusqlite::Connection) -> usize {
    let mut statement = db
        .prepare_cached(
            "SELECT subject, time, size FROM m WHERE subject LIKE '%report%' AND time BETWEEN ?1 AND ?2 \
             ORDER BY time DESC, subject COLLATE NOCASE ASC",
        )
        .unwrap();
    let mut rows = statement
        .query(rusqlite::params![FROM as i64, TO as i64])
        .unwrap();
    let mut read = 0;
    let mut page: Vec<(String, i64, i32)> = Vec::with_capacity(100);
    while let Some(row) = rows.next().unwrap() {
        page.push((
            row.get(0).unwrap(),
            row.get(1).unwrap(),
            row.get(2).unwrap(),
        ));
        if page.len() == 100 {
            read += page.len();
            page.clear();
        }
    }
    read + page.len()
}

/// `FindRow` by the instance key of the row before the last, from the beginning.
fn find_near_end(table: &mut Table<Messages>, key: &[u8]) {
    let restriction = Restriction::property(
        sys::RELOP_EQ,
        sys::PR_INSTANCE_KEY,
        OwnedValue::Binary(key.to_vec()),
    );
    assert_eq!(
        table
            .find_row(&restriction, sys::BOOKMARK_BEGINNING, 0)
            .unwrap(),
        sys::S_OK
    );
}

#[cfg(target_pointer_width = "64")]
fn query(c: &mut Criterion) {
    let rows = messages(100_000);
    let db = sqlite(&rows);
    assert_eq!(
        engine_query(&rows),
        sqlite_query(&db),
        "both read the same rows"
    );
    let mut group = c.benchmark_group("table_query_100k");
    group.sample_size(10);
    group.bench_function("ours", |b| b.iter(|| engine_query(&rows)));
    group.bench_function("c", |b| b.iter(|| sqlite_query(&db)));
    group.finish();
}

fn find(c: &mut Criterion) {
    for (n, name) in [(10_000, "table_find_10k"), (100_000, "table_find_100k")] {
        let rows = messages(n);
        let mut table =
            Table::new(Messages(rows), vec![sys::PR_SUBJECT_W], TableType::Dynamic).unwrap();
        let key = table.instance_key_at(n - 2).unwrap();
        let mut group = c.benchmark_group(name);
        group.bench_function("ours", |b| b.iter(|| find_near_end(&mut table, &key)));
        group.finish();
    }
}

#[cfg(target_pointer_width = "64")]
criterion_group!(benches, query, find);
#[cfg(target_pointer_width = "64")]
criterion_main!(benches);

/// Nothing to measure without SQLite.
#[cfg(not(target_pointer_width = "64"))]
fn main() {}
