package integration

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/app"
	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/testing/promtest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

const breakerState = `slod_circuit_breaker_state{dependency="prometheus"}`

func queries(m map[string]float64, result string) float64 {
	return m[`slod_prometheus_queries_total{result="`+result+`"}`]
}

// faultProxy is a loopback reverse proxy in front of Prometheus that
// answers 503 while failing is set, counting what it sees.
type faultProxy struct {
	*httptest.Server
	failing atomic.Bool
	seen    atomic.Int64 // every request
	mu      sync.Mutex
	// refused counts the 503s per PromQL query, to see retries.
	refused map[string]int
}

func newFaultProxy(t *testing.T, target string) *faultProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &faultProxy{refused: map[string]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.seen.Add(1)
		if !p.failing.Load() {
			rp.ServeHTTP(w, r)
			return
		}
		_ = r.ParseForm()
		p.mu.Lock()
		p.refused[r.Form.Get("query")]++
		p.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "injected failure")
	}))
	t.Cleanup(p.Close)
	return p
}

// maxRefused is the most 503s one query received, and how many queries
// received any.
func (p *faultProxy) maxRefused() (most, queries int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range p.refused {
		most = max(most, n)
	}
	return most, len(p.refused)
}

// testPrometheus5xx: 5xx answers are retried, then the breaker opens and
// stops the traffic; after the failures end and the open timeout passes,
// slod recovers.
func testPrometheus5xx(t *testing.T, srv *promtest.Server) {
	proxy := newFaultProxy(t, srv.URL)
	const openTimeout = 5 * time.Second
	dir := slodtest.WriteSpecs(t, map[string]string{"flaky.yaml": eventsSpec("flaky", "healthy", "99.9%", "window: 30d", "policy:\n  min_events: 100\n")})
	d := slodtest.Start(t, slodtest.Options{SLOs: dir, PrometheusURL: proxy.URL, Tune: func(c *app.Config) {
		c.Prometheus.MaxRetries = 2
		c.Prometheus.BackoffBase = 20 * time.Millisecond
		c.Prometheus.BackoffMax = 100 * time.Millisecond
		c.Prometheus.BreakerFailures = 10
		c.Prometheus.BreakerOpenTimeout = openTimeout
	}})
	d.Fresh(t, "flaky", 30*time.Second)
	m0 := metrics(t, d)
	if v := metric(t, m0, breakerState); v != 0 {
		t.Fatalf("breaker state %v before any failure, want 0", v)
	}

	proxy.failing.Store(true)
	failedAt := time.Now()
	slodtest.WaitFor(t, 15*time.Second, "the breaker to open", func() bool { return metrics(t, d)[breakerState] == 2 })
	openedAfter := time.Since(failedAt)
	time.Sleep(200 * time.Millisecond) // attempts already on the wire may still land
	m1 := metrics(t, d)
	most, distinct := proxy.maxRefused()
	t.Logf("breaker open %v after the 503s began; the proxy refused %d requests for %d distinct queries (at most %d for one query); retries counted: %.0f",
		openedAfter.Round(time.Millisecond), proxy.seen.Load(), distinct, most, queries(m1, "retry")-queries(m0, "retry"))
	if most < 2 {
		t.Errorf("no query was retried: at most %d attempt(s) per query reached the proxy", most)
	}
	if queries(m1, "retry") <= queries(m0, "retry") || queries(m1, "error") <= queries(m0, "error") {
		t.Errorf("slod_prometheus_queries_total: retry %v -> %v, error %v -> %v; want both to grow",
			queries(m0, "retry"), queries(m1, "retry"), queries(m0, "error"), queries(m1, "error"))
	}

	// While open, nothing reaches Prometheus; the gate answers from the
	// last good snapshot.
	seen := proxy.seen.Load()
	time.Sleep(time.Second)
	if n := proxy.seen.Load(); n != seen {
		t.Errorf("the proxy saw %d requests while the breaker was open", n-seen)
	}
	m2 := metrics(t, d)
	if queries(m2, "rejected") <= queries(m1, "rejected") && queries(m1, "rejected") <= queries(m0, "rejected") {
		t.Errorf(`slod_prometheus_queries_total{result="rejected"} did not grow while the breaker was open`)
	}
	g := d.Service(t, "flaky")
	if !g.Stale || !strings.Contains(g.LastError, "circuit open") {
		t.Errorf("while open: stale=%v last_error=%q, want stale and a circuit-open error", g.Stale, g.LastError)
	}
	cd := d.CanDeploy(t, "flaky", "normal", "v1")
	if !cd.Stale || !cd.Allowed || !slices.Contains(cd.Codes(), "stale_data") {
		t.Errorf("can-deploy while open: stale=%v %s %v, want stale, allowed with stale_data (max_staleness not reached)", cd.Stale, cd.Decision, cd.Codes())
	}

	proxy.failing.Store(false)
	clearedAt := time.Now()
	slodtest.WaitFor(t, openTimeout+15*time.Second, "recovery (breaker closed, fresh data)", func() bool {
		return metrics(t, d)[breakerState] == 0 && !d.Service(t, "flaky").Stale
	})
	t.Logf("recovered %v after the 503s stopped (open timeout %v)", time.Since(clearedAt).Round(time.Millisecond), openTimeout)
	if proxy.seen.Load() == seen {
		t.Errorf("recovered without any request reaching the proxy")
	}
}

