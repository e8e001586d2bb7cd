// Package events keeps a service's deploy events and budget corrections:
// it validates them, writes them durably, and holds the recent deploys
// and the corrections in force in memory for the engine, which
// attributes burn to deploys and leaves corrected spans out of every
// budget and burn rate.
package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/gate"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Store is the persistence of deploys and corrections
// (internal/store.Store).
type Store interface {
	RecordDeployment(ctx context.Context, d slo.Deployment) (int64, error)
	Deployments(ctx context.Context, q store.DeploymentQuery) ([]slo.Deployment, error)
	CreateCorrection(ctx context.Context, c slo.Correction) (slo.Correction, error)
	Corrections(ctx context.Context, service string, endingAfter *time.Time) ([]slo.Correction, error)
	RevokeCorrection(ctx context.Context, service string, id int64, by string, at time.Time) (slo.Correction, error)
}

// Snapshots gives the services in force (internal/engine.Engine).
type Snapshots interface {
	Snapshot() *engine.Snapshot
}

// SnapshotFunc adapts a function to Snapshots.
type SnapshotFunc func() *engine.Snapshot

// Snapshot calls f.
func (f SnapshotFunc) Snapshot() *engine.Snapshot { return f() }

// Options tune the events.
type Options struct {
	// Clock returns now; time.Now when nil.
	Clock func() time.Time
	// WriteTimeout bounds each write (default 3s), as the gate's do.
	WriteTimeout time.Duration
	// MaxCorrection is the longest correction (default 7d).
	MaxCorrection time.Duration
	// ClockSkew is how far in the future a deploy time may lie (default 1m).
	ClockSkew time.Duration
	// Recent is how long deploys are kept in memory for attribution and
	// the gate (default 2d: the day after a deploy, and the day before
	// the next).
	Recent time.Duration
}

// Errors of revoking a correction.
var (
	ErrUnknownCorrection = errors.New("unknown correction")
	ErrAlreadyRevoked    = errors.New("correction already revoked")
)

// maxCorrectionLead bounds how far ahead a planned correction may start.
const maxCorrectionLead = 90 * 24 * time.Hour

// Events records deploys and corrections. It is safe for concurrent use.
type Events struct {
	store Store
	snaps Snapshots
	log   *slog.Logger
	opts  Options

	writeMu sync.Mutex
	view    atomic.Pointer[view]
}

// view is one immutable generation of what the engine reads.
type view struct {
	deploys     map[string][]slo.Deployment // newest first
	corrections map[string][]slo.Correction // unrevoked, newest first
}

// New builds the events; call Refresh before serving.
func New(st Store, snaps Snapshots, log *slog.Logger, opts Options) *Events {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 3 * time.Second
	}
	if opts.MaxCorrection <= 0 {
		opts.MaxCorrection = 7 * 24 * time.Hour
	}
	if opts.ClockSkew <= 0 {
		opts.ClockSkew = time.Minute
	}
	if opts.Recent <= 0 {
		opts.Recent = 2 * 24 * time.Hour
	}
	e := &Events{store: st, snaps: snaps, log: log, opts: opts}
	e.view.Store(&view{deploys: map[string][]slo.Deployment{}, corrections: map[string][]slo.Correction{}})
	return e
}

// Refresh loads the recent deploys and the unrevoked corrections that
// still reach into a window (366d at most) from the store.
func (e *Events) Refresh(ctx context.Context) error {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	now := e.opts.Clock()
	ds, err := e.store.Deployments(ctx, store.DeploymentQuery{Since: now.Add(-e.opts.Recent), Limit: store.MaxListLimit})
	if err != nil {
		return fmt.Errorf("load recent deployments: %w", err)
	}
	since := now.Add(-367 * 24 * time.Hour)
	cs, err := e.store.Corrections(ctx, "", &since)
	if err != nil {
		return fmt.Errorf("load corrections: %w", err)
	}
	v := &view{deploys: map[string][]slo.Deployment{}, corrections: map[string][]slo.Correction{}}
	for _, d := range ds {
		v.deploys[d.Service] = append(v.deploys[d.Service], d)
	}
	for _, c := range cs {
		v.corrections[c.Service] = append(v.corrections[c.Service], c)
	}
	e.view.Store(v)
	return nil
}

// RecentDeployments are service's deploys of the last Options.Recent,
// newest first, from memory.
func (e *Events) RecentDeployments(service string) []slo.Deployment {
	return e.view.Load().deploys[service]
}

// Corrections are service's unrevoked corrections, from memory.
func (e *Events) Corrections(service string) []slo.Correction {
	return e.view.Load().corrections[service]
}

// DeploymentRequest is what a pipeline reports after a deploy.
type DeploymentRequest struct {
	Version  string
	Priority slo.Priority
	Actor    string
	Pipeline string
	Link     string
	// At is when the release went out; now when nil.
	At        *time.Time
	RequestID string
}

