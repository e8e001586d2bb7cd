package server_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/gate"
	"github.com/slo-dev/slo/internal/server"
	"github.com/slo-dev/slo/internal/slo"
)

// slod_config_problems counts every problem of a capped file, not only the
// 50 listed: the last one says how many more there are.
func TestConfigProblemsMetricCountsOmitted(t *testing.T) {
	snap := snapshot(t)
	st := snap.Services["checkout"]
	st.ConfigProblems = nil
	for i := range 50 {
		st.ConfigProblems = append(st.ConfigProblems, slo.Problem{File: "checkout.yaml", Line: 3 + i, Field: fmt.Sprintf("k%d", i), Message: "unknown field"})
	}
	st.ConfigProblems = append(st.ConfigProblems, slo.Problem{File: "checkout.yaml", Line: 53,
		Message: "... and 4950 more problems from this line on (only the first 50, by line, are listed)"})
	snap.Services["checkout"] = st
	// One registry both receives the collector and serves /metrics.
	reg := prometheus.NewRegistry()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	clock := func() time.Time { return now }
	g := gate.New(fixedSnapshot{snap}, &memStore{}, quiet, gate.Options{Clock: clock})
	h := server.New(fixedSnapshot{snap}, g, quiet, server.Config{Clock: clock}, reg, reg)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	// 50 listed + 4950 left out.
	if want := `slod_config_problems{service="checkout"} 5000`; !strings.Contains(rec.Body.String(), want+"\n") {
		t.Errorf("/metrics lacks %q", want)
	}
}
