package prom

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultQueryTimeout       = 10 * time.Second
	DefaultMaxConcurrent      = 4
	DefaultMaxRetries         = 2
	DefaultBackoffBase        = 250 * time.Millisecond
	DefaultBackoffMax         = 5 * time.Second
	DefaultBreakerFailures    = 5
	DefaultBreakerOpenTimeout = 30 * time.Second
)

// Config says how to reach Prometheus and how hard to try.
type Config struct {
	// URL is the Prometheus base URL, e.g. http://127.0.0.1:9090 (a path
	// prefix such as /prometheus is kept).
	URL string

	// BearerToken or BearerTokenFile (re-read on every request, so rotated
	// tokens are picked up) sets "Authorization: Bearer ...". Mutually
	// exclusive with each other and with basic auth.
	BearerToken       string
	BearerTokenFile   string
	BasicAuthUser     string
	BasicAuthPassword string
	// Headers are added to every request, e.g. X-Scope-OrgID for
	// multi-tenant Cortex/Mimir/Thanos front ends.
	Headers map[string]string

	// CAFile is a PEM bundle of the roots that verify the server, used
	// instead of the system roots. InsecureSkipVerify disables verification
	// (tests and labs only).
	CAFile             string
	InsecureSkipVerify bool

	// QueryTimeout bounds each attempt (default 10s).
	QueryTimeout time.Duration
	// MaxConcurrent is the bulkhead: queries in flight at once (default 4).
	MaxConcurrent int
	// MaxRetries is the number of retries after the first attempt for
	// retryable failures (default 2; negative disables retries).
	MaxRetries int
	// BackoffBase and BackoffMax shape the full-jitter exponential backoff:
	// the n-th retry waits a random time in [0, min(BackoffMax, BackoffBase*2^n))
	// (defaults 250ms and 5s).
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// BreakerFailures consecutive failed attempts open the circuit
	// (default 5); after BreakerOpenTimeout (default 30s) one probe query is
	// let through (half-open).
	BreakerFailures    int
	BreakerOpenTimeout time.Duration
}

// withDefaults fills zero fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.URL == "" {
		return c, errors.New("prometheus URL is empty")
	}
	// Messages name the URL redacted: it may carry a password.
	u, err := url.Parse(c.URL)
	if err != nil {
		return c, fmt.Errorf("prometheus URL: %w", parseError(err))
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("prometheus URL: want http:// or https:// with a host, not scheme %q and host %q", u.Scheme, u.Host)
	}
	if c.BearerToken != "" && c.BearerTokenFile != "" {
		return c, errors.New("bearer token and bearer token file are mutually exclusive")
	}
	if (c.BearerToken != "" || c.BearerTokenFile != "") && c.BasicAuthUser != "" {
		return c, errors.New("bearer token and basic auth are mutually exclusive")
	}
	setDefault(&c.QueryTimeout, DefaultQueryTimeout)
	setDefault(&c.MaxConcurrent, DefaultMaxConcurrent)
	setDefault(&c.MaxRetries, DefaultMaxRetries)
	setDefault(&c.BackoffBase, DefaultBackoffBase)
	setDefault(&c.BackoffMax, DefaultBackoffMax)
	setDefault(&c.BreakerFailures, DefaultBreakerFailures)
	setDefault(&c.BreakerOpenTimeout, DefaultBreakerOpenTimeout)
	if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	switch {
	case c.QueryTimeout < 0, c.MaxConcurrent < 0, c.BackoffBase < 0, c.BackoffMax < 0,
		c.BreakerFailures < 0, c.BreakerOpenTimeout < 0:
		return c, errors.New("prometheus client settings must not be negative")
	case c.BackoffMax < c.BackoffBase:
		return c, fmt.Errorf("backoff max %s is below backoff base %s", c.BackoffMax, c.BackoffBase)
	}
	return c, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
