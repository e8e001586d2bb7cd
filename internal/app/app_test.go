package app_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// spec is a valid spec for service followed by n unknown top-level keys.
func spec(service string, n int) string {
	var b strings.Builder
	b.WriteString("service: " + service + "\nslos:\n  - name: availability\n    target: 99.9%\n    window: 30d\n" +
		"    sli: {events: {errors: 'sum(rate(e[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))'}}\n")
	for i := range n {
		fmt.Fprintf(&b, "k%05d: 1\n", i)
	}
	return b.String()
}

// A spec file with 5,000 unknown keys costs slod 51 log lines and 51
// config_problems (50 and one counting the other 4,950), whether the file
// defines no service yet or breaks one that was valid; the summary line
// still counts all 5,000.
func TestHostileSpecBoundsLogAndAPI(t *testing.T) {
	dir := slodtest.WriteSpecs(t, map[string]string{
		"orphan.yaml":   spec("orphan", 5000),
		"checkout.yaml": spec("checkout", 0),
	})
	// Nothing listens on port 1: the specs are all this test needs.
	s := slodtest.Start(t, slodtest.Options{SLOs: dir, PrometheusURL: "http://127.0.0.1:1"})

	var list api.ServiceList
	s.GetJSON(t, "/api/v1/services", &list)
	checkCapped(t, "orphan.yaml", list.ConfigProblems)
	if n := strings.Count(s.Log(), `msg="invalid spec"`); n != 51 {
		t.Errorf("start-up logged %d problems, want 51", n)
	}
	if !strings.Contains(s.Log(), "problems=5000") {
		t.Errorf("start-up summary does not count 5000 problems:\n%s", lastLines(s.Log(), 3))
	}

	if err := os.WriteFile(filepath.Join(dir, "checkout.yaml"), []byte(spec("checkout", 5000)), 0o644); err != nil {
		t.Fatal(err)
	}
	var checkout api.Service
	deadline := time.Now().Add(30 * time.Second)
	for len(checkout.ConfigProblems) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		s.GetJSON(t, "/api/v1/services/checkout", &checkout)
	}
	checkCapped(t, "checkout.yaml", checkout.ConfigProblems)
	// The reload logs both files again: 51 lines each.
	if n := strings.Count(s.Log(), `msg="invalid spec"`); n != 51+2*51 {
		t.Errorf("after the reload the log has %d problems, want 153", n)
	}
	status, _, body := s.Do(t, http.MethodGet, "/api/v1/services", nil, nil)
	if status != http.StatusOK || len(body) > 64<<10 {
		t.Errorf("GET /api/v1/services: status %d, %d bytes; want 200 and under 64 KiB", status, len(body))
	}
}

// checkCapped wants 51 problems about file, the last counting 4,950 more.
func checkCapped(t *testing.T, file string, problems []api.SpecProblem) {
	t.Helper()
	if len(problems) != 51 {
		t.Fatalf("%s: %d config_problems, want 51", file, len(problems))
	}
	// Keys start on line 7: 50 listed on lines 7 to 56, the rest from 57.
	last := slo.Problem(problems[50])
	if filepath.Base(last.File) != file || last.Line != 57 || last.Omitted() != 4950 || !strings.HasPrefix(last.Message, "... and 4950 more problems") {
		t.Errorf("%s: last problem = %+v, want line 57: ... and 4950 more problems", file, last)
	}
}

// lastLines is the end of a log, for failure messages.
func lastLines(log string, n int) string {
	lines := strings.Split(strings.TrimSpace(log), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
