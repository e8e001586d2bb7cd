package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/client"
	"github.com/slo-dev/slo/internal/durationtext"
	"github.com/slo-dev/slo/internal/safetext"
	"github.com/slo-dev/slo/internal/slo"
)

// maxListed bounds the alerts and denied spans listed per run in text.
const maxListed = 20

type backtestOptions struct {
	apiFlags
	against string
	from    string
	failIf  []string
}

func newBacktestCmd(getenv func(string) string) *cobra.Command {
	o := &backtestOptions{apiFlags: apiFlags{getenv: getenv}}
	cmd := &cobra.Command{
		Use:   "backtest FILE|SERVICE",
		Short: "Replay a spec over recorded history: pages, tickets, denied deploys",
		Long: `backtest asks slod how a spec would have behaved had it been in force: it
replays the SLOs of FILE (an slo.yaml, say the one a pull request changes)
or of a service slod runs over the events of the last --from, and prints
how often the burn-rate alerts would have paged or ticketed, for how long
normal deploys would have been denied, the lowest error budget, and how
long each incident (a burst of bad events) went without an alert.
--against FILE replays a second spec over the same events and shows the
differences.

slod reads the events from its own ledger when it runs an SLO with the
same queries, and fetches them from Prometheus otherwise; nothing it runs
changes. Exit 0 whatever the backtest found, unless a --fail-if threshold
is crossed (exit 1); an invalid spec is exit 1 with its problems; a
backtest that could not run is exit 2.`,
		Example: `  # The spec of a pull request against the one in force
  sloctl backtest services/checkout/slo.yaml --against main/slo.yaml

  # A running service over the last week
  sloctl backtest checkout --from 7d

  # As a pull-request check
  sloctl backtest slo.yaml --fail-if 'pages>3' --fail-if 'denied_hours>24'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	o.add(cmd)
	// Fetching a quarter from Prometheus takes longer than a gate check.
	cmd.Flags().Lookup("timeout").DefValue = "1m0s"
	o.timeout = time.Minute
	cmd.Flags().StringVar(&o.against, "against", "", "a second spec file to replay over the same events")
	cmd.Flags().StringVar(&o.from, "from", "30d", "how far back to start (up to 90d)")
	cmd.Flags().StringArrayVar(&o.failIf, "fail-if", nil, "exit 1 when a run crosses a threshold: pages>N, tickets>N, alert_minutes>N, denied_hours>N or lowest_budget<PCT (repeatable)")
	return cmd
}

func (o *backtestOptions) run(cmd *cobra.Command, target string) error {
	checks, err := parseFailIf(o.failIf)
	if err != nil {
		return withCode(exitError, err)
	}
	back, err := model.ParseDuration(o.from)
	if err != nil || back <= 0 {
		return withCode(exitError, fmt.Errorf("--from must be a duration such as 30d or 12h, not %q", o.from))
	}
	req := api.BacktestRequest{}
	from := time.Now().Add(-time.Duration(back))
	req.From = &from
	if isFile(target) {
		if req.Spec, err = readSpecFile(target); err != nil {
			return withCode(exitError, err)
		}
		req.File = target
	} else {
		req.Service = target
	}
	if o.against != "" {
		if req.Against, err = readSpecFile(o.against); err != nil {
			return withCode(exitError, err)
		}
		req.AgainstFile = o.against
	}
	ctx, c, cancel, err := o.connect(cmd)
	if err != nil {
		return err
	}
	defer cancel()
	bt, err := c.Backtest(ctx, req)
	var pe *client.ProblemError
	if errors.As(err, &pe) && pe.Type == api.ProblemInvalidSpec {
		for _, p := range pe.Problems {
			fmt.Fprintln(cmd.ErrOrStderr(), safetext.Escape(slo.Problem(p).String()))
		}
		return withCode(exitNo, fmt.Errorf("invalid spec: %d problems", len(pe.Problems)))
	}
	if err != nil {
		return apiFailure(err)
	}
	if err := o.show(cmd, bt, func(w io.Writer) error { return writeBacktest(w, bt) }); err != nil {
		return err
	}
	runs := []api.BacktestRun{bt.Result}
	if bt.Against != nil {
		runs = append(runs, *bt.Against)
	}
	var crossed []string
	for _, r := range runs {
		for _, ch := range checks {
			if msg, bad := ch.crossed(r.Summary); bad {
				crossed = append(crossed, fmt.Sprintf("%s: %s", runName(r), msg))
			}
		}
	}
	if len(crossed) > 0 {
		return withCode(exitNo, errors.New(strings.Join(crossed, "; ")))
	}
	return nil
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// readSpecFile reads a spec for slod to check: the size cap is slod's own.
func readSpecFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read spec: %w", err)
	}
	return string(data), nil
}

// failIf is one --fail-if threshold.
type failIf struct {
	metric string
	less   bool
	limit  float64
}

var failMetrics = map[string]func(api.BacktestSummary) (float64, bool){
	"pages":         func(s api.BacktestSummary) (float64, bool) { return float64(s.Pages), true },
	"tickets":       func(s api.BacktestSummary) (float64, bool) { return float64(s.Tickets), true },
	"alert_minutes": func(s api.BacktestSummary) (float64, bool) { return s.AlertMinutes, true },
	"denied_hours":  func(s api.BacktestSummary) (float64, bool) { return s.DeniedHours, true },
	"lowest_budget": func(s api.BacktestSummary) (float64, bool) {
		if s.LowestBudget == nil {
			return 0, false
		}
		return s.LowestBudget.Remaining * 100, true
	},
}

func parseFailIf(specs []string) ([]failIf, error) {
	var out []failIf
	for _, s := range specs {
		name, limit, less := strings.Cut(s, "<")
		if !less {
			name, limit, _ = strings.Cut(s, ">")
		}
		name = strings.TrimSpace(name)
		v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(limit), "%"), 64)
		_, known := failMetrics[name]
		if err != nil || !known || (name == "lowest_budget") != less {
			return nil, fmt.Errorf("--fail-if %q: want pages>N, tickets>N, alert_minutes>N, denied_hours>N or lowest_budget<PCT", s)
		}
		out = append(out, failIf{metric: name, less: less, limit: v})
	}
	return out, nil
}

func (f failIf) crossed(s api.BacktestSummary) (string, bool) {
	v, ok := failMetrics[f.metric](s)
	if !ok {
		return "", false
	}
	if f.less && v < f.limit {
		return fmt.Sprintf("%s %g%% < %g%%", f.metric, round2(v), f.limit), true
	}
	if !f.less && v > f.limit {
		return fmt.Sprintf("%s %g > %g", f.metric, round2(v), f.limit), true
	}
	return "", false
}

func round2(v float64) float64 { return float64(int64(v*100)) / 100 }

func runName(r api.BacktestRun) string {
	if r.File != "" {
		return r.File
	}
	return r.Service
}

// writeBacktest prints the summary side by side, then each run's alerts
// and denied spans.
func writeBacktest(w io.Writer, bt *api.Backtest) error {
	runs := []api.BacktestRun{bt.Result}
	if bt.Against != nil {
		runs = append(runs, *bt.Against)
	}
	var sources []string
	for _, o := range bt.Result.SLOs {
		sources = append(sources, o.Slug+": "+o.Source)
	}
	fmt.Fprintf(w, "backtest of %s, %s to %s every %s (events: %s)\n\n", bt.Result.Service,
		bt.From.UTC().Format(time.RFC3339), bt.To.UTC().Format(time.RFC3339), bt.Step, strings.Join(sources, ", "))
	t := &textTable{}
	head := []string{""}
	for _, r := range runs {
		head = append(head, runName(r))
	}
	if bt.Diff != nil {
		head = append(head, "change")
	}
	t.header(head...)
	row := func(name string, val func(api.BacktestSummary) string, diff string) {
		cells := []tcell{plain(name)}
		for _, r := range runs {
			cells = append(cells, plain(val(r.Summary)))
		}
		if bt.Diff != nil {
			cells = append(cells, plain(diff))
		}
		t.add(cells...)
	}
	d := bt.Diff
	if d == nil {
		d = &api.BacktestDiff{}
	}
	row("pages", func(s api.BacktestSummary) string { return strconv.Itoa(s.Pages) }, signed(float64(d.Pages), ""))
	row("tickets", func(s api.BacktestSummary) string { return strconv.Itoa(s.Tickets) }, signed(float64(d.Tickets), ""))
	row("alert minutes", func(s api.BacktestSummary) string { return fmt.Sprintf("%.0f", s.AlertMinutes) }, signed(d.AlertMinutes, ""))
	row("normal deploys denied", func(s api.BacktestSummary) string { return fmt.Sprintf("%.1fh", s.DeniedHours) }, signed(d.DeniedHours, "h"))
	lowestDiff := ""
	if d.LowestBudget != nil {
		lowestDiff = signed(*d.LowestBudget*100, "%")
	}
	row("lowest budget left", func(s api.BacktestSummary) string {
		if s.LowestBudget == nil {
			return "no data"
		}
		return fmt.Sprintf("%.1f%% (%s)", s.LowestBudget.Remaining*100, s.LowestBudget.SLO)
	}, lowestDiff)
	row("incidents (detected)", func(s api.BacktestSummary) string {
		n := 0
		for _, i := range s.Incidents {
			if i.Detected != nil {
				n++
			}
		}
		return fmt.Sprintf("%d (%d)", len(s.Incidents), n)
	}, "")
	if err := t.write(w); err != nil {
		return err
	}
	for _, r := range runs {
		writeRunDetail(w, r)
	}
	return nil
}

func writeRunDetail(w io.Writer, r api.BacktestRun) {
	fmt.Fprintf(w, "\n%s:\n", safetext.Escape(runName(r)))
	for _, inc := range r.Summary.Incidents {
		detect := "no alert"
		if inc.DetectSeconds != nil {
			detect = "alert after " + durationtext.Format(time.Duration(*inc.DetectSeconds)*time.Second)
		}
		fmt.Fprintf(w, "  incident  %s  %s..%s  peak %s: %s\n", inc.SLO, shortTime(inc.From), shortTime(inc.To), burnText(inc.PeakBurn), detect)
	}
	n := 0
	for _, o := range r.SLOs {
		for _, a := range o.Alerts {
			if n++; n <= maxListed {
				open := ""
				if a.Open {
					open = " (still firing)"
				}
				fmt.Fprintf(w, "  %-6s    %s %s/%s  %s..%s  %.0fm%s\n", a.Severity, o.Slug, a.Long, a.Short, shortTime(a.From), shortTime(a.To), a.Minutes, open)
			}
		}
	}
	if n > maxListed {
		fmt.Fprintf(w, "  ... and %d more alerts (--output json lists all)\n", n-maxListed)
	}
	n = 0
	for _, g := range r.Gate {
		if g.Decision != api.DecisionDeny {
			continue
		}
		if n++; n <= maxListed {
			fmt.Fprintf(w, "  denied    %s..%s  %s\n", shortTime(g.From), shortTime(g.To), strings.Join(g.Codes, ", "))
		}
	}
	if n > maxListed {
		fmt.Fprintf(w, "  ... and %d more denied spans (--output json lists all)\n", n-maxListed)
	}
}

func shortTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

// signed formats a change with its sign: +2, -1.5h, 0h.
func signed(v float64, unit string) string {
	out := strconv.FormatFloat(round2(v), 'f', -1, 64) + unit
	if v > 0 {
		out = "+" + out
	}
	return out
}
