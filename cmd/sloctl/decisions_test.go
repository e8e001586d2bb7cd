package main

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
)

func sampleDecisions() []api.DecisionRecord {
	at := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	return []api.DecisionRecord{
		{ID: 12, At: at, Service: "checkout", Priority: "normal", Version: "abc123", Actor: "octocat",
			Pipeline: "https://github.com/acme/shop/actions/runs/99", Decision: api.DecisionDeny,
			Reasons: []api.Reason{exhausted, exhausted}, Actions: []string{"freeze_releases"}, RequestID: "r-1"},
		{ID: 11, At: at.Add(-time.Hour), Service: "checkout", Priority: "rollback", Decision: api.DecisionAllow, Allowed: true,
			Reasons: []api.Reason{}, Actions: []string{}, Stale: true},
	}
}

func TestDecisions(t *testing.T) {
	env := cleanEnv()
	f := newFakeSlod(t, func(w http.ResponseWriter, r *http.Request) {
		answer(t, w, 200, map[string]any{"decisions": sampleDecisions()})
	})
	code, out, errOut := runCLI(t, env, "decisions", "--service", "checkout", "--limit", "5", "--server", f.URL)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `ID  TIME                  SERVICE   PRIORITY  DECISION       VERSION  ACTOR    REASONS
12  2026-11-27T18:00:00Z  checkout  normal    deny           abc123   octocat  budget_exhausted
11  2026-11-27T17:00:00Z  checkout  rollback  allow (stale)  -        -        -
`
	if out != want {
		t.Errorf("table:\n%s\nwant:\n%s", out, want)
	}
	seen := f.seen()
	if len(seen) != 1 || seen[0].Path != "/api/v1/decisions" || seen[0].Query != "limit=5&service=checkout" {
		t.Errorf("requests %+v", seen)
	}

	code, out, _ = runCLI(t, env, "decisions", "-o", "json", "--server", f.URL)
	var got struct{ Decisions []api.DecisionRecord }
	if err := json.Unmarshal([]byte(out), &got); code != exitOK || err != nil {
		t.Fatalf("exit %d, %v: %s", code, err, out)
	}
	if !reflect.DeepEqual(got.Decisions, sampleDecisions()) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got.Decisions, sampleDecisions())
	}
	if q := f.seen()[1].Query; q != "limit=20" {
		t.Errorf("default query = %q, want limit=20", q)
	}
}
