// Package query rewrites the PromQL of other tools' specs into the shape a
// slo.yaml query has: a per-second rate over [{{.window}}], one series.
// Rewrites splice the user's own text, so formatting and comments-free
// spelling survive a round trip. It is pure.
package query

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// Window is the range every rewritten query measures over.
const Window = "{{.window}}"

var promql = parser.NewParser(parser.Options{})

// splice is one replacement of q[start:end].
type splice struct {
	start, end int
	text       string
}

func apply(q string, edits []splice) string {
	sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	for _, e := range edits {
		q = q[:e.start] + e.text + q[e.end:]
	}
	return q
}

// rewrite parses q and collects the edits visit makes for each node; the
// first error visit returns ends the walk. none says why a query visit
// made no edit to is refused.
func rewrite(q, none string, visit func(n parser.Node, path []parser.Node) ([]splice, error)) (parser.Expr, string, error) {
	expr, err := promql.ParseExpr(q)
	if err != nil {
		return nil, "", fmt.Errorf("invalid PromQL: %w", err)
	}
	var edits []splice
	err = parser.Walk(inspector(func(n parser.Node, path []parser.Node) error {
		e, err := visit(n, path)
		edits = append(edits, e...)
		return err
	}), expr, nil)
	if err != nil {
		return nil, "", err
	}
	if len(edits) == 0 {
		return nil, "", errors.New(none)
	}
	return expr, apply(q, edits), nil
}

type inspector func(parser.Node, []parser.Node) error

func (f inspector) Visit(n parser.Node, path []parser.Node) (parser.Visitor, error) {
	if err := f(n, path); err != nil {
		return nil, err
	}
	return f, nil
}

// Counter turns a query over counters (OpenSLO's counter: true, Pyrra's
// metrics) into a rate: every instant selector s becomes
// rate(s[{{.window}}]), and a query that is not already an aggregation is
// summed, so that it gives one series.
func Counter(q string) (string, error) {
	if strings.Contains(q, Window) {
		return q, nil
	}
	expr, out, err := rewrite(q, `selects no counter; give a selector like http_requests_total{code="500"}`, func(n parser.Node, _ []parser.Node) ([]splice, error) {
		switch n := n.(type) {
		case *parser.MatrixSelector, *parser.SubqueryExpr:
			return nil, errors.New(`already takes a range; with counter: true give the counter selector alone, e.g. http_requests_total{code="500"}`)
		case *parser.VectorSelector:
			r := n.PosRange
			return []splice{{int(r.Start), int(r.Start), "rate("}, {int(r.End), int(r.End), "[" + Window + "])"}}, nil
		}
		return nil, nil
	})
	if err != nil {
		return "", err
	}
	if _, ok := expr.(*parser.AggregateExpr); !ok {
		out = "sum(" + out + ")"
	}
	return out, nil
}

// Rate takes a query that is already a rate (rate() or increase() over
// ranges) and sets every range to [{{.window}}]; increase() becomes
// rate(), since slod multiplies per-second rates by the window. A query
// without a range is refused: it is neither a rate nor marked a counter.
func Rate(q string) (string, error) {
	if strings.Contains(q, Window) {
		return q, nil
	}
	_, out, err := rewrite(q, "is no rate: it has no rate() over a range; write sum(rate(x[5m])), or mark a counter query with counter: true", func(n parser.Node, path []parser.Node) ([]splice, error) {
		switch n := n.(type) {
		case *parser.SubqueryExpr:
			return nil, errors.New("uses a subquery; give rate(counter[5m]) or set counter: true on a plain counter")
		case *parser.MatrixSelector:
			call, ok := parent(path).(*parser.Call)
			if !ok || (call.Func.Name != "rate" && call.Func.Name != "increase") {
				return nil, errors.New("takes a range outside rate() or increase(); slod needs per-second rates, e.g. sum(rate(x[5m]))")
			}
			vs := n.VectorSelector.(*parser.VectorSelector)
			edits := []splice{{int(vs.PosRange.End), int(n.EndPos), "[" + Window + "]"}}
			if call.Func.Name == "increase" {
				start := int(call.PosRange.Start)
				edits = append(edits, splice{start, start + len("increase"), "rate"})
			}
			return edits, nil
		}
		return nil, nil
	})
	return out, err
}

