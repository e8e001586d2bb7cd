package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// token is the one write token slod accepts (SLOD_TOKENS).
const token = "e2e-cli-write-token"

// logged is a POSTed check the decision log must show.
type logged struct {
	service, priority, version, actor, pipeline string
	allowed                                     bool
	// id is the decision_id the answer carried, when the test saw it.
	id int64
}

// cli is the system under test: one Prometheus, one slod, and what the
// tests have asked it so far.
type cli struct {
	sc    scenarios
	slod  *slodtest.Slod
	specs string
	audit []logged
}

// sloctl runs the sloctl binary against the test's slod as user e2e-user.
func (c *cli) sloctl(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return runSloctl(t, append([]string{"SLOCTL_SERVER=" + c.slod.URL, "USER=e2e-user"}, env...), args...)
}

// logged notes a check that the decision log must contain.
func (c *cli) logged(l logged) { c.audit = append(c.audit, l) }

// TestSloctlAgainstSlod drives the real slod binary, measuring a real
// Prometheus, with the real sloctl binary: exit codes, text and JSON
// output, GitHub Actions annotations, overrides, the decision log, status,
// the Argo Rollouts and Flagger recipes of docs/integrations.md, and
// finally --fail-open against a stopped slod. The subtests run in order and
// share slod's state (overrides, decision log).
func TestSloctlAgainstSlod(t *testing.T) {
	began := time.Now()
	prom, sc := startPrometheus(t, began)
	c := &cli{sc: sc, specs: writeSpecs(t)}
	c.slod = slodtest.StartBinary(t, slodBin, append(hostEnv(), "SLOD_TOKENS="+token),
		"--slos", c.specs,
		"--prometheus-url", prom.URL,
		"--db", filepath.Join(t.TempDir(), "slod.db"),
		"--interval", "1s",
		"--log-format", "text")
	c.slod.WaitEvaluated(t, time.Minute)
	t.Logf("prometheus and slod ready in %v", time.Since(began).Round(time.Millisecond))

	t.Run("scenarios are what they claim", c.testGroundTruth)
	t.Run("can-deploy healthy", c.testHealthy)
	t.Run("can-deploy exhausted", c.testExhausted)
	t.Run("can-deploy exhausted with priority", c.testExhaustedPriorities)
	t.Run("can-deploy fastburn", c.testFastBurn)
	t.Run("can-deploy unknown service", c.testUnknownService)
	t.Run("can-deploy -o json", c.testJSON)
	t.Run("GitHub Actions", c.testGitHubActions)
	t.Run("overrides", c.testOverrides)
	t.Run("status", c.testStatus)
	t.Run("Argo Rollouts recipe", c.testArgo)
	t.Run("Flagger recipe", c.testFlagger)
	t.Run("decisions", c.testDecisions)
	// Last: it stops slod.
	t.Run("fail-open with slod stopped", c.testFailOpen)
	t.Logf("total %v", time.Since(began).Round(time.Millisecond))
}

// The scenarios must produce the situations the other subtests rely on,
// or those would test something else.
func (c *cli) testGroundTruth(t *testing.T) {
	now := c.sc.now
	for _, tc := range []struct {
		what   string
		got    float64
		ok     func(float64) bool
		expect string
	}{
		{"healthy 30d consumed", burn(c.sc.healthy, now, window), func(v float64) bool { return v > 0.1 && v < 0.5 }, "in (0.1, 0.5): below the 50% threshold"},
		{"exhausted 30d consumed", burn(c.sc.exhausted, now, window), func(v float64) bool { return within(v, 2, 1e-9) }, "2"},
		{"exhausted 1h burn", burn(c.sc.exhausted, now, time.Hour), func(v float64) bool { return v == 0 }, "0"},
		{"fastburn 1h burn", burn(c.sc.fastburn, now, time.Hour), func(v float64) bool { return within(v, 20, 1e-9) }, "20 (> 14.4)"},
		{"fastburn 5m burn", burn(c.sc.fastburn, now, 5*time.Minute), func(v float64) bool { return within(v, 20, 1e-9) }, "20 (> 14.4)"},
		{"fastburn 6h burn", burn(c.sc.fastburn, now, 6*time.Hour), func(v float64) bool { return v > 4 && v < 5.5 }, "in (4, 5.5): below 6"},
		{"fastburn 30d consumed", burn(c.sc.fastburn, now, window), func(v float64) bool { return v > 0.1 && v < 0.2 }, "in (0.1, 0.2): below every threshold"},
	} {
		if !tc.ok(tc.got) {
			t.Errorf("%s = %v, want %s", tc.what, tc.got, tc.expect)
		}
	}
}

