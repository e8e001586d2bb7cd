package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/slo"
)

// testEnv is the environment sloctl sees in a test: only what the test
// puts there, so that tests behave the same inside a CI job as on a laptop.
type testEnv map[string]string

func (e testEnv) get(key string) string { return e[key] }

// cleanEnv is an environment with nothing but a login user.
func cleanEnv() testEnv { return testEnv{"USER": "tester"} }

// runCLI runs sloctl through main's run, so exit codes and the messages
// printed for errors are the real ones. Every run builds its own command
// tree, writing into buffers and reading env (nil: an empty environment).
func runCLI(t *testing.T, env testEnv, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut, env.get)
	return code, out.String(), errOut.String()
}

// request is what a fake slod saw.
type request struct {
	Method, Path, Query, Auth string
	Body                      []byte
}

// fakeSlod records requests and answers them with handle.
type fakeSlod struct {
	*httptest.Server
	mu       sync.Mutex
	requests []request
}

func newFakeSlod(t *testing.T, handle http.HandlerFunc) *fakeSlod {
	t.Helper()
	f := &fakeSlod{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, request{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Authorization"), body})
		f.mu.Unlock()
		handle(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeSlod) seen() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.requests...)
}

// answer writes v as a JSON answer.
func answer(t *testing.T, w http.ResponseWriter, status int, v any) {
	t.Helper()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		t.Error(err)
	}
}

// problem writes an RFC 7807 answer the way slod does.
func problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type": "/docs/problems#x", "title": http.StatusText(status),
		"status": status, "detail": detail, "instance": "/api/v1/services/x",
	})
}

// closedAddr is a loopback URL nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

var evaluatedAt = time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)

// availability is a 30d 99.9% SLO over 1,000,000 requests with 1,420
// failures: 1,000 failures allowed, consumed 1.42, remaining -0.42,
// 43.2 min allowed and 43.2 * -0.42 = -18.144 min left.
func availability() api.SLO {
	sli := 0.99858
	return api.SLO{
		Name: "availability", Slug: "availability", Target: 0.999, Window: "30d", SLI: &sli,
		Budget: api.Budget{
			Status: api.BudgetExhausted, SLI: &sli, ErrorRatio: 0.00142, Consumed: 1.42, Remaining: -0.42,
			TotalEvents: 1e6, AllowedEvents: 1000, FailedEvents: 1420, RemainingEvents: -420,
			AllowedMinutes: 43.2, RemainingMinutes: -18.144,
		},
		BurnRates: map[string]float64{"5m": 0.8, "1h": 1.1, "30m": 2.5},
		Alerts: []api.Alert{
			{Severity: "page", Long: "1h", Short: "5m", Factor: 14.4, BudgetShare: 0.02, LongBurn: 1.1, ShortBurn: 0.8},
		},
		EvaluatedAt: &evaluatedAt,
	}
}

// latency is a 7d 99% SLO with 48% of its budget used: 52% left.
func latency() api.SLO {
	sli := 0.9952
	exh := 3*86400.0 + 4*3600
	return api.SLO{
		Name: "latency", Slug: "latency", Target: 0.99, Window: "7d", SLI: &sli,
		Budget: api.Budget{
			Status: api.BudgetOK, SLI: &sli, ErrorRatio: 0.0048, Consumed: 0.48, Remaining: 0.52,
			TotalEvents: 50000, AllowedEvents: 500, FailedEvents: 240, RemainingEvents: 260,
			AllowedMinutes: 100.8, RemainingMinutes: 52.416,
		},
		BurnRates:         map[string]float64{"5m": 0.4, "1h": 3.0},
		Alerts:            []api.Alert{},
		ExhaustionSeconds: &exh,
		EvaluatedAt:       &evaluatedAt,
	}
}

func decision(verdict string, reasons ...api.Reason) api.Decision {
	id := int64(42)
	return api.Decision{
		Service: "checkout", Priority: "normal", Allowed: verdict != api.DecisionDeny, Decision: verdict,
		Reasons: append([]api.Reason{}, reasons...), Actions: []string{},
		EvaluatedAt: &evaluatedAt, DecisionID: &id,
		SLOs: []api.SLO{availability(), latency()},
	}
}

var (
	exhausted = api.Reason{SLO: "availability", Code: slo.CodeBudgetExhausted, Message: "error budget exhausted: 142% consumed"}
	threshold = api.Reason{SLO: "latency", Code: slo.CodeBudgetThreshold, Message: "48% of the error budget consumed"}
)

