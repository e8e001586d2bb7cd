package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/slo"
)

func init() { rootCmd.AddCommand(newValidateCmd()) }

// validateReport is the --output json answer of validate.
type validateReport struct {
	Valid    bool              `json:"valid"`
	Problems []slo.Problem     `json:"problems"`
	Services []validateService `json:"services"`
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

func newValidateCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "validate PATH...",
		Short: "Check slo.yaml files offline",
		Long: `Validate reads slo.yaml files, or every *.yaml and *.yml file in the given
folders (not recursively), and reports every problem at once as
file:line: field: message. It needs no server.

Exit codes: 0 all specs valid, 1 problems found, 2 usage error or a path
that cannot be read.`,
		Example: `  # What CI runs before a merge
  sloctl validate slos/

  # Single files, machine-readable
  sloctl validate services/checkout/slo.yaml --output json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			asJSON, err := wantJSON(output)
			if err != nil {
				return err
			}
			for _, path := range args {
				if _, err := os.Stat(path); err != nil {
					return withCode(exitError, fmt.Errorf("validate: %w", err))
				}
			}
			specs, problems := slo.Load(args...)
			out := cmd.OutOrStdout()
			if asJSON {
				err = writeValidateJSON(out, specs, problems)
			} else {
				err = writeValidateText(out, specs, problems)
			}
			if err != nil {
				return withCode(exitError, fmt.Errorf("write report: %w", err))
			}
			if len(problems) > 0 {
				return withCode(exitNo, fmt.Errorf("%s in %s", validatePlural(len(problems), "problem"), validatePlural(validateCountFiles(problems), "file")))
			}
			return nil
		},
	}
	outputFlagVar(cmd, &output)
	return cmd
}

func writeValidateText(w io.Writer, specs []slo.Spec, problems []slo.Problem) error {
	for _, p := range problems {
		if _, err := fmt.Fprintln(w, p); err != nil {
			return err
		}
	}
	if len(problems) > 0 {
		return nil
	}
	n := 0
	for _, s := range specs {
		n += len(s.SLOs)
	}
	// Each valid file holds exactly one service.
	_, err := fmt.Fprintf(w, "ok: %s, %s in %s\n", validatePlural(len(specs), "service"), validatePlural(n, "SLO"), validatePlural(len(specs), "file"))
	return err
}

func writeValidateJSON(w io.Writer, specs []slo.Spec, problems []slo.Problem) error {
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
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
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
