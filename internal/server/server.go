// Package server is slod's HTTP face: the JSON API with RFC 7807 errors,
// /metrics, health endpoints and the embedded dashboard.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/events"
	"github.com/slo-dev/slo/internal/gate"
	"github.com/slo-dev/slo/internal/slo"
)

// Snapshots gives the current evaluation snapshot and the history of an
// SLO from its ledger (internal/engine.Engine).
type Snapshots interface {
	Snapshot() *engine.Snapshot
	History(ctx context.Context, service, slug string, from, to time.Time, limit int) ([]slo.Status, error)
}

// Config holds the server's settings.
type Config struct {
	// Tokens accepted for writes (overrides).
	Tokens []string
	// MaxBodyBytes caps request bodies (default 64 KiB).
	MaxBodyBytes int64
	// MaxInFlight bounds concurrent requests before shedding with 429
	// (default 256).
	MaxInFlight int
	// AllowedHosts are the host names (any port) the Host header may
	// name; empty allows any.
	AllowedHosts []string
	// RequireTokenForChecks makes POSTed can-deploy checks need a bearer
	// token, like overrides.
	RequireTokenForChecks bool
	// RateLimit is how many writes (can-deploy POSTs, override creations
	// and revocations) one client address may make per second, in bursts
	// of up to RateBurst (default 60); 0 turns the limit off.
	RateLimit float64
	RateBurst int
	// Clock returns now; time.Now when nil.
	Clock func() time.Time
	// Events records deploys and corrections; without it their endpoints
	// are not served.
	Events *events.Events
	// SpecPaths are where slod searched for specs, named by /readyz when
	// no service is loaded.
	SpecPaths []string
	// Backtests runs POST /api/v1/backtest; nil answers it 404.
	Backtests Backtester
	// Notifications is the outbox; its endpoints answer 404 without it.
	Notifications Notifications
	// Reports builds SLO reports; /api/v1/reports answers 404 without it.
	Reports Reports
	// Cluster answers GET /api/v1/cluster and names the replica's role
	// in /readyz; 404 and no role without it.
	Cluster Cluster
}

// Server serves the API.
type Server struct {
	snaps  Snapshots
	gate   *gate.Gate
	log    *slog.Logger
	cfg    Config
	tokens tokenSet
	bodies decisionBodies
}

// New builds the HTTP handler over the engine's snapshots and the gate.
// reg receives HTTP and SLO metrics; gatherer is what /metrics exposes.
func New(snaps Snapshots, g *gate.Gate, log *slog.Logger, cfg Config, reg prometheus.Registerer, gatherer prometheus.Gatherer) http.Handler {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 256
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = 60
	}
	s := &Server{snaps: snaps, gate: g, log: log, cfg: cfg, tokens: newTokenSet(cfg.Tokens)}
	reg.MustRegister(newSnapshotCollector(s))

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	// No proxy is trusted: X-Forwarded-For and X-Real-IP come from
	// whoever connects, and the client address limits writes. With no
	// list to parse this cannot fail.
	_ = r.SetTrustedProxies(nil)
	hm := newHTTPMetrics(reg)
	r.Use(requestID(), answerHeaders(), recoverProblem(log), accessLog(log), hm.middleware(), allowHosts(cfg.AllowedHosts), inFlightLimit(cfg.MaxInFlight), bodyLimit(cfg.MaxBodyBytes))
	r.NoRoute(func(c *gin.Context) {
		problem(c, http.StatusNotFound, api.ProblemNotFound, "no such endpoint: "+c.Request.URL.Path)
	})
	r.NoMethod(func(c *gin.Context) {
		problem(c, http.StatusMethodNotAllowed, api.ProblemMethodNotAllowed, c.Request.Method+" is not allowed on "+c.Request.URL.Path)
	})

	getAndHead(r, "/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	getAndHead(r, "/readyz", s.readyz)
	getAndHead(r, "/metrics", gin.WrapH(promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{})))

	guards := s.writeGuards()
	write := func(h ...gin.HandlerFunc) []gin.HandlerFunc { return slices.Concat(guards, h) }
	api := r.Group("/api/v1", requireJSON())
	api.GET("/services", s.listServices)
	api.GET("/services/:service", s.getService)
	api.GET("/services/:service/can-deploy", s.canDeployGet)
	api.POST("/services/:service/can-deploy", write(s.checkAuth(), s.canDeployPost)...)
	// Flagger webhooks POST; the gate is read-only either way.
	api.GET("/services/:service/gate", s.gateStatus)
	api.POST("/services/:service/gate", s.gateStatus)
	api.GET("/services/:service/slos/:slo/history", s.history)
	api.GET("/services/:service/overrides", s.listOverrides)
	api.POST("/services/:service/overrides", write(s.tokens.requireToken(), s.createOverride)...)
	api.DELETE("/services/:service/overrides/:id", write(s.tokens.requireToken(), s.revokeOverride)...)
	api.GET("/decisions", s.listDecisions)
	// A POST for its body; it changes nothing.
	api.POST("/backtest", s.backtest)
	if cfg.Events != nil {
		s.mountEvents(api, write)
	}
	if cfg.Reports != nil {
		api.GET("/reports", s.getReport)
	}
	if cfg.Cluster != nil {
		api.GET("/cluster", s.getCluster)
	}
	if cfg.Notifications != nil {
		api.GET("/notifications", s.listNotifications)
		api.POST("/notifications/retry", write(s.tokens.requireToken(), s.retryNotifications)...)
		api.POST("/notifications/:id/retry", write(s.tokens.requireToken(), s.retryNotifications)...)
	}
	mountDashboard(r)
	mountProblemDocs(r)
	return r
}

// writeGuards are the checks before every write that lands in the
// decision or audit log.
func (s *Server) writeGuards() []gin.HandlerFunc {
	if s.cfg.RateLimit <= 0 {
		return nil
	}
	return []gin.HandlerFunc{newWriteLimiter(s.cfg.RateLimit, s.cfg.RateBurst, maxRateClients, s.cfg.Clock).middleware()}
}

// checkAuth guards POSTed checks with a bearer token when
// RequireTokenForChecks is set, and lets them through otherwise.
func (s *Server) checkAuth() gin.HandlerFunc {
	if s.cfg.RequireTokenForChecks {
		return s.tokens.requireToken()
	}
	return func(c *gin.Context) { c.Next() }
}

// readyz answers 503 while slod cannot gate anything: no service is
// loaded, or none has been measured or restored yet.
func (s *Server) readyz(c *gin.Context) {
	snap := s.snaps.Snapshot()
	if len(snap.Services) == 0 {
		// Every problem is an orphan when no service is loaded.
		problem(c, http.StatusServiceUnavailable, api.ProblemNoServices, fmt.Sprintf(
			"no service is loaded: searched %s and found %s; GET /api/v1/services lists them under config_problems",
			strings.Join(s.cfg.SpecPaths, ", "), plural(len(snap.Orphans), "spec problem")))
		return
	}
	if !snap.Ready {
		problem(c, http.StatusServiceUnavailable, api.ProblemNotReady, "no evaluation has completed and no snapshot was restored yet")
		return
	}
	body := gin.H{"status": "ready"}
	if s.cfg.Cluster != nil {
		// Not a reason to be unready: a follower answers as well as the
		// leader, and an unreachable store does not stop GET checks.
		body["role"] = map[bool]string{true: "leader", false: "follower"}[s.cfg.Cluster.Leader()]
	}
	c.JSON(http.StatusOK, body)
}

// plural formats a count with its noun: "1 spec problem", "2 spec problems".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
