package server

import "github.com/gin-gonic/gin"

// answerHeaders marks every answer as not to be stored by caches (a gate
// decision or an override list is stale the moment it is cached) and not
// to be sniffed as another type than it says (an error page echoing
// input must never run as HTML). The dashboard sets its own cache policy.
func answerHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		c.Header("X-Content-Type-Options", "nosniff")
		c.Next()
	}
}
