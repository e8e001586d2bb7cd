package integration

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/app"
	"github.com/slo-dev/slo/internal/testing/promtest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// outageMaxStaleness is the max_staleness of the outage test's specs: long
// enough that the short hang and the resume stay within it, short enough
// that the stop outlasts it within seconds.
const outageMaxStaleness = 8 * time.Second

// outagePoller asks both services' gates over and over and checks every
// single answer: the exhausted service is never allowed, the healthy one is
// allowed exactly while its numbers are younger than max_staleness.
type outagePoller struct {
	t     *testing.T
	d     *slodtest.Slod
	polls int
	// deniedHealthy counts the healthy service's denials (after
	// max_staleness passed during the stop).
	deniedHealthy int
}

func (p *outagePoller) pollFor(phase string, dur time.Duration) {
	p.t.Helper()
	end := time.Now().Add(dur)
	for time.Now().Before(end) {
		p.poll(phase)
		time.Sleep(40 * time.Millisecond)
	}
}

// poll checks one answer of each service and returns the healthy one.
func (p *outagePoller) poll(phase string) slodtest.Gate {
	p.t.Helper()
	p.polls++
	var bad slodtest.Gate
	p.d.GetJSON(p.t, "/api/v1/services/outage-exhausted/can-deploy", &bad)
	if bad.Allowed || bad.Decision != "deny" {
		p.t.Errorf("%s, poll %d: exhausted service %s (allowed %v) %v; it must be denied at every poll",
			phase, p.polls, bad.Decision, bad.Allowed, bad.Codes())
	}
	// Its numbers are judged while they last: the exhausted budget is
	// among the reasons until on_missing_data takes over.
	if !slices.Contains(bad.Codes(), "budget_exhausted") && !slices.Contains(bad.Codes(), "stale_data") {
		p.t.Errorf("%s, poll %d: exhausted service denied by %v, want budget_exhausted or stale_data", phase, p.polls, bad.Codes())
	}

	before := time.Now()
	var ok slodtest.Gate
	p.d.GetJSON(p.t, "/api/v1/services/outage-healthy/can-deploy", &ok)
	after := time.Now()
	s := ok.SLOs[0]
	if s.EvaluatedAt == nil {
		p.t.Fatalf("%s, poll %d: healthy service has no evaluated_at", phase, p.polls)
	}
	// slod answered somewhere between before and after, so the age it saw
	// lies between these two.
	minAge, maxAge := before.Sub(*s.EvaluatedAt), after.Sub(*s.EvaluatedAt)
	switch {
	case ok.Allowed && minAge > outageMaxStaleness:
		p.t.Errorf("%s, poll %d: healthy service allowed on numbers at least %v old, past max_staleness %v",
			phase, p.polls, minAge.Round(time.Millisecond), outageMaxStaleness)
	case !ok.Allowed && maxAge <= outageMaxStaleness:
		p.t.Errorf("%s, poll %d: healthy service denied (%v) on numbers at most %v old, within max_staleness",
			phase, p.polls, ok.Codes(), maxAge.Round(time.Millisecond))
	case !ok.Allowed:
		p.deniedHealthy++
		if !slices.Contains(ok.Codes(), "stale_data") {
			p.t.Errorf("%s, poll %d: healthy service denied by %v, want stale_data", phase, p.polls, ok.Codes())
		}
	}
	if ok.Stale != s.Stale {
		p.t.Errorf("%s, poll %d: service stale=%v but its one SLO stale=%v", phase, p.polls, ok.Stale, s.Stale)
	}
	return ok
}

// testOutageNeverOpens replays a monitoring incident: Prometheus hangs,
// comes back briefly, then stops, and finally returns. A failed measurement
// must never turn the exhausted service's denial into an allow.
func testOutageNeverOpens(t *testing.T, srv *promtest.Server) {
	policy := "policy:\n  min_events: 100\n  max_staleness: 8s\n"
	dir := slodtest.WriteSpecs(t, map[string]string{
		"exhausted.yaml": eventsSpec("outage-exhausted", "exhausted", "99.9%", "window: 30d", policy),
		"healthy.yaml":   eventsSpec("outage-healthy", "healthy", "99.9%", "window: 30d", policy),
	})
	d := slodtest.Start(t, slodtest.Options{SLOs: dir, PrometheusURL: srv.URL, Interval: time.Second, Tune: func(c *app.Config) {
		c.Prometheus.QueryTimeout = 400 * time.Millisecond
		c.Prometheus.BackoffBase = 20 * time.Millisecond
		c.Prometheus.BackoffMax = 100 * time.Millisecond
		c.Prometheus.BreakerOpenTimeout = time.Second
	}})
	d.Fresh(t, "outage-exhausted", 30*time.Second)
	d.Fresh(t, "outage-healthy", 30*time.Second)
	p := &outagePoller{t: t, d: d}
	p.pollFor("before the incident", time.Second)

	srv.Pause()
	paused, stopped := true, false
	defer func() {
		switch {
		case paused:
			srv.Resume()
		case stopped:
			srv.Start()
		}
	}()
	p.pollFor("Prometheus hung", 4*time.Second)
	if g := d.Service(t, "outage-exhausted"); !g.Stale || g.SLOs[0].Error == "" {
		t.Errorf("while hung: exhausted service stale=%v error=%q, want stale with the error", g.Stale, g.SLOs[0].Error)
	}

	srv.Resume()
	paused = false
	p.pollFor("Prometheus resumed briefly", 1500*time.Millisecond)

	srv.Stop()
	stopped = true
	// Long enough for the healthy service's numbers to pass max_staleness
	// and be denied for a while.
	slodtest.WaitFor(t, 30*time.Second, "the healthy service to pass max_staleness", func() bool {
		return !p.poll("Prometheus stopped").Allowed
	})
	p.pollFor("Prometheus stopped, past max_staleness", 2*time.Second)
	if p.deniedHealthy == 0 {
		t.Errorf("the healthy service was never denied after max_staleness")
	}

	srv.Start()
	stopped = false
	took := slodtest.WaitFor(t, 30*time.Second, "both services fresh again", func() bool {
		g := p.poll("Prometheus back")
		return g.Allowed && !g.Stale && !d.Service(t, "outage-exhausted").Stale
	})
	t.Logf("fresh again %v after Prometheus returned", took.Round(time.Millisecond))
	if g := d.Service(t, "outage-exhausted"); g.Decision != "deny" || !slices.Contains(g.Codes(), "budget_exhausted") {
		t.Errorf("exhausted service after recovery: %s %v, want deny with budget_exhausted", g.Decision, g.Codes())
	}
	if p.polls < 100 {
		t.Errorf("only %d polls across the incident, want at least 100", p.polls)
	}
	t.Logf("%d polls of each service across hang, resume, stop and return; healthy denied %d times after max_staleness",
		p.polls, p.deniedHealthy)
}

