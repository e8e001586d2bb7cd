package server

import (
	"encoding/json"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/gate"
	"github.com/slo-dev/slo/internal/slo"
)

// decisionBodies keeps the encoded answer of each unaudited check: the gate
// reuses an Answer until the snapshot, the overrides or the clock could
// change it, so its bytes can be reused exactly as long. Pipelines poll
// can-deploy; this keeps a poll to a map lookup and one write.
type decisionBodies struct {
	m sync.Map // bodyKey -> encodedDecision
}

type bodyKey struct {
	service  string
	priority slo.Priority
}

type encodedDecision struct {
	answer *gate.Answer
	body   []byte
}

// renderDecision writes the can-deploy answer a for priority p.
func (s *Server) renderDecision(c *gin.Context, status int, a *gate.Answer, p slo.Priority) {
	k := bodyKey{a.State.Spec.Service, p}
	if v, ok := s.bodies.m.Load(k); ok && v.(encodedDecision).answer == a {
		c.Data(status, "application/json; charset=utf-8", v.(encodedDecision).body)
		return
	}
	body, err := json.Marshal(toDecision(a, p))
	if err != nil {
		problem(c, http.StatusInternalServerError, api.ProblemInternal, "encoding the decision failed")
		return
	}
	s.bodies.m.Store(k, encodedDecision{answer: a, body: body})
	c.Data(status, "application/json; charset=utf-8", body)
}
