package chaos

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/app"
	"github.com/slo-dev/slo/internal/testing/promtest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// chaosPeriod is how long the proxy misbehaves.
const chaosPeriod = 12 * time.Second

// flakyService is a service of the history and the gate it was built for.
type flakyService struct {
	name    string
	allowed bool
	// code is the reason a denial must carry.
	code         string
	maxStaleness time.Duration
}

// The denied services trust their numbers only briefly, so the chaos ages
// them past max_staleness; healthy's are trusted long enough that any
// denial of it during the chaos is wrong.
var flakyServices = []flakyService{
	{name: "healthy", allowed: true, maxStaleness: time.Minute},
	{name: "exhausted", code: "budget_exhausted", maxStaleness: 3 * time.Second},
	{name: "burning", code: "fast_burn", maxStaleness: 3 * time.Second},
}

// answer is one can-deploy check made while the proxy misbehaved.
type answer struct {
	svc    flakyService
	sent   time.Time
	took   time.Duration
	status int
	gate   slodtest.Gate
	err    error
}

// testFlakyPrometheus: while Prometheus, behind a proxy, misbehaves as mix
// says (errs, stalls, drops connections, truncates bodies, answers for the
// wrong time), every check is answered, nothing denied is allowed, aged
// numbers are marked stale, and the gate is fresh and right once the faults
// stop.
func testFlakyPrometheus(t *testing.T, srv *promtest.Server, mix faultMix, rng *rand.Rand) {
	proxy := newChaosProxy(t, srv.URL, mix, rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())))
	specs := map[string]string{}
	for _, s := range flakyServices {
		specs[s.name+".yaml"] = spec(s.name, model.Duration(s.maxStaleness).String())
	}
	d := slodtest.Start(t, slodtest.Options{SLOs: slodtest.WriteSpecs(t, specs), PrometheusURL: proxy.URL, Quiet: true,
		Tune: func(c *app.Config) {
			c.Prometheus.QueryTimeout = 500 * time.Millisecond
			c.Prometheus.BackoffBase = 20 * time.Millisecond
			c.Prometheus.BackoffMax = 100 * time.Millisecond
			c.Prometheus.BreakerOpenTimeout = time.Second
		}})
	for _, s := range flakyServices {
		checkDesign(t, "before the chaos", d.Fresh(t, s.name, 30*time.Second), s)
	}

	proxy.misbehaving.Store(true)
	answers := checkDuring(d, chaosPeriod)
	proxy.misbehaving.Store(false)
	ended := time.Now()
	t.Logf("the proxy's faults over %v: %v", chaosPeriod, proxy.Counts())
	judge(t, answers)

	took := slodtest.WaitFor(t, 30*time.Second, "fresh numbers after the chaos", func() bool {
		for _, s := range flakyServices {
			g := d.Service(t, s.name)
			if g.Stale || g.EvaluatedAt == nil || !g.EvaluatedAt.After(ended) {
				return false
			}
		}
		return true
	})
	t.Logf("fresh again %v after the chaos ended", took.Round(time.Millisecond))
	for _, s := range flakyServices {
		g := d.CanDeploy(t, s.name, "normal", "after-chaos")
		if g.Stale {
			t.Errorf("%s after the chaos: stale answer %v", s.name, g.Codes())
		}
		checkDesign(t, "after the chaos", g, s)
	}
}

// checkDesign fails the test unless g is the gate s was built for.
func checkDesign(t *testing.T, when string, g slodtest.Gate, s flakyService) {
	t.Helper()
	if g.Allowed != s.allowed || (s.code != "" && !slices.Contains(g.Codes(), s.code)) {
		t.Errorf("%s %s: %s allowed=%v %v, want allowed=%v with %q", s.name, when, g.Decision, g.Allowed, g.Codes(), s.allowed, s.code)
	}
	if s.name == "burning" {
		if p := wrongTime(g); p != "" {
			t.Errorf("burning %s: %s", when, p)
		}
	}
}

