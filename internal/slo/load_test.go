package slo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The example specs in slos/ are what the demo and integration tests use.
func TestLoadExamples(t *testing.T) {
	specs, problems := Load("../../slos")
	for _, p := range problems {
		t.Errorf("unexpected problem: %s", p)
	}
	want := []struct {
		service string
		slos    []string // slugs
		windows []string
	}{
		{"billing-jobs", []string{"job-success-rate"}, []string{"1w"}},
		{"checkout", []string{"availability", "latency"}, []string{"30d", "1w"}},
		{"notifications", []string{"availability"}, []string{"month"}},
		{"payments-api", []string{"api-availability", "api-latency-p95", "background-job-success-rate"}, []string{"30d", "1w", "1w"}},
		{"search", []string{"availability"}, []string{"4w"}},
	}
	if len(specs) != len(want) {
		t.Fatalf("loaded %d specs, want %d", len(specs), len(want))
	}
	for i, w := range want {
		s := specs[i]
		var slugs, windows []string
		for _, o := range s.SLOs {
			slugs = append(slugs, o.Slug)
			windows = append(windows, o.WindowLabel())
		}
		if s.Service != w.service || strings.Join(slugs, ",") != strings.Join(w.slos, ",") || strings.Join(windows, ",") != strings.Join(w.windows, ",") {
			t.Errorf("spec %d = %s %v %v, want %s %v %v", i, s.Service, slugs, windows, w.service, w.slos, w.windows)
		}
	}
}

// The checkout example's queries are the ones the integration data feeds.
func TestExampleCheckoutQueries(t *testing.T) {
	specs, problems := Load("../../slos/checkout.yaml")
	if len(problems) > 0 || len(specs) != 1 {
		t.Fatalf("Load = %d specs, %v", len(specs), problems)
	}
	tests := []struct{ bad, total string }{
		{
			`sum(rate(http_requests_total{service="checkout",code=~"5.."}[1h]))`,
			`sum(rate(http_requests_total{service="checkout"}[1h]))`,
		},
		{
			`sum(rate(http_request_duration_seconds_count{service="checkout"}[1h])) - sum(rate(http_request_duration_seconds_bucket{service="checkout",le="0.3"}[1h]))`,
			`sum(rate(http_request_duration_seconds_count{service="checkout"}[1h]))`,
		},
	}
	for i, tt := range tests {
		bad, total := specs[0].SLOs[i].Queries("1h")
		if bad != tt.bad || total != tt.total {
			t.Errorf("slos[%d] queries =\n  %s\n  %s\nwant\n  %s\n  %s", i, bad, total, tt.bad, tt.total)
		}
	}
}

func TestLoadDuplicateServiceAcrossFiles(t *testing.T) {
	specs, problems := Load("testdata/dup")
	if len(specs) != 0 {
		t.Errorf("loaded %d specs, want none: both files claim checkout", len(specs))
	}
	// README.txt is not a spec; a.yaml and b.yml each name the other.
	want := []Problem{
		{File: "testdata/dup/a.yaml", Line: 1, Field: "service", Message: `service "checkout" is also defined in testdata/dup/b.yml:3; service names must be unique across files`},
		{File: "testdata/dup/b.yml", Line: 3, Field: "service", Message: `service "checkout" is also defined in testdata/dup/a.yaml:1; service names must be unique across files`},
	}
	if len(problems) != len(want) {
		t.Fatalf("problems = %v, want %v", problems, want)
	}
	for i := range want {
		if problems[i] != want[i] {
			t.Errorf("problem %d = %s\nwant        %s", i, problems[i], want[i])
		}
	}
}

func TestLoadPaths(t *testing.T) {
	dir := t.TempDir()
	empty := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	checkout, err := os.ReadFile("../../slos/checkout.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write("checkout.yaml", string(checkout))
	write("broken.yml", "service: broken\nslos: []\n")
	write("notes.md", "# not a spec")
	if err := os.Mkdir(filepath.Join(dir, "nested.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.yaml")

	// The folder and one of its files: each file is read once.
	specs, problems := Load(dir, filepath.Join(dir, "checkout.yaml"), missing, empty)
	if len(specs) != 1 || specs[0].Service != "checkout" || specs[0].File != filepath.Join(dir, "checkout.yaml") {
		t.Errorf("specs = %+v, want only checkout from %s", specs, dir)
	}
	want := []struct {
		file, fragment string
		line           int
	}{
		{missing, "cannot read", 0},
		{empty, "no *.yaml or *.yml spec files", 0},
		{filepath.Join(dir, "broken.yml"), "at least one SLO", 2},
	}
	if len(problems) != len(want) {
		t.Fatalf("problems = %v, want %d", problems, len(want))
	}
	for i, w := range want {
		p := problems[i]
		if p.File != w.file || p.Line != w.line || !strings.Contains(p.Message, w.fragment) {
			t.Errorf("problem %d = %s, want %s:%d ...%s...", i, p, w.file, w.line, w.fragment)
		}
	}
}
