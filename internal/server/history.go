package server

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/engine"
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
	points, err := s.snaps.History(c.Request.Context(), st.Spec.Service, slug, from, to, limit)
	switch {
	case errors.Is(err, engine.ErrUnknownSLO):
		// Removed by a reload since the snapshot above was taken.
		problem(c, http.StatusNotFound, api.ProblemUnknownSLO, fmt.Sprintf("service %q has no SLO %q", st.Spec.Service, slug))
		return
	case err != nil:
		// A follower reads the ledger from the shared store.
		s.log.Error("reading history failed", "service", st.Spec.Service, "slo", slug, "err", err)
		problem(c, http.StatusServiceUnavailable, api.ProblemStoreUnavailable, "the SLO's history could not be read from the store; try again")
		return
	}
	c.JSON(http.StatusOK, api.History{
		Service: st.Spec.Service,
		SLO:     slug,
		Target:  o.Target,
		Window:  o.WindowLabel(),
		From:    from.UTC(),
		To:      to.UTC(),
		Points:  historyPoints(points),
	})
}

// The times a history request may name, in Unix seconds: from the epoch
// to 9999-12-31T23:59:59Z, the last second RFC 3339 can write.
const (
	minHistoryUnix = 0
	maxHistoryUnix = 253402300799
)

// timeParam reads an RFC 3339 time or Unix seconds within the history
// range, answering 400 naming the parameter itself.
func timeParam(c *gin.Context, name string, def time.Time) (time.Time, bool) {
	v := c.Query(name)
	if v == "" {
		return def, true
	}
	t, err := parseTime(v)
	if err != nil {
		badField(c, name, fmt.Sprintf("%s %v, got %q", name, err, truncate(v, 100)))
		return time.Time{}, false
	}
	return t, true
}

// parseTime reads an RFC 3339 time or Unix seconds from minHistoryUnix to
// maxHistoryUnix; the error says what a valid one looks like.
func parseTime(v string) (time.Time, error) {
	outOfRange := fmt.Errorf("must be from %s to %s",
		time.Unix(minHistoryUnix, 0).UTC().Format(time.RFC3339), time.Unix(maxHistoryUnix, 0).UTC().Format(time.RFC3339))
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		secs, err := strconv.ParseFloat(v, 64)
		switch {
		case err != nil || math.IsNaN(secs):
			return time.Time{}, errors.New("must be an RFC 3339 time (2026-11-27T18:00:00Z) or Unix seconds")
		// Checked before converting: past int64 nanoseconds, 1e300 became 1677.
		case secs < minHistoryUnix || secs > maxHistoryUnix:
			return time.Time{}, outOfRange
		}
		whole, frac := math.Modf(secs)
		t = time.Unix(int64(whole), int64(frac*1e9))
	}
	if t.Unix() < minHistoryUnix || t.Unix() > maxHistoryUnix {
		return time.Time{}, outOfRange
	}
	return t, nil
}
