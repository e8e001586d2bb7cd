package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

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
	var format, out, runbook, dashboard, splitBy string
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

--split-by service writes one file per service into the folder --out
names (created if missing): <service>.yaml, a rule file or, with
--format prometheus-operator, that service's PrometheusRule, plus
_slod.yaml with slod's own global alerts. Files that an earlier run
generated there (they start with the "Code generated" line) for services
that are gone are removed; other files are left alone.

Exit codes: 0 rules written, 1 the specs have problems (listed on stderr as
file:line: field: message; nothing is written to --out, while stdout may
hold the rules before the failing one), 2 usage error or a path that
cannot be read or written.`,
		Example: `  # A rule file for Prometheus' rule_files
  sloctl rules generate slos/ --out /etc/prometheus/rules/slo.yaml

  # PrometheusRule objects, with links in every alert
  sloctl rules generate slos/ --format prometheus-operator \
    --runbook-url 'https://runbooks.example.com/{{.alert}}' \
    --dashboard-url 'https://grafana.example.com/d/slo?var-service={{.service}}&var-slo={{.slo}}' \
    | kubectl apply -f -

  # One file per service, for a GitOps repository
  sloctl rules generate slos/ --split-by service --out deploy/rules/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := rules.Options{Format: rules.Format(format), RunbookURL: runbook, DashboardURL: dashboard}
			if err := opts.Validate(); err != nil {
				return withCode(exitError, err)
			}
			switch {
			case splitBy != "" && splitBy != string(rules.SplitByService):
				return withCode(exitError, fmt.Errorf("--split-by %q: the only split is %s", splitBy, rules.SplitByService))
			case splitBy != "" && out == "":
				return withCode(exitError, errors.New("--split-by service needs --out FOLDER"))
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
			// Generating is mostly short-lived garbage (rendered text, parse
			// trees); collecting a quarter as often costs about 60 MB more at
			// 10,000 SLOs and saves a fifth of the CPU time.
			debug.SetGCPercent(400)
			switch {
			case splitBy != "":
				err = writeSplit(out, specs, opts)
			case out == "":
				err = rules.Write(cmd.OutOrStdout(), specs, opts)
			default:
				err = writeAtomic(out, func(w io.Writer) error { return rules.Write(w, specs, opts) })
			}
			var invalid *rules.InvalidError
			if errors.As(err, &invalid) {
				return withCode(exitNo, fmt.Errorf("no rules generated: %w", err))
			}
			if err != nil {
				return withCode(exitError, fmt.Errorf("write rules to %s: %w", cmp.Or(out, "stdout"), err))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", string(rules.FormatPrometheus), "output format: prometheus (a rule file) or prometheus-operator (PrometheusRule objects)")
	f.StringVar(&out, "out", "", "write to FILE instead of stdout (with --split-by, into that folder)")
	f.StringVar(&splitBy, "split-by", "", "service: one file per service in the --out folder")
	f.StringVar(&runbook, "runbook-url", "", "template for each alert's runbook_url annotation")
	f.StringVar(&dashboard, "dashboard-url", "", "template for each alert's dashboard_url annotation")
	excludeFlagVar(cmd, &exclude)
	return cmd
}

// writeAtomic replaces path with what write writes, through a temporary
// file in the same folder, so a Prometheus watching path never loads half
// a file and a failed run leaves the old one.
func writeAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if err := write(tmp); err != nil {
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

// writeFileAtomic is writeAtomic for data in memory.
func writeFileAtomic(path string, data []byte) error {
	return writeAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeSplit writes one file per service into dir, each atomically, then
// removes the generated files of services no longer there.
func writeSplit(dir string, specs []slo.Spec, opts rules.Options) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	written := map[string]bool{}
	err := rules.WriteSplit(specs, opts, func(name string, content []byte) error {
		written[name] = true
		return writeFileAtomic(filepath.Join(dir, name), content)
	})
	if err != nil {
		return err
	}
	return removeStale(dir, written)
}

// removeStale deletes the *.yaml files in dir that sloctl generated (they
// start with its header) and this run did not write.
func removeStale(dir string, written map[string]bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if written[name] || !e.Type().IsRegular() || filepath.Ext(name) != ".yaml" {
			continue
		}
		path := filepath.Join(dir, name)
		generated, err := startsWith(path, rules.Header)
		if err != nil {
			return err
		}
		if generated {
			if err := os.Remove(path); err != nil {
				return err
			}
		}
	}
	return nil
}

func startsWith(path, prefix string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	b := make([]byte, len(prefix))
	n, _ := io.ReadFull(f, b)
	return string(b[:n]) == prefix, nil
}
