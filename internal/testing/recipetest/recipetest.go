// Package recipetest reads the recipes of docs/integrations.md for tests,
// so that the YAML a user copies from the page is what the tests check:
// its ```yaml blocks as plain maps, and the Argo Rollouts web metric's
// jsonPath and successCondition evaluated in the simple forms the page
// uses; and the marked before/after examples of docs/migrating.md.
//
// Only tests import it.
package recipetest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// doc is the page, relative to the module root.
const doc = "docs/integrations.md"

var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// Blocks returns the ```yaml blocks of docs/integrations.md, each checked
// to be valid YAML so that copy-pasted snippets work.
func Blocks(t testing.TB) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(docPath(t))
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, m := range yamlBlock.FindAllStringSubmatch(string(b), -1) {
		var v map[string]any
		if err := yaml.Unmarshal([]byte(m[1]), &v); err != nil {
			t.Fatalf("invalid YAML in %s: %v\n%s", doc, err, m[1])
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		t.Fatalf("no yaml blocks in %s", doc)
	}
	return out
}

// Object returns the first block of the given kind.
func Object(t testing.TB, kind string) map[string]any {
	t.Helper()
	for _, b := range Blocks(t) {
		if b["kind"] == kind {
			return b
		}
	}
	t.Fatalf("no %s in %s", kind, doc)
	return nil
}

// marked is a fenced block announced by an HTML comment on the line
// before it: <!-- example: NAME -->.
var marked = regexp.MustCompile("(?s)<!-- example: ([a-z0-9-]+) -->\n```[a-z]*\n(.*?)```")

// Examples returns the marked blocks of a page (docs/migrating.md), by
// name, as written: the text a user copies is the text the tests check.
func Examples(t testing.TB, page string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(pagePath(t, page))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range marked.FindAllStringSubmatch(string(b), -1) {
		if _, dup := out[m[1]]; dup {
			t.Fatalf("%s: example %q is marked twice", page, m[1])
		}
		out[m[1]] = m[2]
	}
	if len(out) == 0 {
		t.Fatalf("%s: no <!-- example: NAME --> blocks", page)
	}
	return out
}

// Dig walks maps by key (a string) and lists by index (an int).
func Dig(t testing.TB, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			k, _ := p.(string)
			v = x[k]
		case []any:
			i, ok := p.(int)
			if !ok || i < 0 || i >= len(x) {
				t.Fatalf("dig %v: cannot index %v", path, p)
			}
			v = x[i]
		default:
			t.Fatalf("dig %v: %v not found", path, p)
		}
	}
	return v
}

// String is Dig for a value that must be a string.
func String(t testing.TB, v any, path ...any) string {
	t.Helper()
	s, ok := Dig(t, v, path...).(string)
	if !ok {
		t.Fatalf("%v is not a string", path)
	}
	return s
}

// EvalJSONPath evaluates the `{$.a.b}` form of Argo's jsonPath on a JSON
// body.
func EvalJSONPath(t testing.TB, path string, body []byte) any {
	t.Helper()
	p, ok := strings.CutPrefix(path, "{$.")
	if !ok || !strings.HasSuffix(p, "}") {
		t.Fatalf("jsonPath %q is not of the form {$.field}", path)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, body)
	}
	for _, key := range strings.Split(strings.TrimSuffix(p, "}"), ".") {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("jsonPath %q: %v is not an object", path, v)
		}
		if v, ok = m[key]; !ok {
			t.Fatalf("jsonPath %q: no field %q in %s", path, key, body)
		}
	}
	return v
}

// EvalCondition evaluates the `result == <JSON literal>` form of Argo's
// successCondition.
func EvalCondition(t testing.TB, cond string, result any) bool {
	t.Helper()
	lit, ok := strings.CutPrefix(cond, "result == ")
	if !ok {
		t.Fatalf("successCondition %q is not of the form result == literal", cond)
	}
	var want any
	if err := json.Unmarshal([]byte(lit), &want); err != nil {
		t.Fatalf("successCondition %q: %v", cond, err)
	}
	return reflect.DeepEqual(result, want)
}

// docPath finds docs/integrations.md.
func docPath(t testing.TB) string {
	t.Helper()
	return pagePath(t, doc)
}

// pagePath finds a page of the repository, given relative to the module
// root, from the test's working directory (its package's folder) by
// walking up to the module root, so any package can use it.
func pagePath(t testing.TB, doc string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, doc)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("%s: no go.mod above the test's directory", doc)
		}
		dir = parent
	}
}
