// Package dashboard drives the dashboard in a real headless Chromium
// against a real slod (internal/app, in-process) measuring a real
// Prometheus loaded with synthetic traffic whose exact counts are known
// (internal/demo/synth).
//
// Screenshots land in artifacts/screenshots/ at the repository root.
package dashboard

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York, whatever the machine's zoneinfo

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/app"
	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/prom"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
	"github.com/slo-dev/slo/internal/testing/pgtest"
	"github.com/slo-dev/slo/internal/testing/promtest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

const (
	token = "e2e-secret-token"
	// xss is an SLO description that must be shown as text.
	xss = `<img src=x onerror=alert(1)>`
	// historyDays of evaluations are recorded before slod starts, so the
	// burn-down chart has something to draw.
	historyDays = 14
)

// specs are the services under test; the comments give the expected gate
// for a normal deploy with the default policy.
var specs = map[string]string{
	// availability ~152% consumed -> deny (budget_exhausted).
	"checkout.yaml": `service: checkout
owner: team-payments
slos:
  - name: availability
    description: '` + xss + `'
    target: 99.9%
    window: 30d
    sli:
      events:
        errors: sum(rate(http_requests_total{service="checkout",code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total{service="checkout"}[{{.window}}]))
  - name: latency
    description: Checkout requests served within 300ms
    target: 99%
    window: 7d
    sli:
      latency:
        metric: http_request_duration_seconds
        selector: '{service="checkout"}'
        threshold: 300ms
`,
	// 60% consumed -> warn (increase_monitoring).
	"search.yaml": availabilitySpec("search", "team-discovery"),
	// 10% consumed -> allow. Its second SLO is a calendar month in New
	// York, whose period slod reports and the page must chart.
	"payments.yaml": availabilitySpec("payments", "team-payments") + `  - name: monthly
    target: 99.9%
    calendar: month
    timezone: America/New_York
    sli:
      events:
        errors: sum(rate(http_requests_total{service="payments",code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total{service="payments"}[{{.window}}]))
`,
}

// availabilitySpec is a spec with one availability SLO, 99.9% over 30d,
// on the service's 5xx.
func availabilitySpec(service, owner string) string {
	return fmt.Sprintf(`service: %[1]s
owner: %[2]s
slos:
  - name: availability
    target: 99.9%%
    window: 30d
    sli:
      events:
        errors: sum(rate(http_requests_total{service="%[1]s",code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total{service="%[1]s"}[{{.window}}]))
`, service, owner)
}

// env is one running stack: Prometheus, slod and a browser tab.
type env struct {
	now      time.Time
	checkout synth.Scenario
	payments synth.Scenario
	// incident is the start of payments' bad hour, last week.
	incident time.Time
	slod     *slodtest.Slod
	slosDir  string
	promURL  string
	ctx      context.Context

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
	dialogs []string
	// provoked are console errors a test caused on purpose (a request
	// slod must refuse), by the URL they name.
	provoked map[string]bool
}

