package server

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/slo-dev/slo/internal/api"
)

// maxRateClients bounds how many client addresses have a bucket of their
// own.
const maxRateClients = 10000

// writeLimiter keeps a token bucket per client address for the writes
// that land in the decision log or the audit log, so that one client
// cannot flood them. Past maxClients addresses, new ones share a single
// bucket: memory stays bounded, and a client inventing source addresses
// gets one more client's share, not one per address.
type writeLimiter struct {
	limit      rate.Limit
	burst      int
	maxClients int
	clock      func() time.Time

	mu        sync.Mutex
	clients   map[string]*rate.Limiter
	overflow  *rate.Limiter
	lastSweep time.Time
}

func newWriteLimiter(perSecond float64, burst, maxClients int, clock func() time.Time) *writeLimiter {
	return &writeLimiter{
		limit:      rate.Limit(perSecond),
		burst:      burst,
		maxClients: maxClients,
		clock:      clock,
		clients:    map[string]*rate.Limiter{},
		overflow:   rate.NewLimiter(rate.Limit(perSecond), burst),
	}
}

// middleware answers 429 with Retry-After to a client over its rate.
func (l *writeLimiter) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		wait := l.take(c.ClientIP())
		if wait == 0 {
			c.Next()
			return
		}
		secs := int(math.Ceil(wait.Seconds()))
		c.Header("Retry-After", strconv.Itoa(secs))
		problem(c, http.StatusTooManyRequests, api.ProblemTooManyRequests, fmt.Sprintf(
			"more than %d writes at once or %g a second from %s; retry after %ds", l.burst, float64(l.limit), c.ClientIP(), secs))
	}
}

// take spends one token of client's bucket and returns zero, or returns
// how long the client must wait for a token and spends nothing.
func (l *writeLimiter) take(client string) time.Duration {
	now := l.clock()
	r := l.bucket(client, now).ReserveN(now, 1)
	wait := r.DelayFrom(now)
	if wait > 0 {
		r.CancelAt(now)
	}
	return wait
}

// bucket is client's bucket, made on first use.
func (l *writeLimiter) bucket(client string, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.clients[client]; ok {
		return b
	}
	if len(l.clients) >= l.maxClients {
		l.forgetIdle(now)
	}
	if len(l.clients) >= l.maxClients {
		return l.overflow
	}
	b := rate.NewLimiter(l.limit, l.burst)
	l.clients[client] = b
	return b
}

// forgetIdle drops the clients whose bucket is full again, as a new one
// would be. It runs at most once a second, so that a flood of new
// addresses does not walk the map on every request. Callers hold mu.
func (l *writeLimiter) forgetIdle(now time.Time) {
	if now.Sub(l.lastSweep) < time.Second {
		return
	}
	l.lastSweep = now
	for c, b := range l.clients {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.clients, c)
		}
	}
}
