package slo

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-dev/slo/internal/convert/query"
)

// promql parses queries the way a default Prometheus server does.
var promql = parser.NewParser(parser.Options{})

// checkWindow is the range used to try out query templates.
const checkWindow = "5m"

// checkQuery validates an events query template: it may use nothing but
// {{.window}}, must use it, and rendered it must be PromQL giving a vector
// or scalar. It returns the query as the parser prints it, to compare
// queries regardless of spacing.
func checkQuery(q string) (string, error) {
	t, err := template.New("query").Option("missingkey=error").Parse(q)
	if err != nil {
		return "", fmt.Errorf("invalid template: %w", err)
	}
	if err := onlyWindow(t); err != nil {
		return "", err
	}
	rendered, err := render(t, checkWindow)
	if err != nil {
		return "", err
	}
	expr, err := promql.ParseExpr(rendered)
	if err != nil {
		return "", fmt.Errorf("invalid PromQL (with {{.window}} as %s): %w", checkWindow, err)
	}
	// slod and the generated rules put queries inside others ("(q) - (good)",
	// "(q) / ((total) > 0)"); a # comment would swallow the rest of the line.
	// Without a '#' there is no comment, and no second parse to pay for.
	if strings.Contains(rendered, "#") {
		if _, err := promql.ParseExpr("(" + rendered + ")"); err != nil {
			return "", errors.New("ends in a # comment, which would swallow what slod puts after the query; move notes to description")
		}
	}
	switch expr.Type() {
	case parser.ValueTypeVector, parser.ValueTypeScalar:
		return expr.String(), nil
	case parser.ValueTypeMatrix:
		return "", errors.New("gives a range vector; wrap it in rate() or increase(), e.g. sum(rate(x[{{.window}}]))")
	}
	return "", fmt.Errorf("gives a %s; a query must give a number or an instant vector", expr.Type())
}

// onlyWindow accepts templates made of text and {{.window}} alone: nothing
// else has a meaning here, and loops or calls could make rendering costly.
func onlyWindow(t *template.Template) error {
	used := false
	if t.Tree != nil {
		for _, n := range t.Tree.Root.Nodes {
			switch n := n.(type) {
			case *parse.TextNode:
			case *parse.ActionNode:
				if !isWindow(n) {
					return fmt.Errorf("only {{.window}} may be used in a query, found %s", n)
				}
				used = true
			default:
				return fmt.Errorf("only {{.window}} may be used in a query, found %s", n)
			}
		}
	}
	if !used {
		return errors.New("does not use {{.window}}, so it would not follow the SLO window; write the range as [{{.window}}]")
	}
	return nil
}

func isWindow(a *parse.ActionNode) bool {
	p := a.Pipe
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	f, ok := p.Cmds[0].Args[0].(*parse.FieldNode)
	return ok && len(f.Ident) == 1 && f.Ident[0] == "window"
}

// render executes a query template for the range rng ("5m", "30d").
func render(t *template.Template, rng string) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, map[string]string{"window": rng}); err != nil {
		return "", fmt.Errorf("render query: %w", err)
	}
	return b.String(), nil
}

// renderQuery renders a query template for rng. A template that does not
// parse (only possible for a spec not built by Parse) is returned as it
// is, so Prometheus rejects it loudly rather than it being half-rendered.
func renderQuery(q, rng string) string {
	if windowOnly(q) {
		return strings.ReplaceAll(q, windowAction, rng)
	}
	t, err := template.New("query").Option("missingkey=error").Parse(q)
	if err != nil {
		return q
	}
	s, err := render(t, rng)
	if err != nil {
		return q
	}
	return s
}

// windowAction is how specs spell the window.
const windowAction = "{{.window}}"

// windowOnly reports whether every "{{" in q opens windowAction, so
// rendering q is replacing those: the same text as executing the template
// without parsing it, which the generated rules do for every window of
// every SLO.
func windowOnly(q string) bool {
	for i := 0; ; i += len(windowAction) {
		j := strings.Index(q[i:], "{{")
		if j < 0 {
			return true
		}
		i += j
		if !strings.HasPrefix(q[i:], windowAction) {
			return false
		}
	}
}