var ansiCode = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestTableColorKeepsAlignment(t *testing.T) {
	render := func(color bool) string {
		tb := &textTable{color: color}
		tb.header("SERVICE", "BUDGET", "GATE")
		tb.add(plain("checkout"), tcell{text: budgetBar(0.52) + " 52%", color: ansiGreen}, tcell{text: "deny", color: ansiRed})
		tb.add(plain("search-api"), plain("no data"), tcell{text: "allow", color: ansiGreen})
		var b bytes.Buffer
		if err := tb.write(&b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	colored, plainText := render(true), render(false)
	if !strings.Contains(colored, ansiRed+"deny"+ansiReset) {
		t.Errorf("coloured table lacks a red deny:\n%q", colored)
	}
	if strings.Contains(plainText, "\x1b[") {
		t.Errorf("uncoloured table has escape codes:\n%q", plainText)
	}
	if got := ansiCode.ReplaceAllString(colored, ""); got != plainText {
		t.Errorf("colours changed the layout:\n%s\nwant:\n%s", got, plainText)
	}
	// Columns line up on runes, not bytes: the bar's cells are 3 bytes each.
	want := "SERVICE     BUDGET          GATE\n" +
		"checkout    █████░░░░░ 52%  deny\n" +
		"search-api  no data         allow\n"
	if plainText != want {
		t.Errorf("table:\n%s\nwant:\n%s", plainText, want)
	}
}

func TestColorEnabled(t *testing.T) {
	env := cleanEnv()
	if colorEnabled(&bytes.Buffer{}, env.get) {
		t.Error("colour into a buffer")
	}
	f, err := os.Create(t.TempDir() + "/out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if colorEnabled(f, env.get) {
		t.Error("colour into a regular file")
	}
	// /dev/null is a character device, like a terminal: the closest to a
	// TTY a test gets without a pty.
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no", os.DevNull, err)
	}
	defer null.Close()
	if !colorEnabled(null, env.get) {
		t.Error("no colour on a character device")
	}
	env["NO_COLOR"] = "1"
	if colorEnabled(null, env.get) {
		t.Error("colour despite NO_COLOR")
	}
}

func TestPercentAndWindows(t *testing.T) {
	for in, want := range map[float64]string{0.999: "99.9%", 0.99: "99%", 0.9995: "99.95%", 0.95: "95%"} {
		if got := percent(in); got != want {
			t.Errorf("percent(%v) = %q, want %q", in, got, want)
		}
	}
	got := windowLabels(map[string]float64{"3d": 0, "5m": 0, "1h": 0, "30m": 0, "1d": 0, "6h": 0, "2h": 0})
	want := []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("windowLabels = %v, want %v", got, want)
	}
}

// shellWords splits a command line the simple way the docs write them:
// words, "double-quoted words", up to a pipe or a comment.
func shellWords(line string) []string {
	var words []string
	for _, m := range regexp.MustCompile(`"([^"]*)"|(\S+)`).FindAllStringSubmatch(line, -1) {
		if m[2] == "|" || m[2] == "#" || m[2] == "||" {
			break
		}
		if m[0][0] == '"' {
			words = append(words, m[1])
		} else {
			words = append(words, m[2])
		}
	}
	return words
}

// Every sloctl command shown in docs/integrations.md must parse: known
// command, known flags, right number of arguments, required flags given.
func TestDocCommandsParse(t *testing.T) {
	doc, err := os.ReadFile("../../docs/integrations.md")
	if err != nil {
		t.Fatal(err)
	}
	var code strings.Builder
	for _, block := range regexp.MustCompile("(?s)```[a-z]*\n(.*?)```").FindAllStringSubmatch(string(doc), -1) {
		code.WriteString(block[1])
	}
	found := 0
	for _, m := range regexp.MustCompile(`sloctl ((?:can-deploy|status|override|decisions).*)`).FindAllStringSubmatch(code.String(), -1) {
		found++
		words := shellWords(m[1])
		root := newRootCmd(io.Discard, io.Discard, cleanEnv().get)
		cmd, rest, err := root.Find(words)
		if err != nil || cmd == root {
			t.Errorf("%q: no such command (%v)", m[0], err)
			continue
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Errorf("%q: %v", m[0], err)
			continue
		}
		if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
			t.Errorf("%q: %v", m[0], err)
		}
		if err := cmd.ValidateRequiredFlags(); err != nil {
			t.Errorf("%q: %v", m[0], err)
		}
	}
	if found < 5 {
		t.Errorf("found only %d sloctl commands in the docs", found)
	}
}

// run reads its arguments only from args: no arguments is the root's
// help, whatever the process was started with (cobra falls back to
// os.Args for nil).
func TestRunWithoutArgs(t *testing.T) {
	realArgs := os.Args
	os.Args = []string{"sloctl", "validate", "--bogus"}
	defer func() { os.Args = realArgs }()
	code, stdout, stderr := runCLI(t, nil)
	if code != exitOK || !strings.Contains(stdout, "Available Commands:") || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and the root's help", code, stdout, stderr)
	}
}
