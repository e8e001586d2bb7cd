// Package openslo reads OpenSLO v1 documents (apiVersion: openslo/v1) into
// our slo.yaml, strictly: every field is either carried over, or an error
// or a warning at its file and line. It is pure.
//
// What maps: SLO with an inline indicator or an indicatorRef to an SLI of
// the same set of files; ratioMetric (good or bad, and total) and
// thresholdMetric over a Prometheus histogram, with Prometheus metric
// sources; rolling and calendar (month, week) time windows; the
// Occurrences budgeting method; one of our SLOs per objective; Service
// labels; AlertConditions equal to one of slod's burn-rate alerts.
package openslo

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/convert/ours"
	"github.com/slo-dev/slo/internal/convert/query"
	"github.com/slo-dev/slo/internal/convert/read"
	"github.com/slo-dev/slo/internal/slug"
)

// APIVersion is the only version read.
const APIVersion = "openslo/v1"

// Kinds of OpenSLO v1 documents.
const (
	KindService     = "Service"
	KindSLO         = "SLO"
	KindSLI         = "SLI"
	KindDataSource  = "DataSource"
	KindAlertPolicy = "AlertPolicy"
	KindCondition   = "AlertCondition"
	KindTarget      = "AlertNotificationTarget"
)

var kinds = []string{KindService, KindSLO, KindSLI, KindDataSource, KindAlertPolicy, KindCondition, KindTarget}

// doc is one OpenSLO document.
type doc struct {
	r           read.Reader
	kind, name  string
	nameNode    *yaml.Node
	displayName string
	meta, spec  read.Mapping
}

// set is every document read, by kind and name.
type set struct {
	issues []read.Issue
	byKind map[string]map[string]*doc
	order  []*doc
	// used marks the documents some SLO refers to; uses lists the files
	// the SLO being converted draws on, in order.
	used map[*doc]bool
	uses []string
}

// ref resolves a reference to a document of kind, marking it used and its
// file one the current SLO draws on; nil when there is none.
func (s *set) ref(kind, name string) *doc {
	d := s.byKind[kind][name]
	if d != nil {
		s.used[d] = true
		if !slices.Contains(s.uses, d.r.File) {
			s.uses = append(s.uses, d.r.File)
		}
	}
	return d
}

// Import converts the OpenSLO documents of srcs. Services come in the
// order their first SLO appears.
func Import(srcs []read.Source) ([]ours.Service, []read.Issue) {
	s := &set{byKind: map[string]map[string]*doc{}, used: map[*doc]bool{}}
	for _, src := range srcs {
		r := read.Reader{File: src.File, Issues: &s.issues}
		for _, n := range r.Documents(src.Data) {
			s.add(r, n)
		}
	}
	services := s.services()
	s.unused()
	return services, read.Unique(s.issues)
}

func (s *set) add(r read.Reader, n *yaml.Node) {
	top, ok := r.Fields(n, "", []string{"apiVersion", "kind", "metadata", "spec"}, nil)
	if !ok {
		return
	}
	version, vn := r.Str(top, "", "apiVersion", true)
	if version != "" && version != APIVersion {
		r.Errorf(vn, "apiVersion", "%q is not read; only %s documents are (convert older ones with the oslo tool first)", version, APIVersion)
		return
	}
	kind, kn := r.Str(top, "", "kind", true)
	if kind == "" {
		return
	}
	if !slices.Contains(kinds, kind) {
		r.Errorf(kn, "kind", "unknown kind %q; OpenSLO v1 kinds are %s", kind, strings.Join(kinds, ", "))
		return
	}
	d := s.document(r, kind, top)
	if d == nil {
		return
	}
	if s.byKind[kind] == nil {
		s.byKind[kind] = map[string]*doc{}
	}
	if first := s.byKind[kind][d.name]; first != nil {
		r.Errorf(d.nameNode, "metadata.name", "%s %q is also defined at %s:%d; names must be unique per kind", kind, d.name, first.r.File, first.nameNode.Line)
		return
	}
	s.byKind[kind][d.name] = d
	s.order = append(s.order, d)
	if kind == KindDataSource {
		s.dataSource(d)
	}
}

