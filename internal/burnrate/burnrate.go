// Package burnrate derives multi-window multi-burn-rate (MWMB) alert
// conditions (SRE Workbook, chapter 5) for any SLO window and evaluates them.
// It is pure: values in, values out.
package burnrate

import (
	"sort"
	"time"

	"github.com/prometheus/common/model"
)

// Severity of an alert condition.
type Severity string

// Severities of an alert condition.
const (
	SeverityPage   Severity = "page"
	SeverityTicket Severity = "ticket"
)

// Window is one MWMB condition: the burn rate over both Long and Short must
// exceed Factor.
type Window struct {
	Severity Severity
	Long     time.Duration
	Short    time.Duration
	// BudgetShare is the share of the whole budget that burning at Factor
	// for Long consumes (0.02 = 2%).
	BudgetShare float64
	Factor      float64
}

// workbook is the SRE Workbook's table for a 30d window, as budget shares.
var workbook = []struct {
	severity Severity
	long     time.Duration
	share    float64
}{
	{SeverityPage, time.Hour, 0.02},
	{SeverityPage, 6 * time.Hour, 0.05},
	{SeverityTicket, 24 * time.Hour, 0.10},
	{SeverityTicket, 72 * time.Hour, 0.10},
}

// Windows returns the MWMB conditions for an SLO window:
// factor = budget_share * window / long, short = long/12. A factor below 1
// is raised to 1, since a burn rate at or below 1 never exhausts the budget;
// a long window that is not shorter than the SLO window is left out.
func Windows(sloWindow time.Duration) []Window {
	var out []Window
	for _, w := range workbook {
		if w.long >= sloWindow {
			continue
		}
		factor := w.share * float64(sloWindow) / float64(w.long)
		if factor < 1 {
			factor = 1
		}
		out = append(out, Window{
			Severity:    w.severity,
			Long:        w.long,
			Short:       w.long / 12,
			BudgetShare: w.share,
			Factor:      factor,
		})
	}
	return out
}

// Durations returns every distinct window (long and short) the conditions
// need, shortest first.
func Durations(ws []Window) []time.Duration {
	seen := map[time.Duration]bool{}
	var out []time.Duration
	for _, w := range ws {
		for _, d := range []time.Duration{w.Short, w.Long} {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Label formats a window the way Prometheus does ("5m", "1h", "3d").
func Label(d time.Duration) string { return model.Duration(d).String() }

// Labels names the window's long and short durations as Label does.
func (w Window) Labels() (long, short string) { return Label(w.Long), Label(w.Short) }

// HoldFor is how long the condition must hold before its alert fires
// (the generated rules' for:). The workbook uses none, since the short
// window already resets an alert quickly; a short hold still absorbs a
// single evaluation where a scrape gap or a restart skews a 5m rate. 2m
// keeps a total outage of a 99.9%/30d SLO paging within about 3 minutes;
// a ticket is not urgent, so 15m costs nothing and keeps it from flapping
// around its threshold.
func (w Window) HoldFor() time.Duration {
	if w.Severity == SeverityPage {
		return 2 * time.Minute
	}
	return 15 * time.Minute
}

// Condition is a Window evaluated against measured burn rates.
type Condition struct {
	Window
	LongBurn  float64
	ShortBurn float64
	// NoData is set when either window saw no traffic.
	NoData bool
	Firing bool
}

// Evaluate checks each window against burn rates keyed by duration. A window
// missing from burns has no traffic: its condition cannot fire.
func Evaluate(ws []Window, burns map[time.Duration]float64) []Condition {
	out := make([]Condition, 0, len(ws))
	for _, w := range ws {
		long, okLong := burns[w.Long]
		short, okShort := burns[w.Short]
		out = append(out, Condition{
			Window:    w,
			LongBurn:  long,
			ShortBurn: short,
			NoData:    !okLong || !okShort,
			Firing:    okLong && okShort && long > w.Factor && short > w.Factor,
		})
	}
	return out
}
