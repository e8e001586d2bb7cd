package server_test

import (
	"io/fs"
	"mime"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/server"
	"github.com/slo-dev/slo/web"
)

// TestDashboardAssets fetches the page and every embedded file through
// slod's own routes. Each answer carries the CSP, and the ES modules a
// JavaScript type: with nosniff, browsers refuse a module script served
// as anything else.
func TestDashboardAssets(t *testing.T) {
	h := newHandler(t, snapshot(t), &memStore{}, server.Config{Clock: func() time.Time { return now }})
	routes := []string{"/"}
	var modules int
	err := fs.WalkDir(web.Assets, ".", func(name string, d fs.DirEntry, err error) error {
		// index.html is the page at /; under /static/ it redirects there.
		if err == nil && !d.IsDir() && name != "index.html" {
			routes = append(routes, "/static/"+name)
		}
		if path.Ext(name) == ".js" {
			modules++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if modules < 2 {
		t.Fatalf("%d JavaScript files embedded; want js/main.js and its modules", modules)
	}
	for _, route := range routes {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, route, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", route, rec.Code)
			continue
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q, want script-src 'self'", route, csp)
		}
		if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q, want nosniff", route, got)
		}
		if path.Ext(route) != ".js" {
			continue
		}
		// Go's table says text/javascript; a system mime.types may say
		// application/javascript, which browsers take as well.
		ct, _, err := mime.ParseMediaType(rec.Header().Get("Content-Type"))
		if err != nil || (ct != "text/javascript" && ct != "application/javascript") {
			t.Errorf("GET %s: Content-Type %q, want text/javascript", route, rec.Header().Get("Content-Type"))
		}
	}
}
