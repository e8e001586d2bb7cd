package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// problemBase prefixes problem type URIs; they name the kind of problem and
// are documented in the README.
const problemBase = "https://slo.dev/problems/"

// Problem is an RFC 7807 problem detail.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Field names the request parameter at fault, for 400s.
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// problem writes an application/problem+json answer and aborts the chain.
func problem(c *gin.Context, status int, kind, detail string) {
	writeProblem(c, Problem{Type: problemBase + kind, Title: http.StatusText(status), Status: status, Detail: detail})
}

// badField is a 400 naming the field that was wrong.
func badField(c *gin.Context, field, detail string) {
	writeProblem(c, Problem{Type: problemBase + "invalid-parameter", Title: "Invalid parameter", Status: http.StatusBadRequest, Detail: detail, Field: field})
}

func writeProblem(c *gin.Context, p Problem) {
	p.Instance = c.Request.URL.Path
	p.RequestID = c.GetString(requestIDKey)
	// gin's JSON renderer keeps a Content-Type that is already set.
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(p.Status, p)
}
