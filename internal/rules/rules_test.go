package rules

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/rulefmt"
	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/slo"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const day = 24 * time.Hour

// fixtures cover the three SLI shapes (errors/total, good/total, latency
// histogram), rolling and calendar windows, and spec labels.
func fixtures() []slo.Spec {
	return []slo.Spec{
		{
			Service: "search",
			Policy:  slo.Policy{MaxStaleness: 5 * time.Minute},
			SLOs: []slo.SLO{{
				Name:     "Query success",
				Slug:     "query-success",
				Target:   0.995,
				Calendar: "month",
				Location: time.UTC,
				SLI: slo.SLI{Events: &slo.EventsSLI{
					Good:  `sum(rate(search_queries_total{result="ok"}[{{.window}}]))`,
					Total: `sum(rate(search_queries_total[{{.window}}]))`,
				}},
			}},
		},
		{
			Service: "checkout",
			Labels:  map[string]string{"team": "payments", "tier": "1"},
			Policy:  slo.Policy{MaxStaleness: 10 * time.Minute},
			SLOs: []slo.SLO{
				{
					Name:   "latency",
					Slug:   "latency",
					Target: 0.99,
					Window: 7 * day,
					SLI: slo.SLI{Latency: &slo.LatencySLI{
						Metric:    "http_request_duration_seconds",
						Selector:  `{service="checkout"}`,
						Threshold: 500 * time.Millisecond,
						Le:        "0.5",
					}},
				},
				{
					Name:   "availability",
					Slug:   "availability",
					Target: 0.999,
					Window: 30 * day,
					SLI: slo.SLI{Events: &slo.EventsSLI{
						Errors: `sum(rate(http_requests_total{service="checkout",code=~"5.."}[{{.window}}]))`,
						Total:  `sum(rate(http_requests_total{service="checkout"}[{{.window}}]))`,
					}},
				},
			},
		},
	}
}

var goldenOptions = Options{
	RunbookURL:   "https://runbooks.example.com/{{.alert}}",
	DashboardURL: "https://grafana.example.com/d/slo?var-service={{.service}}&var-slo={{.slo}}",
}

func TestGenerateGolden(t *testing.T) {
	for _, f := range []Format{FormatPrometheus, FormatOperator} {
		t.Run(string(f), func(t *testing.T) {
			opts := goldenOptions
			opts.Format = f
			got, err := Generate(fixtures(), opts)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", string(f)+".golden.yaml")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/rules -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s; rerun with -update and review the diff", path)
			}

			// The order of specs and SLOs in the input must not matter.
			specs := fixtures()
			slices.Reverse(specs)
			for i := range specs {
				slices.Reverse(specs[i].SLOs)
			}
			again, err := Generate(specs, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, got) {
				t.Error("output depends on the order of the input specs")
			}
		})
	}
}

// parseRules reads a prometheus-format output back.
func parseRules(t *testing.T, b []byte) rulefmt.RuleGroups {
	t.Helper()
	var rgs rulefmt.RuleGroups
	if err := yaml.Unmarshal(b, &rgs); err != nil {
		t.Fatal(err)
	}
	return rgs
}

// availability is a single-SLO spec with the given window or calendar.
func availability(window time.Duration, calendar slo.Calendar) []slo.Spec {
	return []slo.Spec{{
		Service: "demo",
		SLOs: []slo.SLO{{
			Name: "availability", Slug: "availability", Target: 0.999,
			Window: window, Calendar: calendar,
			SLI: slo.SLI{Events: &slo.EventsSLI{
				Errors: `sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))`,
				Total:  `sum(rate(http_requests_total[{{.window}}]))`,
			}},
		}},
	}}
}

func TestRecordsEveryWindowTheAlertsNeed(t *testing.T) {
	out, err := Generate(availability(30*day, ""), Options{Format: FormatPrometheus})
	if err != nil {
		t.Fatal(err)
	}
	g := parseRules(t, out).Groups[0]
	var got []string
	for _, r := range g.Rules {
		if r.Record != "" {
			got = append(got, r.Record)
		}
	}
	want := []string{
		"slo:sli_errors:rate5m", "slo:sli_total:rate5m",
		"slo:sli_error:ratio_rate5m", "slo:sli_error:ratio_rate30m", "slo:sli_error:ratio_rate1h",
		"slo:sli_error:ratio_rate2h", "slo:sli_error:ratio_rate6h", "slo:sli_error:ratio_rate1d",
		"slo:sli_error:ratio_rate3d", "slo:sli_error:ratio_rate30d",
	}
	if !slices.Equal(got, want) {
		t.Errorf("recordings = %v\nwant %v", got, want)
	}
	for _, r := range g.Rules {
		switch r.Record {
		case "slo:sli_error:ratio_rate30d":
			// Built from the recorded 5m rates, never a 30d range over raw series.
			if strings.Contains(r.Expr, "http_requests_total") || !strings.Contains(r.Expr, "sum_over_time(slo:sli_errors:rate5m") {
				t.Errorf("30d ratio reads raw series or not the recorded rates:\n%s", r.Expr)
			}
		case "slo:sli_error:ratio_rate3d":
			if !strings.Contains(r.Expr, "[3d]") {
				t.Errorf("3d ratio does not query 3d:\n%s", r.Expr)
			}
		}
		if strings.HasPrefix(r.Record, "slo:sli_error:") && !strings.Contains(r.Expr, "> 0)") {
			t.Errorf("%s divides by a total that may be zero:\n%s", r.Record, r.Expr)
		}
	}
}