// RecordDeployment validates req and stores the deploy; a bad request is
// a *gate.FieldError.
func (e *Events) RecordDeployment(ctx context.Context, service string, req DeploymentRequest) (slo.Deployment, error) {
	if _, ok := e.snaps.Snapshot().Services[service]; !ok {
		return slo.Deployment{}, gate.ErrUnknownService
	}
	now := e.opts.Clock()
	d, err := e.newDeployment(service, req, now)
	if err != nil {
		return slo.Deployment{}, err
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, e.opts.WriteTimeout)
	defer cancel()
	if d.ID, err = e.store.RecordDeployment(ctx, d); err != nil {
		return slo.Deployment{}, fmt.Errorf("record deployment: %w", err)
	}
	d.At, d.RecordedAt = d.At.Truncate(time.Millisecond).UTC(), d.RecordedAt.Truncate(time.Millisecond).UTC()
	e.update(func(v *view) {
		ds := append(slices.Clone(v.deploys[service]), d)
		slices.SortStableFunc(ds, func(a, b slo.Deployment) int { return b.At.Compare(a.At) })
		v.deploys[service] = slices.DeleteFunc(ds, func(x slo.Deployment) bool { return x.At.Before(now.Add(-e.opts.Recent)) })
	})
	e.log.Info("deployment", "service", service, "version", d.Version, "at", d.At, "actor", d.Actor, "id", d.ID, "request_id", d.RequestID)
	return d, nil
}

func (e *Events) newDeployment(service string, req DeploymentRequest, now time.Time) (slo.Deployment, error) {
	version := strings.TrimSpace(req.Version)
	if version == "" {
		return slo.Deployment{}, &gate.FieldError{Field: "version", Message: "version is required: say what was deployed"}
	}
	for _, f := range []struct{ name, value string }{{"version", version}, {"actor", req.Actor}, {"pipeline", req.Pipeline}, {"link", req.Link}} {
		if err := gate.CheckText(f.name, f.value); err != nil {
			return slo.Deployment{}, err
		}
	}
	if req.Link != "" {
		if u, err := url.Parse(req.Link); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return slo.Deployment{}, &gate.FieldError{Field: "link", Message: "link must be an http or https URL"}
		}
	}
	p := req.Priority
	if p == "" {
		p = slo.PriorityNormal
	}
	if !p.Known() {
		return slo.Deployment{}, &gate.FieldError{Field: "priority", Message: fmt.Sprintf("priority %q is not one of %s", p, slo.JoinPriorities(slo.Priorities()))}
	}
	at := now
	if req.At != nil {
		at = *req.At
		if at.Sub(now) > e.opts.ClockSkew {
			return slo.Deployment{}, &gate.FieldError{Field: "at", Message: fmt.Sprintf("at %s is in the future (slod's clock says %s); record a deploy once it happened",
				at.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))}
		}
	}
	return slo.Deployment{Service: service, Version: version, Priority: p, Actor: strings.TrimSpace(req.Actor),
		Pipeline: req.Pipeline, Link: req.Link, At: at, RecordedAt: now, RequestID: req.RequestID}, nil
}

// Deployments lists service's deploys (every service when empty), newest
// first, from the store.
func (e *Events) Deployments(ctx context.Context, service string, limit int) ([]slo.Deployment, error) {
	if service != "" {
		if _, ok := e.snaps.Snapshot().Services[service]; !ok {
			return nil, gate.ErrUnknownService
		}
	}
	ds, err := e.store.Deployments(ctx, store.DeploymentQuery{Service: service, Limit: limit})
	if err != nil {
		return nil, fmt.Errorf("read deployments: %w", err)
	}
	return ds, nil
}

// CorrectionRequest asks to take [From, To) out of a service's budgets.
type CorrectionRequest struct {
	From, To *time.Time
	Reason   string
	Actor    string
	// SLOs are names or slugs; empty means every SLO of the service.
	SLOs []string
}

// CreateCorrection validates req and stores the correction (audited); a
// bad request is a *gate.FieldError.
func (e *Events) CreateCorrection(ctx context.Context, service string, req CorrectionRequest) (slo.Correction, error) {
	st, ok := e.snaps.Snapshot().Services[service]
	if !ok {
		return slo.Correction{}, gate.ErrUnknownService
	}
	now := e.opts.Clock()
	c, err := e.newCorrection(st.Spec, req, now)
	if err != nil {
		return slo.Correction{}, err
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, e.opts.WriteTimeout)
	defer cancel()
	if c, err = e.store.CreateCorrection(ctx, c); err != nil {
		return slo.Correction{}, fmt.Errorf("create correction: %w", err)
	}
	e.update(func(v *view) { v.corrections[service] = append([]slo.Correction{c}, v.corrections[service]...) })
	e.log.Info("correction", "service", service, "id", c.ID, "from", c.From, "to", c.To, "slos", c.SLOs, "actor", c.Actor, "reason", c.Reason)
	return c, nil
}

func (e *Events) newCorrection(sp slo.Spec, req CorrectionRequest, now time.Time) (slo.Correction, error) {
	reason, actor := strings.TrimSpace(req.Reason), strings.TrimSpace(req.Actor)
	switch {
	case req.From == nil:
		return slo.Correction{}, &gate.FieldError{Field: "from", Message: "from is required: when the span to exclude starts"}
	case req.To == nil:
		return slo.Correction{}, &gate.FieldError{Field: "to", Message: "to is required: when the span to exclude ends"}
	case reason == "":
		return slo.Correction{}, &gate.FieldError{Field: "reason", Message: "reason is required: say why these events should not count"}
	case actor == "":
		return slo.Correction{}, &gate.FieldError{Field: "actor", Message: "actor is required: who excludes them"}
	}
	for _, f := range []struct{ name, value string }{{"reason", reason}, {"actor", actor}} {
		if err := gate.CheckText(f.name, f.value); err != nil {
			return slo.Correction{}, err
		}
	}
	from, to := req.From.UTC(), req.To.UTC()
	var longest time.Duration
	for _, o := range sp.SLOs {
		longest = max(longest, o.NominalWindow())
	}
	switch {
	case !to.After(from):
		return slo.Correction{}, &gate.FieldError{Field: "to", Message: fmt.Sprintf("to %s is not after from %s", to.Format(time.RFC3339), from.Format(time.RFC3339))}
	case to.Sub(from) > e.opts.MaxCorrection:
		return slo.Correction{}, &gate.FieldError{Field: "to", Message: fmt.Sprintf("the span is %s; a correction lasts at most %s",
			model.Duration(to.Sub(from)), model.Duration(e.opts.MaxCorrection))}
	case from.Before(now.Add(-longest)):
		return slo.Correction{}, &gate.FieldError{Field: "from", Message: fmt.Sprintf("from %s is older than the service's longest window (%s); it would change no budget",
			from.Format(time.RFC3339), model.Duration(longest))}
	case from.After(now.Add(maxCorrectionLead)):
		return slo.Correction{}, &gate.FieldError{Field: "from", Message: fmt.Sprintf("from is more than %s ahead", model.Duration(maxCorrectionLead))}
	}
	var slugs []string
	for _, name := range req.SLOs {
		slug, ok := slo.FindSLO(sp.SLOs, name)
		if !ok {
			return slo.Correction{}, &gate.FieldError{Field: "slos", Message: fmt.Sprintf("%q is not an SLO of %s", name, sp.Service)}
		}
		if !slices.Contains(slugs, slug) {
			slugs = append(slugs, slug)
		}
	}
	return slo.Correction{Service: sp.Service, SLOs: slugs, From: from, To: to, Reason: reason, Actor: actor, CreatedAt: now}, nil
}

// ListCorrections lists every correction of service, revoked ones too,
// newest first, from the store.
func (e *Events) ListCorrections(ctx context.Context, service string) ([]slo.Correction, error) {
	if _, ok := e.snaps.Snapshot().Services[service]; !ok {
		return nil, gate.ErrUnknownService
	}
	cs, err := e.store.Corrections(ctx, service, nil)
	if err != nil {
		return nil, fmt.Errorf("read corrections: %w", err)
	}
	return cs, nil
}

// RevokeCorrection ends correction id of service: its events count again
// from the next evaluation.
func (e *Events) RevokeCorrection(ctx context.Context, service string, id int64, actor string) (slo.Correction, error) {
	if _, ok := e.snaps.Snapshot().Services[service]; !ok {
		return slo.Correction{}, gate.ErrUnknownService
	}
	actor = strings.TrimSpace(actor)
	if actor == "" {
		actor = "unknown"
	}
	if err := gate.CheckText("actor", actor); err != nil {
		return slo.Correction{}, err
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, e.opts.WriteTimeout)
	defer cancel()
	c, err := e.store.RevokeCorrection(ctx, service, id, actor, e.opts.Clock())
	switch {
	case errors.Is(err, store.ErrAlreadyRevoked):
		return slo.Correction{}, ErrAlreadyRevoked
	case errors.Is(err, store.ErrNotFound):
		return slo.Correction{}, ErrUnknownCorrection
	case err != nil:
		return slo.Correction{}, fmt.Errorf("revoke correction: %w", err)
	}
	e.update(func(v *view) {
		v.corrections[service] = slices.DeleteFunc(slices.Clone(v.corrections[service]), func(x slo.Correction) bool { return x.ID == id })
	})
	return c, nil
}

// update publishes a changed copy of the view; callers hold writeMu.
func (e *Events) update(change func(*view)) {
	cur := e.view.Load()
	next := &view{deploys: make(map[string][]slo.Deployment, len(cur.deploys)), corrections: make(map[string][]slo.Correction, len(cur.corrections))}
	for k, v := range cur.deploys {
		next.deploys[k] = v
	}
	for k, v := range cur.corrections {
		next.corrections[k] = v
	}
	change(next)
	e.view.Store(next)
}
