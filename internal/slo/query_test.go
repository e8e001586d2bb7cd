package slo

import (
	"strings"
	"testing"
	"text/template"
	"time"
)

func TestQueries(t *testing.T) {
	lat := func(metric, sel string, th time.Duration) SLO {
		return SLO{SLI: SLI{Latency: &LatencySLI{Metric: metric, Selector: sel, Threshold: th}}}
	}
	tests := []struct {
		name       string
		o          SLO
		rng        string
		bad, total string
	}{
		{
			name: "errors and total",
			o: SLO{SLI: SLI{Events: &EventsSLI{
				Errors: `sum(rate(e{a="b"}[{{.window}}]))`,
				Total:  `sum(rate(t[{{ .window }}]))`,
			}}},
			rng:   "30d",
			bad:   `sum(rate(e{a="b"}[30d]))`,
			total: `sum(rate(t[30d]))`,
		},
		{
			name:  "good only",
			o:     SLO{SLI: SLI{Events: &EventsSLI{Good: `sum(rate(g[{{.window}}]))`, Total: `sum(rate(t[{{.window}}]))`}}},
			rng:   "2318400s",
			bad:   `(sum(rate(t[2318400s]))) - (sum(rate(g[2318400s])))`,
			total: `sum(rate(t[2318400s]))`,
		},
		{
			name:  "latency fractional bound",
			o:     lat("http_request_duration_seconds", `{service="checkout", code!~"5.."}`, 500*time.Millisecond),
			rng:   "5m",
			bad:   `sum(rate(http_request_duration_seconds_count{service="checkout",code!~"5.."}[5m])) - sum(rate(http_request_duration_seconds_bucket{service="checkout",code!~"5..",le="0.5"}[5m]))`,
			total: `sum(rate(http_request_duration_seconds_count{service="checkout",code!~"5.."}[5m]))`,
		},
		{
			name:  "latency integral bound matches 1 and 1.0",
			o:     lat("rpc_seconds", "", time.Second),
			rng:   "1h",
			bad:   `sum(rate(rpc_seconds_count[1h])) - sum(rate(rpc_seconds_bucket{le=~"1|1\\.0"}[1h]))`,
			total: `sum(rate(rpc_seconds_count[1h]))`,
		},
		{
			name:  "latency 10s, empty braces",
			o:     lat("rpc_seconds", "{}", 10*time.Second),
			rng:   "1h",
			bad:   `sum(rate(rpc_seconds_count[1h])) - sum(rate(rpc_seconds_bucket{le=~"10|10\\.0"}[1h]))`,
			total: `sum(rate(rpc_seconds_count[1h]))`,
		},
		{
			name:  "latency 300ms, single quotes re-rendered",
			o:     lat("rpc_seconds", `{job='api',path="/a\"b"}`, 300*time.Millisecond),
			rng:   "7d",
			bad:   `sum(rate(rpc_seconds_count{job="api",path="/a\"b"}[7d])) - sum(rate(rpc_seconds_bucket{job="api",path="/a\"b",le="0.3"}[7d]))`,
			total: `sum(rate(rpc_seconds_count{job="api",path="/a\"b"}[7d]))`,
		},
		{
			name:  "latency 2.5s",
			o:     lat("rpc_seconds", `{job="api"}`, 2500*time.Millisecond),
			rng:   "5m",
			bad:   `sum(rate(rpc_seconds_count{job="api"}[5m])) - sum(rate(rpc_seconds_bucket{job="api",le="2.5"}[5m]))`,
			total: `sum(rate(rpc_seconds_count{job="api"}[5m]))`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad, total := tt.o.Queries(tt.rng)
			if bad != tt.bad {
				t.Errorf("bad =\n  %s\nwant\n  %s", bad, tt.bad)
			}
			if total != tt.total {
				t.Errorf("total =\n  %s\nwant\n  %s", total, tt.total)
			}
			for _, q := range []string{bad, total} {
				if _, err := promql.ParseExpr(q); err != nil {
					t.Errorf("query %s does not parse: %v", q, err)
				}
			}
		})
	}
}

