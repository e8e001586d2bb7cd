package promtest

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Options configure the Prometheus StartWith runs; the zero value is what
// Start runs.
type Options struct {
	// RuleFiles are loaded and evaluated every EvaluationInterval (zero:
	// Prometheus' default of 1m). Rules write their samples at the
	// evaluation time, which Prometheus rejects as out of bounds while a
	// backfilled block reaches past it: scenarios for rules must end by
	// now, not now+Lead.
	RuleFiles          []string
	EvaluationInterval time.Duration
	// OpenMetrics names a file of OpenMetrics text that is backfilled
	// besides the scenarios, for history synth does not describe (several
	// sample intervals, thousands of series). Its samples must reach now:
	// that is where the start-up check looks for them.
	OpenMetrics string
}

// config is the prometheus.yml for o. It has no scrape_configs: nothing
// is scraped, so nothing is written that could collide with the
// backfilled series.
func (o Options) config() string {
	var b strings.Builder
	b.WriteString("global:\n  scrape_interval: 1m\n")
	if o.EvaluationInterval > 0 {
		fmt.Fprintf(&b, "  evaluation_interval: %s\n", model.Duration(o.EvaluationInterval))
	}
	if len(o.RuleFiles) > 0 {
		b.WriteString("rule_files:\n")
		for _, f := range o.RuleFiles {
			fmt.Fprintf(&b, "  - %q\n", f)
		}
	}
	return b.String()
}
