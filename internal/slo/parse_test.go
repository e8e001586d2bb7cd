package slo

import (
	"os"
	"reflect"
	"testing"
	"time"
)

// parseFile parses a testdata file, failing the test on any problem.
func parseFile(t *testing.T, path string) Spec {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	spec, problems := Parse(path, data)
	for _, p := range problems {
		t.Errorf("unexpected problem: %s", p)
	}
	return spec
}

// wantSLO is what a test checks of one loaded SLO.
type wantSLO struct {
	name, slug string
	target     float64
	window     time.Duration
	label      string
	location   string
	kind       string // "events" or "latency"
	le         string
}

func checkSLOs(t *testing.T, got []SLO, want []wantSLO) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d SLOs, want %d", len(got), len(want))
	}
	for i, w := range want {
		o := got[i]
		kind := "events"
		if o.SLI.Latency != nil {
			kind = "latency"
		}
		le := ""
		if o.SLI.Latency != nil {
			le = o.SLI.Latency.Le
		}
		if o.Name != w.name || o.Slug != w.slug || o.Target != w.target || o.Window != w.window ||
			o.WindowLabel() != w.label || o.Location.String() != w.location || kind != w.kind || le != w.le {
			t.Errorf("slos[%d] = {%q %q %v %v %q %q %s %q}, want %+v", i, o.Name, o.Slug, o.Target, o.Window,
				o.WindowLabel(), o.Location, kind, le, w)
		}
	}
}

// The seed's section 7 example, with only sli blocks added, must load.
func TestParseSeedExample(t *testing.T) {
	spec := parseFile(t, "testdata/seed-payment-api.yaml")
	// No service: field, so the name comes from the file name.
	if spec.Service != "seed-payment-api" {
		t.Errorf("service = %q, want seed-payment-api", spec.Service)
	}
	checkSLOs(t, spec.SLOs, []wantSLO{
		{"API Availability", "api-availability", 0.999, 30 * day, "30d", "UTC", "events", ""},
		{"API Latency (p95)", "api-latency-p95", 0.95, 7 * day, "1w", "UTC", "latency", "0.5"},
		{"Background Job Success Rate", "background-job-success-rate", 0.995, 7 * day, "1w", "UTC", "events", ""},
	})
	if lat := spec.SLOs[1].SLI.Latency; lat.Threshold != 500*time.Millisecond || lat.Metric != "http_request_duration_seconds" {
		t.Errorf("latency = %+v, want threshold 500ms on http_request_duration_seconds", lat)
	}
	want := DefaultPolicy()
	want.Thresholds[0].Action = "freeze_releases"
	want.Thresholds[0].Actions = []string{"focus_on_reliability", "mandatory_postmortems"}
	want.HealthyActions = []string{"normal_release_cadence", "invest_in_features"}
	if !reflect.DeepEqual(spec.Policy, want) {
		t.Errorf("policy = %+v\nwant     %+v", spec.Policy, want)
	}
}

