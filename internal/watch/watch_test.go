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

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/testing/kubetest"
)

// TestReloadsOnYAMLChangesAndSIGHUP writes real files into a real folder
// and sends the process a real SIGHUP.
func TestReloadsOnYAMLChangesAndSIGHUP(t *testing.T) {
	dir := t.TempDir()
	calls := make(chan struct{}, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dirs := func() []string { return []string{dir} }
	go func() { done <- Run(ctx, dirs, 100*time.Millisecond, log, func() { calls <- struct{}{} }) }()
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

func TestRelevantName(t *testing.T) {
	for name, want := range map[string]bool{
		"a.yaml": true, "b.YML": true, "c.yaml.swp": false, "4913": false, "d.json": false,
		"x/.c.yaml.swp": false, "x/.hidden.yaml": false, "x/..data": true, "x/..data_tmp": false,
		"x/..2026_11_30_02_00_00.123": false, "x/services": false,
	} {
		if got := relevantName(name); got != want {
			t.Errorf("relevantName(%q) = %v, want %v", name, got, want)
		}
	}
}

// loads runs Run over the folders src discovers; each reload loads the
// specs and sends the target of every service, by name.
func loads(t *testing.T, src slo.Sources) <-chan map[string]float64 {
	t.Helper()
	out := make(chan map[string]float64, 64)
	reload := func() {
		specs, _ := src.Discover().Load()
		targets := map[string]float64{}
		for _, s := range specs {
			targets[s.Service] = s.SLOs[0].Target
		}
		out <- targets
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dirs := func() []string { return src.Discover().Dirs }
	go func() { done <- Run(ctx, dirs, 100*time.Millisecond, log, reload) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return out
}

// prime writes into probe until a reload shows it: Run has then added the
// watches of every folder it started with. It returns that reload's
// targets and leaves the reloads quiet.
func prime(t *testing.T, probe string, loaded <-chan map[string]float64) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatal("the watcher never reported a write")
		}
		writeSpec(t, filepath.Join(probe, "probe.yaml"), "probe", "99%")
		select {
		case targets := <-loaded:
			quiet(loaded)
			return targets
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// quiet drains reloads until none came for 400ms.
func quiet(loaded <-chan map[string]float64) {
	for {
		select {
		case <-loaded:
		case <-time.After(400 * time.Millisecond):
			return
		}
	}
}

// waitLoad waits for a reload whose targets satisfy ok.
func waitLoad(t *testing.T, loaded <-chan map[string]float64, what string, ok func(map[string]float64) bool) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case targets := <-loaded:
			if ok(targets) {
				return
			}
		case <-timeout:
			t.Fatalf("no reload saw %s", what)
		}
	}
}

func writeSpec(t *testing.T, path, service, target string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	body := "service: " + service + `
slos:
  - name: availability
    target: ` + target + `
    window: 30d
    sli:
      events:
        errors: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total[{{.window}}]))
`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Folders created after the start are watched from the next reload on
// (fsnotify is not recursive), and a folder moved away takes its services
// along.
func TestWatchesNewFolders(t *testing.T) {
	root, probe := t.TempDir(), t.TempDir()
	loaded := loads(t, slo.Sources{Paths: []string{probe, root}})
	prime(t, probe, loaded)

	// mkdir -p and a file at once: the file lands before its folder is
	// watched, and the reload after the watch is added still reads it.
	file := filepath.Join(root, "team-a", "payment-api", "slo.yaml")
	writeSpec(t, file, "payment-api", "99.9%")
	waitLoad(t, loaded, "payment-api at 99.9%", func(m map[string]float64) bool { return m["payment-api"] == 0.999 })
	quiet(loaded)

	// Only the new folder changes now: its own watch must report it.
	writeSpec(t, file, "payment-api", "99.5%")
	waitLoad(t, loaded, "payment-api at 99.5%", func(m map[string]float64) bool { return m["payment-api"] == 0.995 })
	quiet(loaded)

	// Moving a folder out reports only the folder's name, not its files.
	if err := os.Rename(filepath.Join(root, "team-a"), filepath.Join(t.TempDir(), "team-a")); err != nil {
		t.Fatal(err)
	}
	waitLoad(t, loaded, "payment-api gone", func(m map[string]float64) bool {
		_, ok := m["payment-api"]
		return !ok && m["probe"] == 0.99
	})
}

// specBody is a spec for service at target.
func specBody(t *testing.T, service, target string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "slo.yaml")
	writeSpec(t, path, service, target)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A ConfigMap update only swaps the ..data link; the reload reads the new
// content through the unchanged top-level link.
func TestConfigMapSwap(t *testing.T) {
	mount, probe := filepath.Join(t.TempDir(), "slo-config"), t.TempDir()
	cm := kubetest.NewConfigMap(t, mount, map[string]string{"slo.yaml": specBody(t, "checkout", "99.9%")})
	loaded := loads(t, slo.Sources{Paths: []string{probe, mount}})
	if got := prime(t, probe, loaded)["checkout"]; got != 0.999 {
		t.Fatalf("checkout target %v before the swap, want 0.999", got)
	}

	old := cm.Current()
	cm.Update(t, map[string]string{"slo.yaml": specBody(t, "checkout", "99.5%")})
	waitLoad(t, loaded, "checkout at 99.5% after the swap", func(m map[string]float64) bool { return m["checkout"] == 0.995 })
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("the old data folder %s is still there: %v", old, err)
	}
}
