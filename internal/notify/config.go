package notify

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/slo"
)

// Target kinds.
const (
	KindWebhook      = "webhook"
	KindSlack        = "slack"
	KindAlertmanager = "alertmanager"
)

var kinds = []string{KindWebhook, KindSlack, KindAlertmanager}

// Config is the --notify-config file: how events are detected and where
// they go.
type Config struct {
	// Hold is how long a changed gate decision must last before it is
	// notified: a decision that flips back within it is no event.
	Hold time.Duration
	// MaxAttempts tries per delivery before it is dead-lettered.
	MaxAttempts int
	// Concurrency bounds the deliveries in flight to each target.
	Concurrency int
	// BackoffBase and BackoffMax shape the full-jitter waits between
	// tries (internal/backoff).
	BackoffBase, BackoffMax time.Duration
	// BreakerFailures consecutive failures open a target's circuit
	// breaker for BreakerOpen.
	BreakerFailures int
	BreakerOpen     time.Duration
	Targets         []Target
}

// Target is one receiver of events.
type Target struct {
	Name string
	Kind string
	URL  string
	// Secret signs webhook bodies (HMAC-SHA256); from secret_file.
	Secret  []byte
	Timeout time.Duration
	// Services and Events are globs (path.Match) on the service name and
	// the event type; empty matches all.
	Services    []string
	Events      []string
	MinSeverity slo.Severity
}

// Defaults of a config file's optional fields.
func defaults() Config {
	return Config{
		Hold: 5 * time.Minute, MaxAttempts: 10, Concurrency: 4,
		BackoffBase: time.Second, BackoffMax: 5 * time.Minute,
		BreakerFailures: 5, BreakerOpen: 30 * time.Second,
	}
}

// Default is the configuration without a file: events are detected and
// kept as history, with no target.
func Default() Config { return defaults() }

// Wants reports whether t receives e.
func (t Target) Wants(e slo.Event) bool {
	return matchAny(t.Services, e.Service) && matchAny(t.Events, string(e.Type)) &&
		e.Severity.Rank() >= t.MinSeverity.Rank()
}

func matchAny(globs []string, s string) bool {
	if len(globs) == 0 {
		return true
	}
	return slices.ContainsFunc(globs, func(g string) bool {
		ok, _ := path.Match(g, s)
		return ok
	})
}

// Route names the targets that receive e.
func (c Config) Route(e slo.Event) []string {
	var out []string
	for _, t := range c.Targets {
		if t.Wants(e) {
			out = append(out, t.Name)
		}
	}
	return out
}

// maxConfigBytes caps the file: real ones are a few hundred bytes.
const maxConfigBytes = 1 << 20

// LoadConfig reads and validates a config file. Every problem is reported
// at once, as file:line: field: message.
func LoadConfig(file string) (Config, []slo.Problem) {
	l := loader{file: file}
	data, err := readLimited(file)
	if err != nil {
		return Config{}, []slo.Problem{{File: file, Message: err.Error()}}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Config{}, []slo.Problem{{File: file, Message: "not valid YAML: " + err.Error()}}
	}
	if len(doc.Content) == 0 {
		return Config{}, []slo.Problem{{File: file, Message: "the file is empty: it needs at least targets:"}}
	}
	cfg := l.config(doc.Content[0])
	if len(l.problems) > 0 {
		return Config{}, l.problems
	}
	return cfg, nil
}

func readLimited(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	if len(data) > maxConfigBytes {
		return nil, fmt.Errorf("the file has more than %d bytes (1 MiB); a notify config is a few hundred", maxConfigBytes)
	}
	return data, nil
}

// loader walks the YAML nodes and collects every problem.
type loader struct {
	file     string
	problems []slo.Problem
}

func (l *loader) addf(n *yaml.Node, field, format string, args ...any) {
	l.problems = append(l.problems, slo.Problem{File: l.file, Line: n.Line, Field: field, Message: fmt.Sprintf(format, args...)})
}

// fields checks that n is a mapping with only known keys and returns
// them by name; aliases are refused (a config has no need for them).
func (l *loader) fields(n *yaml.Node, field string, known ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		l.addf(n, field, "must be a mapping of %s", strings.Join(known, ", "))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := join(field, k.Value)
		switch {
		case v.Kind == yaml.AliasNode || k.Kind == yaml.AliasNode:
			l.addf(k, name, "aliases are not allowed in a notify config")
		case !slices.Contains(known, k.Value):
			l.addf(k, name, "unknown field; valid fields are %s", strings.Join(known, ", "))
		case out[k.Value] != nil:
			l.addf(k, name, "given twice")
		default:
			out[k.Value] = v
		}
	}
	return out
}

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func (l *loader) config(root *yaml.Node) Config {
	cfg := defaults()
	f := l.fields(root, "", "hold", "max_attempts", "concurrency", "backoff_base", "backoff_max",
		"breaker_failures", "breaker_open", "targets")
	l.duration(f["hold"], "hold", 0, &cfg.Hold)
	l.integer(f["max_attempts"], "max_attempts", 1, 100, &cfg.MaxAttempts)
	l.integer(f["concurrency"], "concurrency", 1, 64, &cfg.Concurrency)
	l.duration(f["backoff_base"], "backoff_base", time.Millisecond, &cfg.BackoffBase)
	l.duration(f["backoff_max"], "backoff_max", time.Millisecond, &cfg.BackoffMax)
	l.integer(f["breaker_failures"], "breaker_failures", 1, 1000, &cfg.BreakerFailures)
	l.duration(f["breaker_open"], "breaker_open", time.Millisecond, &cfg.BreakerOpen)
	if n := f["backoff_max"]; n != nil && cfg.BackoffMax < cfg.BackoffBase {
		l.addf(n, "backoff_max", "must be at least backoff_base (%s)", model.Duration(cfg.BackoffBase))
	}
	ts := f["targets"]
	if ts == nil {
		l.addf(root, "targets", "is required: a list of webhook, slack or alertmanager targets")
		return cfg
	}
	if ts.Kind != yaml.SequenceNode {
		l.addf(ts, "targets", "must be a list of targets")
		return cfg
	}
	seen := map[string]bool{}
	for i, n := range ts.Content {
		t, ok := l.target(n, fmt.Sprintf("targets[%d]", i))
		if !ok {
			continue
		}
		if seen[t.Name] {
			l.addf(n, fmt.Sprintf("targets[%d].name", i), "%q names another target too; names must be unique", t.Name)
		}
		seen[t.Name] = true
		cfg.Targets = append(cfg.Targets, t)
	}
	return cfg
}