// testNoSeries: a typo'd metric is not a quiet service. It warns within
// no_series_grace and is denied after it, naming the query; an error query
// without series while total has some is zero errors.
func testNoSeries(t *testing.T, srv *promtest.Server) {
	typo := `service: typo
slos:
  - name: availability
    target: 99.9%
    window: 30d
    sli:
      events:
        errors: sum(rate(http_requets_total{service="healthy",code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requets_total{service="healthy"}[{{.window}}]))
policy:
  no_series_grace: 4s
`
	// No request of the healthy scenario ever has code 599.
	never5xx := `service: never-5xx
slos:
  - name: availability
    target: 99.9%
    window: 30d
    sli:
      events:
        errors: sum(rate(http_requests_total{service="healthy",code="599"}[{{.window}}]))
        total: sum(rate(http_requests_total{service="healthy"}[{{.window}}]))
`
	dir := slodtest.WriteSpecs(t, map[string]string{"typo.yaml": typo, "never-5xx.yaml": never5xx})
	startedAt := time.Now()
	d := slodtest.Start(t, slodtest.Options{SLOs: dir, PrometheusURL: srv.URL, Interval: time.Second})

	query := `sum(rate(http_requets_total{service="healthy"}[2592000s]))`
	var first slodtest.Gate
	slodtest.WaitFor(t, 10*time.Second, "a failed measurement of typo", func() bool {
		first = d.Service(t, "typo")
		return first.SLOs[0].Error != ""
	})
	// The failures began after slod started, so an answer this early is
	// within the 4s grace.
	if time.Since(startedAt) < 3500*time.Millisecond && (first.Decision != "warn" || !slices.Equal(first.Codes(), []string{"no_series"})) {
		t.Errorf("typo within no_series_grace: %s %v, want warn with no_series", first.Decision, first.Codes())
	}
	s := first.SLOs[0]
	if !strings.Contains(s.Error, query) || s.SLI != nil || s.EvaluatedAt != nil || !s.Stale {
		t.Errorf("typo SLO: error %q sli %v evaluated_at %v stale %v; want the query named, null SLI, never evaluated, stale",
			s.Error, s.SLI, s.EvaluatedAt, s.Stale)
	}

	g := d.Fresh(t, "never-5xx", 30*time.Second)
	if s := g.SLOs[0]; g.Decision != "allow" || s.Budget.FailedEvents != 0 || s.Budget.Consumed != 0 || s.Budget.TotalEvents < 1e6 {
		t.Errorf("never-5xx: %s %v, failed %v consumed %v of %v events; want allow, 0 failed of about 26M",
			g.Decision, g.Codes(), s.Budget.FailedEvents, s.Budget.Consumed, s.Budget.TotalEvents)
	}

	slodtest.WaitFor(t, 15*time.Second, "typo to be denied after no_series_grace", func() bool {
		return d.Service(t, "typo").Decision == "deny"
	})
	cd := d.CanDeploy(t, "typo", "normal", "v1")
	if cd.Allowed || !slices.Equal(cd.Codes(), []string{"no_series"}) || !strings.Contains(cd.Reasons[0].Message, query) {
		t.Errorf("typo after grace: %s %v %q; want deny, no_series naming %s", cd.Decision, cd.Codes(), cd.Reasons, query)
	}
	// slod's own meta-alert input counts the failing evaluations.
	if v := metric(t, metrics(t, d), `slod_evaluation_errors_total{service="typo"}`); v < 2 {
		t.Errorf(`slod_evaluation_errors_total{service="typo"} = %v, want every cycle counted`, v)
	}
	if status, _, _ := d.Do(t, http.MethodGet, "/readyz", nil, nil); status != http.StatusOK {
		t.Errorf("/readyz %d with one broken SLO, want 200", status)
	}
}
