package main

import (
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/slo"
)

// gateAnswering is a fake slod whose can-deploy answers status with body
// (a api.Decision for 200, a problem detail otherwise).
func gateAnswering(t *testing.T, status int, d api.Decision, detail string) *fakeSlod {
	return newFakeSlod(t, func(w http.ResponseWriter, r *http.Request) {
		if status == http.StatusOK {
			answer(t, w, status, d)
			return
		}
		problem(w, status, detail)
	})
}

func TestCanDeployExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		decision   api.Decision
		failOpen   bool
		timeout    string // for answers that are retried until it runs out
		wantCode   int
		wantOut    string
		wantErr    string // stderr must contain this; "" means stderr must be empty
		wantTrying int    // requests the fake must see; -1 for "retried"
	}{
		{name: "allow", status: 200, decision: decision(api.DecisionAllow), wantCode: exitOK,
			wantOut: "ALLOW checkout (normal deploy): all SLOs within budget\n", wantTrying: 1},
		{name: "warn", status: 200, decision: decision(api.DecisionWarn, threshold), wantCode: exitOK,
			wantOut: "WARN checkout (normal deploy): budget threshold\n", wantTrying: 1},
		{name: "deny", status: 200, decision: decision(api.DecisionDeny, exhausted), wantCode: exitNo,
			wantOut: "DENY checkout (normal deploy): budget exhausted\n", wantTrying: 1},
		{name: "deny with fail-open", status: 200, decision: decision(api.DecisionDeny, exhausted), failOpen: true, wantCode: exitNo,
			wantOut: "DENY checkout", wantTrying: 1},
		{name: "unknown service", status: 404, wantCode: exitError,
			wantErr: "sloctl: Not Found: service \"checkout\" is not configured\n", wantTrying: 1},
		{name: "unknown service with fail-open", status: 404, failOpen: true, wantCode: exitError,
			wantErr: "sloctl: Not Found: service \"checkout\" is not configured\n", wantTrying: 1},
		// A POST is not idempotent: a plain 500 may have been logged, so it
		// is not retried.
		{name: "server error", status: 500, wantCode: exitError,
			wantErr: "sloctl: Internal Server Error: service \"checkout\" is not configured\n", wantTrying: 1},
		{name: "server error with fail-open", status: 500, failOpen: true, wantCode: exitOK,
			wantErr: "sloctl: WARNING: FAIL-OPEN: the SLO gate did not run for checkout (Internal Server Error:", wantTrying: 1},
		// Load shedding is retried, then counts as slod failing.
		{name: "overloaded with fail-open", status: 429, failOpen: true, timeout: "300ms", wantCode: exitOK,
			wantErr: "sloctl: WARNING: FAIL-OPEN: the SLO gate did not run for checkout (Too Many Requests:", wantTrying: -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := cleanEnv()
			f := gateAnswering(t, tc.status, tc.decision, `service "checkout" is not configured`)
			args := []string{"can-deploy", "checkout", "--server", f.URL}
			if tc.failOpen {
				args = append(args, "--fail-open")
			}
			if tc.timeout != "" {
				args = append(args, "--timeout", tc.timeout)
			}
			code, out, errOut := runCLI(t, env, args...)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, out, errOut)
			}
			if !strings.HasPrefix(out, tc.wantOut) {
				t.Errorf("stdout does not start with %q:\n%s", tc.wantOut, out)
			}
			if tc.wantErr == "" && errOut != "" || !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", errOut, tc.wantErr)
			}
			if strings.Contains(errOut, "{") {
				t.Errorf("stderr shows raw JSON: %s", errOut)
			}
			if n := len(f.seen()); tc.wantTrying == -1 && n < 2 || tc.wantTrying > 0 && n != tc.wantTrying {
				t.Errorf("%d requests, want %d (-1: retried)", n, tc.wantTrying)
			}
		})
	}
}

