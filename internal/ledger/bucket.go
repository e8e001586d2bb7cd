// Package ledger keeps an SLO's event counts in fixed, wall-clock aligned
// time buckets and answers any window from them: budgets, burn rates and
// history charts all read the same buckets, so they agree by construction.
//
// Two tiers: Fine (5-minute) buckets for the most recent days, long enough
// for the longest burn-rate window (3d), and Coarse (hourly) buckets for the
// rest of the SLO window. The package is pure: no I/O, no clock.
package ledger

import "time"

// Bucket steps.
const (
	// Fine is the step of recent buckets. Five minutes, not one: a bucket
	// is rate(x[5m]) at its end, and rate needs two samples in range, so a
	// 1-minute bucket would be empty under Prometheus' default 1m scrape.
	Fine = 5 * time.Minute
	// Coarse is the step of older buckets: 720 per 30 days instead of 8,640.
	Coarse = time.Hour
)

// State says what is known of a bucket.
type State uint8

// Bucket states.
const (
	// Unknown: not fetched yet (backfill pending, or Prometheus was down).
	Unknown State = iota
	// Known: Bad and Total are the bucket's events.
	Known
	// Missing: Prometheus no longer holds this span (past its retention),
	// so it will never be known; windows over it are partial.
	Missing
)

// Bucket is the events of one SLO in [Start, Start+Step).
type Bucket struct {
	Start time.Time
	Step  time.Duration
	// Bad events (total - good for SLIs defined by good events; may be
	// slightly negative through rate extrapolation, clamped per window).
	Bad   float64
	Total float64
	State State
	// Series: the total query returned a sample for this bucket. No series
	// anywhere in a window is a query that selects nothing, not a quiet
	// service.
	Series bool
}

// End is the end of the bucket's span.
func (b Bucket) End() time.Time { return b.Start.Add(b.Step) }
