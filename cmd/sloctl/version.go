package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/version"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print sloctl's version, commit and build date",
		Long: `Version prints sloctl's version, commit and build date. slod says its own
with slod --version, on /metrics as slod_build_info, and in the
X-Slod-Version header of every answer; sloctl warns on stderr when that
major version differs from its own.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "sloctl", version.Get())
			return err
		},
	}
}
