package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/prom"
)

// constSource stands in for Prometheus in unit tests: every query runs at
// a constant per-second rate, so every bucket and tail the engine fetches
// is rate x its length exactly, and every window of every SLO can be
// worked out by hand. The real path is proven against a real Prometheus
// in prometheus_test.go.
type constSource struct {
	t testing.TB

	mu sync.Mutex
	// rates maps a substring of a query to the query's rate; a query
	// matching none has no series (absent, as Prometheus answers a
	// selector that matches nothing), one matching several is a test bug.
	rates map[string]float64
	// broken maps a substring of a query to that query's own failure
	// (Series.Err), the way prom reports NaN or several series.
	broken map[string]error
	// down, when set, fails every call as a whole (Prometheus away).
	down error
	// keep is what Retention says; zero: unknown.
	keep  time.Duration
	calls []rangeCall
}

// rangeCall is one QueryRanges call as asked.
type rangeCall struct {
	queries    []string
	start, end time.Time
	step       time.Duration
}

// instant: one evaluation, the tails' batch.
func (c rangeCall) instant() bool { return c.start.Equal(c.end) && c.step == time.Second }

// first is the start of the first bucket a bucket call asks for: the
// bucket [s, s+step) is evaluated at its end.
func (c rangeCall) first() time.Time { return c.start.Add(-c.step) }

func (c rangeCall) String() string {
	return fmt.Sprintf("%d queries %s..%s every %s", len(c.queries), c.start.Format(time.RFC3339), c.end.Format(time.RFC3339), c.step)
}

func newConstSource(t testing.TB, rates map[string]float64) *constSource {
	return &constSource{t: t, rates: rates}
}

func (s *constSource) QueryRanges(_ context.Context, queries []string, start, end time.Time, step time.Duration) ([]prom.Series, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, rangeCall{queries: slices.Clone(queries), start: start, end: end, step: step})
	if s.down != nil {
		return nil, s.down
	}
	if end.Before(start) || step <= 0 {
		s.t.Errorf("QueryRanges %s..%s every %s: not a range", start, end, step)
		return nil, fmt.Errorf("bad range")
	}
	out := make([]prom.Series, len(queries))
	for i, q := range queries {
		if err := s.brokenLocked(q); err != nil {
			out[i] = prom.Series{Err: fmt.Errorf("query %q: %w", q, err)}
			continue
		}
		rate, ok := s.rateLocked(q)
		if !ok {
			continue
		}
		for at := start; !at.After(end); at = at.Add(step) {
			out[i].Points = append(out[i].Points, prom.Point{At: at, Value: rate})
		}
	}
	return out, nil
}

func (s *constSource) rateLocked(q string) (float64, bool) {
	var (
		rate  float64
		found []string
	)
	for k, r := range s.rates {
		if strings.Contains(q, k) {
			rate = r
			found = append(found, k)
		}
	}
	if len(found) > 1 {
		s.t.Errorf("query %s matches several rates %v", q, found)
	}
	return rate, len(found) == 1
}

func (s *constSource) brokenLocked(q string) error {
	for k, err := range s.broken {
		if strings.Contains(q, k) {
			return err
		}
	}
	return nil
}

func (s *constSource) Retention(context.Context) (time.Duration, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keep, s.keep > 0, nil
}

// take returns the calls made since the last take and forgets them.
func (s *constSource) take() []rangeCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.calls
	s.calls = nil
	return out
}

func (s *constSource) set(f func(s *constSource)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}
