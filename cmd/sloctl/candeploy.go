package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/client"
	"github.com/slo-dev/slo/internal/durationtext"
	"github.com/slo-dev/slo/internal/safetext"
	"github.com/slo-dev/slo/internal/slo"
)

// canDeployOptions are the flags of can-deploy.
type canDeployOptions struct {
	apiFlags
	priority  string
	version   string
	actor     string
	pipeline  string
	failOpen  bool
	deploying bool
}

func newCanDeployCmd(getenv func(string) string) *cobra.Command {
	o := &canDeployOptions{apiFlags: apiFlags{getenv: getenv}}
	cmd := &cobra.Command{
		Use:   "can-deploy SERVICE",
		Short: "Ask slod whether SERVICE may deploy now (a CI pipeline step)",
		Long: `can-deploy asks slod's deploy gate whether SERVICE may be deployed now,
given its error budgets and burn rates. The check is written to slod's
decision log with the version, actor and pipeline.

Exit status: 0 allowed (possibly with warnings), 1 denied, 2 error (bad
usage, unknown service, slod unreachable or failing).

Connection failures and 429/502/503/504 answers are retried with backoff
until --timeout. With --fail-open, an unreachable, overloaded (429) or
failing (5xx) slod lets the deploy through with a loud warning instead of
failing the pipeline; any other 4xx answer (unknown service, bad request)
still fails.

The actor defaults to $GITHUB_ACTOR, $GITLAB_USER_LOGIN or $USER; the
pipeline to the GitHub Actions run or $CI_PIPELINE_URL; the version to
$GITHUB_SHA or $CI_COMMIT_SHA. With GITHUB_ACTIONS=true the result is also
written as ::error:: / ::warning:: annotations.`,
		Example: `  # Gate a normal deploy in CI
  sloctl can-deploy checkout --version "$GIT_SHA"

  # A P0 fix: allowed by the default policy even when the budget is spent
  sloctl can-deploy checkout --priority critical

  # Do not block deploys when slod itself is down
  sloctl can-deploy checkout --fail-open --timeout 20s

  # Machine-readable answer
  sloctl can-deploy checkout -o json | jq .reasons`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.priority, "priority", "normal", "deploy priority: normal, critical (P0 or security fix) or rollback")
	f.StringVar(&o.version, "version", "", "version being deployed (default $GITHUB_SHA or $CI_COMMIT_SHA)")
	f.StringVar(&o.actor, "actor", "", "who deploys (default $GITHUB_ACTOR, $GITLAB_USER_LOGIN or $USER)")
	f.StringVar(&o.pipeline, "pipeline", "", "link to the pipeline run (default from GitHub Actions or GitLab CI)")
	f.BoolVar(&o.deploying, "deploying", false, "record a deployment of --version too when the check allows it (sloctl deployments)")
	f.BoolVar(&o.failOpen, "fail-open", false, "allow the deploy (exit 0, with a warning) when slod is unreachable or failing")
	o.add(cmd)
	return cmd
}

func (o *canDeployOptions) run(cmd *cobra.Command, service string) error {
	if !slo.Priority(o.priority).Known() {
		return withCode(exitError, fmt.Errorf("--priority must be one of %s, not %q", slo.JoinPriorities(slo.Priorities()), o.priority))
	}
	c, err := o.newClient(cmd)
	if err != nil {
		return err
	}
	req := api.CanDeployRequest{
		Deploying: o.deploying,
		Priority:  o.priority,
		Version:   cmp.Or(o.version, o.getenv("GITHUB_SHA"), o.getenv("CI_COMMIT_SHA")),
		Actor:     cmp.Or(o.actor, defaultActor(o.getenv)),
		Pipeline:  cmp.Or(o.pipeline, ciPipelineURL(o.getenv)),
	}
	ctx, cancel := timeoutContext(cmd, o.timeout)
	defer cancel()
	stderr := cmd.ErrOrStderr()
	github := o.getenv("GITHUB_ACTIONS") == "true"

	d, err := c.CanDeploy(ctx, service, req)
	if err != nil {
		return o.noDecision(stderr, service, err, github)
	}

	if err := o.show(cmd, d, func(w io.Writer) error { return writeDecision(w, d) }); err != nil {
		return err
	}
	if github {
		switch {
		case !d.Allowed:
			annotate(stderr, "error", decisionSummary(d))
		case len(d.Reasons) > 0:
			annotate(stderr, "warning", decisionSummary(d))
		}
	}
	if !d.Allowed {
		return withCode(exitNo, nil)
	}
	return nil
}

