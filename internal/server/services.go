package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/policy"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// maxFieldLen bounds free-text fields in requests (version, actor, ...).
const maxFieldLen = 512

// service finds the named service or answers 404.
func (s *Server) service(c *gin.Context) (engine.ServiceState, bool) {
	name := c.Param("service")
	st, ok := s.snaps.Snapshot().Services[name]
	if !ok {
		problem(c, http.StatusNotFound, "unknown-service", fmt.Sprintf("no service %q is configured", name))
	}
	return st, ok
}

// activeOverrides returns the overrides active at now, by service.
func (s *Server) activeOverrides(ctx context.Context, service string, now time.Time) (map[string][]policy.Override, error) {
	os, err := s.store.Overrides(ctx, service, &now)
	if err != nil {
		return nil, err
	}
	by := map[string][]policy.Override{}
	for _, o := range os {
		by[o.Service] = append(by[o.Service], o)
	}
	return by, nil
}

// decide computes the gate for one service. An unreadable override table
// degrades to deciding without overrides (logged): the gate must still
// answer, and without overrides it can only be stricter.
func (s *Server) decide(c *gin.Context, st engine.ServiceState, p slo.Priority, now time.Time) policy.Result {
	by, err := s.activeOverrides(c.Request.Context(), st.Spec.Service, now)
	if err != nil {
		s.log.Error("reading overrides failed; deciding without them", "service", st.Spec.Service, "err", err, "request_id", c.GetString(requestIDKey))
	}
	return policy.Decide(st.GateInput(p, by[st.Spec.Service], now))
}

func (s *Server) listServices(c *gin.Context) {
	now := s.cfg.Clock()
	snap := s.snaps.Snapshot()
	by, err := s.activeOverrides(c.Request.Context(), "", now)
	if err != nil {
		s.log.Error("reading overrides failed; listing without them", "err", err, "request_id", c.GetString(requestIDKey))
	}
	out := api.ServiceList{ConfigProblems: snap.Orphans, Services: make([]api.Service, 0, len(snap.Services))}
	for _, name := range snap.Names() {
		st := snap.Services[name]
		r := policy.Decide(st.GateInput(slo.PriorityNormal, by[name], now))
		out.Services = append(out.Services, toService(st, r, now))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) getService(c *gin.Context) {
	st, ok := s.service(c)
	if !ok {
		return
	}
	now := s.cfg.Clock()
	c.JSON(http.StatusOK, toService(st, s.decide(c, st, slo.PriorityNormal, now), now))
}

func (s *Server) canDeployGet(c *gin.Context) { s.readOnlyCheck(c, false) }

// gate is can-deploy for tools that only read status codes (Flagger
// webhooks): 200 when allowed, 412 when denied, same body.
func (s *Server) gate(c *gin.Context) { s.readOnlyCheck(c, true) }

// readOnlyCheck answers an unaudited check with ?priority=; with
// statusFromDecision a denial answers 412.
func (s *Server) readOnlyCheck(c *gin.Context, statusFromDecision bool) {
	st, ok := s.service(c)
	if !ok {
		return
	}
	p, err := policy.ParsePriority(c.Query("priority"))
	if err != nil {
		badField(c, "priority", err.Error())
		return
	}
	ans := s.canDeploy(c, st, p, nil)
	status := http.StatusOK
	if statusFromDecision && !ans.Allowed {
		status = http.StatusPreconditionFailed
	}
	c.JSON(status, ans)
}

func (s *Server) canDeployPost(c *gin.Context) {
	st, ok := s.service(c)
	if !ok {
		return
	}
	var req api.CanDeployRequest
	if !s.bindJSON(c, &req) {
		return
	}
	p, err := policy.ParsePriority(req.Priority)
	if err != nil {
		badField(c, "priority", err.Error())
		return
	}
	for field, v := range map[string]string{"version": req.Version, "actor": req.Actor, "pipeline": req.Pipeline} {
		if len(v) > maxFieldLen {
			badField(c, field, fmt.Sprintf("%s is %d bytes; the limit is %d", field, len(v), maxFieldLen))
			return
		}
	}
	ans := s.canDeploy(c, st, p, &req)
	if ans.DecisionID == nil {
		// Not audited, so not answered: a gate that lets deploys through
		// without a record is worse than one that fails loudly.
		problem(c, http.StatusServiceUnavailable, "audit-unavailable", "the decision could not be written to the decision log; retry shortly")
		return
	}
	c.JSON(http.StatusOK, ans)
}

// canDeploy decides; with a request it also writes the decision log and
// leaves DecisionID nil when that failed.
func (s *Server) canDeploy(c *gin.Context, st engine.ServiceState, p slo.Priority, req *api.CanDeployRequest) api.Decision {
	now := s.cfg.Clock()
	r := s.decide(c, st, p, now)
	ans := api.Decision{
		Service:     st.Spec.Service,
		Priority:    p,
		Allowed:     r.Allowed,
		Decision:    r.Decision,
		Reasons:     r.Reasons,
		Actions:     r.Actions,
		Override:    r.Override,
		EvaluatedAt: timePtr(st.EvaluatedAt()),
		Stale:       r.Stale,
		SLOs:        toSLOs(st, now),
	}
	if req == nil {
		return ans
	}
	rec := store.DecisionRecord{
		At:        now,
		Service:   st.Spec.Service,
		Priority:  p,
		Version:   req.Version,
		Actor:     req.Actor,
		Pipeline:  req.Pipeline,
		Decision:  r.Decision,
		Allowed:   r.Allowed,
		Reasons:   r.Reasons,
		Actions:   r.Actions,
		Stale:     r.Stale,
		RequestID: c.GetString(requestIDKey),
	}
	if r.Override != nil {
		rec.OverrideID = &r.Override.ID
	}
	id, err := s.store.RecordDecision(c.Request.Context(), rec)
	if err != nil {
		s.log.Error("recording decision failed", "service", st.Spec.Service, "err", err, "request_id", rec.RequestID)
		return ans
	}
	ans.DecisionID = &id
	s.log.Info("deploy check", "service", rec.Service, "priority", rec.Priority, "decision", rec.Decision,
		"version", rec.Version, "actor", rec.Actor, "decision_id", id, "request_id", rec.RequestID)
	return ans
}

// bindJSON decodes a JSON body, answering 413 or 400 itself on failure. An
// empty body is an empty request.
func (s *Server) bindJSON(c *gin.Context, v any) bool {
	dec := json.NewDecoder(c.Request.Body)
	err := dec.Decode(v)
	if err == nil || errors.Is(err, io.EOF) {
		return true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		problem(c, http.StatusRequestEntityTooLarge, "body-too-large", fmt.Sprintf("request body exceeds %d bytes", tooBig.Limit))
		return false
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		badField(c, typeErr.Field, fmt.Sprintf("%s must be a %s", typeErr.Field, typeErr.Type))
		return false
	}
	problem(c, http.StatusBadRequest, "invalid-body", "request body is not valid JSON: "+err.Error())
	return false
}
