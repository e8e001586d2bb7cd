package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/app"
)

// The JSON the API answers, decoded into the test's own types: the fields
// named in DESIGN.md (and a few the server adds), not the server's structs,
// so a renamed field fails here.

type budgetJSON struct {
	Status           string  `json:"status"`
	SLI              float64 `json:"sli"`
	ErrorRatio       float64 `json:"error_ratio"`
	Consumed         float64 `json:"consumed"`
	Remaining        float64 `json:"remaining"`
	TotalEvents      float64 `json:"total_events"`
	AllowedEvents    float64 `json:"allowed_events"`
	FailedEvents     float64 `json:"failed_events"`
	RemainingEvents  float64 `json:"remaining_events"`
	AllowedMinutes   float64 `json:"allowed_minutes"`
	RemainingMinutes float64 `json:"remaining_minutes"`
}

type alertJSON struct {
	Severity  string  `json:"severity"`
	Long      string  `json:"long"`
	Short     string  `json:"short"`
	Factor    float64 `json:"factor"`
	LongBurn  float64 `json:"long_burn"`
	ShortBurn float64 `json:"short_burn"`
	NoData    bool    `json:"no_data"`
	Firing    bool    `json:"firing"`
}

type sloJSON struct {
	Name              string             `json:"name"`
	Target            float64            `json:"target"`
	Window            string             `json:"window"`
	SLI               *float64           `json:"sli"`
	Budget            budgetJSON         `json:"budget"`
	BurnRates         map[string]float64 `json:"burn_rates"`
	Alerts            []alertJSON        `json:"alerts"`
	ExhaustionSeconds *float64           `json:"exhaustion_seconds"`
	EvaluatedAt       *time.Time         `json:"evaluated_at"`
	Error             string             `json:"error"`
}

type reasonJSON struct {
	SLO      string `json:"slo"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Decision string `json:"decision"`
}

type overrideJSON struct {
	ID        int64     `json:"id"`
	Service   string    `json:"service"`
	Reason    string    `json:"reason"`
	Actor     string    `json:"actor"`
	ExpiresAt time.Time `json:"expires_at"`
	Active    bool      `json:"active"`
}

type problemJSON struct {
	Field string `json:"field"`
	// The RFC 7807 members.
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance"`
}

// gateJSON is both a service (GET /services/{s}) and a can-deploy answer.
type gateJSON struct {
	Service        string         `json:"service"`
	Priority       string         `json:"priority"`
	Allowed        bool           `json:"allowed"`
	Decision       string         `json:"decision"`
	Reasons        []reasonJSON   `json:"reasons"`
	Actions        []string       `json:"actions"`
	Override       *overrideJSON  `json:"override"`
	EvaluatedAt    *time.Time     `json:"evaluated_at"`
	Stale          bool           `json:"stale"`
	DecisionID     *int64         `json:"decision_id"`
	LastError      string         `json:"last_error"`
	ConfigProblems []problemField `json:"config_problems"`
	SLOs           []sloJSON      `json:"slos"`
}

type problemField struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

type decisionJSON struct {
	ID         int64        `json:"id"`
	Service    string       `json:"service"`
	Priority   string       `json:"priority"`
	Version    string       `json:"version"`
	Actor      string       `json:"actor"`
	Pipeline   string       `json:"pipeline"`
	Decision   string       `json:"decision"`
	Allowed    bool         `json:"allowed"`
	Reasons    []reasonJSON `json:"reasons"`
	OverrideID *int64       `json:"override_id"`
}

func (g gateJSON) codes() []string {
	out := make([]string, len(g.Reasons))
	for i, r := range g.Reasons {
		out[i] = r.Code
	}
	return out
}

// slod is one in-process app.Run.
type slod struct {
	base   string
	cancel context.CancelFunc
	done   chan error
	logs   *logBuffer
	client *http.Client
}

// slodOptions tune a test slod; zero fields get test defaults.
type slodOptions struct {
	specs    string // folder of spec files
	db       string // SQLite file
	promURL  string
	interval time.Duration
	tokens   []string
	// tune adjusts the config after the defaults are filled in.
	tune func(*app.Config)
	// quiet logs only warnings and errors (load tests).
	quiet bool
}

// startSlod runs app.Run on a free loopback port and waits until it
// listens. It stops (gracefully) when the test ends, if not before.
func startSlod(t testing.TB, o slodOptions) *slod {
	t.Helper()
	if o.interval == 0 {
		o.interval = time.Second
	}
	if o.db == "" {
		o.db = filepath.Join(t.TempDir(), "slod.db")
	}
	cfg := app.Config{
		SLOs:           []string{o.specs},
		DB:             o.db,
		Listen:         "127.0.0.1:0",
		Interval:       o.interval,
		Tokens:         o.tokens,
		ReloadDebounce: 100 * time.Millisecond,
	}
	cfg.Prometheus.URL = o.promURL
	if o.tune != nil {
		o.tune(&cfg)
	}
	logs := &logBuffer{}
	level := slog.LevelInfo
	if o.quiet {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, cfg, log, ready) }()
	s := &slod{cancel: cancel, done: done, logs: logs, client: &http.Client{Timeout: 5 * time.Second}}
	select {
	case addr := <-ready:
		s.base = "http://" + addr.String()
	case err := <-done:
		cancel()
		t.Fatalf("slod exited before listening: %v\n%s", err, logs.tail())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("slod did not listen within 30s\n%s", logs.tail())
	}
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("slod shutdown: %v", err)
		}
		if t.Failed() {
			t.Logf("slod log (tail):\n%s", logs.tail())
		}
	})
	return s
}

