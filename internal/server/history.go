package server

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/internal/api"
)

// maxHistoryPoints bounds the limit a history request may ask for.
const maxHistoryPoints = 5000

func (s *Server) history(c *gin.Context) {
	st, ok := s.service(c)
	if !ok {
		return
	}
	slug := c.Param("slo")
	idx := -1
	for i, o := range st.Spec.SLOs {
		if o.Slug == slug {
			idx = i
		}
	}
	if idx < 0 {
		problem(c, http.StatusNotFound, api.ProblemUnknownSLO, fmt.Sprintf("service %q has no SLO %q", st.Spec.Service, slug))
		return
	}
	o := st.Spec.SLOs[idx]
	now := s.cfg.Clock()
	to, ok := timeParam(c, "to", now)
	if !ok {
		return
	}
	from, ok := timeParam(c, "from", to.Add(-o.NominalWindow()))
	if !ok {
		return
	}
	if !from.Before(to) {
		badField(c, "from", "from must be before to")
		return
	}
	limit := api.DefaultHistoryPoints
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 || n > maxHistoryPoints {
			badField(c, "limit", fmt.Sprintf("limit must be a whole number from 2 to %d", maxHistoryPoints))
			return
		}
		limit = n
	}
	points, err := s.store.History(c.Request.Context(), st.Spec.Service, slug, from, to, limit)
	if err != nil {
		s.log.Error("reading history", "service", st.Spec.Service, "slo", slug, "err", err)
		problem(c, http.StatusServiceUnavailable, api.ProblemStoreUnavailable, "history could not be read; retry shortly")
		return
	}
	c.JSON(http.StatusOK, api.History{
		Service: st.Spec.Service,
		SLO:     slug,
		Target:  o.Target,
		Window:  o.WindowLabel(),
		From:    from.UTC(),
		To:      to.UTC(),
		Points:  mapSlice(points, toHistoryPoint),
	})
}

// timeParam reads an RFC 3339 time or Unix seconds, answering 400 itself.
func timeParam(c *gin.Context, name string, def time.Time) (time.Time, bool) {
	v := c.Query(name)
	if v == "" {
		return def, true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, true
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		return time.Unix(0, int64(secs*1e9)), true
	}
	badField(c, name, fmt.Sprintf("%s must be an RFC 3339 time (2026-11-27T18:00:00Z) or Unix seconds, got %q", name, v))
	return time.Time{}, false
}
