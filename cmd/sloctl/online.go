package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/slo-dev/slo/internal/prom"
	"github.com/slo-dev/slo/internal/slo"
)

// defaultPrometheusURL is where validate --online looks without
// --prometheus-url or $SLOCTL_PROMETHEUS_URL.
const defaultPrometheusURL = "http://127.0.0.1:9090"

// Query roles: what a query counts.
const (
	roleErrors = "errors"
	roleGood   = "good"
	roleTotal  = "total"
)

// Results of one online query.
const (
	resultOK       = "ok"
	resultNoSeries = "no_series"
	resultFailed   = "failed"
)

// onlineReport is what validate --online found, in the --output json
// report under "online".
type onlineReport struct {
	Prometheus string        `json:"prometheus"`
	Queries    []onlineQuery `json:"queries"`
	// Notes are findings that are not problems: an errors query without
	// series means no bad events so far.
	Notes specProblems `json:"notes"`
}

// onlineQuery is one query run once against Prometheus.
type onlineQuery struct {
	File    string `json:"file"`
	Service string `json:"service"`
	SLO     string `json:"slo"`
	// Role is errors, good or total.
	Role string `json:"role"`
	// Field is the part of the spec the query comes from.
	Field string `json:"field"`
	// Range is what {{.window}} was rendered as: the SLO window (or the
	// calendar period so far) in seconds, as slod queries it.
	Range string `json:"range"`
	Query string `json:"query"`
	// Result is ok, no_series (an empty answer, or NaN) or failed.
	Result string   `json:"result"`
	Value  *float64 `json:"value,omitempty"`
	Error  string   `json:"error,omitempty"`
}

// prometheusURL is --prometheus-url, else $SLOCTL_PROMETHEUS_URL, else the
// default.
func prometheusURL(flag string, getenv func(string) string) string {
	return cmp.Or(flag, getenv("SLOCTL_PROMETHEUS_URL"), defaultPrometheusURL)
}

// checkOnline runs every query of every SLO once, at the same instant,
// through prom.Source (its timeouts and retries). A query Prometheus
// rejects is a problem of the spec; a Prometheus that cannot be reached
// or used ends the check with an error, since no query says anything then.
func checkOnline(ctx context.Context, url string, specs []slo.Spec) (onlineReport, []slo.Problem, error) {
	// What is shown of the URL hides its password.
	shown := prom.Redacted(url)
	src, err := prom.New(prom.Config{URL: url}, nil, nil)
	if err != nil {
		return onlineReport{}, nil, fmt.Errorf("prometheus at %s: %w", shown, err)
	}
	r := onlineReport{Prometheus: shown, Queries: []onlineQuery{}, Notes: []slo.Problem{}}
	var problems []slo.Problem
	at := time.Now()
	for _, s := range specs {
		for i, o := range s.SLOs {
			for _, q := range plannedQueries(s, i, o, at) {
				if err := runQuery(ctx, src, &q, at); err != nil {
					return onlineReport{}, nil, fmt.Errorf("prometheus at %s: %w", shown, err)
				}
				r.Queries = append(r.Queries, q)
				problem, note := judge(q, o)
				if problem != nil {
					problems = append(problems, *problem)
				}
				if note != nil {
					r.Notes = append(r.Notes, *note)
				}
			}
		}
	}
	return r, problems, nil
}

// plannedQueries lists the queries slod runs for the i-th SLO of s over
// its period: errors or good, then total.
func plannedQueries(s slo.Spec, i int, o slo.SLO, at time.Time) []onlineQuery {
	rng := periodRange(o, at)
	base := onlineQuery{File: s.File, Service: s.Service, SLO: o.Slug, Range: rng}
	q := func(role, field, query string) onlineQuery {
		c := base
		c.Role, c.Field, c.Query = role, fmt.Sprintf("slos[%d].sli.%s", i, field), query
		return c
	}
	bad, total := o.Queries(rng)
	if o.SLI.Latency != nil {
		return []onlineQuery{q(roleGood, "latency", o.GoodQuery(rng)), q(roleTotal, "latency", total)}
	}
	if good := o.GoodQuery(rng); good != "" {
		return []onlineQuery{q(roleGood, "events.good", good), q(roleTotal, "events.total", total)}
	}
	return []onlineQuery{q(roleErrors, "events.errors", bad), q(roleTotal, "events.total", total)}
}

// minPeriod is the shortest range checked for a period: just after a
// calendar period starts, a range shorter than a scrape interval is empty.
const minPeriod = time.Minute

// periodRange is o's period at at as a PromQL range in whole seconds
// ("2592000s"): the rolling window, or the calendar period so far.
func periodRange(o slo.SLO, at time.Time) string {
	elapsed, _ := o.Period(at)
	return fmt.Sprintf("%ds", int64(max(elapsed.Truncate(time.Second), minPeriod)/time.Second))
}

// runQuery runs q and records its result. Only a failure that is not the
// query's own fault is returned.
func runQuery(ctx context.Context, src *prom.Source, q *onlineQuery, at time.Time) error {
	v, ok, err := src.Query(ctx, q.Query, at)
	switch {
	case errors.Is(err, prom.ErrBadQuery):
		q.Result, q.Error = resultFailed, err.Error()
	case err != nil:
		return err
	case !ok:
		q.Result = resultNoSeries
	default:
		q.Result, q.Value = resultOK, &v
	}
	return nil
}

// judge turns a query's result into a problem, a note or neither. An
// errors query without series is zero bad events to slod; a good or total
// query without series makes the SLO unmeasurable.
func judge(q onlineQuery, o slo.SLO) (problem, note *slo.Problem) {
	p := &slo.Problem{File: q.File, Field: q.Field}
	what := fmt.Sprintf("SLO %q: the %s query", o.Name, q.Role)
	switch {
	case q.Result == resultFailed:
		p.Message = fmt.Sprintf("%s failed: %s", what, q.Error)
		return p, nil
	case q.Result != resultNoSeries:
		return nil, nil
	case q.Role == roleErrors:
		p.Message = fmt.Sprintf("%s returned no series %s; slod counts that as zero bad events, which is right only if none happened yet: %s", what, period(o, q.Range), q.Query)
		return nil, p
	}
	p.Message = fmt.Sprintf("%s returned no series %s; %s: %s", what, period(o, q.Range), noSeriesHint(q, o), q.Query)
	return p, nil
}

// period names the range a query ran over: "over the 30d window
// (2592000s)", "over the month so far (1234567s)".
func period(o slo.SLO, rng string) string {
	if o.Calendar != "" {
		return fmt.Sprintf("over the %s so far (%s)", o.Calendar, rng)
	}
	return fmt.Sprintf("over the %s window (%s)", o.WindowLabel(), rng)
}

// noSeriesHint says what to check when a good or total query is empty.
func noSeriesHint(q onlineQuery, o slo.SLO) string {
	lat := o.SLI.Latency
	switch {
	case lat != nil && q.Role == roleGood:
		return fmt.Sprintf("no %s_bucket series has le=%s; the threshold must equal a bucket bound of the histogram, and the metric and selector must match",
			lat.Metric, strconv.FormatFloat(lat.Threshold.Seconds(), 'f', -1, 64))
	case q.Role == roleGood:
		return "slod would fail to measure this SLO once total sees traffic; check the metric name and labels"
	}
	return "slod would see no traffic and measure nothing; check the metric name and labels exist in this Prometheus"
}
