package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/api"
)

type decisionsOptions struct {
	apiFlags
	service string
	limit   int
}

func newDecisionsCmd(getenv func(string) string) *cobra.Command {
	o := &decisionsOptions{apiFlags: apiFlags{getenv: getenv}}
	cmd := &cobra.Command{
		Use:   "decisions",
		Short: "Show the decision log: every audited can-deploy check",
		Long: `decisions lists the can-deploy checks slod answered, newest first: when,
which service, priority, version, who asked, the decision and why.`,
		Example: `  sloctl decisions
  sloctl decisions --service checkout --limit 50
  sloctl decisions -o json | jq '.decisions[] | select(.allowed == false)'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&o.service, "service", "", "only this service")
	f.IntVar(&o.limit, "limit", 20, "at most this many decisions (slod may cap it)")
	o.add(cmd)
	return cmd
}

func (o *decisionsOptions) run(cmd *cobra.Command) error {
	if o.limit <= 0 {
		return withCode(exitError, fmt.Errorf("--limit must be positive, not %d", o.limit))
	}
	ctx, c, cancel, err := o.connect(cmd)
	if err != nil {
		return err
	}
	defer cancel()
	decisions, err := c.Decisions(ctx, o.service, o.limit)
	if err != nil {
		return apiFailure(err)
	}
	if decisions == nil {
		decisions = []api.DecisionRecord{}
	}
	return o.show(cmd, api.DecisionList{Decisions: decisions}, func(w io.Writer) error {
		return writeList(w, o.color(w), "no decisions recorded",
			[]string{"ID", "TIME", "SERVICE", "PRIORITY", "DECISION", "VERSION", "ACTOR", "REASONS"},
			decisions, decisionRow)
	})
}

// decisionRow is one decision as table cells.
func decisionRow(d api.DecisionRecord) []tcell {
	decision := tcell{text: d.Decision, color: gateColor(d.Decision)}
	if d.Stale {
		decision.text += " (stale)"
	}
	return []tcell{plain(strconv.FormatInt(d.ID, 10)), plain(timeText(&d.At)), plain(d.Service), plain(string(d.Priority)),
		decision, plain(dash(d.Version)), plain(dash(d.Actor)), plain(dash(strings.Join(reasonCodes(d.Reasons), ",")))}
}

// dash stands in for an empty cell.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
