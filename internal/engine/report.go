package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/slo"
)

// Steps measures each SLO's events in steps of step over [from, to),
// which must be whole steps, with one batch of range queries through the
// same bulkhead and circuit breaker as the cycles. Reports use it: a
// report covers periods the ledger does not hold (last month of a 7d
// SLO), and its computation is the same whatever the ledger keeps.
func (e *Engine) Steps(ctx context.Context, os []slo.SLO, from, to time.Time, step time.Duration) ([][]ledger.Bucket, error) {
	rng := model.Duration(step).String()
	queries := make([]string, 0, 2*len(os))
	goods := make([]bool, len(os))
	for i, o := range os {
		first, total, good := o.EventQueries(rng)
		queries = append(queries, first, total)
		goods[i] = good
	}
	res, err := e.src.QueryRanges(ctx, queries, from.Add(step), to, step)
	if err != nil {
		return nil, fmt.Errorf("measure %s..%s in steps of %s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), step, err)
	}
	out := make([][]ledger.Bucket, len(os))
	for i, o := range os {
		if out[i], err = bucketsOf(o, step, ledger.Span{From: from, To: to}, res[2*i], res[2*i+1], goods[i]); err != nil {
			return nil, fmt.Errorf("%s: %w", o.Slug, err)
		}
	}
	return out, nil
}
