package app

import (
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/gate"
	"github.com/slo-dev/slo/internal/metricnames"
	"github.com/slo-dev/slo/internal/prom"
	"github.com/slo-dev/slo/internal/rules"
	"github.com/slo-dev/slo/internal/server"
	"github.com/slo-dev/slo/internal/slo"
)

// Every slod metric the generated rules read is one slod registers: an
// alert on a misspelt or renamed metric would never fire.
func TestGeneratedRulesReadRegisteredMetrics(t *testing.T) {
	reg := registerSlodMetrics(t)
	specs, problems := slo.Sources{Paths: []string{"../../slos"}}.Discover().Load()
	if len(problems) > 0 || len(specs) == 0 {
		t.Fatalf("example specs: %d loaded, problems %v", len(specs), problems)
	}
	out, err := rules.Generate(specs, rules.Options{Format: rules.FormatPrometheus})
	if err != nil {
		t.Fatal(err)
	}
	read := slodMetricsRead(t, out)
	// The meta-alerts read these; finding fewer means the parsing missed them.
	for _, name := range []string{metricnames.EvaluationLastSuccess, metricnames.EvaluationErrors,
		metricnames.PrometheusUp, metricnames.CircuitBreakerState, metricnames.StoreDeadLetters} {
		if !slices.Contains(read, name) {
			t.Errorf("the generated rules do not read %s", name)
		}
	}
	for _, name := range read {
		if !registered(t, reg, name) {
			t.Errorf("the generated rules read %s, which slod does not register", name)
		}
	}
}

// registerSlodMetrics registers the collectors slod registers in Run.
func registerSlodMetrics(t *testing.T) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewRegistry()
	log := slog.New(slog.DiscardHandler)
	source, err := prom.New(prom.Config{URL: "http://127.0.0.1:9090"}, reg, log)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(nil, source, nil, log, engine.Options{Registerer: reg})
	server.New(eng, gate.New(eng, nil, log, gate.Options{}), log, server.Config{}, reg, reg)
	return reg
}

// slodMetricsRead lists the slod_ metrics the rule file's expressions
// select, once each.
func slodMetricsRead(t *testing.T, ruleFile []byte) []string {
	t.Helper()
	var rgs rulefmt.RuleGroups
	if err := yaml.Unmarshal(ruleFile, &rgs); err != nil {
		t.Fatal(err)
	}
	p := parser.NewParser(parser.Options{})
	var names []string
	for _, g := range rgs.Groups {
		for _, r := range g.Rules {
			expr, err := p.ParseExpr(r.Expr)
			if err != nil {
				t.Fatalf("%s %s%s: %v", g.Name, r.Alert, r.Record, err)
			}
			parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
				if vs, ok := n.(*parser.VectorSelector); ok && strings.HasPrefix(vs.Name, "slod_") && !slices.Contains(names, vs.Name) {
					names = append(names, vs.Name)
				}
				return nil
			})
		}
	}
	return names
}

// registered reports whether reg has a metric called name: registering
// another one under that name fails exactly then.
func registered(t *testing.T, reg *prometheus.Registry, name string) bool {
	t.Helper()
	probe := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: "probe"})
	if err := reg.Register(probe); err != nil {
		return true
	}
	reg.Unregister(probe)
	return false
}
