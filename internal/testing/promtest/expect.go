package promtest

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// Increase is the ground truth that increase(m[w]) or rate(m[w]) * w
// evaluated at time at should report: truth (a synth.Scenario method such
// as sc.Errors) over [at-w, at].
//
// Prometheus reads samples, not rates: it takes the first and last sample
// inside the window and extrapolates their average slope to the window's
// edges (each gap is under one Step). The result is therefore exact, up to
// float rounding, when the rates are constant across the whole window; and
// when they change only inside it, the error is at most
// Step * |average rate - rate at the edge| at each edge, i.e. relative
// error about 2 * Step / w * (relative rate difference). So:
//
//   - evaluate the query at an explicit time and pass that same time here;
//     time.Now() on both sides is fine if the rates near now are constant;
//   - keep rates constant for a Step on both sides of at-w and at, and put
//     incidents well inside long windows, not inside 5m or 1h ones;
//   - at-w must be at least a Step after the scenario's Start: at the very
//     beginning of a series Prometheus extrapolates only part of the way.
func Increase(truth func(from, to time.Time) float64, at time.Time, w time.Duration) float64 {
	return truth(at.Add(-w), at)
}

// Query evaluates expr at time at and returns its single value: a scalar
// or a vector with exactly one sample. Anything else is an error, so a
// test notices a selector that matches too much or nothing.
func (s *Server) Query(ctx context.Context, expr string, at time.Time) (float64, error) {
	return QueryAt(ctx, s.URL, expr, at)
}

// QueryAt is Query against any server of the Prometheus query API at
// baseURL (vmtest's VictoriaMetrics too).
func QueryAt(ctx context.Context, baseURL, expr string, at time.Time) (float64, error) {
	client, err := api.NewClient(api.Config{Address: baseURL})
	if err != nil {
		return 0, err
	}
	val, _, _, err := v1.NewAPI(client).Query(ctx, expr, at)
	if err != nil {
		return 0, fmt.Errorf("query %s: %w", expr, err)
	}
	switch v := val.(type) {
	case *model.Scalar:
		return float64(v.Value), nil
	case model.Vector:
		if len(v) != 1 {
			return 0, fmt.Errorf("query %s: %d samples, want 1", expr, len(v))
		}
		return float64(v[0].Value), nil
	}
	return 0, fmt.Errorf("query %s: unexpected result type %s", expr, val.Type())
}
