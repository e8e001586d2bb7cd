package rules

import (
	"slices"
	"strings"
	"unicode"

	"github.com/prometheus/prometheus/model/rulefmt"
	"gopkg.in/yaml.v3"
)

// yamlWriter appends rule groups as YAML, byte for byte as yaml.v3 with
// an indent of 2 encodes rulefmt's types, without yaml.v3's encoder: its
// reflection and event queue cost more than everything else together at
// thousands of SLOs. Scalars on the fast paths (plain ASCII text, literal
// blocks of ASCII lines) are written here; any other scalar is encoded by
// yaml.v3 itself, so an unusual string costs time, never different bytes.
type yamlWriter struct {
	buf []byte
	// inline says the next key follows "- " on the current line.
	inline bool
	// slow caches yaml.v3's encoding of scalars off the fast paths
	// ("1h", "2m" and "1" recur in every group), up to maxSlow entries.
	slow map[string]string
}

const maxSlow = 4096

// groups writes "groups:" and the groups, the body of a rule file or of a
// PrometheusRule's spec, at the given indent.
func (w *yamlWriter) groups(indent int, gs []rulefmt.RuleGroup) {
	w.key(indent, "groups")
	w.buf = append(w.buf, '\n')
	for _, g := range gs {
		w.group(indent+2, g)
	}
}

// group writes one group as a sequence item at indent.
func (w *yamlWriter) group(indent int, g rulefmt.RuleGroup) {
	w.item(indent)
	w.field(indent+2, "name", g.Name)
	w.key(indent+2, "rules")
	w.buf = append(w.buf, '\n')
	for _, r := range g.Rules {
		w.rule(indent+4, r)
	}
}

// rule writes rulefmt.Rule's fields in its struct order, empty ones left out.
func (w *yamlWriter) rule(indent int, r rulefmt.Rule) {
	w.item(indent)
	in := indent + 2
	if r.Record != "" {
		w.field(in, "record", r.Record)
	}
	if r.Alert != "" {
		w.field(in, "alert", r.Alert)
	}
	w.field(in, "expr", r.Expr)
	if r.For != 0 {
		w.field(in, "for", r.For.String())
	}
	if r.KeepFiringFor != 0 {
		w.field(in, "keep_firing_for", r.KeepFiringFor.String())
	}
	w.mapping(in, "labels", r.Labels)
	w.mapping(in, "annotations", r.Annotations)
}

// mapping writes name: and m's pairs in yaml.v3's key order; nothing for
// an empty m (omitempty).
func (w *yamlWriter) mapping(indent int, name string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	w.key(indent, name)
	w.buf = append(w.buf, '\n')
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, yamlKeyCompare)
	for _, k := range keys {
		w.field(indent+2, k, m[k])
	}
}

// item starts a sequence item: "- " at indent, its first key on the
// same line.
func (w *yamlWriter) item(indent int) {
	w.buf = appendSpaces(w.buf, indent)
	w.buf = append(w.buf, "- "...)
	w.inline = true
}

// key writes "key:" on a new line at indent, or right after "- ".
func (w *yamlWriter) key(indent int, k string) {
	if !w.inline {
		w.buf = appendSpaces(w.buf, indent)
	}
	w.inline = false
	if plainKey(k) {
		w.buf = append(w.buf, k...)
	} else {
		w.buf = append(w.buf, w.slowKey(k)...)
	}
	w.buf = append(w.buf, ':')
}

// field writes "key: value" at indent and the line break.
func (w *yamlWriter) field(indent int, k, v string) {
	w.key(indent, k)
	switch {
	case plainValue(v):
		w.buf = append(w.buf, ' ')
		w.buf = append(w.buf, v...)
	case singleQuoted(v):
		w.buf = append(w.buf, " '"...)
		for i := 0; i < len(v); i++ {
			if v[i] == '\'' {
				w.buf = append(w.buf, '\'')
			}
			w.buf = append(w.buf, v[i])
		}
		w.buf = append(w.buf, '\'')
	case literalBlock(v):
		w.buf = append(w.buf, " |-"...)
		for line := range strings.SplitSeq(v, "\n") {
			w.buf = append(w.buf, '\n')
			w.buf = appendSpaces(w.buf, indent+2)
			w.buf = append(w.buf, line...)
		}
	default:
		w.slowValue(indent, v)
	}
	w.buf = append(w.buf, '\n')
}

// slowValue writes " value" as yaml.v3 encodes it in a mapping at indent,
// its continuation lines (a literal block) shifted to that indent.
func (w *yamlWriter) slowValue(indent int, v string) {
	enc, ok := w.slow[v]
	if !ok {
		enc = strings.TrimSuffix(strings.TrimPrefix(yamlV3(map[string]string{"k": v}), "k:"), "\n")
		w.remember(v, enc)
	}
	for i, line := range strings.Split(enc, "\n") {
		if i > 0 {
			w.buf = append(w.buf, '\n')
			if line != "" {
				w.buf = appendSpaces(w.buf, indent)
			}
		}
		w.buf = append(w.buf, line...)
	}
}

