package slo

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/testing/kubetest"
)

// spec is a valid one-SLO spec body; service is left out when empty, so
// the loader names the service after the file or folder.
func spec(service string) string {
	head := ""
	if service != "" {
		head = "service: " + service + "\n"
	}
	return head + `slos:
  - name: availability
    target: 99.9%
    window: 30d
    sli:
      events:
        errors: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total[{{.window}}]))
`
}

// tree writes files (slash-separated path relative to root -> content) and
// symlinks (path -> target, as os.Symlink takes it) under root.
func tree(t *testing.T, root string, files, links map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for p, target := range links {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.FromSlash(target), full); err != nil {
			t.Fatal(err)
		}
	}
}

// rel makes paths relative to root and slash-separated, for comparison.
func rel(t *testing.T, root string, paths []string) []string {
	t.Helper()
	out := make([]string, len(paths))
	for i, p := range paths {
		r, err := filepath.Rel(root, p)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = filepath.ToSlash(r)
	}
	return out
}

func services(specs []Spec) []string {
	var out []string
	for _, s := range specs {
		out = append(out, s.Service)
	}
	return out
}

func noProblems(t *testing.T, problems []Problem) {
	t.Helper()
	for _, p := range problems {
		t.Errorf("unexpected problem: %s", p)
	}
}

// The seed's layout: services/<name>/slo.yaml without service:, each
// service named after its folder.
func TestLoadSeedLayout(t *testing.T) {
	root := t.TempDir()
	tree(t, root, map[string]string{
		"services/payment-api/slo.yaml": spec(""),
		"services/checkout/slo.yaml":    spec(""),
		"services/search/slo.yml":       spec(""),
		"services/README.md":            "# not a spec",
	}, nil)
	specs, problems := Load(filepath.Join(root, "services"))
	noProblems(t, problems)
	// Folders in name order: checkout, payment-api, search.
	if got, want := services(specs), []string{"checkout", "payment-api", "search"}; !reflect.DeepEqual(got, want) {
		t.Errorf("services = %v, want %v", got, want)
	}
	if len(specs) == 3 && specs[1].File != filepath.Join(root, "services", "payment-api", "slo.yaml") {
		t.Errorf("payment-api file = %s", specs[1].File)
	}
}

// A monorepo keeps slo.yaml next to each service's code, at any depth;
// hidden folders (.git, .github) and non-YAML files are not read.
func TestDiscoverMonorepo(t *testing.T) {
	root := t.TempDir()
	tree(t, root, map[string]string{
		"team-b/search/slo.yaml":                   spec(""),
		"team-a/checkout/deploy/slo.yaml":          spec("checkout"),
		"team-a/checkout/src/main.go":              "package main",
		"team-a/payments/api/slo.yml":              spec("payments-api"),
		"team-a/payments/worker/slo.yaml":          spec("payments-worker"),
		"top.yaml":                                 spec("top"),
		".github/workflows/ci.yaml":                "on: push",
		"team-a/.hidden.yaml":                      "not: read",
		"team-a/checkout/src/.cache/x/slo.yaml":    "not: read",
		"team-a/checkout/src/testdata/empty/.keep": "",
	}, nil)
	found := Sources{Paths: []string{root}}.Discover()
	noProblems(t, found.Problems)
	wantFiles := []string{
		"team-a/checkout/deploy/slo.yaml",
		"team-a/payments/api/slo.yml",
		"team-a/payments/worker/slo.yaml",
		"team-b/search/slo.yaml",
		"top.yaml",
	}
	if got := rel(t, root, found.Files); !reflect.DeepEqual(got, wantFiles) {
		t.Errorf("files =\n%v\nwant\n%v", got, wantFiles)
	}
	// Every folder searched is watched; hidden ones are neither.
	wantDirs := []string{".", "team-a", "team-a/checkout", "team-a/checkout/deploy", "team-a/checkout/src",
		"team-a/checkout/src/testdata", "team-a/checkout/src/testdata/empty",
		"team-a/payments", "team-a/payments/api", "team-a/payments/worker", "team-b", "team-b/search"}
	if got := rel(t, root, found.Dirs); !reflect.DeepEqual(got, wantDirs) {
		t.Errorf("dirs =\n%v\nwant\n%v", got, wantDirs)
	}
	specs, problems := found.Load()
	noProblems(t, problems)
	if got, want := services(specs), []string{"checkout", "payments-api", "payments-worker", "search", "top"}; !reflect.DeepEqual(got, want) {
		t.Errorf("services = %v, want %v", got, want)
	}
}

