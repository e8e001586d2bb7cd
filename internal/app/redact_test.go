package app

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log sink safe for slod's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The start-up log names Prometheus without the password in its URL.
func TestStartupLogHidesPrometheusPassword(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{
		SLOs: []string{dir}, DB: filepath.Join(dir, "slod.db"), Listen: "127.0.0.1:0", Interval: time.Hour,
	}
	// Nothing listens on port 1 of loopback; the log is all this test reads.
	cfg.Prometheus.URL = "http://ops:secret@127.0.0.1:1"
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil)), ready) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("slod stopped: %v\n%s", err, logs.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if out := logs.String(); strings.Contains(out, "secret") || !strings.Contains(out, "prometheus=http://ops:xxxxx@127.0.0.1:1") {
		t.Errorf("log shows the password or not the redacted URL:\n%s", out)
	}
}