func TestDashboard(t *testing.T) {
	if testing.Short() {
		t.Skip("e2e: skipped in -short mode")
	}
	e := start(t)

	t.Run("overview", e.testOverview)
	t.Run("service page", e.testServicePage)
	t.Run("calendar period in a time zone", e.testCalendarPeriod)
	t.Run("printable report", e.testReport)
	t.Run("decision log", e.testDecisionLog)
	t.Run("override from the page", e.testOverride)
	t.Run("deploy markers", e.testDeployMarkers)
	t.Run("backtest and what-if", e.testBacktest)
	t.Run("accessibility basics", e.testAccessibility)
	t.Run("phone width", e.testPhone)
	t.Run("durations as sloctl writes them", e.testDurations)
	t.Run("replica on PostgreSQL", e.testReplica)
	// Last: it adds a service to the running slod.
	t.Run("unmeasured SLO", e.testUnmeasuredSLO)

	// Whatever ran above: nothing may have gone to the console as an error,
	// and no dialog (alert from injected HTML) may have opened. First prove
	// that the console is really being read.
	probe := "e2e console probe " + strconv.FormatInt(time.Now().UnixNano(), 10)
	e.run(t, "console probe", chromedp.Evaluate[chromedp.Void](`console.info(`+strconv.Quote(probe)+`)`))
	if !e.waitConsole(probe, 10*time.Second) {
		t.Fatal("the console probe never arrived: console errors would go unnoticed")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range e.console {
		if (m.Type == chromedp.ConsoleError || m.IsException()) && !e.provoked[m.URL] {
			t.Errorf("browser console: %s (%s:%d)", m, m.URL, m.Line+1)
		}
	}
	for _, d := range e.dialogs {
		t.Errorf("a JavaScript dialog opened: %q", d)
	}
}

// start brings the whole stack up; everything stops at the end of the test.
func start(t *testing.T) *env {
	t.Helper()
	chromium := lookChromium(t)
	now := time.Now()
	e := &env{now: now}

	// Traffic with exact ground truth. Rates are constant around now and
	// around every window edge, so Prometheus' extrapolation is exact.
	begin := now.Add(-45 * synth.Day)
	end := now.Add(promtest.Lead)
	e.checkout = synth.Scenario{
		Service: "checkout", Start: begin, End: end,
		Default: synth.Traffic{RPS: 10, ErrorRatio: 0.0007, ClientErrorRatio: 0.01, SlowRatio: 0.005},
		// A two-day incident inside the 30d window pushes the budget
		// from 30% left to overspent: the burn-down chart shows the drop.
		Segments: []synth.Segment{{From: now.Add(-6 * synth.Day), To: now.Add(-4 * synth.Day),
			Traffic: synth.Traffic{RPS: 10, ErrorRatio: 0.013, ClientErrorRatio: 0.01, SlowRatio: 0.005}}},
		Latency: &synth.Latency{Buckets: []float64{0.1, 0.3, 1, 2.5}, Threshold: 0.3},
	}
	search := synth.Scenario{Service: "search", Start: begin, End: end,
		Default: synth.Traffic{RPS: 5, ErrorRatio: 0.0006, ClientErrorRatio: 0.02}}
	// An hour at 2% errors (burn 20 for a 99.9% SLO) on Wednesday of last
	// week in New York (and in UTC): the worst hour of the week's report.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	lastWeek, _ := weekBefore(now, ny)
	e.incident = lastWeek.Add(58 * time.Hour)
	e.payments = synth.Scenario{Service: "payments", Start: begin, End: end,
		Default:  synth.Traffic{RPS: 20, ErrorRatio: 0.0001},
		Segments: []synth.Segment{{From: e.incident, To: e.incident.Add(time.Hour), Traffic: synth.Traffic{RPS: 20, ErrorRatio: 0.02}}}}
	promSrv := promtest.Start(t, e.checkout, search, e.payments)

	slosDir := slodtest.WriteSpecs(t, specs)
	e.slosDir = slosDir
	e.promURL = promSrv.URL
	db := filepath.Join(t.TempDir(), "slod.db")
	recordHistory(t, slosDir, db, promSrv.URL, now)

	e.slod = slodtest.Start(t, slodtest.Options{SLOs: slosDir, DB: db, PrometheusURL: promSrv.URL,
		Interval: 10 * time.Second, Tokens: []string{token}, Quiet: true})
	// A live evaluation, not one restored from the recorded history.
	e.slod.WaitEvaluated(t, 2*time.Minute)
	e.ctx = newBrowser(t, chromium, e)
	return e
}

// testReplica: behind a load balancer of replicas on PostgreSQL, the
// header names the replica that answered and whether it leads; one slod
// on SQLite shows nothing there.
func (e *env) testReplica(t *testing.T) {
	e.run(t, "single node", chromedp.Navigate(e.slod.URL+"/#/"), chromedp.WaitVisible(chromedp.CSS(overviewLoaded)))
	if !eval[bool](t, e, `document.getElementById('replica').hidden`) {
		t.Error("one slod on SQLite shows a replica badge")
	}

	pg := pgtest.Start(t)
	r := slodtest.Start(t, slodtest.Options{SLOs: e.slosDir, DB: pg.NewDatabase(t), PrometheusURL: e.promURL,
		Interval: 10 * time.Second, Quiet: true, Tune: func(c *app.Config) {
			c.Cluster = app.ClusterConfig{ReplicaID: "replica-a", Lease: 3 * time.Second, FollowInterval: time.Second}
		}})
	r.WaitEvaluated(t, 2*time.Minute)
	e.run(t, "replica badge", chromedp.Navigate(r.URL+"/#/"), chromedp.WaitVisible(chromedp.CSS(overviewLoaded)),
		chromedp.WaitVisible(chromedp.ID("replica")))
	e.screenshot(t, "replica.png")
	if badge := eval[string](t, e, `document.getElementById('replica').textContent`); badge != "Replica replica-a · leader" {
		t.Errorf("replica badge %q, want %q", badge, "Replica replica-a · leader")
	}
}

// recordHistory runs slod's own engine over the same Prometheus, store and
// specs at instants of the last historyDays days, as a slod that had been
// running would have, so the stored history has a shape to draw.
func recordHistory(t *testing.T, slosDir, db, promURL string, now time.Time) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	loaded, problems := slo.Load(slosDir)
	if len(problems) > 0 || len(loaded) != len(specs) {
		t.Fatalf("load specs: %d specs, problems %v", len(loaded), problems)
	}
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	source, err := prom.New(prom.Config{URL: promURL}, prometheus.NewRegistry(), log)
	if err != nil {
		t.Fatal(err)
	}
	var at time.Time
	eng := engine.New(loaded, source, st, log, engine.Options{Clock: func() time.Time { return at }})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for at = now.Add(-historyDays * synth.Day); at.Before(now.Add(-time.Hour)); at = at.Add(6 * time.Hour) {
		eng.EvaluateOnce(ctx)
	}
	if err := ctx.Err(); err != nil {
		t.Fatalf("recording history: %v", err)
	}
}

