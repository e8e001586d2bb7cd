package slo

import (
	"errors"
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
)

// ErrNoSeries: the total query matched no series over the SLO's period.
var ErrNoSeries = errors.New("total query matched no series")

// exhaustionWindow is the burn-rate window whose rate predicts when the
// budget runs out: long enough to ignore blips, short enough to be current.
const exhaustionWindow = time.Hour

// StatusFrom turns one measurement of o into its SLO status: what slod's
// evaluation and a backtest's replay both publish for an instant.
func StatusFrom(o SLO, p Policy, m Measurement) Status {
	burns := make(map[time.Duration]float64, len(m.Windows))
	for d, c := range m.Windows {
		if r, ok := BurnRate(o.Target, c); ok {
			burns[d] = r
		}
	}
	st := StatusOf(o, p, m.At, m.Period, burns)
	st.Coverage = m.Coverage
	st.Excluded = m.Excluded
	return st
}

// StatusOf builds an SLO's status from its period counts and burn rates at
// at: budget, alert conditions and time to exhaustion all follow from
// them, so a status rebuilt from a snapshot record equals the one
// evaluated. A window without traffic has no burn rate.
func StatusOf(o SLO, p Policy, at time.Time, period Counts, burns map[time.Duration]float64) Status {
	_, full := o.Period(at)
	budget := ComputeBudget(o.Target, full, period, p.MinEvents)
	labels := make(map[string]float64, len(burns))
	for d, r := range burns {
		labels[burnrate.Label(d)] = r
	}
	st := Status{
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
	if budget.Status != StatusNoData {
		if d, ok := TimeToExhaustion(budget.Remaining, full, burns[exhaustionWindow]); ok {
			secs := d.Seconds()
			st.ExhaustionSeconds = &secs
		}
	}
	return st
}

// Placeholder is the status of an SLO never measured: present, no numbers.
func Placeholder(o SLO) Status {
	return Status{
		Name:   o.Name,
		Slug:   o.Slug,
		Target: o.Target,
		Window: o.WindowLabel(),
		Budget: Budget{Status: StatusNoData, SLI: 1, Remaining: 1},
	}
}

// Failed marks s, the last known status, with a failed attempt at at: the
// numbers stay (the gate judges them while younger than max_staleness),
// the error and the start of the run of failures are recorded.
func (s Status) Failed(err error, at time.Time) Status {
	s.Stale = true
	s.Error = err.Error()
	s.NoSeries = errors.Is(err, ErrNoSeries)
	if s.ErrorSince.IsZero() {
		s.ErrorSince = at
	}
	return s
}

// Clamped drops the slightly negative bad counts that rate extrapolation
// gives an SLI defined by good events (total - good).
func (c Counts) Clamped() Counts {
	c.Errors = max(c.Errors, 0)
	return c
}
