package slo

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Measurement is one SLO's event counts at one instant.
type Measurement struct {
	At time.Time
	// Period covers the SLO window (rolling) or the calendar period so far.
	Period Counts
	// Excluded are the period's events corrections took out of Period.
	Excluded Counts
	// PeriodLength is the range Period was measured over.
	PeriodLength time.Duration
	// Coverage is how much of the period Period counts; whole when zero
	// valued fields say so (Complete).
	Coverage Coverage
	// Windows holds the counts of every burn-rate window the SLO's alert
	// conditions need, keyed by window length.
	Windows map[time.Duration]Counts
}

// Fingerprint identifies what o measures: its objective and its queries.
// Numbers measured under another fingerprint mean something else.
func (o SLO) Fingerprint() string {
	const rng = "{{.window}}"
	bad, total := o.Queries(rng)
	h := sha256.Sum256([]byte(strings.Join([]string{
		strconv.FormatFloat(o.Target, 'g', -1, 64), o.WindowLabel(), o.Location.String(), bad, total, o.GoodQuery(rng),
	}, "\x00")))
	return hex.EncodeToString(h[:8])
}

// QueryFingerprint identifies the events o counts: its rendered queries
// only. Event counts stay valid when the name, target or window change,
// and mean something else when a query does.
func (o SLO) QueryFingerprint() string {
	const rng = "{{.window}}"
	bad, total := o.Queries(rng)
	h := sha256.Sum256([]byte(strings.Join([]string{bad, total, o.GoodQuery(rng)}, "\x00")))
	return hex.EncodeToString(h[:8])
}

// EventQueries are o's queries over rng for counting: the first counts
// good events when the SLI is defined by them, bad events otherwise
// (good says whether it is good), the second all events.
func (o SLO) EventQueries(rng string) (first, total string, good bool) {
	bad, total := o.Queries(rng)
	if g := o.GoodQuery(rng); g != "" {
		return g, total, true
	}
	return bad, total, false
}

// Coverage is how much of an SLO's period its counts cover: Known was
// counted, Missing is gone from Prometheus for good (past its retention),
// Unknown is still being loaded.
type Coverage struct {
	Known, Missing, Unknown time.Duration
}

// Complete: the counts cover the whole period.
func (c Coverage) Complete() bool { return c.Missing == 0 && c.Unknown == 0 }

// Share is the counted share of the period (1 when it is empty).
func (c Coverage) Share() float64 {
	all := c.Known + c.Missing + c.Unknown
	if all <= 0 {
		return 1
	}
	return float64(c.Known) / float64(all)
}