// lookChromium finds the browser, skipping (or failing under CI) without it.
func lookChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("e2e: chromium is required in CI (Debian package chromium)")
	}
	t.Skip("e2e: chromium not found; install the Debian package chromium to run the dashboard tests")
	return ""
}

// newBrowser starts headless Chromium with a fresh profile and records its
// console and dialogs into e.
func newBrowser(t *testing.T, path string, e *env) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	messages := chromedp.Console(ctx)
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			e.mu.Lock()
			e.console = append(e.console, m)
			e.mu.Unlock()
		}
	}()
	go func() {
		for d, err := range dialogs {
			if err != nil {
				return
			}
			e.mu.Lock()
			e.dialogs = append(e.dialogs, d.Message)
			e.mu.Unlock()
			// Close it, or the page stays blocked.
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return ctx
}

// waitConsole reports whether a console message with the text arrives
// within d.
func (e *env) waitConsole(text string, d time.Duration) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		e.mu.Lock()
		for _, m := range e.console {
			if m.Text == text {
				e.mu.Unlock()
				return true
			}
		}
		e.mu.Unlock()
	}
	return false
}

// run runs browser actions with a bound, so a missing element fails the
// test instead of hanging it.
func (e *env) run(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t *testing.T, e *env, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func (e *env) screenshot(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "..", "..", "artifacts", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

const overviewLoaded = `main[data-route="overview"][data-loaded="true"]`
const serviceLoaded = `main[data-route="service"][data-loaded="true"]`

func (e *env) testOverview(t *testing.T) {
	e.run(t, "open overview",
		chromedp.Navigate(e.slod.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(overviewLoaded)))

	type card struct {
		Service, Gate, GateText, Stale, WorstBurn string
		Bars                                      int
	}
	cards := eval[[]card](t, e, `[...document.querySelectorAll('#services > li[data-service]')].map((li) => ({
		Service: li.dataset.service,
		Gate: li.querySelector('[data-gate]').dataset.gate,
		GateText: li.querySelector('[data-gate]').textContent.trim(),
		Stale: li.dataset.stale,
		WorstBurn: li.querySelector('[data-field="worst-burn"]').textContent,
		Bars: li.querySelectorAll('[data-slo] [role="meter"]').length,
	}))`)
	// Services in trouble first: deny, warn, allow.
	want := []struct {
		service, gate, text string
		bars                int
	}{
		{"checkout", "deny", "Deny", 2},
		{"search", "warn", "Warn", 1},
		{"payments", "allow", "Allow", 2},
	}
	if len(cards) != len(want) {
		t.Fatalf("overview lists %d services (%+v), want %d", len(cards), cards, len(want))
	}
	for i, w := range want {
		c := cards[i]
		if c.Service != w.service || c.Gate != w.gate || c.GateText != w.text || c.Bars != w.bars || c.Stale != "false" {
			t.Errorf("card %d = %+v, want service %s gate %s (%q), %d budget bars, not stale", i, c, w.service, w.gate, w.text, w.bars)
		}
	}
	// checkout's worst current (1h) burn is availability's 0.7x.
	if !strings.Contains(cards[0].WorstBurn, "0.70×") || !strings.Contains(cards[0].WorstBurn, "availability") {
		t.Errorf("checkout worst burn = %q, want 0.70× (availability)", cards[0].WorstBurn)
	}
	reasons := eval[string](t, e, `document.querySelector('[data-service="checkout"] .reasons').textContent`)
	if !strings.Contains(reasons, "availability") {
		t.Errorf("checkout card reasons %q do not name the exhausted SLO", reasons)
	}
	e.screenshot(t, "overview.png")

	// The filter narrows the list without a reload.
	e.run(t, "filter", chromedp.SendKeys(chromedp.ID("filter"), "search"))
	shown := eval[[]string](t, e, `[...document.querySelectorAll('#services > li[data-service]')].map((li) => li.dataset.service)`)
	if strings.Join(shown, ",") != "search" {
		t.Errorf("filter 'search' shows %v, want [search]", shown)
	}
}

// fields reads every [data-field] of an SLO section: text and data-value.
type field struct{ Text, Value string }

func sloFields(t *testing.T, e *env, slug string) map[string]field {
	t.Helper()
	return eval[map[string]field](t, e, fmt.Sprintf(`(() => {
		const out = {};
		for (const el of document.querySelectorAll('[data-slo=%q] [data-field]')) {
			if (!(el.dataset.field in out)) out[el.dataset.field] = { Text: el.textContent, Value: el.dataset.value || '' };
		}
		return out;
	})()`, slug))
}

// number parses a displayed number: "-4,200", "152.0%", "-22.5 min", "0.70×".
func number(t *testing.T, s string) float64 {
	t.Helper()
	clean := strings.NewReplacer(",", "", "%", "", "×", "", "min", "", "−", "-").Replace(s)
	v, err := strconv.ParseFloat(strings.TrimSpace(clean), 64)
	if err != nil {
		t.Fatalf("displayed value %q is not a number", s)
	}
	return v
}

// near reports whether got is within 1% of want, allowing abs for the
// rounding of the display.
func near(got, want, abs float64) bool {
	return math.Abs(got-want) <= math.Max(0.01*math.Abs(want), abs)
}

// testUnmeasuredSLO adds a service whose second SLO queries a misspelt
// metric: the page shows that SLO's error, that it was never measured and
// no budget figures, while its sibling keeps its numbers; the gate warns
// with no_series within the grace.
func (e *env) testUnmeasuredSLO(t *testing.T) {
	spec := availabilitySpec("search", "team-discovery") + `  - name: typo
    target: 99%
    window: 7d
    sli:
      events:
        errors: sum(rate(http_requets_total{service="search",code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requets_total{service="search"}[{{.window}}]))
`
	spec = strings.Replace(spec, "service: search", "service: search-typo", 1)
	if err := os.WriteFile(filepath.Join(e.slosDir, "search-typo.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	slodtest.WaitFor(t, 30*time.Second, "search-typo's failed measurement", func() bool {
		status, _, _ := e.slod.Do(t, http.MethodGet, "/api/v1/services/search-typo", nil, nil)
		return status == http.StatusOK && e.slod.Service(t, "search-typo").SLOs[1].Error != ""
	})
	e.run(t, "open search-typo",
		chromedp.Navigate(e.slod.URL+"/#/service/search-typo"),
		chromedp.WaitVisible(chromedp.CSS(serviceLoaded)))
	type section struct{ Error, Stale, Remaining string }
	got := eval[section](t, e, `(() => {
		const s = document.querySelector('section[data-slo="typo"]');
		const text = (f) => { const el = s.querySelector('[data-field="' + f + '"]'); return el ? el.textContent : ''; };
		return { Error: text('error'), Stale: text('stale'), Remaining: text('remaining') };
	})()`)
	if !strings.Contains(got.Error, "Latest measurement failed") || !strings.Contains(got.Error, `http_requets_total{service="search"}`) {
		t.Errorf("typo SLO error = %q, want the failed measurement naming the query", got.Error)
	}
	if got.Stale != "Never measured" {
		t.Errorf("typo SLO stale note = %q, want Never measured", got.Stale)
	}
	if strings.ContainsAny(got.Remaining, "0123456789") {
		t.Errorf("typo SLO shows a remaining budget %q without any measurement", got.Remaining)
	}
	page := eval[string](t, e, `document.querySelector('main').textContent`)
	if !strings.Contains(page, "no_series_grace") {
		t.Errorf("the page does not show the no_series reason: %q", page)
	}
	if g := e.slod.Service(t, "search-typo"); g.Decision != "warn" || g.SLOs[0].EvaluatedAt == nil {
		t.Errorf("search-typo: %s, availability measured %v; want warn with availability measured", g.Decision, g.SLOs[0].EvaluatedAt)
	}
}

func (e *env) testServicePage(t *testing.T) {
	e.run(t, "open checkout from the overview",
		chromedp.Navigate(e.slod.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(overviewLoaded)),
		chromedp.Click(chromedp.CSS(`[data-service="checkout"] h2 a`)),
		chromedp.WaitVisible(chromedp.CSS(serviceLoaded)))

	gate := eval[string](t, e, `document.querySelector('#service [data-gate]').dataset.gate`)
	if gate != "deny" {
		t.Errorf("checkout gate on its page = %q, want deny", gate)
	}
	// The instant the page's numbers were measured at.
	at, err := time.Parse(time.RFC3339, eval[string](t, e, `document.querySelector('#service-summary time').getAttribute('datetime')`))
	if err != nil {
		t.Fatalf("evaluated_at on the page: %v", err)
	}

	// Availability over 30d at 99.9%, from the generator's exact counts.
	w := 30 * synth.Day
	total := promtest.Increase(e.checkout.Requests, at, w)
	failed := promtest.Increase(e.checkout.Errors, at, w)
	budget := 0.001
	consumed := failed / total / budget
	allowedMin := w.Minutes() * budget
	t.Logf("ground truth at %s: %.0f requests, %.0f failed, consumed %.2f%%", at.Format(time.RFC3339), total, failed, 100*consumed)

	f := sloFields(t, e, "availability")
	t.Logf("availability on the page: %v", f)
	checks := []struct {
		field      string
		want, abs  float64
		wantSuffix string
	}{
		{"target", 99.9, 0, "%"},
		{"consumed", 100 * consumed, 0.05, "%"},
		{"remaining", 100 * (1 - consumed), 0.05, "%"},
		{"failed-events", failed, 0.5, ""},
		{"remaining-events", budget*total - failed, 0.5, ""},
		{"remaining-minutes", allowedMin * (1 - consumed), 0.05, " min"},
	}
	for _, c := range checks {
		got, ok := f[c.field]
		if !ok {
			t.Errorf("availability: no [data-field=%q] on the page", c.field)
			continue
		}
		if !strings.HasSuffix(got.Text, c.wantSuffix) || !near(number(t, got.Text), c.want, c.abs) {
			t.Errorf("availability %s shows %q, want %.4g%s (within 1%%)", c.field, got.Text, c.want, c.wantSuffix)
		}
	}
	// The SLI shows 2 decimals (rounded down), so compare the error ratio
	// it implies, allowing that rounding.
	if got := 100 - number(t, f["sli"].Text); !near(got, 100*failed/total, 0.01) {
		t.Errorf("availability SLI shows %q, want %.4f%%", f["sli"].Text, 100*(1-failed/total))
	}
	notes := eval[string](t, e, `document.querySelector('[data-slo="availability"] .stats').textContent`)
	for _, want := range []string{
		"of " + formatCount(budget*total) + " allowed",
		"of " + formatCount(total) + " total",
		"of 43.2 min in the window",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("availability stats %q lack %q", notes, want)
		}
	}
	if got := f["exhaustion"].Text; got != "Exhausted" {
		t.Errorf("availability time to exhaustion = %q, want Exhausted", got)
	}
	if got := f["status"].Value; got != "exhausted" {
		t.Errorf("availability status = %q, want exhausted", got)
	}

	// Burn rates: 0.7x in every window (the incident ended 4 days ago, so
	// the 3d window and shorter see only the default traffic), none firing.
	burns := eval[map[string]string](t, e, `Object.fromEntries([...document.querySelectorAll('[data-slo="availability"] [data-burn-window]')].map((li) => [li.dataset.burnWindow, li.querySelector('strong').textContent]))`)
	for _, win := range []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d"} {
		if got, ok := burns[win]; !ok || !near(number(t, got), 0.7, 0.005) {
			t.Errorf("availability burn rate over %s shows %q, want 0.70×", win, got)
		}
	}
	firing := eval[[]string](t, e, `[...document.querySelectorAll('[data-slo="availability"] tr[data-alert]')].map((tr) => tr.dataset.alert + '=' + tr.dataset.firing)`)
	if len(firing) != 4 || strings.Contains(strings.Join(firing, ","), "=true") {
		t.Errorf("availability alert rows = %v, want 4 conditions, none firing", firing)
	}

	// Latency over 7d at 99%: 0.5% slow requests -> 50% of the budget.
	lw := 7 * synth.Day
	slow := promtest.Increase(e.checkout.SlowRequests, at, lw) / promtest.Increase(e.checkout.Requests, at, lw)
	lf := sloFields(t, e, "latency")
	if got := number(t, lf["consumed"].Text); !near(got, 100*slow/0.01, 0.05) {
		t.Errorf("latency consumed shows %q, want %.1f%%", lf["consumed"].Text, 100*slow/0.01)
	}
	// Time to exhaustion at the 1h burn (0.5x): 50% of 7d / 0.5 = 7d.
	if got := lf["exhaustion"].Text; got != "7d" {
		t.Errorf("latency time to exhaustion = %q, want 7d", got)
	}

	// The burn-down chart is drawn from stored history, with the ideal line.
	chart := eval[struct {
		D, Ideal string
		Points   int
	}](t, e, `(() => {
		const svg = document.querySelector('#burndown-availability svg');
		const p = svg && svg.querySelector('path.budget');
		const i = svg && svg.querySelector('path.ideal');
		return { D: p ? p.getAttribute('d') : '', Ideal: i ? i.getAttribute('d') : '', Points: p ? Number(p.dataset.points) : 0 };
	})()`)
	if segs := strings.Count(chart.D, "L"); !strings.HasPrefix(chart.D, "M") || segs < historyDays*4-2 {
		t.Errorf("burn-down path.budget d=%q: %d line segments, want at least %d (one per stored evaluation)", chart.D, segs, historyDays*4-2)
	}
	if chart.Points < historyDays*4 || chart.Ideal == "" {
		t.Errorf("burn-down: %d points, ideal line %q", chart.Points, chart.Ideal)
	}
	if d := eval[string](t, e, `(document.querySelector('#sli-availability svg path.sli') || {getAttribute: () => ''}).getAttribute('d')`); strings.Count(d, "L") < historyDays*4-2 {
		t.Errorf("SLI chart path.sli d=%q is too short", d)
	}

	// An SLO description with HTML in it is text, not markup.
	desc := eval[string](t, e, `document.querySelector('[data-slo="availability"] [data-field="description"]').textContent`)
	if desc != xss {
		t.Errorf("description shows %q, want the literal %q", desc, xss)
	}
	if n := eval[int](t, e, `document.querySelectorAll('img').length`); n != 0 {
		t.Errorf("the page has %d <img> elements; the description was parsed as HTML", n)
	}
	e.screenshot(t, "service-checkout.png")
}

