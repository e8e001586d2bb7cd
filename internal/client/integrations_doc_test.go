package client

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/testing/recipetest"
)

// The Argo Rollouts template in the docs must pass exactly the allowed
// decisions of GET can-deploy.
func TestDocArgoTemplateReadsAllowed(t *testing.T) {
	metric := recipetest.Dig(t, recipetest.Object(t, "AnalysisTemplate"), "spec", "metrics", 0)
	url, _ := recipetest.Dig(t, metric, "provider", "web", "url").(string)
	if !strings.Contains(url, "/api/v1/services/{{ args.service }}/can-deploy?priority=") {
		t.Errorf("web url %q is not the GET can-deploy endpoint", url)
	}
	jsonPath, _ := recipetest.Dig(t, metric, "provider", "web", "jsonPath").(string)
	cond, _ := recipetest.Dig(t, metric, "successCondition").(string)

	for _, tc := range []struct {
		decision string
		allowed  bool
	}{{"allow", true}, {"warn", true}, {"deny", false}} {
		body, err := json.Marshal(api.Decision{Service: "checkout", Priority: "normal", Decision: tc.decision, Allowed: tc.allowed})
		if err != nil {
			t.Fatal(err)
		}
		if got := recipetest.EvalCondition(t, cond, recipetest.EvalJSONPath(t, jsonPath, body)); got != tc.allowed {
			t.Errorf("decision %s: successCondition %q on %q = %v, want %v", tc.decision, cond, jsonPath, got, tc.allowed)
		}
	}
}

// The Flagger webhook in the docs must call the status-code gate.
func TestDocFlaggerWebhookUsesGate(t *testing.T) {
	hook := recipetest.Dig(t, recipetest.Object(t, "Canary"), "spec", "analysis", "webhooks", 0)
	if typ := recipetest.Dig(t, hook, "type"); typ != "confirm-rollout" {
		t.Errorf("first webhook type = %v, want confirm-rollout", typ)
	}
	if url, _ := recipetest.Dig(t, hook, "url").(string); !strings.HasSuffix(url, "/api/v1/services/checkout/gate") {
		t.Errorf("webhook url %q does not call the gate endpoint", url)
	}
}
