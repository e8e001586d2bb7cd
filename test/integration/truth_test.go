package integration

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// tol is the agreement the issue asks for between slod and the ground
// truth: 1%.
const tol = 0.01

// objective is one SLO as the test knows it: the spec's target and window
// and synth's exact counts of bad and all events.
type objective struct {
	name   string
	target float64
	// window is the rolling window; zero for a calendar month (UTC).
	window    time.Duration
	bad       func(from, to time.Time) float64
	total     func(from, to time.Time) float64
	minEvents float64
}

// alertWant is one MWMB condition (docs/design.md, SRE Workbook ch. 5), worked
// by hand: factor = budget share * window / long window, at least 1.
type alertWant struct {
	severity, long, short string
	factor                float64
}

var (
	// 30d and calendar months: 2%/1h, 5%/6h, 10%/1d, 10%/3d of 720h.
	alerts30d = []alertWant{{"page", "1h", "5m", 14.4}, {"page", "6h", "30m", 6}, {"ticket", "1d", "2h", 3}, {"ticket", "3d", "6h", 1}}
	// 7d (168h): 3.36, 1.4, 0.7 -> 1, 0.233 -> 1.
	alerts7d = []alertWant{{"page", "1h", "5m", 3.36}, {"page", "6h", "30m", 1.4}, {"ticket", "1d", "2h", 1}, {"ticket", "3d", "6h", 1}}
	// burnWindows are the windows those conditions need, by label.
	burnWindows = map[string]time.Duration{
		"5m": 5 * time.Minute, "30m": 30 * time.Minute, "1h": time.Hour, "2h": 2 * time.Hour,
		"6h": 6 * time.Hour, "1d": synth.Day, "3d": 3 * synth.Day,
	}
)

func (o objective) alerts() []alertWant {
	if o.window == 7*synth.Day {
		return alerts7d
	}
	return alerts30d
}

// period is the SLO window ending at at, and the full window length.
func (o objective) period(at time.Time) (from time.Time, full time.Duration) {
	if o.window > 0 {
		return at.Add(-o.window), o.window
	}
	u := at.UTC()
	start := time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC)
	return start, start.AddDate(0, 1, 0).Sub(start)
}

func (o objective) windowLabel() string {
	// Prometheus' duration format, as in the spec's own notation where it
	// can: 7d prints as 1w.
	switch o.window {
	case 0:
		return "month"
	case 7 * synth.Day:
		return "1w"
	}
	return fmt.Sprintf("%dd", int(o.window/synth.Day))
}

// truth is what slod should report for o at one instant.
type truth struct {
	at            time.Time
	full          time.Duration
	errors, total float64
	noData        bool
	consumed      float64
	burns         map[string]float64 // windows with traffic only
	firing        map[string]bool    // by long window label
	pageFiring    bool
	nearThreshold string // non-empty when a decision would hinge on noise
	// worst is the largest relative deviation checkSLO saw, in worstField.
	worst      float64
	worstField string
}

func (o objective) truthAt(at time.Time) truth {
	from, full := o.period(at)
	tr := truth{at: at, full: full, errors: o.bad(from, at), total: o.total(from, at),
		burns: map[string]float64{}, firing: map[string]bool{}}
	budget := 1 - o.target
	tr.noData = tr.total <= 0 || tr.total < o.minEvents
	if !tr.noData {
		tr.consumed = tr.errors / tr.total / budget
		for _, th := range []float64{0.5, 0.75, 1} {
			if math.Abs(tr.consumed-th) < 2*tol*th {
				tr.nearThreshold = fmt.Sprintf("consumed %.4f is within 2%% of the threshold %v", tr.consumed, th)
			}
		}
	}
	for label, w := range burnWindows {
		if t := o.total(at.Add(-w), at); t > 0 {
			tr.burns[label] = o.bad(at.Add(-w), at) / t / budget
		}
	}
	for _, a := range o.alerts() {
		long, okL := tr.burns[a.long]
		short, okS := tr.burns[a.short]
		tr.firing[a.long] = okL && okS && long > a.factor && short > a.factor
		for _, b := range []float64{long, short} {
			if math.Abs(b-a.factor) < 2*tol*a.factor {
				tr.nearThreshold = fmt.Sprintf("burn rate %.3f is within 2%% of the %s factor %v", b, a.long, a.factor)
			}
		}
		if a.severity == "page" && tr.firing[a.long] && !tr.noData {
			tr.pageFiring = true
		}
	}
	return tr
}

// near reports whether got is within tol of want, relative to scale (the
// size of the quantity whose error propagates into want), with a tiny
// absolute floor for exact zeros.
func near(got, want, scale float64) bool {
	return math.Abs(got-want) <= tol*math.Abs(scale)+1e-9
}

