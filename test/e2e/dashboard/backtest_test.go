package dashboard

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/testing/promtest"
)

const backtestDone = `#backtest-result[data-state="done"]`

// band is one drawn band of a timeline: its API times and where it is.
type band struct {
	From, To string
	X, Width float64
}

// timeline reads a drawn timeline: the plot's left and right edges (from
// a horizontal grid line), the axis' ends and its bands of one kind.
type timeline struct {
	Left, Right float64
	From, To    string
	Bands       []band
}

func readTimeline(t *testing.T, e *env, fig, kind string) timeline {
	t.Helper()
	return eval[timeline](t, e, fmt.Sprintf(`(() => {
		const svg = document.querySelector('#%s svg');
		if (!svg) return { Left: 0, Right: 0, From: '', To: '', Bands: [] };
		const grid = svg.querySelector('.grid line:not(.vert)');
		return { Left: Number(grid.getAttribute('x1')), Right: Number(grid.getAttribute('x2')),
			From: svg.dataset.from, To: svg.dataset.to,
			Bands: [...svg.querySelectorAll('rect[data-band=%q]')].map((r) => ({ From: r.dataset.from, To: r.dataset.to,
				X: Number(r.getAttribute('x')), Width: Number(r.getAttribute('width')) })) };
	})()`, fig, kind))
}

// summaryCells reads the summary table: field -> run -> data-value.
func summaryCells(t *testing.T, e *env) map[string]map[string]string {
	t.Helper()
	return eval[map[string]map[string]string](t, e, `(() => {
		const out = {};
		for (const td of document.querySelectorAll('#backtest-summary td[data-field]')) {
			(out[td.dataset.field] ??= {})[td.dataset.run] = td.dataset.value ?? '';
		}
		return out;
	})()`)
}

// checkBands compares a timeline's bands with the API's intervals, and
// their places on the time axis with the axis' own ends.
func checkBands(t *testing.T, what string, tl timeline, want [][2]time.Time) {
	t.Helper()
	if len(tl.Bands) != len(want) {
		t.Fatalf("%s: %d bands drawn (%+v), the API has %d", what, len(tl.Bands), tl.Bands, len(want))
	}
	t0, err0 := time.Parse(time.RFC3339Nano, tl.From)
	t1, err1 := time.Parse(time.RFC3339Nano, tl.To)
	if err0 != nil || err1 != nil || tl.Right <= tl.Left {
		t.Fatalf("%s: axis %q .. %q over x %v .. %v", what, tl.From, tl.To, tl.Left, tl.Right)
	}
	x := func(at time.Time) float64 {
		return tl.Left + float64(at.Sub(t0))/float64(t1.Sub(t0))*(tl.Right-tl.Left)
	}
	for i, b := range tl.Bands {
		from, errF := time.Parse(time.RFC3339Nano, b.From)
		to, errT := time.Parse(time.RFC3339Nano, b.To)
		if errF != nil || errT != nil || !from.Equal(want[i][0]) || !to.Equal(want[i][1]) {
			t.Errorf("%s band %d: data-from %q data-to %q, the API says %s .. %s", what, i, b.From, b.To, want[i][0], want[i][1])
			continue
		}
		// The page rounds x and width to 0.1px and draws at least 1px.
		if math.Abs(b.X-x(from)) > 0.2 || math.Abs(b.X+b.Width-math.Max(x(to), x(from)+1)) > 0.3 {
			t.Errorf("%s band %d at x %.1f..%.1f, want %.1f..%.1f for %s .. %s", what, i, b.X, b.X+b.Width, x(from), x(to), from, to)
		}
	}
}

func alertsOf(o api.BacktestSLO, severity string) [][2]time.Time {
	var out [][2]time.Time
	for _, a := range o.Alerts {
		if a.Severity == severity {
			out = append(out, [2]time.Time{a.From, a.To})
		}
	}
	return out
}

func deniedOf(run api.BacktestRun) [][2]time.Time {
	var out [][2]time.Time
	for _, g := range run.Gate {
		if g.Decision == "deny" {
			out = append(out, [2]time.Time{g.From, g.To})
		}
	}
	return out
}

// sloOf is the run's SLO of that slug.
func sloOf(t *testing.T, run api.BacktestRun, slug string) api.BacktestSLO {
	t.Helper()
	for _, o := range run.SLOs {
		if o.Slug == slug {
			return o
		}
	}
	t.Fatalf("the backtest has no SLO %s", slug)
	return api.BacktestSLO{}
}

