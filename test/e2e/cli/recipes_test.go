package cli

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/testing/recipetest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// The recipes of docs/integrations.md, replayed against the real slod: the
// YAML is read from the page itself, so a change there is tested here.

// retarget points a URL from the docs at the test's slod.
func (c *cli) retarget(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("URL %q from the docs: %v", raw, err)
	}
	ours, err := url.Parse(c.slod.URL)
	if err != nil {
		t.Fatal(err)
	}
	u.Scheme, u.Host = ours.Scheme, ours.Host
	return u.String()
}

// Argo Rollouts' web provider: GET the templated URL, pick jsonPath out of
// the answer, test successCondition.
func (c *cli) testArgo(t *testing.T) {
	tmpl := recipetest.Object(t, "AnalysisTemplate")
	metric := recipetest.Dig(t, tmpl, "spec", "metrics", 0)
	rawURL := recipetest.String(t, metric, "provider", "web", "url")
	jsonPath := recipetest.String(t, metric, "provider", "web", "jsonPath")
	cond := recipetest.String(t, metric, "successCondition")
	timeout, _ := recipetest.Dig(t, metric, "provider", "web", "timeoutSeconds").(int)
	defaultPriority := ""
	for _, a := range recipetest.Dig(t, tmpl, "spec", "args").([]any) {
		if recipetest.String(t, a, "name") == "priority" {
			defaultPriority = recipetest.String(t, a, "value")
		}
	}
	if defaultPriority != "normal" || timeout <= 0 {
		t.Fatalf("template args: priority default %q, timeoutSeconds %d", defaultPriority, timeout)
	}
	client := &http.Client{Timeout: time.Duration(timeout) * time.Second}
	// argoURL is the URL Argo calls for the template's args, at our slod.
	argoURL := func(service, priority string) string {
		return c.retarget(t, strings.NewReplacer("{{ args.service }}", service, "{{ args.priority }}", priority).Replace(rawURL))
	}

	for _, tc := range []struct {
		service, priority string
		pass              bool
	}{
		{healthy, defaultPriority, true},
		{exhausted, defaultPriority, false},
		{fastburn, defaultPriority, false},
		{exhausted, "rollback", true},
		{fastburn, "critical", true},
	} {
		u := argoURL(tc.service, tc.priority)
		status, _, body := slodtest.Send(t, client, http.MethodGet, u, nil, nil)
		if status != http.StatusOK {
			t.Errorf("GET %s: status %d\n%s", u, status, body)
			continue
		}
		result := recipetest.EvalJSONPath(t, jsonPath, body)
		if got := recipetest.EvalCondition(t, cond, result); got != tc.pass {
			t.Errorf("%s %s: %s on %s = %v, successCondition %q = %v, want %v", tc.service, tc.priority, jsonPath, u, result, cond, got, tc.pass)
		}
	}

	// The audited one-off form: POST with the body the docs suggest; same
	// answer, same jsonPath.
	body := `{"priority":"normal","actor":"argo-rollouts"}`
	u := argoURL(exhausted, "normal")
	status, _, answer := slodtest.Send(t, client, http.MethodPost, u, strings.NewReader(body), nil)
	c.logged(logged{service: exhausted, priority: "normal", actor: "argo-rollouts"})
	if status != http.StatusOK {
		t.Fatalf("POST %s: status %d\n%s", u, status, answer)
	}
	if recipetest.EvalCondition(t, cond, recipetest.EvalJSONPath(t, jsonPath, answer)) {
		t.Errorf("POST %s: exhausted passes the analysis\n%s", u, answer)
	}
}

// Flagger's confirm-rollout and confirm-promotion webhooks: POST a JSON
// body about the canary; 200 lets it go on, anything else holds it.
func (c *cli) testFlagger(t *testing.T) {
	canary := recipetest.Object(t, "Canary")
	hooks := recipetest.Dig(t, canary, "spec", "analysis", "webhooks").([]any)
	if len(hooks) == 0 {
		t.Fatal("no webhooks in the Canary")
	}
	canaryName := recipetest.String(t, canary, "metadata", "name")
	// Flagger's payload (flagger.app/v1beta1 CanaryWebhookPayload).
	payload := `{"name":"` + canaryName + `","namespace":"default","phase":"Progressing","checksum":"abc","metadata":{"type":"confirm-rollout"}}`
	client := &http.Client{Timeout: 10 * time.Second}
	for _, h := range hooks {
		raw := c.retarget(t, recipetest.String(t, h, "url"))
		// The Canary is for checkout; ask about each test service instead.
		prefix, ok := strings.CutSuffix(raw, "/api/v1/services/"+canaryName+"/gate")
		if !ok {
			t.Fatalf("webhook %s: URL %s is not the gate of %s", recipetest.String(t, h, "name"), raw, canaryName)
		}
		for _, tc := range []struct {
			service string
			status  int
		}{{healthy, http.StatusOK}, {exhausted, http.StatusPreconditionFailed}, {fastburn, http.StatusPreconditionFailed}} {
			u := prefix + "/api/v1/services/" + tc.service + "/gate"
			status, _, body := slodtest.Send(t, client, http.MethodPost, u, strings.NewReader(payload), nil)
			if status != tc.status {
				t.Errorf("%s POST %s: %d, want %d\n%s", recipetest.String(t, h, "type"), u, status, tc.status, body)
				continue
			}
			// The body is the decision, so Flagger's events show why.
			var d slodtest.Gate
			if err := json.Unmarshal(body, &d); err != nil {
				t.Errorf("POST %s: body is not a decision: %v\n%s", u, err, body)
				continue
			}
			if d.Service != tc.service || d.Allowed != (tc.status == http.StatusOK) || (!d.Allowed && len(d.Reasons) == 0) {
				t.Errorf("POST %s: decision %+v", u, d)
			}
		}
	}
}
