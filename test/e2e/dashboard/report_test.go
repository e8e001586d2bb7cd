package dashboard

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/slo-dev/slo/internal/demo/synth"
)

// weekBefore is the Monday-to-Monday week before the one holding now, in
// loc, worked out here from the calendar rather than by the report code.
func weekBefore(now time.Time, loc *time.Location) (time.Time, time.Time) {
	l := now.In(loc)
	back := (int(l.Weekday())+6)%7 + 7 // days since last week's Monday
	start := time.Date(l.Year(), l.Month(), l.Day()-back, 0, 0, 0, 0, loc)
	return start, time.Date(start.Year(), start.Month(), start.Day()+7, 0, 0, 0, 0, loc)
}

// The HTML report of last week, opened from the API in Chromium: every
// number in its DOM matches the synthetic traffic's ground truth, each SLO's
// week follows its own time zone, it draws an SVG burn-down chart, and it
// prints to PDF. The service page links to the report.
func (e *env) testReport(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		sc        synth.Scenario
		slo       string
		loc       *time.Location
		bad       func(from, to time.Time) float64
		worstBurn float64 // 0: not checked
	}
	// The payments incident hour is the worst of last week: 2% errors
	// over a 0.1% budget.
	cases := []want{
		{e.checkout, "availability", time.UTC, e.checkout.Errors, 0},
		{e.payments, "availability", time.UTC, e.payments.Errors, 0.02 / 0.001},
		{e.payments, "monthly", ny, e.payments.Errors, 0.02 / 0.001},
	}

	e.run(t, "open the report",
		chromedp.Navigate(e.slod.URL+"/api/v1/reports?period=last-week&format=html"),
		chromedp.WaitVisible(chromedp.CSS(`tr.slo td.chart svg`)))
	rows := eval[map[string]map[string]string](t, e, `(() => {
		const out = {};
		for (const tr of document.querySelectorAll('tr.slo')) {
			const v = (c) => tr.querySelector('td.' + c).dataset;
			out[tr.dataset.service + '/' + tr.dataset.slo] = {
				start: v('period').start, end: v('period').end, target: v('target').value, sli: v('sli').value,
				consumed: v('consumed').value, burn: v('worst-burn').value,
				points: String(tr.querySelector('td.chart polyline').getAttribute('points').split(' ').length) };
		}
		return out;
	})()`)
	for _, c := range cases {
		key := c.sc.Service + "/" + c.slo
		row, ok := rows[key]
		if !ok {
			t.Errorf("no row for %s in %v", key, rows)
			continue
		}
		start, end := weekBefore(e.now, c.loc)
		gotStart, err1 := time.Parse(time.RFC3339, row["start"])
		gotEnd, err2 := time.Parse(time.RFC3339, row["end"])
		if err1 != nil || err2 != nil || !gotStart.Equal(start) || !gotEnd.Equal(end) {
			t.Errorf("%s: period %s .. %s, want %s .. %s", key, row["start"], row["end"], start, end)
		}
		total, bad := c.sc.Requests(start, end), c.bad(start, end)
		wantSLI, wantConsumed := 1-bad/total, bad/total/0.001
		sli, consumed := number(t, row["sli"]), number(t, row["consumed"])
		// Within 1% of the error ratio (Prometheus' rate extrapolation).
		if !near(1-sli, 1-wantSLI, 0.01*(1-wantSLI)) || !near(consumed, wantConsumed, 0.01*wantConsumed) {
			t.Errorf("%s: SLI %s, consumed %s; truth %.6f, %.4f", key, row["sli"], row["consumed"], wantSLI, wantConsumed)
		}
		if c.worstBurn > 0 && !near(number(t, row["burn"]), c.worstBurn, 0.02*c.worstBurn) {
			t.Errorf("%s: worst 1h burn %s, want %.1f (the incident hour)", key, row["burn"], c.worstBurn)
		}
		// A week: a point at the start and one a day.
		if n, _ := strconv.Atoi(row["points"]); n != 8 {
			t.Errorf("%s: burn-down has %d points, want 8", key, n)
		}
		t.Logf("%s: SLI %s (truth %.6f), consumed %s (truth %.4f), worst 1h burn %s", key, row["sli"], wantSLI, row["consumed"], wantConsumed, row["burn"])
	}
	// Self-contained: nothing but the document itself was loaded.
	if n := eval[int](t, e, `performance.getEntriesByType('resource').length`); n != 0 {
		t.Errorf("the report loaded %d external resources", n)
	}
	e.screenshot(t, "report-last-week.png")
	yes := true
	res, err := chromedp.Call(e.ctx, page.PrintToPDF, page.PrintToPDFParams{Landscape: &yes, PrintBackground: &yes})
	pdf := res.Data
	if err != nil || len(pdf) < 1000 || string(pdf[:5]) != "%PDF-" {
		t.Fatalf("print to PDF: %d bytes, %v", len(pdf), err)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "..", "artifacts", "screenshots", "report-last-week.pdf"), pdf, 0o644); err != nil {
		t.Fatal(err)
	}

	// The service page links to this period's report and the previous one.
	e.run(t, "open checkout",
		chromedp.Navigate(e.slod.URL+"/#/service/checkout"),
		chromedp.WaitVisible(chromedp.CSS(serviceLoaded)))
	links := eval[map[string]string](t, e, `Object.fromEntries([...document.querySelectorAll('a[data-report]')].map((a) => [a.dataset.report, a.getAttribute('href')]))`)
	for _, p := range []string{"current", "previous"} {
		if want := "/api/v1/reports?format=html&period=" + p + "&service=checkout"; links[p] != want {
			t.Errorf("report link %q = %q, want %q", p, links[p], want)
		}
	}
}
