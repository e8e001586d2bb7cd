package main

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/safetext"
)

// spoof is what a hostile or old server could send in any string: clear
// the line, return to its start, a C1 CSI, a right-to-left override, a
// bell, and a fake verdict.
const spoof = "\x1b[2K\r\u009b32m\u202eALLOW\x07\nALLOW"

// taint appends spoof to every string reachable from v, map keys included.
func taint(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			taint(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				taint(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			taint(v.Index(i))
		}
	case reflect.Map:
		tainted := reflect.MakeMap(v.Type())
		for _, k := range v.MapKeys() {
			nk, nv := reflect.New(k.Type()).Elem(), reflect.New(v.Type().Elem()).Elem()
			nk.Set(k)
			nv.Set(v.MapIndex(k))
			taint(nk)
			taint(nv)
			tainted.SetMapIndex(nk, nv)
		}
		v.Set(tainted)
	case reflect.String:
		v.SetString(v.String() + spoof)
	}
}

func tainted[T any](v T) T {
	taint(reflect.ValueOf(&v).Elem())
	return v
}

// spoofingFixtures are answers with every field filled in and tainted.
func spoofingFixtures() (api.Decision, api.Service, api.DecisionList, api.OverrideList) {
	expires := evaluatedAt.Add(time.Hour)
	failing := availability()
	failing.Error = "query failed"
	failing.Alerts[0].Firing = true
	d := decision(api.DecisionDeny, exhausted, threshold)
	d.Actions = []string{"freeze_releases"}
	d.Stale = true
	d.Override = &api.OverrideRecord{ID: 3, Service: "checkout", Reason: "hotfix", Actor: "bob", CreatedAt: evaluatedAt, ExpiresAt: expires}
	d.SLOs = []api.SLO{failing, latency()}
	s := api.Service{
		Service: "checkout", Owner: "team", Labels: map[string]string{"tier": "1"}, Decision: api.DecisionDeny,
		Reasons: []api.Reason{exhausted}, Actions: []string{"freeze_releases"}, EvaluatedAt: &evaluatedAt, Stale: true,
		LastError:      "availability: timeout\nlatency: timeout",
		ConfigProblems: []api.SpecProblem{{File: "checkout.yaml", Line: 3, Field: "labels", Message: "bad"}},
		SLOs:           []api.SLO{availability(), latency()},
	}
	overrides := api.OverrideList{Overrides: []api.Override{{OverrideRecord: *d.Override, Active: true}}}
	return tainted(d), tainted(s), tainted(api.DecisionList{Decisions: sampleDecisions()}), tainted(overrides)
}

// Whatever slod sends, sloctl prints no control character (but its own
// line breaks) and no bidi override: every server-provided string is
// escaped, in text and in JSON, on stdout and stderr.
func TestServerStringsAreEscaped(t *testing.T) {
	d, s, decisions, overrides := spoofingFixtures()
	f := newFakeSlod(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/v1/services/broken"):
			problem(w, http.StatusServiceUnavailable, "store down"+spoof)
		case strings.HasPrefix(r.URL.Path, "/api/v1/services/refused"):
			problem(w, http.StatusBadRequest, "bad actor"+spoof)
		case strings.HasSuffix(r.URL.Path, "/can-deploy"):
			answer(t, w, 200, d)
		case strings.HasSuffix(r.URL.Path, "/overrides") && r.Method == http.MethodPost:
			answer(t, w, 201, overrides.Overrides[0])
		case strings.HasSuffix(r.URL.Path, "/overrides"):
			answer(t, w, 200, overrides)
		case r.URL.Path == "/api/v1/decisions":
			answer(t, w, 200, decisions)
		case r.URL.Path == "/api/v1/services":
			answer(t, w, 200, api.ServiceList{Services: []api.Service{s}})
		default:
			answer(t, w, 200, s)
		}
	})
	env := cleanEnv()
	env["GITHUB_ACTIONS"] = "true"
	env["SLOCTL_TOKEN"] = "tok"
	for _, args := range [][]string{
		{"can-deploy", "checkout"},
		{"can-deploy", "checkout", "-o", "json"},
		{"can-deploy", "broken", "--fail-open", "--timeout", "100ms"},
		{"can-deploy", "refused"},
		{"status"},
		{"status", "checkout"},
		{"status", "-o", "json"},
		{"decisions"},
		{"decisions", "-o", "json"},
		{"override", "list", "checkout"},
		{"override", "create", "checkout", "--reason", "r", "--for", "1h"},
	} {
		_, out, errOut := runCLI(t, env, append(args, "--server", f.URL)...)
		for name, text := range map[string]string{"stdout": out, "stderr": errOut} {
			for i, r := range text {
				if r != '\n' && safetext.Unsafe(r) {
					t.Errorf("sloctl %s: %s has %U at byte %d:\n%s", strings.Join(args, " "), name, r, i, text)
					break
				}
			}
		}
		// encoding/json writes \u001b, safetext.Escape \u001B.
		if !strings.Contains(strings.ToLower(out+errOut), `\u001b[2k`) {
			t.Errorf("sloctl %s: the spoofing text is not shown escaped:\n%s%s", strings.Join(args, " "), out, errOut)
		}
	}
}
