package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/slo"
)

// openSLOSet is the OpenSLO fixture of internal/convert/openslo: a
// Service, an SLI and two SLOs over two files.
var openSLOSet = filepath.Join("..", "..", "internal", "convert", "openslo", "testdata", "set")

// TestConvertWritesWhatSlodReads: the slo.yaml convert writes loads to
// the very specs slod reads from the OpenSLO files directly.
func TestConvertWritesWhatSlodReads(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, nil, "convert", "--from", "openslo", openSLOSet, "--out", out)
	written := filepath.Join(out, "checkout.yaml")
	if code != exitOK || strings.TrimSpace(stdout) != "wrote "+written {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	if n := strings.Count(stderr, "warning: "); n != 5 {
		t.Errorf("%d warnings on stderr, want the fixture's 5:\n%s", n, stderr)
	}
	direct, problems := slo.Load(openSLOSet)
	converted, problems2 := slo.Load(written)
	if len(problems)+len(problems2) > 0 || len(direct) != 1 || len(converted) != 1 {
		t.Fatalf("problems %v %v", problems, problems2)
	}
	if !reflect.DeepEqual(direct[0].SLOs, converted[0].SLOs) || !reflect.DeepEqual(direct[0].Labels, converted[0].Labels) {
		t.Errorf("converted file reads as\n%+v\nthe OpenSLO files as\n%+v", converted[0], direct[0])
	}
}

// TestConvertNeverOverwrites: an existing file stays as it was unless
// --force is given, and then nothing else is written either.
func TestConvertNeverOverwrites(t *testing.T) {
	out := t.TempDir()
	existing := filepath.Join(out, "checkout.yaml")
	if err := os.WriteFile(existing, []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, nil, "convert", openSLOSet, "--out", out)
	if b, _ := os.ReadFile(existing); code != exitError || string(b) != "# mine\n" || !strings.Contains(stderr, "--force") {
		t.Fatalf("exit %d, file %q, stderr %s; want exit 2 and the file untouched", code, b, stderr)
	}
	code, _, stderr = runCLI(t, nil, "convert", openSLOSet, "--out", out, "--force")
	if b, _ := os.ReadFile(existing); code != exitOK || !strings.Contains(string(b), "service: checkout") {
		t.Fatalf("--force: exit %d, file %q, stderr %s", code, b, stderr)
	}

	target := filepath.Join(out, "openslo.yaml")
	if err := os.WriteFile(target, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, _ = runCLI(t, nil, "convert", "--to", "openslo", "testdata/rules/checkout.yaml", "--out", target)
	if b, _ := os.ReadFile(target); code != exitError || string(b) != "keep\n" {
		t.Errorf("--to openslo over an existing file: exit %d, file %q", code, b)
	}
}

// TestConvertRefuses: problems write nothing; --from must match the files.
func TestConvertRefuses(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("apiVersion: openslo/v1\nkind: Dashboard\nmetadata: {name: x}\nspec: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, _, stderr := runCLI(t, nil, "convert", bad, "--out", out)
	if _, err := os.Stat(out); code != exitNo || !strings.Contains(stderr, bad+":2: kind: unknown kind") || err == nil {
		t.Errorf("exit %d, stderr %s, out folder made: %v", code, stderr, err == nil)
	}
	code, _, stderr = runCLI(t, nil, "convert", "--from", "sloth", openSLOSet, "--out", out)
	if code != exitError || !strings.Contains(stderr, "is openslo") {
		t.Errorf("--from sloth on OpenSLO files: exit %d, stderr %s", code, stderr)
	}
}

// TestValidateReadsOpenSLO: validate takes OpenSLO files as they are,
// listing what would not be carried over without failing on it.
func TestValidateReadsOpenSLO(t *testing.T) {
	code, stdout, stderr := runCLI(t, nil, "validate", openSLOSet)
	if code != exitOK || !strings.Contains(stdout, "ok: 1 service, 3 SLOs in 1 file") || strings.Count(stdout, "warning: ") != 5 {
		t.Errorf("exit %d, stdout:\n%s\nstderr: %s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, nil, "validate", openSLOSet, "--output", "json")
	if code != exitOK || !strings.Contains(stdout, `"warnings": [`) || !strings.Contains(stdout, `"field": "spec.notificationTargets"`) {
		t.Errorf("json: exit %d\n%s", code, stdout)
	}
}
