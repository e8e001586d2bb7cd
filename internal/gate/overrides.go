package gate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// FieldError is a request field that is wrong, and why.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Errors of revoking an override.
var (
	ErrUnknownOverride = errors.New("unknown override")
	ErrAlreadyRevoked  = errors.New("override already revoked")
)

// OverrideRequest asks to let every deploy of a service through for a
// while: Duration (e.g. "2h") or ExpiresAt, never both.
type OverrideRequest struct {
	Reason    string
	Actor     string
	Duration  string
	ExpiresAt *time.Time
}

// Overrides lists a service's overrides, only those active now when
// activeOnly (from memory), or all of them with their history (from the
// store).
func (g *Gate) Overrides(ctx context.Context, service string, activeOnly bool) ([]slo.Override, error) {
	if _, ok := g.snaps.Snapshot().Services[service]; !ok {
		return nil, ErrUnknownService
	}
	if !activeOnly {
		return g.store.Overrides(ctx, service, nil)
	}
	now := g.opts.Clock()
	var out []slo.Override
	for _, o := range g.overrides.Load().byService[service] {
		if o.ActiveAt(now) {
			out = append(out, o)
		}
	}
	return out, nil
}

// CreateOverride validates req and stores the override; a bad request is
// a *FieldError.
func (g *Gate) CreateOverride(ctx context.Context, service string, req OverrideRequest) (slo.Override, error) {
	if _, ok := g.snaps.Snapshot().Services[service]; !ok {
		return slo.Override{}, ErrUnknownService
	}
	now := g.opts.Clock()
	o, err := g.newOverride(service, req, now)
	if err != nil {
		return slo.Override{}, err
	}
	g.writeMu.Lock()
	defer g.writeMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, g.opts.WriteTimeout)
	defer cancel()
	o, err = g.store.CreateOverride(ctx, o)
	if err != nil {
		return slo.Override{}, fmt.Errorf("create override: %w", err)
	}
	g.update(func(by map[string][]slo.Override) { by[service] = append(by[service], o) })
	return o, nil
}

// newOverride applies the rules an override must meet: a reason and an
// actor that pass CheckText, and an expiry in the future no further away
// than MaxOverride.
func (g *Gate) newOverride(service string, req OverrideRequest, now time.Time) (slo.Override, error) {
	reason, actor := strings.TrimSpace(req.Reason), strings.TrimSpace(req.Actor)
	switch {
	case reason == "":
		return slo.Override{}, &FieldError{"reason", "reason is required: say why the gate is being bypassed"}
	case actor == "":
		return slo.Override{}, &FieldError{"actor", "actor is required: who is bypassing the gate"}
	}
	if err := CheckText("reason", reason); err != nil {
		return slo.Override{}, err
	}
	if err := CheckText("actor", actor); err != nil {
		return slo.Override{}, err
	}
	expires, err := expiry(req, now)
	if err != nil {
		return slo.Override{}, err
	}
	if !expires.After(now) {
		return slo.Override{}, &FieldError{"expires_at", "the override would already have expired"}
	}
	if expires.Sub(now) > g.opts.MaxOverride {
		return slo.Override{}, &FieldError{"duration", fmt.Sprintf("overrides last at most %s", model.Duration(g.opts.MaxOverride))}
	}
	return slo.Override{Service: service, Reason: reason, Actor: actor, CreatedAt: now, ExpiresAt: expires}, nil
}

// expiry reads when a requested override ends.
func expiry(req OverrideRequest, now time.Time) (time.Time, error) {
	switch {
	case req.Duration != "" && req.ExpiresAt != nil:
		return time.Time{}, &FieldError{"duration", "give duration or expires_at, not both"}
	case req.Duration != "":
		d, err := model.ParseDuration(req.Duration)
		if err != nil || d <= 0 {
			return time.Time{}, &FieldError{"duration", fmt.Sprintf("duration %q is not a positive duration like 30m or 2h", req.Duration)}
		}
		return now.Add(time.Duration(d)), nil
	case req.ExpiresAt != nil:
		return *req.ExpiresAt, nil
	default:
		return time.Time{}, &FieldError{"duration", "duration (e.g. 2h) or expires_at is required: overrides always expire"}
	}
}

// RevokeOverride ends override id of service now, recording who did it;
// an actor breaking CheckText's rules is a *FieldError.
func (g *Gate) RevokeOverride(ctx context.Context, service string, id int64, actor string) (slo.Override, error) {
	if _, ok := g.snaps.Snapshot().Services[service]; !ok {
		return slo.Override{}, ErrUnknownService
	}
	actor = strings.TrimSpace(actor)
	if actor == "" {
		actor = "unknown"
	}
	if err := CheckText("actor", actor); err != nil {
		return slo.Override{}, err
	}
	g.writeMu.Lock()
	defer g.writeMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, g.opts.WriteTimeout)
	defer cancel()
	existing, err := g.store.Overrides(ctx, service, nil)
	if err != nil {
		return slo.Override{}, fmt.Errorf("read overrides: %w", err)
	}
	found := false
	for _, o := range existing {
		found = found || o.ID == id
	}
	if !found {
		return slo.Override{}, ErrUnknownOverride
	}
	o, err := g.store.RevokeOverride(ctx, id, actor, g.opts.Clock())
	switch {
	case errors.Is(err, store.ErrAlreadyRevoked):
		return slo.Override{}, ErrAlreadyRevoked
	case errors.Is(err, store.ErrNotFound):
		return slo.Override{}, ErrUnknownOverride
	case err != nil:
		return slo.Override{}, fmt.Errorf("revoke override: %w", err)
	}
	g.update(func(by map[string][]slo.Override) {
		by[service] = slices.DeleteFunc(by[service], func(x slo.Override) bool { return x.ID == id })
	})
	return o, nil
}

// update publishes a changed copy of the active overrides after a write
// the store accepted, so the gate never waits on a re-read to see it.
// Callers hold writeMu.
func (g *Gate) update(change func(map[string][]slo.Override)) {
	cur := g.overrides.Load().byService
	next := make(map[string][]slo.Override, len(cur)+1)
	for k, v := range cur {
		next[k] = slices.Clone(v)
	}
	change(next)
	g.overrides.Store(&overrideSet{byService: next})
}
