package server

import (
	"testing"
	"time"
)

// Past maxClients addresses, new ones share one bucket until the known
// ones have been idle long enough to be forgotten.
func TestWriteLimiterIsBounded(t *testing.T) {
	clock := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	l := newWriteLimiter(1, 2, 2, func() time.Time { return clock })
	for _, c := range []string{"a", "b"} {
		if l.take(c) != 0 {
			t.Fatalf("%s limited on its first write", c)
		}
	}
	// c and d are past the bound: they share the overflow bucket of 2.
	if l.take("c") != 0 || l.take("d") != 0 {
		t.Fatal("overflow bucket limited its first two writes")
	}
	if l.take("c") == 0 {
		t.Error("c got a third write from a shared bucket of 2")
	}
	if len(l.clients) != 2 {
		t.Errorf("%d clients tracked, want the bound of 2", len(l.clients))
	}
	// A second on, a and b have refilled and are forgotten; e gets its own bucket.
	clock = clock.Add(time.Second)
	if l.take("e") != 0 {
		t.Fatal("e limited on its first write")
	}
	if _, ok := l.clients["e"]; !ok || len(l.clients) != 1 {
		t.Errorf("clients %v, want only e after the idle ones were forgotten", l.clients)
	}
}
