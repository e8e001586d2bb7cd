package policy

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// checkSLO adds the reasons one SLO gives. A failed measurement never
// weakens the gate: the last good numbers are judged while they are
// younger than max_staleness, and after that (or when there never were
// any) on_missing_data decides. Only a total query that has matched no
// series for less than the grace period warns instead, so that a service
// being deployed is not denied before its first scrape.
func (g *gate) checkSLO(s slo.Status, p slo.Policy, now time.Time) {
	switch s.FreshnessAt(p, now) {
	case slo.Unmeasured:
		code, msg := unmeasured(s)
		if s.NoSeries && !s.ErrorSince.IsZero() && now.Sub(s.ErrorSince) <= p.NoSeriesGrace {
			g.add(s.Name, code, fmt.Sprintf("%s for %s, within no_series_grace %s; budget not judged",
				msg, age(now, s.ErrorSince), p.NoSeriesGrace), slo.Warn, slo.Warn)
			return
		}
		g.missing(s.Name, code, msg, p.OnMissingData)
	case slo.Expired:
		msg := fmt.Sprintf("last good measurement %s ago, older than max_staleness %s", age(now, s.EvaluatedAt), p.MaxStaleness)
		if s.Error != "" {
			msg += "; latest attempt: " + s.Error
		}
		g.missing(s.Name, slo.CodeStaleData, msg, p.OnMissingData)
	case slo.Stale:
		why := "not re-measured since slod started"
		if s.Error != "" {
			why = "latest measurement failed: " + s.Error
		}
		g.add(s.Name, slo.CodeStaleData, fmt.Sprintf("%s; judging the last good one from %s ago", why, age(now, s.EvaluatedAt)), slo.Warn, slo.Warn)
		g.judge(s, p)
	case slo.Fresh:
		g.judge(s, p)
	}
}

// unmeasured names why an SLO has no numbers at all.
func unmeasured(s slo.Status) (code, msg string) {
	switch {
	case s.NoSeries:
		return slo.CodeNoSeries, "never measured: " + s.Error
	case s.Error != "":
		return slo.CodeMeasurementError, "never measured successfully: " + s.Error
	default:
		return slo.CodeNoEvaluation, "not measured yet"
	}
}

// missing applies on_missing_data: anything but an explicit "allow" fails
// closed, since deny is the default.
func (g *gate) missing(sloName, code, msg string, onMissing slo.OnMissingData) {
	if onMissing == slo.OnMissingAllow {
		g.add(sloName, code, msg+"; on_missing_data: allow", slo.Warn, slo.Warn)
		return
	}
	g.add(sloName, code, msg+"; on_missing_data: deny", slo.Deny, blockNormal(g.priority))
}

// judge weighs trustworthy numbers: too few events say nothing about the
// budget or burn rate, so only that is reported.
func (g *gate) judge(s slo.Status, p slo.Policy) {
	if !s.Coverage.Complete() {
		g.add(s.Name, slo.CodePartialHistory, partialMessage(s), slo.Warn, slo.Warn)
	}
	g.checkCorrection(s)
	if s.Budget.Status == slo.StatusNoData {
		g.add(s.Name, slo.CodeInsufficientData, insufficientMessage(s, p.MinEvents), slo.Warn, slo.Warn)
		return
	}
	g.checkBudget(s, p.Thresholds)
	g.checkFastBurn(s, p.BlockOnFastBurn)
}

// anyStale reports whether any SLO is judged on numbers that are not fresh.
func anyStale(slos []slo.Status, p slo.Policy, now time.Time) bool {
	for _, s := range slos {
		if s.FreshnessAt(p, now) != slo.Fresh {
			return true
		}
	}
	return false
}

// partialMessage says what part of the period the numbers cover and why
// the rest is not there.
func partialMessage(s slo.Status) string {
	c := s.Coverage
	msg := fmt.Sprintf("numbers cover %s of the %s window", days(c.Known), s.Window)
	if c.Unknown > 0 {
		msg += fmt.Sprintf("; history loading %s", pct(c.Share()))
	}
	if c.Missing > 0 {
		msg += fmt.Sprintf("; %s no longer held by Prometheus", days(c.Missing))
	}
	return msg
}

// days formats a duration in days with one decimal ("12.5d").
func days(d time.Duration) string {
	return strconv.FormatFloat(math.Round(d.Hours()/24*10)/10, 'f', -1, 64) + "d"
}

func age(now, since time.Time) time.Duration {
	return now.Sub(since).Round(time.Second)
}
