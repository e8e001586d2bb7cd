package engine

import (
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/policy"
	"github.com/slo-dev/slo/internal/prom"
	"github.com/slo-dev/slo/internal/slo"
)

// exhaustionWindow is the burn-rate window whose rate predicts when the
// budget runs out: long enough to ignore blips, short enough to be current.
const exhaustionWindow = time.Hour

// statusFrom turns one measurement of o into its SLO status. It is pure.
func statusFrom(o slo.SLO, p slo.Policy, m prom.Measurement) policy.SLOStatus {
	_, full := o.Period(m.At)
	budget := slo.ComputeBudget(o.Target, full, m.Period, p.MinEvents)

	burns := make(map[time.Duration]float64, len(m.Windows))
	labels := make(map[string]float64, len(m.Windows))
	for d, c := range m.Windows {
		if r, ok := slo.BurnRate(o.Target, c); ok {
			burns[d] = r
			labels[burnrate.Label(d)] = r
		}
	}
	st := policy.SLOStatus{
		Name:        o.Name,
		Slug:        o.Slug,
		Target:      o.Target,
		Window:      o.WindowLabel(),
		Counts:      m.Period,
		Budget:      budget,
		BurnRates:   labels,
		Conditions:  burnrate.Evaluate(burnrate.Windows(o.NominalWindow()), burns),
		EvaluatedAt: m.At,
	}
	if budget.Status != slo.StatusNoData {
		if d, ok := slo.TimeToExhaustion(budget.Remaining, full, burns[exhaustionWindow]); ok {
			secs := d.Seconds()
			st.ExhaustionSeconds = &secs
		}
	}
	return st
}
