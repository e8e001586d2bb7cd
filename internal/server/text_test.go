package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/api"
)

// Control characters and bidi overrides in stored free text are refused
// with a 400 naming the field.
func TestControlCharactersRefused(t *testing.T) {
	auth := map[string]string{"Authorization": "Bearer tok"}
	for _, tc := range []struct {
		name, method, path, body, field string
	}{
		{"actor ESC", http.MethodPost, "/api/v1/services/checkout/can-deploy", `{"actor":"\u001b[2Kalice"}`, "actor"},
		{"version CR", http.MethodPost, "/api/v1/services/checkout/can-deploy", `{"version":"v1\rv2"}`, "version"},
		{"pipeline NUL", http.MethodPost, "/api/v1/services/checkout/can-deploy", `{"pipeline":"p\u0000"}`, "pipeline"},
		{"actor C1", http.MethodPost, "/api/v1/services/checkout/can-deploy", `{"actor":"a` + "\u009b" + `31m"}`, "actor"},
		{"actor RLO", http.MethodPost, "/api/v1/services/checkout/can-deploy", `{"actor":"bob\u202eevil"}`, "actor"},
		{"override reason LRI", http.MethodPost, "/api/v1/services/checkout/overrides", `{"reason":"\u2066x","actor":"a","duration":"1h"}`, "reason"},
		{"override actor ESC", http.MethodPost, "/api/v1/services/checkout/overrides", `{"reason":"r","actor":"\u001b]0;x\u0007","duration":"1h"}`, "actor"},
		{"revoke actor ESC", http.MethodDelete, "/api/v1/services/checkout/overrides/1?actor=" + url.QueryEscape("\x1b[31mroot"), "", "actor"},
		{"revoke actor too long", http.MethodDelete, "/api/v1/services/checkout/overrides/1?actor=" + strings.Repeat("x", 200000), "", "actor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &memStore{}
			h := newHandler(t, snapshot(t), st, testConfig())
			if rec := send(t, h, http.MethodPost, "/api/v1/services/checkout/overrides", `{"reason":"r","actor":"a","duration":"1h"}`, auth); rec.Code != http.StatusCreated {
				t.Fatalf("override: %d %s", rec.Code, rec.Body)
			}
			rec := send(t, h, tc.method, tc.path, tc.body, auth)
			wantProblem(t, rec, http.StatusBadRequest, api.ProblemInvalidParameter, tc.field, tc.field)
			if len(st.decisions) != 0 || len(st.overrides) != 1 || st.overrides[0].RevokedAt != nil {
				t.Errorf("refused request was written: %+v %+v", st.decisions, st.overrides)
			}
		})
	}
}
