package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/ledger"
)

// fileState is what Open must not change in a file it refuses.
type fileState struct {
	data  []byte
	mtime time.Time
	files []string // the folder's entries
}

func stateOf(t *testing.T, path string) fileState {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		files = append(files, e.Name())
	}
	return fileState{data: data, mtime: fi.ModTime(), files: files}
}

// refuse opens path, expects Open to fail with want and to name the file,
// and returns the error.
func refuse(t *testing.T, path string, want error) error {
	t.Helper()
	s, err := Open(path)
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded")
	}
	if !errors.Is(err, want) {
		t.Fatalf("Open = %v, want %v", err, want)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
	return err
}

func checkUntouched(t *testing.T, path string, before fileState, sideFiles bool) {
	t.Helper()
	after := stateOf(t, path)
	if !bytes.Equal(after.data, before.data) {
		t.Errorf("the file changed: %d bytes, was %d", len(after.data), len(before.data))
	}
	if !after.mtime.Equal(before.mtime) {
		t.Errorf("the file's mtime changed from %v to %v", before.mtime, after.mtime)
	}
	if !sideFiles && !slices.Equal(after.files, before.files) {
		t.Errorf("the folder holds %v, was %v", after.files, before.files)
	}
}

// writeOld backdates path, so a write within the same clock tick would
// still show in its mtime.
func writeOld(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	old := t0.Add(-24 * time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesNonSQLite(t *testing.T) {
	random := make([]byte, 8192)
	rand.NewChaCha8([32]byte{1}).Read(random)
	for name, data := range map[string][]byte{
		"text":         []byte("listen: :8080\nslos: /etc/slod/slos\n"),
		"random":       random,
		"short":        []byte("SQLite"),
		"header only":  []byte(sqliteHeader[:15]),
		"config as db": bytes.Repeat([]byte("# comment\n"), 500),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "slod.db")
			writeOld(t, path, data)
			before := stateOf(t, path)
			err := refuse(t, path, ErrNotSQLite)
			if !strings.Contains(err.Error(), "not an SQLite database") {
				t.Errorf("error %q does not say what is wrong", err)
			}
			checkUntouched(t, path, before, false)
		})
	}
}

// The SQLite header followed by garbage is a damaged database.
func TestOpenRefusesGarbageAfterHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slod.db")
	data := bytes.Repeat([]byte{0xa5}, 8192)
	copy(data, sqliteHeader)
	writeOld(t, path, data)
	before := stateOf(t, path)
	refuse(t, path, ErrCorrupt)
	checkUntouched(t, path, before, false)
}

// foreignDB creates a database of another application, in SQLite's
// default rollback journal mode, with the statements given.
func foreignDB(t *testing.T, stmts ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	old := t0.Add(-24 * time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenRefusesForeignDatabase(t *testing.T) {
	path := foreignDB(t,
		`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)`,
		`CREATE TABLE accounts (id INTEGER PRIMARY KEY, user_id INTEGER)`,
		`CREATE INDEX accounts_user ON accounts (user_id)`,
		`INSERT INTO users (name) VALUES ('ana')`)
	before := stateOf(t, path)
	err := refuse(t, path, ErrForeign)
	if want := "not a slod database: it has tables accounts, users and no schema_migrations"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	// Still in rollback journal mode, with no -wal or -shm beside it.
	checkUntouched(t, path, before, false)
}

func TestOpenListsFiveForeignTables(t *testing.T) {
	var stmts []string
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		stmts = append(stmts, "CREATE TABLE "+name+" (x)")
	}
	err := refuse(t, foreignDB(t, stmts...), ErrForeign)
	if want := "tables a, b, c, d, e, 2 more and no schema_migrations"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

// Another application's id is refused even with no tables, or with a
// schema_migrations table of its own.
func TestOpenRefusesForeignApplicationID(t *testing.T) {
	for name, stmts := range map[string][]string{
		"empty": {`PRAGMA application_id = 0x0f055112`},
		"schema_migrations": {`PRAGMA application_id = -2`,
			`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY)`},
	} {
		t.Run(name, func(t *testing.T) {
			path := foreignDB(t, stmts...)
			before := stateOf(t, path)
			err := refuse(t, path, ErrForeign)
			if !strings.Contains(err.Error(), "application_id is 0x") {
				t.Errorf("error %q does not give the application_id", err)
			}
			checkUntouched(t, path, before, false)
		})
	}
}

// A slod database with a damaged page in the middle is refused, whether
// SQLite fails on the page (its header) or quick_check lists what is wrong
// with it (its cell pointers).
func TestOpenRefusesCorruptDatabase(t *testing.T) {
	for name, c := range map[string]struct {
		from, to int
		want     string
	}{
		"page header":   {0, 64, "database disk image is malformed"},
		"cell pointers": {8, 64, "*** in database main ***"},
	} {
		t.Run(name, func(t *testing.T) {
			path := corruptible(t)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			const page = 4096
			pages := len(data) / page
			if pages < 50 {
				t.Fatalf("the database has %d pages, want enough to damage one in the middle", pages)
			}
			mid := pages / 2 * page
			copy(data[mid+c.from:mid+c.to], bytes.Repeat([]byte{0xa5}, c.to-c.from))
			writeOld(t, path, data)
			before := stateOf(t, path)

			err = refuse(t, path, ErrCorrupt)
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
			// The main file is untouched; a WAL-mode file may gain -wal
			// and -shm.
			checkUntouched(t, path, before, true)
		})
	}
}

// corruptible returns a healthy, closed slod database of about 200 pages.
func corruptible(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	s, path := openTest(t)
	batch := map[string][]ledger.Bucket{}
	for f := range 20 {
		fp := strings.Repeat(string(rune('a'+f)), 16)
		for i := range 288 {
			batch[fp] = append(batch[fp], fine(t0.Add(time.Duration(i)*ledger.Fine), float64(i), float64(10*i)))
		}
	}
	if err := s.SaveBucketsBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := CheckIntegrity(ctx, path); err != nil {
		t.Fatalf("before damage: %v", err)
	}
	return path
}

// A file created empty in advance (say, with chosen permissions) becomes
// a new database and keeps its mode.
func TestOpenEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slod.db")
	if err := os.WriteFile(path, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SaveBuckets(context.Background(), fpA, []ledger.Bucket{fine(t0, 0, 1)}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o640 {
		t.Errorf("mode %v, want -rw-r-----", perm)
	}
}

// A database of an older slod (version 1, application_id 0) opens, and
// gets the ledger and slod's application_id.
func TestOpenMigratesOlderSlod(t *testing.T) {
	orig := migrations
	t.Cleanup(func() { migrations = orig })
	migrations = orig[:1]
	s, path := openTest(t)
	s.Close()
	migrations = orig

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var id int64
	if err := s.r.pool.QueryRow(`PRAGMA application_id`).Scan(&id); err != nil || id != appID {
		t.Errorf("application_id = %#x (%v), want %#x", id, err, appID)
	}
	if err := s.SaveBuckets(context.Background(), fpA, []ledger.Bucket{fine(t0, 0, 1)}); err != nil {
		t.Error(err)
	}
	var want []int
	for v := range len(migrations) {
		want = append(want, v+1)
	}
	if got := schemaVersions(t, s); !slices.Equal(got, want) {
		t.Errorf("schema_migrations = %v, want %v", got, want)
	}
}
