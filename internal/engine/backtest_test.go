package engine

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/backtest"
	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/policy"
	"github.com/slo-dev/slo/internal/prom"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/testing/promtest"
)

// backtestRel is the bound: a replay within 0.5% of the live
// numbers. The replay sums the very buckets the live cycle summed, so it
// is far closer.
const backtestRel = 0.005

// TestBacktestAgainstPrometheus loads four services of synthetic traffic
// into a real Prometheus and replays them, from slod's ledger and from
// Prometheus directly, checking each against what the live evaluation
// published at the same instant and against synth's ground truth:
//
//   - outage: 40% of requests fail for 30 minutes 30 hours ago: a page
//     starting within one 5-minute step of where the MWMB conditions over
//     the true counts first hold, plus its for:;
//   - slow: 2.5x the budget for 48 hours: tickets, never a page;
//   - healthy: 0.3x throughout: no alert, never denied;
//   - week: a 7d SLO at 0.07% errors, 70% of a 99.9% budget (a warning):
//     at 99.95% the same week is 140%, a freeze throughout.
func TestBacktestAgainstPrometheus(t *testing.T) {
	now := time.Now()
	h := now.Truncate(time.Hour)
	base := func(service string, errRatio float64, segs ...synth.Segment) synth.Scenario {
		return synth.Scenario{Service: service, Start: now.Add(-35 * day), End: now.Add(promtest.Lead),
			Default: synth.Traffic{RPS: 10, ErrorRatio: errRatio}, Segments: segs}
	}
	outageFrom := h.Add(-30 * time.Hour)
	scs := map[string]synth.Scenario{
		"outage":  base("outage", 0.0003, synth.Segment{From: outageFrom, To: outageFrom.Add(30 * time.Minute), Traffic: synth.Traffic{RPS: 10, ErrorRatio: 0.4}}),
		"slow":    base("slow", 0.0003, synth.Segment{From: h.Add(-60 * time.Hour), To: h.Add(-12 * time.Hour), Traffic: synth.Traffic{RPS: 10, ErrorRatio: 0.0025}}),
		"healthy": base("healthy", 0.0003),
		"week":    base("week", 0.0007),
	}
	var all []synth.Scenario
	for _, n := range []string{"outage", "slow", "healthy", "week"} {
		all = append(all, scs[n])
	}
	srv := promtest.Start(t, all...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	sloOf := func(service string, window time.Duration) slo.SLO {
		return slo.SLO{Name: "availability", Slug: "availability", Target: 0.999, Window: window,
			SLI: slo.SLI{Events: &slo.EventsSLI{
				Errors: `sum(rate(http_requests_total{service="` + service + `",code="500"}[{{.window}}]))`,
				Total:  `sum(rate(http_requests_total{service="` + service + `"}[{{.window}}]))`,
			}}}
	}
	specs := []slo.Spec{
		withPolicy(specOf("outage", sloOf("outage", 30*day))),
		withPolicy(specOf("slow", sloOf("slow", 30*day))),
		withPolicy(specOf("healthy", sloOf("healthy", 30*day))),
		withPolicy(specOf("week", sloOf("week", 7*day))),
	}
	src, err := prom.New(prom.Config{URL: srv.URL}, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	// The live cycle at a 5-minute boundary two hours ago, then again ten
	// minutes later, when the bucket ending at it is in the ledger.
	at := now.Truncate(5 * time.Minute).Add(-2 * time.Hour)
	clk := &clock{t: at}
	st := openStore(t)
	e := New(specs, src, st, quiet, Options{Clock: clk.now})
	e.checkRetention(ctx)
	e.EvaluateOnce(ctx)
	backfillAll(t, e)
	e.EvaluateOnce(ctx)
	live := e.Snapshot().Services
	clk.set(at.Add(10 * time.Minute))
	e.EvaluateOnce(ctx)

	t.Run("agrees with the live evaluation", func(t *testing.T) {
		for _, sp := range specs {
			reps, err := e.Backtest(ctx, []slo.Spec{sp, otherText(sp)}, BacktestRange{From: at.Add(-time.Hour), To: at})
			if err != nil {
				t.Fatal(err)
			}
			want := live[sp.Service].SLOs[0]
			wantGate := policy.Decide(live[sp.Service].GateInput(slo.PriorityNormal, nil, at))
			for i, source := range []string{SourceLedger, SourcePrometheus} {
				rep := reps[i]
				if rep.Sources[0] != source {
					t.Errorf("%s: source %s, want %s", sp.Service, rep.Sources[0], source)
				}
				p := rep.SLOs[0].Points[len(rep.SLOs[0].Points)-1]
				if !p.At.Equal(at) || !want.EvaluatedAt.Equal(at) {
					t.Fatalf("%s: last point at %v, live at %v; want both at %v", sp.Service, p.At, want.EvaluatedAt, at)
				}
				if !within(p.Budget.Consumed, want.Budget.Consumed) || !within(p.Budget.TotalEvents, want.Budget.TotalEvents) {
					t.Errorf("%s from the %s: consumed %g of %g events, live %g of %g", sp.Service, source,
						p.Budget.Consumed, p.Budget.TotalEvents, want.Budget.Consumed, want.Budget.TotalEvents)
				}
				for w, r := range want.BurnRates {
					if !within(p.BurnRates[w], r) {
						t.Errorf("%s from the %s: %s burn %g, live %g", sp.Service, source, w, p.BurnRates[w], r)
					}
				}
				g := rep.Gate[len(rep.Gate)-1]
				if g.Decision != wantGate.Decision || !slices.Equal(g.Codes, codesOf(wantGate)) {
					t.Errorf("%s from the %s: gate %s %v, live %s %v", sp.Service, source, g.Decision, g.Codes, wantGate.Decision, codesOf(wantGate))
				}
			}
		}
		if n := len(e.books.all()); n != len(specs) {
			t.Errorf("%d books after the backtests, want %d: a backtest must not add to the live ledgers", n, len(specs))
		}
		stored, err := st.Buckets(ctx, otherText(specs[0]).SLOs[0].QueryFingerprint())
		if err != nil || len(stored) != 0 {
			t.Errorf("the store holds %d buckets of a backtested spec (%v), want none", len(stored), err)
		}
	})

	replay := func(t *testing.T, sp slo.Spec, from time.Time) backtest.Result {
		t.Helper()
		reps, err := e.Backtest(ctx, []slo.Spec{sp}, BacktestRange{From: from, To: at})
		if err != nil {
			t.Fatal(err)
		}
		return reps[0].Result
	}
	t.Run("outage pages within a step", func(t *testing.T) {
		sc, o := scs["outage"], specs[0].SLOs[0]
		r := replay(t, specs[0], at.Add(-2*day))
		// The first minute both page conditions over the true counts hold.
		w := burnrate.Windows(o.NominalWindow())[0]
		burn := func(t time.Time, d time.Duration) float64 {
			return sc.Errors(t.Add(-d), t) / sc.Requests(t.Add(-d), t) / (1 - o.Target)
		}
		var truth time.Time
		for m := outageFrom; m.Before(outageFrom.Add(time.Hour)); m = m.Add(time.Minute) {
			if burn(m, w.Long) > w.Factor && burn(m, w.Short) > w.Factor {
				truth = m.Add(w.HoldFor())
				break
			}
		}
		var page *backtest.Alert
		for i, a := range r.SLOs[0].Alerts {
			if a.Severity == burnrate.SeverityPage && a.Long == w.Long {
				page = &r.SLOs[0].Alerts[i]
				break
			}
		}
		if truth.IsZero() || page == nil {
			t.Fatalf("truth %v, replay alerts %+v: want a page", truth, r.SLOs[0].Alerts)
		}
		if d := page.From.Sub(truth); d < 0 || d >= 5*time.Minute {
			t.Errorf("page from %v, the MWMB math on the true counts fires at %v: %s apart, want within one step", page.From, truth, d)
		}
		if r.Summary.Pages != 1 || r.Summary.DeniedTime == 0 {
			t.Errorf("summary %+v: want one page and a denied spell", r.Summary)
		}
	})
	t.Run("slow burn tickets only", func(t *testing.T) {
		r := replay(t, specs[1], at.Add(-3*day))
		if r.Summary.Pages != 0 || r.Summary.Tickets == 0 {
			t.Errorf("summary %+v: want tickets and no page", r.Summary)
		}
	})
	t.Run("healthy nothing", func(t *testing.T) {
		r := replay(t, specs[2], at.Add(-7*day))
		s := r.Summary
		if s.Pages != 0 || s.Tickets != 0 || s.DeniedTime != 0 || len(s.Incidents) != 0 {
			t.Errorf("summary %+v: want nothing", s)
		}
		// 0.03% errors of a 0.1% budget: 30% consumed.
		if s.Lowest == nil || !near(1-s.Lowest.Remaining, 0.3) {
			t.Errorf("lowest %+v, want 70%% left", s.Lowest)
		}
	})
	t.Run("stricter target freezes the week", func(t *testing.T) {
		stricter := specs[3]
		stricter.SLOs = slices.Clone(stricter.SLOs)
		stricter.SLOs[0].Target = 0.9995
		reps, err := e.Backtest(ctx, []slo.Spec{specs[3], stricter}, BacktestRange{From: at.Add(-7 * day), To: at})
		if err != nil {
			t.Fatal(err)
		}
		a, b := reps[0], reps[1]
		span := b.To.Add(b.Step).Sub(b.From)
		if a.Summary.DeniedTime != 0 || b.Summary.DeniedTime != span {
			t.Errorf("denied %s at 99.9%%, %s at 99.95%%; want none and all %s", a.Summary.DeniedTime, b.Summary.DeniedTime, span)
		}
		if a.Summary.Lowest == nil || b.Summary.Lowest == nil || !near(1-a.Summary.Lowest.Remaining, 0.7) || !near(1-b.Summary.Lowest.Remaining, 1.4) {
			t.Errorf("lowest %+v and %+v, want 30%% and -40%% left", a.Summary.Lowest, b.Summary.Lowest)
		}
	})
}

func within(got, want float64) bool {
	return math.Abs(got-want) <= backtestRel*math.Abs(want)+1e-9
}

// near: within 0.5% of the budget, which the synthetic ratios are exact to.
func near(got, want float64) bool { return math.Abs(got-want) <= backtestRel*want }

func codesOf(r policy.Result) []string {
	var out []string
	for _, x := range r.Reasons {
		if !slices.Contains(out, x.Code) {
			out = append(out, x.Code)
		}
	}
	return out
}

// withPolicy gives sp the loader's default policy.
func withPolicy(sp slo.Spec) slo.Spec {
	def, problems := slo.Parse("d.yaml", []byte("service: d\nslos:\n  - name: a\n    target: 99%\n    window: 1d\n    sli:\n      events:\n        errors: sum(rate(e[{{.window}}]))\n        total: sum(rate(t[{{.window}}]))\n"))
	if len(problems) > 0 {
		panic(problems)
	}
	sp.Policy = def.Policy
	return sp
}

// otherText is sp with its SLO's total query written differently: the
// same events under another fingerprint, which slod keeps no book of.
func otherText(sp slo.Spec) slo.Spec {
	sp.SLOs = slices.Clone(sp.SLOs)
	ev := *sp.SLOs[0].SLI.Events
	ev.Total = "  " + ev.Total
	sp.SLOs[0].SLI.Events = &ev
	return sp
}
