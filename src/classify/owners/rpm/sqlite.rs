//! rpm's sqlite backend: `rpmdb.sqlite`, table `Packages(hnum INTEGER
//! PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)`; the other tables are
//! indexes rpm can rebuild and are not read.

use std::io::Read as _;

use rusqlite::limits::Limit;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, MAIN_DB};

use super::Error;

pub(crate) const MAGIC: &[u8] = b"SQLite format 3\0";

// Offsets of the file-format write/read versions in the sqlite header:
// 2 means WAL mode.
const WRITE_VERSION: usize = 18;
const READ_VERSION: usize = 19;
const HEADER_LEN: usize = 100;

// sqlite is hardened against corrupt files, but a hostile schema can make
// a plain SELECT run forever (a view over a recursive CTE) or build huge
// values (a generated column). The progress handler bounds the work by the
// input size; sqlite calls it every OPS_PER_TICK virtual-machine steps.
const OPS_PER_TICK: i32 = 1000;
const TICKS_PER_KIB: usize = 64;
const MIN_TICKS: usize = 10_000;

fn bad(msg: impl Into<String>) -> Error {
    Error::SqliteFormat(msg.into())
}

/// Reads the header blobs from an `rpmdb.sqlite` image, in `hnum` order.
pub fn read_sqlite(db: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    if db.len() < HEADER_LEN || !db.starts_with(MAGIC) {
        return Err(bad("no sqlite header"));
    }
    let conn = open(db)?;
    check_schema(&conn)?;
    let mut stmt = conn.prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    // Stored blobs live in the file's pages, so together they can never be
    // longer than the file: anything more is computed and hostile.
    let mut budget = db.len();
    while let Some(row) = rows.next()? {
        let blob = match row.get_ref(1)? {
            ValueRef::Blob(b) => b,
            other => {
                let hnum: i64 = row.get(0).unwrap_or(-1);
                return Err(bad(format!(
                    "package {hnum}: blob column holds {:?}, not a blob",
                    other.data_type()
                )));
            }
        };
        budget = budget.checked_sub(blob.len()).ok_or_else(|| bad("blobs add up to more than the file"))?;
        out.push(blob.to_vec());
    }
    Ok(out)
}

fn open(db: &[u8]) -> Result<Connection, Error> {
    let mut conn = Connection::open_in_memory()?;
    let ticks = MIN_TICKS.saturating_add(db.len() / 1024 * TICKS_PER_KIB);
    let mut left = ticks;
    conn.progress_handler(
        OPS_PER_TICK,
        Some(move || {
            left = left.saturating_sub(1);
            left == 0
        }),
    )?;
    // A single value can't legitimately exceed the file either.
    let max_len = i32::try_from(db.len()).unwrap_or(i32::MAX);
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, max_len.max(1 << 16))?;

    // rpm leaves its database in WAL mode. The in-memory VFS that
    // deserialize uses has no WAL support and refuses such an image, so
    // present it as a rollback-journal database; the -wal file, if an
    // image shipped one, is not ours to read anyway.
    let mut head = [0u8; HEADER_LEN];
    head.copy_from_slice(&db[..HEADER_LEN]);
    for at in [WRITE_VERSION, READ_VERSION] {
        if head[at] == 2 {
            head[at] = 1;
        }
    }
    let reader = (&head[..]).chain(&db[HEADER_LEN..]);
    conn.deserialize_read_exact(MAIN_DB, reader, db.len(), true)?;
    // No schema-defined function may run with side effects, and nothing
    // may write even to the in-memory copy.
    conn.pragma_update(None, "trusted_schema", false)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

fn check_schema(conn: &Connection) -> Result<(), Error> {
    let mut stmt =
        conn.prepare("SELECT type, coalesce(sql, '') FROM sqlite_schema WHERE name = 'Packages'")?;
    let mut rows = stmt.query([])?;
    let Some(row) = rows.next()? else {
        return Err(bad("no Packages table"));
    };
    let kind: String = row.get(0)?;
    let sql: String = row.get(1)?;
    if kind != "table" || sql.to_ascii_uppercase().contains("VIRTUAL") {
        return Err(bad(format!("Packages is a {kind}, not a plain table")));
    }
    Ok(())
}
