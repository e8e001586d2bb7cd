package integration

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/testing/promtest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// testBacktest: POST /api/v1/backtest answers a running service from its
// ledger and a proposed spec from Prometheus; an invalid spec gets its
// file:line:field problems; and backtests run back to back from several
// clients, each fetching a month from Prometheus, never keep can-deploy
// from staying fresh.
func testBacktest(t *testing.T, srv *promtest.Server) {
	spec := eventsSpec("bt", "healthy", "99.9%", "window: 30d", "")
	dir := slodtest.WriteSpecs(t, map[string]string{"bt.yaml": spec})
	const interval = time.Second
	d := slodtest.Start(t, slodtest.Options{SLOs: dir, PrometheusURL: srv.URL, Interval: interval, Quiet: true})
	d.Fresh(t, "bt", 30*time.Second)

	post := func(req api.BacktestRequest) (int, []byte) {
		body, _ := json.Marshal(req)
		code, _, out := d.Do(t, http.MethodPost, "/api/v1/backtest", bytes.NewReader(body), map[string]string{"Content-Type": "application/json"})
		return code, out
	}
	from := time.Now().Add(-7 * 24 * time.Hour)

	// Another query text: the same events, fetched from Prometheus.
	proposed := strings.Replace(spec, "sum(rate(", "sum (rate(", 2)
	code, out := post(api.BacktestRequest{Service: "bt", Spec: "", From: &from})
	var bt api.Backtest
	if code != http.StatusOK || json.Unmarshal(out, &bt) != nil || bt.Result.SLOs[0].Source != "ledger" {
		t.Fatalf("service backtest: %d %s", code, out)
	}
	code, out = post(api.BacktestRequest{Spec: proposed, File: "bt.yaml", From: &from, AgainstTargets: map[string]float64{"availability": 99.99}})
	if code != http.StatusOK || json.Unmarshal(out, &bt) != nil || bt.Result.SLOs[0].Source != "prometheus" || bt.Against == nil || bt.Diff == nil {
		t.Fatalf("proposed spec backtest: %d %s", code, out)
	}

	code, out = post(api.BacktestRequest{Spec: strings.Replace(spec, "window: 30d", "windw: 30d", 1), File: "services/bt/slo.yaml"})
	var p api.Problem
	named := false
	if code == http.StatusBadRequest && json.Unmarshal(out, &p) == nil && p.Type == api.ProblemInvalidSpec {
		for _, q := range p.Problems {
			named = named || (q.File == "services/bt/slo.yaml" && q.Line == 5 && q.Field == "slos[0].windw")
		}
	}
	if !named {
		t.Errorf("invalid spec: %d %s, want invalid-spec naming services/bt/slo.yaml:5 slos[0].windw", code, out)
	}
	tooOld := time.Now().Add(-100 * 24 * time.Hour)
	if code, out = post(api.BacktestRequest{Service: "bt", From: &tooOld}); code != http.StatusBadRequest || !strings.Contains(string(out), "90 days") {
		t.Errorf("100 days: %d %s, want 400 naming the 90-day cap", code, out)
	}

	// Four clients backtest a month from Prometheus back to back for 15
	// seconds; meanwhile the gate's numbers must keep being measured.
	month := time.Now().Add(-30 * 24 * time.Hour)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	ran := map[int]int{}
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, _ := post(api.BacktestRequest{Spec: proposed, From: &month})
				mu.Lock()
				ran[code]++
				mu.Unlock()
			}
		})
	}
	deadline := time.Now().Add(15 * time.Second)
	var oldest time.Duration
	for time.Now().Before(deadline) {
		g := d.Service(t, "bt")
		at := g.SLOs[0].EvaluatedAt
		if g.Stale || at == nil {
			t.Fatalf("can-deploy went stale during backtests: %+v", g)
		}
		oldest = max(oldest, time.Since(*at))
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if ran[http.StatusOK] == 0 {
		t.Errorf("backtests answered %v, want some 200s", ran)
	}
	// Evaluated every second: numbers older than 5 intervals mean the
	// backtests held up the cycle.
	if oldest > 5*interval {
		t.Errorf("numbers up to %s old during the backtests (%v), want under %s", oldest, ran, 5*interval)
	}
	t.Logf("backtests during the run: %v; numbers at most %s old", ran, oldest.Round(time.Millisecond))
}
