// Package pyrra reads Pyrra's ServiceLevelObjective resources
// (pyrra.dev/v1alpha1) into our slo.yaml: ratio, latency (classic
// histogram) and bool_gauge indicators. Pyrra has no services: an SLO
// goes to the service its pyrra.dev/service label names, else to one
// named after the SLO. It is pure.
package pyrra

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/convert/ours"
	"github.com/slo-dev/slo/internal/convert/query"
	"github.com/slo-dev/slo/internal/convert/read"
)

// Group is the API group of Pyrra's resources.
const Group = "pyrra.dev"

const (
	kind = "ServiceLevelObjective"
	// labelPrefix marks the labels Pyrra copies onto its rules; they
	// become the service's labels, prefix dropped.
	labelPrefix = Group + "/"
	// serviceLabel names the service an SLO belongs to.
	serviceLabel = labelPrefix + "service"
)

// Import converts one Pyrra file; a file may hold several documents.
func Import(src read.Source) ([]ours.Service, []read.Issue) {
	return read.EachDocument(src, document)
}

func document(r read.Reader, n *yaml.Node) (ours.Service, bool) {
	at := func(n *yaml.Node) ours.Pos { return ours.At(r.File, n) }
	top, ok := r.Fields(n, "", []string{"apiVersion", "kind", "metadata", "spec", "status"}, nil)
	if !ok {
		return ours.Service{}, false
	}
	if k, kn := r.Str(top, "", "kind", true); k != kind {
		r.Errorf(kn, "kind", "%q is not read; the Pyrra resource is %s", k, kind)
		return ours.Service{}, false
	}
	if v, vn := r.Str(top, "", "apiVersion", true); v != Group+"/v1alpha1" {
		r.Errorf(vn, "apiVersion", "%q is not read; give %s/v1alpha1", v, Group)
		return ours.Service{}, false
	}
	mn := top.Values["metadata"]
	if mn == nil {
		r.Errorf(n, "metadata", "missing; give metadata: {name: ...}")
		return ours.Service{}, false
	}
	meta, ok := r.Fields(mn, "metadata", []string{"name", "namespace", "labels", "annotations"}, map[string]string{
		"namespace":   "it places the resource in Kubernetes",
		"annotations": "slo.yaml has no annotations",
	})
	if !ok {
		return ours.Service{}, false
	}
	name, nn := r.Str(meta, "metadata", "name", true)
	if name == "" {
		return ours.Service{}, false
	}
	svc := ours.Service{Name: ours.V(name, at(nn)), Header: fmt.Sprintf("Converted from Pyrra (%s) by sloctl convert.", r.File)}
	var dropped []string
	for _, kv := range r.StringMap(meta, "metadata", "labels") {
		k, v := kv[0], kv[1]
		switch {
		case k.Value == serviceLabel:
			svc.Name = ours.V(v.Value, at(v))
		case strings.HasPrefix(k.Value, labelPrefix):
			svc.Labels = append(svc.Labels, ours.Label{Name: ours.V(strings.TrimPrefix(k.Value, labelPrefix), at(k)), Value: ours.V(v.Value, at(v))})
		default:
			dropped = append(dropped, k.Value)
		}
	}
	if len(dropped) > 0 {
		r.Warnf(meta.Keys["labels"], "metadata.labels", "%s not carried over: only %s* labels are copied onto rules, as Pyrra does", strings.Join(dropped, ", "), labelPrefix)
	}
	sn := top.Values["spec"]
	if sn == nil {
		r.Errorf(n, "spec", "missing")
		return ours.Service{}, false
	}
	o, ok := spec(r, sn, name)
	svc.SLOs = []ours.SLO{o}
	return svc, ok
}

func spec(r read.Reader, n *yaml.Node, name string) (ours.SLO, bool) {
	at := func(n *yaml.Node) ours.Pos { return ours.At(r.File, n) }
	m, ok := r.Fields(n, "spec", []string{"description", "target", "window", "indicator", "alerting", "partial_response_strategy"}, map[string]string{
		"alerting":                  "slod's rules generate the burn-rate (SLOErrorBudgetBurn) and absent (SLOTotalAbsent) alerts themselves",
		"partial_response_strategy": "it applies to Thanos Ruler; slod queries one Prometheus API",
	})
	if !ok {
		return ours.SLO{}, false
	}
	o := ours.SLO{Pos: at(n), Name: ours.V(name, at(n))}
	desc, dn := r.Str(m, "spec", "description", false)
	o.Description = ours.V(desc, at(dn))
	target, tn := r.Str(m, "spec", "target", true)
	if target != "" {
		o.Target = ours.V(target+"%", at(tn))
	}
	window, wn := r.Str(m, "spec", "window", true)
	o.Window = ours.V(window, at(wn))
	in := m.Values["indicator"]
	if in == nil {
		r.Errorf(n, "spec.indicator", "missing; give ratio, latency or bool_gauge")
		return o, false
	}
	const ipath = "spec.indicator"
	im, ok := r.Fields(in, ipath, []string{"ratio", "latency", "latencyNative", "bool_gauge"}, nil)
	if !ok {
		return o, false
	}
	if len(im.Values) != 1 {
		r.Errorf(in, ipath, "give exactly one of ratio, latency, latencyNative and bool_gauge")
		return o, false
	}
	switch {
	case im.Values["ratio"] != nil:
		ok = ratio(r, im.Values["ratio"], ipath+".ratio", &o)
	case im.Values["latency"] != nil:
		ok = latency(r, im.Values["latency"], ipath+".latency", &o)
	case im.Values["bool_gauge"] != nil:
		ok = boolGauge(r, im.Values["bool_gauge"], ipath+".bool_gauge", &o)
	default:
		r.Errorf(im.Keys["latencyNative"], ipath+".latencyNative", "native histograms are not supported: slod's latency SLIs read a classic histogram's bucket and _count; use latency with success and total")
		ok = false
	}
	return o, ok && target != "" && window != ""
}

