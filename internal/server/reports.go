package server

import (
	"bytes"
	"context"
	"net/http"
	"path"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/report"
)

// Reports builds SLO reports (internal/report.Builder).
type Reports interface {
	Build(ctx context.Context, period, glob string) (report.Report, error)
}

// getReport answers GET /api/v1/reports?period=&service=&format=.
func (s *Server) getReport(c *gin.Context) {
	period, glob, format := c.DefaultQuery("period", report.LastWeek), c.Query("service"), c.DefaultQuery("format", report.FormatJSON)
	if err := report.CheckPeriod(period); err != nil {
		badField(c, "period", err.Error())
		return
	}
	if _, err := path.Match(glob, ""); err != nil {
		badField(c, "service", "service must be a service name or a glob like pay*")
		return
	}
	if err := report.CheckFormat(format); err != nil {
		badField(c, "format", err.Error())
		return
	}
	r, err := s.cfg.Reports.Build(c.Request.Context(), period, glob)
	if err != nil {
		s.log.Error("building report", "err", err, "request_id", c.GetString(requestIDKey))
		problem(c, http.StatusServiceUnavailable, api.ProblemReportUnavailable, "the report could not be measured: "+err.Error())
		return
	}
	var buf bytes.Buffer
	if err := report.Render(&buf, r, format); err != nil {
		panic(err) // rendering values slod computed cannot fail; recoverProblem answers 500
	}
	if format == report.FormatHTML {
		// Served from slod's origin: the page may style itself and
		// nothing else.
		c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	}
	c.Data(http.StatusOK, report.ContentType(format), buf.Bytes())
}
