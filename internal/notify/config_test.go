package notify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

func writeFile(t *testing.T, dir, name, content string) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "secret", "0123456789abcdef0123\n")
	file := writeFile(t, dir, "notify.yaml", `hold: 2m
max_attempts: 4
targets:
  - name: ops
    type: webhook
    url: https://hooks.example.com/slod
    secret_file: secret
    services: ["pay*"]
    events: ["gate.*", "override.created"]
    min_severity: warning
  - name: chat
    type: slack
    url: https://hooks.slack.com/services/T/B/X
`)
	c, problems := LoadConfig(file)
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if c.Hold != 2*time.Minute || c.MaxAttempts != 4 || c.Concurrency != 4 || len(c.Targets) != 2 {
		t.Fatalf("config %+v", c)
	}
	ops := c.Targets[0]
	if string(ops.Secret) != "0123456789abcdef0123" {
		t.Errorf("secret %q: the trailing newline is not part of it", ops.Secret)
	}
	ev := slo.Event{Type: slo.EventDecisionChanged, Service: "payments", Severity: slo.SeverityCritical}
	if got := c.Route(ev); len(got) != 2 {
		t.Errorf("a critical payments decision goes to %v, want ops and chat", got)
	}
	ev.Severity = slo.SeverityInfo
	if got := c.Route(ev); len(got) != 1 || got[0] != "chat" {
		t.Errorf("an info event goes to %v, want chat only", got)
	}
	ev.Severity, ev.Service = slo.SeverityCritical, "checkout"
	if got := c.Route(ev); len(got) != 1 || got[0] != "chat" {
		t.Errorf("a checkout event goes to %v, want chat only", got)
	}
}

func TestLoadConfigProblems(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "notify.yaml", `hold: soon
targets:
  - name: ops
    type: pager
    url: ftp://x
  - name: ops
    type: webhook
    url: https://x.example.com
    events: ["gate.decided"]
    colour: red
`)
	_, problems := LoadConfig(file)
	want := []string{
		file + ":1: hold: \"soon\" is not a duration",
		file + ":4: targets[0].type: \"pager\" is not a target type",
		file + ":5: targets[0].url: \"ftp://x\" is not an http or https URL",
		file + ":6: targets[1].secret_file: a webhook needs secret_file",
		file + ":9: targets[1].events[0]: \"gate.decided\" matches no event type",
		file + ":10: targets[1].colour: unknown field",
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	if len(got) != len(want) {
		t.Fatalf("problems:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, w)
		}
		if !found {
			t.Errorf("no problem starts with %q in:\n%s", w, strings.Join(got, "\n"))
		}
	}
}
