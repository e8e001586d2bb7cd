package web

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

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
	for _, name := range []string{"index.html", "app.css", "app.js"} {
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
	inline := map[string]*regexp.Regexp{
		"index.html": regexp.MustCompile(`<style|<script>|<script [^>]*>[^<]|\sstyle=|\son[a-z]+=`),
		"app.js":     regexp.MustCompile(`\bstyle: |'style'|setAttribute\('on`),
	}
	for name, re := range inline {
		if m := re.FindString(readAsset(t, name)); m != "" {
			t.Errorf("%s has inline style or script %q; the CSP (style-src/script-src 'self') blocks it", name, m)
		}
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

	for path, want := range map[string]string{
		"/":               "text/html",
		"/static/app.js":  "javascript",
		"/static/app.css": "text/css",
	} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", path, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, want) {
			t.Errorf("GET %s: Content-Type %q, want %s", path, ct, want)
		}
	}
}
