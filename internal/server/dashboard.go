package server

import (
	"github.com/gin-gonic/gin"
)

// mountDashboard serves the embedded web UI at /.
func mountDashboard(r *gin.Engine) {
	_ = r
}
