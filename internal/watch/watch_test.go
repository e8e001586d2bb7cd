package watch

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestReloadsOnYAMLChangesAndSIGHUP writes real files into a real folder
// and sends the process a real SIGHUP.
func TestReloadsOnYAMLChangesAndSIGHUP(t *testing.T) {
	dir := t.TempDir()
	calls := make(chan struct{}, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { done <- Run(ctx, dir, 100*time.Millisecond, log, func() { calls <- struct{}{} }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})

	expectCall := func(what string) {
		t.Helper()
		select {
		case <-calls:
		case <-time.After(10 * time.Second):
			t.Fatalf("no reload after %s", what)
		}
	}
	expectNone := func(what string) {
		t.Helper()
		select {
		case <-calls:
			t.Fatalf("unexpected reload after %s", what)
		case <-time.After(400 * time.Millisecond):
		}
	}

	// The watcher may not be registered the instant Run starts: keep
	// writing until the first change is seen.
	first := filepath.Join(dir, "checkout.yaml")
	deadline := time.Now().Add(10 * time.Second)
	for seen := false; !seen; {
		if time.Now().After(deadline) {
			t.Fatal("the watcher never reported a write")
		}
		if err := os.WriteFile(first, []byte("service: checkout\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		select {
		case <-calls:
			seen = true
		case <-time.After(300 * time.Millisecond):
		}
	}
	// Drain a possible second call from the retry writes.
	expectNoneOrOne(calls)

	// A burst of writes settles into one reload.
	for i := 0; i < 5; i++ {
		if err := os.WriteFile(filepath.Join(dir, "search.yml"), []byte("service: search\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	expectCall("a burst of writes")
	expectNone("the burst had settled")

	// Editor droppings are not specs.
	if err := os.WriteFile(filepath.Join(dir, ".checkout.yaml.swp"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	expectNone("writing a swap file")

	// SIGHUP reloads at once (Notify is registered: Run has seen events).
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	expectCall("SIGHUP")
}

func expectNoneOrOne(calls chan struct{}) {
	select {
	case <-calls:
	case <-time.After(400 * time.Millisecond):
	}
}

func TestRelevant(t *testing.T) {
	for name, want := range map[string]bool{
		"a.yaml": true, "b.YML": true, "c.yaml.swp": false, "4913": false, "d.json": false,
	} {
		if got := relevant(name); got != want {
			t.Errorf("relevant(%q) = %v, want %v", name, got, want)
		}
	}
}