func TestCheckQuery(t *testing.T) {
	tests := []struct {
		q       string
		want    string // canonical form; "" when an error is expected
		wantErr string
	}{
		{`sum(rate(x{a="b"}[{{.window}}]))`, `sum(rate(x{a="b"}[5m]))`, ""},
		{"sum( rate(x[{{- .window -}}]) )", `sum(rate(x[5m]))`, ""},
		{`sum(rate(x[{{.window}}])) / 2`, `sum(rate(x[5m])) / 2`, ""},
		{`rate(x[5m])`, "", "does not use {{.window}}"},
		{`rate(x[{{.windw}}])`, "", "only {{.window}} may be used"},
		{`rate(x[{{range 9}}{{end}}{{.window}}])`, "", "only {{.window}} may be used"},
		{`rate(x[{{$w := .window}}{{$w}}])`, "", "only {{.window}} may be used"},
		{`rate(x[{{.window | printf "%s"}}])`, "", "only {{.window}} may be used"},
		{`rate(x[{{.window}]`, "", "invalid template"},
		{`sum(rate(x[{{.window}}])`, "", "invalid PromQL"},
		{`x[{{.window}}]`, "", "range vector"},
		{`"a{{.window}}"`, "", "gives a string"},
	}
	for _, tt := range tests {
		got, err := checkQuery(tt.q)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("checkQuery(%q) error = %v, want it to contain %q", tt.q, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("checkQuery(%q) = %q, %v; want %q", tt.q, got, err, tt.want)
		}
	}
}

func TestParseSelector(t *testing.T) {
	tests := []struct {
		sel     string
		want    string // re-rendered
		wantErr string
	}{
		{`{service="checkout"}`, `{service="checkout"}`, ""},
		{` { a = "b" , c =~ "d.*" } `, `{a="b",c=~"d.*"}`, ""},
		{"", "", ""},
		{"{}", "", ""},
		{`service="checkout"`, "", "write it in braces"},
		{`http_requests_total{a="b"}`, "", "write it in braces"},
		{`{a="b"`, "", "write it in braces"},
		{`{a=b}`, "", "invalid selector"},
		{`{__name__="x"}`, "", "must not match __name__"},
		{`{le="0.5"}`, "", "must not match le"},
	}
	for _, tt := range tests {
		ms, err := parseSelector(tt.sel)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseSelector(%q) error = %v, want it to contain %q", tt.sel, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseSelector(%q): %v", tt.sel, err)
			continue
		}
		if got := formatSelector(ms); got != tt.want {
			t.Errorf("parseSelector(%q) renders as %q, want %q", tt.sel, got, tt.want)
		}
	}
}

func TestGoodQuery(t *testing.T) {
	tests := []struct {
		name string
		sli  SLI
		want string
	}{
		{"errors-based has none", SLI{Events: &EventsSLI{Errors: "sum(rate(e[{{.window}}]))", Total: "sum(rate(t[{{.window}}]))"}}, ""},
		{"good-based", SLI{Events: &EventsSLI{Good: "sum(rate(g[{{.window}}]))", Total: "sum(rate(t[{{.window}}]))"}}, "sum(rate(g[1h]))"},
		{"latency bucket", SLI{Latency: &LatencySLI{Metric: "http_request_duration_seconds", Selector: `{service="checkout"}`, Threshold: 300 * time.Millisecond}},
			`sum(rate(http_request_duration_seconds_bucket{service="checkout",le="0.3"}[1h]))`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (SLO{SLI: tt.sli}).GoodQuery("1h"); got != tt.want {
				t.Errorf("GoodQuery = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRenderQueryShortcut checks that replacing {{.window}} gives what
// executing the query as a template gives, and that anything else is
// left to the template.
func TestRenderQueryShortcut(t *testing.T) {
	for _, q := range []string{
		`sum(rate(x[{{.window}}]))`,
		`x[{{.window}}] / y[{{.window}}]`,
		`x{a="}}"}[{{.window}}]}`,
		`{{{.window}}`,
		`{{.window}}}`,
		`{{ .window }}`,
		`{{- .window}} x`,
		`x{{.window}}{{.window}}`,
		`no window`,
		`{{.windo}}`,
		`{{"{{"}}{{.window}}`,
	} {
		shortcut := windowOnly(q)
		want := q // what renderQuery returns for a template that fails
		if tpl, err := template.New("q").Option("missingkey=error").Parse(q); err == nil {
			if s, err := render(tpl, "1h"); err == nil {
				want = s
			}
		}
		if got := renderQuery(q, "1h"); got != want {
			t.Errorf("renderQuery(%q) = %q, the template gives %q (shortcut %v)", q, got, want, shortcut)
		}
	}
	if !windowOnly(`sum(rate(x[{{.window}}]))`) || windowOnly(`{{ .window }}`) || windowOnly(`{{{.window}}`) {
		t.Error("windowOnly takes the wrong queries")
	}
}
