package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/client"
)

func init() { rootCmd.AddCommand(newDecisionsCmd()) }

type decisionsOptions struct {
	service string
	limit   int
	output  string
	timeout time.Duration
}

func newDecisionsCmd() *cobra.Command {
	o := &decisionsOptions{}
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
	outputFlagVar(cmd, &o.output)
	timeoutFlagVar(cmd, &o.timeout)
	return cmd
}

func (o *decisionsOptions) run(cmd *cobra.Command) error {
	asJSON, err := wantJSON(o.output)
	if err != nil {
		return err
	}
	if o.limit <= 0 {
		return withCode(exitError, fmt.Errorf("--limit must be positive, not %d", o.limit))
	}
	c, err := apiClient(cmd)
	if err != nil {
		return err
	}
	ctx, cancel := timeoutContext(cmd, o.timeout)
	defer cancel()
	decisions, err := c.Decisions(ctx, o.service, o.limit)
	if err != nil {
		return apiFailure(err)
	}
	out := cmd.OutOrStdout()
	if asJSON {
		if decisions == nil {
			decisions = []client.DecisionRecord{}
		}
		return writeJSON(out, map[string]any{"decisions": decisions})
	}
	if len(decisions) == 0 {
		_, err := fmt.Fprintln(out, "no decisions recorded")
		return err
	}
	t := &textTable{color: colorEnabled(out)}
	t.header("ID", "TIME", "SERVICE", "PRIORITY", "DECISION", "VERSION", "ACTOR", "REASONS")
	for _, d := range decisions {
		decision := tcell{text: d.Decision, color: gateColor(d.Decision)}
		if d.Stale {
			decision.text += " (stale)"
		}
		t.add(plain(strconv.FormatInt(d.ID, 10)), plain(timeText(&d.At)), plain(d.Service), plain(d.Priority),
			decision, plain(dash(d.Version)), plain(dash(d.Actor)), plain(dash(strings.Join(reasonCodes(d.Reasons), ","))))
	}
	return t.write(out)
}

// dash stands in for an empty cell.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
