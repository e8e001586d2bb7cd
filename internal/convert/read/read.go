// Package read is the strict reading of other tools' spec files that the
// converters share: YAML documents with their lines, mappings whose
// unknown fields are named, and issues (errors and warnings) at file:line.
// It is pure: bytes in, values out.
package read

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Source is one file's contents.
type Source struct {
	File string
	Data []byte
}

// Issue is one thing a conversion could not carry over as it was. An error
// stops the services drawing on its file; a warning says what was left out
// or changed.
type Issue struct {
	File    string
	Line    int
	Field   string
	Message string
	Warning bool
}

// String renders the issue as "file:line: field: message".
func (i Issue) String() string {
	loc := i.File
	if i.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, i.Line)
	}
	if i.Field != "" {
		loc += ": " + i.Field
	}
	return loc + ": " + i.Message
}

// Reader reads the nodes of one file and collects its issues.
type Reader struct {
	File   string
	Issues *[]Issue
}

// Errorf records an error at n's line.
func (r Reader) Errorf(n *yaml.Node, field, format string, args ...any) {
	r.add(n, field, false, format, args...)
}

// Warnf records a warning at n's line.
func (r Reader) Warnf(n *yaml.Node, field, format string, args ...any) {
	r.add(n, field, true, format, args...)
}

func (r Reader) add(n *yaml.Node, field string, warning bool, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	*r.Issues = append(*r.Issues, Issue{File: r.File, Line: line, Field: field, Message: fmt.Sprintf(format, args...), Warning: warning})
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Documents decodes every YAML document of the file; a null document
// (an empty one between two "---") is skipped. Aliases are refused: no
// other tool's examples use them, and refusing them bounds the work.
func (r Reader) Documents(data []byte) []*yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			line, msg := 0, strings.TrimPrefix(err.Error(), "yaml: ")
			if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = m[2]
			}
			*r.Issues = append(*r.Issues, Issue{File: r.File, Line: line, Message: "invalid YAML: " + msg})
			return docs
		}
		if len(doc.Content) == 0 || IsNull(doc.Content[0]) {
			continue
		}
		if a := findAlias(doc.Content[0]); a != nil {
			r.Errorf(a, "", "YAML aliases (*%s) are not read in converted files; write the value out", a.Value)
			continue
		}
		docs = append(docs, doc.Content[0])
	}
}

func findAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		return n
	}
	for _, c := range n.Content {
		if a := findAlias(c); a != nil {
			return a
		}
	}
	return nil
}

// IsNull reports a value written as `key:`, `~` or `null`.
func IsNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// Join extends a dotted field path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Index extends a field path with a list index.
func Index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// Fields returns the values of mapping n by key, with the key nodes (for
// lines). Keys outside valid are errors naming the valid ones; keys in
// ignored are warned about as not carried over, with why.
func (r Reader) Fields(n *yaml.Node, path string, valid []string, ignored map[string]string) (Mapping, bool) {
	if n.Kind != yaml.MappingNode {
		r.Errorf(n, path, "must be a mapping with the fields %s", strings.Join(valid, ", "))
		return Mapping{}, false
	}
	m := Mapping{Node: n, Values: map[string]*yaml.Node{}, Keys: map[string]*yaml.Node{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		name := key.Value
		switch why, skip := ignored[name]; {
		case skip:
			r.Warnf(key, Join(path, name), "not carried over: %s", why)
		case !slices.Contains(valid, name):
			r.Errorf(key, Join(path, name), "unknown field; valid fields: %s", strings.Join(valid, ", "))
		case m.Values[name] != nil:
			r.Errorf(key, Join(path, name), "given twice (first on line %d); keep one", m.Keys[name].Line)
		default:
			m.Values[name], m.Keys[name] = value, key
		}
	}
	return m, true
}

// Mapping is a mapping read by Fields.
type Mapping struct {
	Node   *yaml.Node
	Values map[string]*yaml.Node
	Keys   map[string]*yaml.Node
}

// Str reads the non-empty string at key; a missing one is an error when
// required. The node returned is the value's, or the mapping's when absent.
func (r Reader) Str(m Mapping, path, key string, required bool) (string, *yaml.Node) {
	v := m.Values[key]
	if v == nil {
		if required {
			r.Errorf(m.Node, Join(path, key), "missing")
		}
		return "", m.Node
	}
	if v.Kind != yaml.ScalarNode || IsNull(v) || strings.TrimSpace(v.Value) == "" {
		r.Errorf(v, Join(path, key), "must be a non-empty string")
		return "", v
	}
	return strings.TrimSpace(v.Value), v
}

// Bool reads a true/false at key (false when absent).
func (r Reader) Bool(m Mapping, path, key string) bool {
	v := m.Values[key]
	if v == nil {
		return false
	}
	b, err := strconv.ParseBool(v.Value)
	if v.Kind != yaml.ScalarNode || err != nil {
		r.Errorf(v, Join(path, key), "must be true or false")
	}
	return b
}

// Seq reads the list at key (nil when absent).
func (r Reader) Seq(m Mapping, path, key string) []*yaml.Node {
	v := m.Values[key]
	if v == nil {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		r.Errorf(v, Join(path, key), "must be a list")
		return nil
	}
	return v.Content
}

// StringMap reads a mapping of strings to strings at key, in order.
func (r Reader) StringMap(m Mapping, path, key string) [][2]*yaml.Node {
	v := m.Values[key]
	if v == nil {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		r.Errorf(v, Join(path, key), "must be a mapping of names to strings")
		return nil
	}
	var out [][2]*yaml.Node
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		if val.Kind != yaml.ScalarNode {
			r.Errorf(val, Join(Join(path, key), k.Value), "must be a string")
			continue
		}
		out = append(out, [2]*yaml.Node{k, val})
	}
	return out
}

// Unique drops repeated issues (a definition used by several documents is
// checked once for each), keeping the first of each.
func Unique(issues []Issue) []Issue {
	seen := map[Issue]bool{}
	out := issues[:0:0]
	for _, i := range issues {
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	return out
}

// EachDocument converts every document of a file that stands alone (Sloth,
// Pyrra) with convert, keeping what it could convert.
func EachDocument[T any](src Source, convert func(Reader, *yaml.Node) (T, bool)) ([]T, []Issue) {
	var issues []Issue
	r := Reader{File: src.File, Issues: &issues}
	var out []T
	for _, n := range r.Documents(src.Data) {
		if v, ok := convert(r, n); ok {
			out = append(out, v)
		}
	}
	return out, issues
}
