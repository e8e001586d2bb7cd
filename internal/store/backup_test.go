package store

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// TestBackupWhileWriting copies a store that is taking decisions: the copy
// is a committed state (every decision logged before the backup began, and
// exactly the live log up to its newest), passes integrity_check, and
// opens as a store.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	o, err := s.CreateOverride(ctx, slo.Override{Service: "checkout", Reason: "hotfix", Actor: "ana",
		CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	const before = 50
	recordDecisions(t, s, before)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; i < 5000; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.RecordDecision(ctx, slo.DecisionRecord{At: t0, Service: "checkout", Decision: slo.Allow, Priority: slo.PriorityNormal}); err != nil {
				t.Error(err)
				return
			}
		}
	})
	out := filepath.Join(t.TempDir(), "backup.db")
	err = Backup(ctx, path, out)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}

	b, err := Open(out)
	if err != nil {
		t.Fatalf("open the copy: %v", err)
	}
	defer b.Close()
	copied := allDecisions(t, b)
	if len(copied) < before {
		t.Fatalf("the copy holds %d decisions, want at least the %d logged before the backup", len(copied), before)
	}
	live := allDecisions(t, s)
	if !reflect.DeepEqual(copied, live[len(live)-len(copied):]) {
		t.Errorf("the copy's %d decisions are not the live log's oldest %d", len(copied), len(copied))
	}
	ovs, err := b.Overrides(ctx, "checkout", nil)
	if err != nil || len(ovs) != 1 || ovs[0] != o {
		t.Errorf("the copy's overrides = %+v, %v; want [%+v]", ovs, err, o)
	}
	if err := CheckIntegrity(ctx, out); err != nil {
		t.Error(err)
	}
	t.Logf("%d decisions before the backup, %d in the copy, %d live after", before, len(copied), len(live))
}

// recordDecisions logs n decisions.
func recordDecisions(t *testing.T, s *Store, n int) {
	t.Helper()
	for range n {
		if _, err := s.RecordDecision(context.Background(), slo.DecisionRecord{At: t0, Service: "checkout", Decision: slo.Deny,
			Priority: slo.PriorityNormal, Version: "v1"}); err != nil {
			t.Fatal(err)
		}
	}
}

// allDecisions lists every decision, newest first.
func allDecisions(t *testing.T, s *Store) []slo.DecisionRecord {
	t.Helper()
	var out []slo.DecisionRecord
	before := int64(0)
	for {
		page, err := s.Decisions(context.Background(), slo.DecisionQuery{Limit: MaxListLimit, Before: before})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		before = page[len(page)-1].ID
	}
}

func TestBackupNeverOverwrites(t *testing.T) {
	_, path := openTest(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "backup.db")
	if err := os.WriteFile(out, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := Backup(context.Background(), path, out)
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("Backup onto an existing file: %v, want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "keep me" {
		t.Errorf("the existing file was changed to %q", b)
	}
	onlyFile(t, dir, "backup.db")
}

func TestBackupOfMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	err := Backup(context.Background(), filepath.Join(dir, "nope.db"), filepath.Join(dir, "backup.db"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Backup of a missing database: %v, want fs.ErrNotExist", err)
	}
	onlyFile(t, dir)
}

// onlyFile fails unless dir holds exactly the named files: no temporary
// copy is left behind.
func onlyFile(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

// TestCheckIntegrityFindsDamage overwrites a page in the middle of the
// file, a page of the decision log: the check must not answer ok.
func TestCheckIntegrityFindsDamage(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	recordDecisions(t, s, 500)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := CheckIntegrity(ctx, path); err != nil {
		t.Fatalf("before the damage: %v", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096 // SQLite's default page size
	if _, err := f.WriteAt([]byte(strings.Repeat("\xff", page)), info.Size()/2/page*page); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := CheckIntegrity(ctx, path); err == nil {
		t.Error("CheckIntegrity passed a damaged file")
	} else {
		t.Logf("damage found: %v", err)
	}
}
