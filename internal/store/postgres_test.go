package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/testing/pgtest"
)

func TestNumberPlaceholders(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`:                              `SELECT 1`,
		`a = ? AND b IN (?, ?)`:                 `a = $1 AND b IN ($2, $3)`,
		`x = '?' AND y = ? AND z = "a?b" AND ?`: `x = '?' AND y = $1 AND z = "a?b" AND $2`,
		`'it''s ?' || ?`:                        `'it''s ?' || $1`,
	} {
		if got := numberPlaceholders(in); got != want {
			t.Errorf("numberPlaceholders(%q) = %q, want %q", in, got, want)
		}
	}
}

// column is one column of a table as both schemas must agree on it.
type column struct {
	kind    string // "integer", "real" or "text"
	notNull bool
}

// sqliteSchema maps table -> column -> column of the SQLite database.
func sqliteSchema(t *testing.T, s *Store) map[string]map[string]column {
	t.Helper()
	ctx := context.Background()
	tables, err := tableNames(ctx, s.r.pool)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]column{}
	for _, table := range tables {
		rows, err := s.r.pool.QueryContext(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, table)
		if err != nil {
			t.Fatal(err)
		}
		cols := map[string]column{}
		for rows.Next() {
			var (
				name, typ   string
				notNull, pk int
			)
			if err := rows.Scan(&name, &typ, &notNull, &pk); err != nil {
				t.Fatal(err)
			}
			cols[name] = column{kind: strings.ToLower(typ), notNull: notNull == 1 || pk > 0}
		}
		rows.Close()
		out[table] = cols
	}
	return out
}

// postgresSchema maps table -> column -> column of the PostgreSQL database,
// its types named as SQLite's: BIGINT and INTEGER are integer, DOUBLE
// PRECISION real. Any other type, or INTEGER (32 bits) for a column not
// in small, fails the test.
func postgresSchema(t *testing.T, s *Store) map[string]map[string]column {
	t.Helper()
	small := []string{"allowed", "stale", "routed", "state", "attempts", "version"}
	rows, err := s.r.QueryContext(context.Background(), `SELECT table_name, column_name, data_type, is_nullable
		FROM information_schema.columns WHERE table_schema = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]map[string]column{}
	for rows.Next() {
		var table, name, typ, nullable string
		if err := rows.Scan(&table, &name, &typ, &nullable); err != nil {
			t.Fatal(err)
		}
		kind := map[string]string{"bigint": "integer", "integer": "integer", "double precision": "real", "text": "text"}[typ]
		if kind == "" || typ == "integer" && !slices.Contains(small, name) {
			t.Errorf("%s.%s is %s on PostgreSQL; times and counts are BIGINT, reals DOUBLE PRECISION", table, name, typ)
		}
		if out[table] == nil {
			out[table] = map[string]column{}
		}
		out[table][name] = column{kind: kind, notNull: nullable == "NO"}
	}
	return out
}

// The two dialects' migrations build the same tables with the same
// columns, of the same kinds and nullability.
func TestSchemasAgree(t *testing.T) {
	lite := sqliteSchema(t, backends[0].open(t))
	pg := postgresSchema(t, backends[1].open(t))
	if got, want := slices.Sorted(maps.Keys(pg)), slices.Sorted(maps.Keys(lite)); !slices.Equal(got, want) {
		t.Fatalf("PostgreSQL tables %v, SQLite tables %v", got, want)
	}
	if len(lite) != 15 {
		// 5 of migration 1, 1 of 2, 2 of 3, 4 of 4, 2 of 5, and
		// schema_migrations.
		t.Errorf("%d tables: %v", len(lite), slices.Sorted(maps.Keys(lite)))
	}
	for table, cols := range lite {
		if got, want := slices.Sorted(maps.Keys(pg[table])), slices.Sorted(maps.Keys(cols)); !slices.Equal(got, want) {
			t.Errorf("%s: PostgreSQL columns %v, SQLite columns %v", table, got, want)
			continue
		}
		for name, c := range cols {
			if pg[table][name] != c {
				t.Errorf("%s.%s: PostgreSQL %+v, SQLite %+v", table, name, pg[table][name], c)
			}
		}
	}
}

// Replicas starting together on a fresh database apply each migration
// once.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		dsn := b.newDSN(t)
		const n = 4
		stores := make([]*Store, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				s, err := Open(dsn)
				if err != nil {
					t.Errorf("Open %d: %v", i, err)
					return
				}
				stores[i] = s
			})
		}
		wg.Wait()
		for _, s := range stores {
			if s != nil {
				defer s.Close()
			}
		}
		if t.Failed() {
			return
		}
		got := schemaVersions(t, stores[0])
		if want := []int{1, 2, 3, 4, 5}; !slices.Equal(got, want) {
			t.Errorf("schema_migrations = %v, want %v", got, want)
		}
	})
}

