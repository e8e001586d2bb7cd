package prom

import (
	"testing"
	"time"
)

func TestFullJitter(t *testing.T) {
	b := &fullJitter{base: 100 * time.Millisecond, max: time.Second}
	// The n-th wait is drawn from [0, min(max, base*2^n)).
	ceilings := []time.Duration{100, 200, 400, 800, 1000, 1000}
	const draws = 2000
	for n, c := range ceilings {
		ceiling := c * time.Millisecond
		var low, high int
		for range draws {
			b.n = n
			d := b.NextBackOff()
			if d < 0 || d >= ceiling {
				t.Fatalf("retry %d: wait %s outside [0, %s)", n, d, ceiling)
			}
			// Full jitter reaches both halves of the interval; the
			// seed's "delay * (0.5 + random)" never goes below half.
			if d < ceiling/4 {
				low++
			}
			if d > ceiling*3/4 {
				high++
			}
		}
		if low == 0 || high == 0 {
			t.Errorf("retry %d: %d waits under a quarter and %d over three quarters of %s, want both", n, low, high, ceiling)
		}
	}
	b.Reset()
	if b.n != 0 {
		t.Errorf("Reset left n = %d", b.n)
	}
}

func TestFullJitterHugeMax(t *testing.T) {
	b := &fullJitter{base: time.Second, max: time.Duration(1<<63 - 1)}
	for range 100 {
		if d := b.NextBackOff(); d < 0 {
			t.Fatalf("wait %s after %d doublings: overflow", d, b.n)
		}
	}
}