func parent(path []parser.Node) parser.Node {
	for i := len(path) - 1; i >= 0; i-- {
		switch path[i].(type) {
		case parser.Expressions, *parser.ParenExpr:
			continue
		}
		return path[i]
	}
	return nil
}

// Histogram finds the classic histogram a latency query reads: a selector
// of name_bucket, name_count or name itself, alone or inside
// histogram_quantile(q, sum by (le) (rate(name_bucket{...}[5m]))). It
// returns the base name, the selector's matchers (without le), the value
// of an le="..." matcher and whether the query took a quantile.
func Histogram(q string) (h Hist, err error) {
	expr, err := promql.ParseExpr(q)
	if err != nil {
		return h, fmt.Errorf("invalid PromQL: %w", err)
	}
	var found []*parser.VectorSelector
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.Call:
			if n.Func.Name == "histogram_quantile" {
				h.Quantile = true
			}
		case *parser.VectorSelector:
			found = append(found, n)
		}
		return nil
	})
	if len(found) != 1 {
		return h, fmt.Errorf("reads %d series selectors; give the histogram's one selector, e.g. http_request_duration_seconds_bucket{job=\"api\"}", len(found))
	}
	vs := found[0]
	h.Metric = strings.TrimSuffix(strings.TrimSuffix(vs.Name, "_bucket"), "_count")
	if h.Metric == "" {
		return h, errors.New("names no metric; give the histogram's name, e.g. http_request_duration_seconds_bucket{job=\"api\"}")
	}
	var kept []*labels.Matcher
	for _, m := range vs.LabelMatchers {
		switch {
		case m.Name == labels.BucketLabel && m.Type == labels.MatchEqual:
			h.Le = m.Value
		case m.Name != labels.MetricName && m.Name != labels.BucketLabel:
			kept = append(kept, m)
		}
	}
	h.Selector = Selector(kept)
	return h, nil
}

// Hist is the histogram a latency query reads.
type Hist struct {
	Metric, Selector, Le string
	Quantile             bool
}

// Unit is the unit of a histogram's bucket bounds: milliseconds for a
// *_milliseconds histogram, else seconds, Prometheus' base unit (which
// slo.yaml's latency SLI assumes).
func (h Hist) Unit() time.Duration {
	if strings.HasSuffix(h.Metric, "_milliseconds") {
		return time.Millisecond
	}
	return time.Second
}

// Threshold is bound (a bucket bound in unit) as a duration, rounded to
// the nanosecond.
func Threshold(bound float64, unit time.Duration) time.Duration {
	return time.Duration(math.Round(bound * float64(unit)))
}

// BoolGauge makes good and total queries of a 0/1 gauge (a probe's
// success) measured in series-seconds: the average of each series over
// the window, summed, against the number of series; slod multiplies both
// by the window's length.
func BoolGauge(q string) (good, total string, err error) {
	expr, err := promql.ParseExpr(q)
	if err != nil {
		return "", "", fmt.Errorf("invalid PromQL: %w", err)
	}
	if _, ok := expr.(*parser.VectorSelector); !ok {
		return "", "", errors.New("must be a series selector, e.g. probe_success{job=\"blackbox\"}")
	}
	inner := "avg_over_time(" + q + "[" + Window + "])"
	return "sum(" + inner + ")", "count(" + inner + ")", nil
}

// Selector writes matchers as a selector, {a="b",c=~"d"}; "" for none.
func Selector(ms []*labels.Matcher) string {
	if len(ms) == 0 {
		return ""
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return "{" + strings.Join(parts, ",") + "}"
}