// testPrometheusHung: a Prometheus that accepts connections but never
// answers (SIGSTOP). Query timeouts hold, the API keeps answering, the
// data goes stale, and slod recovers once Prometheus resumes.
func testPrometheusHung(t *testing.T, srv *promtest.Server) {
	const queryTimeout = 500 * time.Millisecond
	dir := slodtest.WriteSpecs(t, map[string]string{"hung.yaml": eventsSpec("hung", "healthy", "99.9%", "window: 30d", "policy:\n  min_events: 100\n")})
	d := slodtest.Start(t, slodtest.Options{SLOs: dir, PrometheusURL: srv.URL, Tune: func(c *app.Config) {
		c.Prometheus.QueryTimeout = queryTimeout
		c.Prometheus.BackoffBase = 20 * time.Millisecond
		c.Prometheus.BackoffMax = 100 * time.Millisecond
		c.Prometheus.BreakerOpenTimeout = time.Second
	}})
	d.Fresh(t, "hung", 30*time.Second)
	m0 := metrics(t, d)

	srv.Pause()
	paused := true
	defer func() {
		if paused {
			srv.Resume()
		}
	}()
	pausedAt := time.Now()
	var lat []time.Duration
	var staleAfter time.Duration
	for time.Since(pausedAt) < 4*time.Second || staleAfter == 0 {
		if time.Since(pausedAt) > 20*time.Second {
			t.Fatalf("no stale answer within 20s of pausing Prometheus")
		}
		start := time.Now()
		status, _, body := d.Do(t, http.MethodGet, "/api/v1/services/hung/can-deploy", nil, nil)
		lat = append(lat, time.Since(start))
		if status != http.StatusOK {
			t.Fatalf("can-deploy while Prometheus hangs: status %d: %s", status, body)
		}
		if staleAfter == 0 && strings.Contains(string(body), `"stale":true`) {
			staleAfter = time.Since(pausedAt)
		}
		time.Sleep(50 * time.Millisecond)
	}
	slices.Sort(lat)
	t.Logf("while Prometheus hung: %d can-deploy answers, p50 %v, max %v; stale after %v (query timeout %v)",
		len(lat), percentile(lat, 50), lat[len(lat)-1], staleAfter.Round(time.Millisecond), queryTimeout)

	m1 := metrics(t, d)
	if queries(m1, "error") <= queries(m0, "error") {
		t.Errorf(`slod_prometheus_queries_total{result="error"} did not grow: %v -> %v`, queries(m0, "error"), queries(m1, "error"))
	}
	// Timeouts hold: no attempt ran anywhere near the 2.5s bucket, five
	// times the query timeout.
	count := metric(t, m1, "slod_prometheus_query_duration_seconds_count")
	within := metric(t, m1, `slod_prometheus_query_duration_seconds_bucket{le="2.5"}`)
	if within != count {
		t.Errorf("%v of %v query attempts took over 2.5s despite a %v query timeout", count-within, count, queryTimeout)
	}
	t.Logf("query attempts: %.0f, %.0f within 0.5s, %.0f within 1s; breaker state %v",
		count, m1[`slod_prometheus_query_duration_seconds_bucket{le="0.5"}`], m1[`slod_prometheus_query_duration_seconds_bucket{le="1"}`], m1[breakerState])
	g := d.Service(t, "hung")
	if !g.Stale || g.LastError == "" {
		t.Errorf("while hung: stale=%v last_error=%q, want stale with an error", g.Stale, g.LastError)
	}

	srv.Resume()
	paused = false
	took := slodtest.WaitFor(t, 20*time.Second, "recovery after resuming Prometheus", func() bool { return !d.Service(t, "hung").Stale })
	t.Logf("fresh again %v after Prometheus resumed", took.Round(time.Millisecond))
}

