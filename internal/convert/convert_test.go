package convert_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/convert"
	"github.com/slo-dev/slo/internal/convert/converttest"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

func TestDetect(t *testing.T) {
	for data, want := range map[string]convert.Format{
		"service: checkout\nslos: []\n":                                     convert.Ours,
		"# kind: SLO in a comment\nservice: x\n":                            convert.Ours,
		"---\napiVersion: openslo/v1\nkind: SLO\n":                          convert.OpenSLO,
		"apiVersion: 'openslo/v1alpha'\n":                                   convert.OpenSLO,
		"version: \"prometheus/v1\"\nservice: a\n":                          convert.Sloth,
		"apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevel\n":     convert.Sloth,
		"kind: ServiceLevelObjective\r\napiVersion: pyrra.dev/v1alpha1\r\n": convert.Pyrra,
		"apiVersion: v1\nkind: ConfigMap\n":                                 convert.Unknown,
		"service: a\nslos:\n  - kind: x\n---\napiVersion: openslo/v1\n":     convert.Ours,
		"": convert.Ours,
	} {
		if got := convert.Detect([]byte(data)); got != want {
			t.Errorf("Detect(%q) = %s, want %s", data, got, want)
		}
	}
}

const ours = `service: checkout
slos:
  - name: availability
    target: 99.9%
    window: 30d
    sli:
      events:
        errors: sum(rate(http_requests_total{service="checkout",code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total{service="checkout"}[{{.window}}]))
`

const slothSpec = `version: prometheus/v1
service: %s
slos:
  - name: requests
    objective: 99.5
    sli:
      events:
        error_query: sum(rate(http_requests_total{service="search",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{service="search"}[{{.window}}]))
`

const pyrraSpec = `apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: probes}
spec:
  target: "99"
  window: 7d
  indicator:
    bool_gauge: {metric: 'probe_success{job="blackbox"}'}
`

const openSLOSLI = `apiVersion: openslo/v1
kind: SLI
metadata: {name: billing-requests}
spec:
  ratioMetric:
    counter: true
    good:
      metricSource: {type: %s, spec: {query: 'requests_total{ok="true"}'}}
    total:
      metricSource: {type: Prometheus, spec: {query: requests_total}}
`

const openSLOSLO = `apiVersion: openslo/v1
kind: SLO
metadata: {name: billing-availability}
spec:
  service: billing
  indicatorRef: billing-requests
  budgetingMethod: Occurrences
  timeWindow: [{duration: 7d, isRolling: true}]
  objectives: [{target: 0.99}]
`

// TestMixedFolder: one folder holding slo.yaml, OpenSLO (an SLO whose SLI
// is in another file), Sloth and Pyrra files loads every service.
func TestMixedFolder(t *testing.T) {
	dir := slodtest.WriteSpecs(t, map[string]string{
		"checkout.yaml": ours,
		"search.yaml":   fmt.Sprintf(slothSpec, "search"),
		"probes.yaml":   pyrraSpec,
		"sli.yaml":      fmt.Sprintf(openSLOSLI, "Prometheus"),
		"slo.yaml":      openSLOSLO,
	})
	l := converttest.Valid(t, dir)
	for _, s := range []string{"checkout", "search", "probes", "billing"} {
		converttest.Spec(t, l.Specs, s)
	}
	if len(l.Specs) != 4 {
		t.Errorf("%d specs, want 4", len(l.Specs))
	}
	if _, ok := l.Converted["checkout"]; ok || len(l.Converted) != 3 {
		t.Errorf("converted: %v; want the three of other tools", l.Converted)
	}
	if got := converttest.Spec(t, l.Specs, "billing").File; got != filepath.Join(dir, "slo.yaml") {
		t.Errorf("billing's file is %s, want the SLO's", got)
	}
}

// TestProblemStopsItsServices: an error in the SLI file stops the service
// whose SLO uses it, not the others; a service name given in two formats
// is the usual duplicate.
func TestProblemStopsItsServices(t *testing.T) {
	dir := slodtest.WriteSpecs(t, map[string]string{
		"checkout.yaml": ours,
		"dup.yaml":      fmt.Sprintf(slothSpec, "checkout"),
		"search.yaml":   fmt.Sprintf(slothSpec, "search"),
		"sli.yaml":      fmt.Sprintf(openSLOSLI, "CloudWatch"),
		"slo.yaml":      openSLOSLO,
	})
	l := converttest.Load(t, dir)
	sli := filepath.Join(dir, "sli.yaml")
	if !converttest.Has(l.Problems, sli, converttest.Line(t, sli, "CloudWatch"), "type", `"CloudWatch" is not supported`) {
		t.Errorf("no problem on the data source: %v", l.Problems)
	}
	dup := filepath.Join(dir, "dup.yaml")
	if !converttest.Has(l.Problems, dup, converttest.Line(t, dup, "service: checkout"), "service", "also defined in") {
		t.Errorf("no duplicate service problem: %v", l.Problems)
	}
	if len(l.Specs) != 1 || l.Specs[0].Service != "search" {
		t.Errorf("specs %+v; want search alone", l.Specs)
	}
}

// TestProblemsCapped: a hostile file of another tool lists at most 50
// problems and a last one counting the rest, as a file of ours does.
func TestProblemsCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&b, "  unknown%d: 1\n", i)
	}
	l := converttest.Load(t, slodtest.WriteSpecs(t, map[string]string{"x.yaml": b.String()}))
	if len(l.Problems) != 51 || slo.CountProblems(l.Problems) < 1000 {
		t.Errorf("%d problems listed, counting %d; want 50 and one for the rest of at least 1000", len(l.Problems), slo.CountProblems(l.Problems))
	}
}
