// Package promtest runs a real Prometheus for tests, loaded with synthetic
// history from package synth: the scenarios are written as OpenMetrics,
// backfilled into TSDB blocks with promtool, and served by a prometheus
// process on a free loopback port. The Server can be stopped, restarted on
// the same data and port, and paused to simulate a hung Prometheus.
//
// Tests need the prometheus and promtool binaries (Debian package
// "prometheus"). Without them Start and RequireTool skip the test, or fail
// it when the CI environment variable is set.
//
// Time: scenarios should run until now+Lead. A backfilled block may reach
// into the future (Prometheus 2.42 loads it; queries at now do not see the
// later samples), so queries anywhere in the next Lead find samples on both
// sides of every window edge, as rate() needs. Rules are the exception;
// see Options.RuleFiles.
package promtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/testing/proctest"
)

// Lead is how far past the test's start scenarios should extend:
// synth.Scenario{End: now.Add(promtest.Lead)}.
const Lead = 30 * time.Minute

// Bounds on every wait, so a broken Prometheus fails a test instead of
// hanging it.
const (
	backfillTimeout = 3 * time.Minute
	readyTimeout    = time.Minute
	stopTimeout     = 15 * time.Second
)

// Server is a running (or stopped) Prometheus owned by one test.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:40123. It stays the same
	// across Stop and Start.
	URL string

	t       testing.TB
	bin     string
	args    []string
	logPath string
	// lastSample is the newest time holding data, for the data check.
	lastSample time.Time
	hasData    bool

	proc   *proctest.Proc
	paused bool
}

// Start backfills the scenarios into a fresh TSDB in t.TempDir(), starts
// Prometheus on it and waits until it is ready and a query sees the data.
// It registers t.Cleanup to stop the process. With no scenarios the
// Prometheus is empty, e.g. for "no data" tests.
func Start(t testing.TB, scenarios ...synth.Scenario) *Server {
	t.Helper()
	return StartWith(t, Options{}, scenarios...)
}

// StartWith is Start with options.
func StartWith(t testing.TB, o Options, scenarios ...synth.Scenario) *Server {
	t.Helper()
	prometheus, promtool := RequireTool(t, "prometheus"), RequireTool(t, "promtool")
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	if err := os.Mkdir(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if len(scenarios) > 0 {
		if err := backfill(promtool, dir, dataDir, scenarios); err != nil {
			t.Fatalf("promtest: %v", err)
		}
	}
	if o.OpenMetrics != "" {
		if err := createBlocks(promtool, o.OpenMetrics, dataDir); err != nil {
			t.Fatalf("promtest: %v", err)
		}
	}
	backfilled := time.Now()

	config := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(config, []byte(o.config()), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, bin: prometheus, logPath: filepath.Join(dir, "prometheus.log"), hasData: len(scenarios) > 0 || o.OpenMetrics != ""}
	for _, sc := range scenarios {
		if sc.End.After(s.lastSample) {
			s.lastSample = sc.End
		}
	}
	// The log explains most failures, so a failed test shows it once here.
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("promtest: prometheus log:\n%s", s.logTail())
		}
	})

	// A free port can be taken by someone else before Prometheus binds it;
	// then try another one.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var addr string
		if addr, err = proctest.FreeAddr(); err != nil {
			break
		}
		s.URL = "http://" + addr
		s.args = []string{
			"--config.file=" + config,
			"--storage.tsdb.path=" + dataDir,
			// Retention counts back from the newest block; 400d keeps any
			// backfilled history a test is likely to use.
			"--storage.tsdb.retention.time=400d",
			"--web.listen-address=" + addr,
			"--web.enable-lifecycle",
		}
		if err = s.start(); err == nil || !strings.Contains(s.logTail(), "address already in use") {
			break
		}
	}
	if err != nil {
		t.Fatalf("promtest: start prometheus: %v", err)
	}
	t.Logf("promtest: %d scenario(s) backfilled in %v, prometheus ready in %v at %s",
		len(scenarios), backfilled.Sub(began).Round(time.Millisecond), time.Since(backfilled).Round(time.Millisecond), s.URL)
	return s
}

// RequireTool returns the path of prometheus, promtool or another tool of
// the Debian package prometheus, or ends the test: a skip locally, a
// failure when the CI environment variable is set (CI installs them).
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := fmt.Sprintf("promtest: %s not found in PATH (Debian package prometheus)", name)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Start starts Prometheus again after Stop, on the same data and URL.
func (s *Server) Start() {
	s.t.Helper()
	if s.proc != nil {
		s.t.Fatal("promtest: Start: prometheus is already running")
	}
	if err := s.start(); err != nil {
		s.t.Fatalf("promtest: restart prometheus: %v", err)
	}
}

// Stop shuts Prometheus down (SIGTERM, then SIGKILL after a timeout) and
// waits for it to exit; the URL then refuses connections. Stopping a
// stopped server does nothing.
func (s *Server) Stop() {
	if s.proc == nil {
		return
	}
	if s.paused {
		// A stopped process would not act on SIGTERM until continued.
		_ = s.proc.Cmd.Process.Signal(syscall.SIGCONT)
		s.paused = false
	}
	s.proc.Stop(stopTimeout)
	s.proc = nil
}

// Pause freezes Prometheus with SIGSTOP: connections are still accepted by
// the kernel but never answered, like a hung server.
func (s *Server) Pause() {
	s.t.Helper()
	if s.proc == nil || s.paused {
		s.t.Fatal("promtest: Pause: prometheus is not running")
	}
	if err := s.proc.Cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		s.t.Fatalf("promtest: pause: %v", err)
	}
	s.paused = true
	if err := waitStopped(s.proc.Cmd.Process.Pid); err != nil {
		s.t.Fatalf("promtest: pause: %v", err)
	}
}

// Resume continues a paused Prometheus.
func (s *Server) Resume() {
	s.t.Helper()
	if s.proc == nil || !s.paused {
		s.t.Fatal("promtest: Resume: prometheus is not paused")
	}
	if err := s.proc.Cmd.Process.Signal(syscall.SIGCONT); err != nil {
		s.t.Fatalf("promtest: resume: %v", err)
	}
	s.paused = false
}

// start runs the process and waits until it is ready and, when scenarios
// were loaded, a query sees their data.
func (s *Server) start() error {
	proc, err := proctest.Start(exec.Command(s.bin, s.args...), s.logPath)
	if err != nil {
		return err
	}
	s.proc = proc
	if err := s.waitReady(); err != nil {
		s.Stop()
		return err
	}
	return nil
}

// waitReady waits for /-/ready, then checks that the backfilled series are
// visible, giving up when the process exits or readyTimeout passes.
func (s *Server) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	if err := s.proc.WaitHTTP(ctx, s.URL+"/-/ready"); err != nil {
		return err
	}
	if !s.hasData {
		return nil
	}
	// Query where the newest data is, or now if that is in the future or
	// unknown (Options.OpenMetrics reaches now).
	at := time.Now()
	if !s.lastSample.IsZero() && s.lastSample.Before(at) {
		at = s.lastSample
	}
	n, err := s.Query(ctx, `count({__name__!=""})`, at)
	if err != nil {
		return fmt.Errorf("prometheus is ready but does not show the backfilled data: %w", err)
	}
	if n == 0 {
		return errors.New("prometheus is ready but shows no series")
	}
	return nil
}

// logTail is the end of Prometheus' log, for failure messages.
func (s *Server) logTail() string { return proctest.Tail(s.logPath) }
