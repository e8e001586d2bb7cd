package policy

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/slo"
)

// tolerance absorbs the rounding in consumed = ratio/(1-target): 1-0.99 is
// not exact in binary, so 75 errors in 10,000 at 99% consume 0.7499999999999993
// rather than 0.75. slo.ComputeBudget uses the same tolerance for "exhausted".
const tolerance = 1e-9

func insufficientMessage(s slo.Status, minEvents float64) string {
	if s.Budget.TotalEvents <= 0 {
		return fmt.Sprintf("no traffic in the %s window; budget not judged", s.Window)
	}
	return fmt.Sprintf("%s events in the %s window, fewer than min_events %s; budget not judged",
		num(s.Budget.TotalEvents), s.Window, num(minEvents))
}

// checkBudget applies the highest threshold the consumed budget has reached.
func (g *gate) checkBudget(s slo.Status, thresholds []slo.Threshold) {
	consumed := s.Budget.Consumed
	t, ok := reached(thresholds, consumed)
	if !ok {
		return
	}
	actions := appendNew(nil, append([]string{t.Action}, t.Actions...)...)
	g.actions = appendNew(g.actions, actions...)

	code := slo.CodeBudgetThreshold
	if consumed >= 1-tolerance {
		code = slo.CodeBudgetExhausted
	}
	msg := fmt.Sprintf("budget %s consumed (threshold %s)", pct(consumed), pct(t.Consumed))
	if len(actions) > 0 {
		msg += ": " + strings.Join(actions, ", ")
	}
	if len(t.Allow) > 0 {
		msg += "; allowed priorities: " + slo.JoinPriorities(t.Allow)
	}
	g.add(s.Name, code, msg, admits(t, slo.PriorityNormal), admits(t, g.priority))
}

// reached returns the highest threshold at or below consumed. It does not
// rely on the thresholds being sorted.
func reached(thresholds []slo.Threshold, consumed float64) (slo.Threshold, bool) {
	var best slo.Threshold
	found := false
	for _, t := range thresholds {
		if consumed >= t.Consumed-tolerance && (!found || t.Consumed > best.Consumed) {
			best, found = t, true
		}
	}
	return best, found
}

// admits is the decision a reached threshold gives priority p: an empty
// slo.Allow warns everyone; rollbacks are never denied by budget.
func admits(t slo.Threshold, p slo.Priority) slo.Decision {
	if len(t.Allow) == 0 || p == slo.PriorityRollback || slices.Contains(t.Allow, p) {
		return slo.Warn
	}
	return slo.Deny
}

// checkFastBurn reports page-level conditions that hold now. Ticket-level
// ones are slow burns, which the budget thresholds already cover.
func (g *gate) checkFastBurn(s slo.Status, block bool) {
	var firing []string
	for _, c := range s.Conditions {
		if c.Severity == burnrate.SeverityPage && c.Firing {
			firing = append(firing, fmt.Sprintf("burn rate %sx over %s and %sx over %s, above %sx",
				num(c.LongBurn), burnrate.Label(c.Long), num(c.ShortBurn), burnrate.Label(c.Short), num(c.Factor)))
		}
	}
	if len(firing) == 0 {
		return
	}
	msg := "fast burn: " + strings.Join(firing, "; ")
	if !block {
		g.add(s.Name, slo.CodeFastBurn, msg+" (block_on_fast_burn is off)", slo.Warn, slo.Warn)
		return
	}
	g.add(s.Name, slo.CodeFastBurn, msg, slo.Deny, blockNormal(g.priority))
}

// appendNew appends the non-empty values not in list yet, keeping order:
// the seed's policies may name an action both as action and in actions.
func appendNew(list []string, values ...string) []string {
	for _, v := range values {
		if v != "" && !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

// pct formats a fraction as a percentage with at most one decimal: 1.42 is
// "142%", and float noise such as 0.7499999999999993 reads "75%".
func pct(f float64) string {
	return strconv.FormatFloat(math.Round(f*1000)/10, 'f', -1, 64) + "%"
}

// num formats a number with at most two decimals.
func num(f float64) string {
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
}
