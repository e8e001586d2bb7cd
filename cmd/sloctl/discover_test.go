package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTree writes files (slash-separated path -> content) under a new
// folder and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The seed's layout: services/<name>/slo.yaml, read recursively; the
// payment-api spec has no service: and is named after its folder.
func TestValidateSeedLayout(t *testing.T) {
	root := writeTree(t, map[string]string{
		"services/payment-api/slo.yaml": readFile(t, "../../internal/slo/testdata/seed-payment-api.yaml"),
		"services/checkout/slo.yaml":    readFile(t, "../../slos/checkout.yaml"),
	})
	// 3 SLOs in the seed's file, 2 in checkout's.
	code, stdout, stderr := runCLI(t, nil, "validate", filepath.Join(root, "services"))
	if code != exitOK || stdout != "ok: 2 services, 5 SLOs in 2 files\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, nil, "validate", filepath.Join(root, "services"), "-o", "json")
	if code != exitOK || !strings.Contains(stdout, `"service": "payment-api"`) ||
		!strings.Contains(stdout, `"file": "`+filepath.Join(root, "services", "payment-api", "slo.yaml")+`"`) {
		t.Errorf("exit %d, report does not name payment-api from its folder:\n%s", code, stdout)
	}
}

func TestValidateExclude(t *testing.T) {
	root := writeTree(t, map[string]string{
		"checkout/slo.yaml":          readFile(t, "../../slos/checkout.yaml"),
		"checkout/testdata/bad.yaml": "service: bad\n",
		"legacy/old/slo.yaml":        "slos: []\n",
	})
	code, stdout, _ := runCLI(t, nil, "validate", root)
	if code != exitNo || strings.Count(stdout, "\n") != 2 {
		t.Errorf("without --exclude: exit %d, want 1 with a problem in each of the 2 fixtures:\n%s", code, stdout)
	}
	code, stdout, stderr := runCLI(t, nil, "validate", root, "--exclude", "testdata", "--exclude", "legacy/*")
	if code != exitOK || stdout != "ok: 1 service, 2 SLOs in 1 file\n" {
		t.Errorf("with --exclude: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = runCLI(t, nil, "validate", root, "--exclude", "legacy/[a-")
	if code != exitError || !strings.Contains(stderr, `--exclude: exclude pattern "legacy/[a-"`) {
		t.Errorf("bad pattern: exit %d, stderr %q, want 2 naming the pattern", code, stderr)
	}
}

func TestValidateTreeWithoutSpecs(t *testing.T) {
	root := writeTree(t, map[string]string{"services/payment-api/README.md": "# payment-api"})
	code, stdout, stderr := runCLI(t, nil, "validate", root)
	if want := root + ": folder has no *.yaml or *.yml spec files (searched recursively)\n"; code != exitNo || stdout != want {
		t.Errorf("exit %d, stdout %q, want 1 and %q", code, stdout, want)
	}
	if !strings.Contains(stderr, "1 problem in 1 file") {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestRulesGenerateRecursiveExclude(t *testing.T) {
	root := writeTree(t, map[string]string{
		"team-a/checkout/slo.yaml":          readFile(t, "testdata/rules/checkout.yaml"),
		"team-a/checkout/testdata/bad.yaml": readFile(t, "testdata/rules/invalid.yaml"),
	})
	if code, _, stderr := runCLI(t, nil, "rules", "generate", root); code != exitNo || !strings.Contains(stderr, filepath.Join("testdata", "bad.yaml")) {
		t.Errorf("without --exclude: exit %d, stderr %q, want 1 naming testdata/bad.yaml", code, stderr)
	}
	code, stdout, stderr := runCLI(t, nil, "rules", "generate", root, "--exclude", "testdata")
	if code != exitOK || !strings.Contains(stdout, "name: slo/checkout/availability") {
		t.Errorf("with --exclude: exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
}
