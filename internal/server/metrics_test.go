package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/gate"
	"github.com/slo-dev/slo/internal/metricnames"
	"github.com/slo-dev/slo/internal/server"
)

// Clients choose methods and paths; /metrics must not grow a series for
// each one they make up.
func TestHTTPMetricLabelsAreBounded(t *testing.T) {
	snap := snapshot(t)
	reg := prometheus.NewRegistry()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	g := gate.New(fixedSnapshot{snap}, &memStore{}, quiet, gate.Options{})
	h := server.New(fixedSnapshot{snap}, g, quiet, testConfig(), reg, reg)

	invented := strings.Repeat("X", 5000)
	for _, r := range []struct{ method, path string }{
		{invented, "/healthz"},
		{"BREW", "/api/v1/services/checkout"},
		{"BREW", "/nope"},
		{http.MethodGet, "/api/v1/services/checkout"},
		{http.MethodGet, "/api/v1/services/search"},
		{http.MethodGet, "/no/such/" + strings.Repeat("p", 3000)},
	} {
		send(t, h, r.method, r.path, "", nil)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range families {
		if f.GetName() != metricnames.HTTPRequests {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			got[labels["method"]+" "+labels["route"]+" "+labels["code"]] = true
		}
	}
	want := map[string]bool{
		"other unmatched 405":               true,
		"other unmatched 404":               true,
		"GET /api/v1/services/:service 200": true,
		"GET unmatched 404":                 true,
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
	for k := range want {
		if !got[k] {
			t.Errorf("no series %q in %v", k, got)
		}
	}
}
