-- Breadbox schema: the whole current schema of a fresh database, in one place.
-- Ids are UUIDv7 stored as 16-byte BLOBs; timestamps are Unix seconds (UTC);
-- money is INTEGER minor units of the row's iso_currency_code (never floating point).
-- PRAGMA user_version records the schema version (see src/store/migrations.rs).

CREATE TABLE users (
    id          BLOB PRIMARY KEY NOT NULL,
    short_id    TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    email       TEXT UNIQUE COLLATE NOCASE,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
-- users.list orders by (name, id).
CREATE INDEX users_name_id ON users (name, id);

CREATE TABLE api_keys (
    id            BLOB PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    key_prefix    TEXT NOT NULL,
    key_hash      TEXT NOT NULL,            -- argon2id PHC string of the whole key
    scope         TEXT NOT NULL CHECK (scope IN ('full_access', 'read_only')),
    last_used_at  INTEGER,
    revoked_at    INTEGER,
    created_at    INTEGER NOT NULL
);
-- Authentication finds candidate rows by prefix before any argon2 work.
CREATE INDEX api_keys_prefix ON api_keys (key_prefix);
-- api_keys.list orders newest first by (created_at, id).
CREATE INDEX api_keys_created_id ON api_keys (created_at, id);
