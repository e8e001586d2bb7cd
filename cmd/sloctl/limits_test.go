package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// unknownKeys is a valid spec followed by n unknown top-level keys.
func unknownKeys(n int) string {
	var b strings.Builder
	b.WriteString("service: hostile\nslos:\n  - name: availability\n    target: 99.9%\n    window: 30d\n" +
		"    sli: {events: {errors: 'sum(rate(e[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))'}}\n")
	for i := range n {
		fmt.Fprintf(&b, "k%05d: 1\n", i)
	}
	return b.String()
}

// validate and rules generate share the loader and its caps: 5,000 unknown
// keys print 50 problems and one saying 4,950 more, and the summary counts
// all 5,000.
func TestCLICapsProblemsPerFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slo.yaml")
	if err := os.WriteFile(path, []byte(unknownKeys(5000)), 0o644); err != nil {
		t.Fatal(err)
	}
	// Keys start on line 7: 50 listed on lines 7 to 56, the rest from 57.
	last := path + ":57: ... and 4950 more problems from this line on (only the first 50, by line, are listed)"

	code, stdout, stderr := runCLI(t, nil, "validate", path)
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if code != exitNo || len(lines) != 51 || lines[50] != last || !strings.Contains(stderr, "5000 problems in 1 file") {
		t.Errorf("validate: exit %d, %d lines ending %q, stderr %q; want 1, 51 lines ending %q, 5000 problems", code, len(lines), lines[len(lines)-1], stderr, last)
	}

	code, stdout, stderr = runCLI(t, nil, "rules", "generate", path)
	if code != exitNo || stdout != "" || strings.Count(stderr, path) != 51 || !strings.Contains(stderr, last) || !strings.Contains(stderr, "5000 problem(s)") {
		t.Errorf("rules generate: exit %d, stdout %d bytes, stderr %d lines; want 1, nothing, 51 problems and 5000 counted", code, len(stdout), strings.Count(stderr, "\n"))
	}
}

// A 2 MiB file is refused by both commands, naming its size.
func TestCLIRefusesFileOverCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slo.yaml")
	if err := os.WriteFile(path, []byte(strings.Repeat("# padding\n", 2<<20/10+1)), 0o644); err != nil {
		t.Fatal(err)
	}
	// 209,716 lines of 10 bytes.
	want := path + ": file is 2097160 bytes; a spec file may be at most 1048576 bytes (1 MiB)"
	for _, args := range [][]string{{"validate", path}, {"rules", "generate", path}} {
		code, stdout, stderr := runCLI(t, nil, args...)
		if code != exitNo || !strings.Contains(stdout+stderr, want) {
			t.Errorf("%s: exit %d, output %q; want 1 and %q", args[0], code, stdout+stderr, want)
		}
	}
}