// testPrometheusStopped: with Prometheus gone the gate keeps answering from
// the last snapshot, marked stale; once max_staleness passes the policy's
// on_missing_data applies.
func testPrometheusStopped(t *testing.T, srv *promtest.Server, sc *scenarios) {
	dir := slodtest.WriteSpecs(t, map[string]string{
		"deny.yaml":  eventsSpec("stopped-deny", "healthy", "99.9%", "window: 30d", "policy:\n  min_events: 100\n  max_staleness: 5s\n"),
		"allow.yaml": eventsSpec("stopped-allow", "healthy", "99.9%", "window: 30d", "policy:\n  min_events: 100\n  max_staleness: 5s\n  on_missing_data: allow\n"),
	})
	d := slodtest.Start(t, slodtest.Options{SLOs: dir, PrometheusURL: srv.URL, Tune: func(c *app.Config) {
		c.Prometheus.BackoffBase = 20 * time.Millisecond
		c.Prometheus.BackoffMax = 100 * time.Millisecond
		c.Prometheus.BreakerOpenTimeout = 2 * time.Second
	}})
	d.Fresh(t, "stopped-deny", 30*time.Second)
	d.Fresh(t, "stopped-allow", 30*time.Second)
	srv.Stop()
	stopped := true
	defer func() {
		if stopped {
			srv.Start()
		}
	}()
	stoppedAt := time.Now()
	var first slodtest.Gate
	staleAfter := slodtest.WaitFor(t, 10*time.Second, "a stale can-deploy answer", func() bool {
		var g slodtest.Gate
		d.GetJSON(t, "/api/v1/services/stopped-deny/can-deploy", &g) // fails the test on anything but 200
		first = g
		return g.Stale
	})
	t.Logf("can-deploy stale %v after Prometheus stopped", staleAfter.Round(time.Millisecond))
	if first.EvaluatedAt == nil || first.EvaluatedAt.After(stoppedAt) {
		t.Fatalf("stale answer evaluated at %v, after Prometheus stopped at %v", first.EvaluatedAt, stoppedAt)
	}
	if age := time.Since(*first.EvaluatedAt); age < 4*time.Second {
		// Within max_staleness: the last good numbers, with a warning.
		if !first.Allowed || first.Decision != "warn" || !slices.Contains(first.Codes(), "stale_data") {
			t.Errorf("stale within max_staleness: %s allowed=%v %v, want warn with stale_data", first.Decision, first.Allowed, first.Codes())
		}
	}
	// The numbers are those of the last good evaluation (the SLO carries
	// the error of the failed one)...
	last := first.SLOs[0]
	if last.Error == "" {
		t.Errorf("stale SLO without the error of the failed evaluation")
	}
	last.Error = ""
	checkSLO(t, "stale answer", last, availability(sc.healthy, 0.999, 30*synth.Day, 100))
	// ... and stay so.
	time.Sleep(1500 * time.Millisecond)
	var again slodtest.Gate
	d.GetJSON(t, "/api/v1/services/stopped-deny/can-deploy", &again)
	if diff := numbersDiff(first, again); diff != "" {
		t.Errorf("numbers changed while Prometheus was down: %s", diff)
	}

	// After max_staleness the policy decides.
	slodtest.WaitFor(t, 15*time.Second, "max_staleness to pass", func() bool {
		var g slodtest.Gate
		d.GetJSON(t, "/api/v1/services/stopped-deny/can-deploy", &g)
		return g.Decision == "deny"
	})
	check := func(service, priority string, allowed bool, decision string) {
		t.Helper()
		var g slodtest.Gate
		d.GetJSON(t, "/api/v1/services/"+service+"/can-deploy?priority="+priority, &g)
		if g.Allowed != allowed || g.Decision != decision || !g.Stale || !slices.Contains(g.Codes(), "stale_data") {
			t.Errorf("%s %s after max_staleness: %s allowed=%v stale=%v %v, want %s allowed=%v, stale, with stale_data",
				priority, service, g.Decision, g.Allowed, g.Stale, g.Codes(), decision, allowed)
		}
		if diff := numbersDiff(first, g); diff != "" && service == "stopped-deny" {
			t.Errorf("%s: numbers changed while Prometheus was down: %s", service, diff)
		}
	}
	check("stopped-deny", "normal", false, "deny")
	check("stopped-deny", "critical", true, "warn")
	check("stopped-deny", "rollback", true, "warn")
	check("stopped-allow", "normal", true, "warn")
	// Audited checks answer the same.
	if cd := d.CanDeploy(t, "stopped-deny", "normal", "v9"); cd.Allowed || !slices.Contains(cd.Codes(), "stale_data") {
		t.Errorf("POST can-deploy after max_staleness: %s %v, want deny with stale_data", cd.Decision, cd.Codes())
	}
	if status, _, _ := d.Do(t, http.MethodGet, "/readyz", nil, nil); status != http.StatusOK {
		t.Errorf("/readyz %d while Prometheus is down, want 200 (the last snapshot serves)", status)
	}

	srv.Start()
	stopped = false
	took := slodtest.WaitFor(t, 30*time.Second, "fresh data after Prometheus restarted", func() bool {
		g := d.Service(t, "stopped-deny")
		return !g.Stale && g.Decision == "allow"
	})
	t.Logf("fresh again %v after Prometheus restarted", took.Round(time.Millisecond))
}

