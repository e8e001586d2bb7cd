package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/report"
	"github.com/slo-dev/slo/internal/safetext"
)

type reportOptions struct {
	getenv                  func(string) string
	period, service, format string
	out                     string
	timeout                 time.Duration
}

func newReportCmd(getenv func(string) string) *cobra.Command {
	o := &reportOptions{getenv: getenv}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "SLO report for a period: achieved SLI, budget, worst burn, alerts, denied deploys, overrides",
		Long: `report asks slod for the SLO report of a period, per service and SLO: the
target, the SLI achieved, the budget consumed in the period and at its end, the
worst 1h burn, the burn-rate alerts that began, the minutes normal deploys were
denied and the overrides used. Periods follow each SLO's calendar and time zone
(weeks start on Monday): last-week, last-month, a month as YYYY-MM, or the
SLO's own period (current, previous). The HTML format is one self-contained
page with burn-down charts that prints to PDF.`,
		Example: `  sloctl report --period last-week
  sloctl report --period 2026-10 --service 'pay*' --format html --out october.html
  sloctl report --period last-month --format csv > slo.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&o.period, "period", report.LastWeek, "last-week, last-month, current, previous or YYYY-MM")
	f.StringVar(&o.service, "service", "", "only services matching this glob")
	f.StringVar(&o.format, "format", report.FormatMarkdown, "markdown, html, csv or json")
	f.StringVar(&o.out, "out", "", "write to this file instead of standard output")
	timeoutFlagVar(cmd, &o.timeout)
	return cmd
}

func (o *reportOptions) run(cmd *cobra.Command) error {
	if err := report.CheckPeriod(o.period); err != nil {
		return withCode(exitError, fmt.Errorf("--period: %w", err))
	}
	if err := report.CheckFormat(o.format); err != nil {
		return withCode(exitError, fmt.Errorf("--format: %w", err))
	}
	c, err := apiClient(cmd, o.getenv)
	if err != nil {
		return err
	}
	ctx, cancel := timeoutContext(cmd, o.timeout)
	defer cancel()
	body, err := c.Report(ctx, o.period, o.service, o.format)
	if err != nil {
		return apiFailure(err)
	}
	if o.out != "" {
		if err := os.WriteFile(o.out, body, 0o644); err != nil {
			return withCode(exitError, fmt.Errorf("write report: %w", err))
		}
		return nil
	}
	// A terminal gets every line with control characters escaped.
	lines := strings.Split(string(body), "\n")
	for i, l := range lines {
		lines[i] = safetext.Escape(l)
	}
	_, err = fmt.Fprint(cmd.OutOrStdout(), strings.Join(lines, "\n"))
	return err
}
