package store

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Pool settings on PostgreSQL: every replica keeps up to this many
// connections, so a database with max_connections 100 serves about nine
// replicas next to its other clients.
const (
	pgMaxConns        = 10
	pgConnMaxIdleTime = 5 * time.Minute
	// pgOpenTimeout bounds connecting and migrating at start.
	pgOpenTimeout = time.Minute
	// pgIdleInTxTimeout ends the session of a client that stalls inside
	// a transaction (a leader paused by a long GC, SIGSTOP, a frozen VM)
	// so the server rolls it back: a fenced write holds the lease row
	// FOR KEY SHARE, and a stalled holder would otherwise keep every other
	// replica from taking the lease for as long as it stays stalled.
	// slod's transactions are short; a URL that sets the parameter wins.
	pgIdleInTxTimeout = 5 * time.Second
	idleInTxParam     = "idle_in_transaction_session_timeout"
	// pgConnectTimeout bounds each new connection when the URL sets no
	// connect_timeout. database/sql opens connections in the background
	// without a deadline of the caller's: a database that accepts and
	// then never answers (a partition, a stalled proxy) would otherwise
	// hold every slot of the pool in a connect that never ends, and the
	// replica would stay cut off after the network healed.
	pgConnectTimeout = 5 * time.Second
)

// openPostgres opens the PostgreSQL database of the URL dsn through pgx,
// which reads the libpq environment variables (PGPASSWORD, PGSSLMODE, ...)
// for what the URL leaves out. One pool serves reads and writes:
// PostgreSQL has no single-writer limit to work around.
func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	name := redact(dsn)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the URL, password and all.
		return nil, fmt.Errorf("store: open %s: the URL does not parse as a PostgreSQL connection string", name)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = pgConnectTimeout
	}
	if _, set := cfg.RuntimeParams[idleInTxParam]; !set {
		cfg.RuntimeParams[idleInTxParam] = strconv.FormatInt(pgIdleInTxTimeout.Milliseconds(), 10)
	}
	if _, set := cfg.RuntimeParams["application_name"]; !set {
		cfg.RuntimeParams["application_name"] = "slod"
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(pgMaxConns)
	pool.SetMaxIdleConns(pgMaxConns)
	pool.SetConnMaxIdleTime(pgConnMaxIdleTime)
	x := db{pool, postgresDialect}
	if err := checkForeign(ctx, x); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: open %s: %w (slod left the database as it was)", name, err)
	}
	if err := migrate(ctx, x); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: open %s: %w", name, err)
	}
	return &Store{w: x, r: x}, nil
}

// checkForeign refuses, only reading, a database whose schema holds tables
// but no schema_migrations: someone else's.
func checkForeign(ctx context.Context, x db) error {
	var database string
	if err := x.QueryRowContext(ctx, `SELECT current_database()`).Scan(&database); err != nil {
		return err
	}
	tables, err := pgTables(ctx, x)
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	if len(tables) == 0 || slices.Contains(tables, "schema_migrations") {
		return nil
	}
	return fmt.Errorf("%w: database %s has tables %s and no schema_migrations", ErrForeign, database, listSome(tables))
}

// pgTables lists the tables of the current schema (the first of the
// search_path, usually public), by name.
func pgTables(ctx context.Context, x db) ([]string, error) {
	return scanStrings(x.QueryContext(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`))
}

// redact is dsn with its password (in the user info or a password
// parameter) replaced, for messages: errors and logs must not carry it. A
// URL that does not parse is not shown at all.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "the PostgreSQL URL (unparsable, not shown)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// listSome joins names, the first five and a count of the rest.
func listSome(names []string) string {
	if len(names) > 5 {
		names = append(names[:5:5], fmt.Sprintf("%d more", len(names)-5))
	}
	return strings.Join(names, ", ")
}