func TestCanDeployUnreachable(t *testing.T) {
	env := cleanEnv()
	server := closedAddr(t)

	code, out, errOut := runCLI(t, env, "can-deploy", "checkout", "--server", server, "--timeout", "300ms")
	if code != exitError {
		t.Errorf("exit %d, want %d", code, exitError)
	}
	if out != "" {
		t.Errorf("stdout = %q, want nothing", out)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	last := lines[len(lines)-1]
	if want := "sloctl: cannot reach slod at " + server + ": connect: connection refused"; last != want {
		t.Errorf("last stderr line = %q, want %q", last, want)
	}
	// Dial errors are retried even for a POST: the check never reached slod.
	if !strings.Contains(errOut, "retrying in") {
		t.Errorf("no retry reported:\n%s", errOut)
	}

	code, _, errOut = runCLI(t, env, "can-deploy", "checkout", "--server", server, "--timeout", "300ms", "--fail-open")
	if code != exitOK {
		t.Errorf("fail-open: exit %d, want %d", code, exitOK)
	}
	if !strings.Contains(errOut, "WARNING: FAIL-OPEN: the SLO gate did not run for checkout (cannot reach slod at "+server) {
		t.Errorf("fail-open: no warning naming the server:\n%s", errOut)
	}
}

func TestCanDeployRetriesOn503(t *testing.T) {
	env := cleanEnv()
	attempts := 0
	f := newFakeSlod(t, func(w http.ResponseWriter, r *http.Request) {
		attempts++
		if attempts <= 2 {
			problem(w, http.StatusServiceUnavailable, "starting up")
			return
		}
		answer(t, w, 200, decision(api.DecisionAllow))
	})
	code, out, errOut := runCLI(t, env, "can-deploy", "checkout", "--server", f.URL)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\nstderr: %s", code, errOut)
	}
	if attempts != 3 {
		t.Errorf("%d attempts, want 3 (two 503s, then the answer)", attempts)
	}
	if n := strings.Count(errOut, "sloctl: Service Unavailable: starting up; retrying in"); n != 2 {
		t.Errorf("%d retries reported, want 2:\n%s", n, errOut)
	}
	if !strings.HasPrefix(out, "ALLOW checkout") {
		t.Errorf("stdout = %q", out)
	}
}

func TestCanDeployDoesNotRetry400(t *testing.T) {
	env := cleanEnv()
	f := gateAnswering(t, http.StatusBadRequest, api.Decision{}, "priority: must be normal, critical or rollback")
	code, _, errOut := runCLI(t, env, "can-deploy", "checkout", "--server", f.URL, "--fail-open")
	if code != exitError {
		t.Errorf("exit %d, want %d", code, exitError)
	}
	if n := len(f.seen()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if want := "sloctl: Bad Request: priority: must be normal, critical or rollback\n"; errOut != want {
		t.Errorf("stderr = %q, want %q", errOut, want)
	}
}

func TestCanDeployUsageErrors(t *testing.T) {
	env := cleanEnv()
	f := gateAnswering(t, 200, decision(api.DecisionAllow), "")
	for _, args := range [][]string{
		{"can-deploy", "checkout", "--priority", "urgent"},
		{"can-deploy", "checkout", "--output", "yaml"},
		{"can-deploy"},
		{"can-deploy", "checkout", "--bogus"},
	} {
		code, _, errOut := runCLI(t, env, append(args, "--server", f.URL)...)
		if code != exitError {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, exitError, errOut)
		}
	}
	if n := len(f.seen()); n != 0 {
		t.Errorf("usage errors made %d requests", n)
	}
}