// headline is the first line of can-deploy's text output.
func headline(r result) string {
	first, _, _ := strings.Cut(r.stdout, "\n")
	return first
}

// number parses the first submatch of re in s.
func number(t *testing.T, re, s string) float64 {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no match for %q in:\n%s", re, s)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatalf("%q in %q: %v", m[1], m[0], err)
	}
	return v
}

func (c *cli) testHealthy(t *testing.T) {
	r := c.sloctl(t, nil, "can-deploy", healthy, "--version", "h-1")
	c.logged(logged{service: healthy, priority: "normal", version: "h-1", actor: "e2e-user", allowed: true})
	wantExit(t, r, 0)
	if got, want := headline(r), "ALLOW healthy (normal deploy): all SLOs within budget"; got != want {
		t.Errorf("headline %q, want %q\n%s", got, want, r)
	}
	// "budget remaining 78.7% (...)": the ground truth, to the 0.1 shown.
	remaining := 100 * (1 - burn(c.sc.healthy, c.sc.now, window))
	if got := number(t, `budget remaining (-?[0-9.]+)%`, r.stdout); got < remaining-0.15 || got > remaining+0.15 {
		t.Errorf("budget remaining %v%%, want %.2f%%\n%s", got, remaining, r)
	}
	if strings.Contains(r.stdout, "Next steps") {
		t.Errorf("an allowed deploy needs no next steps\n%s", r)
	}
	if r.stderr != "" {
		t.Errorf("stderr not empty for an allowed deploy:\n%s", r)
	}
}

func (c *cli) testExhausted(t *testing.T) {
	r := c.sloctl(t, nil, "can-deploy", exhausted, "--version", "x-1")
	c.logged(logged{service: exhausted, priority: "normal", version: "x-1", actor: "e2e-user"})
	wantExit(t, r, 1)
	if got, want := headline(r), "DENY exhausted (normal deploy): budget exhausted"; got != want {
		t.Errorf("headline %q, want %q\n%s", got, want, r)
	}
	// The reason with its code, and the numbers behind it, against the
	// ground truth: 51,840 errors of 25,920,000 requests, 25,920 allowed.
	if !strings.Contains(r.stdout, "  - availability: budget ") || !strings.Contains(r.stdout, "(budget_exhausted)") {
		t.Errorf("no budget_exhausted reason for availability\n%s", r)
	}
	from, to := c.sc.now.Add(-window), c.sc.now
	consumed := 100 * burn(c.sc.exhausted, to, window)
	if got := number(t, `budget ([0-9.]+)% consumed`, r.stdout); !within(got, consumed, 0.01) {
		t.Errorf("reason says %v%% consumed, ground truth %.2f%%\n%s", got, consumed, r)
	}
	failed, allowed := c.sc.exhausted.Errors(from, to), budget*c.sc.exhausted.Requests(from, to)
	if got := number(t, `\(([0-9]+) of [0-9]+ allowed failures used`, r.stdout); !within(got, failed, 0.01) {
		t.Errorf("%v failures used, ground truth %.0f\n%s", got, failed, r)
	}
	if got := number(t, `of ([0-9]+) allowed failures used`, r.stdout); !within(got, allowed, 0.01) {
		t.Errorf("%v allowed failures, ground truth %.0f\n%s", got, allowed, r)
	}
	// 30d at 99.9%: 43.2 minutes of budget, -43.2 of them left at 200%.
	if got := number(t, `; (-?[0-9.]+) of 43\.2 min left`, r.stdout); !within(got, -43.2*(consumed/100-1), 0.01) {
		t.Errorf("%v minutes left, want %.1f\n%s", got, -43.2*(consumed/100-1), r)
	}
	for _, want := range []string{
		"Policy actions: freeze_releases, mandatory_postmortem",
		"    budget exhausted\n",
		"Next steps:",
		"sloctl can-deploy exhausted --priority critical",
		`sloctl override create exhausted --reason "..." --for 2h`,
		"sloctl can-deploy exhausted --priority rollback",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("text output lacks %q\n%s", want, r)
		}
	}
}

