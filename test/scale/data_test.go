package scale

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Sample intervals of the backfilled history. Real scrapes are 15-60s;
// 1-minute samples over the last days give the 5-minute burn-rate window
// several samples, and 5-minute samples before that keep 31 days of
// thousands of series to a file promtool reads in a minute or two.
const (
	coarseStep = 5 * time.Minute
	fineStep   = time.Minute
	fineSpan   = 3 * 24 * time.Hour
)

// history is the traffic behind the benchmark: every SLO has its own
// http_requests_total series, code="200" and code="500", so no two SLOs
// send the same query and Prometheus caches nothing across them.
type history struct {
	services, slosPerService int
	// Samples are coarseStep apart from start to fine, fineStep apart
	// from fine to end.
	start, fine, end time.Time
}

func (h history) slos() int { return h.services * h.slosPerService }

func serviceName(i int) string { return fmt.Sprintf("svc-%04d", i) }
func sloName(j int) string     { return fmt.Sprintf("slo-%02d", j) }

// rates are SLO k's requests and errors per second: they differ between
// SLOs so the counters do, and the errors stay below the 0.1% a 99.9%
// target allows, so every gate is open and nothing but the measurement
// itself costs slod anything.
func rates(k int) (requests, errors float64) {
	requests = float64(1 + k%10)
	return requests, requests * float64(1+k%4) / 10_000
}

// sampleTimes calls emit for every sample time of h, oldest first, on
// multiples of the step since the epoch as aligned scrapes would be.
func (h history) sampleTimes(emit func(t time.Time)) {
	t := h.start.Truncate(coarseStep)
	for ; t.Before(h.fine); t = t.Add(coarseStep) {
		emit(t)
	}
	for ; !t.After(h.end); t = t.Add(fineStep) {
		emit(t)
	}
}

// writeOpenMetrics writes h as OpenMetrics text for promtool to backfill,
// each series' samples contiguous and in time order as the format asks,
// and returns the number of samples written.
func writeOpenMetrics(path string, h history) (samples int, err error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	var times []int64
	h.sampleTimes(func(t time.Time) { times = append(times, t.Unix()) })
	start := float64(times[0])
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("# TYPE http_requests counter\n")
	var line []byte
	for i := range h.services {
		for j := range h.slosPerService {
			requests, errors := rates(i*h.slosPerService + j)
			for _, s := range []struct {
				code string
				rate float64
			}{{"200", requests - errors}, {"500", errors}} {
				prefix := fmt.Sprintf("http_requests_total{service=%q,slo=%q,code=%q} ", serviceName(i), sloName(j), s.code)
				for _, t := range times {
					line = append(line[:0], prefix...)
					line = strconv.AppendFloat(line, s.rate*(float64(t)-start), 'f', 3, 64)
					line = append(line, ' ')
					line = strconv.AppendInt(line, t, 10)
					line = append(line, '\n')
					w.Write(line) // a write error sticks in w and surfaces at Flush
				}
				samples += len(times)
			}
		}
	}
	w.WriteString("# EOF\n")
	return samples, w.Flush()
}

// writeSpecs writes one slo.yaml per service of h into a new folder under
// dir, every SLO an events SLI over its own series with the given rolling
// window, and returns the folder.
func writeSpecs(dir string, h history, window string) (string, error) {
	folder := filepath.Join(dir, "slos-"+window)
	for i := range h.services {
		var b strings.Builder
		fmt.Fprintf(&b, "service: %s\nowner: team-bench\nslos:\n", serviceName(i))
		for j := range h.slosPerService {
			sel := fmt.Sprintf(`service="%s",slo="%s"`, serviceName(i), sloName(j))
			fmt.Fprintf(&b, "  - name: %s\n    target: 99.9%%\n    window: %s\n    sli:\n      events:\n", sloName(j), window)
			fmt.Fprintf(&b, "        errors: sum(rate(http_requests_total{%s,code=~\"5..\"}[{{.window}}]))\n", sel)
			fmt.Fprintf(&b, "        total: sum(rate(http_requests_total{%s}[{{.window}}]))\n", sel)
		}
		path := filepath.Join(folder, serviceName(i), "slo.yaml")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			return "", err
		}
	}
	return folder, nil
}
