package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/policy"
	"github.com/slo-dev/slo/internal/store"
)

func (s *Server) listOverrides(c *gin.Context) {
	st, ok := s.service(c)
	if !ok {
		return
	}
	var at *time.Time
	now := s.cfg.Clock()
	if c.Query("active") == "true" {
		at = &now
	}
	os, err := s.store.Overrides(c.Request.Context(), st.Spec.Service, at)
	if err != nil {
		s.storeProblem(c, "reading overrides", err)
		return
	}
	out := api.OverrideList{Overrides: make([]api.Override, len(os))}
	for i, o := range os {
		out.Overrides[i] = api.Override{Override: o, Active: o.ActiveAt(now)}
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) createOverride(c *gin.Context) {
	st, ok := s.service(c)
	if !ok {
		return
	}
	var req api.OverrideRequest
	if !s.bindJSON(c, &req) {
		return
	}
	now := s.cfg.Clock()
	req.Reason, req.Actor = strings.TrimSpace(req.Reason), strings.TrimSpace(req.Actor)
	switch {
	case req.Reason == "":
		badField(c, "reason", "reason is required: say why the gate is being bypassed")
		return
	case req.Actor == "":
		badField(c, "actor", "actor is required: who is bypassing the gate")
		return
	case len(req.Reason) > maxFieldLen || len(req.Actor) > maxFieldLen:
		badField(c, "reason", fmt.Sprintf("reason and actor are limited to %d bytes", maxFieldLen))
		return
	}
	var expires time.Time
	switch {
	case req.Duration != "" && req.ExpiresAt != nil:
		badField(c, "duration", "give duration or expires_at, not both")
		return
	case req.Duration != "":
		d, err := model.ParseDuration(req.Duration)
		if err != nil || d <= 0 {
			badField(c, "duration", fmt.Sprintf("duration %q is not a positive duration like 30m or 2h", req.Duration))
			return
		}
		expires = now.Add(time.Duration(d))
	case req.ExpiresAt != nil:
		expires = *req.ExpiresAt
	default:
		badField(c, "duration", "duration (e.g. 2h) or expires_at is required: overrides always expire")
		return
	}
	if !expires.After(now) {
		badField(c, "expires_at", "the override would already have expired")
		return
	}
	if expires.Sub(now) > s.cfg.MaxOverride {
		badField(c, "duration", fmt.Sprintf("overrides last at most %s", model.Duration(s.cfg.MaxOverride)))
		return
	}
	o, err := s.store.CreateOverride(c.Request.Context(), policy.Override{
		Service:   st.Spec.Service,
		Reason:    req.Reason,
		Actor:     req.Actor,
		CreatedAt: now,
		ExpiresAt: expires,
	})
	if err != nil {
		s.storeProblem(c, "creating override", err)
		return
	}
	s.log.Warn("override created", "service", o.Service, "override_id", o.ID, "actor", o.Actor, "reason", o.Reason,
		"expires_at", o.ExpiresAt, "request_id", c.GetString(requestIDKey))
	c.JSON(http.StatusCreated, api.Override{Override: o, Active: true})
}

func (s *Server) revokeOverride(c *gin.Context) {
	st, ok := s.service(c)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		badField(c, "id", fmt.Sprintf("override id must be a positive whole number, got %q", c.Param("id")))
		return
	}
	existing, err := s.store.Overrides(c.Request.Context(), st.Spec.Service, nil)
	if err != nil {
		s.storeProblem(c, "reading overrides", err)
		return
	}
	found := false
	for _, o := range existing {
		found = found || o.ID == id
	}
	if !found {
		problem(c, http.StatusNotFound, "unknown-override", fmt.Sprintf("service %q has no override %d", st.Spec.Service, id))
		return
	}
	actor := strings.TrimSpace(c.Query("actor"))
	if actor == "" {
		actor = "unknown"
	}
	o, err := s.store.RevokeOverride(c.Request.Context(), id, actor, s.cfg.Clock())
	switch {
	case errors.Is(err, store.ErrAlreadyRevoked):
		problem(c, http.StatusConflict, "already-revoked", fmt.Sprintf("override %d was already revoked", id))
		return
	case errors.Is(err, store.ErrNotFound):
		problem(c, http.StatusNotFound, "unknown-override", fmt.Sprintf("service %q has no override %d", st.Spec.Service, id))
		return
	case err != nil:
		s.storeProblem(c, "revoking override", err)
		return
	}
	s.log.Warn("override revoked", "service", o.Service, "override_id", o.ID, "actor", actor, "request_id", c.GetString(requestIDKey))
	c.JSON(http.StatusOK, api.Override{Override: o, Active: false})
}

func (s *Server) listDecisions(c *gin.Context) {
	q := store.DecisionQuery{Service: c.Query("service"), Limit: 50}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			badField(c, "limit", "limit must be a whole number from 1 to 1000")
			return
		}
		q.Limit = n
	}
	if v := c.Query("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			badField(c, "before", "before must be a decision id")
			return
		}
		q.Before = n
	}
	ds, err := s.store.Decisions(c.Request.Context(), q)
	if err != nil {
		s.storeProblem(c, "reading decisions", err)
		return
	}
	if ds == nil {
		ds = []store.DecisionRecord{}
	}
	c.JSON(http.StatusOK, api.DecisionList{Decisions: mapSlice(ds, toDecisionRecord)})
}

// storeProblem logs a store failure and answers 503: the request may work
// again once the database is writable.
func (s *Server) storeProblem(c *gin.Context, what string, err error) {
	s.log.Error(what, "err", err, "request_id", c.GetString(requestIDKey))
	problem(c, http.StatusServiceUnavailable, "store-unavailable", what+" failed; retry shortly")
}