// noDecision ends a check that got no decision: exit 2, or with
// --fail-open and slod down, exit 0 with a warning nobody can miss.
func (o *canDeployOptions) noDecision(stderr io.Writer, service string, err error, github bool) error {
	if o.failOpen && serverFailure(err) {
		msg := fmt.Sprintf("FAIL-OPEN: the SLO gate did not run for %s (%s); allowing the deploy because --fail-open is set", service, safetext.Escape(err.Error()))
		fmt.Fprintln(stderr, "sloctl: WARNING:", msg)
		if github {
			annotate(stderr, "warning", msg)
		}
		return nil
	}
	err = tokenHint(err)
	if github {
		annotate(stderr, "error", "sloctl can-deploy "+service+": "+err.Error())
	}
	return apiFailure(err)
}

// serverFailure reports whether err is slod being down, overloaded or
// broken (no answer, 429, 5xx), as opposed to a 4xx about the request:
// only the former is covered by --fail-open.
func serverFailure(err error) bool {
	var ue *client.UnreachableError
	if errors.As(err, &ue) {
		return true
	}
	var pe *client.ProblemError
	return errors.As(err, &pe) && (pe.Status >= 500 || pe.Status == http.StatusTooManyRequests)
}

// ciPipelineURL links to the running CI job, for the audit log.
func ciPipelineURL(getenv func(string) string) string {
	server, repo, run := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if server != "" && repo != "" && run != "" {
		return server + "/" + repo + "/actions/runs/" + run
	}
	return getenv("CI_PIPELINE_URL")
}

// annotate writes a GitHub Actions workflow command. It goes to stderr,
// which the runner reads too, so that stdout stays clean for -o json.
// Line breaks are encoded as the runner wants; other control characters
// are escaped.
func annotate(w io.Writer, level, msg string) {
	esc := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	fmt.Fprintf(w, "::%s::%s\n", level, safetext.Escape(esc.Replace(msg)))
}

// headline is the decision in one line:
// "DENY checkout (normal deploy): budget exhausted".
func headline(d *api.Decision) string {
	summary := "all SLOs within budget"
	if codes := reasonCodes(d.Reasons); len(codes) > 0 {
		summary = strings.ReplaceAll(strings.Join(codes, ", "), "_", " ")
	}
	return safetext.Escape(fmt.Sprintf("%s %s (%s deploy): %s", strings.ToUpper(d.Decision), d.Service, d.Priority, summary))
}

// reasonText is one reason: "availability: message", escaped.
func reasonText(sloName, msg string) string {
	if sloName == "" {
		return safetext.Escape(msg)
	}
	return safetext.Escape(sloName + ": " + msg)
}

// decisionSummary is the headline and the reasons, for annotations.
func decisionSummary(d *api.Decision) string {
	lines := []string{headline(d)}
	for _, r := range d.Reasons {
		lines = append(lines, reasonText(r.SLO, r.Message))
	}
	return strings.Join(lines, "\n")
}

