package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Backup writes a consistent copy of the database at dbPath to out, which
// must not exist yet, and checks the copy's integrity. It reads through a
// read-only connection of its own, so it works while slod runs on dbPath:
// in WAL mode a reader sees one committed state and neither blocks slod's
// writer nor waits for it. The copy is written under a temporary name in
// out's folder and renamed once complete, checked and fsynced, so out is
// either absent or whole.
//
// A PostgreSQL database is backed up with PostgreSQL's tools: Backup
// refuses a postgres:// URL with an error saying so.
func Backup(ctx context.Context, dbPath, out string) error {
	if IsPostgres(dbPath) {
		return fmt.Errorf("store: backup %s: %w", redact(dbPath), errPostgresBackup)
	}
	if err := backup(ctx, dbPath, out); err != nil {
		return fmt.Errorf("store: backup %s to %s: %w", dbPath, out, err)
	}
	return nil
}

// errPostgresBackup is what Backup says of a PostgreSQL database.
var errPostgresBackup = errors.New("this is a PostgreSQL database; slod backup copies SQLite files only: " +
	"back it up with pg_dump (e.g. pg_dump --format=custom --file=slod.dump URL) or your PostgreSQL backups")

func backup(ctx context.Context, dbPath, out string) error {
	// A read-only open of a missing file fails with a vaguer message.
	if _, err := os.Stat(dbPath); err != nil {
		return err
	}
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("%s: %w; a backup never overwrites", out, fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	// VACUUM INTO accepts an existing empty file, so a unique empty one
	// reserves the temporary name.
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*.tmp")
	if err != nil {
		return err
	}
	tmpPath := tmp.Name()
	tmp.Close()
	done := false
	defer func() {
		if !done {
			os.Remove(tmpPath)
		}
	}()
	if err := vacuumInto(ctx, dbPath, tmpPath); err != nil {
		return err
	}
	if err := CheckIntegrity(ctx, tmpPath); err != nil {
		return fmt.Errorf("the copy: %w", err)
	}
	if err := syncPath(tmpPath); err != nil {
		return err
	}
	if err := os.Rename(tmpPath, out); err != nil {
		return err
	}
	done = true
	// The rename is durable once the folder is.
	return syncPath(filepath.Dir(out))
}

// vacuumInto copies the database at dbPath into the empty file to.
func vacuumInto(ctx context.Context, dbPath, to string) error {
	db, err := openReadOnly(dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, to); err != nil {
		return fmt.Errorf("vacuum into %s: %w", to, err)
	}
	return nil
}

// CheckIntegrity runs PRAGMA integrity_check on the database at path
// through a read-only connection (safe while slod writes to it) and
// returns an error listing the problems unless SQLite answers "ok".
func CheckIntegrity(ctx context.Context, path string) error {
	db, err := openReadOnly(path)
	if err != nil {
		return fmt.Errorf("integrity check of %s: %w", path, err)
	}
	defer db.Close()
	problems, err := checkPragma(ctx, db, "integrity_check")
	if err != nil {
		return fmt.Errorf("integrity check of %s: %w", path, err)
	}
	if problems != nil {
		return fmt.Errorf("integrity check of %s failed: %s", path, strings.Join(problems, "; "))
	}
	return nil
}

// openReadOnly opens path with SQLite's read-only mode. The path goes into
// a file: URI, so characters special there are escaped.
func openReadOnly(path string) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: "file", Path: abs, RawQuery: "mode=ro&_busy_timeout=5000"}
	db, err := sql.Open("sqlite3", u.String())
	if err != nil {
		return nil, err
	}
	// One connection: the work is one statement, and each connection
	// would map the WAL index again.
	db.SetMaxOpenConns(1)
	return db, nil
}

// syncPath fsyncs a file or folder.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	return nil
}
