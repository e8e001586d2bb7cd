package rules

import (
	"fmt"
	"regexp"

	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/slo-dev/slo/internal/slo"
)

// The Prometheus Operator's PrometheusRule resource holds a rule file's
// body as its spec. Each service's groups become one object named
// "<service>-slo", slod's global group one more, slodObject.
const (
	slodObject = "slod-meta"
	managedBy  = "app.kubernetes.io/managed-by"
)

// k8sLabel is Kubernetes' syntax for a label value and for a label key
// without a prefix (63 characters at most, checked apart).
var k8sLabel = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)

// objectLabels are the labels of s's PrometheusRule: the spec's labels,
// so a ruleSelector can pick objects by team or tier, plus
// app.kubernetes.io/managed-by.
func objectLabels(s slo.Spec) (map[string]string, error) {
	labels := map[string]string{managedBy: "sloctl"}
	for k, v := range s.Labels {
		if !validK8sLabel(k) || (v != "" && !validK8sLabel(v)) {
			return nil, fmt.Errorf("label %s=%q is not a valid Kubernetes label "+
				"(63 characters at most: letters, digits, '-', '_', '.', starting and ending with a letter or digit)", k, v)
		}
		labels[k] = v
	}
	return labels, nil
}

// object writes one PrometheusRule document.
func (w *yamlWriter) object(name string, labels map[string]string, groups []rulefmt.RuleGroup) {
	w.field(0, "apiVersion", "monitoring.coreos.com/v1")
	w.field(0, "kind", "PrometheusRule")
	w.key(0, "metadata")
	w.buf = append(w.buf, '\n')
	w.field(2, "name", name)
	w.mapping(2, "labels", labels)
	w.key(0, "spec")
	w.buf = append(w.buf, '\n')
	w.groups(2, groups)
}

func validK8sLabel(s string) bool { return len(s) <= 63 && k8sLabel.MatchString(s) }
