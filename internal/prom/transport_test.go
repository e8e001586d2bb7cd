package prom

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/version"
)

func TestBearerTokenFileAndHeaders(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("first\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var got atomic.Value
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if org := r.Header.Get("X-Scope-OrgID"); org != "tenant-1" {
			t.Errorf("X-Scope-OrgID = %q, want tenant-1", org)
		}
		got.Store(r.Header.Get("Authorization"))
		writeVector(t, w, "1")
	})
	cfg := testConfig(srv.URL)
	cfg.BearerTokenFile = tokenFile
	cfg.Headers = map[string]string{"X-Scope-OrgID": "tenant-1"}
	s, _ := newTestSource(t, cfg)
	query := func() {
		t.Helper()
		if _, _, err := s.Query(context.Background(), "sum(up)", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	query()
	if a := got.Load(); a != "Bearer first" {
		t.Errorf("Authorization = %q, want %q", a, "Bearer first")
	}
	// A rotated token is used from the next request on.
	if err := os.WriteFile(tokenFile, []byte("second"), 0o600); err != nil {
		t.Fatal(err)
	}
	query()
	if a := got.Load(); a != "Bearer second" {
		t.Errorf("Authorization after rotation = %q, want %q", a, "Bearer second")
	}
}

func TestBasicAuth(t *testing.T) {
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user != "slod" || pass != "s3cret" {
			t.Errorf("basic auth = %q, %q, %v; want slod, s3cret", user, pass, ok)
		}
		writeVector(t, w, "1")
	})
	cfg := testConfig(srv.URL)
	cfg.BasicAuthUser, cfg.BasicAuthPassword = "slod", "s3cret"
	s, _ := newTestSource(t, cfg)
	if _, _, err := s.Query(context.Background(), "sum(up)", time.Now()); err != nil {
		t.Fatal(err)
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(stamped(func(w http.ResponseWriter, r *http.Request) {
		writeVector(t, w, "1")
	}))
	// The unknown-CA case makes the server log a handshake error; expected.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		set     func(*Config)
		wantErr string
	}{
		{name: "CA file", set: func(c *Config) { c.CAFile = caFile }},
		{name: "insecure", set: func(c *Config) { c.InsecureSkipVerify = true }},
		{name: "unknown CA", set: func(*Config) {}, wantErr: "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(srv.URL)
			tt.set(&cfg)
			s, reg := newTestSource(t, cfg)
			_, _, err := s.Query(context.Background(), "sum(up)", time.Now())
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
			}
			wantMetric(t, reg, "slod_prometheus_queries_total", "result", "retry", 0) // an untrusted certificate stays untrusted
		})
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no URL", Config{}, "URL is empty"},
		{"no scheme", Config{URL: "localhost:9090"}, "want http:// or https://"},
		{"token and file", Config{URL: "http://127.0.0.1:9090", BearerToken: "a", BearerTokenFile: "b"}, "mutually exclusive"},
		{"token and basic", Config{URL: "http://127.0.0.1:9090", BearerToken: "a", BasicAuthUser: "u"}, "mutually exclusive"},
		{"missing token file", Config{URL: "http://127.0.0.1:9090", BearerTokenFile: filepath.Join(dir, "nope")}, "bearer token file"},
		{"missing CA", Config{URL: "https://127.0.0.1:9090", CAFile: filepath.Join(dir, "nope")}, "read CA file"},
		{"CA not PEM", Config{URL: "https://127.0.0.1:9090", CAFile: notPEM}, "no PEM certificates"},
		{"backoff max below base", Config{URL: "http://127.0.0.1:9090", BackoffBase: time.Second, BackoffMax: time.Millisecond}, "below backoff base"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := Config{URL: "http://127.0.0.1:9090", MaxRetries: -1}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.QueryTimeout != 10*time.Second || cfg.MaxConcurrent != 4 || cfg.BreakerFailures != 5 {
		t.Errorf("defaults = timeout %s, concurrency %d, breaker %d; want 10s, 4, 5",
			cfg.QueryTimeout, cfg.MaxConcurrent, cfg.BreakerFailures)
	}
	if cfg.MaxRetries != 0 {
		t.Errorf("MaxRetries -1 became %d, want 0 (retries disabled)", cfg.MaxRetries)
	}
}

func TestUserAgent(t *testing.T) {
	var got atomic.Value
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("User-Agent"))
		writeVector(t, w, "1")
	})
	s, _ := newTestSource(t, testConfig(srv.URL))
	if _, _, err := s.Query(context.Background(), "sum(up)", time.Now()); err != nil {
		t.Fatal(err)
	}
	if want := "slod/" + version.Get().Version; got.Load() != want {
		t.Errorf("User-Agent = %q, want %q", got.Load(), want)
	}
}
