// Command sloctl is the CLI for people and CI pipelines: it wraps slod's API
// (can-deploy, status, overrides, decisions) and works offline for validate
// and rules generate.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes shared by every command: 0 success/allowed, 1 denied or
// invalid, 2 usage or operational error.
const (
	exitOK    = 0
	exitNo    = 1
	exitError = 2
)

// exitCodeError carries a chosen exit code out of a command.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string { return e.err.Error() }

// withCode wraps err so main exits with code.
func withCode(code int, err error) error { return &exitCodeError{code: code, err: err} }

var rootCmd = &cobra.Command{
	Use:           "sloctl",
	Short:         "Deploy gate and operator CLI for slod",
	SilenceUsage:  true,
	SilenceErrors: true,
}

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the CLI and maps errors to exit codes.
func run(args []string) int {
	rootCmd.SetArgs(args)
	err := rootCmd.Execute()
	if err == nil {
		return exitOK
	}
	var ce *exitCodeError
	if errors.As(err, &ce) {
		if ce.err != nil && ce.err.Error() != "" {
			fmt.Fprintln(os.Stderr, "sloctl:", ce.err)
		}
		return ce.code
	}
	// cobra's own errors (unknown flag, bad args) are usage errors.
	fmt.Fprintln(os.Stderr, "sloctl:", err)
	return exitError
}
