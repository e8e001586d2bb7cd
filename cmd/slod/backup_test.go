package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "slod.db")
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	id, err := st.RecordDecision(context.Background(), slo.DecisionRecord{At: time.Now(), Service: "checkout", Decision: "allow", Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "copy.db")
	t.Setenv("SLOD_DB", db)

	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string
		stderrHave string
	}{
		{name: "no --out", code: 2, stderrHave: "--out is required"},
		{name: "stray argument", args: []string{"--out", out, "extra"}, code: 2, stderrHave: "unexpected arguments"},
		{name: "help", args: []string{"-h"}, code: 0, stderrHave: "Usage: slod backup"},
		{name: "copy of SLOD_DB", args: []string{"--out", out}, code: 0, stdout: out + "\n"},
		{name: "never overwrites", args: []string{"--db", db, "--out", out}, code: 1, stderrHave: "file already exists"},
		{name: "PostgreSQL", args: []string{"--db", "postgres://slod:pw@db/slod", "--out", out + "2"}, code: 1, stderrHave: "back it up with pg_dump"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runBackup(tc.args, &stdout, &stderr)
			if code != tc.code || stdout.String() != tc.stdout || !strings.Contains(stderr.String(), tc.stderrHave) {
				t.Errorf("slod backup %v: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr with %q",
					tc.args, code, stdout.String(), stderr.String(), tc.code, tc.stdout, tc.stderrHave)
			}
		})
	}

	cp, err := store.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	ds, err := cp.Decisions(context.Background(), slo.DecisionQuery{})
	if err != nil || len(ds) != 1 || ds[0].ID != id || ds[0].Version != "v1" {
		t.Errorf("the copy's decisions: %+v, %v; want decision %d", ds, err, id)
	}
}
