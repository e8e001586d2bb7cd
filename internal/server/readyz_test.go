package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/server"
	"github.com/slo-dev/slo/internal/slo"
)

// readyz asks /readyz of a server over snap.
func readyz(t *testing.T, snap *engine.Snapshot, paths []string) (int, string, api.Problem) {
	t.Helper()
	h := newHandler(t, snap, &memStore{}, server.Config{SpecPaths: paths})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var p api.Problem
	if rec.Code != http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatalf("body is not JSON: %v: %s", err, rec.Body)
		}
	}
	return rec.Code, rec.Header().Get("Content-Type"), p
}

// With no service loaded slod gates nothing: /readyz says where it looked
// and how many problems it found, even after an evaluation cycle.
func TestReadyzWithoutServices(t *testing.T) {
	snap := &engine.Snapshot{Ready: true, Services: map[string]engine.ServiceState{}, Orphans: []slo.Problem{
		{File: "services", Message: "folder has no *.yaml or *.yml spec files (searched recursively)"},
		{File: "/etc/slo/slo.yaml", Line: 4, Field: "slos[0].target", Message: "100% is too high"},
	}}
	code, ct, p := readyz(t, snap, []string{"services", "/etc/slo"})
	if code != http.StatusServiceUnavailable || !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("status %d %s, want 503 problem+json", code, ct)
	}
	want := "no service is loaded: searched services, /etc/slo and found 2 spec problems; GET /api/v1/services lists them under config_problems"
	if p.Type != "/docs/problems#no-services" || p.Status != 503 || p.Detail != want || p.Instance != "/readyz" {
		t.Errorf("problem = %+v, want no-services with detail %q", p, want)
	}
}

func TestReadyz(t *testing.T) {
	snap := snapshot(t)
	if code, _, p := readyz(t, snap, []string{"slos"}); code != http.StatusOK {
		t.Errorf("status %d (%+v), want 200 with services measured", code, p)
	}
	snap.Ready = false
	code, _, p := readyz(t, snap, []string{"slos"})
	if code != http.StatusServiceUnavailable || p.Type != "/docs/problems#not-ready" {
		t.Errorf("status %d %+v, want 503 not-ready before the first evaluation", code, p)
	}
}