// document reads metadata and spec of a document (or of an inline one).
func (s *set) document(r read.Reader, kind string, top read.Mapping) *doc {
	d := &doc{r: r, kind: kind}
	mn := top.Values["metadata"]
	if mn == nil {
		r.Errorf(top.Node, "metadata", "missing; give metadata: {name: ...}")
		return nil
	}
	var ok bool
	if d.meta, ok = r.Fields(mn, "metadata", []string{"name", "displayName", "labels", "annotations"}, nil); !ok {
		return nil
	}
	if d.name, d.nameNode = r.Str(d.meta, "metadata", "name", true); d.name == "" {
		return nil
	}
	d.displayName, _ = r.Str(d.meta, "metadata", "displayName", false)
	if an := d.meta.Values["annotations"]; an != nil {
		r.Warnf(d.meta.Keys["annotations"], "metadata.annotations", "not carried over: slo.yaml has no annotations")
	}
	if ln := d.meta.Keys["labels"]; ln != nil && kind != KindService {
		r.Warnf(ln, "metadata.labels", "not carried over: slo.yaml's labels belong to the service; give them on the Service document")
	}
	sn := top.Values["spec"]
	if sn == nil {
		r.Errorf(top.Node, "spec", "missing")
		return nil
	}
	if sn.Kind != yaml.MappingNode {
		r.Errorf(sn, "spec", "must be a mapping")
		return nil
	}
	d.spec = read.Mapping{Node: sn}
	return d
}

// fields reads d's spec with the fields valid for its kind.
func (d *doc) fields(valid []string, ignored map[string]string) (read.Mapping, bool) {
	return d.r.Fields(d.spec.Node, "spec", valid, ignored)
}

func (s *set) dataSource(d *doc) {
	m, ok := d.fields([]string{"type", "connectionDetails", "description"}, map[string]string{
		"connectionDetails": "slod queries the Prometheus given by --prometheus-url",
	})
	if ok {
		d.spec = m
		d.r.Str(m, "spec", "type", true)
	}
}

// serviceBuild is a service being assembled.
type serviceBuild struct {
	svc     ours.Service
	hasSLOs bool
}

func (s *set) services() []ours.Service {
	var order []string
	builds := map[string]*serviceBuild{}
	get := func(name string, pos ours.Pos) *serviceBuild {
		b := builds[name]
		if b == nil {
			b = &serviceBuild{svc: ours.Service{Name: ours.V(name, pos)}}
			builds[name] = b
			order = append(order, name)
		}
		return b
	}
	for _, d := range s.order {
		switch d.kind {
		case KindService:
			b := get(d.name, ours.At(d.r.File, d.nameNode))
			b.svc.Name.Pos = ours.At(d.r.File, d.nameNode)
			s.service(d, &b.svc)
		case KindSLO:
			name, pos, slos := s.slo(d)
			if name == "" {
				continue
			}
			b := get(name, pos)
			b.hasSLOs = true
			b.svc.SLOs = append(b.svc.SLOs, slos...)
		}
	}
	var out []ours.Service
	for _, name := range order {
		b := builds[name]
		if !b.hasSLOs {
			d := s.byKind[KindService][name]
			d.r.Warnf(d.nameNode, "metadata.name", "Service %q has no SLO in the files read; nothing to measure, so no slo.yaml for it", name)
			continue
		}
		b.svc.Header = fmt.Sprintf("Converted from OpenSLO (%s) by sloctl convert.", strings.Join(b.svc.Files(), ", "))
		out = append(out, b.svc)
	}
	return out
}

// service carries a Service document's labels over.
func (s *set) service(d *doc, svc *ours.Service) {
	if _, ok := d.fields([]string{"description"}, map[string]string{"description": "slo.yaml has no service description"}); !ok {
		return
	}
	if d.displayName != "" {
		d.r.Warnf(d.meta.Keys["displayName"], "metadata.displayName", "not carried over: a service is known by its name")
	}
	ln := d.meta.Values["labels"]
	if ln == nil {
		return
	}
	if ln.Kind != yaml.MappingNode {
		d.r.Errorf(ln, "metadata.labels", "must be a mapping of label names to values")
		return
	}
	for i := 0; i+1 < len(ln.Content); i += 2 {
		k, v := ln.Content[i], ln.Content[i+1]
		path := "metadata.labels." + k.Value
		switch {
		case v.Kind == yaml.SequenceNode && len(v.Content) == 1 && v.Content[0].Kind == yaml.ScalarNode:
			v = v.Content[0]
		case v.Kind != yaml.ScalarNode:
			d.r.Warnf(v, path, "not carried over: a Prometheus label holds one value, this has %d", len(v.Content))
			continue
		}
		svc.Labels = append(svc.Labels, ours.Label{Name: ours.V(k.Value, ours.At(d.r.File, k)), Value: ours.V(v.Value, ours.At(d.r.File, v))})
	}
}

