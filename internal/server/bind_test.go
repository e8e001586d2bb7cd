package server_test

import (
	"net/http"
	"testing"

	"github.com/slo-dev/slo/internal/api"
)

// Request bodies are decoded strictly: one JSON object, only the
// request's fields, and every error names the field at fault.
func TestStrictBodies(t *testing.T) {
	const check, overrides = "/api/v1/services/checkout/can-deploy", "/api/v1/services/checkout/overrides"
	auth := map[string]string{"Authorization": "Bearer tok"}
	for _, tc := range []struct {
		name, path, body string
		status           int
		typ, field, want string
	}{
		{name: "valid", path: check, body: `{"priority":"normal","actor":"alice"}`, status: http.StatusOK},
		{name: "empty body", path: check, body: "", status: http.StatusOK},
		{name: "trailing white space", path: check, body: "{\"priority\":\"normal\"}\n\t ", status: http.StatusOK},
		{name: "trailing garbage", path: check, body: `{"priority":"normal"} junk`,
			status: http.StatusBadRequest, typ: api.ProblemInvalidBody, want: "data after the JSON object"},
		{name: "second object", path: check, body: `{"priority":"normal"}{"actor":"mallory"}`,
			status: http.StatusBadRequest, typ: api.ProblemInvalidBody, want: "data after the JSON object"},
		{name: "unknown field", path: check, body: `{"priority":"normal","actr":"alice"}`,
			status: http.StatusBadRequest, typ: api.ProblemInvalidParameter, field: "actr", want: "the fields are actor, deploying, pipeline, priority, version"},
		{name: "field in another case", path: check, body: `{"Actor":"alice"}`,
			status: http.StatusBadRequest, typ: api.ProblemInvalidParameter, field: "Actor", want: `unknown field "Actor"`},
		{name: "not an object", path: check, body: `[1]`,
			status: http.StatusBadRequest, typ: api.ProblemInvalidBody, want: "must be a JSON object, not an array"},
		{name: "wrong type", path: check, body: `{"priority":"normal","version":{"a":1}}`,
			status: http.StatusBadRequest, typ: api.ProblemInvalidParameter, field: "version", want: "version must be a string, not an object"},
		{name: "broken JSON", path: check, body: `{"priority":`,
			status: http.StatusBadRequest, typ: api.ProblemInvalidBody, want: "not valid JSON"},
		{name: "time that does not parse", path: overrides, body: `{"reason":"r","actor":"a","expires_at":"nope"}`,
			status: http.StatusBadRequest, typ: api.ProblemInvalidParameter, field: "expires_at", want: "expires_at is not valid"},
		{name: "time of the wrong type", path: overrides, body: `{"reason":"r","actor":"a","expires_at":5}`,
			status: http.StatusBadRequest, typ: api.ProblemInvalidParameter, field: "expires_at", want: "expires_at is not valid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandler(t, snapshot(t), &memStore{}, testConfig())
			rec := send(t, h, http.MethodPost, tc.path, tc.body, auth)
			if tc.typ == "" {
				if rec.Code != tc.status {
					t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
				}
				return
			}
			wantProblem(t, rec, tc.status, tc.typ, tc.field, tc.want)
		})
	}
}
