package web

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"
)

// assets lists every embedded file: the page, its stylesheet and modules.
func assets(t *testing.T) []string {
	t.Helper()
	var names []string
	err := fs.WalkDir(Assets, ".", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, name)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func readAsset(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(Assets, name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return string(b)
}

// TestIndexReferencesEmbeddedAssets checks that every src and href of
// index.html is either in-page (#...), inline (data:) or a relative path
// served from Assets under static/, so the page loads nothing from the
// network.
func TestIndexReferencesEmbeddedAssets(t *testing.T) {
	index := readAsset(t, "index.html")
	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(index, -1)
	if len(refs) == 0 {
		t.Fatal("index.html has no src or href")
	}
	var assets int
	for _, m := range refs {
		ref := m[1]
		switch {
		case strings.HasPrefix(ref, "#"), strings.HasPrefix(ref, "data:"), strings.HasPrefix(ref, "api/v1/"):
			continue
		case strings.HasPrefix(ref, "static/"):
			if _, err := fs.Stat(Assets, strings.TrimPrefix(ref, "static/")); err != nil {
				t.Errorf("index.html references %s, which is not embedded: %v", ref, err)
			}
			assets++
		default:
			t.Errorf("index.html references %q: want #..., data:, api/v1/... or static/...", ref)
		}
	}
	if assets < 2 {
		t.Errorf("index.html loads %d embedded assets, want the stylesheet and the script", assets)
	}
}

// TestAssetsStayLocalAndEscaped guards the rules of the dashboard: no
// absolute URL (nothing from a CDN); no innerHTML/outerHTML/
// insertAdjacentHTML/document.write, so API strings only ever reach the
// page as text; and no inline style or script, which the server's
// Content-Security-Policy would block.
func TestAssetsStayLocalAndEscaped(t *testing.T) {
	for _, name := range assets(t) {
		src := readAsset(t, name)
		// The SVG namespace is an identifier, not a fetch.
		src = strings.ReplaceAll(src, `'http://www.w3.org/2000/svg'`, "")
		if m := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/`).FindString(src); m != "" {
			t.Errorf("%s contains an absolute URL %q", name, m)
		}
		for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
			if strings.Contains(src, sink) {
				t.Errorf("%s uses %s; build the DOM with textContent", name, sink)
			}
		}
	}
	html := regexp.MustCompile(`<style|<script>|<script [^>]*>[^<]|\sstyle=|\son[a-z]+=`)
	js := regexp.MustCompile(`\bstyle: |'style'|setAttribute\('on`)
	for _, name := range assets(t) {
		re := js
		switch path.Ext(name) {
		case ".html":
			re = html
		case ".css":
			continue
		}
		if m := re.FindString(readAsset(t, name)); m != "" {
			t.Errorf("%s has inline style or script %q; the CSP (style-src/script-src 'self') blocks it", name, m)
		}
	}
}

// TestModulesResolve follows the imports from js/main.js, the page's one
// script: every import must be a relative path to an embedded module (no
// bare specifier, no URL), and every embedded module must be reached, so
// no dead file ships.
func TestModulesResolve(t *testing.T) {
	if !strings.Contains(readAsset(t, "index.html"), `<script type="module" src="static/js/main.js"></script>`) {
		t.Fatal("index.html does not load static/js/main.js as a module")
	}
	imports := regexp.MustCompile(`(?m)^import\s[^;]*?\sfrom\s+'([^']+)';`)
	reached := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if reached[name] {
			return
		}
		reached[name] = true
		for _, m := range imports.FindAllStringSubmatch(readAsset(t, name), -1) {
			spec := m[1]
			if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") {
				t.Errorf("%s imports %q: want a relative path (./x.js)", name, spec)
				continue
			}
			target := path.Join(path.Dir(name), spec)
			if _, err := fs.Stat(Assets, target); err != nil {
				t.Errorf("%s imports %q, which is not embedded: %v", name, spec, err)
				continue
			}
			visit(target)
		}
	}
	visit("js/main.js")
	for _, name := range assets(t) {
		if path.Ext(name) == ".js" && !reached[name] {
			t.Errorf("%s is embedded but no module imports it", name)
		}
	}
	if len(reached) < 5 {
		t.Errorf("only %d modules reached from js/main.js: the import pattern no longer matches", len(reached))
	}
}

// TestServeAtRoot serves Assets the way embed.go documents and checks that
// / is the page and /static/... the assets, with usable content types.
func TestServeAtRoot(t *testing.T) {
	mux := http.NewServeMux()
	files := http.FileServerFS(Assets)
	mux.Handle("GET /static/", http.StripPrefix("/static", files))
	mux.Handle("GET /{$}", files)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for route, want := range map[string]string{
		"/":                            "text/html",
		"/static/js/main.js":           "javascript",
		"/static/js/views/overview.js": "javascript",
		"/static/app.css":              "text/css",
	} {
		res, err := http.Get(srv.URL + route)
		if err != nil {
			t.Fatalf("GET %s: %v", route, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", route, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, want) {
			t.Errorf("GET %s: Content-Type %q, want %s", route, ct, want)
		}
	}
}
