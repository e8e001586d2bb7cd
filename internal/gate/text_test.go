package gate

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/slo"
)

// Free text that reaches the decision and audit logs is bounded and holds
// nothing that would rewrite a terminal or reorder what a reader sees.
func TestFreeTextRules(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, checkout(0.1, t0))
	bad := map[string]string{
		"ESC":       "\x1b[2Kallowed",
		"CR":        "bob\rALLOW",
		"NUL":       "a\x00b",
		"newline":   "a\nb",
		"C1 CSI":    "a\u009b31mb",
		"RLO":       "bob\u202eevil",
		"LRI":       "\u2066x",
		"PDI":       "x\u2069",
		"bad UTF-8": "a\xffb",
		"too long":  strings.Repeat("x", MaxFieldLen+1),
	}
	wantField := func(what, field string, err error) {
		t.Helper()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: err = %v, want a field error on %s", what, err, field)
		}
	}
	for name, v := range bad {
		for _, field := range []string{"version", "actor", "pipeline"} {
			req := CheckRequest{Priority: slo.PriorityNormal, Version: "v1", Actor: "ci", Pipeline: "p"}
			switch field {
			case "version":
				req.Version = v
			case "actor":
				req.Actor = v
			case "pipeline":
				req.Pipeline = v
			}
			_, _, err := f.gate.CheckAudited(ctx, "checkout", req)
			wantField("check "+field+" "+name, field, err)
		}
		_, err := f.gate.CreateOverride(ctx, "checkout", OverrideRequest{Reason: v, Actor: "a", Duration: "1h"})
		wantField("override reason "+name, "reason", err)
		_, err = f.gate.CreateOverride(ctx, "checkout", OverrideRequest{Reason: "r", Actor: v, Duration: "1h"})
		wantField("override actor "+name, "actor", err)
	}
	o, err := f.gate.CreateOverride(ctx, "checkout", OverrideRequest{Reason: "hotfix 🚑 für Zoë", Actor: "alice", Duration: "1h"})
	if err != nil {
		t.Fatalf("plain Unicode text refused: %v", err)
	}
	for name, v := range bad {
		_, err := f.gate.RevokeOverride(ctx, "checkout", o.ID, v)
		wantField("revoke actor "+name, "actor", err)
	}
	_, err = f.gate.RevokeOverride(ctx, "checkout", o.ID, strings.Repeat("x", 200000))
	wantField("revoke actor of 200,000 bytes", "actor", err)
	if ds, _ := f.store.Decisions(ctx, slo.DecisionQuery{}); len(ds) != 0 {
		t.Errorf("refused checks were logged: %+v", ds)
	}
	if _, err := f.gate.RevokeOverride(ctx, "checkout", o.ID, "carol"); err != nil {
		t.Errorf("a refused revocation must leave the override revocable: %v", err)
	}
}