var sloFields = []string{"description", "service", "indicator", "indicatorRef", "timeWindow", "budgetingMethod", "objectives", "alertPolicies"}

// slo converts one SLO document into one of our SLOs per objective.
func (s *set) slo(d *doc) (service string, pos ours.Pos, out []ours.SLO) {
	r := d.r
	s.uses = []string{r.File}
	m, ok := d.fields(sloFields, nil)
	if !ok {
		return "", pos, nil
	}
	service, sn := r.Str(m, "spec", "service", true)
	pos = ours.At(r.File, sn)
	at := func(n *yaml.Node) ours.Pos { return ours.At(r.File, n) }

	base := ours.SLO{Pos: at(d.nameNode), Name: ours.V(d.name, at(d.nameNode))}
	desc, dn := r.Str(m, "spec", "description", false)
	base.Description = ours.V(desc, at(dn))
	// displayName names the SLO when it spells the same id as
	// metadata.name, alone or after the service's name (checkout-latency):
	// the way export writes it, since names are unique per kind in OpenSLO
	// but per service in slo.yaml.
	id := slug.Make(d.displayName)
	switch {
	case d.displayName == "":
	case id == d.name || service+"-"+id == d.name:
		base.Name = ours.V(d.displayName, at(d.meta.Values["displayName"]))
	case desc == "":
		base.Description = ours.V(d.displayName, at(d.meta.Values["displayName"]))
	default:
		r.Warnf(d.meta.Keys["displayName"], "metadata.displayName", "not carried over: the SLO is named %q and has a description", d.name)
	}
	s.budgeting(r, m)
	window := s.window(r, m, &base)
	sli := s.indicatorOf(r, m, "spec", &base)

	objectives := r.Seq(m, "spec", "objectives")
	if m.Values["objectives"] != nil && len(objectives) == 0 {
		r.Errorf(m.Values["objectives"], "spec.objectives", "is empty; give at least one objective with a target")
	} else if m.Values["objectives"] == nil {
		r.Errorf(m.Node, "spec.objectives", "missing; give at least one objective with a target")
	}
	for i, on := range objectives {
		o, ok := s.objective(r, on, read.Index("spec.objectives", i), base, sli, len(objectives) > 1, i)
		if ok {
			out = append(out, o)
		}
	}
	s.alertPolicies(r, m, window, base.Name.S)
	for i := range out {
		out[i].Uses = s.uses
	}
	return service, pos, out
}

// unused warns about definitions no SLO refers to: nothing of theirs is
// carried over.
func (s *set) unused() {
	for _, d := range s.order {
		switch d.kind {
		case KindSLI, KindAlertPolicy, KindCondition, KindTarget:
			if !s.used[d] {
				d.r.Warnf(d.nameNode, "metadata.name", "%s %q is used by no SLO in the files read; nothing of it is carried over", d.kind, d.name)
			}
		}
	}
}

func (s *set) budgeting(r read.Reader, m read.Mapping) {
	method, n := r.Str(m, "spec", "budgetingMethod", true)
	switch method {
	case "", "Occurrences":
	case "Timeslices", "RatioTimeslices":
		r.Errorf(n, "spec.budgetingMethod", "%s is not supported: slod budgets Occurrences (bad events over all events in the window); change it to Occurrences, which counts every event instead of judging time slices", method)
	default:
		r.Errorf(n, "spec.budgetingMethod", "%q is not an OpenSLO budgeting method; slod reads Occurrences", method)
	}
}

var shorthand = regexp.MustCompile(`^(\d+)([mhdwMQY])$`)

