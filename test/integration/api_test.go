package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/testing/promtest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// testReload: a spec rewritten with a typo while slod runs keeps the
// service on its previous spec and shows the problem (file, line, field)
// in the API and /metrics; fixing the file clears it.
func testReload(t *testing.T, srv *promtest.Server) {
	good := eventsSpec("reloaded", "healthy", "99.9%", "window: 30d", "policy:\n  min_events: 100\n")
	dir := slodtest.WriteSpecs(t, map[string]string{"reloaded.yaml": good})
	file := filepath.Join(dir, "reloaded.yaml")
	d := slodtest.Start(t, slodtest.Options{SLOs: dir, PrometheusURL: srv.URL})
	before := d.Fresh(t, "reloaded", 30*time.Second)

	// A typo (windw) and a different target: neither may take effect.
	broken := strings.Replace(strings.Replace(good, "window: 30d", "windw: 30d", 1), "99.9%", "95%", 1)
	writeFile(t, file, broken)
	var g slodtest.Gate
	slodtest.WaitFor(t, 15*time.Second, "config_problems after the broken write", func() bool {
		g = d.Service(t, "reloaded")
		return len(g.ConfigProblems) > 0
	})
	found := false
	for _, p := range g.ConfigProblems {
		if p.File != file || p.Line <= 0 || p.Field == "" || p.Message == "" {
			t.Errorf("config problem without file/line/field/message: %+v", p)
		}
		if p.Field == "slos[0].windw" && p.Line == 5 && strings.Contains(p.Message, `"window"`) {
			found = true
		}
	}
	if !found {
		t.Errorf("config_problems %+v do not point at slos[0].windw on line 5 (with a did-you-mean)", g.ConfigProblems)
	}
	if len(g.SLOs) != 1 || g.SLOs[0].Target != 0.999 || g.SLOs[0].Window != "30d" {
		t.Errorf("the service did not keep its previous spec: %+v", g.SLOs)
	}
	// It is still evaluated with the old spec.
	slodtest.WaitFor(t, 15*time.Second, "an evaluation after the broken write", func() bool {
		g = d.Service(t, "reloaded")
		return !g.Stale && g.SLOs[0].EvaluatedAt != nil && g.SLOs[0].EvaluatedAt.After(*before.SLOs[0].EvaluatedAt)
	})
	if v := metric(t, metrics(t, d), `slod_config_problems{service="reloaded"}`); v < 1 {
		t.Errorf(`slod_config_problems{service="reloaded"} = %v, want > 0`, v)
	}

	writeFile(t, file, good)
	slodtest.WaitFor(t, 15*time.Second, "config_problems to clear after the fix", func() bool {
		g = d.Service(t, "reloaded")
		return len(g.ConfigProblems) == 0
	})
	if v := metric(t, metrics(t, d), `slod_config_problems{service="reloaded"}`); v != 0 {
		t.Errorf(`slod_config_problems{service="reloaded"} = %v after the fix, want 0`, v)
	}

	// A new file with only a typo belongs to no service yet: the list
	// shows it.
	writeFile(t, filepath.Join(dir, "new.yaml"), strings.Replace(broken, "reloaded", "newcomer", 1))
	slodtest.WaitFor(t, 15*time.Second, "the new file's problems in GET /services", func() bool {
		var list api.ServiceList
		d.GetJSON(t, "/api/v1/services", &list)
		for _, p := range list.ConfigProblems {
			if strings.HasSuffix(p.File, "new.yaml") && p.Line > 0 && p.Field != "" {
				return true
			}
		}
		return false
	})
}

