package integration

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// metrics scrapes slod's /metrics into "name{labels}" -> value; labels
// appear as the exposition writes them (sorted by name).
func metrics(t testing.TB, d *slodtest.Slod) map[string]float64 {
	t.Helper()
	status, _, body := d.Do(t, http.MethodGet, "/metrics", nil, nil)
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