// testCalendarPeriod proves that the page charts a calendar SLO over the
// period slod sends (period_start, period_end), which follows the spec's
// time zone, instead of a calendar month the browser works out in UTC.
func (e *env) testCalendarPeriod(t *testing.T) {
	var start, end time.Time
	for _, o := range e.slod.Service(t, "payments").SLOs {
		if o.Slug == "monthly" {
			start, end = o.PeriodStart, o.PeriodEnd
		}
	}
	// The period is a New York month: it starts at local midnight on the
	// 1st, which is 04:00 or 05:00 UTC, never the UTC month's 00:00.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	if l := start.In(ny); l.Day() != 1 || l.Hour() != 0 || l.Minute() != 0 || start.UTC().Hour() == 0 || !end.Equal(l.AddDate(0, 1, 0)) {
		t.Fatalf("API period of payments/monthly = %s .. %s, want a New York calendar month", start, end)
	}

	e.run(t, "open payments",
		chromedp.Navigate(e.slod.URL+"/#/service/payments"),
		chromedp.WaitVisible(chromedp.CSS(`#service[data-service="payments"]`)),
		chromedp.WaitVisible(chromedp.CSS(serviceLoaded)),
		chromedp.WaitVisible(chromedp.CSS(`#burndown-monthly svg`)))
	page := eval[map[string]string](t, e, `(() => {
		const svg = (id) => document.querySelector('#' + id + ' svg').dataset;
		const label = [...document.querySelectorAll('#burndown-monthly [data-field="period"] time')].map((el) => el.getAttribute('datetime'));
		return { burndownFrom: svg('burndown-monthly').from, burndownTo: svg('burndown-monthly').to,
			sliFrom: svg('sli-monthly').from, labelFrom: label[0] || '', labelTo: label[1] || '' };
	})()`)
	for field, want := range map[string]time.Time{
		"burndownFrom": start, "burndownTo": end, "sliFrom": start, "labelFrom": start, "labelTo": end,
	} {
		got, err := time.Parse(time.RFC3339Nano, page[field])
		if err != nil || !got.Equal(want) {
			t.Errorf("payments/monthly %s on the page = %q, want %s (from the API)", field, page[field], want.Format(time.RFC3339))
		}
	}
	e.screenshot(t, "service-payments.png")
}

