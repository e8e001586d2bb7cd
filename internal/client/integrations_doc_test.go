package client

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/api"
)

// yamlBlocks returns the ```yaml blocks of docs/integrations.md, each
// checked to be valid YAML so that copy-pasted snippets work.
func yamlBlocks(t *testing.T) []map[string]any {
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
	if len(out) == 0 {
		t.Fatal("no yaml blocks in docs/integrations.md")
	}
	return out
}

// dig walks maps and lists by key or index ("0").
func dig(t *testing.T, v any, path ...string) any {
	t.Helper()
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			if p != "0" || len(x) == 0 {
				t.Fatalf("dig %v: cannot index %q", path, p)
			}
			v = x[0]
		default:
			t.Fatalf("dig %v: %q not found", path, p)
		}
	}
	return v
}

// evalJSONPath evaluates the simple `{$.a.b}` form of Argo's jsonPath.
func evalJSONPath(t *testing.T, path string, body []byte) any {
	t.Helper()
	p, ok := strings.CutPrefix(path, "{$.")
	if !ok || !strings.HasSuffix(p, "}") {
		t.Fatalf("jsonPath %q is not of the form {$.field}", path)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
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

// evalCondition evaluates the simple `result == <JSON literal>` form of
// Argo's successCondition.
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

// The Argo Rollouts template in the docs must pass exactly the allowed
// decisions of GET can-deploy.
func TestDocArgoTemplateReadsAllowed(t *testing.T) {
	var metric any
	for _, b := range yamlBlocks(t) {
		if b["kind"] == "AnalysisTemplate" {
			metric = dig(t, b, "spec", "metrics", "0")
		}
	}
	if metric == nil {
		t.Fatal("no AnalysisTemplate in docs/integrations.md")
	}
	url, _ := dig(t, metric, "provider", "web", "url").(string)
	if !strings.Contains(url, "/api/v1/services/{{ args.service }}/can-deploy?priority=") {
		t.Errorf("web url %q is not the GET can-deploy endpoint", url)
	}
	jsonPath, _ := dig(t, metric, "provider", "web", "jsonPath").(string)
	cond, _ := dig(t, metric, "successCondition").(string)

	for _, tc := range []struct {
		decision string
		allowed  bool
	}{{"allow", true}, {"warn", true}, {"deny", false}} {
		body, err := json.Marshal(api.Decision{Service: "checkout", Priority: "normal", Decision: tc.decision, Allowed: tc.allowed})
		if err != nil {
			t.Fatal(err)
		}
		if got := evalCondition(t, cond, evalJSONPath(t, jsonPath, body)); got != tc.allowed {
			t.Errorf("decision %s: successCondition %q on %q = %v, want %v", tc.decision, cond, jsonPath, got, tc.allowed)
		}
	}
}

// The Flagger webhook in the docs must call the status-code gate.
func TestDocFlaggerWebhookUsesGate(t *testing.T) {
	for _, b := range yamlBlocks(t) {
		if b["kind"] != "Canary" {
			continue
		}
		hook := dig(t, b, "spec", "analysis", "webhooks", "0")
		if typ := dig(t, hook, "type"); typ != "confirm-rollout" {
			t.Errorf("first webhook type = %v, want confirm-rollout", typ)
		}
		if url, _ := dig(t, hook, "url").(string); !strings.HasSuffix(url, "/api/v1/services/checkout/gate") {
			t.Errorf("webhook url %q does not call the gate endpoint", url)
		}
		return
	}
	t.Fatal("no Flagger Canary in docs/integrations.md")
}
