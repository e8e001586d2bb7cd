package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/slo-dev/slo/internal/store"
)

// backupUsage heads `slod backup -h`.
const backupUsage = `Usage: slod backup --db FILE --out FILE

Writes a consistent copy of slod's SQLite database to --out (which must not
exist), checks it with PRAGMA integrity_check and prints its path. slod may
keep running: the copy is one committed state, read without blocking it.
Restore by stopping slod and putting the copy at --db (removing the old
FILE-wal and FILE-shm). A PostgreSQL database (--db postgres://...) is
backed up with PostgreSQL's tools, pg_dump or your database's backups.

`

// runBackup is `slod backup`; it returns the exit code: 0 done, 1 failed,
// 2 bad usage.
func runBackup(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("slod backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, backupUsage)
		fs.PrintDefaults()
	}
	db := fs.String("db", envOr("SLOD_DB", "./slod.db"), "slod's SQLite database (SLOD_DB); a postgres:// URL is refused: use pg_dump")
	out := fs.String("out", "", "file to write the copy to; it must not exist")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "slod backup: unexpected arguments: %v\n", fs.Args())
		return 2
	case *out == "":
		fmt.Fprintln(stderr, "slod backup: --out is required")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := store.Backup(ctx, *db, *out); err != nil {
		fmt.Fprintln(stderr, "slod backup:", err)
		return 1
	}
	abs, err := filepath.Abs(*out)
	if err != nil {
		abs = *out
	}
	fmt.Fprintln(stdout, abs)
	return 0
}

// envOr is the environment's value of key, or def when unset or empty.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
