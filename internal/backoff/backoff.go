// Package backoff is the retry policy slod and sloctl share: exponential
// backoff with full jitter, and a server's Retry-After honoured, on top of
// the retry loop of github.com/cenkalti/backoff/v5.
//
// The library's own ExponentialBackOff only randomizes by a factor around
// the interval, which keeps clients that failed together (a Prometheus or
// slod restart) retrying together; full jitter spreads them over the whole
// interval. Its Retry loop, permanent errors and RetryAfterError fit as
// they are.
package backoff

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	cenkalti "github.com/cenkalti/backoff/v5"
)

// FullJitter is exponential backoff with "full jitter" (AWS architecture
// blog, "Exponential Backoff And Jitter"): the n-th wait is uniform in
// [0, min(Max, Base*2^n)), and 0 when that is empty.
type FullJitter struct {
	Base, Max time.Duration
	n         int
}

// NextBackOff implements cenkalti/backoff's BackOff.
func (b *FullJitter) NextBackOff() time.Duration {
	d := b.Wait(b.n)
	b.n++
	return d
}

// Wait is the wait after the n-th failed attempt (0 for the first), for
// callers that keep the count themselves (a retry schedule stored on disk).
func (b FullJitter) Wait(n int) time.Duration {
	ceiling := b.Base
	for i := 0; i < n && ceiling > 0 && ceiling < b.Max; i++ {
		// Compare before doubling so that a huge Max cannot overflow.
		if ceiling > b.Max/2 {
			ceiling = b.Max
		} else {
			ceiling *= 2
		}
	}
	ceiling = min(ceiling, b.Max)
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling)
}

// Reset implements cenkalti/backoff's BackOff: the next wait is the first.
func (b *FullJitter) Reset() { b.n = 0 }

// Policy says how long to wait between attempts and when to stop.
type Policy struct {
	// Base and Max shape the full-jitter waits (see FullJitter).
	Base, Max time.Duration
	// MaxTries bounds the attempts, the first included (0: no bound).
	MaxTries uint
	// MaxElapsed stops before a wait that would end more than MaxElapsed
	// after the first attempt began (0: no bound).
	MaxElapsed time.Duration
	// Notify, when set, hears about each failed attempt before the wait.
	Notify func(err error, wait time.Duration)
}

// Retry runs op until it succeeds, fails with a Permanent error, p's
// bounds are reached or ctx ends. It returns op's last error, unwrapped
// from Permanent, or ctx's cause when ctx ended during a wait.
func Retry[T any](ctx context.Context, p Policy, op func() (T, error)) (T, error) {
	return cenkalti.Retry(ctx, op,
		cenkalti.WithBackOff(&FullJitter{Base: p.Base, Max: p.Max}),
		cenkalti.WithMaxTries(p.MaxTries),
		cenkalti.WithMaxElapsedTime(p.MaxElapsed),
		cenkalti.WithNotify(p.Notify),
	)
}

// Permanent marks err as not worth another attempt.
func Permanent(err error) error { return cenkalti.Permanent(err) }

// RetryAfter makes Retry wait d (a server's Retry-After) before the next
// attempt instead of the backoff's wait. When ctx ends before d, err is
// permanent: waiting past the caller's deadline only to fail is
// pointless. d <= 0 leaves err to the normal backoff.
func RetryAfter(ctx context.Context, err error, d time.Duration) error {
	if d <= 0 {
		return err
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return Permanent(fmt.Errorf("%w (Retry-After %s is past the deadline)", err, d))
	}
	return fmt.Errorf("%w: %w", err, &cenkalti.RetryAfterError{Duration: d})
}

// ParseRetryAfter reads a Retry-After header: delta-seconds or an HTTP
// date; 0 when absent or unparsable (the normal backoff applies then).
func ParseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		return max(time.Duration(secs)*time.Second, 0)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}
