package rules

import (
	"fmt"
	"strings"
	"text/template"
)

// links expands the runbook and dashboard URL templates for each alert.
// They are expanded here, at generation time, so the rule files hold plain
// URLs and Prometheus' own annotation templating is left alone.
type links struct {
	runbook, dashboard *template.Template
}

// linkKeys are the keys a link template may use; every alert sets all of
// them (empty when they do not apply), so missingkey=error only catches
// typos.
var linkKeys = []string{"service", "slo", "severity", "alert"}

func newLinks(o Options) (links, error) {
	runbook, err := parseLink("runbook-url", o.RunbookURL)
	if err != nil {
		return links{}, err
	}
	dashboard, err := parseLink("dashboard-url", o.DashboardURL)
	if err != nil {
		return links{}, err
	}
	return links{runbook: runbook, dashboard: dashboard}, nil
}

// parseLink compiles one template (nil when text is empty) and runs it once
// on placeholder data, so a misspelled key fails before any output.
func parseLink(name, text string) (*template.Template, error) {
	if text == "" {
		return nil, nil
	}
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%s template: %w", name, err)
	}
	probe := map[string]string{}
	for _, k := range linkKeys {
		probe[k] = "x"
	}
	if _, err := expand(t, probe); err != nil {
		return nil, fmt.Errorf("%w (keys: %s)", err, strings.Join(linkKeys, ", "))
	}
	return t, nil
}

// annotate adds runbook_url and dashboard_url to ann for the alert that
// data describes.
func (l links) annotate(ann, data map[string]string) error {
	for _, a := range []struct {
		key string
		t   *template.Template
	}{{"runbook_url", l.runbook}, {"dashboard_url", l.dashboard}} {
		if a.t == nil {
			continue
		}
		v, err := expand(a.t, data)
		if err != nil {
			return err
		}
		ann[a.key] = v
	}
	return nil
}

func expand(t *template.Template, data map[string]string) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("%s template: %w", t.Name(), err)
	}
	return b.String(), nil
}
