package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/gate"
	"github.com/slo-dev/slo/internal/server"
)

// loggedHandler is newHandler with its log written to buf as JSON lines.
func loggedHandler(t *testing.T, buf *bytes.Buffer, cfg server.Config) http.Handler {
	t.Helper()
	log := slog.New(slog.NewJSONHandler(buf, nil))
	snap, st := snapshot(t), &memStore{}
	g := gate.New(fixedSnapshot{snap}, st, log, gate.Options{Clock: cfg.Clock})
	if err := g.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return server.New(fixedSnapshot{snap}, g, log, cfg, prometheus.NewRegistry(), prometheus.NewRegistry())
}

// The client is the connection's address: forwarding headers come from
// whoever connects, since no proxy is trusted.
func TestForwardingHeadersAreNotTrusted(t *testing.T) {
	var logs bytes.Buffer
	h := loggedHandler(t, &logs, testConfig())
	send(t, h, http.MethodGet, "/api/v1/services", "", map[string]string{"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9"})
	var line struct{ Client string }
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("access log: %v: %s", err, logs.String())
	}
	// httptest.NewRequest connects from 192.0.2.1.
	if line.Client != "192.0.2.1" {
		t.Errorf("client %q, want the connection's 192.0.2.1", line.Client)
	}
}

// A client's request id is kept only when it is a short safe token;
// anything else is replaced by one slod makes.
func TestRequestID(t *testing.T) {
	made := regexp.MustCompile(`^[0-9a-f]{16}$`)
	for _, tc := range []struct {
		sent string
		kept bool
	}{
		{"ci-run-42.step_3", true},
		{strings.Repeat("a", 64), true},
		{"", false},
		{strings.Repeat("a", 65), false},
		{"two words", false},
		{"<script>", false},
		{"req\u202eevil", false},
	} {
		h := newHandler(t, snapshot(t), &memStore{}, testConfig())
		rec := send(t, h, http.MethodGet, "/api/v1/services/nope", "", map[string]string{"X-Request-ID": tc.sent})
		got := rec.Header().Get("X-Request-ID")
		if p := problemOf(t, rec); p.RequestID != got {
			t.Errorf("problem says request %q, header %q", p.RequestID, got)
		}
		switch {
		case tc.kept && got != tc.sent:
			t.Errorf("sent %q, got %q, want it kept", tc.sent, got)
		case !tc.kept && !made.MatchString(got):
			t.Errorf("sent %q, got %q, want an id made by slod", tc.sent, got)
		}
	}
}
