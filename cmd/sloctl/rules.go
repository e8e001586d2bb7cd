package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/rules"
	"github.com/slo-dev/slo/internal/slo"
)

func newRulesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Prometheus rules for the SLOs in slo.yaml files",
	}
	cmd.AddCommand(newRulesGenerateCmd())
	return cmd
}

func newRulesGenerateCmd() *cobra.Command {
	var format, out, runbook, dashboard string
	var exclude []string
	cmd := &cobra.Command{
		Use:   "generate PATH...",
		Short: "Write recording and alerting rules for slo.yaml files, offline",
		Long: `Generate reads slo.yaml files and writes Prometheus rules for them: error
ratios per SLO over every window the alerts need and over the SLO window,
multi-window multi-burn-rate alerts (page and ticket), and alerts on slod's
own health. It needs no server.

` + specsHelp + `

--runbook-url and --dashboard-url are templates expanded per alert with
{{.service}}, {{.slo}} (the SLO's slug, empty for slod's own alerts),
{{.severity}} and {{.alert}}. slod's own service page, which marks
deploys on the charts, is a good dashboard_url:
--dashboard-url 'https://slod.example.com/#/service/{{.service}}'.

Exit codes: 0 rules written, 1 the specs have problems (listed on stderr as
file:line: field: message; nothing is written), 2 usage error or a path
that cannot be read or written.`,
		Example: `  # A rule file for Prometheus' rule_files
  sloctl rules generate slos/ --out /etc/prometheus/rules/slo.yaml

  # PrometheusRule objects, with links in every alert
  sloctl rules generate slos/ --format prometheus-operator \
    --runbook-url 'https://runbooks.example.com/{{.alert}}' \
    --dashboard-url 'https://grafana.example.com/d/slo?var-service={{.service}}&var-slo={{.slo}}' \
    | kubectl apply -f -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := rules.Options{Format: rules.Format(format), RunbookURL: runbook, DashboardURL: dashboard}
			if err := opts.Validate(); err != nil {
				return withCode(exitError, err)
			}
			loaded, err := loadSpecs("rules generate", args, exclude)
			if err != nil {
				return err
			}
			specs, problems := loaded.Specs, loaded.Problems
			printWarnings(cmd.ErrOrStderr(), loaded.Warnings)
			if len(problems) > 0 {
				// stdout is for the rules, which are often piped on.
				for _, p := range problems {
					fmt.Fprintln(cmd.ErrOrStderr(), p)
				}
				return withCode(exitNo, fmt.Errorf("no rules generated: %d problem(s) in the specs", slo.CountProblems(problems)))
			}
			b, err := rules.Generate(specs, opts)
			if err != nil {
				return withCode(exitNo, fmt.Errorf("no rules generated: %w", err))
			}
			if out == "" {
				_, err = cmd.OutOrStdout().Write(b)
			} else {
				err = writeFileAtomic(out, b)
			}
			if err != nil {
				return withCode(exitError, fmt.Errorf("write rules to %s: %w", cmp.Or(out, "stdout"), err))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", string(rules.FormatPrometheus), "output format: prometheus (a rule file) or prometheus-operator (PrometheusRule objects)")
	f.StringVar(&out, "out", "", "write to FILE instead of stdout")
	f.StringVar(&runbook, "runbook-url", "", "template for each alert's runbook_url annotation")
	f.StringVar(&dashboard, "dashboard-url", "", "template for each alert's dashboard_url annotation")
	excludeFlagVar(cmd, &exclude)
	return cmd
}

// writeFileAtomic replaces path with data through a temporary file in the
// same folder, so a Prometheus watching path never loads half a file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// CreateTemp makes the file 0600; a rule file is read by Prometheus.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
