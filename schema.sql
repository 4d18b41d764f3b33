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

-- One login at one bank through one provider.
CREATE TABLE connections (
    id                    BLOB PRIMARY KEY NOT NULL,
    short_id              TEXT NOT NULL UNIQUE,
    user_id               BLOB NOT NULL REFERENCES users (id),
    provider              TEXT NOT NULL
                          CHECK (provider IN ('plaid', 'teller', 'simplefin', 'csv', 'demo')),
    institution_id        TEXT,
    institution_name      TEXT,
    status                TEXT NOT NULL DEFAULT 'active'
                          CHECK (status IN ('active', 'error', 'pending_reauth', 'disconnected')),
    error_code            TEXT,
    error_message         TEXT,
    paused                INTEGER NOT NULL DEFAULT 0,
    credentials           BLOB,             -- AES-256-GCM sealed provider secret; NULL once disconnected
    sync_cursor           TEXT,             -- the provider's opaque cursor, committed with the data
    last_synced_at        INTEGER,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    next_sync_at          INTEGER,          -- scheduler: not before this time
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    external_id           TEXT
);
-- external_id: the provider's id for the login (Plaid item_id, Teller enrollment id), which
-- its webhooks name; webhooks find their connection through connections_external.
CREATE INDEX connections_user ON connections (user_id);
CREATE INDEX connections_external ON connections (provider, external_id)
    WHERE external_id IS NOT NULL;
-- connections.list orders by (created_at, id).
CREATE INDEX connections_created ON connections (created_at, id);

CREATE TABLE accounts (
    id                   BLOB PRIMARY KEY NOT NULL,
    short_id             TEXT NOT NULL UNIQUE,
    connection_id        BLOB NOT NULL REFERENCES connections (id),
    user_id              BLOB NOT NULL REFERENCES users (id),
    external_id          TEXT NOT NULL,
    name                 TEXT NOT NULL,
    official_name        TEXT,
    type                 TEXT NOT NULL
                         CHECK (type IN ('depository', 'credit', 'loan', 'investment', 'other')),
    subtype              TEXT,
    mask                 TEXT,
    balance_current      INTEGER,           -- minor units of iso_currency_code
    balance_available    INTEGER,
    balance_limit        INTEGER,
    iso_currency_code    TEXT NOT NULL,
    last_balance_update  INTEGER,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    UNIQUE (connection_id, external_id)
);
CREATE INDEX accounts_user ON accounts (user_id);