func (c *cli) testExhaustedPriorities(t *testing.T) {
	// The default policy admits critical and rollback deploys at 100%
	// consumed, with a warning naming what a normal deploy would hit.
	for i, p := range []string{"rollback", "critical"} {
		version := fmt.Sprintf("x-%s-%d", p, i)
		r := c.sloctl(t, nil, "can-deploy", exhausted, "--priority", p, "--version", version)
		c.logged(logged{service: exhausted, priority: p, version: version, actor: "e2e-user", allowed: true})
		wantExit(t, r, 0)
		if got, want := headline(r), "WARN exhausted ("+p+" deploy): "; !strings.HasPrefix(got, want) {
			t.Errorf("headline %q, want prefix %q\n%s", got, want, r)
		}
		for _, want := range []string{"(budget_exhausted)", "(priority_exempt)"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%s deploy: no %s reason\n%s", p, want, r)
			}
		}
	}
}

func (c *cli) testFastBurn(t *testing.T) {
	r := c.sloctl(t, nil, "can-deploy", fastburn, "--version", "f-1")
	c.logged(logged{service: fastburn, priority: "normal", version: "f-1", actor: "e2e-user"})
	wantExit(t, r, 1)
	if got, want := headline(r), "DENY fastburn (normal deploy): fast burn"; got != want {
		t.Errorf("headline %q, want %q\n%s", got, want, r)
	}
	if !strings.Contains(r.stdout, "(fast_burn)") {
		t.Errorf("no fast_burn reason\n%s", r)
	}
	// Exactly the 1h/5m page condition fires, at the ground truth's burn.
	if n := strings.Count(r.stdout, "firing:"); n != 1 {
		t.Errorf("%d firing conditions, want 1 (page over 1h and 5m)\n%s", n, r)
	}
	const firing = `firing: page alert, burn ([0-9.]+)x over 1h and ([0-9.]+)x over 5m \(threshold 14\.4x\)`
	long, short := burn(c.sc.fastburn, c.sc.now, time.Hour), burn(c.sc.fastburn, c.sc.now, 5*time.Minute)
	if got := number(t, firing, r.stdout); !within(got, long, 0.01) {
		t.Errorf("1h burn %v, ground truth %.2f\n%s", got, long, r)
	}
	if got := number(t, `over 1h and ([0-9.]+)x over 5m`, r.stdout); !within(got, short, 0.01) {
		t.Errorf("5m burn %v, ground truth %.2f\n%s", got, short, r)
	}
	// The budget is mostly left, so no threshold is reached.
	if strings.Contains(r.stdout, "budget_") || strings.Contains(r.stdout, "Policy actions") {
		t.Errorf("fastburn reached a budget threshold\n%s", r)
	}

	// A page-level fast burn blocks normal deploys only (docs/design.md,
	// block_on_fast_burn): a critical fix goes ahead with a warning.
	r = c.sloctl(t, nil, "can-deploy", fastburn, "--priority", "critical", "--version", "f-critical")
	c.logged(logged{service: fastburn, priority: "critical", version: "f-critical", actor: "e2e-user", allowed: true})
	wantExit(t, r, 0)
	if got, want := headline(r), "WARN fastburn (critical deploy): "; !strings.HasPrefix(got, want) {
		t.Errorf("headline %q, want prefix %q\n%s", got, want, r)
	}
	for _, want := range []string{"(fast_burn)", "(priority_exempt)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("critical deploy: no %s reason\n%s", want, r)
		}
	}
}

func (c *cli) testUnknownService(t *testing.T) {
	// --fail-open covers slod being down, not a mistake in the pipeline.
	for _, args := range [][]string{
		{"can-deploy", "nosuch"},
		{"can-deploy", "nosuch", "--fail-open"},
		{"can-deploy", "nosuch", "-o", "json"},
	} {
		r := c.sloctl(t, nil, args...)
		wantExit(t, r, 2)
		if !strings.Contains(r.stderr, "Not Found") || !strings.Contains(r.stderr, `"nosuch"`) {
			t.Errorf("stderr should say the service was not found:\n%s", r)
		}
		for _, raw := range []string{"{", `"status"`, `"type"`, "problem+json", "/docs/problems"} {
			if strings.Contains(r.stdout+r.stderr, raw) {
				t.Errorf("output shows raw problem JSON (%q):\n%s", raw, r)
			}
		}
		if r.stdout != "" {
			t.Errorf("stdout not empty:\n%s", r)
		}
	}
	// A bad priority is a usage error, caught before asking slod.
	r := c.sloctl(t, nil, "can-deploy", healthy, "--priority", "urgent")
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "--priority") {
		t.Errorf("stderr should name --priority:\n%s", r)
	}
}