// checkSLO compares one SLO of an answer with the ground truth at the
// SLO's own evaluated_at.
func checkSLO(t *testing.T, where string, got api.SLO, o objective) truth {
	t.Helper()
	if got.Name != o.name {
		t.Fatalf("%s: SLO %q, want %q", where, got.Name, o.name)
	}
	if got.EvaluatedAt == nil {
		t.Fatalf("%s %s: never evaluated", where, o.name)
	}
	tr := o.truthAt(*got.EvaluatedAt)
	where = fmt.Sprintf("%s %s at %s", where, o.name, got.EvaluatedAt.Format(time.RFC3339Nano))
	errf := func(field string, g, w any) {
		t.Helper()
		t.Errorf("%s: %s = %v, ground truth %v", where, field, g, w)
	}
	checkNum := func(field string, g, w, scale float64) {
		t.Helper()
		if !near(g, w, scale) {
			errf(field, g, w)
		}
		if scale != 0 {
			if rel := math.Abs(g-w) / math.Abs(scale); rel > tr.worst {
				tr.worst, tr.worstField = rel, field
			}
		}
	}
	if got.Target != o.target {
		errf("target", got.Target, o.target)
	}
	if got.Window != o.windowLabel() {
		errf("window", got.Window, o.windowLabel())
	}
	if got.Error != "" {
		t.Errorf("%s: measurement error %q", where, got.Error)
	}
	b := got.Budget
	budget := 1 - o.target
	allowedMinutes := tr.full.Minutes() * budget
	checkNum("budget.allowed_minutes", b.AllowedMinutes, allowedMinutes, 1e-7*allowedMinutes)
	if tr.total > 0 {
		checkNum("budget.total_events", b.TotalEvents, tr.total, tr.total)
		checkNum("budget.failed_events", b.FailedEvents, tr.errors, tr.errors)
		checkNum("budget.allowed_events", b.AllowedEvents, budget*tr.total, budget*tr.total)
		checkNum("budget.remaining_events", b.RemainingEvents, budget*tr.total-tr.errors, budget*tr.total+tr.errors)
	} else {
		for field, v := range map[string]float64{"total_events": b.TotalEvents, "failed_events": b.FailedEvents,
			"allowed_events": b.AllowedEvents, "remaining_events": b.RemainingEvents} {
			if v != 0 {
				errf("budget."+field, v, 0)
			}
		}
	}
	if tr.noData {
		if b.Status != "no_data" || got.SLI != nil || b.Consumed != 0 || b.Remaining != 1 || b.RemainingMinutes != b.AllowedMinutes {
			t.Errorf("%s: %.0f events (min_events %v): want status no_data, sli null, consumed 0, remaining 1; got %s, %v, %v, %v",
				where, tr.total, o.minEvents, b.Status, got.SLI, b.Consumed, b.Remaining)
		}
	} else {
		ratio := tr.errors / tr.total
		status := "ok"
		if tr.consumed >= 1 {
			status = "exhausted"
		}
		if b.Status != status {
			errf("budget.status", b.Status, status)
		}
		if got.SLI == nil {
			t.Errorf("%s: sli is null", where)
		} else {
			checkNum("sli", *got.SLI, 1-ratio, ratio)
		}
		if b.SLI == nil {
			t.Errorf("%s: budget.sli is null", where)
		} else {
			checkNum("budget.sli", *b.SLI, 1-ratio, ratio)
		}
		checkNum("budget.error_ratio", b.ErrorRatio, ratio, ratio)
		checkNum("budget.consumed", b.Consumed, tr.consumed, tr.consumed)
		checkNum("budget.remaining", b.Remaining, 1-tr.consumed, tr.consumed)
		checkNum("budget.remaining_minutes", b.RemainingMinutes, allowedMinutes*(1-tr.consumed), allowedMinutes*tr.consumed)
	}

	// Burn rates: exactly the windows with traffic.
	for label := range burnWindows {
		w, want := tr.burns[label]
		g, have := got.BurnRates[label]
		switch {
		case want != have:
			t.Errorf("%s: burn_rates[%s] present=%v, want present=%v (got %v)", where, label, have, want, got.BurnRates)
		case want:
			checkNum("burn_rates["+label+"]", g, w, w)
		}
	}
	for label := range got.BurnRates {
		if _, ok := burnWindows[label]; !ok {
			t.Errorf("%s: unexpected burn_rates[%s]", where, label)
		}
	}

	// MWMB conditions.
	wantAlerts := o.alerts()
	if len(got.Alerts) != len(wantAlerts) {
		t.Errorf("%s: %d alerts, want %d: %+v", where, len(got.Alerts), len(wantAlerts), got.Alerts)
	} else {
		for i, a := range wantAlerts {
			g := got.Alerts[i]
			if g.Severity != a.severity || g.Long != a.long || g.Short != a.short || math.Abs(g.Factor-a.factor) > 1e-9 {
				t.Errorf("%s: alert %d is %s %s/%s x%v, want %s %s/%s x%v", where, i, g.Severity, g.Long, g.Short, g.Factor, a.severity, a.long, a.short, a.factor)
				continue
			}
			long, okL := tr.burns[a.long]
			short, okS := tr.burns[a.short]
			checkNum("alert "+a.long+" long_burn", g.LongBurn, long, long)
			checkNum("alert "+a.long+" short_burn", g.ShortBurn, short, short)
			if g.NoData != (!okL || !okS) {
				errf("alert "+a.long+" no_data", g.NoData, !okL || !okS)
			}
			if g.Firing != tr.firing[a.long] {
				errf(fmt.Sprintf("alert %s/%s firing (burns %.3f/%.3f vs factor %v)", a.long, a.short, long, short, a.factor), g.Firing, tr.firing[a.long])
			}
		}
	}

	// Time to exhaustion at the 1h burn: remaining * window / burn.
	burn := tr.burns["1h"]
	switch {
	case tr.noData || burn <= 0:
		if got.ExhaustionSeconds != nil {
			errf("exhaustion_seconds", *got.ExhaustionSeconds, nil)
		}
	case got.ExhaustionSeconds == nil:
		errf("exhaustion_seconds", nil, (1-tr.consumed)*tr.full.Seconds()/burn)
	case tr.consumed >= 1:
		if *got.ExhaustionSeconds != 0 {
			errf("exhaustion_seconds", *got.ExhaustionSeconds, 0)
		}
	default:
		w := (1 - tr.consumed) * tr.full.Seconds() / burn
		// remaining's and burn's errors both propagate.
		checkNum("exhaustion_seconds", *got.ExhaustionSeconds, w, w+tr.consumed*tr.full.Seconds()/burn)
	}
	return tr
}

