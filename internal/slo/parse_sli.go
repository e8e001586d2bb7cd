package slo

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"
)

var (
	sliFields     = []string{"events", "latency"}
	eventsFields  = []string{"errors", "good", "total"}
	latencyFields = []string{"metric", "selector", "threshold"}
)

const sliHint = "events: {errors or good, total} (ratio of PromQL queries) or latency: {metric, selector, threshold} (histogram)"

// sli reads the sli block of an SLO. threshold is the latency threshold
// already given by the seed's percentile form (0 when not).
func (c *checker) sli(o *SLO, f map[string]*yaml.Node, parent *yaml.Node, path string, threshold time.Duration) {
	path = join(path, "sli")
	n := f["sli"]
	if n == nil {
		c.addf(parent, path, "missing; add sli: with %s to say what to query", sliHint)
		return
	}
	sf, ok := c.fields(n, path, sliFields)
	if !ok {
		return
	}
	events, latency := sf["events"], sf["latency"]
	switch {
	case events != nil && latency != nil:
		c.addf(latency, join(path, "latency"), "give only one of events and latency")
	case events != nil:
		if pct := f["percentile"]; pct != nil {
			c.addf(pct, strings.TrimSuffix(path, ".sli")+".percentile", "applies only to sli.latency; remove it or measure latency")
		}
		o.SLI.Events = c.events(events, join(path, "events"))
	case latency != nil:
		o.SLI.Latency = c.latency(latency, join(path, "latency"), threshold)
	default:
		c.addf(resolve(n), path, "is empty; give %s", sliHint)
	}
}

// events reads a ratio SLI: total plus exactly one of errors and good.
func (c *checker) events(n *yaml.Node, path string) *EventsSLI {
	f, ok := c.fields(n, path, eventsFields)
	if !ok {
		return nil
	}
	n = resolve(n)
	ev := &EventsSLI{}
	var canonical [3]string // errors, good, total as the parser prints them
	for i, key := range eventsFields {
		v := f[key]
		if v == nil {
			continue
		}
		kpath := join(path, key)
		q, ok := c.str(v, kpath, "a PromQL query using [{{.window}}]")
		if !ok {
			continue
		}
		canon, err := checkQuery(q)
		if err != nil {
			c.addf(v, kpath, "%v", err)
		}
		canonical[i] = canon
		switch key {
		case "errors":
			ev.Errors = q
		case "good":
			ev.Good = q
		default:
			ev.Total = q
		}
	}
	switch {
	case f["total"] == nil:
		c.addf(n, join(path, "total"), "missing; give the query counting all events, e.g. sum(rate(http_requests_total[{{.window}}]))")
	case f["errors"] != nil && f["good"] != nil:
		c.addf(f["good"], join(path, "good"), "give only one of errors and good")
	case f["errors"] == nil && f["good"] == nil:
		c.addf(n, join(path, "errors"), "missing; give errors (bad events) or good (good events) next to total")
	}
	for i, key := range eventsFields[:2] {
		if canonical[i] != "" && canonical[i] == canonical[2] {
			c.addf(f[key], join(path, key), "is the same query as total, so the SLI would be constant; select only a subset of the events")
		}
	}
	return ev
}

// latency reads a histogram latency SLI.
func (c *checker) latency(n *yaml.Node, path string, fromTarget time.Duration) *LatencySLI {
	f, ok := c.fields(n, path, latencyFields)
	if !ok {
		return nil
	}
	n = resolve(n)
	lat := &LatencySLI{}
	mpath := join(path, "metric")
	if v := f["metric"]; v == nil {
		c.addf(n, mpath, "missing; give the histogram's name, e.g. http_request_duration_seconds")
	} else if m, ok := c.str(v, mpath, "a histogram name like http_request_duration_seconds"); ok {
		lat.Metric = m
		if err := checkMetric(m); err != nil {
			c.addf(v, mpath, "%v", err)
		}
	}
	if v := f["selector"]; v != nil {
		spath := join(path, "selector")
		if s, ok := c.str(v, spath, `a label selector like {service="checkout"}`); ok {
			lat.Selector = s
			if _, err := parseSelector(s); err != nil {
				c.addf(v, spath, "%v", err)
			}
		}
	}
	lat.Threshold = c.threshold(f["threshold"], n, join(path, "threshold"), fromTarget)
	if lat.Threshold > 0 {
		lat.Le = strconv.FormatFloat(lat.Threshold.Seconds(), 'f', -1, 64)
	}
	return lat
}

// threshold reads the latency threshold, which the seed's form may already
// have given as target: 500ms.
func (c *checker) threshold(v, parent *yaml.Node, path string, fromTarget time.Duration) time.Duration {
	if v == nil {
		if fromTarget <= 0 {
			c.addf(parent, path, "missing; give the latency threshold, e.g. 300ms (it must equal a histogram bucket bound)")
		}
		return fromTarget
	}
	s, ok := c.str(v, path, "a duration like 300ms")
	if !ok {
		return 0
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil || d <= 0:
		c.addf(v, path, "%q is not a latency threshold; give a duration above zero like 300ms or 1.5s", s)
		return 0
	case fromTarget > 0 && d != fromTarget:
		c.addf(v, path, "%s contradicts target: %s; give the threshold in one place", s, fromTarget)
	}
	return d
}

// checkMetric checks a histogram base name.
func checkMetric(m string) error {
	if !model.LegacyValidation.IsValidMetricName(m) {
		return fmt.Errorf("%q is not a valid metric name; use [a-zA-Z_:][a-zA-Z0-9_:]*", m)
	}
	for _, suffix := range []string{"_bucket", "_count", "_sum"} {
		if strings.HasSuffix(m, suffix) {
			return fmt.Errorf("give the histogram's base name without %s, e.g. %s", suffix, strings.TrimSuffix(m, suffix))
		}
	}
	return nil
}
