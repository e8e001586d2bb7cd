package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/safetext"
	"github.com/slo-dev/slo/internal/slo"
)

type statusOptions struct {
	apiFlags
	cluster bool
}

func newStatusCmd(getenv func(string) string) *cobra.Command {
	o := &statusOptions{apiFlags: apiFlags{getenv: getenv}}
	cmd := &cobra.Command{
		Use:   "status [SERVICE]",
		Short: "Show SLOs, error budgets, burn rates and gate state",
		Long: `status shows every service (or one) as slod last measured it: each SLO's
target, SLI, remaining error budget, worst burn rate, and the gate's
decision for a normal deploy. Problems (failed evaluations, bad slo.yaml,
reasons for warn/deny) are listed under the table.

With --cluster it shows the slod replicas instead: which one leads (holds
the evaluator lease, with its fencing token and the term's age), and
when each last reported itself.

Colours are used only when stdout is a terminal and NO_COLOR is unset.`,
		Example: `  # All services
  sloctl status

  # One service, against a remote slod
  sloctl status checkout --server http://slod.internal:8080

  # The replicas of slod on PostgreSQL, and the leader
  sloctl status --cluster

  # For scripts
  sloctl status -o json | jq '.services[] | select(.allowed == false) | .service'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	o.add(cmd)
	cmd.Flags().BoolVar(&o.cluster, "cluster", false, "show the slod replicas and the leader instead of the services")
	return cmd
}

func (o *statusOptions) run(cmd *cobra.Command, args []string) error {
	ctx, c, cancel, err := o.connect(cmd)
	if err != nil {
		return err
	}
	defer cancel()
	if o.cluster {
		if len(args) > 0 {
			return withCode(exitError, fmt.Errorf("--cluster takes no service"))
		}
		cl, err := c.Cluster(ctx)
		if err != nil {
			return apiFailure(err)
		}
		return o.show(cmd, cl, func(w io.Writer) error { return writeCluster(w, cl, o.color(w)) })
	}
	if len(args) == 1 {
		s, err := c.Service(ctx, args[0])
		if err != nil {
			return apiFailure(err)
		}
		return o.show(cmd, s, func(w io.Writer) error { return writeStatus(w, []api.Service{*s}, o.color(w)) })
	}
	services, err := c.Services(ctx)
	if err != nil {
		return apiFailure(err)
	}
	if services == nil {
		services = []api.Service{}
	}
	return o.show(cmd, api.ServiceList{Services: services}, func(w io.Writer) error {
		return writeStatus(w, services, o.color(w))
	})
}

// writeCluster prints one row per replica, then the lease.
func writeCluster(w io.Writer, cl *api.Cluster, color bool) error {
	t := &textTable{color: color}
	t.header("REPLICA", "URL", "VERSION", "ROLE", "LAST SEEN", "HEALTHY")
	for _, r := range cl.Replicas {
		role := plain("follower")
		if r.Leader {
			role = tcell{text: "leader", color: ansiGreen}
		}
		healthy := tcell{text: "yes", color: ansiGreen}
		if !r.Healthy {
			healthy = tcell{text: "no", color: ansiRed}
		}
		id := safetext.Escape(r.ID)
		if r.Self {
			id += " (answered)"
		}
		seen := "-"
		if cl.Now != nil && !r.SeenAt.IsZero() {
			seen = fmt.Sprintf("%.0fs ago", cl.Now.Sub(r.SeenAt).Seconds())
		}
		t.add(plain(id), plain(safetext.Escape(r.URL)), plain(safetext.Escape(r.Version)), role, plain(seen), healthy)
	}
	if err := t.write(w); err != nil {
		return err
	}
	var lease string
	switch {
	case cl.StoreError != "":
		lease = "store unreachable from this replica: " + safetext.Escape(cl.StoreError)
	case cl.Backend == "sqlite":
		lease = "store: sqlite, one replica (no lease)"
	case cl.Leader == "":
		lease = fmt.Sprintf("store: postgres; no leader: the lease lapsed, a replica takes it within %.0fs", cl.LeaseSeconds)
	default:
		lease = fmt.Sprintf("store: postgres; leader %s, token %d, term %.0fs old, lease renewed within %.0fs (lease %.0fs)",
			safetext.Escape(cl.Leader), cl.Token, cl.LeaseAgeSeconds, cl.ExpiresInSeconds, cl.LeaseSeconds)
	}
	_, err := fmt.Fprintf(w, "\n%s\n", lease)
	return err
}

// writeStatus prints one table row per SLO, then the problems behind
// any service that is not plainly allowed.
func writeStatus(w io.Writer, services []api.Service, color bool) error {
	if len(services) == 0 {
		_, err := fmt.Fprintln(w, "no services configured")
		return err
	}
	t := &textTable{color: color}
	t.header("SERVICE", "SLO", "TARGET", "WINDOW", "SLI", "BUDGET LEFT", "WORST BURN", "GATE")
	var notes []string
	for _, s := range services {
		gate := tcell{text: s.Decision, color: gateColor(s.Decision)}
		if s.Stale {
			gate.text += " (stale)"
		}
		if len(s.SLOs) == 0 {
			t.add(plain(s.Service), plain("-"), plain("-"), plain("-"), plain("-"), plain("-"), plain("-"), gate)
		}
		for _, x := range s.SLOs {
			sli := plain(sliText(x.SLI))
			if x.Error != "" {
				sli = tcell{text: "error", color: ansiRed}
				notes = append(notes, safetext.Escape(fmt.Sprintf("%s/%s: measurement failed: %s", s.Service, x.Name, x.Error)))
			}
			t.add(plain(s.Service), plain(x.Name), plain(percent(x.Target)), plain(x.Window), sli,
				budgetCell(x.Budget), plain(worstBurn(x.BurnRates)), gate)
		}
		notes = append(notes, serviceNotes(s)...)
	}
	if err := t.write(w); err != nil {
		return err
	}
	if len(notes) > 0 {
		if _, err := fmt.Fprintf(w, "\n%s\n", strings.Join(notes, "\n")); err != nil {
			return withCode(exitError, fmt.Errorf("write status: %w", err))
		}
	}
	return nil
}

// serviceNotes explains a service's state beyond the table, escaping what
// slod sent (safetext.Escape).
func serviceNotes(s api.Service) []string {
	var notes []string
	service := safetext.Escape(s.Service)
	for _, p := range s.ConfigProblems {
		notes = append(notes, fmt.Sprintf("%s: config: %s", service, safetext.Escape(slo.Problem(p).String())))
	}
	// LastError sums up the SLOs' own errors, already noted one by one;
	// it is news only when no SLO carries one.
	if s.LastError != "" && !slices.ContainsFunc(s.SLOs, func(x api.SLO) bool { return x.Error != "" }) {
		// One line per SLO that failed, as slod joins them.
		notes = append(notes, fmt.Sprintf("%s: last evaluation failed: %s", service, strings.ReplaceAll(escapeLines(s.LastError), "\n", "\n  ")))
	}
	if s.Decision != api.DecisionAllow {
		for _, r := range s.Reasons {
			notes = append(notes, fmt.Sprintf("%s: %s: %s", service, safetext.Escape(s.Decision), reasonText(r.SLO, r.Message)))
		}
	}
	return notes
}

// barCells is the width of the budget bar.
const barCells = 10

// budgetBar draws the remaining budget as filled cells out of barCells,
// rounding down so that the bar never shows more budget than is left
// (52% -> 5 cells). An overspent budget is empty, never negative. The
// epsilon keeps 1-0.8, which is 0.19999999999999996, from losing a cell.
func budgetBar(remaining float64) string {
	n := int(math.Floor(remaining*barCells + 1e-9))
	n = min(max(n, 0), barCells)
	return strings.Repeat("█", n) + strings.Repeat("░", barCells-n)
}

// budgetCell is the bar and the percentage, coloured by how much is left.
func budgetCell(b api.Budget) tcell {
	if b.Status == api.BudgetNoData {
		return plain("no data")
	}
	color := ansiGreen
	switch {
	case b.Remaining <= 0.25:
		color = ansiRed
	case b.Remaining <= 0.5:
		color = ansiYellow
	}
	return tcell{text: fmt.Sprintf("%s %.0f%%", budgetBar(b.Remaining), b.Remaining*100), color: color}
}

// worstBurn is the highest burn rate and its window: "14.4x (5m)".
func worstBurn(burns map[string]float64) string {
	worst, label := math.Inf(-1), ""
	for _, l := range windowLabels(burns) {
		if burns[l] > worst {
			worst, label = burns[l], l
		}
	}
	if label == "" {
		return "-"
	}
	return fmt.Sprintf("%s (%s)", burnText(worst), label)
}