func TestCanDeployRequestFromCIEnv(t *testing.T) {
	env := cleanEnv()
	env["GITHUB_ACTOR"] = "octocat"
	env["GITHUB_SHA"] = "abc123"
	env["GITHUB_SERVER_URL"] = "https://github.com"
	env["GITHUB_REPOSITORY"] = "acme/shop"
	env["GITHUB_RUN_ID"] = "99"
	f := gateAnswering(t, 200, decision(api.DecisionAllow), "")

	if code, _, errOut := runCLI(t, env, "can-deploy", "checkout", "--server", f.URL, "--priority", "critical"); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, env, "can-deploy", "checkout", "--server", f.URL, "--version", "v2", "--actor", "alice", "--pipeline", "https://ci/1"); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	seen := f.seen()
	if len(seen) != 2 {
		t.Fatalf("%d requests, want 2", len(seen))
	}
	want := []api.CanDeployRequest{
		{Priority: "critical", Version: "abc123", Actor: "octocat", Pipeline: "https://github.com/acme/shop/actions/runs/99"},
		// Flags win over the environment.
		{Priority: "normal", Version: "v2", Actor: "alice", Pipeline: "https://ci/1"},
	}
	for i, r := range seen {
		if r.Method != http.MethodPost || r.Path != "/api/v1/services/checkout/can-deploy" {
			t.Errorf("request %d: %s %s", i, r.Method, r.Path)
		}
		var got api.CanDeployRequest
		if err := json.Unmarshal(r.Body, &got); err != nil {
			t.Fatalf("request %d body %s: %v", i, r.Body, err)
		}
		if got != want[i] {
			t.Errorf("request %d = %+v, want %+v", i, got, want[i])
		}
	}

	// GitLab: pipeline URL and login from its variables.
	env = cleanEnv()
	env["GITLAB_USER_LOGIN"] = "gitlab-user"
	env["CI_PIPELINE_URL"] = "https://gitlab.example/acme/shop/-/pipelines/7"
	env["CI_COMMIT_SHA"] = "def456"
	if code, _, errOut := runCLI(t, env, "can-deploy", "checkout", "--server", f.URL); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got api.CanDeployRequest
	if err := json.Unmarshal(f.seen()[2].Body, &got); err != nil {
		t.Fatal(err)
	}
	if wantGL := (api.CanDeployRequest{Priority: "normal", Version: "def456", Actor: "gitlab-user", Pipeline: "https://gitlab.example/acme/shop/-/pipelines/7"}); got != wantGL {
		t.Errorf("GitLab request = %+v, want %+v", got, wantGL)
	}
}

func TestCanDeployTextOutput(t *testing.T) {
	env := cleanEnv()
	f := gateAnswering(t, 200, decision(api.DecisionDeny, exhausted, threshold), "")
	code, out, _ := runCLI(t, env, "can-deploy", "checkout", "--server", f.URL)
	if code != exitNo {
		t.Fatalf("exit %d, want %d", code, exitNo)
	}
	for _, want := range []string{
		"DENY checkout (normal deploy): budget exhausted, budget threshold\n",
		"  - availability: error budget exhausted: 142% consumed (budget_exhausted)\n",
		"  - latency: 48% of the error budget consumed (budget_threshold)\n",
		"Budgets (evaluated 2026-11-27T18:00:00Z):\n",
		"  availability: target 99.9% over 30d, SLI 99.858%, measured 2026-11-27T18:00:00Z\n",
		// Worked from the fixture: remaining -0.42, 1420 of 1000, -18.144 of 43.2 min.
		"    budget remaining -42.0% (1420 of 1000 allowed failures used; -18.1 of 43.2 min left)\n",
		"    burn rates: 5m 0.8x, 30m 2.5x, 1h 1.1x\n",
		"    budget exhausted\n",
		"  latency: target 99% over 7d, SLI 99.520%, measured 2026-11-27T18:00:00Z\n",
		"    budget remaining 52.0% (240 of 500 allowed failures used; 52.4 of 100.8 min left)\n",
		"    at the current burn the budget runs out in 3d 4h\n",
		"sloctl can-deploy checkout --priority critical",
		`sloctl override create checkout --reason "..." --for 2h`,
		"sloctl can-deploy checkout --priority rollback",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The page alert of the fixture is not firing.
	if strings.Contains(out, "firing") {
		t.Errorf("output reports a firing alert:\n%s", out)
	}
}

func TestCanDeployJSONRoundTrips(t *testing.T) {
	env := cleanEnv()
	want := decision(api.DecisionWarn, threshold)
	f := gateAnswering(t, 200, want, "")
	code, out, _ := runCLI(t, env, "can-deploy", "checkout", "--server", f.URL, "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var got api.Decision
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
}

func TestCanDeployGitHubAnnotations(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		d      api.Decision
		args   []string
		want   string // "" means no annotation at all
	}{
		{name: "deny", status: 200, d: decision(api.DecisionDeny, exhausted),
			want: "::error::DENY checkout (normal deploy): budget exhausted%0Aavailability: error budget exhausted: 142%25 consumed\n"},
		{name: "warn", status: 200, d: decision(api.DecisionWarn, threshold),
			want: "::warning::WARN checkout (normal deploy): budget threshold%0Alatency: 48%25 of the error budget consumed\n"},
		{name: "allow", status: 200, d: decision(api.DecisionAllow)},
		{name: "error", status: 404,
			want: "::error::sloctl can-deploy checkout: Not Found: no such service\n"},
		{name: "fail-open", status: 503, args: []string{"--fail-open", "--timeout", "200ms"},
			want: "::warning::FAIL-OPEN: the SLO gate did not run for checkout (Service Unavailable: no such service)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := cleanEnv()
			env["GITHUB_ACTIONS"] = "true"
			f := gateAnswering(t, tc.status, tc.d, "no such service")
			_, out, errOut := runCLI(t, env, append([]string{"can-deploy", "checkout", "--server", f.URL}, tc.args...)...)
			if strings.Contains(out, "::") {
				t.Errorf("annotation on stdout: %s", out)
			}
			if tc.want == "" && strings.Contains(errOut, "::") || !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr = %q, want %q", errOut, tc.want)
			}
		})
	}
}

