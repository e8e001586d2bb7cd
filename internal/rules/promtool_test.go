package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/testing/promtest"
)

func runPromtool(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(promtest.RequireTool(t, "promtool"), args...)
	cmd.Dir = dir
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("promtool %s: %s", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestPromtoolCheckRules loads every generated file the way Prometheus
// would. For the operator format each object's spec is a rule file.
func TestPromtoolCheckRules(t *testing.T) {
	promtest.RequireTool(t, "promtool") // skip or fail before any work
	for _, f := range []Format{FormatPrometheus, FormatOperator} {
		t.Run(string(f), func(t *testing.T) {
			opts := goldenOptions
			opts.Format = f
			out, err := Generate(fixtures(), opts)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			files := ruleFiles(t, f, out)
			if f == FormatOperator && len(files) != 3 {
				t.Fatalf("%d PrometheusRule objects, want 3 (checkout, search, slod)", len(files))
			}
			args := []string{"check", "rules"}
			for i, b := range files {
				name := filepath.Join(dir, fmt.Sprintf("rules-%d.yaml", i))
				if err := os.WriteFile(name, b, 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, name)
			}
			runPromtool(t, dir, args...)
		})
	}
}

// ruleFiles splits output into rule files: itself, or one per object.
func ruleFiles(t *testing.T, f Format, out []byte) [][]byte {
	t.Helper()
	if f == FormatPrometheus {
		return [][]byte{out}
	}
	var files [][]byte
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var obj struct {
			APIVersion string    `yaml:"apiVersion"`
			Kind       string    `yaml:"kind"`
			Metadata   yaml.Node `yaml:"metadata"`
			Spec       yaml.Node `yaml:"spec"`
		}
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if obj.APIVersion != "monitoring.coreos.com/v1" || obj.Kind != "PrometheusRule" {
			t.Fatalf("object is %s %s", obj.APIVersion, obj.Kind)
		}
		b, err := yaml.Marshal(&obj.Spec)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
}

// demo is the spec the promtool unit tests in testdata/promtool run
// against: a 99.9%/30d availability SLO over http_requests_total{job="demo"}.
func demo() []slo.Spec {
	return []slo.Spec{{
		Service: "demo",
		Labels:  map[string]string{"team": "sre"},
		Policy:  slo.Policy{MaxStaleness: 10 * time.Minute},
		SLOs: []slo.SLO{{
			Name: "availability", Slug: "availability", Target: 0.999, Window: 30 * day,
			SLI: slo.SLI{Events: &slo.EventsSLI{
				Errors: `sum(rate(http_requests_total{job="demo",code=~"5.."}[{{.window}}]))`,
				Total:  `sum(rate(http_requests_total{job="demo"}[{{.window}}]))`,
			}},
		}},
	}}
}

// TestPromtoolUnitTests runs the hand-written scenarios in testdata/promtool
// (see each file's header) against rules generated for demo().
func TestPromtoolUnitTests(t *testing.T) {
	promtest.RequireTool(t, "promtool") // skip or fail before any work
	out, err := Generate(demo(), Options{Format: FormatPrometheus, RunbookURL: "https://runbooks.example.com/{{.alert}}"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	tests, err := filepath.Glob(filepath.Join("testdata", "promtool", "*.test.yaml"))
	if err != nil || len(tests) == 0 {
		t.Fatalf("no promtool tests found: %v", err)
	}
	for _, src := range tests {
		name := filepath.Base(src)
		t.Run(strings.TrimSuffix(name, ".test.yaml"), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
			runPromtool(t, dir, "test", "rules", name)
		})
	}
}
