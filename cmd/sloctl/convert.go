package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/convert"
	"github.com/slo-dev/slo/internal/convert/export"
	"github.com/slo-dev/slo/internal/slo"
)

func newConvertCmd() *cobra.Command {
	var from, to, out string
	var force bool
	var exclude []string
	cmd := &cobra.Command{
		Use:   "convert PATH...",
		Short: "Convert OpenSLO, Sloth and Pyrra specs to slo.yaml, or slo.yaml to OpenSLO",
		Long: `Convert reads specs of other tools and writes one slo.yaml per service
into --out (a folder, default the current one), named SERVICE.yaml; or,
with --to openslo, writes the specs (ours, or others converted) as OpenSLO
v1 documents to --out (a file, default stdout). It needs no server.

--from says which format to expect: auto (default: each file by its
apiVersion and kind, so a folder may mix formats), openslo, sloth or
pyrra. OpenSLO files are read as one set: an indicatorRef or
alertPolicyRef may name a document in another file. Files already in our
format are left alone with a note.

Everything a source held that slo.yaml cannot say is a warning on stderr
(file:line: field: message); anything that cannot be converted faithfully
is a problem, and then nothing is written. An existing file is never
overwritten without --force. slod and sloctl validate read the formats
directly too; convert is for moving to slo.yaml for good.

` + specsHelp + `

Exit codes: 0 converted, 1 problems in the specs (nothing written), 2
usage error, a path that cannot be read, or an output file that exists.`,
		Example: `  # A folder of OpenSLO documents, one slo.yaml per service
  sloctl convert --from openslo openslo/ --out slos/

  # Sloth and Pyrra specs side by side
  sloctl convert sloth/ pyrra/ --out slos/

  # Our specs as OpenSLO v1
  sloctl convert --to openslo slos/ --out openslo.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if from != "auto" && !slices.Contains(convert.Formats[1:], convert.Format(from)) {
				return withCode(exitError, fmt.Errorf("convert: --from %q: give auto, openslo, sloth or pyrra", from))
			}
			if to != "slo" && to != "openslo" {
				return withCode(exitError, fmt.Errorf("convert: --to %q: give slo or openslo", to))
			}
			loaded, err := loadSpecs("convert", args, exclude)
			if err != nil {
				return err
			}
			if from != "auto" {
				if err := checkFormats(args, exclude, convert.Format(from)); err != nil {
					return err
				}
			}
			stderr := cmd.ErrOrStderr()
			printWarnings(stderr, loaded.Warnings)
			if len(loaded.Problems) > 0 {
				for _, p := range loaded.Problems {
					fmt.Fprintln(stderr, p)
				}
				return withCode(exitNo, fmt.Errorf("nothing converted: %d problem(s) in the specs", slo.CountProblems(loaded.Problems)))
			}
			if to == "openslo" {
				return writeOpenSLO(cmd.OutOrStdout(), stderr, loaded.Specs, out, force)
			}
			return writeConverted(cmd.OutOrStdout(), stderr, loaded, out, force)
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "auto", "format of the input: auto, openslo, sloth or pyrra")
	f.StringVar(&to, "to", "slo", "format of the output: slo (one SERVICE.yaml per service) or openslo")
	f.StringVar(&out, "out", "", "folder for slo.yaml files (default .), or file for --to openslo (default stdout)")
	f.BoolVar(&force, "force", false, "overwrite files that exist")
	excludeFlagVar(cmd, &exclude)
	return cmd
}

// checkFormats refuses files of another tool than the one --from names.
func checkFormats(paths, exclude []string, want convert.Format) error {
	found := slo.Sources{Paths: paths, Exclude: exclude}.Discover()
	var wrong []string
	for _, file := range found.Files {
		data, err := os.ReadFile(file)
		if err != nil {
			continue // the loader has reported it
		}
		if got := convert.Detect(data); got != want && got != convert.Ours {
			wrong = append(wrong, fmt.Sprintf("%s is %s", file, got))
		}
	}
	if len(wrong) > 0 {
		return withCode(exitError, fmt.Errorf("convert --from %s: %s; give --from auto to convert each file by its format", want, strings.Join(wrong, ", ")))
	}
	return nil
}

// writeConverted writes one slo.yaml per converted service into dir.
func writeConverted(stdout, stderr io.Writer, loaded slo.Loaded, dir string, force bool) error {
	if dir == "" {
		dir = "."
	}
	type output struct {
		path string
		data []byte
	}
	var outputs []output
	for _, s := range loaded.Specs {
		svc, ok := loaded.Converted[s.Service]
		if !ok {
			fmt.Fprintf(stderr, "note: %s is already an slo.yaml; nothing to convert\n", s.File)
			continue
		}
		data, err := svc.YAML()
		if err != nil {
			return withCode(exitError, fmt.Errorf("convert: encode %s: %w", s.Service, err))
		}
		outputs = append(outputs, output{filepath.Join(dir, s.Service+".yaml"), data})
	}
	for _, o := range outputs {
		if err := refuseExisting(o.path, force); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil && len(outputs) > 0 {
		return withCode(exitError, fmt.Errorf("convert: %w", err))
	}
	for _, o := range outputs {
		if err := writeFileAtomic(o.path, o.data); err != nil {
			return withCode(exitError, fmt.Errorf("convert: write %s: %w", o.path, err))
		}
		fmt.Fprintln(stdout, "wrote", o.path)
	}
	return nil
}

// writeOpenSLO writes the specs as OpenSLO documents to path, or stdout.
func writeOpenSLO(stdout, stderr io.Writer, specs []slo.Spec, path string, force bool) error {
	data, notes, err := export.OpenSLO(specs)
	if err != nil {
		return withCode(exitError, fmt.Errorf("convert: %w", err))
	}
	for _, n := range notes {
		fmt.Fprintln(stderr, "note:", n)
	}
	if path == "" || path == "-" {
		_, err = stdout.Write(data)
		return err
	}
	if err := refuseExisting(path, force); err != nil {
		return err
	}
	if err := writeFileAtomic(path, data); err != nil {
		return withCode(exitError, fmt.Errorf("convert: write %s: %w", path, err))
	}
	fmt.Fprintln(stdout, "wrote", path)
	return nil
}

func refuseExisting(path string, force bool) error {
	if force {
		return nil
	}
	if _, err := os.Lstat(path); err == nil {
		return withCode(exitError, fmt.Errorf("convert: %s exists; nothing written (give --force to overwrite)", path))
	} else if !errors.Is(err, os.ErrNotExist) {
		return withCode(exitError, fmt.Errorf("convert: %w", err))
	}
	return nil
}
