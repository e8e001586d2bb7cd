package slodtest

import (
	"os"
	"path/filepath"
	"testing"
)

// WriteSpecs writes the given specs (file name -> YAML) into a new folder
// for --slos and returns it.
func WriteSpecs(t testing.TB, specs map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range specs {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
