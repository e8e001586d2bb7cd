package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The version stamp TestMain builds with.
const (
	stampVersion = "v1.2.3-e2e"
	stampCommit  = "e2e0commit"
	stampDate    = "2026-01-02T03:04:05Z"
)

// Paths of the binaries TestMain built.
var (
	sloctlBin string
	slodBin   string
)

// TestMain builds the shipped binaries once, with `make build`, so every
// test runs exactly what it puts in bin/.
func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	flag.Parse()
	dir, err := os.MkdirTemp("", "e2e-cli-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e cli:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// make build, as a release is built, with the version stamp fixed so
	// the tests know what the binaries must say; go test puts its own go
	// first in PATH.
	cmd := exec.Command("make", "build", "BIN="+dir, "VERSION="+stampVersion, "COMMIT="+stampCommit, "DATE="+stampDate)
	cmd.Dir = filepath.Join("..", "..", "..")
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e cli: %s: %v\n%s", cmd, err, out)
		return 1
	}
	if testing.Verbose() {
		fmt.Printf("e2e cli: built sloctl and slod in %v\n", time.Since(start).Round(time.Millisecond))
	}
	sloctlBin, slodBin = filepath.Join(dir, "sloctl"), filepath.Join(dir, "slod")
	return m.Run()
}

// hostEnv is the test's environment without anything that would change
// how sloctl or slod behave: CI variables sloctl reads for its audit
// fields and annotations, and their own settings. Each run adds exactly
// what it means to test.
func hostEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "GITHUB_"), strings.HasPrefix(k, "GITLAB_"), strings.HasPrefix(k, "CI_"),
			strings.HasPrefix(k, "SLOCTL_"), strings.HasPrefix(k, "SLOD_"),
			k == "USER", k == "NO_COLOR", k == "TERM":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// result is one finished sloctl process.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("sloctl %s: exit %d\n--- stdout:\n%s--- stderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// runSloctl runs the sloctl binary with the environment env (KEY=value)
// added to hostEnv, and returns its output and exit code.
func runSloctl(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sloctlBin, args...)
	cmd.Env = append(hostEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		r.code = ee.ExitCode()
	default:
		t.Fatalf("sloctl %s: %v\n%s", strings.Join(args, " "), err, r)
	}
	return r
}

// wantExit fails the test unless r exited with code.
func wantExit(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got:\n%s", code, r)
	}
}

// within reports whether got is within rel (relative) of want.
func within(got, want, rel float64) bool {
	d := got - want
	if d < 0 {
		d = -d
	}
	if want < 0 {
		want = -want
	}
	return d <= rel*want
}