-- `pk` is the rowid (compact, and the FTS index's key); `id` is the public UUID.
-- `visible` = not removed upstream and its connection not disconnected: every read
-- filters on it, and the partial indexes below only hold visible rows.
CREATE TABLE transactions (
    pk                      INTEGER PRIMARY KEY,
    id                      BLOB NOT NULL UNIQUE,
    short_id                TEXT NOT NULL UNIQUE,
    account_id              BLOB NOT NULL REFERENCES accounts (id),
    connection_id           BLOB NOT NULL REFERENCES connections (id),
    user_id                 BLOB NOT NULL,
    external_id             TEXT NOT NULL,
    amount                  INTEGER NOT NULL,   -- minor units; positive = money out (Plaid sign)
    iso_currency_code       TEXT NOT NULL,
    date                    TEXT NOT NULL,      -- YYYY-MM-DD
    authorized_date         TEXT,
    datetime                INTEGER,
    name                    TEXT NOT NULL,
    merchant_name           TEXT,
    category_primary        TEXT,
    category_detailed       TEXT,
    payment_channel         TEXT,
    pending                 INTEGER NOT NULL DEFAULT 0,
    pending_transaction_id  BLOB,               -- id of the pending row this posted row replaced
    visible                 INTEGER NOT NULL DEFAULT 1,
    removed_at              INTEGER,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    UNIQUE (connection_id, external_id)
);
-- The default list (date desc, id desc) and date-range summaries; covering for summaries.
CREATE INDEX transactions_date ON transactions (date, id, iso_currency_code, amount) WHERE visible = 1;
CREATE INDEX transactions_account_date ON transactions (account_id, date, id) WHERE visible = 1;
CREATE INDEX transactions_connection_date ON transactions (connection_id, date, id) WHERE visible = 1;
CREATE INDEX transactions_user_date ON transactions (user_id, date, id) WHERE visible = 1;
-- Rows a two-character search cannot find through trigrams of printable ASCII neighbours:
-- text with other characters, or a column shorter than 3 (see store/transactions/search.rs).
CREATE INDEX transactions_unindexed_text ON transactions (name, merchant_name)
    WHERE visible = 1 AND (name GLOB '*[^ -~]*' OR merchant_name GLOB '*[^ -~]*'
        OR length(name) < 3 OR length(merchant_name) < 3);

-- Substring search over name and merchant (trigram: any 3+ character fragment).
CREATE VIRTUAL TABLE transactions_fts USING fts5 (
    name, merchant_name,
    content = 'transactions', content_rowid = 'pk', tokenize = 'trigram'
);
CREATE TRIGGER transactions_fts_insert AFTER INSERT ON transactions BEGIN
    INSERT INTO transactions_fts (rowid, name, merchant_name)
    VALUES (new.pk, new.name, new.merchant_name);
END;
CREATE TRIGGER transactions_fts_delete AFTER DELETE ON transactions BEGIN
    INSERT INTO transactions_fts (transactions_fts, rowid, name, merchant_name)
    VALUES ('delete', old.pk, old.name, old.merchant_name);
END;
CREATE TRIGGER transactions_fts_update AFTER UPDATE OF name, merchant_name ON transactions BEGIN
    INSERT INTO transactions_fts (transactions_fts, rowid, name, merchant_name)
    VALUES ('delete', old.pk, old.name, old.merchant_name);
    INSERT INTO transactions_fts (rowid, name, merchant_name)
    VALUES (new.pk, new.name, new.merchant_name);
END;

CREATE TABLE sync_logs (
    id              BLOB PRIMARY KEY NOT NULL,
    short_id        TEXT NOT NULL UNIQUE,
    connection_id   BLOB NOT NULL REFERENCES connections (id),
    trigger         TEXT NOT NULL CHECK (trigger IN ('manual', 'scheduled', 'webhook', 'initial')),
    status          TEXT NOT NULL CHECK (status IN ('in_progress', 'success', 'error')),
    added_count     INTEGER NOT NULL DEFAULT 0,
    modified_count  INTEGER NOT NULL DEFAULT 0,
    removed_count   INTEGER NOT NULL DEFAULT 0,
    error_message   TEXT,
    started_at      INTEGER NOT NULL,
    completed_at    INTEGER,
    duration_ms     INTEGER
);
-- sync_logs.list: newest first, overall and per connection.
CREATE INDEX sync_logs_started ON sync_logs (started_at, id);
CREATE INDEX sync_logs_connection ON sync_logs (connection_id, started_at, id);
CREATE INDEX sync_logs_in_progress ON sync_logs (status) WHERE status = 'in_progress';

-- Hosted-link sessions (docs/api.md, Hosted-link sessions): a URL a script hands to a person to connect a bank.
-- Only a SHA-256 of the token is stored.
CREATE TABLE hosted_link_sessions (
    id             BLOB PRIMARY KEY NOT NULL,
    short_id       TEXT NOT NULL UNIQUE,
    token_hash     BLOB NOT NULL UNIQUE,
    user_id        BLOB NOT NULL REFERENCES users (id),
    provider       TEXT NOT NULL DEFAULT '',        -- '' = the page shows a picker
    action         TEXT NOT NULL CHECK (action IN ('link', 'relink')),
    connection_id  BLOB REFERENCES connections (id), -- relink only
    single_use     INTEGER NOT NULL,
    redirect_url   TEXT NOT NULL DEFAULT '',
    label          TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL
                   CHECK (status IN ('pending', 'active', 'completed', 'consumed', 'failed', 'expired')),
    error_code     TEXT,
    error_message  TEXT,
    expires_at     INTEGER NOT NULL,
    started_at     INTEGER,
    completed_at   INTEGER,
    created_at     INTEGER NOT NULL
);
-- The expiry sweep looks only at sessions that can still expire.
CREATE INDEX hosted_link_sessions_expiry ON hosted_link_sessions (expires_at)
    WHERE status IN ('pending', 'active', 'failed');

-- Every attempt is kept, so failures stay visible after a retry.
CREATE TABLE hosted_link_attempts (
    session_id     BLOB NOT NULL REFERENCES hosted_link_sessions (id),
    number         INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('active', 'succeeded', 'failed', 'abandoned')),
    provider       TEXT NOT NULL DEFAULT '',
    error_code     TEXT,
    error_message  TEXT,
    started_at     INTEGER NOT NULL,
    finished_at    INTEGER,
    PRIMARY KEY (session_id, number)
) WITHOUT ROWID;

-- Connections a session added (in order), and by which attempt.
CREATE TABLE hosted_link_results (
    session_id     BLOB NOT NULL REFERENCES hosted_link_sessions (id),
    connection_id  BLOB NOT NULL REFERENCES connections (id),
    attempt        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (session_id, connection_id)
) WITHOUT ROWID;
