// Package dblock makes one slod process the only writer of a SQLite
// database: an exclusive flock on "<db>.lock", taken at start and held
// until the process ends. The kernel drops the lock when the process dies
// however it dies (SIGKILL, OOM, power cut), so there is never a stale
// lock to clean up. The file holds the holder's process id, so a second
// slod can say which process it lost to.
//
// Only slod's writer takes the lock: readers (slod backup, sqlite3 on the
// file) go through SQLite's own locking, which lets them read beside it.
package dblock

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Lock is a held database lock.
type Lock struct{ f *os.File }

// HeldError says another process holds the lock.
type HeldError struct {
	Path string
	// PID is the holder's process id, 0 when the lock file does not say
	// (the holder took the lock a moment ago and has not written it yet).
	PID int
}

func (e *HeldError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = "another process (pid " + strconv.Itoa(e.PID) + ")"
	}
	return fmt.Sprintf("%s is locked by %s, most likely another slod on the same database; "+
		"a SQLite database has one slod: stop the other one or give this one its own --db "+
		"(several replicas need the PostgreSQL store)", e.Path, who)
}

// Path is the lock file of the database at db.
func Path(db string) string { return db + ".lock" }

// Acquire takes the lock of the database at db without waiting, and
// writes this process' id into it. A lock someone else holds is a
// *HeldError naming them.
func Acquire(db string) (*Lock, error) {
	path := Path(db)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := tryLock(f); err != nil {
		f.Close()
		if errors.Is(err, errHeld) {
			return nil, &HeldError{Path: path, PID: holder(path)}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := writePID(f); err != nil {
		f.Close() // closing drops the lock
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// Release drops the lock. The file stays: removing it would let a third
// process lock a new file while a second still waits on the old one.
func (l *Lock) Release() error { return l.f.Close() }

func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// holder reads the process id in the lock file, 0 if there is none.
func holder(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