// slowKey is k as yaml.v3 encodes a mapping key of one line (keys are
// label and annotation names).
func (w *yamlWriter) slowKey(k string) string {
	const probe = "\x00key"
	enc, ok := w.slow[probe+k]
	if !ok {
		enc = strings.TrimSuffix(yamlV3(map[string]int{k: 0}), ": 0\n")
		w.remember(probe+k, enc)
	}
	return enc
}

// yamlV3 is v encoded by yaml.v3 with an indent of 2.
func yamlV3(v any) string {
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		// yaml.v3 encodes every map of strings (invalid UTF-8 as !!binary).
		panic("rules: yaml.v3 cannot encode " + err.Error())
	}
	return b.String()
}

func (w *yamlWriter) remember(k, v string) {
	if w.slow == nil {
		w.slow = map[string]string{}
	}
	if len(w.slow) < maxSlow {
		w.slow[k] = v
	}
}

func appendSpaces(b []byte, n int) []byte {
	for range n {
		b = append(b, ' ')
	}
	return b
}

// plainValue reports whether yaml.v3 writes s as a plain scalar, for the
// strings this package decides that for itself: printable ASCII starting
// with a letter (so never a number, a date or an indicator), not a word
// YAML reads as a boolean or null, and free of the sequences that end a
// plain scalar (": ", " #", a trailing ':' or space). Anything else goes
// to yaml.v3.
func plainValue(s string) bool {
	if s == "" || !isLetter(s[0]) || s[len(s)-1] == ' ' || s[len(s)-1] == ':' || reservedWord(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return false
		}
		if c == ' ' && i+1 < len(s) && s[i+1] == '#' {
			return false
		}
		if c == ':' && s[i+1] == ' ' { // i+1 < len(s): s does not end in ':'
			return false
		}
	}
	return true
}

// singleQuoted reports whether yaml.v3 writes s in single quotes: text
// plainValue turns down only for a ": ", " #" or trailing ':' in it.
func singleQuoted(s string) bool {
	if s == "" || !isLetter(s[0]) || s[len(s)-1] == ' ' || reservedWord(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// plainKey is plainValue for a mapping key, which yaml.v3 also writes
// plain only up to 128 bytes (a longer one needs the "? " form).
func plainKey(s string) bool { return len(s) <= 128 && plainValue(s) }

// literalBlock reports whether yaml.v3 writes s as the literal block
// "|-" with s's lines as they are: several lines of printable ASCII,
// none empty, none starting or ending with a space (indentation and
// chomping indicators, or quoting, would follow otherwise).
func literalBlock(s string) bool {
	if !strings.Contains(s, "\n") {
		return false
	}
	for line := range strings.SplitSeq(s, "\n") {
		if line == "" || line[0] == ' ' || line[len(line)-1] == ' ' {
			return false
		}
		for i := 0; i < len(line); i++ {
			if line[i] < 0x20 || line[i] > 0x7e {
				return false
			}
		}
	}
	return true
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// reservedWord reports the words a plain scalar would turn into a boolean
// or null: YAML 1.2's true, false and null, and the YAML 1.1 booleans
// yaml.v3 still quotes. Case is ignored, which quotes a few more
// spellings than needed and sends them to yaml.v3, which decides.
func reservedWord(s string) bool {
	if len(s) > 5 {
		return false
	}
	switch strings.ToLower(s) {
	case "true", "false", "null", "y", "yes", "n", "no", "on", "off":
		return true
	}
	return false
}

// yamlKeyCompare orders mapping keys as yaml.v3 does: letters by code
// point, and runs of digits by their numeric value ("a2" before "a10").
func yamlKeyCompare(a, b string) int {
	switch {
	case yamlKeyLess(a, b):
		return -1
	case yamlKeyLess(b, a):
		return 1
	}
	return 0
}

// yamlKeyLess is yaml.v3's order of string keys (its sorter's keyList.Less
// for two strings), which tests compare with yaml.v3's own output.
func yamlKeyLess(a, b string) bool {
	var abuf, bbuf [64]rune // label names fit: no allocation per comparison
	ar, br := appendRunes(abuf[:0], a), appendRunes(bbuf[:0], b)
	digits := false
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			digits = unicode.IsDigit(ar[i])
			continue
		}
		al, bl := unicode.IsLetter(ar[i]), unicode.IsLetter(br[i])
		if al && bl {
			return ar[i] < br[i]
		}
		if al || bl {
			if digits {
				return al
			}
			return bl
		}
		// Both are digits or punctuation: compare the numbers starting here.
		var an, bn int64
		if ar[i] == '0' || br[i] == '0' {
			for j := i - 1; j >= 0 && unicode.IsDigit(ar[j]); j-- {
				if ar[j] != '0' {
					an, bn = 1, 1
					break
				}
			}
		}
		ai, bi := i, i
		for ; ai < len(ar) && unicode.IsDigit(ar[ai]); ai++ {
			an = an*10 + int64(ar[ai]-'0')
		}
		for ; bi < len(br) && unicode.IsDigit(br[bi]); bi++ {
			bn = bn*10 + int64(br[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return ar[i] < br[i]
	}
	return len(ar) < len(br)
}

func appendRunes(dst []rune, s string) []rune {
	for _, r := range s {
		dst = append(dst, r)
	}
	return dst
}