// checkSummary compares the page's summary column of run with the API's.
func checkSummary(t *testing.T, cells map[string]map[string]string, run string, sm api.BacktestSummary) {
	t.Helper()
	want := map[string]float64{"pages": float64(sm.Pages), "tickets": float64(sm.Tickets),
		"alert-minutes": sm.AlertMinutes, "denied-hours": sm.DeniedHours}
	if sm.LowestBudget != nil {
		want["lowest-budget"] = sm.LowestBudget.Remaining
	}
	for field, w := range want {
		got := cells[field][run]
		if got == "" || math.Abs(number(t, got)-w) > 1e-9*math.Max(1, math.Abs(w)) {
			t.Errorf("summary %s of %s on the page = %q, the API says %v", field, run, got, w)
		}
	}
}

// testBacktest replays checkout, whose scenario burns 13x the
// availability budget for two days (6 to 4 days ago), from its page, and
// then the same events against a stricter target.
func (e *env) testBacktest(t *testing.T) {
	e.run(t, "open the backtest from the service page",
		chromedp.Navigate(e.slod.URL+"/#/service/checkout"),
		chromedp.WaitVisible(chromedp.CSS(serviceLoaded)),
		chromedp.Click(chromedp.ID("backtest-link")),
		chromedp.WaitVisible(chromedp.CSS(`main[data-route="backtest"][data-loaded="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(backtestDone)))

	rng := eval[[]string](t, e, `[document.getElementById('backtest-result').dataset.from, document.getElementById('backtest-result').dataset.to]`)
	from, err1 := time.Parse(time.RFC3339Nano, rng[0])
	to, err2 := time.Parse(time.RFC3339Nano, rng[1])
	// slod replays whole 5-minute steps of closed buckets inside the range.
	if span := to.Sub(from); err1 != nil || err2 != nil || span > 30*synth.Day || span < 30*synth.Day-15*time.Minute {
		t.Fatalf("the page replayed %q .. %q, want the 30 days it asked for", rng[0], rng[1])
	}
	var base api.Backtest
	e.slod.PostJSON(t, "/api/v1/backtest", api.BacktestRequest{Service: "checkout", From: &from, To: &to}, nil, http.StatusOK, &base)
	avail := sloOf(t, base.Result, "availability")

	// What the scenario implies. The incident burns 13x; the 6x page over
	// 6h and 30m fires once the 6h window holds a share f of it with
	// 13f + 0.7(1-f) > 6, f = 5.3/12.3, about 2.6h in, and stops about 17
	// minutes after it ends (the 30m window). 14.4x never holds. The events
	// of those days are in hourly buckets (older than the last 3 days), so
	// the edges may move by up to an hour, plus the step and the 2m for:.
	incStart, incEnd := e.now.Add(-6*synth.Day), e.now.Add(-4*synth.Day)
	pageAt := incStart.Add(time.Duration(math.Round(6 * float64(time.Hour) * 5.3 / 12.3)))
	pages := alertsOf(avail, "page")
	if base.Result.Summary.Pages != 1 || len(pages) == 0 {
		t.Fatalf("backtest of checkout: %d page episodes, intervals %v; the one outage should page once", base.Result.Summary.Pages, pages)
	}
	first, last := pages[0][0], pages[len(pages)-1][1]
	if first.Before(pageAt.Add(-time.Hour)) || first.After(pageAt.Add(70*time.Minute)) {
		t.Errorf("the page starts at %s, want about %s (2.6h into the outage)", first, pageAt)
	}
	if last.Before(incEnd.Add(-time.Hour)) || last.After(incEnd.Add(80*time.Minute)) {
		t.Errorf("the page ends at %s, want about 17m after the outage ends at %s", last, incEnd)
	}
	for _, a := range avail.Alerts {
		if a.Severity == "page" && a.Factor > 14 {
			t.Errorf("the %.1fx page fired (%s .. %s); the outage burns 13x", a.Factor, a.From, a.To)
		}
	}
	if o := sloOf(t, base.Result, "latency"); len(o.Alerts) != 0 {
		t.Errorf("latency alerts %+v; its 0.5x burn should raise none", o.Alerts)
	}

	// The page draws exactly those bands, where the axis puts them.
	checkBands(t, "current spec, page", readTimeline(t, e, "bt-result-availability", "page"), pages)
	checkBands(t, "current spec, ticket", readTimeline(t, e, "bt-result-availability", "ticket"), alertsOf(avail, "ticket"))
	checkBands(t, "current spec, denied", readTimeline(t, e, "bt-result-availability", "deny"), deniedOf(base.Result))
	cells := summaryCells(t, e)
	checkSummary(t, cells, "result", base.Result.Summary)

	// Budget at the end of the range, from the generator: the 30d window
	// holds the whole outage (0.7x outside it, 13x for 2 of 30 days).
	w := 30 * synth.Day
	ratio := promtest.Increase(e.checkout.Errors, to, w) / promtest.Increase(e.checkout.Requests, to, w)
	if lb := base.Result.Summary.LowestBudget; lb == nil || !near(lb.Remaining, 1-ratio/0.001, 0.005) {
		t.Errorf("lowest budget %+v, want %.4f", lb, 1-ratio/0.001)
	}

	// A stricter target: 99.95% makes the usual 0.07% errors a 1.4x burn,
	// so the budget is overspent over the whole range and every normal
	// deploy is denied.
	e.run(t, "run the what-if",
		chromedp.SetValue(chromedp.ID("target-availability"), "99.95"),
		chromedp.Click(chromedp.ID("backtest-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#backtest-result[data-state="done"][data-runs="2"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#bt-against-availability svg`)))
	rng = eval[[]string](t, e, `[document.getElementById('backtest-result').dataset.from, document.getElementById('backtest-result').dataset.to]`)
	from, _ = time.Parse(time.RFC3339Nano, rng[0])
	to, _ = time.Parse(time.RFC3339Nano, rng[1])
	var what api.Backtest
	e.slod.PostJSON(t, "/api/v1/backtest", api.BacktestRequest{Service: "checkout", From: &from, To: &to,
		AgainstTargets: map[string]float64{"availability": 99.95}}, nil, http.StatusOK, &what)
	if what.Against == nil {
		t.Fatal("the API answered the what-if without an against run")
	}
	cells = summaryCells(t, e)
	checkSummary(t, cells, "result", what.Result.Summary)
	checkSummary(t, cells, "against", what.Against.Summary)
	strict := sloOf(t, *what.Against, "availability")
	checkBands(t, "what-if, page", readTimeline(t, e, "bt-against-availability", "page"), alertsOf(strict, "page"))
	checkBands(t, "what-if, denied", readTimeline(t, e, "bt-against-availability", "deny"), deniedOf(*what.Against))

	ratio = promtest.Increase(e.checkout.Errors, to, w) / promtest.Increase(e.checkout.Requests, to, w)
	if hours := to.Sub(from).Hours(); !near(what.Against.Summary.DeniedHours, hours, 5.0/60) {
		t.Errorf("what-if denies %.2fh of %.2fh; at 99.95%% the budget is overspent throughout", what.Against.Summary.DeniedHours, hours)
	}
	if what.Against.Summary.DeniedHours <= what.Result.Summary.DeniedHours {
		t.Errorf("what-if denies %.2fh, the current spec %.2fh: a stricter target must deny longer", what.Against.Summary.DeniedHours, what.Result.Summary.DeniedHours)
	}
	if lb := what.Against.Summary.LowestBudget; lb == nil || !near(lb.Remaining, 1-ratio/0.0005, 0.005) {
		t.Errorf("what-if lowest budget %+v, want %.4f", lb, 1-ratio/0.0005)
	}
	if d := cells["denied-hours"]["diff"]; d == "" || number(t, d) <= 0 {
		t.Errorf("difference of denied hours on the page = %q, want more hours denied", d)
	}
	e.screenshot(t, "backtest-checkout.png")

	// A target slod refuses: its problem's title and detail, in place.
	// Chromium logs the 400 as a console error; that one is expected.
	e.mu.Lock()
	e.provoked = map[string]bool{e.slod.URL + "/api/v1/backtest": true}
	e.mu.Unlock()
	e.run(t, "run an impossible what-if",
		chromedp.SetValue(chromedp.ID("target-availability"), "100"),
		chromedp.Click(chromedp.ID("backtest-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#backtest-result[data-state="error"]`)))
	msg := eval[string](t, e, `document.getElementById('backtest-error').textContent`)
	if !strings.Contains(msg, "Invalid parameter") || !strings.Contains(msg, "between 0 and 100") {
		t.Errorf("the form shows %q, want slod's problem (Invalid parameter: ... between 0 and 100 ...)", msg)
	}
}
