package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/slo"
)

// validateReport is the --output json answer of validate.
type validateReport struct {
	Valid    bool         `json:"valid"`
	Problems specProblems `json:"problems"`
	// Warnings are what files of other tools held that was not carried
	// over; they do not make a spec invalid.
	Warnings specProblems      `json:"warnings"`
	Services []validateService `json:"services"`
	// Online is there with --online once the offline checks passed.
	Online *onlineReport `json:"online,omitempty"`
}

// validateService summarises one valid spec.
type validateService struct {
	Service string        `json:"service"`
	File    string        `json:"file"`
	Owner   string        `json:"owner,omitempty"`
	SLOs    []validateSLO `json:"slos"`
}

type validateSLO struct {
	Name   string  `json:"name"`
	Slug   string  `json:"slug"`
	Target float64 `json:"target"`
	Window string  `json:"window"`
	// SLI is "events" or "latency".
	SLI string `json:"sli"`
}

func newValidateCmd(getenv func(string) string) *cobra.Command {
	var output, promURL string
	var exclude []string
	var online bool
	cmd := &cobra.Command{
		Use:   "validate PATH...",
		Short: "Check slo.yaml files, offline or also against Prometheus",
		Long: `Validate reads slo.yaml files and reports every problem at once as
file:line: field: message. It needs no server. OpenSLO v1, Sloth and Pyrra
files are read too, as slod reads them; what they hold that slo.yaml
cannot say is listed as "warning: file:line: ..." and fails nothing.

` + specsHelp + `

With --online, once the offline checks pass, every query of every SLO runs
once against Prometheus (--prometheus-url, else $SLOCTL_PROMETHEUS_URL,
else ` + defaultPrometheusURL + `), over the SLO window as slod queries it. A
query Prometheus rejects, and a total or good query (a latency SLI's _count
or bucket) that returns no series, is a problem: slod could not measure the
SLO. An errors query without series is only a note, since it means no bad
events so far.

Exit codes: 0 all specs valid, 1 problems found, 2 usage error, a path
that cannot be read, or (--online) a Prometheus that cannot be queried.`,
		Example: `  # What CI runs before a merge
  sloctl validate slos/

  # A monorepo, without the test fixtures
  sloctl validate . --exclude testdata

  # Also run the queries against Prometheus
  sloctl validate services/ --online --prometheus-url http://prometheus:9090

  # Single files, machine-readable
  sloctl validate services/checkout/slo.yaml --output json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			asJSON, err := wantJSON(output)
			if err != nil {
				return err
			}
			loaded, err := loadSpecs("validate", args, exclude)
			if err != nil {
				return err
			}
			specs, problems := loaded.Specs, loaded.Problems
			r := newValidateReport(specs, problems)
			r.Warnings = specProblems(loaded.Warnings)
			if r.Warnings == nil {
				r.Warnings = specProblems{}
			}
			if online && len(problems) == 0 {
				on, onProblems, err := checkOnline(cmd.Context(), prometheusURL(promURL, getenv), specs)
				if err != nil {
					return withCode(exitError, fmt.Errorf("validate --online: %w", err))
				}
				r.Online, r.Problems, r.Valid = &on, append(r.Problems, onProblems...), len(onProblems) == 0
			}
			out := cmd.OutOrStdout()
			if asJSON {
				err = writeValidateJSON(out, r)
			} else {
				err = writeValidateText(out, r)
			}
			if err != nil {
				return withCode(exitError, fmt.Errorf("write report: %w", err))
			}
			if !r.Valid {
				return withCode(exitNo, fmt.Errorf("%s in %s", validatePlural(slo.CountProblems(r.Problems), "problem"), validatePlural(validateCountFiles(r.Problems), "file")))
			}
			return nil
		},
	}
	outputFlagVar(cmd, &output)
	excludeFlagVar(cmd, &exclude)
	f := cmd.Flags()
	f.BoolVar(&online, "online", false, "also run every query once against Prometheus")
	f.StringVar(&promURL, "prometheus-url", "", "Prometheus base URL for --online (default $SLOCTL_PROMETHEUS_URL, else "+defaultPrometheusURL+")")
	return cmd
}

// newValidateReport summarises the offline checks.
func newValidateReport(specs []slo.Spec, problems []slo.Problem) validateReport {
	r := validateReport{Valid: len(problems) == 0, Problems: problems, Services: []validateService{}}
	if r.Problems == nil {
		r.Problems = []slo.Problem{}
	}
	for _, s := range specs {
		vs := validateService{Service: s.Service, File: s.File, Owner: s.Owner, SLOs: []validateSLO{}}
		for _, o := range s.SLOs {
			kind := "events"
			if o.SLI.Latency != nil {
				kind = "latency"
			}
			vs.SLOs = append(vs.SLOs, validateSLO{Name: o.Name, Slug: o.Slug, Target: o.Target, Window: o.WindowLabel(), SLI: kind})
		}
		r.Services = append(r.Services, vs)
	}
	return r
}

// writeValidateText prints the problems, the notes of an online check,
// and a summary.
func writeValidateText(w io.Writer, r validateReport) error {
	for _, p := range r.Problems {
		if _, err := fmt.Fprintln(w, p); err != nil {
			return err
		}
	}
	printWarnings(w, r.Warnings)
	if r.Online != nil {
		for _, n := range r.Online.Notes {
			if _, err := fmt.Fprintln(w, "note:", n); err != nil {
				return err
			}
		}
	}
	if r.Valid {
		n := 0
		files := map[string]bool{}
		for _, s := range r.Services {
			n += len(s.SLOs)
			files[s.File] = true
		}
		// A file of ours holds one service; an OpenSLO file may hold several.
		if _, err := fmt.Fprintf(w, "ok: %s, %s in %s\n", validatePlural(len(r.Services), "service"), validatePlural(n, "SLO"), validatePlural(len(files), "file")); err != nil {
			return err
		}
	}
	if r.Online == nil {
		return nil
	}
	queries := "1 query"
	if n := len(r.Online.Queries); n != 1 {
		queries = fmt.Sprintf("%d queries", n)
	}
	_, err := fmt.Fprintf(w, "online: %s against %s: %s\n", queries, r.Online.Prometheus, onlineTally(r.Online.Queries))
	return err
}

// onlineTally counts the queries by result: "15 with data, 1 without series".
func onlineTally(qs []onlineQuery) string {
	var data, none, failed int
	for _, q := range qs {
		switch q.Result {
		case resultOK:
			data++
		case resultNoSeries:
			none++
		default:
			failed++
		}
	}
	return fmt.Sprintf("%d with data, %d without series, %d failed", data, none, failed)
}

func writeValidateJSON(w io.Writer, r validateReport) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// specProblems are spec problems as sloctl's JSON reports write them: in
// the API's shape, so tools read one format from slod and from sloctl.
type specProblems []slo.Problem

func (ps specProblems) MarshalJSON() ([]byte, error) {
	out := make([]api.SpecProblem, len(ps))
	for i, p := range ps {
		out[i] = api.SpecProblem(p)
	}
	return json.Marshal(out)
}

// validateCountFiles counts the distinct files problems are about.
func validateCountFiles(problems []slo.Problem) int {
	files := map[string]bool{}
	for _, p := range problems {
		files[p.File] = true
	}
	return len(files)
}

// validatePlural formats a count with its noun: "1 file", "2 files".
func validatePlural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
