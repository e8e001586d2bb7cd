// Command sloctl is the CLI for people and CI pipelines: it wraps slod's API
// (can-deploy, status, overrides, decisions) and works offline for validate
// and rules generate.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/client"
	"github.com/slo-dev/slo/internal/safetext"
)

// Exit codes shared by every command: 0 success/allowed, 1 denied or
// invalid, 2 usage or operational error.
const (
	exitOK    = 0
	exitNo    = 1
	exitError = 2
)

// exitCodeError carries a chosen exit code out of a command. A nil err
// ends the command silently: it has already said everything (a denied
// deploy).
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

// withCode wraps err so run returns code.
func withCode(code int, err error) error { return &exitCodeError{code: code, err: err} }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run executes the CLI and maps errors to exit codes.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	root := newRootCmd(stdout, stderr, getenv)
	// cobra reads os.Args when given nil.
	root.SetArgs(append([]string{}, args...))
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ce *exitCodeError
	if errors.As(err, &ce) {
		if msg := ce.Error(); msg != "" {
			fmt.Fprintln(stderr, "sloctl:", safetext.Escape(msg))
		}
		return ce.code
	}
	// cobra's own errors (unknown flag, bad args) are usage errors.
	fmt.Fprintln(stderr, "sloctl:", safetext.Escape(err.Error()))
	return exitError
}

// newRootCmd builds the command tree. Commands write only to stdout and
// stderr and read the environment only through getenv, so that a test can
// run the real CLI with buffers and a map.
func newRootCmd(stdout, stderr io.Writer, getenv func(string) string) *cobra.Command {
	root := &cobra.Command{
		Use:           "sloctl",
		Short:         "Deploy gate and operator CLI for slod",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().String("server", "",
		"slod base URL (default $SLOCTL_SERVER, else "+client.DefaultServer+")")
	root.AddCommand(
		newCanDeployCmd(getenv),
		newStatusCmd(getenv),
		newOverrideCmd(getenv),
		newDecisionsCmd(getenv),
		newDeployedCmd(getenv),
		newDeploymentsCmd(getenv),
		newCorrectionCmd(getenv),
		newNotificationsCmd(getenv),
		newReportCmd(getenv),
		newValidateCmd(getenv),
		newRulesCmd(),
		newBacktestCmd(getenv),
		newConvertCmd(),
		newVersionCmd(),
	)
	return root
}
