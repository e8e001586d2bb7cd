package openslo

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/convert/read"
)

// alertPolicies checks an SLO's alert policies against the burn-rate
// alerts slod's rules give its window: slo.yaml configures no alerts, so a
// condition equal to one of those maps, and any other is a warning.
func (s *set) alertPolicies(r read.Reader, m read.Mapping, window time.Duration, slo string) {
	for i, n := range r.Seq(m, "spec", "alertPolicies") {
		path := read.Index("spec.alertPolicies", i)
		d := s.inlineOrRef(r, n, path, "alertPolicyRef", KindAlertPolicy)
		if d == nil || window == 0 {
			continue
		}
		pm, ok := d.fields([]string{"description", "alertWhenNoData", "alertWhenResolved", "alertWhenBreaching", "conditions", "notificationTargets"}, nil)
		if !ok {
			continue
		}
		for j, cn := range d.r.Seq(pm, "spec", "conditions") {
			c := s.inlineOrRef(d.r, cn, read.Index("spec.conditions", j), "conditionRef", KindCondition)
			if c != nil {
				s.condition(c, window, slo)
			}
		}
		targets := d.r.Seq(pm, "spec", "notificationTargets")
		for j, tn := range targets {
			s.inlineOrRef(d.r, tn, read.Index("spec.notificationTargets", j), "targetRef", KindTarget)
		}
		if len(targets) > 0 {
			d.r.Warnf(pm.Keys["notificationTargets"], "spec.notificationTargets", "not carried over: route slod's SLOErrorBudgetBurn alerts (labels slo_service, slo) in Alertmanager")
		}
	}
}

// inlineOrRef resolves a list item that is either {REF: name} or an
// inline document of kind.
func (s *set) inlineOrRef(r read.Reader, n *yaml.Node, path, refKey, kind string) *doc {
	m, ok := r.Fields(n, path, []string{refKey, "kind", "metadata", "spec"}, nil)
	if !ok {
		return nil
	}
	if ref, rn := r.Str(m, path, refKey, false); ref != "" {
		d := s.ref(kind, ref)
		if d == nil {
			r.Errorf(rn, read.Join(path, refKey), "no %s named %q in the files read%s", kind, ref, known(s.byKind[kind]))
		}
		return d
	}
	if k, kn := r.Str(m, path, "kind", true); k != "" && k != kind {
		r.Errorf(kn, read.Join(path, "kind"), "is %q; give %s or %s", k, kind, refKey)
		return nil
	}
	return s.document(r, kind, m)
}

// condition maps one AlertCondition.
func (s *set) condition(d *doc, window time.Duration, slo string) {
	m, ok := d.fields([]string{"description", "severity", "condition"}, nil)
	if !ok {
		return
	}
	cn := m.Values["condition"]
	if cn == nil {
		d.r.Errorf(m.Node, "spec.condition", "missing")
		return
	}
	const path = "spec.condition"
	cm, ok := d.r.Fields(cn, path, []string{"kind", "op", "threshold", "lookbackWindow", "alertAfter"}, nil)
	if !ok {
		return
	}
	kind, _ := d.r.Str(cm, path, "kind", true)
	op, _ := d.r.Str(cm, path, "op", true)
	th, tn := d.r.Str(cm, path, "threshold", true)
	lb, ln := d.r.Str(cm, path, "lookbackWindow", true)
	if kind == "" || op == "" || th == "" || lb == "" {
		return
	}
	windows := burnrate.Windows(window)
	ours := make([]string, len(windows))
	for i, w := range windows {
		ours[i] = fmt.Sprintf("%sx/%s", strconv.FormatFloat(math.Round(w.Factor*100)/100, 'f', -1, 64), model.Duration(w.Long))
	}
	what := fmt.Sprintf("not carried over for SLO %q: %s %s %s over %s is none of slod's burn-rate alerts for a %s window (%s)", slo, kind, op, th, lb, model.Duration(window), strings.Join(ours, ", "))
	if kind != "burnrate" || (op != "gte" && op != "gt") {
		d.r.Warnf(d.nameNode, "metadata.name", "%s", what)
		return
	}
	threshold, err := strconv.ParseFloat(th, 64)
	if err != nil {
		d.r.Errorf(tn, read.Join(path, "threshold"), "%q is not a number", th)
		return
	}
	lookback, err := model.ParseDuration(lb)
	if err != nil {
		d.r.Errorf(ln, read.Join(path, "lookbackWindow"), "%q is not a duration like 1h", lb)
		return
	}
	for _, w := range windows {
		// Factors are rounded in the workbook's tables (14.4, 6, 3, 1).
		if w.Long == time.Duration(lookback) && math.Abs(w.Factor-threshold) <= 0.01*w.Factor {
			return
		}
	}
	d.r.Warnf(d.nameNode, "metadata.name", "%s", what)
}