func formatCount(v float64) string {
	n := int64(math.Round(v))
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (e *env) testDecisionLog(t *testing.T) {
	// A pipeline asks the gate; the check is audited and shown.
	e.slod.PostJSON(t, "/api/v1/services/checkout/can-deploy",
		api.CanDeployRequest{Priority: "normal", Version: "v1.2.3", Actor: "ci-bot", Pipeline: "deploy#7"},
		nil, http.StatusOK, nil)

	type row struct{ Decision, Version, Actor, Pipeline, Priority, Reasons, Service string }
	const readRows = `[...document.querySelectorAll('#decisions tr[data-decision-id]')].map((tr) => {
		const f = (n) => { const el = tr.querySelector('[data-field="' + n + '"]'); return el ? el.textContent : ''; };
		const svc = tr.querySelector('a[href^="#/service/"]');
		return { Decision: tr.dataset.decision, Version: f('version'), Actor: f('actor'), Pipeline: f('pipeline'),
			Priority: f('priority'), Reasons: f('reasons'), Service: svc ? svc.textContent : '' };
	})`
	check := func(where string, rows []row, wantService string) {
		t.Helper()
		if len(rows) != 1 {
			t.Fatalf("%s: %d decision rows (%+v), want 1", where, len(rows), rows)
		}
		r := rows[0]
		if r.Decision != "deny" || r.Version != "v1.2.3" || r.Actor != "ci-bot" || r.Pipeline != "deploy#7" ||
			r.Priority != "normal" || !strings.Contains(r.Reasons, "budget") || r.Service != wantService {
			t.Errorf("%s: decision row %+v, want deny of v1.2.3 by ci-bot (deploy#7) with budget reasons", where, r)
		}
	}

	// The service page picks it up on its next refresh, without a reload.
	e.run(t, "refresh the service page",
		chromedp.Navigate(e.slod.URL+"/#/service/checkout"),
		chromedp.WaitVisible(chromedp.CSS(serviceLoaded)),
		chromedp.Click(chromedp.ID("refresh-now")),
		chromedp.WaitVisible(chromedp.CSS(`#decisions tr[data-decision-id]`)))
	check("service page", eval[[]row](t, e, readRows), "")

	e.run(t, "open the decision log",
		chromedp.Click(chromedp.CSS(`a[data-nav="decisions"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-route="decisions"][data-loaded="true"]`)))
	check("decision log", eval[[]row](t, e, readRows), "checkout")
}

func (e *env) testOverride(t *testing.T) {
	const reason = `<b>incident 42</b> hotfix`
	e.run(t, "open checkout",
		chromedp.Navigate(e.slod.URL+"/#/service/checkout"),
		chromedp.WaitVisible(chromedp.CSS(serviceLoaded)),
		chromedp.WaitVisible(chromedp.CSS(`#service [data-gate="deny"]`)),
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.SendKeys(chromedp.ID("override-reason"), reason),
		chromedp.SendKeys(chromedp.ID("override-actor"), "e2e"),
		chromedp.SetValue(chromedp.ID("override-duration"), "1h"),
		chromedp.Click(chromedp.ID("override-submit")),
		// The page refreshes itself: the gate flips without a reload.
		chromedp.WaitVisible(chromedp.CSS(`#service [data-gate="allow"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#active-overrides [data-override-id]`)))

	shown := eval[string](t, e, `document.querySelector('#active-overrides [data-field="reason"]').textContent`)
	if shown != reason {
		t.Errorf("override reason shows %q, want the literal %q", shown, reason)
	}
	if msg := eval[string](t, e, `document.getElementById('override-error').textContent`); msg != "" {
		t.Errorf("override form shows an error: %q", msg)
	}
	storage := eval[[]string](t, e, `[sessionStorage.getItem('slod.token') || '', String(localStorage.length)]`)
	if storage[0] != token || storage[1] != "0" {
		t.Errorf("token storage: sessionStorage %q, localStorage has %s items; want the token in sessionStorage only", storage[0], storage[1])
	}

	// The API agrees: the override lets normal deploys of checkout through.
	svc := e.slod.Service(t, "checkout")
	if svc.Decision != "allow" || !svc.Allowed || svc.Override == nil || svc.Override.Actor != "e2e" || svc.Override.Reason != reason {
		t.Errorf("API after the override: %+v, want allow by e2e", svc)
	}
	e.screenshot(t, "service-checkout-override.png")

	// Revoking from the page puts the gate back.
	e.run(t, "revoke",
		chromedp.Click(chromedp.CSS(`#active-overrides [data-action="revoke"]`)),
		chromedp.Click(chromedp.CSS(`#active-overrides [data-action="confirm-revoke"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#service [data-gate="deny"]`)),
		chromedp.WaitVisible(chromedp.ID("no-active-overrides")))
}

// testAccessibility checks what a script can: every control has a label,
// every button a name, charts are labelled images, states are written out
// (not only coloured), and the first Tab lands on the skip link.
func (e *env) testAccessibility(t *testing.T) {
	e.run(t, "open checkout",
		chromedp.Navigate(e.slod.URL+"/#/service/checkout"),
		chromedp.WaitVisible(chromedp.CSS(serviceLoaded)))
	problems := eval[[]string](t, e, `(() => {
		const out = [];
		for (const el of document.querySelectorAll('input, select, textarea')) {
			if (!el.labels || el.labels.length === 0) out.push('unlabelled control #' + el.id);
		}
		for (const b of document.querySelectorAll('button')) {
			if (!b.textContent.trim() && !b.getAttribute('aria-label')) out.push('button without a name');
		}
		for (const svg of document.querySelectorAll('figure svg.chart-svg')) {
			const ids = (svg.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean);
			if (svg.getAttribute('role') !== 'img' || ids.length === 0 || ids.some((id) => !document.getElementById(id))) out.push('chart without a label');
		}
		for (const el of document.querySelectorAll('[data-gate], [data-field="status"], [data-field="condition"]')) {
			if (!el.textContent.trim()) out.push('state shown without text: ' + el.outerHTML.slice(0, 80));
		}
		if (document.querySelectorAll('main h1').length !== 1) out.push('want exactly one h1');
		return out;
	})()`)
	for _, p := range problems {
		t.Error(p)
	}
	e.run(t, "first Tab", chromedp.Navigate(e.slod.URL+"/"), chromedp.WaitVisible(chromedp.CSS(overviewLoaded)),
		chromedp.KeyEvent("\t"))
	if got := eval[string](t, e, `document.activeElement.className + ':' + document.activeElement.textContent`); got != "skip:Skip to content" {
		t.Errorf("first Tab focuses %q, want the skip link", got)
	}
}

func (e *env) testPhone(t *testing.T) {
	e.run(t, "phone overview",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(e.slod.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(overviewLoaded)))
	// Nothing may force horizontal scrolling at phone width.
	if w := eval[int](t, e, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("overview is %dpx wide at a 390px viewport", w)
	}
	e.screenshot(t, "overview-phone.png")
	e.run(t, "phone service page",
		chromedp.Navigate(e.slod.URL+"/#/service/checkout"),
		chromedp.WaitVisible(chromedp.CSS(serviceLoaded)))
	if w := eval[int](t, e, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("service page is %dpx wide at a 390px viewport", w)
	}
	e.screenshot(t, "service-checkout-phone.png")
	e.run(t, "phone backtest page",
		chromedp.Navigate(e.slod.URL+"/#/service/checkout/backtest"),
		chromedp.WaitVisible(chromedp.CSS(`main[data-route="backtest"][data-loaded="true"]`+" "+backtestDone)))
	if w := eval[int](t, e, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("backtest page is %dpx wide at a 390px viewport", w)
	}
	e.screenshot(t, "backtest-checkout-phone.png")
}

// testDeployMarkers records a deploy three hours ago and finds it marked
// on both charts of every SLO of the service, with its version in the
// tooltip, and listed under recent deploys.
func (e *env) testDeployMarkers(t *testing.T) {
	const version = "v-e2e-marker"
	at := e.now.Add(-3 * time.Hour).Truncate(time.Second).UTC()
	var d api.Deployment
	e.slod.PostJSON(t, "/api/v1/services/checkout/deployments", api.DeploymentRequest{Version: version, Actor: "e2e", At: &at},
		map[string]string{"Authorization": "Bearer " + token}, http.StatusCreated, &d)
	marker := `g.deploy-marker[data-deploy-marker="` + version + `"]`
	e.run(t, "open checkout with the deploy",
		chromedp.Navigate(e.slod.URL+"/#/service/checkout"),
		chromedp.WaitVisible(chromedp.CSS(serviceLoaded)),
		chromedp.WaitReady(chromedp.CSS(`#burndown-availability `+marker)),
		chromedp.WaitVisible(chromedp.CSS(`#deploys tr[data-deploy="`+version+`"]`)))
	for _, fig := range []string{"burndown-availability", "sli-availability", "burndown-latency", "sli-latency"} {
		title := eval[string](t, e, `(document.querySelector('#`+fig+` `+marker+` title') || {}).textContent || ''`)
		if !strings.Contains(title, "Deploy "+version+" at "+at.Format("2006-01-02T15:04:05")) {
			t.Errorf("%s: deploy marker tooltip %q, want the version and %s", fig, title, at.Format(time.RFC3339))
		}
	}
	// The marker stands where the deploy was on the time axis: the plot
	// spans the horizontal grid lines, from data-from to data-to.
	off := eval[float64](t, e, `(() => {
		const svg = document.querySelector('#burndown-availability svg.chart-svg');
		const grid = svg.querySelector('.grid line:not(.vert)');
		const left = grid.x1.baseVal.value, right = grid.x2.baseVal.value;
		const from = Date.parse(svg.dataset.from), to = Date.parse(svg.dataset.to);
		const want = left + (Date.parse('`+at.Format(time.RFC3339)+`') - from) / (to - from) * (right - left);
		return svg.querySelector('`+marker+` line').x1.baseVal.value - want;
	})()`)
	if math.Abs(off) > 1 {
		t.Errorf("deploy marker %.1fpx from where the deploy was on the time axis", off)
	}
	e.screenshot(t, "deploy-marker.png")
}

// testDurations runs the dashboard's duration() in the page over the
// cases internal/durationtext (sloctl's rule) is tested on, so the two
// cannot drift apart.
func (e *env) testDurations(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "internal", "durationtext", "testdata", "durations.json"))
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		Seconds   float64
		Text, Got string
	}
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	results, err := chromedp.Run(ctx, chromedp.Evaluate[[]result](`import('/static/js/format.js').then(({ duration }) =>
		`+string(b)+`.map((c) => ({ Seconds: c.seconds, Text: c.text, Got: duration(c.seconds) })))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if len(results) < 10 {
		t.Fatalf("only %d cases ran", len(results))
	}
	for _, r := range results {
		if r.Got != r.Text {
			t.Errorf("duration(%v) = %q in the dashboard, want %q as sloctl writes it", r.Seconds, r.Got, r.Text)
		}
	}
}
