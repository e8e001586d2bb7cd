package scenarios_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/demo/promapi"
	"github.com/slo-dev/slo/internal/demo/scenarios"
	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/slo"
)

// slosDir holds the specs the demo data is made for.
const slosDir = "../../../slos"

// counter is a pair of ground-truth counts: bad and total events.
type counter func(s synth.Scenario, from, to time.Time) (bad, total float64)

func serverErrors(s synth.Scenario, from, to time.Time) (float64, float64) {
	return s.Errors(from, to), s.Requests(from, to)
}

func slowRequests(s synth.Scenario, from, to time.Time) (float64, float64) {
	return s.SlowRequests(from, to), s.Requests(from, to)
}

func failedJobs(s synth.Scenario, from, to time.Time) (float64, float64) {
	return s.FailedJobs(from, to), s.Jobs(from, to)
}

// band is what the demo intends for one SLO: its consumed budget in
// [min, max), and whether it burns fast (page level over 1h and 5m) now.
type band struct {
	truth    counter
	min, max float64
	fastBurn bool
}

// intended is keyed by service and SLO name as slos/ spells them.
var intended = map[string]band{
	"checkout/availability":                    {serverErrors, 0, 0.5, false},
	"checkout/latency":                         {slowRequests, 0, 0.5, false},
	"payments-api/API Availability":            {serverErrors, 1, math.Inf(1), false},
	"payments-api/API Latency (p95)":           {slowRequests, 0, 0.5, false},
	"payments-api/Background Job Success Rate": {failedJobs, 0, 0.5, false},
	"search/availability":                      {serverErrors, 0, 0.5, true},
	"billing-jobs/Job Success Rate":            {failedJobs, 0.75, 1, false},
	"notifications/availability":               {serverErrors, 0.5, 0.75, false},
}

// loadSpecs loads slos/, failing on any problem.
func loadSpecs(t *testing.T) []slo.Spec {
	t.Helper()
	specs, problems := slo.Load(slosDir)
	for _, p := range problems {
		t.Errorf("%s:%d %s: %s", p.File, p.Line, p.Field, p.Message)
	}
	if len(specs) == 0 {
		t.Fatalf("no specs in %s", slosDir)
	}
	return specs
}

// startSource serves the demo scenarios for now on a loopback port.
func startSource(t *testing.T, now time.Time) string {
	t.Helper()
	src, err := promapi.Open(context.Background(), t.TempDir(), scenarios.All(now), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("promapi.Open: %v", err)
	}
	srv := httptest.NewServer(src.Handler())
	t.Cleanup(func() {
		srv.Close()
		if err := src.Close(); err != nil {
			t.Errorf("close source: %v", err)
		}
	})
	return srv.URL
}

// ratio queries o's bad/total over rng at now, as slod does.
func ratio(t *testing.T, a v1.API, o slo.SLO, rng string, now time.Time) float64 {
	t.Helper()
	bad, total := o.Queries(rng)
	var v [2]float64
	for i, q := range []string{bad, total} {
		res, _, _, err := a.Query(context.Background(), q, now)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		vec, ok := res.(model.Vector)
		if !ok || len(vec) != 1 {
			t.Fatalf("%s: want one sample, got %v", q, res)
		}
		v[i] = float64(vec[0].Value)
	}
	return v[0] / v[1]
}

// truthRatio sums the ground truth of every scenario of service.
func truthRatio(traffic []synth.Scenario, service string, c counter, from, to time.Time) float64 {
	var bad, total float64
	for _, s := range traffic {
		if s.Service == service {
			b, n := c(s, from, to)
			bad, total = bad+b, total+n
		}
	}
	return bad / total
}

// The data the demo serves must put every SLO in slos/ in its intended
// band, whenever the demo runs: now, just after a month starts (the
// calendar SLO has two hours of data) and at the end of a long month.
func TestScenariosPutEachSLOInItsBand(t *testing.T) {
	specs := loadSpecs(t)
	seen := map[string]bool{}
	for _, now := range []time.Time{
		time.Now(),
		time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC),
		time.Date(2027, 1, 31, 23, 59, 30, 0, time.UTC),
	} {
		t.Run(now.Format(time.RFC3339), func(t *testing.T) {
			client, err := api.NewClient(api.Config{Address: startSource(t, now)})
			if err != nil {
				t.Fatal(err)
			}
			a := v1.NewAPI(client)
			traffic := scenarios.All(now)
			for _, spec := range specs {
				for _, o := range spec.SLOs {
					key := spec.Service + "/" + o.Name
					seen[key] = true
					want, ok := intended[key]
					if !ok {
						t.Errorf("%s: SLO has no intended band; add it to the demo", key)
						continue
					}
					checkSLO(t, a, traffic, spec.Service, o, want, now)
				}
			}
		})
	}
	for key := range intended {
		if !seen[key] {
			t.Errorf("%s: intended band for an SLO slos/ does not have", key)
		}
	}
}

func checkSLO(t *testing.T, a v1.API, traffic []synth.Scenario, service string, o slo.SLO, want band, now time.Time) {
	key := service + "/" + o.Name
	budget := 1 - o.Target
	elapsed, _ := o.Period(now)
	got := ratio(t, a, o, fmt.Sprintf("%ds", int64(elapsed/time.Second)), now)
	truth := truthRatio(traffic, service, want.truth, now.Add(-elapsed), now)
	if math.Abs(got-truth) > 0.01*truth {
		t.Errorf("%s: error ratio over %s = %.6g, ground truth %.6g: more than 1%% apart", key, elapsed, got, truth)
	}
	if consumed := got / budget; consumed < want.min || consumed >= want.max {
		t.Errorf("%s: %.1f%% of the budget consumed, want [%g%%, %g%%)", key, 100*consumed, 100*want.min, 100*want.max)
	}
	page := burnrate.Windows(o.NominalWindow())[0] // the 1h/5m page condition
	if page.Severity != burnrate.SeverityPage || page.Long != time.Hour {
		t.Fatalf("%s: first burn-rate window is %+v, want the 1h page", key, page)
	}
	fast := true
	for _, w := range []time.Duration{page.Long, page.Short} {
		burn := ratio(t, a, o, burnrate.Label(w), now) / budget
		truth := truthRatio(traffic, service, want.truth, now.Add(-w), now) / budget
		if math.Abs(burn-truth) > 0.01*truth {
			t.Errorf("%s: burn rate over %s = %.4g, ground truth %.4g: more than 1%% apart", key, burnrate.Label(w), burn, truth)
		}
		fast = fast && burn > page.Factor
	}
	if fast != want.fastBurn {
		t.Errorf("%s: fast burn over 1h and 5m (factor %.4g) is %v, want %v", key, page.Factor, fast, want.fastBurn)
	}
}
