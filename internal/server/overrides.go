package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/gate"
	"github.com/slo-dev/slo/internal/slo"
)

func (s *Server) listOverrides(c *gin.Context) {
	os, err := s.gate.Overrides(c.Request.Context(), c.Param("service"), c.Query("active") == "true")
	if s.overrideError(c, "reading overrides", err) {
		return
	}
	now := s.gate.Now()
	out := api.OverrideList{Overrides: make([]api.Override, len(os))}
	for i, o := range os {
		out.Overrides[i] = toOverride(o, now)
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) createOverride(c *gin.Context) {
	if _, ok := s.service(c); !ok {
		return
	}
	var req api.OverrideRequest
	if !s.bindJSON(c, &req) {
		return
	}
	o, err := s.gate.CreateOverride(c.Request.Context(), c.Param("service"), gate.OverrideRequest{
		Reason: req.Reason, Actor: req.Actor, Duration: req.Duration, ExpiresAt: req.ExpiresAt,
	})
	if s.overrideError(c, "creating override", err) {
		return
	}
	s.log.Warn("override created", "service", o.Service, "override_id", o.ID, "actor", o.Actor, "reason", o.Reason,
		"expires_at", o.ExpiresAt, "request_id", c.GetString(requestIDKey))
	c.JSON(http.StatusCreated, toOverride(o, s.gate.Now()))
}

func (s *Server) revokeOverride(c *gin.Context) {
	if _, ok := s.service(c); !ok {
		return
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		badField(c, "id", fmt.Sprintf("override id must be a positive whole number, got %q", c.Param("id")))
		return
	}
	o, err := s.gate.RevokeOverride(c.Request.Context(), c.Param("service"), id, c.Query("actor"))
	if s.overrideError(c, "revoking override", err) {
		return
	}
	s.log.Warn("override revoked", "service", o.Service, "override_id", o.ID, "actor", o.RevokedBy, "request_id", c.GetString(requestIDKey))
	c.JSON(http.StatusOK, toOverride(o, s.gate.Now()))
}

// overrideError answers the gate's error of an override request, if any.
func (s *Server) overrideError(c *gin.Context, what string, err error) bool {
	var fe *gate.FieldError
	switch {
	case err == nil:
		return false
	case errors.As(err, &fe):
		badField(c, fe.Field, fe.Message)
	case errors.Is(err, gate.ErrUnknownService):
		unknownService(c, c.Param("service"))
	case errors.Is(err, gate.ErrUnknownOverride):
		problem(c, http.StatusNotFound, api.ProblemUnknownOverride, fmt.Sprintf("service %q has no override %s", c.Param("service"), c.Param("id")))
	case errors.Is(err, gate.ErrAlreadyRevoked):
		problem(c, http.StatusConflict, api.ProblemAlreadyRevoked, fmt.Sprintf("override %s was already revoked", c.Param("id")))
	default:
		s.storeProblem(c, what, err)
	}
	return true
}

func (s *Server) listDecisions(c *gin.Context) {
	q := slo.DecisionQuery{Service: c.Query("service"), Limit: 50}
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
	ds, err := s.gate.Decisions(c.Request.Context(), q)
	if err != nil {
		s.storeProblem(c, "reading decisions", err)
		return
	}
	if ds == nil {
		ds = []slo.DecisionRecord{}
	}
	c.JSON(http.StatusOK, api.DecisionList{Decisions: mapSlice(ds, toDecisionRecord)})
}

// storeProblem logs a store failure and answers 503: the request may work
// again once the database is writable.
func (s *Server) storeProblem(c *gin.Context, what string, err error) {
	s.log.Error(what, "err", err, "request_id", c.GetString(requestIDKey))
	problem(c, http.StatusServiceUnavailable, api.ProblemStoreUnavailable, what+" failed; retry shortly")
}
