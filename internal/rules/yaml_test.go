package rules

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/rulefmt"
	"gopkg.in/yaml.v3"
)

// encodeV3 is how yaml.v3 (indent 2, as the generator used to encode)
// writes v, by yaml.v3's encoder itself rather than through the writer's
// own fallback.
func encodeV3(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// trickyStrings are values at the edges of the writer's fast paths, and
// random strings drawn from characters YAML gives a meaning to.
func trickyStrings() []string {
	out := []string{
		"", "a", "1", "1h", "5m", "0.001", "99.9%", "true", "True", "yes", "no", "on", "Off", "null", "~", "y",
		"-", "- a", "-a", "a:", "a: b", "a:b", "a #b", "a#b", "#a", "a ", " a", "a\n", "\na", "a\nb", "a\n b",
		"a \nb", "a\n\nb", "a\tb", "a'b", "'a", "\"a\"", "a\"b", "{{ $value }}", "{a}", "[a]", "a,b", "@a", "`a",
		"%a", "!a", "&a", "*a", "|a", ">a", "?a", "? a", ":a", "---", "...", "é", "a\u00e9", "a\x7f", "a\\b",
		"https://x/{{.alert}}?a=b&c=d", "sum(rate(x{code=~\"5..\"}[5m]))", "For 10m: the query: x",
		"(a)\nor\n0 * (b)", "a\nb ", "a\r\nb", "<<", "0x1F", "1e3", ".inf", "1_000", "2001-12-14", "12:30",
	}
	r := rand.New(rand.NewPCG(18, 7))
	const alphabet = "ab1 :#-'\"\n\t{}[],?|>&*!%@`.\\~é"
	runes := []rune(alphabet)
	for range 3000 {
		var b strings.Builder
		for range 1 + r.IntN(8) {
			b.WriteRune(runes[r.IntN(len(runes))])
		}
		out = append(out, b.String())
	}
	return out
}

func TestYAMLWriterScalarsMatchYAMLv3(t *testing.T) {
	for _, s := range trickyStrings() {
		// Each string as a value and, on one line, as a key (label and
		// annotation names never span lines).
		g := rulefmt.RuleGroup{Name: s, Rules: []rulefmt.Rule{{
			Alert: "A", Expr: s,
			Labels: map[string]string{"k": s},
		}}}
		if !strings.ContainsAny(s, "\r\n") {
			g.Rules[0].Annotations = map[string]string{s: "v"}
		}
		want := encodeV3(t, rulefmt.RuleGroups{Groups: []rulefmt.RuleGroup{g}})
		var w yamlWriter
		w.groups(0, []rulefmt.RuleGroup{g})
		if got := string(w.buf); got != want {
			t.Fatalf("for %q the writer wrote\n%s\nyaml.v3 writes\n%s", s, got, want)
		}
	}
}

func TestYAMLKeyOrderMatchesYAMLv3(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 8))
	const alphabet = "aZ_09x1é"
	runes := []rune(alphabet)
	for range 500 {
		m := map[string]string{}
		for range 2 + r.IntN(8) {
			var b strings.Builder
			for range 1 + r.IntN(5) {
				b.WriteRune(runes[r.IntN(len(runes))])
			}
			m[b.String()] = "v"
		}
		rule := rulefmt.Rule{Record: "r", Expr: "x", Labels: m}
		want := encodeV3(t, rulefmt.RuleGroups{Groups: []rulefmt.RuleGroup{{Name: "g", Rules: []rulefmt.Rule{rule}}}})
		var w yamlWriter
		w.groups(0, []rulefmt.RuleGroup{{Name: "g", Rules: []rulefmt.Rule{rule}}})
		if got := string(w.buf); got != want {
			t.Fatalf("keys %v: the writer wrote\n%s\nyaml.v3 writes\n%s", m, got, want)
		}
	}
}