// checkDuring POSTs can-deploy checks for every service, one client each,
// for period (at most 2000 per service), and returns every answer.
func checkDuring(d *slodtest.Slod, period time.Duration) []answer {
	client := &http.Client{Timeout: 10 * time.Second}
	var (
		mu  sync.Mutex
		out []answer
		wg  sync.WaitGroup
	)
	deadline := time.Now().Add(period)
	for _, s := range flakyServices {
		wg.Go(func() {
			for i := 0; i < 2000 && time.Now().Before(deadline); i++ {
				a := check(client, d.URL, s, fmt.Sprintf("chaos-%d", i))
				mu.Lock()
				out = append(out, a)
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	return out
}

// check makes one audited can-deploy check for a normal deploy.
func check(client *http.Client, base string, s flakyService, version string) answer {
	a := answer{svc: s, sent: time.Now()}
	var body []byte
	a.status, body, a.err = post(client, base, s.name, version)
	a.took = time.Since(a.sent)
	if a.err == nil {
		a.err = json.Unmarshal(body, &a.gate)
	}
	return a
}

// judge checks every answer given during the chaos and logs the figures:
// latency percentiles, stale and aged answers per service.
func judge(t *testing.T, answers []answer) {
	t.Helper()
	var (
		lat      []time.Duration
		problems []string
		stale    = map[string]int{}
		aged     = map[string]int{}
		total    = map[string]int{}
	)
	for _, a := range answers {
		total[a.svc.name]++
		if a.err != nil || a.status != http.StatusOK || a.gate.DecisionID == nil {
			problems = append(problems, fmt.Sprintf("%s: not answered with a logged decision: status %d, err %v", a.svc.name, a.status, a.err))
			continue
		}
		lat = append(lat, a.took)
		if a.gate.Stale {
			stale[a.svc.name]++
		}
		if olderThan(a.gate, a.sent, a.svc.maxStaleness) {
			aged[a.svc.name]++
		}
		problems = append(problems, answerProblems(a)...)
	}
	slices.Sort(lat)
	over := len(lat) - atMost(lat, time.Second)
	t.Logf("can-deploy during the chaos: %d answers (%v), latency p50 %v, p99 %v, max %v, %d over 1s; stale answers %v; numbers older than max_staleness %v",
		len(answers), total, percentile(lat, 50), percentile(lat, 99), percentile(lat, 100), over, stale, aged)
	for _, s := range flakyServices {
		if stale[s.name] == 0 {
			t.Errorf("%s: no stale answer during the chaos: did the faults reach slod?", s.name)
		}
	}
	for i, p := range problems {
		if i == 20 {
			t.Errorf("... and %d more problems", len(problems)-i)
			break
		}
		t.Error(p)
	}
}

// answerProblems is what is wrong with one answer given during the chaos.
func answerProblems(a answer) []string {
	var out []string
	g, s := a.gate, a.svc
	switch {
	case g.Allowed && !s.allowed:
		out = append(out, fmt.Sprintf("%s: wrong allow (%s %v) at %s", s.name, g.Decision, g.Codes(), a.sent.Format(time.StampMilli)))
	case !g.Allowed && s.allowed && !olderThan(g, a.sent, s.maxStaleness):
		out = append(out, fmt.Sprintf("%s: denied (%v) on numbers younger than max_staleness", s.name, g.Codes()))
	}
	for _, o := range g.SLOs {
		if o.Error != "" && !o.Stale {
			out = append(out, fmt.Sprintf("%s: SLO %s carries error %q but is not stale", s.name, o.Name, o.Error))
		}
	}
	if olderThan(g, a.sent, s.maxStaleness) && !(g.Stale && slices.Contains(g.Codes(), "stale_data")) {
		out = append(out, fmt.Sprintf("%s: numbers older than max_staleness %v, but stale=%v %v", s.name, s.maxStaleness, g.Stale, g.Codes()))
	}
	if s.name == "burning" {
		if p := wrongTime(g); p != "" {
			out = append(out, "burning: "+p)
		}
	}
	return out
}

// olderThan reports whether some SLO's numbers were older than d when
// slod answered. slod answered after sent, so being older than d at sent
// proves it, whatever the request's latency.
func olderThan(g slodtest.Gate, sent time.Time, d time.Duration) bool {
	for _, o := range g.SLOs {
		if o.EvaluatedAt == nil || sent.Sub(*o.EvaluatedAt) > d {
			return true
		}
	}
	return false
}

// wrongTime names a number of the burning service that can only come from
// a Prometheus answer for another time: its incident has errors in every
// window now, and none an hour before it began.
func wrongTime(g slodtest.Gate) string {
	for _, o := range g.SLOs {
		if o.Budget.Consumed <= 0 {
			return fmt.Sprintf("SLO %s: budget consumed %v, want > 0", o.Name, o.Budget.Consumed)
		}
		for w, r := range o.BurnRates {
			if r <= 0 {
				return fmt.Sprintf("SLO %s: %s burn rate %v, want > 0", o.Name, w, r)
			}
		}
	}
	return ""
}

// atMost returns how many of the sorted durations are at most d.
func atMost(sorted []time.Duration, d time.Duration) int {
	n, _ := slices.BinarySearch(sorted, d+1)
	return n
}

// percentile of sorted durations (nearest rank); 100 is the maximum.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}
