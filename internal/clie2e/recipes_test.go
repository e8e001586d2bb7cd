package clie2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The recipes of docs/integrations.md, replayed against the real slod: the
// YAML is read from the page itself, so a change there is tested here.

// docBlocks returns the ```yaml blocks of docs/integrations.md.
func docBlocks(t *testing.T) []map[string]any {
	t.Helper()
	doc, err := os.ReadFile("../../docs/integrations.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(doc), -1) {
		var v map[string]any
		if err := yaml.Unmarshal([]byte(m[1]), &v); err != nil {
			t.Fatalf("invalid YAML in docs/integrations.md: %v\n%s", err, m[1])
		}
		out = append(out, v)
	}
	return out
}

// docObject returns the first block of the given kind.
func docObject(t *testing.T, kind string) map[string]any {
	t.Helper()
	for _, b := range docBlocks(t) {
		if b["kind"] == kind {
			return b
		}
	}
	t.Fatalf("no %s in docs/integrations.md", kind)
	return nil
}

// dig walks maps by key and lists by index.
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			k, _ := p.(string)
			v = x[k]
		case []any:
			i, ok := p.(int)
			if !ok || i >= len(x) {
				t.Fatalf("dig %v: cannot index %v", path, p)
			}
			v = x[i]
		default:
			t.Fatalf("dig %v: %v not found", path, p)
		}
	}
	return v
}

func str(t *testing.T, v any, path ...any) string {
	t.Helper()
	s, ok := dig(t, v, path...).(string)
	if !ok {
		t.Fatalf("%v is not a string", path)
	}
	return s
}

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

// evalJSONPath evaluates the `{$.a.b}` form of Argo's jsonPath.
func evalJSONPath(t *testing.T, path string, body []byte) any {
	t.Helper()
	p, ok := strings.CutPrefix(path, "{$.")
	if !ok || !strings.HasSuffix(p, "}") {
		t.Fatalf("jsonPath %q is not of the form {$.field}", path)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, body)
	}
	for _, key := range strings.Split(strings.TrimSuffix(p, "}"), ".") {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("jsonPath %q: %v is not an object", path, v)
		}
		if v, ok = m[key]; !ok {
			t.Fatalf("jsonPath %q: no field %q in %s", path, key, body)
		}
	}
	return v
}

// evalCondition evaluates the `result == <JSON literal>` form of Argo's
// successCondition.
func evalCondition(t *testing.T, cond string, result any) bool {
	t.Helper()
	lit, ok := strings.CutPrefix(cond, "result == ")
	if !ok {
		t.Fatalf("successCondition %q is not of the form result == literal", cond)
	}
	var want any
	if err := json.Unmarshal([]byte(lit), &want); err != nil {
		t.Fatalf("successCondition %q: %v", cond, err)
	}
	return reflect.DeepEqual(result, want)
}

// Argo Rollouts' web provider: GET the templated URL, pick jsonPath out of
// the answer, test successCondition.
func (c *cli) testArgo(t *testing.T) {
	tmpl := docObject(t, "AnalysisTemplate")
	metric := dig(t, tmpl, "spec", "metrics", 0)
	rawURL := str(t, metric, "provider", "web", "url")
	jsonPath := str(t, metric, "provider", "web", "jsonPath")
	cond := str(t, metric, "successCondition")
	timeout, _ := dig(t, metric, "provider", "web", "timeoutSeconds").(int)
	defaultPriority := ""
	for _, a := range dig(t, tmpl, "spec", "args").([]any) {
		if str(t, a, "name") == "priority" {
			defaultPriority = str(t, a, "value")
		}
	}
	if defaultPriority != "normal" || timeout <= 0 {
		t.Fatalf("template args: priority default %q, timeoutSeconds %d", defaultPriority, timeout)
	}
	client := &http.Client{Timeout: time.Duration(timeout) * time.Second}

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
		u := strings.NewReplacer("{{ args.service }}", tc.service, "{{ args.priority }}", tc.priority).Replace(rawURL)
		u = c.retarget(t, u)
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s\n%s", u, resp.Status, body)
			continue
		}
		result := evalJSONPath(t, jsonPath, body)
		if got := evalCondition(t, cond, result); got != tc.pass {
			t.Errorf("%s %s: %s on %s = %v, successCondition %q = %v, want %v", tc.service, tc.priority, jsonPath, u, result, cond, got, tc.pass)
		}
	}

	// The audited one-off form: POST with the body the docs suggest; same
	// answer, same jsonPath.
	body := `{"priority":"normal","actor":"argo-rollouts"}`
	u := c.retarget(t, strings.NewReplacer("{{ args.service }}", exhausted, "{{ args.priority }}", "normal").Replace(rawURL))
	resp, err := client.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	c.logged(logged{service: exhausted, priority: "normal", actor: "argo-rollouts"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s\n%s", u, resp.Status, answer)
	}
	if evalCondition(t, cond, evalJSONPath(t, jsonPath, answer)) {
		t.Errorf("POST %s: exhausted passes the analysis\n%s", u, answer)
	}
}

// Flagger's confirm-rollout and confirm-promotion webhooks: POST a JSON
// body about the canary; 200 lets it go on, anything else holds it.
func (c *cli) testFlagger(t *testing.T) {
	canary := docObject(t, "Canary")
	hooks := dig(t, canary, "spec", "analysis", "webhooks").([]any)
	if len(hooks) == 0 {
		t.Fatal("no webhooks in the Canary")
	}
	canaryName := str(t, canary, "metadata", "name")
	// Flagger's payload (flagger.app/v1beta1 CanaryWebhookPayload).
	payload := `{"name":"` + canaryName + `","namespace":"default","phase":"Progressing","checksum":"abc","metadata":{"type":"confirm-rollout"}}`
	client := &http.Client{Timeout: 10 * time.Second}
	for _, h := range hooks {
		raw := c.retarget(t, str(t, h, "url"))
		// The Canary is for checkout; ask about each test service instead.
		prefix, ok := strings.CutSuffix(raw, "/api/v1/services/"+canaryName+"/gate")
		if !ok {
			t.Fatalf("webhook %s: URL %s is not the gate of %s", str(t, h, "name"), raw, canaryName)
		}
		for _, tc := range []struct {
			service string
			status  int
		}{{healthy, http.StatusOK}, {exhausted, http.StatusPreconditionFailed}, {fastburn, http.StatusPreconditionFailed}} {
			u := prefix + "/api/v1/services/" + tc.service + "/gate"
			resp, err := client.Post(u, "application/json", strings.NewReader(payload))
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Errorf("%s POST %s: %d, want %d\n%s", str(t, h, "type"), u, resp.StatusCode, tc.status, body)
				continue
			}
			// The body is the decision, so Flagger's events show why.
			var d decisionJSON
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