// stop cancels Run and waits for it to return; stopping twice is fine.
func (s *slod) stop() error {
	s.cancel()
	select {
	case err, ok := <-s.done:
		if ok {
			close(s.done)
		}
		return err
	case <-time.After(20 * time.Second):
		return fmt.Errorf("app.Run did not return within 20s of cancel")
	}
}

// logBuffer collects slod's log for failure messages.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buf.Bytes()
	const max = 6000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// do sends a request and returns status, headers and body.
func (s *slod) do(t testing.TB, method, path string, body io.Reader, header map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, b
}

// getJSON GETs path, wants 200 and decodes into v.
func (s *slod) getJSON(t testing.TB, path string, v any) {
	t.Helper()
	status, _, body := s.do(t, http.MethodGet, path, nil, nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, body)
	}
}

// postJSON POSTs v as JSON and decodes a wantStatus answer into out.
func (s *slod) postJSON(t testing.TB, path string, v any, header map[string]string, wantStatus int, out any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	status, _, body := s.do(t, http.MethodPost, path, bytes.NewReader(b), header)
	if status != wantStatus {
		t.Fatalf("POST %s: status %d, want %d: %s", path, status, wantStatus, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("POST %s: %v: %s", path, err, body)
		}
	}
}

func (s *slod) service(t testing.TB, name string) gateJSON {
	t.Helper()
	var g gateJSON
	s.getJSON(t, "/api/v1/services/"+name, &g)
	return g
}

// canDeploy POSTs a deploy check and wants it answered and audited.
func (s *slod) canDeploy(t testing.TB, service, priority, version string) gateJSON {
	t.Helper()
	var g gateJSON
	s.postJSON(t, "/api/v1/services/"+service+"/can-deploy",
		map[string]string{"priority": priority, "version": version, "actor": "integration-test", "pipeline": "go test"},
		nil, http.StatusOK, &g)
	if g.DecisionID == nil {
		t.Fatalf("can-deploy %s: no decision_id in the answer", service)
	}
	return g
}

// waitFor polls cond every 50ms until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

// measured reports whether every SLO of g has numbers from an evaluation.
func measured(g gateJSON) bool {
	for _, o := range g.SLOs {
		if o.EvaluatedAt == nil {
			return false
		}
	}
	return len(g.SLOs) > 0
}

// fresh waits until the service was measured and its last evaluation
// succeeded, and returns it. On a loaded machine a cycle can miss its
// deadline now and then; the next one catches up.
func (s *slod) fresh(t testing.TB, service string, timeout time.Duration) gateJSON {
	t.Helper()
	var g gateJSON
	start := time.Now()
	for {
		g = s.service(t, service)
		if measured(g) && !g.Stale {
			return g
		}
		if time.Since(start) > timeout {
			t.Fatalf("no successful evaluation of %s within %v; last error: %s", service, timeout, g.LastError)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// metrics scrapes /metrics into "name{labels}" -> value; labels appear as
// the exposition writes them (sorted by name).
func (s *slod) metrics(t testing.TB) map[string]float64 {
	t.Helper()
	status, _, body := s.do(t, http.MethodGet, "/metrics", nil, nil)
	if status != http.StatusOK {
		t.Fatalf("GET /metrics: status %d", status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out[line[:i]] = v
	}
	return out
}

// metric returns one series, failing the test when it is absent.
func metric(t testing.TB, m map[string]float64, series string) float64 {
	t.Helper()
	v, ok := m[series]
	if !ok {
		t.Fatalf("/metrics has no series %s", series)
	}
	return v
}

// writeFile writes a spec file (atomically, as editors and config
// management do, so the watcher never reads half a file).
func writeFile(t testing.TB, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// writeSpecs writes the given specs (file name -> YAML) into a new folder.
func writeSpecs(t testing.TB, specs map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range specs {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// eventsSpec is a one-SLO availability spec over the synthetic service
// source's request counters.
func eventsSpec(service, source, target, window, policy string) string {
	return fmt.Sprintf(`service: %s
slos:
  - name: availability
    target: %s
    %s
    sli:
      events:
        errors: sum(rate(http_requests_total{service=%q,code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total{service=%q}[{{.window}}]))
%s`, service, target, window, source, source, policy)
}

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}