// A ConfigMap mounted as a folder: each file is read once, through its
// top-level link, and named after the mount folder.
func TestDiscoverConfigMapVolume(t *testing.T) {
	mount := filepath.Join(t.TempDir(), "checkout")
	cm := kubetest.NewConfigMap(t, mount, map[string]string{"slo.yaml": spec(""), "extra.yml": spec("extra")})
	found := Sources{Paths: []string{mount}}.Discover()
	noProblems(t, found.Problems)
	if got, want := rel(t, mount, found.Files), []string{"extra.yml", "slo.yaml"}; !reflect.DeepEqual(got, want) {
		t.Errorf("files = %v, want %v (the ..data and ..2026 folders are not searched)", got, want)
	}
	if got, want := rel(t, mount, found.Dirs), []string{"."}; !reflect.DeepEqual(got, want) {
		t.Errorf("dirs = %v, want %v", got, want)
	}
	specs, problems := found.Load()
	noProblems(t, problems)
	if got, want := services(specs), []string{"extra", "checkout"}; !reflect.DeepEqual(got, want) {
		t.Errorf("services = %v, want %v", got, want)
	}
	// After an update the same paths hold the new content.
	cm.Update(t, map[string]string{"slo.yaml": spec(""), "extra.yml": spec("extra-v2")})
	specs, problems = Load(mount)
	noProblems(t, problems)
	if got, want := services(specs), []string{"extra-v2", "checkout"}; !reflect.DeepEqual(got, want) {
		t.Errorf("services after the update = %v, want %v", got, want)
	}
	if got, want := rel(t, mount, Sources{Paths: []string{mount}}.Discover().Files), []string{"extra.yml", "slo.yaml"}; !reflect.DeepEqual(got, want) {
		t.Errorf("files after the update = %v, want %v", got, want)
	}
}

// Symlink cycles end: every file is found once, under its first path.
func TestDiscoverSymlinkLoop(t *testing.T) {
	root := t.TempDir()
	tree(t, root, map[string]string{
		"a/slo.yaml":   spec("a"),
		"a/b/slo.yaml": spec("b"),
	}, map[string]string{
		"a/b/up":   "../..", // back to root
		"a/b/self": ".",
		"a/loop":   "../a",
		"z":        "a/b", // a second link to a folder already searched
	})
	found := Sources{Paths: []string{root}}.Discover()
	noProblems(t, found.Problems)
	if got, want := rel(t, root, found.Files), []string{"a/b/slo.yaml", "a/slo.yaml"}; !reflect.DeepEqual(got, want) {
		t.Errorf("files = %v, want %v", got, want)
	}
	if got, want := rel(t, root, found.Dirs), []string{".", "a", "a/b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("dirs = %v, want %v", got, want)
	}
}

// A symlink to a folder elsewhere is followed.
func TestDiscoverFollowsFolderLinks(t *testing.T) {
	base := t.TempDir()
	tree(t, base, map[string]string{"shared/search/slo.yaml": spec("")}, map[string]string{"slos/search": "../shared/search"})
	specs, problems := Load(filepath.Join(base, "slos"))
	noProblems(t, problems)
	if len(specs) != 1 || specs[0].Service != "search" || specs[0].File != filepath.Join(base, "slos", "search", "slo.yaml") {
		t.Errorf("specs = %+v, want search read through the link", specs)
	}
}

// Two folders defining one service: both files are named, with the line.
func TestLoadDuplicateServiceAcrossFolders(t *testing.T) {
	root := t.TempDir()
	tree(t, root, map[string]string{
		"team-a/checkout/slo.yaml": spec("checkout"),
		"team-b/checkout/slo.yaml": "# moved from team-a\n" + spec("checkout"),
		"team-b/search/slo.yaml":   spec(""),
	}, nil)
	a := filepath.Join(root, "team-a", "checkout", "slo.yaml")
	b := filepath.Join(root, "team-b", "checkout", "slo.yaml")
	specs, problems := Load(root)
	if got := services(specs); !reflect.DeepEqual(got, []string{"search"}) {
		t.Errorf("services = %v, want only search", got)
	}
	want := []Problem{
		{File: a, Line: 1, Field: "service", Message: `service "checkout" is also defined in ` + b + `:2; service names must be unique across files`},
		{File: b, Line: 2, Field: "service", Message: `service "checkout" is also defined in ` + a + `:1; service names must be unique across files`},
	}
	if !reflect.DeepEqual(problems, want) {
		t.Errorf("problems =\n%v\nwant\n%v", problems, want)
	}
}

