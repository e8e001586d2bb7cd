package server

import (
	"fmt"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/internal/api"
)

// requireJSON answers 415 to a write (any method but GET and HEAD) that
// has a body, or declares a Content-Type, other than application/json. A
// web page can make a browser POST text/plain or form bodies anywhere
// without asking; requiring JSON, which a browser only sends cross-origin
// after a CORS preflight slod never grants, keeps such posts out of the
// decision log.
func requireJSON() gin.HandlerFunc {
	return func(c *gin.Context) {
		r := c.Request
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			c.Next()
			return
		}
		ct := r.Header.Get("Content-Type")
		if ct == "" && r.ContentLength == 0 {
			c.Next()
			return
		}
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			problem(c, http.StatusUnsupportedMediaType, api.ProblemUnsupportedMediaType,
				fmt.Sprintf("a request body must be sent as Content-Type: application/json, not %q", truncate(ct, 100)))
			return
		}
		c.Next()
	}
}

// truncate cuts s to at most n bytes, for echoing client input.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
