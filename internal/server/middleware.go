package server

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/metricnames"
)

const requestIDKey = "request_id"

// requestID echoes a client's X-Request-ID when it is a short safe token
// (a CI system or proxy correlating its own logs with slod's), and makes
// one otherwise. The id is stored with every audited decision and printed
// in logs and problems, so it never carries arbitrary client text.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if !safeRequestID(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(requestIDKey, id)
		c.Header("X-Request-ID", id)
		c.Next()
	}
}

// maxRequestID bounds an accepted client request id.
const maxRequestID = 64

// safeRequestID reports whether id is 1 to maxRequestID letters, digits,
// '.', '_' or '-'.
func safeRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for _, r := range id {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// accessLog writes one structured line per request.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		level := slog.LevelInfo
		switch {
		case c.FullPath() == "/healthz" || c.FullPath() == "/readyz":
			// Probes poll all day; a not-ready answer at startup is normal.
			level = slog.LevelDebug
		case c.Writer.Status() >= 500:
			level = slog.LevelError
		}
		log.Log(c.Request.Context(), level, "http request",
			"request_id", c.GetString(requestIDKey),
			"method", c.Request.Method,
			"path", c.Request.URL.Path,
			"route", c.FullPath(),
			"status", c.Writer.Status(),
			"duration_ms", float64(time.Since(start).Microseconds())/1000,
			"client", c.ClientIP(),
		)
	}
}

// recoverProblem turns a panic into a 500 problem instead of a dropped
// connection, and logs it.
func recoverProblem(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				log.Error("panic serving request", "request_id", c.GetString(requestIDKey), "panic", fmt.Sprint(r))
				problem(c, http.StatusInternalServerError, api.ProblemInternal, "internal error; see the server log for request "+c.GetString(requestIDKey))
			}
		}()
		c.Next()
	}
}

// httpMetrics counts requests by route, method and status. Every label
// has a bounded set of values: the route is the matched template (or
// "unmatched"), never the path a client sent.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricnames.HTTPRequests,
			Help: "HTTP requests served, by route, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    metricnames.HTTPRequestDuration,
			Help:    "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *httpMetrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(route, methodLabel(c.Request.Method), strconv.Itoa(c.Writer.Status())).Inc()
		m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	}
}

// methodLabel is the method for a metric label: any client can invent
// methods, and each would be a new series, so those outside RFC 9110's
// are "other".
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "other"
}

// inFlightLimit is a bulkhead for request serving: beyond max concurrent
// requests the server sheds load with 429 rather than queueing without end.
func inFlightLimit(max int) gin.HandlerFunc {
	sem := make(chan struct{}, max)
	return func(c *gin.Context) {
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
			c.Next()
		default:
			c.Header("Retry-After", "1")
			problem(c, http.StatusTooManyRequests, api.ProblemTooManyRequests, fmt.Sprintf("more than %d requests in flight; retry after 1s", max))
		}
	}
}

// bodyLimit caps request bodies; handlers see an error past the limit.
func bodyLimit(max int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > max {
			problem(c, http.StatusRequestEntityTooLarge, api.ProblemBodyTooLarge, fmt.Sprintf("request body is %d bytes; the limit is %d", c.Request.ContentLength, max))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		c.Next()
	}
}
