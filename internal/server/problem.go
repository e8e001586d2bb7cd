package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/internal/api"
)

// problem writes an application/problem+json answer of type typ (one of
// api's Problem types) and aborts the chain.
func problem(c *gin.Context, status int, typ, detail string) {
	writeProblem(c, api.Problem{Type: typ, Title: http.StatusText(status), Status: status, Detail: detail})
}

// badField is a 400 naming the field that was wrong.
func badField(c *gin.Context, field, detail string) {
	writeProblem(c, api.Problem{Type: api.ProblemInvalidParameter, Title: "Invalid parameter", Status: http.StatusBadRequest, Detail: detail, Field: field})
}

func writeProblem(c *gin.Context, p api.Problem) {
	p.Instance = c.Request.URL.Path
	p.RequestID = c.GetString(requestIDKey)
	// gin's JSON renderer keeps a Content-Type that is already set.
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(p.Status, p)
}
