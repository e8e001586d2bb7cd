package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/server"
)

// A problem's type, resolved against the URL that was asked as RFC 9457
// says, opens slod's own page at that type's entry.
func TestProblemTypesResolveToTheirDocs(t *testing.T) {
	h := newHandler(t, snapshot(t), &memStore{}, server.Config{})
	asked, err := url.Parse("http://127.0.0.1:8080/api/v1/services/nosuch")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, asked.String(), nil))
	var p api.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != http.StatusNotFound {
		t.Fatalf("%d %s (%v)", rec.Code, rec.Body, err)
	}
	ref, err := url.Parse(p.Type)
	if err != nil {
		t.Fatal(err)
	}
	doc := asked.ResolveReference(ref)
	if doc.String() != "http://127.0.0.1:8080/docs/problems#unknown-service" {
		t.Fatalf("type %q resolves to %s", p.Type, doc)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, doc.Path, nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET %s: %d %s", doc.Path, rec.Code, rec.Header().Get("Content-Type"))
	}
	page := rec.Body.String()
	// Every type has its anchor, with what to do.
	for _, d := range api.ProblemDocList {
		entry := `<dt id="` + d.Name() + `">`
		i := strings.Index(page, entry)
		if i < 0 {
			t.Errorf("the page has no anchor for %s", d.Type)
			continue
		}
		if !strings.Contains(page[i:], "What to do: ") {
			t.Errorf("the entry of %s says nothing to do", d.Type)
		}
	}
}
