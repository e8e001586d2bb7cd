package rules

import (
	"fmt"
	"regexp"

	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/slo-dev/slo/internal/slo"
)

// prometheusRule is the Prometheus Operator's PrometheusRule resource,
// reduced to the fields generated here. Its spec is a rule file's body.
type prometheusRule struct {
	APIVersion string             `yaml:"apiVersion"`
	Kind       string             `yaml:"kind"`
	Metadata   objectMeta         `yaml:"metadata"`
	Spec       rulefmt.RuleGroups `yaml:"spec"`
}

type objectMeta struct {
	Name   string            `yaml:"name"`
	Labels map[string]string `yaml:"labels"`
}

// slodObject names the PrometheusRule holding slod's global alerts.
const slodObject = "slod-meta"

// k8sLabel is Kubernetes' syntax for a label value and for a label key
// without a prefix (63 characters at most, checked apart).
var k8sLabel = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)

// operatorObjects wraps each service's groups in a PrometheusRule named
// "<service>-slo" and slod's global group in one more. Objects carry the
// spec's labels, so a ruleSelector can pick them by team or tier, plus
// app.kubernetes.io/managed-by.
func operatorObjects(specs []slo.Spec, perService [][]rulefmt.RuleGroup, meta rulefmt.RuleGroup) ([]prometheusRule, error) {
	objs := make([]prometheusRule, 0, len(specs)+1)
	for i, s := range specs {
		labels := map[string]string{"app.kubernetes.io/managed-by": "sloctl"}
		for k, v := range s.Labels {
			if !validK8sLabel(k) || (v != "" && !validK8sLabel(v)) {
				return nil, fmt.Errorf("service %s: label %s=%q is not a valid Kubernetes label "+
					"(63 characters at most: letters, digits, '-', '_', '.', starting and ending with a letter or digit)", s.Service, k, v)
			}
			labels[k] = v
		}
		objs = append(objs, newPrometheusRule(s.Service+"-slo", labels, perService[i]))
	}
	labels := map[string]string{"app.kubernetes.io/managed-by": "sloctl"}
	return append(objs, newPrometheusRule(slodObject, labels, []rulefmt.RuleGroup{meta})), nil
}

func newPrometheusRule(name string, labels map[string]string, groups []rulefmt.RuleGroup) prometheusRule {
	return prometheusRule{
		APIVersion: "monitoring.coreos.com/v1",
		Kind:       "PrometheusRule",
		Metadata:   objectMeta{Name: name, Labels: labels},
		Spec:       rulefmt.RuleGroups{Groups: groups},
	}
}

func validK8sLabel(s string) bool { return len(s) <= 63 && k8sLabel.MatchString(s) }
