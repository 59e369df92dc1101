//! gcloud's SQLite stores, read-only: `credentials.db` (one JSON credential
//! per account) and `access_tokens.db` (the tokens gcloud cached), tolerant
//! of older schemas and of a database gcloud holds locked (wire.md §1.3).

use super::SourceError;
use crate::model::Secret;
use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// How long a read waits for gcloud to finish writing before it reports
/// the database as locked (the next change to the folder reads it again).
pub const BUSY_WAIT: Duration = Duration::from_millis(300);

/// The largest gcloud database read: a few accounts take kilobytes.
pub const MAX_DB_BYTES: u64 = 64 << 20;

/// What gcloud cached for one account.
#[derive(Debug, Clone, Default)]
pub struct CachedTokens {
    /// The access token.
    pub access_token: Option<Secret>,
    /// Its expiry (naive UTC in the file).
    pub expiry: Option<DateTime<Utc>>,
    /// The ID token (newer schemas only).
    pub id_token: Option<Secret>,
}

fn open(path: &Path) -> Result<Connection, SourceError> {
    // SQLite opens what it is given: a FIFO or a device would hang it, so
    // only a regular file is handed over.
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() > MAX_DB_BYTES => {
            return Err(SourceError::new(
                path,
                format!("larger than {} MiB; not read", MAX_DB_BYTES >> 20),
            ));
        }
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Err(SourceError::new(path, "not a regular file")),
        Err(e) => return Err(SourceError::new(path, e.to_string())),
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let db = Connection::open_with_flags(path, flags).map_err(|e| failure(path, "", &e))?;
    db.busy_timeout(BUSY_WAIT)
        .map_err(|e| failure(path, "", &e))?;
    Ok(db)
}

fn failure(path: &Path, table: &str, err: &rusqlite::Error) -> SourceError {
    let locked = matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    );
    let interrupted = err.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly);
    let what = if locked {
        "locked by another program (gcloud writing it?); read again when it changes".to_string()
    } else if interrupted {
        // A hot journal: only a writer may roll it back, and tokentop never writes.
        "a write was interrupted and its journal is still beside it; gcloud repairs it on its next run".to_string()
    } else {
        err.to_string()
    };
    match table {
        "" => SourceError::new(path, what),
        table => SourceError::new(path, format!("table `{table}`: {what}")),
    }
}

/// Every row of `table`, as column name to text (NULLs left out), so a
/// schema with more or fewer columns reads the same.
fn rows(path: &Path, table: &str) -> Result<Vec<BTreeMap<String, String>>, SourceError> {
    let db = open(path)?;
    let fail = |e: rusqlite::Error| failure(path, table, &e);
    let mut statement = db
        .prepare(&format!("SELECT * FROM \"{table}\""))
        .map_err(fail)?;
    let names: Vec<String> = statement.column_names().map(str::to_string).collect();
    let mut found = Vec::new();
    let mut cursor = statement.query([]).map_err(fail)?;
    while let Some(row) = cursor.next().map_err(fail)? {
        let mut fields = BTreeMap::new();
        for (i, name) in names.iter().enumerate() {
            let text = match row.get_ref(i).map_err(fail)? {
                ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
                ValueRef::Integer(n) => n.to_string(),
                ValueRef::Real(x) => x.to_string(),
                ValueRef::Null => continue,
            };
            fields.insert(name.clone(), text);
        }
        found.push(fields);
    }
    Ok(found)
}

/// `credentials.db`: each account id with its credential's JSON text.
pub fn credentials(path: &Path) -> Result<Vec<(String, String)>, SourceError> {
    Ok(rows(path, "credentials")?
        .into_iter()
        .filter_map(|mut row| Some((row.remove("account_id")?, row.remove("value")?)))
        .collect())
}

/// `access_tokens.db`: what gcloud cached, by account id.
pub fn access_tokens(path: &Path) -> Result<BTreeMap<String, CachedTokens>, SourceError> {
    let secret = |value: Option<String>| value.filter(|v| !v.is_empty()).map(Secret::new);
    Ok(rows(path, "access_tokens")?
        .into_iter()
        .filter_map(|mut row| {
            let account = row.remove("account_id")?;
            let cached = CachedTokens {
                access_token: secret(row.remove("access_token")),
                expiry: row.get("token_expiry").and_then(|t| parse_expiry(t)),
                id_token: secret(row.remove("id_token")),
            };
            Some((account, cached))
        })
        .collect())
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff]`, naive UTC, as Python's sqlite3 stores a
/// `datetime` (also accepted with a `T`).
fn parse_expiry(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim().replace('T', " ");
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(&text, format).ok())
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database(dir: &Path, schema: &str, insert: &str) -> std::path::PathBuf {
        let path = dir.join("access_tokens.db");
        let db = Connection::open(&path).expect("create");
        db.execute_batch(schema).expect("schema");
        db.execute_batch(insert).expect("insert");
        path
    }

    #[test]
    fn reads_old_and_new_schemas_by_column_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let old = database(
            dir.path(),
            "CREATE TABLE access_tokens (account_id TEXT PRIMARY KEY, access_token TEXT, token_expiry TIMESTAMP, rapt_token TEXT);",
            "INSERT INTO access_tokens VALUES ('a@example.test', 'ya29.old', '2099-01-01 00:00:00.250000', NULL);",
        );
        let tokens = access_tokens(&old).expect("old schema");
        let a = &tokens["a@example.test"];
        assert_eq!(
            a.access_token.as_ref().map(Secret::expose),
            Some("ya29.old")
        );
        assert_eq!(
            a.expiry.map(|t| t.to_rfc3339()),
            Some("2099-01-01T00:00:00.250+00:00".into())
        );
        assert!(a.id_token.is_none());
        std::fs::remove_file(&old).expect("rm");
        let new = database(
            dir.path(),
            "CREATE TABLE access_tokens (account_id TEXT PRIMARY KEY, access_token TEXT, token_expiry TIMESTAMP, rapt_token TEXT, id_token TEXT, regional_access_boundary TEXT, regional_access_boundary_expiry TIMESTAMP);",
            "INSERT INTO access_tokens VALUES ('b', 'ya29.new', NULL, NULL, 'eyJ.id', NULL, NULL);",
        );
        let tokens = access_tokens(&new).expect("new schema");
        assert!(tokens["b"].expiry.is_none());
        assert_eq!(
            tokens["b"].id_token.as_ref().map(Secret::expose),
            Some("eyJ.id")
        );
    }

    #[test]
    fn a_locked_database_is_reported_promptly_and_by_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = database(
            dir.path(),
            "CREATE TABLE access_tokens (account_id TEXT PRIMARY KEY, access_token TEXT, token_expiry TIMESTAMP);",
            "",
        );
        let writer = Connection::open(&path).expect("open");
        writer.execute_batch("BEGIN EXCLUSIVE;").expect("lock");
        let err = access_tokens(&path).expect_err("locked");
        assert!(err.message.contains("locked"), "{err}");
        assert_eq!(err.source_path, path.display().to_string());
        writer.execute_batch("COMMIT;").expect("unlock");
        assert!(access_tokens(&path).is_ok());
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("credentials.db");
        std::fs::write(
            &path,
            "this is not a database, it is a text file of some length",
        )
        .expect("write");
        let err = credentials(&path).expect_err("not sqlite");
        assert!(
            err.to_string().starts_with(&path.display().to_string()),
            "{err}"
        );
    }
}
