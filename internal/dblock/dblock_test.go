package dblock

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAcquireIsExclusiveUntilReleased(t *testing.T) {
	db := filepath.Join(t.TempDir(), "slod.db")
	first, err := Acquire(db)
	if err != nil {
		t.Fatal(err)
	}
	// flock belongs to the open file, so a second open in this same
	// process is refused like another process would be.
	_, err = Acquire(db)
	var held *HeldError
	if !errors.As(err, &held) {
		t.Fatalf("second Acquire: %v, want a *HeldError", err)
	}
	if held.PID != os.Getpid() {
		t.Errorf("holder pid = %d, want this process' %d", held.PID, os.Getpid())
	}
	for _, want := range []string{db + ".lock", "pid ", "PostgreSQL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %v", want, err)
		}
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	again, err := Acquire(db)
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	again.Release()
}

func TestHeldErrorWithoutPID(t *testing.T) {
	err := &HeldError{Path: "x.lock"}
	if strings.Contains(err.Error(), "pid") {
		t.Errorf("names a pid it does not know: %v", err)
	}
}