// The sample output in docs/integrations.md is the real output for the
// availability fixture, so the docs cannot drift from the code.
func TestDocSampleOutput(t *testing.T) {
	doc, err := os.ReadFile("../../docs/integrations.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```text\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("no text sample in docs/integrations.md")
	}
	env := cleanEnv()
	d := decision(api.DecisionDeny, exhausted)
	d.SLOs = []api.SLO{availability()}
	f := gateAnswering(t, 200, d, "")
	_, out, _ := runCLI(t, env, "can-deploy", "checkout", "--server", f.URL)
	if out != string(m[1]) {
		t.Errorf("docs sample:\n%s\nreal output:\n%s", m[1], out)
	}
}

func TestCanDeployTextNeverMeasured(t *testing.T) {
	noData := api.SLO{Name: "availability", Target: 0.999, Window: "30d", Stale: true,
		Budget: api.Budget{Status: api.BudgetNoData, Remaining: 1}, Error: "query prometheus: connection refused"}
	d := &api.Decision{Service: "checkout", Priority: "normal", Decision: api.DecisionDeny, Stale: true,
		Reasons: []api.Reason{{SLO: "availability", Code: slo.CodeMeasurementError,
			Message: "never measured successfully: query prometheus: connection refused; on_missing_data: deny"}},
		SLOs: []api.SLO{noData}}
	var b strings.Builder
	if err := writeDecision(&b, d); err != nil {
		t.Fatal(err)
	}
	want := `DENY checkout (normal deploy): measurement error
  - availability: never measured successfully: query prometheus: connection refused; on_missing_data: deny (measurement_error)
Stale: slod has not measured this service successfully yet

Budgets (not measured yet):
  availability: target 99.9% over 30d, SLI no data, never measured
    latest measurement failed: query prometheus: connection refused
    budget: no numbers to judge

Next steps:
  - slod has no fresh measurement: check ` + "`sloctl status checkout`" + ` and whether slod can query Prometheus
  - for a P0 or security fix, if the service's policy allows critical deploys: sloctl can-deploy checkout --priority critical
  - to deploy anyway, an operator can override the gate (audited, needs SLOCTL_TOKEN): sloctl override create checkout --reason "..." --for 2h
  - rolling back is never blocked by budget: sloctl can-deploy checkout --priority rollback
`
	if b.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", b.String(), want)
	}
}

// A failed measurement leaves the last good numbers in force: the text
// shows them, marked stale with their time, and the error.
func TestCanDeployTextStaleSLO(t *testing.T) {
	s := availability()
	s.Stale, s.Error = true, "circuit breaker is open"
	d := &api.Decision{Service: "checkout", Priority: "normal", Decision: api.DecisionDeny, Stale: true,
		Reasons: []api.Reason{
			{SLO: "availability", Code: slo.CodeStaleData, Message: "latest measurement failed: circuit breaker is open; judging the last good one from 18s ago"},
			{SLO: "availability", Code: slo.CodeBudgetExhausted, Message: "budget 142% consumed (threshold 100%)"},
		},
		EvaluatedAt: s.EvaluatedAt, SLOs: []api.SLO{s}}
	var b strings.Builder
	if err := writeDecision(&b, d); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  availability: target 99.9% over 30d, SLI 99.858%, measured 2026-11-27T18:00:00Z (stale)\n" +
			"    latest measurement failed: circuit breaker is open\n" +
			"    budget remaining -42.0% (1420 of 1000 allowed failures used; -18.1 of 43.2 min left)\n",
		"slod has no fresh measurement",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
}
