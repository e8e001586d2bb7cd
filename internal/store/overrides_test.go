package store

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

func TestOverrideCreateAndRevoke(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		revokedAt := t0.Add(time.Hour) // ignored on create
		in := slo.Override{ID: 77, Service: "checkout", Reason: "P0 fix", Actor: "ana",
			CreatedAt: t0.Add(5 * time.Millisecond), ExpiresAt: t0.Add(2 * time.Hour),
			RevokedAt: &revokedAt, RevokedBy: "nobody"}
		o, err := s.CreateOverride(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		want := slo.Override{ID: 1, Service: "checkout", Reason: "P0 fix", Actor: "ana",
			CreatedAt: in.CreatedAt, ExpiresAt: in.ExpiresAt}
		if !reflect.DeepEqual(o, want) {
			t.Errorf("CreateOverride = %+v, want %+v", o, want)
		}
		list, err := s.Overrides(ctx, "checkout", nil)
		if err != nil || !reflect.DeepEqual(list, []slo.Override{want}) {
			t.Errorf("Overrides = %+v, %v; want [%+v]", list, err, want)
		}

		at := t0.Add(30 * time.Minute)
		r, err := s.RevokeOverride(ctx, o.ID, "bob", at)
		if err != nil {
			t.Fatal(err)
		}
		want.RevokedAt, want.RevokedBy = &at, "bob"
		if !reflect.DeepEqual(r, want) {
			t.Errorf("RevokeOverride = %+v, want %+v", r, want)
		}
		list, err = s.Overrides(ctx, "", nil)
		if err != nil || !reflect.DeepEqual(list, []slo.Override{want}) {
			t.Errorf("Overrides after revoke = %+v, %v; want [%+v]", list, err, want)
		}

		_, err = s.RevokeOverride(ctx, o.ID, "carol", at.Add(time.Minute))
		if !errors.Is(err, ErrAlreadyRevoked) {
			t.Errorf("second revoke = %v, want ErrAlreadyRevoked", err)
		}
		_, err = s.RevokeOverride(ctx, 999, "carol", at)
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("revoke of missing override = %v, want ErrNotFound", err)
		}

		// One audit row per successful change, newest first; failed revokes
		// leave none.
		log, err := s.AuditLog(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 2 {
			t.Fatalf("audit log has %d entries, want 2: %+v", len(log), log)
		}
		checks := []struct {
			actor, action string
			at            time.Time
			detail        slo.Override
		}{
			{"bob", AuditOverrideRevoke, at, want},
			{"ana", AuditOverrideCreate, in.CreatedAt, slo.Override{ID: 1, Service: "checkout",
				Reason: "P0 fix", Actor: "ana", CreatedAt: in.CreatedAt, ExpiresAt: in.ExpiresAt}},
		}
		for i, c := range checks {
			e := log[i]
			if e.Actor != c.actor || e.Action != c.action || e.Service != "checkout" || !e.At.Equal(c.at) {
				t.Errorf("audit[%d] = %+v, want %s %s at %s", i, e, c.actor, c.action, c.at)
			}
			// The stored format keeps its snake_case keys whatever the domain
			// type's field names are.
			if !strings.Contains(string(e.Detail), `"expires_at":`) {
				t.Errorf("audit[%d] detail %s lacks expires_at", i, e.Detail)
			}
			var row overrideRow
			if err := json.Unmarshal(e.Detail, &row); err != nil {
				t.Fatalf("audit[%d] detail %s: %v", i, e.Detail, err)
			}
			if d := slo.Override(row); !reflect.DeepEqual(d, c.detail) {
				t.Errorf("audit[%d] detail = %+v, want %+v", i, d, c.detail)
			}
		}
	})
}

func TestOverridesActiveFilter(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		now := t0.Add(time.Hour)
		mk := func(service, reason string, expires time.Time) slo.Override {
			t.Helper()
			o, err := s.CreateOverride(ctx, slo.Override{Service: service, Reason: reason, Actor: "ana", CreatedAt: t0, ExpiresAt: expires})
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		active := mk("checkout", "active", now.Add(time.Minute))
		mk("checkout", "expired", now.Add(-time.Minute))
		mk("checkout", "expires exactly now", now)
		revoked := mk("checkout", "revoked", now.Add(time.Hour))
		if _, err := s.RevokeOverride(ctx, revoked.ID, "bob", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		other := mk("search", "other service", now.Add(time.Hour))

		reasons := func(service string, at *time.Time) []string {
			t.Helper()
			os, err := s.Overrides(ctx, service, at)
			if err != nil {
				t.Fatal(err)
			}
			out := []string{}
			for _, o := range os {
				// The SQL filter must agree with the policy package.
				if at != nil && !o.ActiveAt(*at) {
					t.Errorf("%q returned as active at %s", o.Reason, at)
				}
				out = append(out, o.Reason)
			}
			return out
		}
		if got, want := reasons("checkout", &now), []string{active.Reason}; !reflect.DeepEqual(got, want) {
			t.Errorf("active for checkout = %v, want %v", got, want)
		}
		if got, want := reasons("", &now), []string{other.Reason, active.Reason}; !reflect.DeepEqual(got, want) {
			t.Errorf("active for all = %v, want %v", got, want)
		}
		if got := reasons("checkout", nil); len(got) != 4 {
			t.Errorf("all for checkout = %v, want 4", got)
		}
		if got := reasons("nobody", nil); len(got) != 0 {
			t.Errorf("unknown service = %v, want none", got)
		}
	})
}

func TestCreateOverrideRejectsBadRows(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.open(t)
		for _, o := range []slo.Override{
			{Service: "checkout", CreatedAt: t0, ExpiresAt: t0},
			{Service: "", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
		} {
			if _, err := s.CreateOverride(context.Background(), o); err == nil {
				t.Errorf("CreateOverride(%+v) succeeded", o)
			}
		}
		log, err := s.AuditLog(context.Background(), 0)
		if err != nil || len(log) != 0 {
			t.Errorf("audit log after rejected creates = %+v, %v; want empty", log, err)
		}
	})
}
