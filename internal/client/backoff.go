package client

import (
	"math/rand/v2"
	"time"
)

// fullJitter is exponential backoff with full jitter: the wait before
// retry n is uniform in [0, min(max, base*2^n)). Spreading waits over the
// whole range keeps many pipelines that failed together (a slod restart)
// from retrying in lockstep.
type fullJitter struct {
	base, max time.Duration
	n         int
}

// Reset starts over from the base interval.
func (b *fullJitter) Reset() { b.n = 0 }

// NextBackOff returns the next wait.
func (b *fullJitter) NextBackOff() time.Duration {
	ceil := b.max
	// base<<n overflows for large n; past the cap it no longer matters.
	if b.n < 32 {
		if d := b.base << b.n; d > 0 && d < b.max {
			ceil = d
		}
	}
	b.n++
	if ceil <= 0 {
		return 0
	}
	return rand.N(ceil)
}
