// Package store keeps slod's state: evaluation history, the last snapshot
// per service, the deploy decision log, overrides, corrections, the event
// ledger, the notification outbox and the audit trail, in SQLite (a file,
// the single-node default) or PostgreSQL (shared by several replicas).
//
// One Store type serves both over database/sql. The query code is shared,
// written once with ? placeholders; a small dialect value holds what
// differs: the driver, the placeholder rebinding, each migration's DDL and
// the few SQL fragments that have no common spelling. Two copies of every
// method would drift apart; the differences are few enough to name.
//
// Callers pass every timestamp; the store never reads a clock, except for
// the lease, fencing and members of a cluster (lease.go), which read the
// database's clock: replicas' clocks disagree, the database's is one.
// Times are stored as unix milliseconds and read back in UTC.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"time"

	// Registers the "sqlite3" driver.
	_ "github.com/mattn/go-sqlite3"
)

// Sentinel errors; match them with errors.Is.
var (
	ErrNotFound       = errors.New("not found")
	ErrAlreadyRevoked = errors.New("override already revoked")
	// ErrSchemaTooNew: the database was migrated by a newer slod.
	ErrSchemaTooNew = errors.New("database schema is newer than this binary")
	// Open refuses, without writing to it, a file that is not an SQLite
	// database (ErrNotSQLite), someone else's database (ErrForeign), or a
	// damaged one (ErrCorrupt).
	ErrNotSQLite = errors.New("not an SQLite database")
	ErrForeign   = errors.New("not a slod database")
	ErrCorrupt   = errors.New("database is corrupt")
)

// Store is safe for concurrent use.
type Store struct {
	// w is the pool that writes. On SQLite it is one connection: SQLite
	// allows one writer at a time; funnelling every write through one
	// connection makes writers queue in database/sql instead of failing
	// with SQLITE_BUSY, and _txlock=immediate takes the write lock at
	// BEGIN so a read-then-write transaction cannot hit a lock upgrade
	// deadlock. On PostgreSQL it is the one pool for everything.
	w db
	// r serves reads. On SQLite it is several query-only connections: in
	// WAL mode readers see a consistent snapshot and never block the
	// writer, so a long history query does not delay recording a deploy
	// decision. On PostgreSQL it is w.
	r db
	// fence, when set, makes the leader's writes check the lease
	// (SetFence).
	fence *Fence
	// overrideEvents, when set, builds the notifications an override
	// write enqueues in its own transaction (SetOverrideEvents).
	overrideEvents OverrideEvents
	// correctionEvents, likewise, for a new correction
	// (SetCorrectionEvents).
	correctionEvents CorrectionEvents
}

// Open opens the database dsn names and migrates it to the schema this
// binary knows: a postgres:// or postgresql:// URL is a PostgreSQL
// database (see openPostgres), anything else the path of an SQLite file
// (created if needed). It refuses a newer schema (ErrSchemaTooNew) and,
// before writing anything, a database that is not slod's or is damaged
// (ErrNotSQLite, ErrForeign, ErrCorrupt).
func Open(dsn string) (*Store, error) {
	if IsPostgres(dsn) {
		// A database host that drops packets would otherwise hold slod's
		// start until the kernel gives up on the connection.
		ctx, cancel := context.WithTimeout(context.Background(), pgOpenTimeout)
		defer cancel()
		return openPostgres(ctx, dsn)
	}
	return openSQLite(dsn)
}

// IsPostgres says whether dsn names a PostgreSQL database rather than an
// SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Backend is "sqlite" or "postgres".
func (s *Store) Backend() string { return s.w.d.name }

func openSQLite(path string) (*Store, error) {
	// The driver cuts a plain path at '?' to read its parameters.
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("store: open %q: path must be non-empty and contain no '?'", path)
	}
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := checkExisting(context.Background(), path); err != nil {
		return nil, fmt.Errorf("store: open %s: %w (slod left the file as it was)", path, err)
	}
	// synchronous=FULL: with WAL, NORMAL may lose the last commits on power
	// loss, and a recorded deploy decision must survive that; FULL fsyncs
	// the WAL on every commit.
	common := "_busy_timeout=5000&_foreign_keys=on&_synchronous=FULL"
	w, err := sql.Open("sqlite3", path+"?_journal_mode=WAL&_txlock=immediate&"+common)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	if err := migrate(context.Background(), db{w, sqliteDialect}); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// Opened after the writer so WAL mode is already set on the file.
	r, err := sql.Open("sqlite3", path+"?_query_only=on&"+common)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s for reading: %w", path, err)
	}
	// Idle readers are kept so their page caches stay warm.
	readers := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	if err := r.Ping(); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("store: open %s for reading: %w", path, err)
	}
	return &Store{w: db{w, sqliteDialect}, r: db{r, sqliteDialect}}, nil
}

// createPrivate creates an empty database file readable and writable by
// its owner only, unless it exists already: decisions and overrides name
// people, and SQLite would create it 0644. SQLite gives the -wal and -shm
// files the mode of the database file. An existing file keeps the mode
// its operator chose.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	return nil
}

// Close closes the connection pools.
func (s *Store) Close() error {
	err := s.w.pool.Close()
	if s.r.pool != s.w.pool {
		err = errors.Join(s.r.pool.Close(), err)
	}
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Listing limits shared by Decisions and AuditLog.
const (
	DefaultListLimit = 50
	MaxListLimit     = 1000
)

// listLimit applies the default and the cap to a caller's limit.
func listLimit(limit int) int {
	if limit <= 0 {
		return DefaultListLimit
	}
	return min(limit, MaxListLimit)
}

// ms and fromMS convert between times and the stored unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }
