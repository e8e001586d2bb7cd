package slo

import (
	"strings"
	"testing"
	"time"
)

const maintenanceSpec = `service: checkout
slos:
  - name: availability
    target: 99.9%
    window: 30d
    sli:
      events:
        errors: sum(rate(e[{{.window}}]))
        total: sum(rate(t[{{.window}}]))
policy:
  block_after_suspect_deploy: 1h
  suspect_burn_multiple: 3x
maintenance:
  - {cron: "0 2 * * SUN", duration: 1h}
  - {cron: "30 12 * * *", duration: 15m, slos: [availability]}
`

func TestMaintenanceAndSuspectPolicy(t *testing.T) {
	sp, problems := Parse("slo.yaml", []byte(maintenanceSpec))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if sp.Policy.BlockAfterSuspectDeploy != time.Hour || sp.Policy.SuspectBurnMultiple != 3 {
		t.Fatalf("policy %+v: want a 1h block at 3x", sp.Policy)
	}
	if len(sp.Maintenance) != 2 || sp.Maintenance[1].SLOs[0] != "availability" {
		t.Fatalf("maintenance %+v", sp.Maintenance)
	}
	// 2026-11-29 is a Sunday: its 02:00-03:00 window overlaps from
	// 02:30; the next Sunday's lies past to.
	from, to := time.Date(2026, 11, 29, 2, 30, 0, 0, time.UTC), time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	got := sp.Maintenance[0].Occurrences(from, to)
	if len(got) != 1 || !got[0][0].Equal(time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)) || !got[0][1].Equal(time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)) {
		t.Fatalf("occurrences %v", got)
	}
	// Daily at 12:30 for 7 days from 02:30 on Sunday: 7 windows.
	if n := len(sp.Maintenance[1].Occurrences(from, to)); n != 7 {
		t.Fatalf("%d daily occurrences, want 7", n)
	}
}

func TestMaintenanceProblems(t *testing.T) {
	for _, tt := range []struct{ entry, field, fragment string }{
		{`{cron: "nonsense", duration: 1h}`, "maintenance[0].cron", "not a cron schedule"},
		{`{cron: "*/10 * * * *", duration: 5m}`, "maintenance[0].cron", "more often than hourly"},
		{`{cron: "0 2 * * SUN", duration: 2d}`, "maintenance[0].duration", "longer than 1d"},
		{`{cron: "0 2 * * SUN"}`, "maintenance[0].duration", "missing"},
		{`{cron: "0 2 * * SUN", duration: 1h, slos: [latency]}`, "maintenance[0].slos", `"latency" is not an SLO`},
	} {
		spec := strings.Replace(maintenanceSpec, `{cron: "0 2 * * SUN", duration: 1h}`, tt.entry, 1)
		_, problems := Parse("slo.yaml", []byte(spec))
		if len(problems) != 1 || problems[0].Field != tt.field || problems[0].Line != 14 || !strings.Contains(problems[0].Message, tt.fragment) {
			t.Errorf("%s: problems %v, want one on line 14 at %s saying %q", tt.entry, problems, tt.field, tt.fragment)
		}
	}
	spec := strings.Replace(maintenanceSpec, "3x", "0.5", 1)
	if _, problems := Parse("slo.yaml", []byte(spec)); len(problems) != 1 || problems[0].Field != "policy.suspect_burn_multiple" || problems[0].Line != 12 {
		t.Errorf("suspect_burn_multiple 0.5: %v", problems)
	}
}
