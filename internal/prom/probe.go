package prom

import (
	"fmt"
	"strconv"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// probeQuery is the leg every range request carries after its queries: it
// has a point at every step on any backend, so an answer without one at
// the range's last step comes from a backend that leaves out its newest
// points, and the other queries' empty answers would read as no traffic
// (a fast burn in the last minutes unseen: the gate fails open).
const probeQuery = "vector(1)"

// withProbe is qs and the probe leg, and the probe's batch label in
// union's answer.
func withProbe(qs []string) (legs []string, probe model.LabelValue) {
	return append(qs[:len(qs):len(qs)], probeQuery), model.LabelValue(strconv.Itoa(len(qs)))
}

// probed checks that the probe's series (batch label probe) of m, the
// answer to a range query over r, has a point at r's last step.
// VictoriaMetrics by default leaves out the points within
// -search.latencyOffset (30s) of its now when the step is under
// -search.maxStepForPointsAdjustment (1m), and slod evaluates now as a
// range of one 1s step. Only turning that adjustment off helps: with
// -search.latencyOffset=0s it still leaves out the current second.
func probed(m model.Matrix, r v1.Range, probe model.LabelValue) error {
	last := r.Start.Add(r.End.Sub(r.Start) / r.Step * r.Step)
	for _, ss := range m {
		if ss.Metric[batchLabel] != probe || len(ss.Values) == 0 {
			continue
		}
		if ss.Values[len(ss.Values)-1].Timestamp.Time().UnixMilli() == last.UnixMilli() {
			return nil
		}
	}
	return fmt.Errorf("%w: no point at %s, the last step asked for, even for %s, which has one at every step; "+
		"VictoriaMetrics does this by default within -search.latencyOffset of its now: run it with -search.maxStepForPointsAdjustment=1ms",
		ErrNewestPointsDropped, last.UTC().Format(time.RFC3339Nano), probeQuery)
}
