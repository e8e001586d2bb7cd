package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/gate"
	"github.com/slo-dev/slo/internal/server"
	"github.com/slo-dev/slo/internal/store"
)

// The fuzz targets send arbitrary bodies and query strings through slod's
// real router, over the snapshot of json_test.go and a real SQLite store
// (so a write the database refuses shows as the 5xx it would be). Any 5xx
// fails, a recovered panic included (it answers 500), and so does an
// answer that is not JSON. Seeds are in testdata/fuzz/<FuzzName>/; fuzz
// with e.g. go test -run '^$' -fuzz FuzzCanDeployBody -fuzztime 1m ./internal/server

const fuzzToken = "fuzz-token"

// fuzzStore opens a store for one fuzz target; inputs share it.
func fuzzStore(f *testing.F) *store.Store {
	f.Helper()
	st, err := store.Open(filepath.Join(f.TempDir(), "slod.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	return st
}

// fuzzHandler builds the router as slod does, over st.
func fuzzHandler(t *testing.T, st *store.Store) http.Handler {
	t.Helper()
	snap := fixedSnapshot{snapshot(t)}
	quiet := slog.New(slog.DiscardHandler)
	clock := func() time.Time { return now }
	g := gate.New(snap, st, quiet, gate.Options{Clock: clock})
	if err := g.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return server.New(snap, g, quiet, server.Config{Tokens: []string{fuzzToken}, Clock: clock},
		prometheus.NewRegistry(), prometheus.NewRegistry())
}

// serve sends one request with the raw query as given and fails on a 5xx
// or an answer that is not JSON.
func serve(t *testing.T, h http.Handler, method, path, rawQuery string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req, err := http.NewRequest(method, "http://slod"+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	// As sent on the wire, unparsed: the server must cope with any bytes.
	req.URL.RawQuery = rawQuery
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+fuzzToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	where := fmt.Sprintf("%s %s?%q body %q", method, path, rawQuery, body)
	if rec.Code >= 500 {
		t.Fatalf("%s: status %d: %s", where, rec.Code, rec.Body)
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("%s: status %d with a body that is not JSON: %q", where, rec.Code, rec.Body)
	}
	return rec
}

// FuzzCanDeployBody POSTs arbitrary bodies to can-deploy; a 200 must carry
// the decision's log id.
func FuzzCanDeployBody(f *testing.F) {
	st := fuzzStore(f)
	f.Fuzz(func(t *testing.T, service string, body []byte) {
		h := fuzzHandler(t, st)
		rec := serve(t, h, http.MethodPost, "/api/v1/services/"+url.PathEscape(service)+"/can-deploy", "", body)
		if rec.Code != http.StatusOK {
			return
		}
		var d api.Decision
		if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil || d.DecisionID == nil {
			t.Fatalf("200 without a decision id (%v): %s", err, rec.Body)
		}
	})
}

// FuzzOverrideBody POSTs arbitrary override requests; one created must be
// listed and revocable.
func FuzzOverrideBody(f *testing.F) {
	st := fuzzStore(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		h := fuzzHandler(t, st)
		rec := serve(t, h, http.MethodPost, "/api/v1/services/checkout/overrides", "", body)
		if rec.Code != http.StatusCreated {
			return
		}
		var o api.Override
		if err := json.Unmarshal(rec.Body.Bytes(), &o); err != nil || o.ID <= 0 || !o.Active {
			t.Fatalf("201 without an active override (%v): %s", err, rec.Body)
		}
		path := fmt.Sprintf("/api/v1/services/checkout/overrides/%d", o.ID)
		if rec := serve(t, h, http.MethodDelete, path, "actor=fuzz", nil); rec.Code != http.StatusOK {
			t.Fatalf("revoking the override just created: status %d: %s", rec.Code, rec.Body)
		}
	})
}

// queryRoutes are the GET endpoints that read query parameters.
var queryRoutes = []string{
	"/api/v1/decisions",
	"/api/v1/services/checkout/slos/availability/history",
	"/api/v1/services/checkout/can-deploy",
	"/api/v1/services/checkout/gate",
	"/api/v1/services/checkout/overrides",
	"/api/v1/services/search/can-deploy",
}

// FuzzQueryParams sends arbitrary query strings to every endpoint that
// reads parameters.
func FuzzQueryParams(f *testing.F) {
	st := fuzzStore(f)
	f.Fuzz(func(t *testing.T, route uint8, rawQuery string) {
		h := fuzzHandler(t, st)
		serve(t, h, http.MethodGet, queryRoutes[int(route)%len(queryRoutes)], rawQuery, nil)
	})
}
