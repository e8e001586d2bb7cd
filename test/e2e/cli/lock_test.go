package cli

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/testing/proctest"
)

// nowhere is a Prometheus URL nothing answers at: slod runs and serves
// without one, which is all the tests of its process need.
const nowhere = "http://127.0.0.1:1"

// startOffline starts the slod binary on db against nowhere, logging to
// logPath, and waits until it answers /healthz. It is stopped when the
// test ends, if not before. It returns the process and its address.
func startOffline(t *testing.T, db, specs, logPath string) (*proctest.Proc, string) {
	t.Helper()
	addr, err := proctest.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(slodBin, "--slos", specs, "--db", db, "--listen", addr,
		"--prometheus-url", nowhere, "--log-format", "text")
	cmd.Env = hostEnv()
	p, err := proctest.Start(cmd, logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop(10 * time.Second) })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.WaitHTTP(ctx, "http://"+addr+"/healthz"); err != nil {
		t.Fatalf("slod did not come up: %v\n%s", err, proctest.Tail(logPath))
	}
	return p, addr
}

// TestOneSlodPerDatabase starts two slod binaries on one SQLite file: the
// second exits non-zero naming the first's process id, a backup of the
// file still works beside the first, and once the first is killed with
// SIGKILL (no shutdown runs, as in a crash) a new one starts.
func TestOneSlodPerDatabase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "slod.db")
	specs := writeSpecs(t)
	first, _ := startOffline(t, db, specs, filepath.Join(dir, "first.log"))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	second := exec.CommandContext(ctx, slodBin, "--slos", specs, "--db", db, "--listen", "127.0.0.1:0",
		"--prometheus-url", nowhere, "--log-format", "text")
	second.Env = hostEnv()
	out, err := second.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() <= 0 {
		t.Fatalf("second slod on the same database: %v, want a non-zero exit\n%s", err, out)
	}
	pid := "pid " + strconv.Itoa(first.Cmd.Process.Pid)
	for _, want := range []string{db + ".lock", pid, "PostgreSQL"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("second slod's message lacks %q:\n%s", want, out)
		}
	}

	// Readers do not take the lock.
	backup := exec.CommandContext(ctx, slodBin, "backup", "--db", db, "--out", filepath.Join(dir, "copy.db"))
	backup.Env = hostEnv()
	if out, err := backup.CombinedOutput(); err != nil {
		t.Errorf("slod backup beside a running slod: %v\n%s", err, out)
	}

	first.Kill()
	startOffline(t, db, specs, filepath.Join(dir, "third.log"))
}
