package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/version"
)

// fastClient retries with waits of at most a few milliseconds.
func fastClient(t *testing.T, server string) *Client {
	t.Helper()
	c, err := New(server, "")
	if err != nil {
		t.Fatal(err)
	}
	c.RetryBase, c.RetryMax = time.Millisecond, 5*time.Millisecond
	return c
}

// failingThen answers the first n requests with status, then 200 with an
// empty decision list.
func failingThen(t *testing.T, n int32, status int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= n {
			w.WriteHeader(status)
			return
		}
		w.Write([]byte(`{"decisions":[],"service":"checkout","allowed":true}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestRetryRules(t *testing.T) {
	for _, tc := range []struct {
		status     int
		getRetried bool
		// POSTs are not idempotent: only answers sent without handling
		// the request are retried.
		postRetried bool
	}{
		{http.StatusInternalServerError, true, false},
		{http.StatusBadGateway, true, true},
		{http.StatusServiceUnavailable, true, true},
		{http.StatusGatewayTimeout, true, true},
		{http.StatusNotImplemented, true, false},
		{http.StatusBadRequest, false, false},
		{http.StatusNotFound, false, false},
		{http.StatusConflict, false, false},
		{http.StatusTooManyRequests, true, true}, // shed before handling
	} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			srv, calls := failingThen(t, 2, tc.status)
			c := fastClient(t, srv.URL)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			var err error
			if method == http.MethodGet {
				_, err = c.Decisions(ctx, "", 0)
			} else {
				_, err = c.CanDeploy(ctx, "checkout", api.CanDeployRequest{Priority: "normal"})
			}
			cancel()
			retried := tc.getRetried
			if method == http.MethodPost {
				retried = tc.postRetried
			}
			wantCalls := int32(1)
			if retried {
				wantCalls = 3
			}
			if got := calls.Load(); got != wantCalls {
				t.Errorf("%s answered %d: %d calls, want %d", method, tc.status, got, wantCalls)
			}
			var pe *ProblemError
			if retried && err != nil || !retried && (!errors.As(err, &pe) || pe.Status != tc.status) {
				t.Errorf("%s answered %d: err = %v", method, tc.status, err)
			}
		}
	}
}

// A connection dropped after the request went out may have reached slod:
// a GET is retried, a POST is not.
func TestDroppedConnection(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close()
	}))
	defer srv.Close()
	c := fastClient(t, srv.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := c.CanDeploy(ctx, "checkout", api.CanDeployRequest{Priority: "normal"})
	var ue *UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("POST: err = %v, want *UnreachableError", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("POST sent %d times, want 1", n)
	}

	calls.Store(0)
	if _, err := c.Services(ctx); !errors.As(err, &ue) {
		t.Fatalf("GET: err = %v, want *UnreachableError", err)
	}
	if n := calls.Load(); n < 2 {
		t.Errorf("GET sent %d times, want retries", n)
	}
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := "http://" + l.Addr().String()
	l.Close()

	c := fastClient(t, server)
	var retries int
	c.OnRetry = func(error, time.Duration) { retries++ }
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = c.CanDeploy(ctx, "checkout", api.CanDeployRequest{Priority: "normal"})
	var ue *UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want *UnreachableError", err)
	}
	if want := "cannot reach slod at " + server + ": connect: connection refused"; err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
	// Nothing was sent, so even the POST is retried.
	if retries == 0 {
		t.Error("dial error not retried")
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	c := fastClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.CanDeploy(ctx, "checkout", api.CanDeployRequest{Priority: "normal"})
	if want := "cannot reach slod at " + srv.URL + ": no answer before the timeout"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestProblemAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		want                    string
		// wantType is what a caller compares with api's Problem types.
		wantType string
	}{
		{"problem", "application/problem+json", `{"type":"/docs/problems#unknown-service","title":"Not Found","status":404,"detail":"service \"x\" is not configured"}`,
			404, `Not Found: service "x" is not configured`, api.ProblemUnknownService},
		{"problem without detail", "application/problem+json", `{"title":"Conflict"}`, 409, "Conflict", ""},
		{"plain text", "text/plain; charset=utf-8", "upstream connect error\nmore", 502, "Bad Gateway: upstream connect error", ""},
		{"html page", "text/html", "<html><body>oops</body></html>", 502, "Bad Gateway", ""},
		{"odd status", "", "", 599, "HTTP 599", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			c := fastClient(t, srv.URL)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			_, err := c.Service(ctx, "x")
			var pe *ProblemError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *ProblemError", err)
			}
			if pe.Error() != tc.want || pe.Status != tc.status || pe.Type != tc.wantType {
				t.Errorf("got %q (status %d, type %q), want %q (%d, %q)", pe.Error(), pe.Status, pe.Type, tc.want, tc.status, tc.wantType)
			}
		})
	}
}

func TestRequests(t *testing.T) {
	type seen struct{ method, path, query, auth, contentType, body string }
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(body)})
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	// A path prefix (slod behind a proxy) and a trailing slash are kept and
	// trimmed.
	c, err := New(srv.URL+"/slo/", "tok")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.CanDeploy(ctx, "a/b", api.CanDeployRequest{Priority: "normal"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Decisions(ctx, "web shop", 5); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RevokeOverride(ctx, "checkout", 7, "alice"); err != nil {
		t.Fatal(err)
	}
	want := []seen{
		{http.MethodPost, "/slo/api/v1/services/a%2Fb/can-deploy", "", "Bearer tok", "application/json", `{"priority":"normal"}`},
		{http.MethodGet, "/slo/api/v1/decisions", "limit=5&service=web+shop", "", "", ""},
		{http.MethodDelete, "/slo/api/v1/services/checkout/overrides/7", "actor=alice", "Bearer tok", "", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("requests %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestOverrideRequestJSON(t *testing.T) {
	for d, want := range map[time.Duration]string{
		90 * time.Minute:        `{"reason":"hotfix","actor":"alice","duration":"1h30m"}`,
		24 * time.Hour:          `{"reason":"hotfix","actor":"alice","duration":"1d"}`,
		1500 * time.Millisecond: `{"reason":"hotfix","actor":"alice","duration":"1s500ms"}`,
	} {
		b, err := json.Marshal(OverrideRequest{Reason: "hotfix", Actor: "alice", For: d})
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != want {
			t.Errorf("%v: got %s, want %s", d, b, want)
		}
		// slod parses it back with Prometheus' parser.
		var sent struct{ Duration string }
		if err := json.Unmarshal(b, &sent); err != nil {
			t.Fatal(err)
		}
		if back, err := model.ParseDuration(sent.Duration); err != nil || time.Duration(back) != d {
			t.Errorf("%v: %q parses back as %v, %v", d, sent.Duration, back, err)
		}
	}
}

func TestNewRejectsBadURLs(t *testing.T) {
	for _, s := range []string{"127.0.0.1:8080", "ftp://x", "http://", "::"} {
		if _, err := New(s, ""); err == nil {
			t.Errorf("New(%q) accepted", s)
		}
	}
}

// A password in the server URL never reaches a message.
func TestServerPasswordIsHidden(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := fastClient(t, "http://ci:secret@"+addr)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Services(ctx)
	if err == nil || strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "ci:xxxxx@") {
		t.Errorf("err = %v, want it to name the server without its password", err)
	}
	for _, bad := range []string{"ftp://ci:secret@slod", "http://ci:secret@sl od", "ci:secret@slod:8080"} {
		if _, err := New(bad, ""); err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("New(%q): err = %v, want an error without the password", bad, err)
		}
	}
}

// A token that cannot go in a header is refused at once, not sent to fail
// in the transport as if slod were down.
func TestNewRejectsBadTokens(t *testing.T) {
	for token, ok := range map[string]bool{
		"":                  true,
		"s3cr3t-TOKEN_~+/=": true,
		"tok\n":             false,
		"tok\r\nX-Evil: 1":  false,
		"two words":         false,
		"tab\t":             false,
		"caf\u00e9":         false,
		"\x00":              false,
	} {
		_, err := New("http://127.0.0.1:8080", token)
		var te *TokenError
		if ok != (err == nil) || (!ok && !errors.As(err, &te)) {
			t.Errorf("New with token %q: err = %v, want ok=%v", token, err, ok)
		}
	}
}

func TestUserAgentAndVersionSkew(t *testing.T) {
	var agent atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		agent.Store(r.Header.Get("User-Agent"))
		w.Header().Set(version.Header, r.URL.Query().Get("server"))
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c, err := New(srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	c.own = "v1.4.0"
	var told []string
	c.OnVersionSkew = func(server string) { told = append(told, server) }
	// No header, a development build, the same major, then another twice.
	for _, server := range []string{"", "dev", "v1.9.0", "v2.0.1", "v2.0.1"} {
		if err := c.do(context.Background(), http.MethodGet, "/x", url.Values{"server": {server}}, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if agent.Load() != "sloctl/v1.4.0" {
		t.Errorf("User-Agent = %q, want sloctl/v1.4.0", agent.Load())
	}
	if len(told) != 1 || told[0] != "v2.0.1" {
		t.Errorf("warned about %v, want v2.0.1 once", told)
	}
}
