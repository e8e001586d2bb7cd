package engine

import (
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/slo"
)

// exhaustionWindow is the burn-rate window whose rate predicts when the
// budget runs out: long enough to ignore blips, short enough to be current.
const exhaustionWindow = time.Hour

// statusFrom turns one measurement of o into its SLO status. It is pure.
func statusFrom(o slo.SLO, p slo.Policy, m slo.Measurement) slo.Status {
	burns := make(map[time.Duration]float64, len(m.Windows))
	for d, c := range m.Windows {
		if r, ok := slo.BurnRate(o.Target, c); ok {
			burns[d] = r
		}
	}
	st := statusOf(o, p, m.At, m.Period, burns)
	st.Coverage = m.Coverage
	st.Excluded = m.Excluded
	return st
}

// statusOf builds an SLO's status from its period counts and burn rates at
// at: budget, alert conditions and time to exhaustion all follow from
// them, so a status rebuilt from a snapshot record equals the one
// evaluated. A window without traffic has no burn rate.
func statusOf(o slo.SLO, p slo.Policy, at time.Time, period slo.Counts, burns map[time.Duration]float64) slo.Status {
	_, full := o.Period(at)
	budget := slo.ComputeBudget(o.Target, full, period, p.MinEvents)
	labels := make(map[string]float64, len(burns))
	for d, r := range burns {
		labels[burnrate.Label(d)] = r
	}
	st := slo.Status{
		Name:        o.Name,
		Slug:        o.Slug,
		Target:      o.Target,
		Window:      o.WindowLabel(),
		Counts:      period,
		Budget:      budget,
		BurnRates:   labels,
		Conditions:  burnrate.Evaluate(burnrate.Windows(o.NominalWindow()), burns),
		EvaluatedAt: at,
	}
	if budget.Status != slo.StatusNoData {
		if d, ok := slo.TimeToExhaustion(budget.Remaining, full, burns[exhaustionWindow]); ok {
			secs := d.Seconds()
			st.ExhaustionSeconds = &secs
		}
	}
	return st
}
