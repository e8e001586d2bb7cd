package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/slo"
)

// ErrUnknownSLO: no service in force has that SLO.
var ErrUnknownSLO = errors.New("unknown service or SLO")

// History is one SLO's state at evenly spaced hours in [from, to], read
// from its ledger, then its current status if that falls in the range.
// Each point is the budget of the events from the start of its window
// (rolling: the window that ends at to; calendar: the point's own
// period) up to the point, with the burn rates of the windows ending
// there: the burn-down of the current window, whole from the first
// minute of slod's life. At most limit points (the spacing grows in whole
// hours to fit). A replica that does not evaluate (a follower on a shared
// store) has no books in memory and reads the leader's from the store.
func (e *Engine) History(ctx context.Context, service, slug string, from, to time.Time, limit int) ([]slo.Status, error) {
	st, ok := e.Snapshot().Services[service]
	idx := -1
	for i, o := range st.Spec.SLOs {
		if o.Slug == slug {
			idx = i
		}
	}
	if !ok || idx < 0 {
		return nil, ErrUnknownSLO
	}
	o, current := st.Spec.SLOs[idx], st.SLOs[idx]
	e.books.mu.Lock()
	b := e.books.byFP[o.QueryFingerprint()]
	following := e.books.byFP == nil
	e.books.mu.Unlock()
	if b == nil && following {
		var err error
		if b, _, err = e.readBook(ctx, o.QueryFingerprint(), []slo.SLO{o}, e.opts.Clock()); err != nil {
			return nil, fmt.Errorf("history of %s/%s: %w", service, slug, err)
		}
	}

	var cs []slo.Correction
	if e.opts.Marks != nil {
		cs = e.opts.Marks.Corrections(service)
	}
	// Windows of the points reach back one window (or period) before from.
	x, _ := exclusions(st.Spec, o, cs, from.Add(-o.NominalWindow()-31*24*time.Hour), to)
	var out []slo.Status
	if b != nil {
		out = pointsOf(o, st.Spec.Policy, b, x, from, to, max(limit-1, 1))
	}
	if at := current.EvaluatedAt; !at.IsZero() && !at.Before(from) && !at.After(to) {
		out = append(out, current)
	}
	return out, nil
}

// pointsOf computes the hourly points of o from b, without the events
// of x.
func pointsOf(o slo.SLO, p slo.Policy, b *book, x ledger.Exclusions, from, to time.Time, limit int) []slo.Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	closed := b.layout(to).Closed
	rolling := o.Calendar == ""
	if rolling {
		// Points before the window that ends at to belong to no budget
		// shown now.
		if ws := to.Add(-o.NominalWindow()); from.Before(ws) {
			from = ws
		}
	}
	last := to
	if closed.Before(last) {
		last = closed
	}
	first := from.Truncate(ledger.Coarse)
	if first.Before(from) {
		first = first.Add(ledger.Coarse)
	}
	if last.Before(first) {
		return nil
	}
	hours := int(last.Sub(first)/ledger.Coarse) + 1
	step := ledger.Coarse * time.Duration((hours+limit-1)/limit)
	windows := burnrate.Windows(o.NominalWindow())
	var out []slo.Status
	for h := first; !h.After(last); h = h.Add(step) {
		start, _ := o.Bounds(h)
		if rolling {
			start = to.Add(-o.NominalWindow())
		}
		c, excluded := x.Apply(start, h, b.l.Sum)
		burns := map[time.Duration]float64{}
		for _, d := range burnrate.Durations(windows) {
			w, _ := x.Apply(h.Add(-d), h, b.l.Sum)
			if r, ok := slo.BurnRate(o.Target, w.Counts.Clamped()); ok {
				burns[d] = r
			}
		}
		s := slo.StatusOf(o, p, h, c.Counts.Clamped(), burns)
		s.Coverage = c.Coverage
		s.Excluded = excluded.Counts.Clamped()
		out = append(out, s)
	}
	return out
}