// Replicas revoking one override at once: exactly one revokes it, the
// rest get ErrAlreadyRevoked, and the audit log holds one revocation.
func TestRevokeRace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		ss := openShared(t, b, 2)
		o, err := ss[0].CreateOverride(ctx, slo.Override{Service: "checkout", Reason: "hotfix", Actor: "ana",
			CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, errs[i] = ss[i%2].RevokeOverride(ctx, o.ID, fmt.Sprint("user", i), t0.Add(time.Minute))
			})
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, ErrAlreadyRevoked):
				t.Errorf("revocation %d: %v, want nil or ErrAlreadyRevoked", i, err)
			}
		}
		if ok != 1 {
			t.Errorf("%d revocations succeeded, want 1", ok)
		}
		entries, err := ss[1].AuditLog(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		revokes := 0
		for _, e := range entries {
			if e.Action == AuditOverrideRevoke {
				revokes++
			}
		}
		if revokes != 1 {
			t.Errorf("%d revocations audited, want 1", revokes)
		}
	})
}

// Two retries of the same dead letters at once requeue each once.
func TestRetryDeadLettersRace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		ss := openShared(t, b, 2)
		for _, w := range fencedWrites[:2] { // the event e1, routed to hook
			if err := w.write(ctx, ss[0]); err != nil {
				t.Fatal(err)
			}
		}
		if err := ss[0].DeadLetter(ctx, "e1", "hook", 3, "refused", t0); err != nil {
			t.Fatal(err)
		}
		got := make([]int, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() { got[i], errs[i] = ss[i].RetryDeadLetters(ctx, "", t0.Add(time.Minute)) })
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil || got[0]+got[1] != 1 {
			t.Errorf("RetryDeadLetters = %v, %v; want 1 requeued in all", got, errs)
		}
		if n := count(t, ss[0], "notify_dead_letters"); n != 0 {
			t.Errorf("%d dead letters left, want 0", n)
		}
		due, err := ss[0].DueDeliveries(ctx, "hook", t0.Add(time.Minute), 10)
		if err != nil || len(due) != 1 || due[0].Attempts != 0 || due[0].LastError != "refused" {
			t.Errorf("due after retry = %+v, %v; want e1 with 0 attempts and its last error", due, err)
		}
	})
}

// Open refuses someone else's PostgreSQL database without writing to it,
// naming the database, and never shows the password.
func TestOpenRefusesForeignPostgres(t *testing.T) {
	dsn := pgtest.Shared(t).NewDatabase(t)
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TABLE customers (id INTEGER)`); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dsn)
	u.User = url.UserPassword("postgres", "s3cret") // trust ignores it
	_, err = Open(u.String())
	if !errors.Is(err, ErrForeign) {
		t.Fatalf("Open = %v, want ErrForeign", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if !strings.Contains(err.Error(), "database "+name+" has tables customers") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %q does not name database %s and its table, or shows the password", err, name)
	}
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d tables after the refused Open (%v), want 1: Open wrote", n, err)
	}
}

func TestOpenRefusesNewerPostgresSchema(t *testing.T) {
	dsn := pgtest.Shared(t).NewDatabase(t)
	s := openAt(t, dsn)
	if _, err := s.w.ExecContext(context.Background(), `INSERT INTO schema_migrations (version) VALUES (?)`, len(migrations)+1); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dsn); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open = %v, want ErrSchemaTooNew", err)
	}
}

// A password never shows in Open's errors, in the user info or as a
// parameter.
func TestOpenRedactsPassword(t *testing.T) {
	for _, dsn := range []string{
		"postgres://slod:s3cret@127.0.0.1:1/slod?connect_timeout=2",
		"postgresql://slod@127.0.0.1:1/slod?password=s3cret&connect_timeout=2",
	} {
		_, err := Open(dsn)
		if err == nil {
			t.Fatalf("Open(%s) on a closed port succeeded", redact(dsn))
		}
		if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Errorf("error %q shows the password or hides the host", err)
		}
	}
}

func TestBackendAndBackup(t *testing.T) {
	ctx := context.Background()
	for i, want := range []string{"sqlite", "postgres"} {
		if got := backends[i].open(t).Backend(); got != want {
			t.Errorf("Backend() = %q, want %q", got, want)
		}
	}
	err := Backup(ctx, "postgres://slod:s3cret@db:5432/slod", filepath.Join(t.TempDir(), "copy.db"))
	if err == nil || !strings.Contains(err.Error(), "pg_dump") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Backup of a PostgreSQL URL = %v, want an error pointing at pg_dump, without the password", err)
	}
}

// A PostgreSQL database of an older slod (schema version 1) migrates to
// the current schema on Open, its rows kept.
func TestPostgresMigratesOlderSlod(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Shared(t).NewDatabase(t)
	orig := migrations
	t.Cleanup(func() { migrations = orig })
	migrations = orig[:1]
	old := openAt(t, dsn)
	if _, err := old.RecordDecision(ctx, slo.DecisionRecord{At: t0, Service: "checkout", Decision: slo.Allow, Allowed: true}); err != nil {
		t.Fatal(err)
	}
	old.Close()
	migrations = orig

	s := openAt(t, dsn)
	if got, want := schemaVersions(t, s), []int{1, 2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("schema_migrations = %v, want %v", got, want)
	}
	ds, err := s.Decisions(ctx, slo.DecisionQuery{})
	if err != nil || len(ds) != 1 || !ds[0].Allowed {
		t.Errorf("decisions after migrating = %+v, %v; want the allowed one", ds, err)
	}
	if err := s.SaveServiceEvaluation(ctx, "checkout", t0, evalSLOs, []byte(`{}`)); err != nil {
		t.Errorf("write to migration 5's epoch column: %v", err)
	}
}