// numbersDiff names the first measured number that differs.
func numbersDiff(a, b slodtest.Gate) string {
	if len(a.SLOs) != len(b.SLOs) {
		return fmt.Sprintf("%d SLOs vs %d", len(a.SLOs), len(b.SLOs))
	}
	for i := range a.SLOs {
		x, y := a.SLOs[i], b.SLOs[i]
		switch {
		case !reflect.DeepEqual(x.Budget, y.Budget):
			return fmt.Sprintf("%s budget %+v vs %+v", x.Name, x.Budget, y.Budget)
		case !maps.Equal(x.BurnRates, y.BurnRates):
			return fmt.Sprintf("%s burn_rates %v vs %v", x.Name, x.BurnRates, y.BurnRates)
		case !reflect.DeepEqual(x.Alerts, y.Alerts):
			return fmt.Sprintf("%s alerts %+v vs %+v", x.Name, x.Alerts, y.Alerts)
		case !reflect.DeepEqual(x.SLI, y.SLI):
			return fmt.Sprintf("%s sli %v vs %v", x.Name, x.SLI, y.SLI)
		case !reflect.DeepEqual(x.ExhaustionSeconds, y.ExhaustionSeconds):
			return fmt.Sprintf("%s exhaustion_seconds %v vs %v", x.Name, x.ExhaustionSeconds, y.ExhaustionSeconds)
		case x.EvaluatedAt == nil || y.EvaluatedAt == nil || !x.EvaluatedAt.Equal(*y.EvaluatedAt):
			return fmt.Sprintf("%s evaluated_at %v vs %v", x.Name, x.EvaluatedAt, y.EvaluatedAt)
		}
	}
	return ""
}

