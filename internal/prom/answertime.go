package prom

import (
	"fmt"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// maxAnswerSkew is how far the time of an instant query's answer may be
// from the time asked for. Prometheus evaluates at exactly that time (to
// the millisecond); some compatible stores move a query near now back by a
// latency offset (VictoriaMetrics: 30s by default). An answer further off
// was computed for another instant, by a caching or misbehaving proxy, and
// judging it as now can open the gate: an hour-old answer misses a burn
// that began since. A minute still leaves a 5m window 80% the one asked
// for.
const maxAnswerSkew = time.Minute

// answeredAt checks that every sample of v, the answer to an instant query,
// was evaluated within maxAnswerSkew of at. A zero at (Prometheus' own now)
// is not checked, nor a matrix: it holds the raw samples of a range
// selector, whose times lie before at.
func answeredAt(v model.Value, at time.Time) error {
	if at.IsZero() {
		return nil
	}
	var stamps []model.Time
	switch r := v.(type) {
	case model.Vector:
		for _, s := range r {
			stamps = append(stamps, s.Timestamp)
		}
	case *model.Scalar:
		stamps = append(stamps, r.Timestamp)
	}
	return stampsAt(stamps, at)
}

// stepAnsweredAt is answeredAt for the answer to a range query with one
// step, at: each of its points is an evaluation at that step.
func stepAnsweredAt(m model.Matrix, at time.Time) error {
	var stamps []model.Time
	for _, ss := range m {
		for _, p := range ss.Values {
			stamps = append(stamps, p.Timestamp)
		}
		for _, p := range ss.Histograms {
			stamps = append(stamps, p.Timestamp)
		}
	}
	return stampsAt(stamps, at)
}

// onGrid checks that every point of the answer to a range query of
// several steps lies on the steps asked for: a point elsewhere belongs to
// another range (a shifting proxy), and a bucket keyed by its time would
// silently read as empty.
func onGrid(m model.Matrix, r v1.Range) error {
	start, end, step := r.Start.UnixMilli(), r.End.UnixMilli(), r.Step.Milliseconds()
	for _, ss := range m {
		for _, p := range ss.Values {
			if ms := int64(p.Timestamp); ms < start || ms > end || (ms-start)%step != 0 {
				return fmt.Errorf("%w: asked for every %s from %s to %s, answered for %s", ErrWrongTime, r.Step,
					r.Start.UTC().Format(time.RFC3339), r.End.UTC().Format(time.RFC3339), p.Timestamp.Time().UTC().Format(time.RFC3339Nano))
			}
		}
	}
	return nil
}

func stampsAt(stamps []model.Time, at time.Time) error {
	for _, ts := range stamps {
		if off := ts.Time().Sub(at); off.Abs() > maxAnswerSkew {
			return fmt.Errorf("%w: asked for %s, answered for %s (%s off)", ErrWrongTime,
				at.UTC().Format(time.RFC3339Nano), ts.Time().UTC().Format(time.RFC3339Nano), off.Round(time.Millisecond))
		}
	}
	return nil
}
