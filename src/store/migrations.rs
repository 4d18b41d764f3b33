//! Schema versioning: `schema.sql` builds a fresh database; `PRAGMA user_version`
//! records the version; each later change is a small upgrade step in `UPGRADES`.

use rusqlite::Connection;

/// The schema version this binary writes and understands.
pub const SCHEMA_VERSION: i64 = 3;

/// The whole current schema, applied to an empty database.
pub const SCHEMA: &str = include_str!("../../schema.sql");

/// Upgrade steps: `(version reached, SQL)`, in order; each must leave the schema exactly
/// as `schema.sql` builds it (a test checks).
const UPGRADES: &[(i64, &str)] = &[
    (
        2,
        "CREATE INDEX transactions_unindexed_text ON transactions (name, merchant_name)
        WHERE visible = 1 AND (name GLOB '*[^ -~]*' OR merchant_name GLOB '*[^ -~]*'
            OR length(name) < 3 OR length(merchant_name) < 3);",
    ),
    (
        3,
        "ALTER TABLE connections ADD COLUMN external_id TEXT;
        CREATE INDEX connections_external ON connections (provider, external_id)
            WHERE external_id IS NOT NULL;",
    ),
];

/// Turns a current database back into a version-1 one (for upgrade tests).
#[cfg(test)]
pub(crate) const BACK_TO_V1: &str = "DROP INDEX transactions_unindexed_text;
    DROP INDEX connections_external; ALTER TABLE connections DROP COLUMN external_id;
    PRAGMA user_version = 1;";

/// Why the schema could not be brought to [`SCHEMA_VERSION`].
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(
        "the database has schema version {found}, newer than this breadbox understands \
         ({SCHEMA_VERSION}); run a newer breadbox or restore a backup"
    )]
    TooNew { found: i64 },
    #[error("schema migration failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// The version an existing database will be upgraded from, if it needs an upgrade
/// (`None` for a new, empty database and for a current one).
pub fn pending_upgrade(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    Ok((found > 0 && found < SCHEMA_VERSION).then_some(found))
}

/// Creates or upgrades the schema in one transaction.
pub fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(MigrateError::TooNew { found });
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
    if found == 0 {
        tx.execute_batch(SCHEMA)?;
    } else {
        for (version, sql) in UPGRADES.iter().filter(|(v, _)| *v > found) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
        }
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_of(conn: &Connection) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare("SELECT name, ifnull(sql, '') FROM sqlite_master ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn fresh_database_gets_the_current_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        assert!(schema_of(&conn).iter().any(|(n, _)| n == "users"));
    }

    #[test]
    fn version_1_databases_are_upgraded_to_the_fresh_schema() {
        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh).unwrap();
        let mut old = Connection::open_in_memory().unwrap();
        migrate(&mut old).unwrap();
        old.execute_batch(BACK_TO_V1).unwrap();
        migrate(&mut old).unwrap();
        let v: i64 = old
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let normalise = |schema: Vec<(String, String)>| -> Vec<(String, String)> {
            // ALTER TABLE … ADD COLUMN appends ", col TYPE" before the closing parenthesis.
            let squash = |s: &str| {
                s.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .replace(" ,", ",")
                    .replace(" )", ")")
            };
            schema.into_iter().map(|(n, s)| (n, squash(&s))).collect()
        };
        assert_eq!(normalise(schema_of(&old)), normalise(schema_of(&fresh)));
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let before = schema_of(&conn);
        migrate(&mut conn).unwrap();
        assert_eq!(before, schema_of(&conn));
    }

    #[test]
    fn newer_database_is_refused_with_a_clear_message() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(matches!(err, MigrateError::TooNew { .. }));
        assert!(err.to_string().contains("newer than this breadbox"));
    }
}
