package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// t0 is a fixed base time at millisecond precision, as the store keeps.
var t0 = time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)

func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "slod.db")
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// columnOf reads the one column query selects from s, every row.
func columnOf[T any](t testing.TB, s *Store, query string) []T {
	t.Helper()
	rows, err := s.r.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// schemaVersions lists the versions in schema_migrations.
func schemaVersions(t testing.TB, s *Store) []int {
	return columnOf[int](t, s, `SELECT version FROM schema_migrations ORDER BY version`)
}

func TestOpenTwiceIsIdempotent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		dsn := b.newDSN(t)
		s := openAt(t, dsn)
		if _, err := s.RecordDecision(ctx, slo.DecisionRecord{At: t0, Service: "checkout", Decision: slo.Allow}); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s2 := openAt(t, dsn)
		if got, want := schemaVersions(t, s2), []int{1, 2, 3, 4, 5}; !slices.Equal(got, want) {
			t.Errorf("schema_migrations = %v, want %v once each", got, want)
		}
		ds, err := s2.Decisions(ctx, slo.DecisionQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 {
			t.Errorf("decisions after reopen = %d, want 1", len(ds))
		}
	})
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	s, path := openTest(t)
	if _, err := s.w.pool.Exec(`INSERT INTO schema_migrations (version) VALUES (?)`, len(migrations)+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(path)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open = %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
}

func TestFailedMigrationLeavesPreviousVersion(t *testing.T) {
	s, path := openTest(t)
	s.Close()
	orig := migrations
	t.Cleanup(func() { migrations = orig })
	migrations = append(orig[:len(orig):len(orig)],
		migration{sqlite: `CREATE TABLE half_done (a INTEGER); INSERT INTO no_such_table VALUES (1);`})

	if _, err := Open(path); err == nil {
		t.Fatal("Open with a broken migration succeeded")
	}
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var version int
	if err := db.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&version); err != nil || version != len(orig) {
		t.Errorf("schema version = %d (%v), want still %d", version, err, len(orig))
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("table of the failed migration exists: migration was not atomic")
	}
}

func TestOpenSettings(t *testing.T) {
	s, _ := openTest(t)
	for _, c := range []struct {
		db     *sql.DB
		pragma string
		want   string
	}{
		{s.w.pool, "journal_mode", "wal"},
		{s.w.pool, "synchronous", "2"}, // FULL
		{s.w.pool, "foreign_keys", "1"},
		{s.w.pool, "busy_timeout", "5000"},
		{s.r.pool, "journal_mode", "wal"},
		{s.r.pool, "query_only", "1"},
		{s.r.pool, "busy_timeout", "5000"},
	} {
		var got string
		if err := c.db.QueryRow("PRAGMA " + c.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", c.pragma, err)
		}
		if got != c.want {
			t.Errorf("PRAGMA %s = %q, want %q", c.pragma, got, c.want)
		}
	}
	if n := s.w.pool.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer pool allows %d connections, want 1", n)
	}
	if _, err := s.r.pool.Exec(`DELETE FROM decisions`); err == nil {
		t.Error("write through the read pool succeeded")
	}
}

func TestOpenRejectsBadPath(t *testing.T) {
	for _, p := range []string{"", filepath.Join(t.TempDir(), "a?b.db")} {
		if s, err := Open(p); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

// TestDurableAcrossReopen writes every record type, closes the store, and
// reads everything back from a new one.
func TestDurableAcrossReopen(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		dsn := b.newDSN(t)
		s := openAt(t, dsn)
		o, err := s.CreateOverride(ctx, slo.Override{Service: "checkout", Reason: "hotfix", Actor: "ana",
			CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		d := slo.DecisionRecord{At: t0, Service: "checkout", Priority: slo.PriorityNormal, Decision: slo.Allow,
			Allowed: true, OverrideID: &o.ID, RequestID: "req-1"}
		if d.ID, err = s.RecordDecision(ctx, d); err != nil {
			t.Fatal(err)
		}
		slos := []slo.Status{{Slug: "availability", BurnRates: map[string]float64{"1h": 2}}}
		if err := s.SaveServiceEvaluation(ctx, "checkout", t0, slos, []byte(`{"v":1}`)); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}

		s2 := openAt(t, dsn)
		ds, err := s2.Decisions(ctx, slo.DecisionQuery{})
		if err != nil || len(ds) != 1 || ds[0].RequestID != "req-1" || *ds[0].OverrideID != o.ID {
			t.Errorf("decisions after reopen = %+v, %v", ds, err)
		}
		os, err := s2.Overrides(ctx, "checkout", nil)
		if err != nil || len(os) != 1 || os[0] != o {
			t.Errorf("overrides after reopen = %+v, %v; want [%+v]", os, err, o)
		}
		hs, err := s2.History(ctx, "checkout", "availability", t0, t0, 0)
		if err != nil || len(hs) != 1 || hs[0].BurnRates["1h"] != 2 {
			t.Errorf("history after reopen = %+v, %v", hs, err)
		}
		snaps, err := s2.Snapshots(ctx)
		if err != nil || string(snaps["checkout"].Data) != `{"v":1}` {
			t.Errorf("snapshots after reopen = %+v, %v", snaps, err)
		}
	})
}

// The database and its WAL and shared-memory files are the owner's only:
// they name who deployed what and who overrode the gate.
func TestFilesArePrivate(t *testing.T) {
	s, path := openTest(t)
	if _, err := s.RecordDecision(context.Background(), slo.DecisionRecord{At: t0, Service: "checkout", Priority: slo.PriorityNormal, Decision: slo.Allow}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s: mode %v, want -rw-------", filepath.Base(p), perm)
		}
	}
}
