package integration

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/internal/app"
	"github.com/slo-dev/slo/internal/testing/promtest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// BenchmarkCanDeploy measures the deploy gate under concurrent load:
// 8 workers (parallelism 4 on this 2-core machine, loopback only) against
// a slod that evaluates the accuracy services every 3s against a real
// Prometheus meanwhile. Besides ns/op it reports req/s and the p50, p95
// and p99 latency of single requests, and logs slod's evaluation time per
// cycle under that load. A bare gin JSON handler on the same machine runs
// first as the baseline. For 8 workers x 2000 requests (make bench-gate):
//
//	go test -run '^$' -bench CanDeploy -benchtime 16000x ./test/integration
//
// With SLOD_WRK=1 and wrk in PATH (Debian package wrk) it also runs wrk
// against the GET endpoint for 10s and logs its report.
func BenchmarkCanDeploy(b *testing.B) {
	sc := newScenarios(time.Now())
	srv := promtest.Start(b, sc.all()...)
	services := sc.accuracyServices()
	specs := map[string]string{}
	for _, s := range services {
		specs[s.name+".yaml"] = s.spec
	}
	d := slodtest.Start(b, slodtest.Options{SLOs: slodtest.WriteSpecs(b, specs), PrometheusURL: srv.URL, Quiet: true, Interval: 3 * time.Second,
		Tune: func(c *app.Config) { c.Prometheus.BreakerOpenTimeout = 3 * time.Second }})
	d.Fresh(b, "eighty", time.Minute)
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64},
	}
	get := func() (*http.Request, error) {
		return http.NewRequest(http.MethodGet, d.URL+"/api/v1/services/eighty/can-deploy?priority=normal", nil)
	}
	body := []byte(`{"priority":"normal","version":"v1.2.3","actor":"bench","pipeline":"load"}`)
	post := func() (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, d.URL+"/api/v1/services/eighty/can-deploy", bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	}
	bare := bareGin(b)
	m0 := metrics(b, d)
	// The baseline first, in the same run: this machine is shared, so
	// the ratio of the two says more than either figure.
	b.Run("bare-gin-GET", func(b *testing.B) {
		loadLoop(b, client, func() (*http.Request, error) { return http.NewRequest(http.MethodGet, bare, nil) })
	})
	b.Run("GET", func(b *testing.B) { loadLoop(b, client, get) })
	b.Run("POST", func(b *testing.B) { loadLoop(b, client, post) })
	m1 := metrics(b, d)
	cycles := m1["slod_evaluation_duration_seconds_count"] - m0["slod_evaluation_duration_seconds_count"]
	secs := m1["slod_evaluation_duration_seconds_sum"] - m0["slod_evaluation_duration_seconds_sum"]
	if cycles > 0 {
		b.Logf("evaluation under load: %.0f cycles, mean %.3fs per cycle (%d services, %d SLOs, interval 3s); evaluation errors: %.0f",
			cycles, secs/cycles, len(services), countSLOs(services), sumPrefix(m1, "slod_evaluation_errors_total")-sumPrefix(m0, "slod_evaluation_errors_total"))
	}

	if os.Getenv("SLOD_WRK") != "" {
		wrk, err := exec.LookPath("wrk")
		if err != nil {
			b.Logf("SLOD_WRK is set but wrk is not installed (apt-get install wrk): %v", err)
			return
		}
		out, err := exec.Command(wrk, "-t2", "-c8", "-d10s", "--latency", d.URL+"/api/v1/services/eighty/can-deploy?priority=normal").CombinedOutput()
		if err != nil {
			b.Fatalf("wrk: %v\n%s", err, out)
		}
		b.Logf("wrk -t2 -c8 -d10s --latency GET can-deploy:\n%s", out)
	}
}

// bareGin serves a small JSON answer from a gin handler with nothing else,
// the baseline for GET can-deploy; it returns the URL.
func bareGin(b *testing.B) string {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/json", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"service": "eighty", "allowed": false, "decision": "deny"})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: r}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/json"
}

// loadLoop sends b.N requests from 8 goroutines and reports throughput and
// latency percentiles.
func loadLoop(b *testing.B, client *http.Client, newReq func() (*http.Request, error)) {
	var (
		mu  sync.Mutex
		all []time.Duration
	)
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		lat := make([]time.Duration, 0, 1024)
		defer func() {
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
		for pb.Next() {
			req, err := newReq()
			if err != nil {
				b.Error(err)
				return
			}
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			lat = append(lat, time.Since(t0))
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
	for _, p := range []float64{50, 95, 99} {
		b.ReportMetric(float64(percentile(all, p).Microseconds()), fmt.Sprintf("p%g-us", p))
	}
}

// sumPrefix adds every series whose name starts with prefix.
func sumPrefix(m map[string]float64, prefix string) float64 {
	var sum float64
	for k, v := range m {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			sum += v
		}
	}
	return sum
}