// writeDecision prints the decision for people: the verdict, why, the
// budget numbers behind it, and what to do next. Every string from slod is
// escaped (safetext.Escape).
func writeDecision(w io.Writer, d *api.Decision) error {
	var b strings.Builder
	fmt.Fprintln(&b, headline(d))
	for _, r := range d.Reasons {
		fmt.Fprintf(&b, "  - %s (%s)\n", reasonText(r.SLO, r.Message), safetext.Escape(r.Code))
	}
	if len(d.Actions) > 0 {
		fmt.Fprintf(&b, "Policy actions: %s\n", safetext.Escape(strings.Join(d.Actions, ", ")))
	}
	if o := d.Override; o != nil {
		fmt.Fprintf(&b, "Override %d by %s until %s: %s\n", o.ID, safetext.Escape(o.Actor), timeText(&o.ExpiresAt), safetext.Escape(o.Reason))
	}
	switch {
	case d.Stale && d.EvaluatedAt == nil:
		b.WriteString("Stale: slod has not measured this service successfully yet\n")
	case d.Stale:
		fmt.Fprintf(&b, "Stale: decided on the last good measurement, from %s\n", timeText(d.EvaluatedAt))
	}
	if len(d.SLOs) > 0 {
		when := "not measured yet"
		if d.EvaluatedAt != nil {
			when = "evaluated " + timeText(d.EvaluatedAt)
		}
		fmt.Fprintf(&b, "\nBudgets (%s):\n", when)
		for _, s := range d.SLOs {
			writeSLOBudget(&b, s)
		}
	}
	if !d.Allowed {
		b.WriteString("\nNext steps:\n")
		for _, step := range nextSteps(d) {
			fmt.Fprintf(&b, "  - %s\n", step)
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return withCode(exitError, fmt.Errorf("write decision: %w", err))
	}
	return nil
}

// writeSLOBudget prints the numbers behind one SLO's part of a decision,
// and when they were measured, since a failed measurement leaves the last
// good numbers in force.
func writeSLOBudget(b *strings.Builder, s api.SLO) {
	fmt.Fprintf(b, "  %s: target %s over %s, SLI %s, %s\n", safetext.Escape(s.Name), percent(s.Target), safetext.Escape(s.Window), sliText(s.SLI), measuredText(s))
	if s.Error != "" {
		fmt.Fprintf(b, "    latest measurement failed: %s\n", safetext.Escape(s.Error))
	}
	bu := s.Budget
	switch {
	case s.EvaluatedAt == nil:
		b.WriteString("    budget: no numbers to judge\n")
	case bu.Status == api.BudgetNoData:
		fmt.Fprintf(b, "    budget: not enough events to judge (%.0f in the window)\n", bu.TotalEvents)
	default:
		fmt.Fprintf(b, "    budget remaining %.1f%% (%.0f of %.0f allowed failures used; %.1f of %.1f min left)\n",
			bu.Remaining*100, bu.FailedEvents, bu.AllowedEvents, bu.RemainingMinutes, bu.AllowedMinutes)
	}
	if len(s.BurnRates) > 0 {
		var parts []string
		for _, l := range windowLabels(s.BurnRates) {
			parts = append(parts, safetext.Escape(l)+" "+burnText(s.BurnRates[l]))
		}
		fmt.Fprintf(b, "    burn rates: %s\n", strings.Join(parts, ", "))
	}
	for _, a := range s.Alerts {
		if a.Firing {
			fmt.Fprintf(b, "    firing: %s alert, burn %s over %s and %s over %s (threshold %s)\n",
				safetext.Escape(a.Severity), burnText(a.LongBurn), safetext.Escape(a.Long), burnText(a.ShortBurn), safetext.Escape(a.Short), burnText(a.Factor))
		}
	}
	switch {
	case bu.Status == api.BudgetExhausted:
		b.WriteString("    budget exhausted\n")
	case s.ExhaustionSeconds != nil:
		left := time.Duration(*s.ExhaustionSeconds * float64(time.Second))
		fmt.Fprintf(b, "    at the current burn the budget runs out in %s\n", durationtext.Format(left))
	}
}

// measuredText says which numbers an SLO's part of the decision used.
func measuredText(s api.SLO) string {
	if s.EvaluatedAt == nil {
		return "never measured"
	}
	if s.Stale {
		return "measured " + timeText(s.EvaluatedAt) + " (stale)"
	}
	return "measured " + timeText(s.EvaluatedAt)
}

// nextSteps says what can be done about a denied deploy.
func nextSteps(d *api.Decision) []string {
	service := safetext.Escape(d.Service)
	var steps []string
	if hasCode(d, slo.CodeStaleData, slo.CodeNoEvaluation, slo.CodeMeasurementError, slo.CodeNoSeries) {
		steps = append(steps, fmt.Sprintf("slod has no fresh measurement: check `sloctl status %s` and whether slod can query Prometheus", service))
	}
	if d.Priority == "normal" {
		steps = append(steps, fmt.Sprintf("for a P0 or security fix, if the service's policy allows critical deploys: sloctl can-deploy %s --priority critical", service))
	}
	steps = append(steps, fmt.Sprintf(`to deploy anyway, an operator can override the gate (audited, needs SLOCTL_TOKEN): sloctl override create %s --reason "..." --for 2h`, service))
	if d.Priority != "rollback" {
		steps = append(steps, fmt.Sprintf("rolling back is never blocked by budget: sloctl can-deploy %s --priority rollback", service))
	}
	return steps
}

// hasCode reports whether any reason of d has one of codes.
func hasCode(d *api.Decision, codes ...string) bool {
	for _, r := range d.Reasons {
		if slices.Contains(codes, r.Code) {
			return true
		}
	}
	return false
}
