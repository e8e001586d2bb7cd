package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/slo-dev/slo/internal/testing/pgtest"
)

// The PostgreSQL tests share one server; each takes a database of its own.
func TestMain(m *testing.M) { pgtest.Main(m) }

// backend makes fresh, empty databases of one kind.
type backend struct {
	name   string
	newDSN func(t testing.TB) string
}

var backends = []backend{
	{"sqlite", func(t testing.TB) string { return filepath.Join(t.TempDir(), "slod.db") }},
	{"postgres", func(t testing.TB) string { return pgtest.Shared(t).NewDatabase(t) }},
}

// forEachBackend runs fn as a subtest (or sub-benchmark) per backend.
func forEachBackend[T interface{ Run(string, func(T)) bool }](t T, fn func(t T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t T) { fn(t, b) })
	}
}

// open opens a store on a fresh database of b's kind.
func (b backend) open(t testing.TB) *Store { return openAt(t, b.newDSN(t)) }

// openAt opens a store on dsn, closed when the test ends.
func openAt(t testing.TB, dsn string) *Store {
	t.Helper()
	s, err := Open(dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// count is the number of rows of table (one of ours).
func count(t testing.TB, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.r.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}