// testProblems: errors are RFC 7807 problem+json with the right status.
func testProblems(t *testing.T, srv *promtest.Server) {
	const token = "s3cret-write-token"
	dir := slodtest.WriteSpecs(t, map[string]string{"p.yaml": eventsSpec("p", "healthy", "99.9%", "window: 30d", "")})
	d := slodtest.Start(t, slodtest.Options{SLOs: dir, PrometheusURL: srv.URL, Tokens: []string{token}})
	d.Fresh(t, "p", 30*time.Second)

	huge := `{"priority":"normal","version":"` + strings.Repeat("x", 1<<20) + `"}`
	cases := []struct {
		name         string
		method, path string
		body         io.Reader
		header       map[string]string
		// chunked sends the body without a Content-Length.
		chunked bool
		status  int
		field   string
	}{
		{name: "unknown service", method: http.MethodGet, path: "/api/v1/services/nope", status: 404},
		{name: "unknown service can-deploy", method: http.MethodPost, path: "/api/v1/services/nope/can-deploy", body: strings.NewReader(`{}`), status: 404},
		{name: "bad priority (GET)", method: http.MethodGet, path: "/api/v1/services/p/can-deploy?priority=urgent", status: 400, field: "priority"},
		{name: "bad priority (POST)", method: http.MethodPost, path: "/api/v1/services/p/can-deploy", body: strings.NewReader(`{"priority":"yesterday"}`), status: 400, field: "priority"},
		{name: "wrong JSON type", method: http.MethodPost, path: "/api/v1/services/p/can-deploy", body: strings.NewReader(`{"priority":3}`), status: 400, field: "priority"},
		{name: "broken JSON", method: http.MethodPost, path: "/api/v1/services/p/can-deploy", body: strings.NewReader(`{"priority":`), status: 400},
		{name: "text/plain check", method: http.MethodPost, path: "/api/v1/services/p/can-deploy", body: strings.NewReader(`{"priority":"normal"}`),
			header: map[string]string{"Content-Type": "text/plain"}, status: 415},
		{name: "PUT", method: http.MethodPut, path: "/api/v1/services/p/can-deploy", body: strings.NewReader(`{}`), status: 405},
		{name: "huge body", method: http.MethodPost, path: "/api/v1/services/p/can-deploy", body: strings.NewReader(huge), status: 413},
		{name: "huge body, chunked", method: http.MethodPost, path: "/api/v1/services/p/can-deploy", body: strings.NewReader(huge), chunked: true, status: 413},
		{name: "override without token", method: http.MethodPost, path: "/api/v1/services/p/overrides",
			body: strings.NewReader(`{"reason":"r","actor":"a","duration":"1h"}`), status: 401},
		{name: "override with a wrong token", method: http.MethodPost, path: "/api/v1/services/p/overrides",
			body: strings.NewReader(`{"reason":"r","actor":"a","duration":"1h"}`), header: map[string]string{"Authorization": "Bearer nope"}, status: 401},
		{name: "revoke without token", method: http.MethodDelete, path: "/api/v1/services/p/overrides/1", status: 401},
		{name: "override without expiry", method: http.MethodPost, path: "/api/v1/services/p/overrides",
			body: strings.NewReader(`{"reason":"r","actor":"a"}`), header: map[string]string{"Authorization": "Bearer " + token}, status: 400, field: "duration"},
		{name: "bad decisions limit", method: http.MethodGet, path: "/api/v1/decisions?limit=0", status: 400, field: "limit"},
		{name: "unknown endpoint", method: http.MethodGet, path: "/api/v1/nothing", status: 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(c.method, d.URL+c.path, c.body)
			if err != nil {
				t.Fatal(err)
			}
			if c.chunked {
				req.ContentLength = -1
				req.Body = io.NopCloser(c.body)
			}
			if c.body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			for k, v := range c.header {
				req.Header.Set(k, v)
			}
			resp, err := d.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, b)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			var p api.Problem
			if err := json.NewDecoder(bytes.NewReader(b)).Decode(&p); err != nil {
				t.Fatalf("not JSON: %v: %s", err, b)
			}
			if p.Type == "" || p.Title == "" || p.Status != c.status || p.Detail == "" || p.Instance != strings.SplitN(c.path, "?", 2)[0] {
				t.Errorf("problem lacks type/title/status/detail/instance: %+v", p)
			}
			if c.field != "" && p.Field != c.field {
				t.Errorf("field %q, want %q", p.Field, c.field)
			}
			if c.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
	// None of the refused checks reached the decision log.
	var ds api.DecisionList
	d.GetJSON(t, "/api/v1/decisions", &ds)
	if len(ds.Decisions) != 0 {
		t.Errorf("refused requests left %d decisions in the log: %+v", len(ds.Decisions), ds.Decisions)
	}
}
