package slodtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/slo"
)

// Gate is a service's gate state (GET /api/v1/services/{service}) or a
// can-deploy answer (api.Decision): the service's fields and the two only
// a check carries, so one value can be compared with the other.
type Gate struct {
	service
	Priority   slo.Priority `json:"priority"`
	DecisionID *int64       `json:"decision_id"`
}

// service is api.Service embedded under a name that leaves Gate.Service
// to the service's name.
type service = api.Service

// Codes are the codes of g's reasons, in order.
func (g Gate) Codes() []string {
	out := make([]string, len(g.Reasons))
	for i, r := range g.Reasons {
		out[i] = r.Code
	}
	return out
}

// The audit fields CanDeploy sends.
const (
	Actor    = "slodtest"
	Pipeline = "go test"
)

// Send makes one request with client and returns the status, headers and
// whole body. A body is sent as JSON.
func Send(t testing.TB, client *http.Client, method, url string, body io.Reader, header map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, b
}

// Do sends a request to path and returns status, headers and body.
func (s *Slod) Do(t testing.TB, method, path string, body io.Reader, header map[string]string) (int, http.Header, []byte) {
	t.Helper()
	return Send(t, s.Client, method, s.URL+path, body, header)
}

// GetJSON GETs path, wants 200 and decodes the answer into v.
func (s *Slod) GetJSON(t testing.TB, path string, v any) {
	t.Helper()
	status, _, body := s.Do(t, http.MethodGet, path, nil, nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, body)
	}
}

// PostJSON POSTs v as JSON, wants wantStatus and decodes the answer into
// out unless it is nil.
func (s *Slod) PostJSON(t testing.TB, path string, v any, header map[string]string, wantStatus int, out any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	status, _, body := s.Do(t, http.MethodPost, path, bytes.NewReader(b), header)
	if status != wantStatus {
		t.Fatalf("POST %s: status %d, want %d: %s", path, status, wantStatus, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("POST %s: %v: %s", path, err, body)
		}
	}
}

// Service GETs one service.
func (s *Slod) Service(t testing.TB, name string) Gate {
	t.Helper()
	var g Gate
	s.GetJSON(t, "/api/v1/services/"+name, &g)
	return g
}

// CanDeploy POSTs a deploy check as Actor from Pipeline and wants it
// answered and audited.
func (s *Slod) CanDeploy(t testing.TB, service, priority, version string) Gate {
	t.Helper()
	var g Gate
	s.PostJSON(t, "/api/v1/services/"+service+"/can-deploy",
		api.CanDeployRequest{Priority: priority, Version: version, Actor: Actor, Pipeline: Pipeline},
		nil, http.StatusOK, &g)
	if g.DecisionID == nil {
		t.Fatalf("can-deploy %s: no decision_id in the answer", service)
	}
	return g
}

// Fresh waits until every SLO of the service has been measured and its
// last evaluation succeeded, and returns it. On a loaded machine a cycle
// can miss its deadline now and then; the next one catches up.
func (s *Slod) Fresh(t testing.TB, service string, timeout time.Duration) Gate {
	t.Helper()
	var g Gate
	if _, ok := poll(timeout, func() bool {
		g = s.Service(t, service)
		return measured(g.service) && !g.Stale
	}); !ok {
		t.Fatalf("no successful evaluation of %s within %v; last error: %s", service, timeout, g.LastError)
	}
	return g
}

// WaitEvaluated waits until every service slod lists has been evaluated
// by this slod (not only restored from its database) without error, and
// returns the list.
func (s *Slod) WaitEvaluated(t testing.TB, timeout time.Duration) api.ServiceList {
	t.Helper()
	var list api.ServiceList
	if _, ok := poll(timeout, func() bool {
		list = api.ServiceList{}
		s.GetJSON(t, "/api/v1/services", &list)
		done := len(list.Services) > 0
		// slod evaluates at whole seconds: a first cycle in the second it
		// started is dated before the start.
		started := s.started.Truncate(time.Second)
		for _, g := range list.Services {
			done = done && g.EvaluatedAt != nil && !g.EvaluatedAt.Before(started) && !g.Stale && g.LastError == ""
		}
		return done
	}); !ok {
		t.Fatalf("slod has not evaluated every service within %v: %+v", timeout, list.Services)
	}
	return list
}

// measured reports whether every SLO of g has numbers from an evaluation.
func measured(g api.Service) bool {
	for _, o := range g.SLOs {
		if o.EvaluatedAt == nil {
			return false
		}
	}
	return len(g.SLOs) > 0
}

// WaitFor polls cond every 50ms until it holds, failing the test when
// timeout passes first, and returns how long it took.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	took, ok := poll(timeout, cond)
	if !ok {
		t.Fatalf("timed out after %v waiting for %s", timeout, what)
	}
	return took
}

// poll calls cond every 50ms until it holds or timeout passes.
func poll(timeout time.Duration, cond func() bool) (took time.Duration, ok bool) {
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			return time.Since(start), false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start), true
}
