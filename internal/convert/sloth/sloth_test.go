package sloth_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/convert/converttest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

const month = 30 * 24 * time.Hour

// TestPlain reads the prometheus/v1 example of Sloth's spec docs.
func TestPlain(t *testing.T) {
	file := filepath.Join("testdata", "k8s-apiserver.yaml")
	l := converttest.Valid(t, file)
	s := converttest.Spec(t, l.Specs, "k8s-apiserver")
	if s.Labels["cluster"] != "valhalla" || s.Labels["component"] != "kubernetes" || len(s.SLOs) != 2 {
		t.Fatalf("labels %v, %d SLOs", s.Labels, len(s.SLOs))
	}
	avail, lat := s.SLOs[0], s.SLOs[1]
	// objective 99.9 (percent) and Sloth's default 30d window; Sloth's
	// queries already use {{.window}} and are kept as written.
	if avail.Name != "requests-availability" || avail.Target != 0.999 || avail.Window != month ||
		avail.SLI.Events.Errors != `sum(rate(apiserver_request_total{code=~"(5..|429)"}[{{.window}}]))` ||
		avail.SLI.Events.Total != `sum(rate(apiserver_request_total[{{.window}}]))` {
		t.Errorf("availability: %+v %+v", avail, avail.SLI.Events)
	}
	if lat.Name != "requests-latency" || lat.Target != 0.99 || !strings.Contains(lat.SLI.Events.Errors, `apiserver_request_duration_seconds_bucket{le="0.4",verb!="WATCH"}[{{.window}}]`) {
		t.Errorf("latency: %+v %+v", lat, lat.SLI.Events)
	}
	// The alerting block is ours to generate: reported once, on its line.
	if !converttest.Has(l.Warnings, file, converttest.Line(t, file, "alerting:"), "slos[0].alerting", "SLOErrorBudgetBurn") || len(l.Warnings) != 1 {
		t.Errorf("want one warning on alerting; got %v", l.Warnings)
	}
}

// TestCRD reads a PrometheusServiceLevel like those of Sloth's docs.
func TestCRD(t *testing.T) {
	file := filepath.Join("testdata", "crd.yaml")
	l := converttest.Valid(t, file)
	s := converttest.Spec(t, l.Specs, "myservice")
	if s.Labels["owner"] != "myteam" || s.Labels["tier"] != "2" || s.Labels["repo"] != "myorg/myservice" || len(s.SLOs) != 1 {
		t.Fatalf("labels %v, %d SLOs", s.Labels, len(s.SLOs))
	}
	o := s.SLOs[0]
	if o.Target != 0.999 || o.Window != month || o.SLI.Events.Errors != `sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))` {
		t.Errorf("%+v %+v", o, o.SLI.Events)
	}
	for _, text := range []string{"metadata:", "alerting:"} {
		if !converttest.Has(l.Warnings, file, converttest.Line(t, file, text), "", "not carried over") {
			t.Errorf("no warning at %q: %v", text, l.Warnings)
		}
	}
}

// TestUnsupported: a raw ratio or a plugin has no event counts to read.
func TestUnsupported(t *testing.T) {
	for _, c := range []struct{ sli, field string }{
		{"raw:\n        error_ratio_query: slo:errors:ratio # <-\n", "raw"},
		{"plugin:\n        id: sloth-common/kubernetes/apiserver/availability # <-\n", "plugin"},
	} {
		doc := "version: prometheus/v1\nservice: s\nslos:\n  - name: a\n    objective: 99\n    sli:\n      " + strings.Replace(c.sli, " # <-", "", 1)
		dir := slodtest.WriteSpecs(t, map[string]string{"s.yaml": doc})
		file := filepath.Join(dir, "s.yaml")
		l := converttest.Load(t, dir)
		line := converttest.Line(t, file, c.field+":")
		if !converttest.Has(l.Problems, file, line, "slos[0].sli."+c.field, "not supported") || len(l.Specs) != 0 {
			t.Errorf("%s: want a problem at line %d; got %v, %d specs", c.field, line, l.Problems, len(l.Specs))
		}
	}
}