// Several paths: read in the order given, each file once even when the
// paths overlap, and a path inside one searched before is not "empty".
func TestDiscoverSeveralPaths(t *testing.T) {
	root := t.TempDir()
	tree(t, root, map[string]string{
		"platform/ingress/slo.yaml": spec(""),
		"services/b/slo.yaml":       spec(""),
		"services/a/slo.yaml":       spec(""),
	}, nil)
	platform, services, b := filepath.Join(root, "platform"), filepath.Join(root, "services"), filepath.Join(root, "services", "b")
	found := Sources{Paths: []string{services, platform, b, services + "/", filepath.Join(b, "slo.yaml")}}.Discover()
	noProblems(t, found.Problems)
	want := []string{"services/a/slo.yaml", "services/b/slo.yaml", "platform/ingress/slo.yaml"}
	if got := rel(t, root, found.Files); !reflect.DeepEqual(got, want) {
		t.Errorf("files = %v, want %v", got, want)
	}
	// The subfolder first, then its parent: still each file once.
	found = Sources{Paths: []string{b, services}}.Discover()
	noProblems(t, found.Problems)
	want = []string{"services/b/slo.yaml", "services/a/slo.yaml"}
	if got := rel(t, root, found.Files); !reflect.DeepEqual(got, want) {
		t.Errorf("files = %v, want %v", got, want)
	}
}

func TestDiscoverExclude(t *testing.T) {
	root := t.TempDir()
	tree(t, root, map[string]string{
		"checkout/slo.yaml":              spec(""),
		"checkout/slo.tmpl.yaml":         "{{ template }}",
		"legacy/old/slo.yaml":            spec("old"),
		"legacy/keep.yaml":               spec("keep"),
		"search/testdata/broken/slo.yml": "broken: [",
		"search/slo.yaml":                spec(""),
	}, nil)
	src := Sources{Paths: []string{root}, Exclude: []string{
		"*.tmpl.yaml", // a base name, at any depth
		"legacy/*",    // a relative path: everything directly in legacy
		"testdata",    // a folder name: not searched at all
	}}
	if err := src.CheckExclude(); err != nil {
		t.Fatal(err)
	}
	found := src.Discover()
	noProblems(t, found.Problems)
	if got, want := rel(t, root, found.Files), []string{"checkout/slo.yaml", "search/slo.yaml"}; !reflect.DeepEqual(got, want) {
		t.Errorf("files = %v, want %v", got, want)
	}
	if got, want := rel(t, root, found.Dirs), []string{".", "checkout", "legacy", "search"}; !reflect.DeepEqual(got, want) {
		t.Errorf("dirs = %v, want %v", got, want)
	}
	// A file given by path is read even when a pattern matches it.
	tmpl := filepath.Join(root, "checkout", "slo.tmpl.yaml")
	found = Sources{Paths: []string{tmpl}, Exclude: src.Exclude}.Discover()
	if !reflect.DeepEqual(found.Files, []string{tmpl}) {
		t.Errorf("files = %v, want the explicit %s", found.Files, tmpl)
	}
	// Its folder is watched, so editors that replace the file are seen.
	if want := []string{filepath.Join(root, "checkout")}; !reflect.DeepEqual(found.Dirs, want) {
		t.Errorf("dirs = %v, want %v", found.Dirs, want)
	}
	// Everything excluded leaves the folder without specs.
	found = Sources{Paths: []string{filepath.Join(root, "legacy")}, Exclude: []string{"*.yaml", "old"}}.Discover()
	if len(found.Files) != 0 || len(found.Problems) != 1 || !strings.Contains(found.Problems[0].Message, "no *.yaml or *.yml spec files") {
		t.Errorf("found = %+v, want one problem about no spec files", found)
	}
}

func TestCheckExclude(t *testing.T) {
	err := Sources{Exclude: []string{"*.yaml", "legacy/[a-"}}.CheckExclude()
	if err == nil || !strings.Contains(err.Error(), `"legacy/[a-"`) {
		t.Errorf("CheckExclude = %v, want an error naming legacy/[a-", err)
	}
	if err := (Sources{Exclude: []string{"*.yaml", "a/*/b", "[!.]*"}}).CheckExclude(); err != nil {
		t.Errorf("CheckExclude = %v, want nil", err)
	}
}

// A tree without spec files is a problem about the folder searched; a
// dangling link named like a spec is a problem about that file.
func TestDiscoverNothingFound(t *testing.T) {
	root := t.TempDir()
	tree(t, root, map[string]string{"empty/a/b/README.md": "", "empty/.hidden/slo.yaml": spec("x")}, map[string]string{"dangling/slo.yaml": "../nowhere.yaml"})
	found := Sources{Paths: []string{filepath.Join(root, "empty"), filepath.Join(root, "dangling")}}.Discover()
	if len(found.Files) != 0 || len(found.Problems) != 2 {
		t.Fatalf("found = %+v, want no files and two problems", found)
	}
	p := found.Problems[0]
	if p.File != filepath.Join(root, "empty") || p.Line != 0 || p.Message != "folder has no *.yaml or *.yml spec files (searched recursively)" {
		t.Errorf("problem 0 = %s", p)
	}
	p = found.Problems[1]
	if p.File != filepath.Join(root, "dangling", "slo.yaml") || !strings.HasPrefix(p.Message, "cannot read: ") {
		t.Errorf("problem 1 = %s, want the dangling link unreadable", p)
	}
}
