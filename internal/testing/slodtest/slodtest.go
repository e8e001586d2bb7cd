// Package slodtest runs slod for the end-to-end suites and talks to its
// API: in-process through internal/app (Start) or as the built binary
// (StartBinary), the same way for both once it listens. Answers decode into
// the API's own types (internal/api), so the suites and the server share
// one definition of the JSON; the server's golden tests pin its bytes.
//
// Only tests import it.
package slodtest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/app"
)

// Slod is a running slod, in-process or a child process.
type Slod struct {
	// URL is the base URL, e.g. http://127.0.0.1:40123.
	URL    string
	Client *http.Client

	// started is when it was launched: evaluations since are its own, not
	// ones restored from its database.
	started time.Time
	stop    func() error
	// kill is nil for an in-process slod, which cannot be killed.
	kill func()
	// sig signals a slod binary; nil in-process.
	sig func(syscall.Signal) error
	log func() string
}

// Log is everything slod has logged so far.
func (s *Slod) Log() string { return s.log() }

// Stop shuts slod down gracefully and reports an unclean exit. Stopping a
// stopped slod does nothing. Tests need it only to stop slod early (a
// restart, an unreachable server); it also stops when the test ends.
func (s *Slod) Stop() error { return s.stop() }

// cleanup stops s when the test ends and shows its log if the test failed.
func (s *Slod) cleanup(t testing.TB) {
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("slod shutdown: %v", err)
		}
		if t.Failed() {
			t.Logf("slod log (tail):\n%s", tail(s.Log()))
		}
	})
}

// Options tune an in-process slod; zero fields get test defaults.
type Options struct {
	SLOs          string // folder of spec files
	DB            string // SQLite file; a new one when empty
	PrometheusURL string
	Interval      time.Duration // 1s when zero
	Tokens        []string      // write tokens
	// Tune adjusts the config after the defaults are filled in.
	Tune func(*app.Config)
	// Quiet logs only warnings and errors.
	Quiet bool
}

// Start runs app.Run on a free loopback port and waits until it listens.
// It stops (gracefully) when the test ends, if not before.
func Start(t testing.TB, o Options) *Slod {
	t.Helper()
	if o.Interval == 0 {
		o.Interval = time.Second
	}
	if o.DB == "" {
		o.DB = filepath.Join(t.TempDir(), "slod.db")
	}
	cfg := app.Config{
		SLOs:     []string{o.SLOs},
		DB:       o.DB,
		Listen:   "127.0.0.1:0",
		Interval: o.Interval,
		Tokens:   o.Tokens,
		// Tests that rewrite specs need not wait long for the reload.
		ReloadDebounce: 100 * time.Millisecond,
	}
	cfg.Prometheus.URL = o.PrometheusURL
	if o.Tune != nil {
		o.Tune(&cfg)
	}
	logs := &logBuffer{}
	level := slog.LevelInfo
	if o.Quiet {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	s := &Slod{Client: newClient(), started: time.Now(), log: logs.String}
	go func() { done <- app.Run(ctx, cfg, log, ready) }()
	s.stop = func() error {
		cancel()
		select {
		case err, ok := <-done:
			if ok {
				close(done)
			}
			return err
		case <-time.After(20 * time.Second):
			return fmt.Errorf("app.Run did not return within 20s of cancel")
		}
	}
	select {
	case addr := <-ready:
		s.URL = "http://" + addr.String()
	case err := <-done:
		cancel()
		t.Fatalf("slod exited before listening: %v\n%s", err, tail(logs.String()))
	case <-time.After(time.Minute):
		cancel()
		t.Fatalf("slod did not listen within a minute\n%s", tail(logs.String()))
	}
	s.cleanup(t)
	return s
}

func newClient() *http.Client { return &http.Client{Timeout: 10 * time.Second} }

// logBuffer collects an in-process slod's log for failure messages.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// tail is the end of a log, enough to see why a test failed.
func tail(log string) string {
	const max = 6000
	if len(log) > max {
		return log[len(log)-max:]
	}
	return log
}
