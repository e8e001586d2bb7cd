package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/mattn/go-sqlite3"
)

// sqliteHeader starts every SQLite database file.
const sqliteHeader = "SQLite format 3\x00"

// checkExisting refuses the file at path unless it is empty (a new
// database) or a healthy slod database: an SQLite file with slod's
// application_id or none, and, if it has tables, schema_migrations among
// them. It only reads, through a read-only connection: the writer's
// _journal_mode=WAL would rewrite a foreign file's header on open. (A file
// already in WAL mode may get the -wal and -shm files any reader leaves.)
// quick_check reads every page (about 0.6s for the 170 MB ledger of 1,000
// SLOs here): a slower start beats finding the damage mid-write.
func checkExisting(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	f.Close()
	switch {
	case n == 0 && errors.Is(err, io.EOF):
		return nil
	case errors.Is(err, io.ErrUnexpectedEOF) || err == nil && string(head) != sqliteHeader:
		return fmt.Errorf("%w: it does not start with the SQLite header", ErrNotSQLite)
	case err != nil:
		return fmt.Errorf("read header: %w", err)
	}

	db, err := openReadOnly(path)
	if err != nil {
		return err
	}
	defer db.Close()
	var id int64
	if err := db.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&id); err != nil {
		return damaged("read application_id", err)
	}
	if id != 0 && id != appID {
		return fmt.Errorf("%w: its application_id is %#x, slod's is %#x", ErrForeign, uint32(id), appID)
	}
	tables, err := tableNames(ctx, db)
	if err != nil {
		return damaged("list tables", err)
	}
	if len(tables) > 0 && !slices.Contains(tables, "schema_migrations") {
		return fmt.Errorf("%w: it has tables %s and no schema_migrations", ErrForeign, listSome(tables))
	}
	// Ten problems tell enough; the rest would bury the message.
	problems, err := checkPragma(ctx, db, "quick_check(10)")
	if err != nil {
		return damaged("quick_check", err)
	}
	if problems != nil {
		return fmt.Errorf("%w: quick_check: %s", ErrCorrupt, strings.Join(problems, "; "))
	}
	return nil
}

// damaged marks SQLite's verdicts on a damaged file with ErrCorrupt.
func damaged(what string, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrCorrupt || se.Code == sqlite3.ErrNotADB) {
		return fmt.Errorf("%w: %s: %w", ErrCorrupt, what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// tableNames lists the database's own tables, by name.
func tableNames(ctx context.Context, db *sql.DB) ([]string, error) {
	return scanStrings(db.QueryContext(ctx, `SELECT name FROM sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`))
}

// scanStrings reads the rows of a one-column query of text.
func scanStrings(rows *sql.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// checkPragma runs integrity_check or quick_check and returns the problems
// it lists, or nil when SQLite answers "ok".
func checkPragma(ctx context.Context, db *sql.DB, pragma string) ([]string, error) {
	lines, err := scanStrings(db.QueryContext(ctx, "PRAGMA "+pragma))
	if err != nil {
		return nil, err
	}
	if len(lines) == 1 && lines[0] == "ok" {
		return nil, nil
	}
	return lines, nil
}