func TestBurnAlertFactors(t *testing.T) {
	type cond struct{ severity, long, short, threshold string }
	tests := []struct {
		name     string
		window   time.Duration
		calendar slo.Calendar
		want     []cond
	}{
		{"30d", 30 * day, "", []cond{
			{"page", "1h", "5m", "/ 0.001) > 14.4"},
			{"page", "6h", "30m", "/ 0.001) > 6"},
			{"ticket", "1d", "2h", "/ 0.001) > 3"},
			{"ticket", "3d", "6h", "/ 0.001) > 1"},
		}},
		{"28d", 28 * day, "", []cond{
			{"page", "1h", "5m", "> 13.44"},
			{"page", "6h", "30m", "> 5.6"},
			{"ticket", "1d", "2h", "> 2.8"},
			{"ticket", "3d", "6h", "> 1"},
		}},
		// A calendar month alerts like a 30d window.
		{"month", 0, "month", []cond{
			{"page", "1h", "5m", "> 14.4"},
			{"page", "6h", "30m", "> 6"},
			{"ticket", "1d", "2h", "> 3"},
			{"ticket", "3d", "6h", "> 1"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Generate(availability(tt.window, tt.calendar), Options{Format: FormatPrometheus})
			if err != nil {
				t.Fatal(err)
			}
			var got []rulefmt.Rule
			for _, r := range parseRules(t, out).Groups[0].Rules {
				if r.Alert == burnAlert {
					got = append(got, r)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d burn alerts, want %d", len(got), len(tt.want))
			}
			for i, w := range tt.want {
				r := got[i]
				l := r.Labels
				if l["severity"] != w.severity || l["long_window"] != w.long || l["short_window"] != w.short ||
					l["service"] != "demo" || l["slo"] != "availability" {
					t.Errorf("alert %d labels = %v, want %+v", i, l, w)
				}
				// Both windows, each against the factor.
				if strings.Count(r.Expr, w.threshold) != 2 ||
					!strings.Contains(r.Expr, "ratio_rate"+w.long+"{") || !strings.Contains(r.Expr, "ratio_rate"+w.short+"{") {
					t.Errorf("alert %d expr lacks %q over %s and %s:\n%s", i, w.threshold, w.long, w.short, r.Expr)
				}
			}
		})
	}
}

func TestAlertLabelsAndAnnotations(t *testing.T) {
	specs := availability(30*day, "")
	// Spec labels are copied, but cannot override the routing labels.
	specs[0].Labels = map[string]string{"team": "sre", "severity": "low"}
	opts := Options{Format: FormatPrometheus, RunbookURL: "https://rb/{{.service}}/{{.slo}}/{{.severity}}"}
	out, err := Generate(specs, opts)
	if err != nil {
		t.Fatal(err)
	}
	var r rulefmt.Rule // the first alert: page over 1h and 5m
	for _, r = range parseRules(t, out).Groups[0].Rules {
		if r.Alert != "" {
			break
		}
	}
	if r.Labels["long_window"] != "1h" {
		t.Fatalf("first alert is %s %v, want the 1h page", r.Alert, r.Labels)
	}
	if r.Labels["team"] != "sre" || r.Labels["severity"] != "page" {
		t.Errorf("labels = %v", r.Labels)
	}
	if got := r.Annotations["runbook_url"]; got != "https://rb/demo/availability/page" {
		t.Errorf("runbook_url = %q", got)
	}
	if _, ok := r.Annotations["dashboard_url"]; ok {
		t.Error("dashboard_url set without a template")
	}
	d := r.Annotations["description"]
	for _, want := range []string{"14.4x", "2% of the whole error budget", "objective 99.9%", "last 1h", "last 5m"} {
		if !strings.Contains(d, want) {
			t.Errorf("description lacks %q: %s", want, d)
		}
	}
	if r.For.String() != "2m" {
		t.Errorf("page for = %s, want 2m", r.For)
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		ok   bool
	}{
		{"prometheus", Options{Format: FormatPrometheus}, true},
		{"operator with links", Options{Format: FormatOperator, RunbookURL: "https://x/{{.alert}}", DashboardURL: "https://d/{{.service}}"}, true},
		{"unknown format", Options{Format: "yaml"}, false},
		{"empty format", Options{}, false},
		{"template syntax", Options{Format: FormatPrometheus, RunbookURL: "https://x/{{.alert"}, false},
		{"unknown key", Options{Format: FormatPrometheus, DashboardURL: "https://x/{{.team}}"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
			if _, gerr := Generate(availability(30*day, ""), tt.opts); (gerr == nil) != tt.ok {
				t.Errorf("Generate error = %v, want ok=%v", gerr, tt.ok)
			}
		})
	}
}

func TestGenerateRejectsBrokenQuery(t *testing.T) {
	specs := availability(30*day, "")
	specs[0].SLOs[0].SLI.Events.Total = `sum(rate(http_requests_total[{{.window}}])`
	_, err := Generate(specs, Options{Format: FormatPrometheus})
	if err == nil || !strings.Contains(err.Error(), "slo/demo/availability") {
		t.Fatalf("err = %v, want a parse error naming the group", err)
	}
}

func TestOperatorRejectsInvalidKubernetesLabel(t *testing.T) {
	specs := availability(30*day, "")
	specs[0].Labels = map[string]string{"team": "Payments Team"}
	if _, err := Generate(specs, Options{Format: FormatPrometheus}); err != nil {
		t.Fatalf("prometheus format: %v", err)
	}
	if _, err := Generate(specs, Options{Format: FormatOperator}); err == nil || !strings.Contains(err.Error(), "team") {
		t.Fatalf("operator format: err = %v, want the label named", err)
	}
}

func TestNum(t *testing.T) {
	// Computed at run time, as in Generate, so float error shows up.
	target, share := 0.999, 0.02
	tests := []struct {
		in   float64
		want string
	}{
		{1 - target, "0.001"},
		{target * 100, "99.9"},
		{share * float64(30*day) / float64(time.Hour), "14.4"},
		{1 - 0.9999, "0.0001"},
		{1, "1"},
		{600, "600"},
	}
	for _, tt := range tests {
		if got := num(tt.in); got != tt.want {
			t.Errorf("num(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWriteSplitByService(t *testing.T) {
	for _, f := range []Format{FormatPrometheus, FormatOperator} {
		t.Run(string(f), func(t *testing.T) {
			opts := goldenOptions
			opts.Format = f
			whole, err := Generate(fixtures(), opts)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			var joined bytes.Buffer
			err = WriteSplit(fixtures(), opts, func(name string, content []byte) error {
				names = append(names, name)
				body, ok := bytes.CutPrefix(content, []byte(Header))
				if !ok {
					t.Errorf("%s does not start with the header", name)
				}
				if f == FormatPrometheus {
					// Each file is a rule file of its own.
					if n := len(parseRules(t, body).Groups); n == 0 {
						t.Errorf("%s holds no groups", name)
					}
					body = bytes.TrimPrefix(body, []byte("groups:\n"))
				} else if n := bytes.Count(body, []byte("kind: PrometheusRule")); n != 1 {
					t.Errorf("%s holds %d PrometheusRule objects, want 1", name, n)
				}
				if joined.Len() > 0 && f == FormatOperator {
					joined.WriteString("---\n")
				}
				joined.Write(body)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(names, " "); got != "checkout.yaml search.yaml _slod.yaml" {
				t.Errorf("files = %s", got)
			}
			// The files hold exactly what the single file holds, in its order.
			want := bytes.TrimPrefix(whole, []byte(Header))
			if f == FormatPrometheus {
				want = bytes.TrimPrefix(want, []byte("groups:\n"))
			}
			if !bytes.Equal(joined.Bytes(), want) {
				t.Errorf("the split files differ from the single file:\n%s", joined.Bytes())
			}
		})
	}
}

func TestGenerateRejectsScalarQuery(t *testing.T) {
	// The loader accepts a query giving a number, but "x or 0 * (total)"
	// needs instant vectors: Prometheus would refuse the rule.
	specs := availability(30*day, "")
	specs[0].SLOs[0].SLI.Events.Errors = `scalar(sum(rate(http_requests_total{code=~"5.."}[{{.window}}])))`
	_, err := Generate(specs, Options{Format: FormatPrometheus})
	if err == nil || !strings.Contains(err.Error(), "slo/demo/availability") || !strings.Contains(err.Error(), "set operator") {
		t.Fatalf("err = %v, want the set operator refused, naming the group", err)
	}
	var invalid *InvalidError
	if !errors.As(err, &invalid) {
		t.Errorf("err is %T, want an *InvalidError", err)
	}
}

func TestGenerateChecksTemplatesInNames(t *testing.T) {
	// An SLO name lands in alert summaries, which Prometheus expands as
	// templates: one that is a valid template passes, one that is not fails.
	specs := availability(30*day, "")
	specs[0].SLOs[0].Name = "availability {{ $labels.instance }}"
	if _, err := Generate(specs, Options{Format: FormatPrometheus}); err != nil {
		t.Errorf("a name holding a valid template: %v", err)
	}
	specs[0].SLOs[0].Name = "availability {{ nosuchfunction }}"
	_, err := Generate(specs, Options{Format: FormatPrometheus})
	if err == nil || !strings.Contains(err.Error(), "nosuchfunction") {
		t.Errorf("err = %v, want the undefined template function named", err)
	}
}
