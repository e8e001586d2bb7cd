package prom

import (
	"math/rand/v2"
	"time"
)

// fullJitter is exponential backoff with "full jitter" (AWS architecture
// blog, "Exponential Backoff And Jitter"): the n-th wait is uniform in
// [0, min(max, base*2^n)); base must be positive. backoff/v5's
// ExponentialBackOff only randomizes by a factor around the interval, which
// keeps clients that failed together retrying together; full jitter spreads
// them over the whole interval.
type fullJitter struct {
	base, max time.Duration
	n         int
}

// NextBackOff implements backoff.BackOff.
func (b *fullJitter) NextBackOff() time.Duration {
	ceiling := b.base
	for i := 0; i < b.n; i++ {
		// Compare before doubling so a huge max cannot overflow.
		if ceiling > b.max/2 {
			ceiling = b.max
			break
		}
		ceiling *= 2
	}
	ceiling = min(ceiling, b.max)
	b.n++
	return time.Duration(rand.Int64N(int64(ceiling)))
}

// Reset implements backoff.BackOff.
func (b *fullJitter) Reset() { b.n = 0 }
