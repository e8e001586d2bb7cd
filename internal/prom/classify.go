package prom

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/slo-dev/slo/internal/backoff"
)

// Errors callers can test for with errors.Is.
var (
	// ErrCircuitOpen: Prometheus failed repeatedly and queries fail fast
	// until the breaker lets a probe through.
	ErrCircuitOpen = errors.New("prometheus circuit open")
	// ErrBulkheadFull: no query slot became free before the context ended.
	ErrBulkheadFull = errors.New("prometheus bulkhead full")
	// ErrBadQuery: the query itself is wrong (PromQL error, or a result
	// that is not a single number). Retrying or waiting will not help.
	ErrBadQuery = errors.New("bad prometheus query")
	// ErrWrongTime: the answer was evaluated at another time than the one
	// asked for (a caching or misbehaving proxy); see maxAnswerSkew.
	ErrWrongTime = errors.New("prometheus answered for another time")
	// ErrNewestPointsDropped: a range query's answer has no point at its
	// last step even for vector(1) (see probed). Every query of the batch
	// would read as no traffic there, so the batch fails instead.
	ErrNewestPointsDropped = errors.New("prometheus answered without its newest points")
)

// kind is how one failed attempt affects retries, the breaker and
// slod_prometheus_up.
type kind int

const (
	// kindUnavailable: network errors, timeouts, 5xx, 408, 429. Retried,
	// counts against the breaker, Prometheus is down.
	kindUnavailable kind = iota
	// kindFailed: Prometheus answered but cannot be used as configured
	// (401, 403, 404, TLS verification, unreadable token, garbage body).
	// Not retried, counts against the breaker.
	kindFailed
	// kindQuery: PromQL bad_data or execution errors. Prometheus is fine;
	// not retried and never trips the breaker.
	kindQuery
	// kindCanceled: the caller gave up. Neither success nor failure.
	kindCanceled
)

// attemptError is a classified failure of one attempt.
type attemptError struct {
	kind       kind
	retryAfter time.Duration
	err        error
}

func (e *attemptError) Error() string { return e.err.Error() }
func (e *attemptError) Unwrap() error { return e.err }

func kindOf(err error) (kind, bool) {
	var ae *attemptError
	if errors.As(err, &ae) {
		return ae.kind, true
	}
	return 0, false
}

// classify sorts the error of one attempt. parent is the caller's context
// (not the attempt's, whose deadline is the query timeout).
func classify(parent context.Context, err error, info *respInfo, timeout time.Duration) *attemptError {
	// A cancelled caller says nothing about Prometheus. An expired caller
	// deadline does: Prometheus was too slow for it.
	if errors.Is(parent.Err(), context.Canceled) {
		return &attemptError{kind: kindCanceled, err: err}
	}
	var apiErr *v1.Error
	if errors.As(err, &apiErr) {
		return classifyAPI(apiErr, info)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		if parent.Err() != nil {
			return &attemptError{kind: kindUnavailable, err: fmt.Errorf("no answer before the caller's deadline: %w", err)}
		}
		return &attemptError{kind: kindUnavailable, err: fmt.Errorf("no answer within the query timeout of %s: %w", timeout, err)}
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) || errors.Is(err, errCredentials) {
		return &attemptError{kind: kindFailed, err: err}
	}
	// Connection refused or reset, DNS, unexpected EOF: the server may be
	// restarting. net/http wraps them all in *url.Error, a net.Error.
	var netErr net.Error
	if errors.As(err, &netErr) {
		return &attemptError{kind: kindUnavailable, err: err}
	}
	return &attemptError{kind: kindFailed, err: err}
}

func classifyAPI(e *v1.Error, info *respInfo) *attemptError {
	switch e.Type {
	case v1.ErrBadData, v1.ErrExec:
		return &attemptError{kind: kindQuery, err: fmt.Errorf("%w: %w", ErrBadQuery, e)}
	case v1.ErrTimeout, v1.ErrServer, v1.ErrCanceled:
		return &attemptError{kind: kindUnavailable, retryAfter: backoff.ParseRetryAfter(info.retryAfter), err: e}
	case v1.ErrClient:
		if info.status == http.StatusTooManyRequests || info.status == http.StatusRequestTimeout {
			return &attemptError{kind: kindUnavailable, retryAfter: backoff.ParseRetryAfter(info.retryAfter), err: e}
		}
	}
	return &attemptError{kind: kindFailed, err: e}
}
