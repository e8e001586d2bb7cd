package scale

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/prom"
	"github.com/slo-dev/slo/internal/slo"
)

// naiveQueries lists what slod measured every cycle before the event
// ledger: for each SLO, its bad and total events over the whole period and
// over every burn-rate window (16 queries for a 30d or 7d window), each an
// instant query over its whole range at the cycle's one instant. It is
// rebuilt here from the specs rather than by calling prom.Source.Measure,
// so the baseline outlives that code.
func naiveQueries(specs []slo.Spec, at time.Time) []string {
	var out []string
	for _, spec := range specs {
		for _, o := range spec.SLOs {
			// The benchmark's specs are rolling windows of whole days, so the
			// period is the window itself, in seconds as slod wrote it.
			period, _ := o.Period(at)
			ranges := []string{fmt.Sprintf("%ds", int64(period/time.Second))}
			for _, d := range burnrate.Durations(burnrate.Windows(o.NominalWindow())) {
				ranges = append(ranges, model.Duration(d).String())
			}
			for _, rng := range ranges {
				bad, total := o.Queries(rng)
				out = append(out, bad, total)
			}
		}
	}
	return out
}

// runNaive sends queries, all at the instant at, through src with as many
// in flight as slod's bulkhead allows by default (prom.DefaultMaxConcurrent:
// slod evaluates several services at once, and their queries queue there).
// It stops at the first error.
func runNaive(ctx context.Context, src *prom.Source, queries []string, at time.Time) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan string)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for range prom.DefaultMaxConcurrent {
		wg.Go(func() {
			for q := range work {
				if _, _, err := src.Query(ctx, q, at); err != nil {
					once.Do(func() { firstErr = err; cancel() })
				}
			}
		})
	}
feed:
	for _, q := range queries {
		select {
		case work <- q:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	return firstErr
}