// testRestart: decisions, overrides and the snapshot survive a graceful
// restart of slod, even when Prometheus is down as it comes back.
func testRestart(t *testing.T, srv *promtest.Server) {
	const token = "restart-token"
	dir := slodtest.WriteSpecs(t, map[string]string{
		"denied.yaml": eventsSpec("restart-denied", "exhausted", "99.9%", "window: 30d", "policy:\n  min_events: 100\n"),
		"ok.yaml":     eventsSpec("restart-ok", "healthy", "99.9%", "window: 30d", "policy:\n  min_events: 100\n"),
	})
	db := t.TempDir() + "/slod.db"
	opts := slodtest.Options{SLOs: dir, DB: db, PrometheusURL: srv.URL, Tokens: []string{token}}
	a := slodtest.Start(t, opts)
	a.Fresh(t, "restart-denied", 30*time.Second)
	a.Fresh(t, "restart-ok", 30*time.Second)

	d1 := a.CanDeploy(t, "restart-denied", "normal", "v1.0.0")
	d2 := a.CanDeploy(t, "restart-denied", "rollback", "v0.9.9")
	if d1.Allowed || !slices.Contains(d1.Codes(), "budget_exhausted") || !d2.Allowed {
		t.Fatalf("before the restart: normal %s %v, rollback %s; want deny (budget_exhausted) and allowed",
			d1.Decision, d1.Codes(), d2.Decision)
	}
	var ov api.Override
	a.PostJSON(t, "/api/v1/services/restart-denied/overrides",
		map[string]string{"reason": "hotfix for INC-42", "actor": "alice", "duration": "2h"},
		map[string]string{"Authorization": "Bearer " + token}, http.StatusCreated, &ov)
	if ov.ID == 0 || !ov.Active {
		t.Fatalf("override not created: %+v", ov)
	}

	// Freeze the numbers: with Prometheus down every later evaluation
	// fails, so the snapshot saved at shutdown holds the last good ones.
	srv.Stop()
	defer srv.Start()
	var before = map[string]slodtest.Gate{}
	for _, s := range []string{"restart-denied", "restart-ok"} {
		slodtest.WaitFor(t, 10*time.Second, s+" to go stale", func() bool {
			before[s] = a.Service(t, s)
			return before[s].Stale
		})
	}
	if err := a.Stop(); err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}

	b := slodtest.Start(t, opts)
	if status, _, body := b.Do(t, http.MethodGet, "/readyz", nil, nil); status != http.StatusOK {
		t.Errorf("/readyz after restart with Prometheus down: %d %s, want 200 from the restored snapshot", status, body)
	}
	for s, want := range before {
		got := b.Service(t, s)
		if diff := numbersDiff(want, got); !got.Stale || diff != "" {
			t.Errorf("%s after restart: stale=%v; want the saved snapshot, stale; before vs after: %s", s, got.Stale, diff)
		}
	}

	var ds api.DecisionList
	b.GetJSON(t, "/api/v1/decisions?service=restart-denied", &ds)
	byID := map[int64]api.DecisionRecord{}
	for _, x := range ds.Decisions {
		byID[x.ID] = x
	}
	for _, w := range []struct {
		id                          int64
		priority, version, decision string
	}{{*d1.DecisionID, "normal", "v1.0.0", "deny"}, {*d2.DecisionID, "rollback", "v0.9.9", d2.Decision}} {
		x, ok := byID[w.id]
		if !ok || x.Service != "restart-denied" || string(x.Priority) != w.priority || x.Version != w.version || x.Decision != w.decision ||
			x.Actor != slodtest.Actor || x.Pipeline != slodtest.Pipeline {
			t.Errorf("decision %d after restart: %+v (found %v), want %s %s %s", w.id, x, ok, w.priority, w.version, w.decision)
		}
	}

	var ovs api.OverrideList
	b.GetJSON(t, "/api/v1/services/restart-denied/overrides?active=true", &ovs)
	if len(ovs.Overrides) != 1 || ovs.Overrides[0].ID != ov.ID || !ovs.Overrides[0].Active || ovs.Overrides[0].Actor != "alice" {
		t.Errorf("active overrides after restart: %+v, want override %d by alice", ovs.Overrides, ov.ID)
	}
	cd := b.CanDeploy(t, "restart-denied", "normal", "v1.0.1")
	if !cd.Allowed || cd.Decision != "allow" || cd.Override == nil || cd.Override.ID != ov.ID || !slices.Equal(cd.Codes(), []string{"override_active"}) {
		t.Errorf("denied service with an override after restart: %s allowed=%v %v override=%+v, want allow by override %d",
			cd.Decision, cd.Allowed, cd.Codes(), cd.Override, ov.ID)
	}
	if *cd.DecisionID <= *d2.DecisionID {
		t.Errorf("decision id %d after restart is not after %d", *cd.DecisionID, *d2.DecisionID)
	}
	// Without an override, stale data within max_staleness warns.
	if g := b.CanDeploy(t, "restart-ok", "normal", "v3"); !g.Allowed || !g.Stale || !slices.Contains(g.Codes(), "stale_data") {
		t.Errorf("restart-ok after restart: %s allowed=%v stale=%v %v, want allowed, stale, stale_data", g.Decision, g.Allowed, g.Stale, g.Codes())
	}
	keys := slices.Collect(maps.Keys(byID))
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	t.Logf("after restart: decisions %v, override %d active, restored snapshot from %v", keys, ov.ID, before["restart-ok"].EvaluatedAt)
}