// parseSelector reads a latency selector, `{service="checkout"}`, into
// matchers. __name__ and le are refused: the SLI sets both itself.
func parseSelector(sel string) ([]*labels.Matcher, error) {
	s := strings.TrimSpace(sel)
	if s == "" {
		return nil, nil
	}
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return nil, fmt.Errorf("%q is not a label selector; write it in braces, e.g. {service=\"checkout\"}", sel)
	}
	if strings.TrimSpace(s[1:len(s)-1]) == "" {
		return nil, nil
	}
	ms, err := promql.ParseMetricSelector(s)
	if err != nil {
		return nil, fmt.Errorf("invalid selector: %w", err)
	}
	for _, m := range ms {
		if m.Name == model.MetricNameLabel || m.Name == "le" {
			return nil, fmt.Errorf("must not match %s: the SLI sets it from metric and threshold", m.Name)
		}
	}
	return ms, nil
}

// formatSelector renders matchers as a selector, quoting values.
func formatSelector(ms []*labels.Matcher) string { return query.Selector(ms) }

// leMatcher matches the bucket bound of a threshold in seconds. An
// integral bound is written "1" by client libraries and Prometheus 2 but
// normalised to "1.0" by Prometheus 3, so it matches both.
func leMatcher(seconds float64) *labels.Matcher {
	le := strconv.FormatFloat(seconds, 'f', -1, 64)
	if strings.Contains(le, ".") {
		return labels.MustNewMatcher(labels.MatchEqual, "le", le)
	}
	return labels.MustNewMatcher(labels.MatchRegexp, "le", le+`|`+le+`\.0`)
}

// Queries returns PromQL for the bad and the total events of o as
// per-second rates over the range rng ("5m", "30d", "2318400s"). With only
// good given, bad is total minus good; a latency SLI counts requests above
// the threshold's bucket as bad.
func (o SLO) Queries(rng string) (bad, total string) {
	if ev := o.SLI.Events; ev != nil {
		total = renderQuery(ev.Total, rng)
		if ev.Errors != "" {
			return renderQuery(ev.Errors, rng), total
		}
		return "(" + total + ") - (" + o.GoodQuery(rng) + ")", total
	}
	lat := o.SLI.Latency
	if lat == nil {
		return "", ""
	}
	total = fmt.Sprintf("sum(rate(%s_count%s[%s]))", lat.Metric, o.latencySelector(false), rng)
	return total + " - " + o.GoodQuery(rng), total
}

// GoodQuery returns PromQL for the good events of an SLI defined by them
// (events.good, or a latency histogram's bucket), and "" for one defined by
// its errors. Measuring good on its own lets slod tell "no good events"
// from "no such series" (a threshold matching no bucket), which total-good
// would silently read as zero errors.
func (o SLO) GoodQuery(rng string) string {
	if ev := o.SLI.Events; ev != nil {
		if ev.Errors != "" {
			return ""
		}
		return renderQuery(ev.Good, rng)
	}
	if lat := o.SLI.Latency; lat != nil {
		return fmt.Sprintf("sum(rate(%s_bucket%s[%s]))", lat.Metric, o.latencySelector(true), rng)
	}
	return ""
}

// latencySelector renders the latency selector, with the threshold's le
// matcher for buckets. A selector Parse would have refused is kept
// verbatim: the query then fails in Prometheus instead of silently
// measuring something else.
func (o SLO) latencySelector(bucket bool) string {
	lat := o.SLI.Latency
	ms, err := parseSelector(lat.Selector)
	if err != nil {
		return lat.Selector
	}
	if bucket {
		ms = append(ms, leMatcher(lat.Threshold.Seconds()))
	}
	return formatSelector(ms)
}

// RenderQuery renders a query template of a valid spec for the range rng
// ("5m"), as slod sends it.
func RenderQuery(q, rng string) string { return renderQuery(q, rng) }