// decodeDecision parses can-deploy -o json output.
func decodeDecision(t *testing.T, r result) slodtest.Gate {
	t.Helper()
	var d slodtest.Gate
	// Unknown fields are fine (the contract adds, never renames); the
	// whole of stdout must parse.
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatalf("stdout is not a JSON decision: %v\n%s", err, r)
	}
	return d
}

func (c *cli) testJSON(t *testing.T) {
	r := c.sloctl(t, nil, "can-deploy", healthy, "-o", "json", "--version", "h-json")
	c.logged(logged{service: healthy, priority: "normal", version: "h-json", actor: "e2e-user", allowed: true})
	wantExit(t, r, 0)
	d := decodeDecision(t, r)
	if d.DecisionID == nil {
		t.Errorf("a POSTed check carries no decision_id\n%s", r)
	} else {
		c.audit[len(c.audit)-1].id = *d.DecisionID
	}
	if !d.Allowed || d.Decision != "allow" || d.Service != healthy || d.Priority != "normal" {
		t.Errorf("healthy: allowed %v decision %q service %q priority %q, want true allow healthy normal\n%s", d.Allowed, d.Decision, d.Service, d.Priority, r)
	}

	r = c.sloctl(t, nil, "can-deploy", exhausted, "--output", "json", "--version", "x-json")
	c.logged(logged{service: exhausted, priority: "normal", version: "x-json", actor: "e2e-user"})
	wantExit(t, r, 1)
	d = decodeDecision(t, r)
	if d.DecisionID == nil {
		t.Errorf("a POSTed check carries no decision_id\n%s", r)
	} else {
		c.audit[len(c.audit)-1].id = *d.DecisionID
	}
	if d.Allowed || d.Decision != "deny" {
		t.Errorf("exhausted: allowed %v decision %q, want false deny\n%s", d.Allowed, d.Decision, r)
	}
	// The default policy's 100% threshold (slo.DefaultPolicy: docs/design.md's
	// freeze_releases plus the seed's mandatory_postmortem).
	if want := []string{"freeze_releases", "mandatory_postmortem"}; !slices.Equal(d.Codes(), []string{"budget_exhausted"}) || !slices.Equal(d.Actions, want) {
		t.Errorf("reasons %v actions %v, want [budget_exhausted] %v", d.Codes(), d.Actions, want)
	}
	if len(d.SLOs) != 1 {
		t.Fatalf("%d SLOs, want 1\n%s", len(d.SLOs), r)
	}
	s := d.SLOs[0]
	want := burn(c.sc.exhausted, c.sc.now, window)
	if s.Name != sloName || s.Target != target || s.Window != "30d" || !within(s.Budget.Consumed, want, 0.01) || s.Budget.Status != "exhausted" {
		t.Errorf("SLO %+v, want availability 0.999 30d exhausted with consumed %.4f", s, want)
	}
	if r.stderr != "" {
		t.Errorf("stderr not empty outside GitHub Actions:\n%s", r)
	}
}

// githubEnv is what a GitHub Actions runner sets.
var githubEnv = []string{
	"GITHUB_ACTIONS=true",
	"GITHUB_ACTOR=octocat",
	"GITHUB_SHA=0123456789abcdef0123456789abcdef01234567",
	"GITHUB_SERVER_URL=https://github.com",
	"GITHUB_REPOSITORY=acme/shop",
	"GITHUB_RUN_ID=4242",
}