// window reads spec.timeWindow into o and returns the nominal length of
// the window (for matching alert conditions); 0 when it is invalid.
func (s *set) window(r read.Reader, m read.Mapping, o *ours.SLO) time.Duration {
	items := r.Seq(m, "spec", "timeWindow")
	if len(items) != 1 {
		n := m.Values["timeWindow"]
		if n == nil {
			n = m.Node
		}
		r.Errorf(n, "spec.timeWindow", "give exactly one time window, e.g. [{duration: 30d, isRolling: true}]")
		return 0
	}
	path := "spec.timeWindow[0]"
	tw, ok := r.Fields(items[0], path, []string{"duration", "isRolling", "calendar"}, nil)
	if !ok {
		return 0
	}
	dur, dn := r.Str(tw, path, "duration", true)
	if dur == "" {
		return 0
	}
	mm := shorthand.FindStringSubmatch(dur)
	if mm == nil {
		r.Errorf(dn, read.Join(path, "duration"), "%q is not an OpenSLO duration; give a number and one of m h d w M Q Y, e.g. 30d", dur)
		return 0
	}
	count, _ := strconv.Atoi(mm[1])
	unit := mm[2]
	rolling := r.Bool(tw, path, "isRolling")
	cal := tw.Values["calendar"]
	pos := ours.At(r.File, dn)
	if rolling {
		if cal != nil {
			r.Errorf(tw.Keys["calendar"], read.Join(path, "calendar"), "a rolling window has no calendar; remove it, or set isRolling: false")
		}
		if strings.ContainsAny(unit, "MQY") {
			r.Errorf(dn, read.Join(path, "duration"), "a rolling %s has no fixed length; give it in days, e.g. 30d", dur)
			return 0
		}
		o.Window = ours.V(dur, pos)
		d, _ := model.ParseDuration(dur)
		return time.Duration(d)
	}
	if cal == nil {
		r.Errorf(tw.Node, read.Join(path, "calendar"), "missing; a window with isRolling: false needs calendar: {startTime, timeZone} (or set isRolling: true)")
		return 0
	}
	var period string
	var nominal time.Duration
	switch {
	case count == 1 && unit == "M":
		period, nominal = "month", 30*24*time.Hour
	case count == 1 && unit == "w", count == 7 && unit == "d":
		period, nominal = "week", 7*24*time.Hour
	default:
		r.Errorf(dn, read.Join(path, "duration"), "a calendar window of %s is not supported; slod's calendar periods are a month (1M) or a week (1w)", dur)
		return 0
	}
	o.Calendar = ours.V(period, pos)
	cpath := read.Join(path, "calendar")
	cm, ok := r.Fields(cal, cpath, []string{"startTime", "timeZone"}, nil)
	if !ok {
		return 0
	}
	loc := time.UTC
	if tz, tn := r.Str(cm, cpath, "timeZone", false); tz != "" {
		o.Timezone = ours.V(tz, ours.At(r.File, tn))
		if l, err := time.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	if st, sn := r.Str(cm, cpath, "startTime", false); st != "" {
		t, err := time.ParseInLocation("2006-01-02 15:04:05", st, loc)
		switch {
		case err != nil:
			r.Errorf(sn, read.Join(cpath, "startTime"), "%q is not a time like 2024-01-01 00:00:00", st)
		case period == "month" && (t.Day() != 1 || t.Hour()+t.Minute()+t.Second() != 0):
			r.Errorf(sn, read.Join(cpath, "startTime"), "%s does not start a month; slod's calendar months start on the 1st at 00:00 (in timeZone)", st)
		case period == "week" && (t.Weekday() != time.Monday || t.Hour()+t.Minute()+t.Second() != 0):
			r.Errorf(sn, read.Join(cpath, "startTime"), "%s is no Monday 00:00; slod's calendar weeks start on Monday at 00:00 (in timeZone)", st)
		}
	}
	return nominal
}

// sli is a resolved indicator: events queries, or a histogram.
type sli struct {
	ok                  bool
	errors, good, total ours.Value
	histogram           *histogram
}

type histogram struct {
	pos              ours.Pos
	metric, selector string
	unit             time.Duration
}

// indicatorOf reads the indicator or indicatorRef of mapping m (an SLO's
// spec, or an objective). o collects the files the indicator lives in.
func (s *set) indicatorOf(r read.Reader, m read.Mapping, path string, o *ours.SLO) sli {
	inline, ref := m.Values["indicator"], m.Values["indicatorRef"]
	switch {
	case inline != nil && ref != nil:
		r.Errorf(m.Keys["indicatorRef"], read.Join(path, "indicatorRef"), "give one of indicator and indicatorRef")
		return sli{}
	case inline != nil:
		im, ok := r.Fields(inline, read.Join(path, "indicator"), []string{"metadata", "spec"}, nil)
		if !ok {
			return sli{}
		}
		d := s.document(r, KindSLI, im)
		if d == nil {
			return sli{}
		}
		return s.indicator(d)
	case ref != nil:
		name, rn := r.Str(m, path, "indicatorRef", true)
		d := s.ref(KindSLI, name)
		if d == nil {
			r.Errorf(rn, read.Join(path, "indicatorRef"), "no SLI named %q in the files read%s", name, known(s.byKind[KindSLI]))
			return sli{}
		}
		return s.indicator(d)
	}
	r.Errorf(m.Node, read.Join(path, "indicator"), "missing; give indicator: {metadata, spec} or indicatorRef: NAME")
	return sli{}
}

// known lists the names of docs for an error message.
func known(docs map[string]*doc) string {
	if len(docs) == 0 {
		return " (there are none)"
	}
	var names []string
	for n := range docs {
		names = append(names, n)
	}
	slices.Sort(names)
	return "; found " + strings.Join(names, ", ")
}

// indicator converts an SLI document's spec.
func (s *set) indicator(d *doc) sli {
	r := d.r
	m, ok := d.fields([]string{"description", "ratioMetric", "thresholdMetric"}, map[string]string{"description": "slo.yaml describes the SLO, not its indicator"})
	if !ok {
		return sli{}
	}
	ratio, threshold := m.Values["ratioMetric"], m.Values["thresholdMetric"]
	switch {
	case ratio != nil && threshold != nil:
		r.Errorf(m.Keys["thresholdMetric"], "spec.thresholdMetric", "give one of ratioMetric and thresholdMetric")
	case ratio != nil:
		return s.ratio(r, ratio)
	case threshold != nil:
		return s.threshold(r, threshold)
	default:
		r.Errorf(m.Node, "spec", "give ratioMetric (good or bad, and total) or thresholdMetric")
	}
	return sli{}
}

func (s *set) ratio(r read.Reader, n *yaml.Node) sli {
	const path = "spec.ratioMetric"
	m, ok := r.Fields(n, path, []string{"counter", "good", "bad", "total", "rawType", "raw"}, nil)
	if !ok {
		return sli{}
	}
	if raw := m.Keys["raw"]; raw != nil {
		r.Errorf(raw, read.Join(path, "raw"), "a raw (precomputed) ratio is not supported: slod counts events; give good or bad, and total")
		return sli{}
	}
	if rt := m.Keys["rawType"]; rt != nil {
		r.Errorf(rt, read.Join(path, "rawType"), "applies only to raw, which is not supported; give good or bad, and total")
	}
	counter := r.Bool(m, path, "counter")
	out := sli{ok: true}
	good, bad := m.Values["good"], m.Values["bad"]
	switch {
	case good != nil && bad != nil:
		r.Errorf(m.Keys["bad"], read.Join(path, "bad"), "give one of good and bad")
		out.ok = false
	case good != nil:
		out.good = s.source(r, good, read.Join(path, "good"), counter)
	case bad != nil:
		out.errors = s.source(r, bad, read.Join(path, "bad"), counter)
	default:
		r.Errorf(n, read.Join(path, "good"), "missing; give good or bad next to total")
		out.ok = false
	}
	if total := m.Values["total"]; total != nil {
		out.total = s.source(r, total, read.Join(path, "total"), counter)
	} else {
		r.Errorf(n, read.Join(path, "total"), "missing; give the query of all events")
		out.ok = false
	}
	out.ok = out.ok && out.total.S != "" && (out.good.S != "" || out.errors.S != "")
	return out
}

// source reads {metricSource: {metricSourceRef, type, spec: {query}}} and
// applies the counter rule to its query.
func (s *set) source(r read.Reader, n *yaml.Node, path string, counter bool) ours.Value {
	q, qn := s.prometheusQuery(r, n, path)
	if q == "" {
		return ours.Value{}
	}
	rewrite := query.Rate
	if counter {
		rewrite = query.Counter
	}
	out, err := rewrite(q)
	if err != nil {
		r.Errorf(qn, path+".metricSource.spec.query", "%v", err)
		return ours.Value{}
	}
	return ours.V(out, ours.At(r.File, qn))
}

// prometheusQuery reads a metric source and returns its PromQL.
func (s *set) prometheusQuery(r read.Reader, n *yaml.Node, path string) (string, *yaml.Node) {
	m, ok := r.Fields(n, path, []string{"metricSource"}, nil)
	if !ok {
		return "", nil
	}
	mpath := read.Join(path, "metricSource")
	msn := m.Values["metricSource"]
	if msn == nil {
		r.Errorf(n, mpath, "missing; give metricSource: {type: Prometheus, spec: {query: ...}}")
		return "", nil
	}
	ms, ok := r.Fields(msn, mpath, []string{"metricSourceRef", "type", "spec"}, nil)
	if !ok {
		return "", nil
	}
	typ, tn := r.Str(ms, mpath, "type", false)
	if ref, rn := r.Str(ms, mpath, "metricSourceRef", false); ref != "" {
		ds := s.ref(KindDataSource, ref)
		switch {
		case ds == nil:
			r.Errorf(rn, read.Join(mpath, "metricSourceRef"), "no DataSource named %q in the files read%s", ref, known(s.byKind[KindDataSource]))
			return "", nil
		case typ == "":
			typ, tn = ds.r.Str(ds.spec, "spec", "type", false)
		}
	}
	if typ == "" {
		r.Errorf(msn, read.Join(mpath, "type"), "missing; slod reads type: Prometheus")
		return "", nil
	}
	if !strings.EqualFold(typ, "Prometheus") {
		r.Errorf(tn, read.Join(mpath, "type"), "data source %q is not supported; slod queries Prometheus (or a server speaking its query API, such as VictoriaMetrics)", typ)
		return "", nil
	}
	spath := read.Join(mpath, "spec")
	sn := ms.Values["spec"]
	if sn == nil {
		r.Errorf(msn, spath, "missing; give spec: {query: PROMQL}")
		return "", nil
	}
	sm, ok := r.Fields(sn, spath, []string{"query"}, nil)
	if !ok {
		return "", nil
	}
	return r.Str(sm, spath, "query", true)
}

func (s *set) threshold(r read.Reader, n *yaml.Node) sli {
	const path = "spec.thresholdMetric"
	q, qn := s.prometheusQuery(r, n, path)
	if q == "" {
		return sli{}
	}
	qpath := path + ".metricSource.spec.query"
	h, err := query.Histogram(q)
	if err != nil {
		r.Errorf(qn, qpath, "%v", err)
		return sli{}
	}
	unit := h.Unit()
	if h.Le != "" {
		r.Warnf(qn, qpath, "le=%q is not carried over: the objective's value is the bucket bound", h.Le)
	}
	if h.Quantile {
		r.Warnf(qn, qpath, "histogram_quantile is not carried over: slod counts the requests in the bucket at the objective's value as good, and the objective's target is the share of good requests")
	}
	return sli{ok: true, histogram: &histogram{pos: ours.At(r.File, qn), metric: h.Metric, selector: h.Selector, unit: unit}}
}

var objectiveFields = []string{"displayName", "op", "value", "target", "targetPercent", "timeSliceTarget", "timeSliceWindow", "indicator", "indicatorRef", "compositeWeight"}

// objective makes one of our SLOs from an objective of an SLO document.
func (s *set) objective(r read.Reader, n *yaml.Node, path string, base ours.SLO, ind sli, several bool, i int) (ours.SLO, bool) {
	m, ok := r.Fields(n, path, objectiveFields, map[string]string{
		"timeSliceTarget": "applies to Timeslices budgeting only",
		"timeSliceWindow": "applies to Timeslices budgeting only",
	})
	if !ok {
		return ours.SLO{}, false
	}
	o := base
	at := func(n *yaml.Node) ours.Pos { return ours.At(r.File, n) }
	o.Pos = at(n)
	display, dn := r.Str(m, path, "displayName", false)
	if several {
		suffix := slug.Make(display)
		if suffix == "" {
			suffix = strconv.Itoa(i + 1)
		}
		o.Name = ours.V(base.Name.S+"-"+suffix, at(dn))
	} else if display != "" {
		r.Warnf(dn, read.Join(path, "displayName"), "not carried over: the SLO has one objective and is named %q", base.Name.S)
	}
	// Problems about the SLO as a whole (a name clash) point at its name.
	o.Pos = o.Name.Pos
	if m.Values["indicator"] != nil || m.Values["indicatorRef"] != nil || m.Values["compositeWeight"] != nil {
		key := "compositeWeight"
		for _, k := range []string{"indicator", "indicatorRef"} {
			if m.Keys[k] != nil {
				key = k
			}
		}
		r.Errorf(m.Keys[key], read.Join(path, key), "composite SLOs (an indicator per objective) are not supported; give the SLO one indicator")
		return ours.SLO{}, false
	}
	o.Target = s.target(r, m, path)
	if !ind.ok {
		return ours.SLO{}, false
	}
	op, opn := r.Str(m, path, "op", false)
	value, vn := r.Str(m, path, "value", false)
	if ind.histogram == nil {
		if opn := m.Keys["op"]; opn != nil {
			r.Errorf(opn, read.Join(path, "op"), "op and value apply to a thresholdMetric; a ratioMetric's objective has only a target")
			return ours.SLO{}, false
		}
		o.Errors, o.Good, o.Total = ind.errors, ind.good, ind.total
		return o, o.Target.S != ""
	}
	switch op {
	case "lte":
	case "lt":
		r.Warnf(opn, read.Join(path, "op"), "lt is read as lte: a histogram bucket counts requests at or under its bound")
	case "":
		r.Errorf(n, read.Join(path, "op"), "missing; a latency objective needs op: lte and value: the threshold")
		return ours.SLO{}, false
	default:
		r.Errorf(opn, read.Join(path, "op"), "%s is not supported: slod counts requests at or under the threshold as good; give op: lte", op)
		return ours.SLO{}, false
	}
	v, err := strconv.ParseFloat(value, 64)
	if err != nil || v <= 0 {
		r.Errorf(vn, read.Join(path, "value"), "%q is not a latency threshold; give the bucket bound in the histogram's unit, e.g. 0.5", value)
		return ours.SLO{}, false
	}
	threshold := query.Threshold(v, ind.histogram.unit)
	h := ind.histogram
	o.Latency = &ours.Latency{
		Pos:       h.pos,
		Metric:    ours.V(h.metric, h.pos),
		Selector:  ours.V(h.selector, h.pos),
		Threshold: ours.V(threshold.String(), at(vn)),
	}
	return o, o.Target.S != ""
}

// target reads target (a fraction) or targetPercent as our percentage.
func (s *set) target(r read.Reader, m read.Mapping, path string) ours.Value {
	frac, fn := r.Str(m, path, "target", false)
	pct, pn := r.Str(m, path, "targetPercent", false)
	switch {
	case frac != "" && pct != "":
		r.Errorf(m.Keys["targetPercent"], read.Join(path, "targetPercent"), "give one of target and targetPercent")
	case frac != "":
		v, ok := new(big.Rat).SetString(frac)
		if !ok {
			r.Errorf(fn, read.Join(path, "target"), "%q is not a number; give a fraction like 0.999", frac)
			return ours.Value{}
		}
		return ours.V(decimal(v.Mul(v, big.NewRat(100, 1)))+"%", ours.At(r.File, fn))
	case pct != "":
		return ours.V(pct+"%", ours.At(r.File, pn))
	default:
		r.Errorf(m.Node, read.Join(path, "target"), "missing; give target: 0.999 (or targetPercent: 99.9)")
	}
	return ours.Value{}
}

// decimal writes v without trailing zeros.
func decimal(v *big.Rat) string {
	s := v.FloatString(12)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
