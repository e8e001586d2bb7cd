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
	// PeriodLength is the range Period was measured over.
	PeriodLength time.Duration
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
