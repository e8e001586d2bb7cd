// Package sloth reads Sloth specs into our slo.yaml: the prometheus/v1
// file (version, service, labels, slos) and the Kubernetes
// PrometheusServiceLevel resource (sloth.slok.dev/v1), whose spec is the
// same with camelCase query fields. It is pure.
package sloth

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/convert/ours"
	"github.com/slo-dev/slo/internal/convert/read"
)

// Group is the API group of Sloth's Kubernetes resources; Version is the
// version line of its plain spec files.
const (
	Group   = "sloth.slok.dev"
	Version = "prometheus/v1"
	kind    = "PrometheusServiceLevel"
)

// Window is the SLO window Sloth uses unless its generator is given
// another --default-slo-period; the spec itself has no window.
const Window = "30d"

// names are the spellings of the fields that differ between the plain
// file (snake_case) and the Kubernetes resource (camelCase).
type names struct {
	errorQuery, totalQuery, errorRatio, page, ticket string
}

var (
	plain = names{"error_query", "total_query", "error_ratio_query", "page_alert", "ticket_alert"}
	crd   = names{"errorQuery", "totalQuery", "errorRatioQuery", "pageAlert", "ticketAlert"}
)

// Import converts one Sloth file; a file may hold several documents.
func Import(src read.Source) ([]ours.Service, []read.Issue) {
	return read.EachDocument(src, document)
}

func document(r read.Reader, n *yaml.Node) (ours.Service, bool) {
	if n.Kind == yaml.MappingNode && len(n.Content) > 0 && n.Content[0].Value == "version" {
		m, ok := r.Fields(n, "", []string{"version", "service", "labels", "slos"}, nil)
		if !ok {
			return ours.Service{}, false
		}
		if v, vn := r.Str(m, "", "version", true); v != Version {
			r.Errorf(vn, "version", "%q is not read; Sloth specs here are version: %s", v, Version)
			return ours.Service{}, false
		}
		return spec(r, m, "", plain)
	}
	top, ok := r.Fields(n, "", []string{"apiVersion", "kind", "metadata", "spec", "status"}, nil)
	if !ok {
		return ours.Service{}, false
	}
	if k, kn := r.Str(top, "", "kind", true); k != kind {
		r.Errorf(kn, "kind", "%q is not read; the Sloth resource is %s (or a version: %s file)", k, kind, Version)
		return ours.Service{}, false
	}
	if v, vn := r.Str(top, "", "apiVersion", true); v != Group+"/v1" {
		r.Errorf(vn, "apiVersion", "%q is not read; give %s/v1", v, Group)
		return ours.Service{}, false
	}
	if mn := top.Keys["metadata"]; mn != nil {
		r.Warnf(mn, "metadata", "not carried over: the service is named by spec.service, and the resource's name, namespace and labels only place it in Kubernetes")
	}
	sn := top.Values["spec"]
	if sn == nil {
		r.Errorf(top.Node, "spec", "missing")
		return ours.Service{}, false
	}
	m, ok := r.Fields(sn, "spec", []string{"service", "labels", "slos"}, nil)
	if !ok {
		return ours.Service{}, false
	}
	return spec(r, m, "spec", crd)
}

// spec converts the service, labels and slos shared by both spellings.
func spec(r read.Reader, m read.Mapping, path string, f names) (ours.Service, bool) {
	at := func(n *yaml.Node) ours.Pos { return ours.At(r.File, n) }
	name, nn := r.Str(m, path, "service", true)
	if name == "" {
		return ours.Service{}, false
	}
	svc := ours.Service{Name: ours.V(name, at(nn)), Header: fmt.Sprintf("Converted from Sloth (%s) by sloctl convert; Sloth's default window, %s.", r.File, Window)}
	for _, kv := range r.StringMap(m, path, "labels") {
		svc.Labels = append(svc.Labels, ours.Label{Name: ours.V(kv[0].Value, at(kv[0])), Value: ours.V(kv[1].Value, at(kv[1]))})
	}
	items := r.Seq(m, path, "slos")
	if len(items) == 0 {
		r.Errorf(m.Node, read.Join(path, "slos"), "missing or empty; list the service's SLOs")
		return ours.Service{}, false
	}
	ok := true
	for i, n := range items {
		o, good := slo(r, n, read.Index(read.Join(path, "slos"), i), f)
		ok = ok && good
		svc.SLOs = append(svc.SLOs, o)
	}
	return svc, ok
}

func slo(r read.Reader, n *yaml.Node, path string, f names) (ours.SLO, bool) {
	at := func(n *yaml.Node) ours.Pos { return ours.At(r.File, n) }
	m, ok := r.Fields(n, path, []string{"name", "objective", "description", "labels", "sli", "alerting"}, map[string]string{
		"labels":   "slo.yaml labels belong to the service, and slod's rules label each SLO with slo_service and slo",
		"alerting": "slod's rules generate the page and ticket burn-rate alerts (SLOErrorBudgetBurn) themselves, with their own names, labels and annotations",
	})
	if !ok {
		return ours.SLO{}, false
	}
	o := ours.SLO{Pos: at(n)}
	name, nn := r.Str(m, path, "name", true)
	o.Name = ours.V(name, at(nn))
	desc, dn := r.Str(m, path, "description", false)
	o.Description = ours.V(desc, at(dn))
	obj, on := r.Str(m, path, "objective", true)
	if obj != "" {
		o.Target = ours.V(strings.TrimSuffix(obj, "%")+"%", at(on))
	}
	o.Window = ours.V(Window, o.Pos)
	spath := read.Join(path, "sli")
	sn := m.Values["sli"]
	if sn == nil {
		r.Errorf(n, spath, "missing; give sli.events with the error and total queries")
		return o, false
	}
	sm, ok := r.Fields(sn, spath, []string{"events", "raw", "plugin"}, nil)
	if !ok {
		return o, false
	}
	for _, k := range []string{"raw", "plugin"} {
		if kn := sm.Keys[k]; kn != nil {
			why := map[string]string{
				"raw":    "a precomputed error ratio gives no event counts, which slod's budgets and min_events need",
				"plugin": "Sloth's plugins are Go code run by Sloth; write the queries the plugin makes as sli.events",
			}[k]
			r.Errorf(kn, read.Join(spath, k), "not supported: %s; give events with %s and %s", why, f.errorQuery, f.totalQuery)
			return o, false
		}
	}
	en := sm.Values["events"]
	if en == nil {
		r.Errorf(sn, read.Join(spath, "events"), "missing; give events: {%s, %s}", f.errorQuery, f.totalQuery)
		return o, false
	}
	epath := read.Join(spath, "events")
	em, ok := r.Fields(en, epath, []string{f.errorQuery, f.totalQuery}, nil)
	if !ok {
		return o, false
	}
	// Sloth's queries already use {{.window}} as ours do.
	e, errNode := r.Str(em, epath, f.errorQuery, true)
	t, totalNode := r.Str(em, epath, f.totalQuery, true)
	o.Errors, o.Total = ours.V(e, at(errNode)), ours.V(t, at(totalNode))
	return o, name != "" && obj != "" && e != "" && t != ""
}
