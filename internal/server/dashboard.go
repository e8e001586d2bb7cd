package server

import (
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/web"
)

// dashboardCSP allows only our own scripts and styles: the page builds its
// DOM from API data, and this keeps an injected string from running.
const dashboardCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// mountDashboard serves the embedded web UI: index.html at / and its
// assets under /static/.
func mountDashboard(r *gin.Engine) {
	index, err := fs.ReadFile(web.Assets, "index.html")
	if err != nil {
		// The file is embedded at build time; its absence is a build bug.
		panic("dashboard: " + err.Error())
	}
	// The page and its assets may be cached, but are checked every time,
	// so an upgraded slod never serves an old script.
	secure := func(c *gin.Context) {
		c.Header("Content-Security-Policy", dashboardCSP)
		c.Header("Referrer-Policy", "no-referrer")
		c.Header("Cache-Control", "no-cache")
	}
	getAndHead(r, "/", func(c *gin.Context) {
		secure(c)
		c.Data(http.StatusOK, "text/html; charset=utf-8", index)
	})
	static := r.Group("/static", secure)
	static.StaticFS("/", http.FS(web.Assets))
}
