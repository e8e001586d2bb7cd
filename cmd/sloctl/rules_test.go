package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/rulefmt"
	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/rules"
	"github.com/slo-dev/slo/internal/testing/promtest"
)

func TestRulesGenerateToStdout(t *testing.T) {
	code, stdout, stderr := runCLI(t, nil, "rules", "generate", "testdata/rules/checkout.yaml",
		"--runbook-url", "https://runbooks.example.com/{{.alert}}")
	if code != exitOK {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	var rgs rulefmt.RuleGroups
	if err := yaml.Unmarshal([]byte(stdout), &rgs); err != nil {
		t.Fatalf("stdout is not a rule file: %v\n%s", err, stdout)
	}
	var names []string
	for _, g := range rgs.Groups {
		names = append(names, g.Name)
	}
	if got := strings.Join(names, " "); got != "slo/checkout/availability slod/checkout slod" {
		t.Errorf("groups = %s", got)
	}
	if !strings.Contains(stdout, "runbook_url: https://runbooks.example.com/SLOErrorBudgetBurn") {
		t.Error("the runbook template was not applied")
	}
}

func TestRulesGenerateOperatorToFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.yaml")
	code, stdout, stderr := runCLI(t, nil, "rules", "generate", "testdata/rules/checkout.yaml",
		"--format", "prometheus-operator", "--out", path)
	if code != exitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr: %s", code, stdout, stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// One object for checkout, one for slod's own alerts.
	if n := strings.Count(string(b), "kind: PrometheusRule"); n != 2 {
		t.Errorf("%d PrometheusRule objects, want 2:\n%s", n, b)
	}
	if !strings.Contains(string(b), "name: checkout-slo") {
		t.Errorf("no checkout-slo object:\n%s", b)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644 so Prometheus can read it", fi.Mode().Perm())
	}
}

func TestRulesGenerateInvalidSpec(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.yaml")
	code, stdout, stderr := runCLI(t, nil, "rules", "generate", "testdata/rules/checkout.yaml", "testdata/rules/invalid.yaml", "--out", path)
	if code != exitNo {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitNo, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	if !strings.Contains(stderr, "testdata/rules/invalid.yaml:5: slos[0].target: ") {
		t.Errorf("stderr lacks the problem as file:line: field: message:\n%s", stderr)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("--out was written despite problems (stat: %v)", err)
	}
}

func TestRulesGenerateUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no path", []string{"generate"}, "requires at least 1 arg"},
		{"unknown format", []string{"generate", "testdata/rules/checkout.yaml", "--format", "xml"}, `unknown format "xml"`},
		{"unknown template key", []string{"generate", "testdata/rules/checkout.yaml", "--dashboard-url", "https://d/{{.team}}"}, `no entry for key "team"`},
		{"missing path", []string{"generate", "testdata/rules/nope.yaml"}, "no such file"},
		{"unwritable out", []string{"generate", "testdata/rules/checkout.yaml", "--out", "testdata/rules/no-such-dir/x.yaml"}, "write rules to testdata/rules/no-such-dir/x.yaml"},
		{"unknown flag", []string{"generate", "testdata/rules/checkout.yaml", "--fromat", "prometheus"}, "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, nil, append([]string{"rules"}, tt.args...)...)
			if code != exitError {
				t.Errorf("exit %d, want %d", code, exitError)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, stderr)
			}
		})
	}
}

// TestRulesGenerateExamples runs the example specs in slos/ through the
// real loader and generator, and has promtool load the result.
func TestRulesGenerateExamples(t *testing.T) {
	promtool := promtest.RequireTool(t, "promtool")
	path := filepath.Join(t.TempDir(), "rules.yaml")
	if code, _, stderr := runCLI(t, nil, "rules", "generate", "../../slos", "--out", path); code != exitOK {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	if out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}

func TestRulesGenerateSplitByService(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rules")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A file an earlier run generated for a service that is gone, and a
	// file someone else keeps there.
	stale := filepath.Join(dir, "gone.yaml")
	mine := filepath.Join(dir, "extra.yaml")
	if err := os.WriteFile(stale, []byte(rules.Header+"groups: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mine, []byte("groups: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, nil, "rules", "generate", "testdata/rules/checkout.yaml", "--split-by", "service", "--out", dir)
	if code != exitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr: %s", code, stdout, stderr)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "_slod.yaml checkout.yaml extra.yaml" {
		t.Errorf("files = %s, want the service's, slod's and the foreign one", got)
	}
	b, err := os.ReadFile(filepath.Join(dir, "checkout.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rgs rulefmt.RuleGroups
	if err := yaml.Unmarshal(b, &rgs); err != nil {
		t.Fatal(err)
	}
	if len(rgs.Groups) != 2 || rgs.Groups[0].Name != "slo/checkout/availability" || rgs.Groups[1].Name != "slod/checkout" {
		t.Errorf("checkout.yaml groups = %+v", rgs.Groups)
	}
}

func TestRulesGenerateSplitUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--split-by", "service"},
		{"--split-by", "team", "--out", t.TempDir()},
	} {
		code, _, stderr := runCLI(t, nil, append([]string{"rules", "generate", "testdata/rules/checkout.yaml"}, args...)...)
		if code != exitError || !strings.Contains(stderr, "--split-by") {
			t.Errorf("%v: exit %d, stderr %s; want exit %d naming --split-by", args, code, stderr, exitError)
		}
	}
}
