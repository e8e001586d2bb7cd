package report

import (
	"context"
	"fmt"
	"path"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/notify"
	"github.com/slo-dev/slo/internal/slo"
)

// Engine measures steps of SLOs and gives the loaded specs
// (internal/engine.Engine).
type Engine interface {
	Snapshot() *engine.Snapshot
	Steps(ctx context.Context, os []slo.SLO, from, to time.Time, step time.Duration) ([][]ledger.Bucket, error)
}

// Store holds the events, overrides and notification state
// (internal/store.Store).
type Store interface {
	Events(ctx context.Context, service string, from, to time.Time) ([]slo.Event, error)
	Overrides(ctx context.Context, service string, activeAt *time.Time) ([]slo.Override, error)
	NotifyStates(ctx context.Context) (map[string][]byte, error)
}

// Builder gathers what Compute needs.
type Builder struct {
	eng   Engine
	store Store
	clock func() time.Time
}

// NewBuilder builds reports from eng and st; clock is time.Now when nil.
func NewBuilder(eng Engine, st Store, clock func() time.Time) *Builder {
	if clock == nil {
		clock = time.Now
	}
	return &Builder{eng: eng, store: st, clock: clock}
}

// baseStep is the step reports measure in: whole in every real time
// zone's offset, so periods starting at local midnight fall on it.
const baseStep = 15 * time.Minute

// maxSteps keeps a range query under Prometheus' 11,000 points.
const maxSteps = 10000

// lookBack is how far before a period decision changes are read: the
// last one before it says what held at its start.
const lookBack = 35 * 24 * time.Hour

// Build computes the report of period for the services matching glob
// (empty: all).
func (b *Builder) Build(ctx context.Context, period, glob string) (Report, error) {
	if err := CheckPeriod(period); err != nil {
		return Report{}, err
	}
	if _, err := path.Match(glob, ""); err != nil {
		return Report{}, fmt.Errorf("service %q is not a glob pattern: %w", glob, err)
	}
	now := b.clock()
	snap := b.eng.Snapshot()
	states, err := b.store.NotifyStates(ctx)
	if err != nil {
		return Report{}, err
	}
	r := Report{Period: period, GeneratedAt: now, SLOs: []SLOReport{}}
	for _, name := range snap.Names() {
		if ok, _ := path.Match(glob, name); glob != "" && !ok {
			continue
		}
		sp := snap.Services[name].Spec
		ins, err := b.inputs(ctx, sp, period, now)
		if err != nil {
			return Report{}, fmt.Errorf("%s: %w", name, err)
		}
		dec, since := notify.DecisionOf(states[name])
		for _, in := range ins {
			in.Decision, in.DecisionSince = dec, since
			r.SLOs = append(r.SLOs, Compute(in))
		}
	}
	return r, nil
}

// inputs gathers one service's inputs: its SLOs' steps (one batch per
// range), events and overrides.
func (b *Builder) inputs(ctx context.Context, sp slo.Spec, period string, now time.Time) ([]Input, error) {
	if len(sp.SLOs) == 0 {
		return nil, nil
	}
	ins := make([]Input, len(sp.SLOs))
	earliest := now
	for i, o := range sp.SLOs {
		start, end, err := Bounds(period, o, now)
		if err != nil {
			return nil, err
		}
		end = end.Truncate(baseStep)
		wstart, _ := o.Bounds(end.Add(-time.Nanosecond))
		if o.Calendar == "" {
			wstart = end.Add(-o.Window)
		}
		ins[i] = Input{Service: sp.Service, SLO: o, Start: start, End: end, WindowStart: wstart}
		earliest = minTime(earliest, minTime(start, wstart))
	}
	events, err := b.store.Events(ctx, sp.Service, earliest.Add(-lookBack), now.Add(time.Second))
	if err != nil {
		return nil, err
	}
	overrides, err := b.store.Overrides(ctx, sp.Service, nil)
	if err != nil {
		return nil, err
	}
	for i := range ins {
		in := &ins[i]
		from := minTime(in.Start, in.WindowStart)
		step := baseStep
		if n := int64(in.End.Sub(from) / baseStep); n > maxSteps {
			step = baseStep * time.Duration((n+maxSteps-1)/maxSteps)
		}
		from = from.Truncate(step)
		if in.End.After(from) {
			steps, err := b.eng.Steps(ctx, []slo.SLO{in.SLO}, from, in.End, step)
			if err != nil {
				return nil, err
			}
			in.Steps = steps[0]
		}
		in.Events, in.Overrides = events, overrides
	}
	return ins, nil
}