func (c *cli) testGitHubActions(t *testing.T) {
	const sha, run = "0123456789abcdef0123456789abcdef01234567", "https://github.com/acme/shop/actions/runs/4242"

	// Denied: an ::error:: annotation on stderr, clean JSON on stdout, and
	// the audit fields taken from the runner's environment.
	r := c.sloctl(t, githubEnv, "can-deploy", exhausted, "-o", "json")
	c.logged(logged{service: exhausted, priority: "normal", version: sha, actor: "octocat", pipeline: run})
	wantExit(t, r, 1)
	if d := decodeDecision(t, r); d.Allowed {
		t.Errorf("allowed in JSON, but exit 1\n%s", r)
	}
	if !strings.Contains(r.stderr, "::error::DENY exhausted (normal deploy): budget exhausted%0Aavailability: budget ") {
		t.Errorf("no ::error:: annotation with the headline and reason on stderr:\n%s", r)
	}
	if strings.Contains(r.stdout, "::") {
		t.Errorf("annotation on stdout:\n%s", r)
	}

	// Allowed with warnings: a ::warning::, exit 0.
	r = c.sloctl(t, githubEnv, "can-deploy", fastburn, "--priority", "critical", "--version", "f-gh")
	c.logged(logged{service: fastburn, priority: "critical", version: "f-gh", actor: "octocat", pipeline: run, allowed: true})
	wantExit(t, r, 0)
	if !strings.Contains(r.stderr, "::warning::WARN fastburn (critical deploy)") || strings.Contains(r.stderr, "::error::") {
		t.Errorf("want one ::warning:: annotation:\n%s", r)
	}

	// Allowed plainly: nothing to annotate.
	r = c.sloctl(t, githubEnv, "can-deploy", healthy, "--version", "h-gh")
	c.logged(logged{service: healthy, priority: "normal", version: "h-gh", actor: "octocat", pipeline: run, allowed: true})
	wantExit(t, r, 0)
	if strings.Contains(r.stderr, "::") {
		t.Errorf("annotation for a plain allow:\n%s", r)
	}

	// An error: ::error:: too.
	r = c.sloctl(t, githubEnv, "can-deploy", "nosuch")
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "::error::") {
		t.Errorf("no ::error:: annotation for a failed gate:\n%s", r)
	}
}

var overrideCreated = regexp.MustCompile(`^Override ([0-9]+) created for exhausted by e2e-user, active until (\S+): INC-4242: e2e hotfix\n`)

func (c *cli) testOverrides(t *testing.T) {
	create := []string{"override", "create", exhausted, "--reason", "INC-4242: e2e hotfix", "--for", "1h"}

	// Without a token, or with a wrong one: exit 2 and a message saying
	// where the token comes from.
	for _, env := range [][]string{nil, {"SLOCTL_TOKEN=wrong"}} {
		r := c.sloctl(t, env, create...)
		wantExit(t, r, 2)
		if !strings.Contains(r.stderr, "Unauthorized") || !strings.Contains(r.stderr, "SLOCTL_TOKEN") {
			t.Errorf("want an Unauthorized message naming SLOCTL_TOKEN:\n%s", r)
		}
		if strings.Contains(r.stderr, "{") {
			t.Errorf("raw JSON in the message:\n%s", r)
		}
	}
	if r := c.sloctl(t, nil, "override", "list", exhausted); r.code != 0 || strings.TrimSpace(r.stdout) != "no overrides" {
		t.Fatalf("a rejected create left an override:\n%s", r)
	}

	withToken := []string{"SLOCTL_TOKEN=" + token}
	r := c.sloctl(t, withToken, create...)
	wantExit(t, r, 0)
	m := overrideCreated.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("unexpected output, want %s\n%s", overrideCreated, r)
	}
	id := m[1]
	if until, err := time.Parse(time.RFC3339, m[2]); err != nil || until.Sub(time.Now().Add(time.Hour)).Abs() > time.Minute {
		t.Errorf("active until %s, want an hour from now (%v)", m[2], err)
	}
	if !strings.Contains(r.stdout, "sloctl override revoke exhausted "+id) {
		t.Errorf("no hint how to revoke\n%s", r)
	}

	r = c.sloctl(t, nil, "override", "list", exhausted)
	wantExit(t, r, 0)
	if !regexp.MustCompile(`(?m)^` + id + ` +exhausted +active +e2e-user .*INC-4242: e2e hotfix$`).MatchString(r.stdout) {
		t.Errorf("override %s not listed as active:\n%s", id, r)
	}

	// The override lets a normal deploy through, and says so.
	r = c.sloctl(t, nil, "can-deploy", exhausted, "--version", "x-override")
	c.logged(logged{service: exhausted, priority: "normal", version: "x-override", actor: "e2e-user", allowed: true})
	wantExit(t, r, 0)
	if got, want := headline(r), "ALLOW exhausted (normal deploy): override active"; got != want {
		t.Errorf("headline %q, want %q\n%s", got, want, r)
	}
	if !strings.Contains(r.stdout, "(override_active)") || !strings.Contains(r.stdout, "\nOverride "+id+" by e2e-user until ") || !strings.Contains(r.stdout, "INC-4242: e2e hotfix") {
		t.Errorf("the override is not shown\n%s", r)
	}

	// Revoking needs the token too.
	r = c.sloctl(t, nil, "override", "revoke", exhausted, id)
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "SLOCTL_TOKEN") {
		t.Errorf("want a message naming SLOCTL_TOKEN:\n%s", r)
	}
	r = c.sloctl(t, withToken, "override", "revoke", exhausted, id)
	wantExit(t, r, 0)
	if got, want := r.stdout, "Override "+id+" of exhausted revoked\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	r = c.sloctl(t, nil, "override", "list", exhausted)
	wantExit(t, r, 0)
	if !regexp.MustCompile(`(?m)^` + id + ` +exhausted +revoked by e2e-user `).MatchString(r.stdout) {
		t.Errorf("override %s not listed as revoked:\n%s", id, r)
	}

	r = c.sloctl(t, nil, "can-deploy", exhausted, "--version", "x-revoked")
	c.logged(logged{service: exhausted, priority: "normal", version: "x-revoked", actor: "e2e-user"})
	wantExit(t, r, 1)
	if got, want := headline(r), "DENY exhausted (normal deploy): budget exhausted"; got != want {
		t.Errorf("after revoke: headline %q, want %q\n%s", got, want, r)
	}

	// Revoking an unknown override: exit 2, slod's own words.
	r = c.sloctl(t, withToken, "override", "revoke", exhausted, "99999")
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "Not Found") {
		t.Errorf("want Not Found:\n%s", r)
	}
}

