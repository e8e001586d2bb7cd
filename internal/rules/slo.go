package rules

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/slo"
)

// Names of the generated SLO series and alert; see the package comment.
const (
	errorsRate5m = "slo:sli_errors:rate5m"
	totalRate5m  = "slo:sli_total:rate5m"
	burnAlert    = "SLOErrorBudgetBurn"
	absentAlert  = "SLOTotalAbsent"
)

// defaultNoSeriesGrace is the policy default, for specs built in code
// rather than by the loader (which fills the default in).
const defaultNoSeriesGrace = 10 * time.Minute

// baseWindow is the range of the recorded rates that the SLO-window ratio
// is built from.
const baseWindow = 5 * time.Minute

// ratioName is the recorded error ratio over d.
func ratioName(d time.Duration) string { return "slo:sli_error:ratio_rate" + burnrate.Label(d) }

// sloGroup records o's rates and error ratios and alerts on its MWMB
// conditions. Rules in a group run in order, so each rule sees the
// recordings above it from the same evaluation.
//
// The checker parses the expressions that hold o's queries: the errors
// rate at 5m and one raw error ratio (or, without one, the absent alert);
// the other
// ratios differ from it only in the window put in for {{.window}} (a
// spec query holds nothing but text and {{.window}}), and the rules over
// recorded series are built from names, numbers and the selector of a
// service and a slug, which hold no quotes or backslashes.
func sloGroup(s slo.Spec, o slo.SLO, l links) (group, error) {
	own := map[string]string{"slo_service": s.Service, "slo_name": o.Slug}
	sel := selector(own)
	window := o.NominalWindow()
	conds := burnrate.Windows(window)

	bad, total := o.Queries(burnrate.Label(baseWindow))
	errorsExpr := bad
	if o.GoodQuery(burnrate.Label(baseWindow)) == "" {
		// A service that never failed often has no error series at all;
		// "or 0 * total" turns that into an explicit zero while there is
		// traffic, so dashboards show 0% errors rather than no data. Not for
		// SLIs defined by good events: there a missing series means a broken
		// spec (a threshold that is no bucket bound), and a zero would hide it.
		errorsExpr = fmt.Sprintf("(%s)\nor\n0 * (%s)", bad, total)
	}
	rules := []rulefmt.Rule{
		{Record: errorsRate5m, Expr: errorsExpr, Labels: own},
		{Record: totalRate5m, Expr: total, Labels: own},
	}
	probes := []string{errorsExpr}
	done := map[time.Duration]bool{}
	for _, d := range append(burnrate.Durations(conds), window) {
		if done[d] {
			continue
		}
		done[d] = true
		expr := ratioExpr(o, d, window, sel)
		if len(probes) == 1 && d != baseWindow && d != window {
			probes = append(probes, expr)
		}
		rules = append(rules, rulefmt.Rule{Record: ratioName(d), Expr: expr, Labels: own})
	}
	for _, c := range conds {
		r, err := burnRule(s, o, c, sel, l)
		if err != nil {
			return group{}, err
		}
		rules = append(rules, r)
	}
	r, err := absentRule(s, o, total, l)
	if err != nil {
		return group{}, err
	}
	rules = append(rules, r)
	if len(probes) == 1 {
		// No raw ratio to show the total query is an instant vector
		// (a scalar fails "> 0" there), which absent() needs.
		probes = append(probes, r.Expr)
	}
	return group{RuleGroup: rulefmt.RuleGroup{Name: "slo/" + s.Service + "/" + o.Slug, Rules: rules}, probes: probes}, nil
}

// ratioExpr is the error ratio of o over d. Dividing by "total > 0" drops
// the sample while there is no traffic, instead of recording 0/0 = NaN.
func ratioExpr(o slo.SLO, d, window time.Duration, sel string) string {
	switch d {
	case baseWindow:
		return fmt.Sprintf("%s%s\n/\n(%s%s > 0)", errorsRate5m, sel, totalRate5m, sel)
	case window:
		// The SLO window (30d) over raw series would make Prometheus read
		// a month of every matching series at each evaluation. Instead it
		// sums the recorded 5m rates. Both sums run over the same
		// evaluation instants, so the ratio weighs each instant by its
		// traffic (errors over totals, not an average of ratios), and the
		// overlap of consecutive 5m ranges counts every event equally
		// often above and below the line, so it cancels. Sums, not
		// averages: an average divides by each series' own sample count,
		// so a gap in one series (a failed evaluation) would skew it.
		// The price: the ratio only covers the time since these rules were
		// loaded, until a full window has been recorded.
		r := burnrate.Label(d)
		return fmt.Sprintf("sum_over_time(%s%s[%s])\n/\n(sum_over_time(%s%s[%s]) > 0)",
			errorsRate5m, sel, r, totalRate5m, sel, r)
	}
	bad, total := o.Queries(burnrate.Label(d))
	return fmt.Sprintf("(%s)\n/\n((%s) > 0)", bad, total)
}

