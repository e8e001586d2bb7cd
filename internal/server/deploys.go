package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/events"
	"github.com/slo-dev/slo/internal/slo"
)

// mountEvents adds the deploy and correction endpoints.
func (s *Server) mountEvents(r *gin.RouterGroup, write func(...gin.HandlerFunc) []gin.HandlerFunc) {
	r.GET("/deployments", s.listDeployments)
	r.GET("/services/:service/deployments", s.listDeployments)
	r.POST("/services/:service/deployments", write(s.tokens.requireToken(), s.recordDeployment)...)
	r.GET("/services/:service/corrections", s.listCorrections)
	r.POST("/services/:service/corrections", write(s.tokens.requireToken(), s.createCorrection)...)
	r.DELETE("/services/:service/corrections/:id", write(s.tokens.requireToken(), s.revokeCorrection)...)
}

func (s *Server) recordDeployment(c *gin.Context) {
	if _, ok := s.service(c); !ok {
		return
	}
	var req api.DeploymentRequest
	if !s.bindJSON(c, &req) {
		return
	}
	d, err := s.cfg.Events.RecordDeployment(c.Request.Context(), c.Param("service"), events.DeploymentRequest{
		Version: req.Version, Priority: slo.Priority(req.Priority), Actor: req.Actor, Pipeline: req.Pipeline,
		Link: req.Link, At: req.At, RequestID: c.GetString(requestIDKey),
	})
	if s.eventsError(c, "recording deployment", err) {
		return
	}
	c.JSON(http.StatusCreated, toDeployment(d))
}

// listDeployments lists deploys newest first, with the attribution of
// those the last evaluation attributed.
func (s *Server) listDeployments(c *gin.Context) {
	limit := 50
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			badField(c, "limit", "limit must be a whole number from 1 to 1000")
			return
		}
		limit = n
	}
	service := c.Param("service")
	if service == "" {
		service = c.Query("service")
	}
	ds, err := s.cfg.Events.Deployments(c.Request.Context(), service, limit)
	if s.eventsError(c, "reading deployments", err) {
		return
	}
	snap := s.snaps.Snapshot()
	out := api.DeploymentList{Deployments: make([]api.Deployment, len(ds))}
	for i, d := range ds {
		out.Deployments[i] = toDeployment(d)
		for _, a := range snap.Services[d.Service].Deploys {
			if a.Deployment.ID == d.ID {
				out.Deployments[i] = toAttribution(a)
			}
		}
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) listCorrections(c *gin.Context) {
	cs, err := s.cfg.Events.ListCorrections(c.Request.Context(), c.Param("service"))
	if s.eventsError(c, "reading corrections", err) {
		return
	}
	out := api.CorrectionList{Corrections: make([]api.Correction, len(cs))}
	for i, x := range cs {
		out.Corrections[i] = toCorrection(x)
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) createCorrection(c *gin.Context) {
	if _, ok := s.service(c); !ok {
		return
	}
	var req api.CorrectionRequest
	if !s.bindJSON(c, &req) {
		return
	}
	x, err := s.cfg.Events.CreateCorrection(c.Request.Context(), c.Param("service"), events.CorrectionRequest{
		From: req.From, To: req.To, Reason: req.Reason, Actor: req.Actor, SLOs: req.SLOs,
	})
	if s.eventsError(c, "creating correction", err) {
		return
	}
	s.log.Warn("correction created", "service", x.Service, "correction_id", x.ID, "actor", x.Actor, "reason", x.Reason,
		"from", x.From, "to", x.To, "request_id", c.GetString(requestIDKey))
	c.JSON(http.StatusCreated, toCorrection(x))
}

func (s *Server) revokeCorrection(c *gin.Context) {
	if _, ok := s.service(c); !ok {
		return
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		badField(c, "id", fmt.Sprintf("correction id must be a positive whole number, got %q", c.Param("id")))
		return
	}
	x, err := s.cfg.Events.RevokeCorrection(c.Request.Context(), c.Param("service"), id, c.Query("actor"))
	if s.eventsError(c, "revoking correction", err) {
		return
	}
	s.log.Warn("correction revoked", "service", x.Service, "correction_id", x.ID, "actor", x.RevokedBy, "request_id", c.GetString(requestIDKey))
	c.JSON(http.StatusOK, toCorrection(x))
}

// eventsError answers an error of the events, if any; the events share
// the gate's field, service and store errors.
func (s *Server) eventsError(c *gin.Context, what string, err error) bool {
	switch {
	case errors.Is(err, events.ErrUnknownCorrection):
		problem(c, http.StatusNotFound, api.ProblemUnknownCorrection, fmt.Sprintf("service %q has no correction %s", c.Param("service"), c.Param("id")))
	case errors.Is(err, events.ErrAlreadyRevoked):
		problem(c, http.StatusConflict, api.ProblemAlreadyRevoked, fmt.Sprintf("correction %s was already revoked", c.Param("id")))
	default:
		return s.overrideError(c, what, err)
	}
	return true
}
