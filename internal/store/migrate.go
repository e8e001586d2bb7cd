package store

import (
	"context"
	"database/sql"
	"fmt"
)

// appID is slod's PRAGMA application_id, "slod" in ASCII, set by
// migration 2. Databases of older slods have 0.
const appID = 0x736c6f64

// migrations[i] takes the schema from version i to i+1. Append only: a
// released migration never changes, since databases already ran it.
var migrations = []string{
	// 1: initial schema. Times are unix milliseconds.
	`
CREATE TABLE evaluations (
	id                INTEGER PRIMARY KEY,
	service           TEXT    NOT NULL,
	slo               TEXT    NOT NULL,
	evaluated_at      INTEGER NOT NULL,
	errors            REAL    NOT NULL,
	total             REAL    NOT NULL,
	sli               REAL    NOT NULL,
	consumed          REAL    NOT NULL,
	remaining         REAL    NOT NULL,
	remaining_events  REAL    NOT NULL,
	remaining_minutes REAL    NOT NULL,
	status            TEXT    NOT NULL,
	burn_rates        TEXT    NOT NULL, -- JSON object: window label -> burn rate
	firing            TEXT    NOT NULL, -- JSON array of firing conditions
	error             TEXT    NOT NULL
);
CREATE INDEX evaluations_series ON evaluations (service, slo, evaluated_at);
CREATE INDEX evaluations_time ON evaluations (evaluated_at);

CREATE TABLE snapshots (
	service      TEXT    PRIMARY KEY,
	evaluated_at INTEGER NOT NULL,
	data         TEXT    NOT NULL
);

CREATE TABLE overrides (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	service    TEXT    NOT NULL CHECK (service <> ''),
	reason     TEXT    NOT NULL,
	actor      TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL CHECK (expires_at > created_at),
	revoked_at INTEGER,
	revoked_by TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX overrides_service ON overrides (service, expires_at);

-- AUTOINCREMENT: ids are a paging cursor and an audit reference, so they
-- are never reused, even after the newest row is deleted.
CREATE TABLE decisions (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	at          INTEGER NOT NULL,
	service     TEXT    NOT NULL,
	priority    TEXT    NOT NULL,
	version     TEXT    NOT NULL,
	actor       TEXT    NOT NULL,
	pipeline    TEXT    NOT NULL,
	decision    TEXT    NOT NULL,
	allowed     INTEGER NOT NULL,
	reasons     TEXT    NOT NULL, -- JSON array of slo.Reason
	actions     TEXT    NOT NULL, -- JSON array of strings
	override_id INTEGER REFERENCES overrides (id),
	stale       INTEGER NOT NULL,
	request_id  TEXT    NOT NULL
);
CREATE INDEX decisions_service ON decisions (service, id);

CREATE TABLE audit_log (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	at      INTEGER NOT NULL,
	actor   TEXT    NOT NULL,
	action  TEXT    NOT NULL,
	service TEXT    NOT NULL,
	detail  TEXT    NOT NULL -- JSON
);
`,
	// 2: the event ledger, and slod's application_id in the file header.
	// Times are unix seconds: buckets are aligned to whole minutes.
	`
CREATE TABLE ledger_buckets (
	fingerprint TEXT    NOT NULL CHECK (fingerprint <> ''),
	step_s      INTEGER NOT NULL,
	start_s     INTEGER NOT NULL,
	bad         REAL    NOT NULL,
	total       REAL    NOT NULL,
	state       INTEGER NOT NULL,
	series      INTEGER NOT NULL,
	PRIMARY KEY (fingerprint, step_s, start_s)
) WITHOUT ROWID;
PRAGMA application_id = 1936486244; -- "slod", see appID
`,
	// 3: deploy events and corrections. Times are unix milliseconds.
	`
CREATE TABLE deployments (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	service     TEXT    NOT NULL CHECK (service <> ''),
	version     TEXT    NOT NULL,
	priority    TEXT    NOT NULL,
	actor       TEXT    NOT NULL,
	pipeline    TEXT    NOT NULL,
	link        TEXT    NOT NULL,
	at          INTEGER NOT NULL,
	recorded_at INTEGER NOT NULL,
	request_id  TEXT    NOT NULL
);
CREATE INDEX deployments_service ON deployments (service, at);

CREATE TABLE corrections (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	service    TEXT    NOT NULL CHECK (service <> ''),
	slos       TEXT    NOT NULL, -- JSON array of slugs; empty: every SLO
	from_at    INTEGER NOT NULL,
	to_at      INTEGER NOT NULL CHECK (to_at > from_at),
	reason     TEXT    NOT NULL,
	actor      TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	revoked_at INTEGER,
	revoked_by TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX corrections_service ON corrections (service, to_at);
`,
}

// migrate applies the pending migrations, each in its own transaction
// together with its schema_migrations row, so a failed one leaves the
// database at the previous version.
func migrate(ctx context.Context, db *sql.DB) error {
	// applied_at uses SQLite's clock: it is informational only.
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
	)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	for {
		done, err := migrateStep(ctx, db)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}

// migrateStep applies the next migration, reading the version inside the
// (immediate) transaction so two processes opening the same file cannot
// both apply it.
func migrateStep(ctx context.Context, db *sql.DB) (done bool, err error) {
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		var version int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
			return fmt.Errorf("read version: %w", err)
		}
		switch {
		case version > len(migrations):
			return fmt.Errorf("%w: database is at version %d, this binary knows up to %d", ErrSchemaTooNew, version, len(migrations))
		case version == len(migrations):
			done = true
			return nil
		}
		if _, err := tx.ExecContext(ctx, migrations[version]); err != nil {
			return fmt.Errorf("apply version %d: %w", version+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, version+1); err != nil {
			return fmt.Errorf("record version %d: %w", version+1, err)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("migrate: %w", err)
	}
	return done, nil
}
