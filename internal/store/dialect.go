package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// dialect holds what differs between SQLite and PostgreSQL. The query code
// is shared and written in SQLite's syntax with ? placeholders; db and tx
// rebind each query text once (cached) for the dialect.
type dialect struct {
	name string // "sqlite" or "postgres", as Backend reports it
	// numbered: placeholders are $1..$n (PostgreSQL), not ?.
	numbered bool
	// clockMS is an expression of the database clock in unix ms.
	clockMS string
	// idsFromJSON selects the ids of a JSON array passed as one parameter.
	idsFromJSON string
	// forUpdate and forKeyShare lock the rows a SELECT reads until commit;
	// empty on SQLite, whose write transactions are serialised anyway.
	forUpdate, forKeyShare string
	// lockMigrations, when set, runs first in each migration
	// transaction: replicas starting together must not both apply one.
	lockMigrations string
	// bound caches rebound query texts: query string -> string.
	bound sync.Map
}

var sqliteDialect = &dialect{
	name: "sqlite",
	// julianday('now') is fixed for the duration of a statement.
	clockMS:     `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`,
	idsFromJSON: `SELECT value FROM json_each(?)`,
}

// migrationLockKey is the PostgreSQL advisory lock migrations take: "slod"
// in ASCII, as appID.
const migrationLockKey = appID

var postgresDialect = &dialect{
	name:     "postgres",
	numbered: true,
	// clock_timestamp, not now(): now() is the transaction's start.
	clockMS:        `(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT`,
	idsFromJSON:    `SELECT value::bigint FROM json_array_elements_text(?::json)`,
	forUpdate:      ` FOR UPDATE`,
	forKeyShare:    ` FOR KEY SHARE`,
	lockMigrations: `SELECT pg_advisory_xact_lock(` + strconv.Itoa(migrationLockKey) + `)`,
}

// bind rewrites query's ? placeholders for the dialect.
func (d *dialect) bind(query string) string {
	if !d.numbered {
		return query
	}
	if q, ok := d.bound.Load(query); ok {
		return q.(string)
	}
	q := numberPlaceholders(query)
	d.bound.Store(query, q)
	return q
}

// numberPlaceholders turns each ? outside quotes into $1, $2, ... in
// order.
func numberPlaceholders(query string) string {
	var (
		b     strings.Builder
		n     int
		quote byte // the open quote, or 0
	)
	b.Grow(len(query) + 16)
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// querier is a db or a txn.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	dialect() *dialect
}

// db is a connection pool that runs queries in its dialect.
type db struct {
	pool *sql.DB
	d    *dialect
}

func (x db) dialect() *dialect { return x.d }

func (x db) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return x.pool.ExecContext(ctx, x.d.bind(query), args...)
}

func (x db) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return x.pool.QueryContext(ctx, x.d.bind(query), args...)
}

func (x db) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return x.pool.QueryRowContext(ctx, x.d.bind(query), args...)
}

func (x db) begin(ctx context.Context, opts *sql.TxOptions) (*txn, error) {
	t, err := x.pool.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &txn{t: t, d: x.d}, nil
}

// txn is a transaction that runs queries in its dialect.
type txn struct {
	t *sql.Tx
	d *dialect
}

func (x *txn) Commit() error { return x.t.Commit() }

func (x *txn) Rollback() error { return x.t.Rollback() }

func (x *txn) dialect() *dialect { return x.d }

func (x *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return x.t.ExecContext(ctx, x.d.bind(query), args...)
}

func (x *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return x.t.QueryContext(ctx, x.d.bind(query), args...)
}

func (x *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return x.t.QueryRowContext(ctx, x.d.bind(query), args...)
}

func (x *txn) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return x.t.PrepareContext(ctx, x.d.bind(query))
}

// inTx runs fn in a transaction on x and commits it; on error it rolls
// back.
func inTx(ctx context.Context, x db, fn func(*txn) error) error {
	t, err := x.begin(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(t); err != nil {
		return errors.Join(err, rollback(t))
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func rollback(t *txn) error {
	if err := t.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}