func (c *cli) testStatus(t *testing.T) {
	want := map[string]string{healthy: "allow", exhausted: "deny", fastburn: "deny"}

	r := c.sloctl(t, nil, "status")
	wantExit(t, r, 0)
	lines := strings.Split(r.stdout, "\n")
	if !strings.HasPrefix(lines[0], "SERVICE") || !strings.HasSuffix(lines[0], "GATE") {
		t.Errorf("no table header:\n%s", r)
	}
	seen := map[string]bool{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 3 || want[f[0]] == "" || f[1] != sloName {
			continue
		}
		seen[f[0]] = true
		if gate := f[len(f)-1]; gate != want[f[0]] {
			t.Errorf("%s: gate %q, want %q\n%s", f[0], gate, want[f[0]], r)
		}
	}
	for s := range want {
		if !seen[s] {
			t.Errorf("status does not list %s:\n%s", s, r)
		}
	}
	// The reasons behind the denials are listed under the table.
	for _, note := range []string{"exhausted: deny: availability: budget ", "fastburn: deny: availability: fast burn: "} {
		if !strings.Contains(r.stdout, "\n"+note) {
			t.Errorf("no note %q:\n%s", note, r)
		}
	}

	r = c.sloctl(t, nil, "status", "-o", "json")
	wantExit(t, r, 0)
	var list api.ServiceList
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("status -o json: %v\n%s", err, r)
	}
	got := map[string]string{}
	for _, s := range list.Services {
		got[s.Service] = s.Decision
		if s.Allowed != (s.Decision != "deny") {
			t.Errorf("%s: allowed %v with decision %s", s.Service, s.Allowed, s.Decision)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("status -o json gates %v, want %v", got, want)
	}

	r = c.sloctl(t, nil, "status", "nosuch")
	wantExit(t, r, 2)
}

