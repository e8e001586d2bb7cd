package main

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/durationtext"
	"github.com/slo-dev/slo/internal/safetext"
)

type deployedOptions struct {
	apiFlags
	version, priority, actor, pipeline, link, at string
}

func newDeployedCmd(getenv func(string) string) *cobra.Command {
	o := &deployedOptions{apiFlags: apiFlags{getenv: getenv}}
	cmd := &cobra.Command{
		Use:   "deployed SERVICE --version VERSION",
		Short: "Record that a release of SERVICE went out",
		Long: `deployed is the pipeline step after a deploy: slod records the release
and, from its event ledger, compares the hour and the day after it with
the same spans before it (sloctl deployments shows them). It needs a
token in $SLOCTL_TOKEN. can-deploy --deploying asks and records in one
call instead.`,
		Example: `  sloctl deployed checkout --version "$GIT_SHA" --pipeline "$CI_PIPELINE_URL"
  sloctl deployed checkout --version v2.4.0 --at 2026-11-30T09:15:00Z`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.version, "version", "", "what was deployed (required)")
	f.StringVar(&o.priority, "priority", "normal", "normal, critical or rollback")
	f.StringVar(&o.actor, "actor", "", "who deployed (default $GITHUB_ACTOR, $GITLAB_USER_LOGIN or $USER)")
	f.StringVar(&o.pipeline, "pipeline", "", "the CI run that deployed")
	f.StringVar(&o.link, "link", "", "an http(s) link to the release")
	f.StringVar(&o.at, "at", "", "when it went out, RFC 3339 (default now)")
	o.add(cmd)
	_ = cmd.MarkFlagRequired("version")
	return cmd
}

func (o *deployedOptions) run(cmd *cobra.Command, service string) error {
	req := api.DeploymentRequest{Version: o.version, Priority: o.priority, Actor: o.actor, Pipeline: o.pipeline, Link: o.link}
	if req.Actor == "" {
		req.Actor = defaultActor(o.getenv)
	}
	if o.at != "" {
		at, err := timeFlag("at", o.at)
		if err != nil {
			return err
		}
		req.At = &at
	}
	ctx, c, cancel, err := o.connect(cmd)
	if err != nil {
		return err
	}
	defer cancel()
	d, err := c.RecordDeployment(ctx, service, req)
	if err != nil {
		return apiFailure(tokenHint(err))
	}
	return o.show(cmd, d, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "Deployment %d of %s %s recorded at %s\n", d.ID, safetext.Escape(d.Service), safetext.Escape(d.Version), timeText(&d.At))
		return err
	})
}

type deploymentsOptions struct {
	apiFlags
	limit int
}

func newDeploymentsCmd(getenv func(string) string) *cobra.Command {
	o := &deploymentsOptions{apiFlags: apiFlags{getenv: getenv}}
	cmd := &cobra.Command{
		Use:   "deployments [SERVICE]",
		Short: "List deploys and what each did to the error budget",
		Long: `deployments lists recorded deploys, newest first, one row per SLO: bad
events and burn rate in the hour before and after the deploy, the share of
the budget the hour after used, whether an MWMB alert held in it, and
SUSPECT when the burn after reached the policy's multiple of the burn
before. Deploys older than two days show no attribution.`,
		Example: `  sloctl deployments
  sloctl deployments checkout --limit 5 -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	cmd.Flags().IntVar(&o.limit, "limit", 20, "at most this many deploys")
	o.add(cmd)
	return cmd
}

func (o *deploymentsOptions) run(cmd *cobra.Command, args []string) error {
	if o.limit <= 0 {
		return withCode(exitError, fmt.Errorf("--limit must be positive, not %d", o.limit))
	}
	service := ""
	if len(args) == 1 {
		service = args[0]
	}
	ctx, c, cancel, err := o.connect(cmd)
	if err != nil {
		return err
	}
	defer cancel()
	ds, err := c.Deployments(ctx, service, o.limit)
	if err != nil {
		return apiFailure(err)
	}
	return o.show(cmd, api.DeploymentList{Deployments: ds}, func(w io.Writer) error {
		var rows []deployRow
		for _, d := range ds {
			if len(d.SLOs) == 0 {
				rows = append(rows, deployRow{d: d})
			}
			for _, s := range d.SLOs {
				rows = append(rows, deployRow{d: d, slo: s})
			}
		}
		return writeList(w, o.color(w), "no deployments recorded",
			[]string{"ID", "TIME", "SERVICE", "VERSION", "SLO", "BAD 1H BEFORE→AFTER", "BURN 1H BEFORE→AFTER", "BUDGET 1H AFTER", "ALERT", "VERDICT"},
			rows, deployCells)
	})
}

// deployRow is one deploy and one of its SLOs (none when not attributed).
type deployRow struct {
	d   api.Deployment
	slo api.DeploymentSLO
}

func deployCells(r deployRow) []tcell {
	cells := []tcell{plain(strconv.FormatInt(r.d.ID, 10)), plain(timeText(&r.d.At)), plain(r.d.Service), plain(r.d.Version)}
	if r.d.Suspect == nil || len(r.slo.Spans) == 0 {
		return append(cells, plain("-"), plain("-"), plain("-"), plain("-"), plain("-"), plain("not attributed"))
	}
	h := r.slo.Spans[0]
	after := fmt.Sprintf("%.0f → %.0f", h.Before.Bad, h.After.Bad)
	if h.ElapsedSeconds < 3600 {
		after += fmt.Sprintf(" (%s so far)", durationtext.Format(time.Duration(h.ElapsedSeconds*float64(time.Second))))
	}
	verdict := tcell{text: "ok"}
	if r.slo.Suspect {
		verdict = tcell{text: "SUSPECT", color: ansiRed}
	}
	alert := r.slo.Alert
	if alert == "" {
		alert = "-"
	}
	return append(cells, plain(r.slo.SLO), plain(after), plain(optBurn(h.BeforeBurn)+" → "+optBurn(h.AfterBurn)),
		plain(percent(h.AfterConsumed)), plain(alert), verdict)
}

func optBurn(b *float64) string {
	if b == nil {
		return "-"
	}
	return burnText(*b)
}

// timeFlag reads the RFC 3339 time of flag --name.
func timeFlag(name, value string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return time.Time{}, withCode(exitError, fmt.Errorf("--%s must be an RFC 3339 time like 2026-11-30T09:15:00Z, not %q", name, value))
	}
	return t, nil
}