// burnRule alerts when o burns its budget faster than c.Factor over both of
// c's windows. The expression is in burn-rate units (ratio / budget), so
// $value is the long window's burn rate and the factor reads as in the
// workbook (14.4 for a 30d page).
func burnRule(s slo.Spec, o slo.SLO, c burnrate.Window, sel string, l links) (rulefmt.Rule, error) {
	budget, factor := num(1-o.Target), num(c.Factor)
	long, short := c.Labels()
	expr := fmt.Sprintf("(%s%s / %s) > %s\nand\n(%s%s / %s) > %s",
		ratioName(c.Long), sel, budget, factor, ratioName(c.Short), sel, budget, factor)
	// long_window and short_window keep the two conditions of one severity
	// apart: without them both would write the same ALERTS series.
	labels := alertLabels(s.Labels, map[string]string{
		"service":      s.Service,
		"slo":          o.Slug,
		"severity":     string(c.Severity),
		"long_window":  long,
		"short_window": short,
	})
	name := s.Service + "/" + o.Name
	ann := map[string]string{
		"summary": fmt.Sprintf(`%s is burning its error budget at {{ printf "%%.1f" $value }}x`, name),
		"description": fmt.Sprintf(
			`Over the last %s, %s failed {{ printf "%%.1f" $value }}x as many events as its error budget allows `+
				`(objective %s%% %s), and still more than %sx over the last %s. `+
				`Burning at %sx for %s spends %s%% of the whole error budget.`,
			long, name, num(o.Target*100), windowPhrase(o), factor, short, factor, long, num(c.BudgetShare*100)),
	}
	err := l.annotate(ann, map[string]string{"service": s.Service, "slo": o.Slug, "severity": string(c.Severity), "alert": burnAlert})
	return rulefmt.Rule{
		Alert:       burnAlert,
		Expr:        expr,
		For:         model.Duration(c.HoldFor()),
		Labels:      labels,
		Annotations: ann,
	}, err
}

// absentRule alerts when o's total query has matched no series for the
// spec's no_series_grace: a typo or a removed metric would otherwise look
// like a quiet service, and no burn alert can ever fire on it. An idle
// service keeps its counters (rate 0), so it does not trigger this.
func absentRule(s slo.Spec, o slo.SLO, total string, l links) (rulefmt.Rule, error) {
	grace := s.Policy.NoSeriesGrace
	if grace <= 0 {
		grace = defaultNoSeriesGrace
	}
	labels := alertLabels(s.Labels, map[string]string{
		"service":  s.Service,
		"slo":      o.Slug,
		"severity": string(burnrate.SeverityTicket),
	})
	name := s.Service + "/" + o.Name
	ann := map[string]string{
		"summary": fmt.Sprintf("%s measures nothing: its total query matches no series", name),
		"description": fmt.Sprintf("For %s the total events query of %s has returned no series: %s. "+
			"Check the metric name and selector; until it matches, no burn alert can fire and slod's gate applies on_missing_data.",
			model.Duration(grace), name, total),
	}
	err := l.annotate(ann, map[string]string{"service": s.Service, "slo": o.Slug, "severity": string(burnrate.SeverityTicket), "alert": absentAlert})
	return rulefmt.Rule{
		Alert:       absentAlert,
		Expr:        fmt.Sprintf("absent(%s)", total),
		For:         model.Duration(grace),
		Labels:      labels,
		Annotations: ann,
	}, err
}

// windowPhrase says what the objective is measured over: "over 30d", or
// "per calendar month".
func windowPhrase(o slo.SLO) string {
	if o.Calendar != "" {
		return "per calendar " + o.WindowLabel()
	}
	return "over " + o.WindowLabel()
}
