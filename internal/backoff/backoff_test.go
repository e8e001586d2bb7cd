package backoff

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFullJitter(t *testing.T) {
	b := &FullJitter{Base: 100 * time.Millisecond, Max: time.Second}
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

// Consecutive calls walk the ceilings up, and Reset starts over.
func TestFullJitterSequence(t *testing.T) {
	b := &FullJitter{Base: 100 * time.Millisecond, Max: time.Second}
	for round := 0; round < 200; round++ {
		b.Reset()
		for n, ceil := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
			ceil *= time.Millisecond
			if d := b.NextBackOff(); d < 0 || d >= ceil {
				t.Fatalf("wait %d = %v, want in [0, %v)", n, d, ceil)
			}
		}
	}
	// Far past the cap a shift would overflow; it must stay capped.
	b.n = 100
	if d := b.NextBackOff(); d < 0 || d >= time.Second {
		t.Errorf("after many retries: %v", d)
	}
}

func TestFullJitterHugeMax(t *testing.T) {
	b := &FullJitter{Base: time.Second, Max: time.Duration(1<<63 - 1)}
	for range 100 {
		if d := b.NextBackOff(); d < 0 {
			t.Fatalf("wait %s after %d doublings: overflow", d, b.n)
		}
	}
}

// A zero base (or max) means retrying at once, never a panic.
func TestFullJitterZero(t *testing.T) {
	for _, b := range []*FullJitter{{Base: 0, Max: time.Second}, {Base: time.Second, Max: 0}} {
		for range 3 {
			if d := b.NextBackOff(); d != 0 {
				t.Errorf("%+v: wait %s, want 0", b, d)
			}
		}
	}
}

func TestRetryStopsAtMaxTries(t *testing.T) {
	boom := errors.New("boom")
	var tries int
	var waits []time.Duration
	p := Policy{Base: time.Millisecond, Max: time.Millisecond, MaxTries: 3,
		Notify: func(err error, wait time.Duration) { waits = append(waits, wait) }}
	_, err := Retry(context.Background(), p, func() (int, error) { tries++; return 0, boom })
	if !errors.Is(err, boom) || tries != 3 || len(waits) != 2 {
		t.Errorf("err %v after %d tries and %d notified waits; want boom after 3 tries, 2 waits", err, tries, len(waits))
	}
}

func TestRetryPermanent(t *testing.T) {
	boom := errors.New("boom")
	var tries int
	_, err := Retry(context.Background(), Policy{Base: time.Millisecond, Max: time.Millisecond}, func() (int, error) {
		tries++
		return 0, Permanent(boom)
	})
	if err != boom || tries != 1 {
		t.Errorf("err %v after %d tries; want boom itself after 1", err, tries)
	}
}

func TestRetryAfter(t *testing.T) {
	boom := errors.New("503")
	if err := RetryAfter(context.Background(), boom, 0); err != boom {
		t.Errorf("no Retry-After: err = %v, want it unchanged", err)
	}

	// The server's wait replaces the backoff's.
	var waits []time.Duration
	var tries int
	p := Policy{Base: time.Hour, Max: time.Hour, MaxTries: 2,
		Notify: func(_ error, wait time.Duration) { waits = append(waits, wait) }}
	v, err := Retry(context.Background(), p, func() (int, error) {
		if tries++; tries == 1 {
			return 0, RetryAfter(context.Background(), boom, 10*time.Millisecond)
		}
		return 7, nil
	})
	if v != 7 || err != nil || len(waits) != 1 || waits[0] != 10*time.Millisecond {
		t.Errorf("got %d, %v with waits %v; want 7 after one wait of 10ms", v, err, waits)
	}

	// Past the caller's deadline it is not worth waiting for.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	tries = 0
	_, err = Retry(ctx, Policy{Base: time.Millisecond, Max: time.Millisecond}, func() (int, error) {
		tries++
		return 0, RetryAfter(ctx, boom, time.Hour)
	})
	if tries != 1 || !errors.Is(err, boom) || !strings.Contains(err.Error(), "Retry-After 1h0m0s is past the deadline") {
		t.Errorf("err %v after %d tries; want one try naming the Retry-After", err, tries)
	}
}

func TestParseRetryAfter(t *testing.T) {
	for v, want := range map[string]time.Duration{
		"":       0,
		"3":      3 * time.Second,
		"-5":     0,
		"soon":   0,
		"0":      0,
		"120":    2 * time.Minute,
		"1.5":    0, // delta-seconds are whole
		"Mon, 1": 0,
	} {
		if got := ParseRetryAfter(v); got != want {
			t.Errorf("ParseRetryAfter(%q) = %s, want %s", v, got, want)
		}
	}
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	if got := ParseRetryAfter(past); got != 0 {
		t.Errorf("a date in the past: %s, want 0", got)
	}
	future := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	if got := ParseRetryAfter(future); got < 58*time.Minute || got > time.Hour {
		t.Errorf("a date an hour ahead: %s", got)
	}
}