// indicatorFields reads an indicator's fields and warns about grouping.
func indicatorFields(r read.Reader, n *yaml.Node, path string, valid ...string) (read.Mapping, bool) {
	m, ok := r.Fields(n, path, append(valid, "grouping"), nil)
	if !ok {
		return m, false
	}
	if g := r.Seq(m, path, "grouping"); len(g) > 0 {
		var by []string
		for _, l := range g {
			by = append(by, l.Value)
		}
		r.Warnf(m.Keys["grouping"], read.Join(path, "grouping"), "grouping by %s is not carried over: slod measures one SLO over all of them together; write one SLO per %s value to judge them apart", strings.Join(by, ", "), by[0])
	}
	return m, true
}

// metric reads {metric: SELECTOR} at key.
func metric(r read.Reader, m read.Mapping, path, key string) (string, *yaml.Node) {
	n := m.Values[key]
	if n == nil {
		r.Errorf(m.Node, read.Join(path, key), "missing; give %s: {metric: SELECTOR}", key)
		return "", m.Node
	}
	qm, ok := r.Fields(n, read.Join(path, key), []string{"metric"}, nil)
	if !ok {
		return "", n
	}
	return r.Str(qm, read.Join(path, key), "metric", true)
}

func ratio(r read.Reader, n *yaml.Node, path string, o *ours.SLO) bool {
	m, ok := indicatorFields(r, n, path, "errors", "total")
	if !ok {
		return false
	}
	ok = true
	for _, key := range []string{"errors", "total"} {
		q, qn := metric(r, m, path, key)
		if q == "" {
			ok = false
			continue
		}
		rate, err := query.Counter(q)
		if err != nil {
			r.Errorf(qn, read.Join(path, key+".metric"), "%v", err)
			ok = false
			continue
		}
		v := ours.V(rate, ours.At(r.File, qn))
		if key == "errors" {
			o.Errors = v
		} else {
			o.Total = v
		}
	}
	return ok
}

func latency(r read.Reader, n *yaml.Node, path string, o *ours.SLO) bool {
	m, ok := indicatorFields(r, n, path, "success", "total")
	if !ok {
		return false
	}
	sq, sn := metric(r, m, path, "success")
	tq, tn := metric(r, m, path, "total")
	if sq == "" || tq == "" {
		return false
	}
	spath := read.Join(path, "success.metric")
	success, err := query.Histogram(sq)
	if err != nil {
		r.Errorf(sn, spath, "%v", err)
		return false
	}
	total, err := query.Histogram(tq)
	if err != nil {
		r.Errorf(tn, read.Join(path, "total.metric"), "%v", err)
		return false
	}
	bound, err := strconv.ParseFloat(success.Le, 64)
	switch {
	case success.Le == "" || err != nil:
		r.Errorf(sn, spath, "needs an le=\"BOUND\" matcher naming the bucket of good requests, e.g. %s_bucket{le=\"0.5\"}", success.Metric)
		return false
	case total.Metric != success.Metric || total.Selector != success.Selector:
		r.Errorf(tn, read.Join(path, "total.metric"), "selects %s%s but success selects %s%s; slod's latency SLI reads one histogram's bucket and _count with the same labels", total.Metric, total.Selector, success.Metric, success.Selector)
		return false
	}
	pos := ours.At(r.File, sn)
	o.Latency = &ours.Latency{
		Pos:       pos,
		Metric:    ours.V(success.Metric, pos),
		Selector:  ours.V(success.Selector, pos),
		Threshold: ours.V(query.Threshold(bound, success.Unit()).String(), pos),
	}
	return true
}

func boolGauge(r read.Reader, n *yaml.Node, path string, o *ours.SLO) bool {
	m, ok := indicatorFields(r, n, path, "metric")
	if !ok {
		return false
	}
	q, qn := r.Str(m, path, "metric", true)
	if q == "" {
		return false
	}
	good, total, err := query.BoolGauge(q)
	if err != nil {
		r.Errorf(qn, read.Join(path, "metric"), "%v", err)
		return false
	}
	pos := ours.At(r.File, qn)
	o.Good, o.Total = ours.V(good, pos), ours.V(total, pos)
	return true
}
