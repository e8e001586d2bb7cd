package slo

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// checker walks the YAML nodes of one file and collects every problem it
// finds, so a user sees all of them at once instead of one per run.
type checker struct {
	file     string
	problems problemList
	// fileOf names the file a node came from, for a spec converted from
	// another tool's files; nil for a file of ours.
	fileOf func(*yaml.Node) string
}

// addf records a problem at node n (its line) for the dotted field path.
// Long strings among the field and args are shortened (elide).
func (c *checker) addf(n *yaml.Node, field, format string, args ...any) {
	if c.problems.skip(n.Line) {
		return
	}
	file := c.file
	if c.fileOf != nil {
		file = c.fileOf(n)
	}
	c.problems.add(Problem{
		File:    file,
		Line:    n.Line,
		Field:   elide(field),
		Message: fmt.Sprintf(format, elideArgs(args)...),
	})
}

// elideArgs shortens the strings and errors among args.
func elideArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = elide(v)
		case error:
			out[i] = elide(v.Error())
		default:
			out[i] = a
		}
	}
	return out
}

// elide shortens s to about maxQuoted bytes, keeping its start and end
// (where a quote closes, or an error says why) around "…".
func elide(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	head, tail := maxQuoted/2, len(s)-maxQuoted/2
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	for tail < len(s) && !utf8.RuneStart(s[tail]) {
		tail++
	}
	return s[:head] + "…" + s[tail:]
}

// join extends a dotted field path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index extends a field path with a list index.
func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// resolve follows an alias (*name) to the node it names. An alias never
// names another alias, and checkAliases has bounded what aliases expand
// to (and refused one inside its own value) before any field is read.
func resolve(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// isNull reports an absent value written as `key:`, `~` or `null`.
func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// describe names the kind of n for "got ..." in messages.
func describe(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case isNull(n):
		return "nothing"
	}
	return fmt.Sprintf("%q", elide(n.Value))
}

// fields returns the values of mapping n by key. Keys not in valid and keys
// given twice are problems; ok is false when n is not a mapping at all.
func (c *checker) fields(n *yaml.Node, path string, valid []string) (f map[string]*yaml.Node, ok bool) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		c.addf(n, path, "must be a mapping with the fields %s, got %s", strings.Join(valid, ", "), describe(n))
		return nil, false
	}
	f = make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := resolve(n.Content[i]), resolve(n.Content[i+1])
		if key.Kind != yaml.ScalarNode {
			c.addf(key, path, "field names must be plain words, got %s", describe(key))
			continue
		}
		name := key.Value
		switch {
		case !slices.Contains(valid, name):
			c.addf(key, join(path, name), "unknown field%s; valid fields: %s", suggest(name, valid), strings.Join(valid, ", "))
		case f[name] != nil:
			c.addf(key, join(path, name), "given twice (first on line %d); keep one", f[name].Line)
		default:
			f[name] = value
		}
	}
	return f, true
}

// str reads a non-empty scalar; want says what would be valid.
func (c *checker) str(n *yaml.Node, path, want string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || isNull(n) || strings.TrimSpace(n.Value) == "" {
		c.addf(n, path, "must be %s, got %s", want, describe(n))
		return "", false
	}
	return strings.TrimSpace(n.Value), true
}

// seq reads a list; want says what its items should be.
func (c *checker) seq(n *yaml.Node, path, want string) ([]*yaml.Node, bool) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		c.addf(n, path, "must be a list of %s, got %s", want, describe(n))
		return nil, false
	}
	return n.Content, true
}

// capItems returns the first max items of the list at path. More is a
// problem on the first item over, which is where the list must end; those
// items are not checked, so a list of a million costs no more than max.
func (c *checker) capItems(items []*yaml.Node, path, what string, max int) []*yaml.Node {
	if len(items) <= max {
		return items
	}
	c.addf(items[max], path, "lists %d %s, over the cap of %d; keep at most %d (%s on this line and those after it were not checked)", len(items), what, max, max, index(path, max))
	return items[:max]
}

// strs reads a list of non-empty strings.
func (c *checker) strs(n *yaml.Node, path, want string) []string {
	items, ok := c.seq(n, path, want)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		if s, ok := c.str(item, index(path, i), want); ok {
			out = append(out, s)
		}
	}
	return out
}

// suggest returns ` (did you mean "x"?)` for a near miss of a valid name.
func suggest(name string, valid []string) string {
	best, bestDist := "", 3
	for _, v := range valid {
		// The distance is at least the difference in length: a long
		// (or hostile) name costs nothing.
		if abs(len(name)-len(v)) >= bestDist {
			continue
		}
		if d := editDistance(name, v); d < bestDist {
			best, bestDist = v, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func abs(x int) int { return max(x, -x) }

// editDistance is the Levenshtein distance of a and b, for typo hints. It
// allocates nothing when b is a field name (under 32 bytes): a file of
// unknown keys asks for one hint per key.
func editDistance(a, b string) int {
	n := len(b) + 1
	var buf [64]int
	var rows []int
	if 2*n <= len(buf) {
		rows = buf[:2*n]
	} else {
		rows = make([]int, 2*n)
	}
	prev, cur := rows[:n], rows[n:]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
