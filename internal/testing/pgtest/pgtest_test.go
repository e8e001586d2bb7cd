package pgtest

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// run runs stmt on the database at url.
func run(t *testing.T, url, stmt string) error {
	t.Helper()
	_, err := connect(t, url).ExecContext(context.Background(), stmt)
	return err
}

func count(t *testing.T, url, table string) int {
	t.Helper()
	var n int
	if err := connect(t, url).QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// connect opens a pool on url, closed at the test's end, that gives up
// on a connection after 5s.
func connect(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url+"&connect_timeout=5")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Data written before a stop, and before a kill, is there after the
// restart, on the same URL; databases are apart from each other.
func TestServerSurvivesStopAndKill(t *testing.T) {
	began := time.Now()
	s := Start(t)
	t.Logf("started in %v", time.Since(began).Round(time.Millisecond))
	a, b := s.NewDatabase(t), s.NewDatabase(t)
	if a == b {
		t.Fatalf("two databases share the URL %s", a)
	}
	for _, stmt := range []string{`CREATE TABLE x (v INTEGER)`, `INSERT INTO x VALUES (1), (2)`} {
		if err := run(t, a, stmt); err != nil {
			t.Fatal(err)
		}
	}
	if err := run(t, b, `SELECT * FROM x`); err == nil {
		t.Error("table of database a is visible in database b")
	}

	s.Stop()
	if err := run(t, a, `SELECT 1`); err == nil {
		t.Fatal("query after Stop succeeded")
	}
	began = time.Now()
	s.Restart(t)
	t.Logf("restarted in %v", time.Since(began).Round(time.Millisecond))
	if err := run(t, a, `INSERT INTO x VALUES (3)`); err != nil {
		t.Fatal(err)
	}

	s.Kill()
	if err := run(t, a, `SELECT 1`); err == nil {
		t.Fatal("query after Kill succeeded")
	}
	s.Restart(t)
	if n := count(t, a, "x"); n != 3 {
		t.Errorf("rows after kill and restart = %d, want 3 (1, 2 and 3)", n)
	}
}

func TestSharedIsOneServer(t *testing.T) {
	if Shared(t) != Shared(t) {
		t.Error("Shared returned two servers")
	}
}

func TestMain(m *testing.M) { Main(m) }