// gateWant is the decision the default policy gives a normal deploy,
// worked from the ground truth: per SLO in order, no data -> warn
// insufficient_data; >= 100% consumed -> deny budget_exhausted
// (freeze_releases, mandatory_postmortem); >= 75% -> deny budget_threshold
// (limit_releases); >= 50% -> warn budget_threshold (increase_monitoring);
// then a page condition firing -> deny fast_burn.
type gateWant struct {
	decision string
	codes    []string
	actions  []string
}

func expectGate(truths []truth) gateWant {
	g := gateWant{decision: "allow", codes: []string{}, actions: []string{}}
	worse := func(d string) {
		if d == "deny" || (d == "warn" && g.decision == "allow") {
			g.decision = d
		}
	}
	addActions := func(as ...string) {
		for _, a := range as {
			if !slices.Contains(g.actions, a) {
				g.actions = append(g.actions, a)
			}
		}
	}
	for _, tr := range truths {
		if tr.noData {
			g.codes = append(g.codes, "insufficient_data")
			worse("warn")
			continue
		}
		switch {
		case tr.consumed >= 1:
			g.codes = append(g.codes, "budget_exhausted")
			addActions("freeze_releases", "mandatory_postmortem")
			worse("deny")
		case tr.consumed >= 0.75:
			g.codes = append(g.codes, "budget_threshold")
			addActions("limit_releases")
			worse("deny")
		case tr.consumed >= 0.5:
			g.codes = append(g.codes, "budget_threshold")
			addActions("increase_monitoring")
			worse("warn")
		}
		if tr.pageFiring {
			g.codes = append(g.codes, "fast_burn")
			worse("deny")
		}
	}
	return g
}

// checkGate compares a whole answer (service or can-deploy) with the truth
// and returns the decision the truth gives.
func checkGate(t *testing.T, where string, g slodtest.Gate, objs []objective) gateWant {
	t.Helper()
	if len(g.SLOs) != len(objs) {
		t.Fatalf("%s: %d SLOs, want %d", where, len(g.SLOs), len(objs))
	}
	truths := make([]truth, len(objs))
	for i, o := range objs {
		truths[i] = checkSLO(t, where, g.SLOs[i], o)
		if truths[i].nearThreshold != "" {
			t.Fatalf("%s %s: the scenario is too close to a decision boundary to judge: %s", where, o.name, truths[i].nearThreshold)
		}
	}
	want := expectGate(truths)
	if g.Decision != want.decision || g.Allowed != (want.decision != "deny") ||
		!slices.Equal(g.Codes(), want.codes) || !slices.Equal(g.Actions, want.actions) {
		t.Errorf("%s: decision %s (allowed %v), reasons %v, actions %v; ground truth gives %s, %v, %v\nreasons: %+v",
			where, g.Decision, g.Allowed, g.Codes(), g.Actions, want.decision, want.codes, want.actions, g.Reasons)
	}
	if g.Stale {
		t.Errorf("%s: stale", where)
	}
	return want
}
