package server

import "github.com/gin-gonic/gin"

// getAndHead routes GET path to h, and HEAD path to the same answer
// without its body: uptime monitors and probes check with HEAD.
func getAndHead(r gin.IRoutes, path string, h gin.HandlerFunc) {
	r.GET(path, h)
	r.HEAD(path, func(c *gin.Context) {
		c.Writer = bodyless{c.Writer}
		h(c)
	})
}

// bodyless sends the status and headers of an answer and drops its body.
type bodyless struct{ gin.ResponseWriter }

func (w bodyless) Write(b []byte) (int, error) {
	w.WriteHeaderNow()
	return len(b), nil
}

func (w bodyless) WriteString(s string) (int, error) {
	w.WriteHeaderNow()
	return len(s), nil
}