func (c *cli) testDecisions(t *testing.T) {
	// The log holds exactly the checks sloctl POSTed for exhausted, newest
	// first: the GET polls of the Argo and Flagger recipes are not audited.
	var want []logged
	for _, l := range slices.Backward(c.audit) {
		if l.service == exhausted {
			want = append(want, l)
		}
	}
	r := c.sloctl(t, nil, "decisions", "--service", exhausted, "--limit", "100", "-o", "json")
	wantExit(t, r, 0)
	var log api.DecisionList
	if err := json.Unmarshal([]byte(r.stdout), &log); err != nil {
		t.Fatalf("decisions -o json: %v\n%s", err, r)
	}
	if len(log.Decisions) != len(want) {
		t.Errorf("%d decisions logged for exhausted, want %d:\n%s", len(log.Decisions), len(want), r)
	}
	for i := range min(len(want), len(log.Decisions)) {
		got, w := log.Decisions[i], want[i]
		if got.Service != w.service || string(got.Priority) != w.priority || got.Version != w.version ||
			got.Actor != w.actor || got.Pipeline != w.pipeline || got.Allowed != w.allowed {
			t.Errorf("decision %d: %+v, want %+v", i, got, w)
		}
		if w.id != 0 && got.ID != w.id {
			t.Errorf("decision %d (%s): id %d, but the answer said decision_id %d", i, w.version, got.ID, w.id)
		}
		if (got.OverrideID != nil) != (w.version == "x-override") {
			t.Errorf("decision %d (%s): override_id %v", i, w.version, got.OverrideID)
		}
	}

	// The text table shows the same checks, one row each.
	r = c.sloctl(t, nil, "decisions", "--service", exhausted, "--limit", "100")
	wantExit(t, r, 0)
	rows := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(rows) != len(want)+1 || !strings.HasPrefix(rows[0], "ID ") {
		t.Fatalf("want a header and %d rows:\n%s", len(want), r)
	}
	for i, w := range want {
		// ID TIME SERVICE PRIORITY DECISION VERSION ACTOR REASONS
		f := strings.Fields(rows[i+1])
		version := w.version
		if version == "" {
			version = "-"
		}
		decision := map[bool]string{true: "allow|warn", false: "deny"}[w.allowed]
		if len(f) != 8 || f[2] != exhausted || f[3] != w.priority || !regexp.MustCompile("^("+decision+")$").MatchString(f[4]) ||
			f[5] != version || f[6] != w.actor {
			t.Errorf("row %d %q, want exhausted %s %s %s %s", i+1, rows[i+1], w.priority, decision, version, w.actor)
		}
	}

	// Without a filter every service's checks are there.
	r = c.sloctl(t, nil, "decisions", "--limit", "100", "-o", "json")
	wantExit(t, r, 0)
	log.Decisions = nil
	if err := json.Unmarshal([]byte(r.stdout), &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Decisions) != len(c.audit) {
		t.Errorf("%d decisions in all, want %d", len(log.Decisions), len(c.audit))
	}
}

func (c *cli) testFailOpen(t *testing.T) {
	if err := c.slod.Stop(); err != nil {
		t.Fatalf("stop slod: %v", err)
	}
	server := c.slod.URL

	// Without --fail-open: exit 2 once --timeout is spent on retries.
	r := c.sloctl(t, nil, "can-deploy", healthy, "--timeout", "1s")
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "cannot reach slod at "+server) {
		t.Errorf("stderr should say slod is unreachable:\n%s", r)
	}
	if strings.Contains(r.stderr, "FAIL-OPEN") {
		t.Errorf("failed open without --fail-open:\n%s", r)
	}

	// With it: exit 0 and a warning nobody can miss.
	r = c.sloctl(t, nil, "can-deploy", healthy, "--fail-open", "--timeout", "1s")
	wantExit(t, r, 0)
	if !strings.Contains(r.stderr, "WARNING") || !strings.Contains(r.stderr, "FAIL-OPEN") || !strings.Contains(r.stderr, server) {
		t.Errorf("want a FAIL-OPEN warning naming the server:\n%s", r)
	}
	if r.stdout != "" {
		t.Errorf("stdout not empty:\n%s", r)
	}

	// In GitHub Actions the warning is an annotation, and a closed gate an
	// error.
	r = c.sloctl(t, githubEnv, "can-deploy", healthy, "--fail-open", "--timeout", "1s")
	wantExit(t, r, 0)
	if !strings.Contains(r.stderr, "::warning::FAIL-OPEN") {
		t.Errorf("no ::warning:: annotation:\n%s", r)
	}
	r = c.sloctl(t, githubEnv, "can-deploy", healthy, "--timeout", "1s")
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "::error::") {
		t.Errorf("no ::error:: annotation:\n%s", r)
	}

	// The other commands fail with exit 2 too.
	for _, args := range [][]string{{"status"}, {"decisions"}, {"override", "list"}} {
		r := c.sloctl(t, nil, append(args, "--timeout", "1s")...)
		wantExit(t, r, 2)
		if !strings.Contains(r.stderr, "cannot reach slod") {
			t.Errorf("stderr should say slod is unreachable:\n%s", r)
		}
	}
}
