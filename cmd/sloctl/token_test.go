package main

import (
	"net/http"
	"strings"
	"testing"
)

// A token that cannot be sent is a local mistake: exit 2 before any
// request, with --fail-open too, and never "cannot reach slod".
func TestMalformedTokenIsAConfigurationError(t *testing.T) {
	f := newFakeSlod(t, func(w http.ResponseWriter, r *http.Request) { answer(t, w, 200, decision("allow")) })
	for _, server := range []string{f.URL, closedAddr(t)} {
		env := cleanEnv()
		env["SLOCTL_TOKEN"] = "s3cret\n"
		code, out, errOut := runCLI(t, env, "can-deploy", "checkout", "--fail-open", "--timeout", "300ms", "--server", server)
		if code != exitError || out != "" || strings.Contains(errOut, "cannot reach") || strings.Contains(errOut, "FAIL-OPEN") ||
			!strings.Contains(errOut, "$SLOCTL_TOKEN: the token has byte 0x0a at 6") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 naming $SLOCTL_TOKEN", server, code, out, errOut)
		}
	}
	if n := len(f.seen()); n != 0 {
		t.Errorf("%d requests sent with a malformed token", n)
	}
}

// The token goes with writes only: reads do not need it.
func TestTokenOnlyOnWrites(t *testing.T) {
	f := newFakeSlod(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/services/checkout/can-deploy":
			answer(t, w, 200, decision("allow"))
		case "/api/v1/decisions":
			answer(t, w, 200, map[string]any{"decisions": sampleDecisions()})
		default:
			answer(t, w, 200, map[string]any{"services": []any{}})
		}
	})
	env := cleanEnv()
	env["SLOCTL_TOKEN"] = "tok"
	for _, args := range [][]string{{"status"}, {"decisions"}, {"can-deploy", "checkout"}} {
		if code, _, errOut := runCLI(t, env, append(args, "--server", f.URL)...); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
	}
	for _, r := range f.seen() {
		if want := map[string]string{http.MethodGet: "", http.MethodPost: "Bearer tok"}[r.Method]; r.Auth != want {
			t.Errorf("%s %s: Authorization %q, want %q", r.Method, r.Path, r.Auth, want)
		}
	}
}

// A check refused for want of a token says where sloctl takes it from.
func TestCanDeployUnauthorizedHint(t *testing.T) {
	f := newFakeSlod(t, func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusUnauthorized, "missing bearer token")
	})
	code, _, errOut := runCLI(t, cleanEnv(), "can-deploy", "checkout", "--fail-open", "--server", f.URL)
	if code != exitError || !strings.Contains(errOut, "$SLOCTL_TOKEN") {
		t.Errorf("exit %d, stderr %q; want 2 with the token hint", code, errOut)
	}
}