func (l *loader) target(n *yaml.Node, field string) (Target, bool) {
	before := len(l.problems)
	t := Target{Timeout: 5 * time.Second, MinSeverity: slo.SeverityInfo}
	f := l.fields(n, field, "name", "type", "url", "secret_file", "timeout", "services", "events", "min_severity")
	if n.Kind != yaml.MappingNode {
		return t, false
	}
	t.Name = l.str(f["name"], join(field, "name"), n)
	if t.Name != "" && !validName(t.Name) {
		l.addf(f["name"], join(field, "name"), "%q: use letters, digits, '-', '_' and '.' (at most 64)", t.Name)
	}
	t.Kind = l.str(f["type"], join(field, "type"), n)
	if t.Kind != "" && !slices.Contains(kinds, t.Kind) {
		l.addf(f["type"], join(field, "type"), "%q is not a target type; use %s", t.Kind, strings.Join(kinds, ", "))
	}
	t.URL = l.str(f["url"], join(field, "url"), n)
	if u, err := url.Parse(t.URL); t.URL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		l.addf(f["url"], join(field, "url"), "%q is not an http or https URL", redact(t.URL))
	}
	if sf := f["secret_file"]; sf != nil {
		t.Secret = l.secret(sf, join(field, "secret_file"))
	} else if t.Kind == KindWebhook {
		l.addf(n, join(field, "secret_file"), "a webhook needs secret_file: its bodies are signed with HMAC-SHA256")
	}
	l.duration(f["timeout"], join(field, "timeout"), time.Millisecond, &t.Timeout)
	t.Services = l.globs(f["services"], join(field, "services"), nil)
	t.Events = l.globs(f["events"], join(field, "events"), func(g string) bool {
		return slices.ContainsFunc(slo.EventTypes, func(e slo.EventType) bool { ok, _ := path.Match(g, string(e)); return ok })
	})
	if s := f["min_severity"]; s != nil {
		t.MinSeverity = slo.Severity(s.Value)
		if t.MinSeverity.Rank() < 0 {
			l.addf(s, join(field, "min_severity"), "%q is not a severity; use info, warning or critical", s.Value)
		}
	}
	return t, len(l.problems) == before
}

func validName(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// redact hides a URL's password (Slack webhook URLs are secrets as a
// whole, but their host says which one was meant).
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func (l *loader) str(n *yaml.Node, field string, parent *yaml.Node) string {
	if n == nil {
		l.addf(parent, field, "is required")
		return ""
	}
	if n.Kind != yaml.ScalarNode || n.Value == "" {
		l.addf(n, field, "must be a non-empty string")
		return ""
	}
	return n.Value
}

func (l *loader) duration(n *yaml.Node, field string, least time.Duration, out *time.Duration) {
	if n == nil {
		return
	}
	d, err := model.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || time.Duration(d) < least {
		l.addf(n, field, "%q is not a duration like 30s or 5m (at least %s)", n.Value, model.Duration(least))
		return
	}
	*out = time.Duration(d)
}

func (l *loader) integer(n *yaml.Node, field string, least, most int, out *int) {
	if n == nil {
		return
	}
	var v int
	if n.Kind != yaml.ScalarNode || n.Decode(&v) != nil || v < least || v > most {
		l.addf(n, field, "%q must be a whole number from %d to %d", n.Value, least, most)
		return
	}
	*out = v
}

// globs reads a list of path.Match patterns; valid, when set, says
// whether a pattern can match anything.
func (l *loader) globs(n *yaml.Node, field string, valid func(string) bool) []string {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		l.addf(n, field, "must be a list of glob patterns")
		return nil
	}
	var out []string
	for i, g := range n.Content {
		name := fmt.Sprintf("%s[%d]", field, i)
		if _, err := path.Match(g.Value, ""); g.Kind != yaml.ScalarNode || g.Value == "" || err != nil {
			l.addf(g, name, "%q is not a glob pattern", g.Value)
			continue
		}
		if valid != nil && !valid(g.Value) {
			l.addf(g, name, "%q matches no event type; types are %s", g.Value, eventTypeList())
			continue
		}
		out = append(out, g.Value)
	}
	return out
}

func eventTypeList() string {
	s := make([]string, len(slo.EventTypes))
	for i, t := range slo.EventTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// secret reads a secret file relative to the config file; surrounding
// whitespace (a trailing newline) is not part of the secret.
func (l *loader) secret(n *yaml.Node, field string) []byte {
	p := n.Value
	if p != "" && !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(l.file), p)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		l.addf(n, field, "cannot read %s: %v", n.Value, err)
		return nil
	}
	s := strings.TrimSpace(string(data))
	if len(s) < 16 {
		l.addf(n, field, "%s holds %d bytes; a signing secret needs at least 16", n.Value, len(s))
		return nil
	}
	return []byte(s)
}