func TestParseCalendarAndExplicitPolicy(t *testing.T) {
	spec := parseFile(t, "testdata/valid/calendar-week-berlin.yaml")
	checkSLOs(t, spec.SLOs, []wantSLO{
		{"Availability", "availability", 0.9995, 0, "week", "Europe/Berlin", "events", ""},
		{"Slow pages", "slow-pages", 0.985, 90 * time.Minute, "1h30m", "UTC", "latency", "1"},
	})
	want := Policy{
		Thresholds: []Threshold{
			// budget_exhausted adds the 100% threshold the list lacks.
			{Consumed: 1, Action: "freeze_releases", Allow: []Priority{PriorityCritical, PriorityRollback}},
			{Consumed: 0.9, Action: "limit_releases", Allow: []Priority{PriorityCritical, PriorityRollback}},
			{Consumed: 0.25, Action: "notify_team"},
		},
		BlockOnFastBurn: false,
		OnMissingData:   OnMissingDeny,
		MaxStaleness:    5 * time.Minute,
		NoSeriesGrace:   30 * time.Minute,
		MinEvents:       100,
		// The default multiple; blocking after a suspect deploy is opt-in.
		SuspectBurnMultiple: 2,
	}
	if !reflect.DeepEqual(spec.Policy, want) {
		t.Errorf("policy = %+v\nwant     %+v", spec.Policy, want)
	}
}

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	want := Policy{
		Thresholds: []Threshold{
			{Consumed: 1, Action: "freeze_releases", Actions: []string{"mandatory_postmortem"}, Allow: []Priority{PriorityCritical, PriorityRollback}},
			{Consumed: 0.75, Action: "limit_releases", Allow: []Priority{PriorityCritical, PriorityRollback}},
			{Consumed: 0.5, Action: "increase_monitoring"},
		},
		BlockOnFastBurn:     true,
		OnMissingData:       "deny",
		MaxStaleness:        10 * time.Minute,
		NoSeriesGrace:       10 * time.Minute,
		MinEvents:           100,
		SuspectBurnMultiple: 2,
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("DefaultPolicy() = %+v\nwant %+v", p, want)
	}
	// Each call is a fresh copy: changing one must not change the next.
	p.Thresholds[0].Actions[0] = "changed"
	if DefaultPolicy().Thresholds[0].Actions[0] != "mandatory_postmortem" {
		t.Error("DefaultPolicy shares its slices between calls")
	}
}

// Every problem of a file is reported in one pass, sorted by line.
func TestParseReportsAllProblems(t *testing.T) {
	const doc = `service: Bad_Name
slos:
  - name: a
    target: 120%
    window: 5x
    sli:
      events:
        total: up
  - name: A
    targte: 99%
`
	_, problems := Parse("multi.yaml", []byte(doc))
	want := []struct {
		line  int
		field string
	}{
		{1, "service"},
		{4, "slos[0].target"},
		{5, "slos[0].window"},
		{8, "slos[0].sli.events.total"},
		{8, "slos[0].sli.events.errors"},
		{9, "slos[1].window"},
		{9, "slos[1].target"},
		{9, "slos[1].sli"},
		{9, "slos[1].name"},
		{10, "slos[1].targte"},
	}
	if len(problems) != len(want) {
		for _, p := range problems {
			t.Log(p)
		}
		t.Fatalf("got %d problems, want %d", len(problems), len(want))
	}
	for i, w := range want {
		p := problems[i]
		if p.File != "multi.yaml" || p.Line != w.line || p.Field != w.field {
			t.Errorf("problem %d = %s, want line %d field %s", i, p, w.line, w.field)
		}
	}
}

// Parse returns no spec at all when there are problems.
func TestParseInvalidReturnsZeroSpec(t *testing.T) {
	spec, problems := Parse("x.yaml", []byte("service: checkout\nslos: []\n"))
	if len(problems) != 1 || !reflect.DeepEqual(spec, Spec{}) {
		t.Errorf("Parse = %+v, %v; want zero spec and one problem", spec, problems)
	}
}

func TestParseSpecFields(t *testing.T) {
	const doc = `service: checkout
owner: team-payments
labels: {tier: "1", region: eu}
slos:
  - name: availability
    description: Successful requests
    target: 99.9
    window: 30d
    sli:
      events:
        errors: sum(rate(e[{{.window}}]))
        total: sum(rate(t[{{.window}}]))
`
	spec, problems := Parse("slos/checkout.yaml", []byte(doc))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if spec.File != "slos/checkout.yaml" || spec.Service != "checkout" || spec.Owner != "team-payments" ||
		!reflect.DeepEqual(spec.Labels, map[string]string{"tier": "1", "region": "eu"}) {
		t.Errorf("spec = %+v", spec)
	}
	o := spec.SLOs[0]
	wantEvents := EventsSLI{Errors: "sum(rate(e[{{.window}}]))", Total: "sum(rate(t[{{.window}}]))"}
	if o.Description != "Successful requests" || o.Target != 0.999 || o.Calendar != "" || *o.SLI.Events != wantEvents {
		t.Errorf("slo = %+v, events %+v", o, o.SLI.Events)
	}
}
