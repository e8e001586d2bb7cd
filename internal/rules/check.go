package rules

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// checker checks each group as it is written, for what Prometheus will
// refuse when it loads the file, so a broken SLI query or label fails here
// naming its group instead of at reload time. Label names are held to the
// classic charset Prometheus 2 accepts.
//
// It does what rulefmt.Parse does, minus its costs that buy nothing here:
// no YAML is read back (the writer's bytes are compared with yaml.v3's by
// the tests), and alert templates are parsed only where text from a spec
// could change them (see templates).
type checker struct{ parser parser.Parser }

// group is a rule group and the expressions the checker parses for it
// (nil: every rule's); see sloGroup for why not always all.
type group struct {
	rulefmt.RuleGroup
	probes []string
}

func newChecker() *checker { return &checker{parser: parser.NewParser(parser.Options{})} }

// group checks g. freeText is what the spec wrote into the summaries and
// descriptions (service and SLO names).
func (c *checker) group(g group, freeText []string) error {
	if err := c.groupErr(g, freeText); err != nil {
		return fmt.Errorf("generated rules are invalid: group %s: %w", g.Name, err)
	}
	return nil
}

func (c *checker) groupErr(g group, freeText []string) error {
	if g.Name == "" {
		return errors.New("group name is empty")
	}
	exprs := g.probes
	if exprs == nil {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}
	for _, e := range exprs {
		if _, err := c.parser.ParseExpr(e); err != nil {
			return fmt.Errorf("expr %q: %w", e, err)
		}
	}
	for _, r := range g.Rules {
		if err := c.rule(r, freeText); err != nil {
			return fmt.Errorf("rule %s%s: %w", r.Record, r.Alert, err)
		}
	}
	return nil
}

func (c *checker) rule(r rulefmt.Rule, freeText []string) error {
	if r.Record != "" && !model.LegacyValidation.IsValidMetricName(r.Record) {
		return errors.New("invalid recording rule name")
	}
	for _, m := range []map[string]string{r.Labels, r.Annotations} {
		for k, v := range m {
			if !model.LegacyValidation.IsValidLabelName(k) {
				return fmt.Errorf("invalid label or annotation name %q", k)
			}
			if !utf8.ValidString(v) {
				return fmt.Errorf("%s: value is not valid UTF-8", k)
			}
		}
	}
	if r.Alert != "" && !c.templates(r, freeText) {
		return c.slowCheck(r)
	}
	return nil
}

// templates reports whether r's labels and annotations are known to parse
// as Prometheus alert templates. Text without "{{" always does. Only the
// summaries and descriptions made here hold templates of their own
// ({{ $value }}, {{ $labels.x }}, tested in this package), and free text
// interpolated into them cannot change how they parse unless it holds a
// brace. Anything else is for slowCheck.
func (c *checker) templates(r rulefmt.Rule, freeText []string) bool {
	for _, t := range freeText {
		if strings.ContainsAny(t, "{}") {
			return false
		}
	}
	for _, v := range r.Labels {
		if strings.Contains(v, "{{") {
			return false
		}
	}
	for k, v := range r.Annotations {
		if k != "summary" && k != "description" && strings.Contains(v, "{{") {
			return false
		}
	}
	return true
}

// slowCheck has Prometheus' own loader read r back, templates and all.
func (c *checker) slowCheck(r rulefmt.Rule) error {
	var w yamlWriter
	w.groups(0, []rulefmt.RuleGroup{{Name: "check", Rules: []rulefmt.Rule{r}}})
	if _, errs := rulefmt.Parse(w.buf, false, model.LegacyValidation, c.parser, slog.New(slog.DiscardHandler)); len(errs) > 0 {
		return errors.Join(errs...)
	}
	return nil
}
