//! The embedded SQLite database: one pool, pragmas set on every connection, the schema
//! created or upgraded at open, and a helper to run blocking queries off the executor.

mod backup;
pub mod fts;
pub mod ids;
mod migrate;

use std::path::{Path, PathBuf};
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, Transaction, TransactionBehavior};

pub use backup::backup_to;
pub use migrate::{SCHEMA_VERSION, migrate, schema_version};

pub type Pool = r2d2::Pool<SqliteConnectionManager>;

pub const DATABASE_FILE: &str = "comptoir.db";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "cannot create the data directory {path}: {source}. Choose another with --data-dir, or fix its permissions"
    )]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot open the database {path}: {source}. Check that the data directory is readable and writable by this user"
    )]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "the database {path} is at schema version {found}, newer than this comptoir understands (version {supported}). Install a newer comptoir, or restore a backup made with this version"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error(
        "{path} is an SQLite database that Comptoir did not create; point --data-dir at an empty or Comptoir directory"
    )]
    Foreign { path: PathBuf },
    #[error("{0}")]
    Backup(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("blocking database task failed: {0}")]
    Blocking(String),
}

/// Opens (creating if needed) the database in `data_dir`, brings its schema to the
/// current version, and returns a pool whose connections all carry our pragmas.
pub fn open(data_dir: &Path) -> Result<Pool, DbError> {
    create_private_dir(data_dir)?;
    let path = data_dir.join(DATABASE_FILE);
    let open_error = |source| DbError::Open {
        path: path.clone(),
        source,
    };
    let mut conn = Connection::open(&path).map_err(open_error)?;
    configure(&mut conn).map_err(open_error)?;
    migrate(&mut conn, &path)?;
    drop(conn);

    let manager = SqliteConnectionManager::file(&path).with_init(configure);
    let pool = r2d2::Pool::builder()
        .max_size(8)
        .connection_timeout(Duration::from_secs(10))
        .build(manager)?;
    Ok(pool)
}

/// `busy_timeout` first, so the other pragmas wait rather than fail under contention.
fn configure(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    // Hot paths keep their statements prepared (`prepare_cached`): parsing SQL for every
    // message was a fifth of the time spent answering one.
    conn.set_prepared_statement_cache_capacity(64);
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
    )
}

fn create_private_dir(dir: &Path) -> Result<(), DbError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| DbError::DataDir {
        path: dir.to_path_buf(),
        source,
    })
}

/// Runs blocking database work on the blocking thread pool, never on the executor, and
/// returns the connection to the pool before the caller awaits anything else.
/// The caller's error type only has to take a `DbError`, so storage never depends on
/// what sits above it.
pub async fn call<T, E, F>(pool: &Pool, work: F) -> Result<T, E>
where
    F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get().map_err(DbError::from)?;
        work(&mut conn)
    })
    .await
    .map_err(|e| E::from(DbError::Blocking(e.to_string())))?
}

/// One writer at a time within the process. SQLite allows one anyway; queueing here
/// hands the lock over at once, where SQLite's busy handler would sleep and poll
/// (milliseconds to tens of milliseconds under load). Other processes (the CLI) still
/// queue on `busy_timeout`.
static WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Writes take the lock up front (`BEGIN IMMEDIATE`), so two writers queue instead of
/// failing with "database is locked" half-way through. Never nest: a write inside
/// another write's `work` would wait for itself.
pub fn write<T, E: From<DbError>>(
    conn: &mut Connection,
    work: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
) -> Result<T, E> {
    let _writer = WRITER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(DbError::from)?;
    let out = work(&tx)?;
    tx.commit().map_err(DbError::from)?;
    Ok(out)
}
