package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/slo"
)

// specsHelp says how the offline commands find spec files.
const specsHelp = `Each PATH is a spec file or a folder searched recursively for *.yaml and
*.yml files, following symlinks (each folder once). Hidden entries (names
starting with ".") are skipped, and with them the "..data" internals of a
Kubernetes ConfigMap volume, whose top-level files are read. --exclude
GLOB (repeatable) skips files and folders below a PATH whose path relative
to that PATH ("legacy/*") or whose base name ("*.tmpl.yaml", "testdata")
matches.`

// excludeFlagVar adds --exclude GLOB (repeatable).
func excludeFlagVar(cmd *cobra.Command, p *[]string) {
	cmd.Flags().StringArrayVar(p, "exclude", nil, "skip files and folders below a PATH matching GLOB, by relative path or base name (repeatable)")
}

// loadSpecs finds and loads the specs under paths, those of other tools
// converted. A path that cannot be read or a malformed pattern is a usage
// error (exit 2); problems and warnings are returned for the caller to
// report.
func loadSpecs(name string, paths, exclude []string) (slo.Loaded, error) {
	src := slo.Sources{Paths: paths, Exclude: exclude}
	if err := src.CheckExclude(); err != nil {
		return slo.Loaded{}, withCode(exitError, fmt.Errorf("%s: --exclude: %w", name, err))
	}
	for _, path := range paths {
		if _, err := os.Stat(path); err != nil {
			return slo.Loaded{}, withCode(exitError, fmt.Errorf("%s: %w", name, err))
		}
	}
	return src.Discover().LoadAll(), nil
}

// printWarnings writes what files of other tools held that was not carried
// over, one "warning: file:line: field: message" a line.
func printWarnings(w io.Writer, warnings []slo.Problem) {
	for _, p := range warnings {
		fmt.Fprintln(w, "warning:", p)
	}
}
