package chaos

import (
	"fmt"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/testing/promtest"
)

// haBenchFor is how long each side of the throughput comparison runs.
const haBenchFor = 5 * time.Second

// BenchmarkHAThroughput compares, in one run on one PostgreSQL, audited
// can-deploy POSTs and GETs sent to one replica with the same clients
// spread over three (make bench-ha). On one machine the replicas share
// its cores with PostgreSQL and the clients, so the ratio says what a
// replica costs here, not what three machines would give.
func BenchmarkHAThroughput(b *testing.B) {
	h := newHistory(time.Now())
	srv := promtest.Start(b, h.healthy, h.exhausted)
	c := startCluster(b, srv)
	c.leader("r1", "")
	one := []string{c.replicas["r1"].URL}
	three := []string{c.replicas["r1"].URL, c.replicas["r2"].URL, c.replicas["r3"].URL}
	for range b.N {
		for _, side := range []struct {
			name  string
			bases []string
		}{{"1 replica", one}, {"3 replicas", three}} {
			posts := postRate(side.bases, side.name)
			gets, p99 := getRate(side.bases)
			b.Logf("%s: %.0f POST/s acknowledged, %.0f GET/s (p99 %v)", side.name, posts, gets, p99.Round(10*time.Microsecond))
			b.ReportMetric(posts, fmt.Sprintf("post/s-%c", side.name[0]))
			b.ReportMetric(gets, fmt.Sprintf("get/s-%c", side.name[0]))
		}
	}
}

// benchLoads is how many loads (of the load's clients each) run at once,
// spread over the replicas: as many clients for one replica as for three.
const benchLoads = 3

// postRate POSTs checks from benchLoads loads spread over bases for
// haBenchFor and returns the acknowledged ones per second.
func postRate(bases []string, prefix string) float64 {
	stop := make(chan struct{})
	results := make(chan loadResult, benchLoads)
	began := time.Now()
	for i := range benchLoads {
		base := bases[i%len(bases)]
		go func() {
			results <- load(base, fmt.Sprintf("bench-%s-%d", prefix, i), []string{"healthy", "exhausted"}, stop)
		}()
	}
	time.Sleep(haBenchFor)
	close(stop)
	acks := 0
	for range benchLoads {
		acks += len((<-results).acks)
	}
	return float64(acks) / time.Since(began).Seconds()
}

// getRate GETs can-deploy from bases for haBenchFor: answers per second
// and the p99 latency.
func getRate(bases []string) (float64, time.Duration) {
	stop := make(chan struct{})
	g := &getLoad{}
	began := time.Now()
	wg := g.run(bases, benchLoads*clients, stop)
	time.Sleep(haBenchFor)
	close(stop)
	wg.Wait()
	return float64(len(g.latencies)-len(g.errors)) / time.Since(began).Seconds(), g.p99()
}
