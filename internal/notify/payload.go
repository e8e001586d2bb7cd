package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/slo"
)

// Headers of a webhook delivery.
const (
	// HeaderSignature is "sha256=" and the hex HMAC-SHA256 of the body
	// with the target's secret.
	HeaderSignature = "X-Slod-Signature"
	// HeaderIdempotencyKey is the event ID: receivers dedupe on it, since
	// delivery is at least once.
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderEventType      = "X-Slod-Event"
)

// Sign is the signature header's value for body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// request builds the HTTP request that delivers e to t.
func request(ctx context.Context, t Target, e slo.Event) (*http.Request, error) {
	var (
		body any
		url  = t.URL
	)
	switch t.Kind {
	case KindSlack:
		body = SlackMessage(e)
	case KindAlertmanager:
		body = AlertmanagerAlerts(e)
		url = strings.TrimSuffix(url, "/") + "/api/v2/alerts"
	default:
		body = webhookBody(e)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode %s body: %w", t.Kind, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "slod-notify")
	req.Header.Set(HeaderIdempotencyKey, e.ID)
	req.Header.Set(HeaderEventType, string(e.Type))
	if t.Kind == KindWebhook {
		req.Header.Set(HeaderSignature, Sign(t.Secret, b))
	}
	return req, nil
}

// webhookBody is the JSON a generic webhook receives: the event as the
// API shows it.
func webhookBody(e slo.Event) api.Event {
	return api.Event{ID: e.ID, Type: string(e.Type), Service: e.Service, SLO: e.SLO, At: e.At.UTC(),
		Severity: string(e.Severity), Summary: e.Summary, Details: e.Details}
}

// SlackMessage is a Slack incoming-webhook body in Block Kit: a header,
// the summary and a context line; text is the fallback for notifications.
func SlackMessage(e slo.Event) map[string]any {
	icon := map[slo.Severity]string{slo.SeverityCritical: ":red_circle:", slo.SeverityWarning: ":large_orange_circle:"}[e.Severity]
	if icon == "" {
		icon = ":large_blue_circle:"
	}
	title := e.Service
	if e.SLO != "" {
		title += " / " + e.SLO
	}
	return map[string]any{
		"text": slackEscape(e.Summary),
		"blocks": []any{
			map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": truncate(title+" — "+string(e.Type), 150)}},
			map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": icon + " " + truncate(slackEscape(e.Summary), 2900)}},
			map[string]any{"type": "context", "elements": []any{
				map[string]any{"type": "mrkdwn", "text": fmt.Sprintf("*%s* · %s · `%s`", e.Severity, e.At.UTC().Format(time.RFC3339), e.ID)},
			}},
		},
	}
}

// slackEscape escapes the three characters Slack's mrkdwn gives meaning
// (links and mentions), so a reason cannot ping a channel.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s[:n])
	return string(r[:len(r)-1]) + "…"
}

// amAlert is one alert of Alertmanager's v2 API (postableAlert).
type amAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      *time.Time        `json:"endsAt,omitempty"`
}

// AlertmanagerAlerts is the body of POST /api/v2/alerts for e. Events that
// end something (an alert, stale data, a budget back below a threshold)
// resolve the alert their start raised: the same labels with endsAt set.
// The rest fire and resolve after Alertmanager's resolve_timeout.
func AlertmanagerAlerts(e slo.Event) []amAlert {
	name, ends := "Slod", false
	switch e.Type {
	case slo.EventDecisionChanged:
		name = "SlodGateDecisionChanged"
	case slo.EventBudgetThreshold, slo.EventBudgetRecovered:
		name, ends = "SlodBudgetThreshold", e.Type == slo.EventBudgetRecovered
	case slo.EventAlertStarted, slo.EventAlertEnded:
		name, ends = "SlodBurnRate", e.Type == slo.EventAlertEnded
	case slo.EventOverrideCreated, slo.EventOverrideRevoked, slo.EventOverrideExpired:
		name, ends = "SlodOverrideActive", e.Type != slo.EventOverrideCreated
	case slo.EventDataStale, slo.EventDataRecovered:
		name, ends = "SlodDataStale", e.Type == slo.EventDataRecovered
	}
	labels := map[string]string{"alertname": name, "service": e.Service, "source": "slod"}
	if e.SLO != "" {
		labels["slo"] = e.SLO
	}
	var d map[string]any
	_ = json.Unmarshal(e.Details, &d)
	if a, ok := d["alert"].(string); ok {
		labels["alert"] = a
	}
	// The severity is an annotation: an alert's end has labels equal to
	// its start's, and ends are info.
	a := amAlert{Labels: labels, StartsAt: e.At.UTC(), Annotations: map[string]string{
		"summary": e.Summary, "event_id": e.ID, "event_type": string(e.Type), "severity": string(e.Severity),
	}}
	if ends {
		end := e.At.UTC()
		a.EndsAt = &end
	}
	return []amAlert{a}
}
