package gate

import (
	"context"
	"errors"
	"fmt"

	"github.com/slo-dev/slo/internal/slo"
)

// ErrNotAudited: the decision could not be written to the decision log, so
// it must not be answered; a gate that lets deploys through without a
// record is worse than one that fails loudly.
var ErrNotAudited = errors.New("the decision could not be written to the decision log")

// CheckRequest is what a pipeline says about the deploy it asks for.
type CheckRequest struct {
	Priority  slo.Priority
	Version   string
	Actor     string
	Pipeline  string
	RequestID string
}

// Validate names the first field that breaks CheckText's rules.
func (r CheckRequest) Validate() error {
	for _, f := range []struct{ name, value string }{{"version", r.Version}, {"actor", r.Actor}, {"pipeline", r.Pipeline}} {
		if err := CheckText(f.name, f.value); err != nil {
			return err
		}
	}
	return nil
}

// CheckAudited decides like Check and writes the decision to the log
// before returning it, with the id of the log entry. A refused write gives
// ErrNotAudited.
func (g *Gate) CheckAudited(ctx context.Context, service string, req CheckRequest) (*Answer, int64, error) {
	if err := req.Validate(); err != nil {
		return nil, 0, err
	}
	a, err := g.auditedAnswer(ctx, service, req.Priority)
	if err != nil {
		return nil, 0, err
	}
	r := a.Result
	rec := slo.DecisionRecord{
		At:        a.At,
		Service:   service,
		Priority:  req.Priority,
		Version:   req.Version,
		Actor:     req.Actor,
		Pipeline:  req.Pipeline,
		Decision:  r.Decision,
		Allowed:   r.Allowed,
		Reasons:   r.Reasons,
		Actions:   r.Actions,
		Stale:     r.Stale,
		RequestID: req.RequestID,
	}
	if r.Override != nil {
		rec.OverrideID = &r.Override.ID
	}
	wctx, cancel := context.WithTimeout(ctx, g.opts.WriteTimeout)
	defer cancel()
	id, err := g.store.RecordDecision(wctx, rec)
	if err != nil {
		g.log.Error("recording decision failed", "service", service, "err", err, "request_id", req.RequestID)
		return nil, 0, fmt.Errorf("%w: %v", ErrNotAudited, err)
	}
	g.log.Info("deploy check", "service", service, "priority", req.Priority, "decision", r.Decision,
		"version", req.Version, "actor", req.Actor, "decision_id", id, "request_id", req.RequestID)
	return a, id, nil
}

// auditedAnswer decides like Check; on a shared store it decides on the
// active overrides the store holds now. A store that cannot be read
// gives ErrNotAudited: the decision could not be written either.
func (g *Gate) auditedAnswer(ctx context.Context, service string, p slo.Priority) (*Answer, error) {
	if !g.opts.SharedStore {
		return g.Check(service, p)
	}
	st, ok := g.snaps.Snapshot().Services[service]
	if !ok {
		return nil, ErrUnknownService
	}
	now := g.opts.Clock()
	rctx, cancel := context.WithTimeout(ctx, g.opts.WriteTimeout)
	defer cancel()
	os, err := g.store.Overrides(rctx, service, &now)
	if err != nil {
		return nil, fmt.Errorf("%w: reading overrides: %v", ErrNotAudited, err)
	}
	return decide(st, p, os, now), nil
}

// Decisions reads the decision log, newest first.
func (g *Gate) Decisions(ctx context.Context, q slo.DecisionQuery) ([]slo.DecisionRecord, error) {
	ds, err := g.store.Decisions(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("gate: reading decisions: %w", err)
	}
	return ds, nil
}
