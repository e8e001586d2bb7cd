package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/events"
	"github.com/slo-dev/slo/internal/gate"
	"github.com/slo-dev/slo/internal/slo"
)

// service finds the named service or answers 404.
func (s *Server) service(c *gin.Context) (engine.ServiceState, bool) {
	name := c.Param("service")
	st, ok := s.snaps.Snapshot().Services[name]
	if !ok {
		unknownService(c, name)
	}
	return st, ok
}

func unknownService(c *gin.Context, name string) {
	problem(c, http.StatusNotFound, api.ProblemUnknownService, fmt.Sprintf("no service %q is configured", name))
}

// check asks the gate about the service in the path, answering 404 itself
// for an unknown one.
func (s *Server) check(c *gin.Context, p slo.Priority) (*gate.Answer, bool) {
	a, err := s.gate.Check(c.Param("service"), p)
	if errors.Is(err, gate.ErrUnknownService) {
		unknownService(c, c.Param("service"))
		return nil, false
	}
	return a, true
}

func (s *Server) listServices(c *gin.Context) {
	snap := s.snaps.Snapshot()
	out := api.ServiceList{ConfigProblems: toSpecProblems(snap.Orphans), Services: make([]api.Service, 0, len(snap.Services))}
	for _, name := range snap.Names() {
		a, err := s.gate.Check(name, slo.PriorityNormal)
		if err != nil {
			continue // removed by a reload since the snapshot was taken
		}
		out.Services = append(out.Services, toService(a))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) getService(c *gin.Context) {
	if a, ok := s.check(c, slo.PriorityNormal); ok {
		c.JSON(http.StatusOK, toService(a))
	}
}

func (s *Server) canDeployGet(c *gin.Context) { s.readOnlyCheck(c, false) }

// gateStatus is can-deploy for tools that only read status codes (Flagger
// webhooks): 200 when allowed, 412 when denied, same body.
func (s *Server) gateStatus(c *gin.Context) { s.readOnlyCheck(c, true) }

// readOnlyCheck answers an unaudited check with ?priority=; with
// statusFromDecision a denial answers 412.
func (s *Server) readOnlyCheck(c *gin.Context, statusFromDecision bool) {
	p, err := slo.ParsePriority(c.Query("priority"))
	if err != nil {
		if _, ok := s.service(c); ok {
			badField(c, "priority", err.Error())
		}
		return
	}
	a, ok := s.check(c, p)
	if !ok {
		return
	}
	status := http.StatusOK
	if statusFromDecision && !a.Result.Allowed {
		status = http.StatusPreconditionFailed
	}
	s.renderDecision(c, status, a, p)
}

func (s *Server) canDeployPost(c *gin.Context) {
	if _, ok := s.service(c); !ok {
		return
	}
	var req api.CanDeployRequest
	if !s.bindJSON(c, &req) {
		return
	}
	p, err := slo.ParsePriority(req.Priority)
	if err != nil {
		badField(c, "priority", err.Error())
		return
	}
	a, id, err := s.gate.CheckAudited(c.Request.Context(), c.Param("service"), gate.CheckRequest{
		Priority: p, Version: req.Version, Actor: req.Actor, Pipeline: req.Pipeline, RequestID: c.GetString(requestIDKey),
	})
	var fe *gate.FieldError
	switch {
	case errors.As(err, &fe):
		badField(c, fe.Field, fe.Message)
	case errors.Is(err, gate.ErrUnknownService):
		unknownService(c, c.Param("service"))
	case errors.Is(err, gate.ErrNotAudited):
		problem(c, http.StatusServiceUnavailable, api.ProblemAuditUnavailable, "the decision could not be written to the decision log; retry shortly")
	case err != nil:
		problem(c, http.StatusInternalServerError, api.ProblemInternal, "deciding failed")
	default:
		ans := toDecision(a, p)
		ans.DecisionID = &id
		if req.Deploying && a.Result.Allowed && !s.recordCheckedDeploy(c, req, p, &ans) {
			return
		}
		c.JSON(http.StatusOK, ans)
	}
}

// recordCheckedDeploy records the deploy an allowed check with deploying
// asked for. A deploy it cannot record is answered 503 (the decision is
// logged already, so a retry is a second, harmless check).
func (s *Server) recordCheckedDeploy(c *gin.Context, req api.CanDeployRequest, p slo.Priority, ans *api.Decision) bool {
	if s.cfg.Events == nil {
		problem(c, http.StatusServiceUnavailable, api.ProblemStoreUnavailable, "this slod does not record deployments")
		return false
	}
	d, err := s.cfg.Events.RecordDeployment(c.Request.Context(), c.Param("service"), events.DeploymentRequest{
		Version: req.Version, Priority: p, Actor: req.Actor, Pipeline: req.Pipeline, RequestID: c.GetString(requestIDKey),
	})
	if s.eventsError(c, fmt.Sprintf("recording the deployment of decision %d", *ans.DecisionID), err) {
		return false
	}
	ans.DeploymentID = &d.ID
	return true
}

// bindJSON decodes a JSON body strictly (decodeStrict), answering 413 or
// 400 itself on failure. An empty body is an empty request.
func (s *Server) bindJSON(c *gin.Context, v any) bool {
	err := decodeStrict(c.Request.Body, v)
	var (
		tooBig *http.MaxBytesError
		member *memberError
		body   *bodyError
	)
	switch {
	case err == nil:
		return true
	case errors.As(err, &tooBig):
		problem(c, http.StatusRequestEntityTooLarge, api.ProblemBodyTooLarge, fmt.Sprintf("request body exceeds %d bytes", tooBig.Limit))
	case errors.As(err, &member):
		badField(c, member.field, member.msg)
	case errors.As(err, &body):
		problem(c, http.StatusBadRequest, api.ProblemInvalidBody, body.msg)
	default:
		problem(c, http.StatusBadRequest, api.ProblemInvalidBody, "reading the request body failed: "+err.Error())
	}
	return false
}
