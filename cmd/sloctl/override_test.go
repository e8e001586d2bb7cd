package main

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
)

func sampleOverride(id int64, service string) api.Override {
	created := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	return api.Override{OverrideRecord: api.OverrideRecord{ID: id, Service: service, Reason: "INC-1234 hotfix", Actor: "alice",
		CreatedAt: created, ExpiresAt: created.Add(2 * time.Hour)}, Active: true}
}

func TestOverrideCreate(t *testing.T) {
	env := cleanEnv()
	env["SLOCTL_TOKEN"] = "s3cret"
	f := newFakeSlod(t, func(w http.ResponseWriter, r *http.Request) {
		answer(t, w, http.StatusCreated, sampleOverride(7, "checkout"))
	})
	code, out, errOut := runCLI(t, env, "override", "create", "checkout", "--reason", "INC-1234 hotfix", "--for", "2h", "--server", f.URL)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// --for accepts days.
	if code, _, errOut := runCLI(t, env, "override", "create", "checkout", "--reason", "freeze exception", "--for", "1d", "--actor", "bob", "--server", f.URL); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	seen := f.seen()
	if len(seen) != 2 {
		t.Fatalf("%d requests, want 2", len(seen))
	}
	wantBodies := []map[string]string{
		{"reason": "INC-1234 hotfix", "actor": "tester", "duration": "2h"},
		{"reason": "freeze exception", "actor": "bob", "duration": "1d"},
	}
	for i, r := range seen {
		if r.Method != http.MethodPost || r.Path != "/api/v1/services/checkout/overrides" {
			t.Errorf("request %d: %s %s", i, r.Method, r.Path)
		}
		if r.Auth != "Bearer s3cret" {
			t.Errorf("request %d: Authorization = %q, want the token", i, r.Auth)
		}
		var body map[string]string
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("body %s: %v", r.Body, err)
		}
		if !reflect.DeepEqual(body, wantBodies[i]) {
			t.Errorf("request %d body = %v, want %v", i, body, wantBodies[i])
		}
	}
	want := "Override 7 created for checkout by alice, active until 2026-11-27T20:00:00Z: INC-1234 hotfix\n" +
		"Revoke it with: sloctl override revoke checkout 7\n"
	if out != want {
		t.Errorf("stdout = %q, want %q", out, want)
	}
}

func TestOverrideCreateRejectsBadInput(t *testing.T) {
	env := testEnv{} // no actor to default to
	f := newFakeSlod(t, func(w http.ResponseWriter, r *http.Request) {
		answer(t, w, http.StatusCreated, sampleOverride(7, "checkout"))
	})
	for _, args := range [][]string{
		{"override", "create", "checkout", "--for", "2h"},                    // no reason
		{"override", "create", "checkout", "--reason", "x"},                  // no duration
		{"override", "create", "checkout", "--reason", "x", "--for", "soon"}, // not a duration
		{"override", "create", "checkout", "--reason", "x", "--for", "0s"},   // not positive
		{"override", "revoke", "checkout", "seven"},
		{"override", "create", "checkout", "--reason", "x", "--for", "2h", "--actor", ""}, // no actor
	} {
		if code, _, errOut := runCLI(t, env, append(args, "--server", f.URL)...); code != exitError {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitError, errOut)
		}
	}
	if n := len(f.seen()); n != 0 {
		t.Errorf("bad input made %d requests", n)
	}
}

func TestOverrideUnauthorized(t *testing.T) {
	env := cleanEnv()
	f := newFakeSlod(t, func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusUnauthorized, "missing bearer token: send Authorization: Bearer <token>")
	})
	code, _, errOut := runCLI(t, env, "override", "revoke", "checkout", "7", "--server", f.URL)
	want := "sloctl: Unauthorized: missing bearer token: send Authorization: Bearer <token> (sloctl sends the token in $SLOCTL_TOKEN)\n"
	if code != exitError || errOut != want {
		t.Errorf("exit %d, stderr %q; want %d, %q", code, errOut, exitError, want)
	}
	if seen := f.seen(); len(seen) != 1 || seen[0].Auth != "" {
		t.Errorf("requests %+v, want one without a token", seen)
	}
}

func TestOverrideRevoke(t *testing.T) {
	env := cleanEnv()
	env["SLOCTL_TOKEN"] = "s3cret"
	revoked := sampleOverride(7, "checkout")
	revoked.Active = false
	f := newFakeSlod(t, func(w http.ResponseWriter, r *http.Request) { answer(t, w, 200, revoked) })
	code, out, errOut := runCLI(t, env, "override", "revoke", "checkout", "7", "--server", f.URL)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, env, "override", "revoke", "checkout", "8", "--actor", "carol", "--server", f.URL); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	seen := f.seen()
	if len(seen) != 2 {
		t.Fatalf("requests %+v", seen)
	}
	for i, want := range []request{
		{Method: http.MethodDelete, Path: "/api/v1/services/checkout/overrides/7", Query: "actor=tester", Auth: "Bearer s3cret"},
		{Method: http.MethodDelete, Path: "/api/v1/services/checkout/overrides/8", Query: "actor=carol", Auth: "Bearer s3cret"},
	} {
		if got := seen[i]; got.Method != want.Method || got.Path != want.Path || got.Query != want.Query || got.Auth != want.Auth {
			t.Errorf("request %d = %+v, want %+v", i, got, want)
		}
	}
	if out != "Override 7 of checkout revoked\n" {
		t.Errorf("stdout = %q", out)
	}
}

func TestOverrideListAllServices(t *testing.T) {
	env := cleanEnv()
	// States come from slod ("active" by its clock), not from sloctl's clock.
	revoked := sampleOverride(3, "search")
	revokedAt := revoked.CreatedAt.Add(time.Hour)
	revoked.RevokedAt, revoked.RevokedBy, revoked.Active = &revokedAt, "carol", false
	active := sampleOverride(9, "checkout")
	expired := sampleOverride(7, "checkout")
	expired.Active = false
	f := newFakeSlod(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/services":
			answer(t, w, 200, map[string]any{"services": []map[string]string{{"service": "checkout"}, {"service": "search"}}})
		case "/api/v1/services/checkout/overrides":
			answer(t, w, 200, map[string]any{"overrides": []api.Override{active, expired}})
		case "/api/v1/services/search/overrides":
			answer(t, w, 200, map[string]any{"overrides": []api.Override{revoked}})
		default:
			problem(w, 404, "no route")
		}
	})
	code, out, errOut := runCLI(t, env, "override", "list", "--server", f.URL)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("want a header and 3 rows:\n%s", out)
	}
	for i, want := range []string{"ID  SERVICE   STATE", "9   checkout  active", "7   checkout  expired", "3   search    revoked by carol"} {
		if !strings.HasPrefix(lines[i], want) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], want)
		}
	}

	code, out, _ = runCLI(t, env, "override", "list", "search", "--server", f.URL, "-o", "json")
	var got struct{ Overrides []api.Override }
	if err := json.Unmarshal([]byte(out), &got); code != exitOK || err != nil {
		t.Fatalf("exit %d, %v: %s", code, err, out)
	}
	if !reflect.DeepEqual(got.Overrides, []api.Override{revoked}) {
		t.Errorf("round trip: %+v", got.Overrides)
	}
}
