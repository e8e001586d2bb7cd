// Package kubetest lays out files the way Kubernetes mounts them, for
// tests of code that reads such volumes.
package kubetest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// ConfigMap is a ConfigMap volume as the kubelet's AtomicWriter keeps it:
// the files in a timestamped folder "..2026_11_30_02_00_00.000000001",
// "..data" linking to that folder, and one top-level link per key
// ("slo.yaml -> ..data/slo.yaml").
type ConfigMap struct {
	Dir     string
	current string // the timestamped folder ..data points at
	version int
}

// NewConfigMap creates dir as a ConfigMap volume holding files (key ->
// content).
func NewConfigMap(t testing.TB, dir string, files map[string]string) *ConfigMap {
	t.Helper()
	c := &ConfigMap{Dir: dir}
	c.Update(t, files)
	for key := range files {
		if err := os.Symlink(filepath.Join("..data", key), filepath.Join(dir, key)); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// Update swaps in new content exactly as the kubelet does: it writes a new
// timestamped folder, links ..data_tmp to it, renames ..data_tmp over
// ..data (atomic), then removes the old folder. The keys must stay the
// same: the top-level links are not touched.
func (c *ConfigMap) Update(t testing.TB, files map[string]string) {
	t.Helper()
	c.version++
	stamp := time.Date(2026, 11, 30, 2, c.version, 0, 0, time.UTC).Format("..2006_01_02_15_04_05") + fmt.Sprintf(".%09d", c.version)
	if err := os.MkdirAll(filepath.Join(c.Dir, stamp), 0o755); err != nil {
		t.Fatal(err)
	}
	for key, content := range files {
		if err := os.WriteFile(filepath.Join(c.Dir, stamp, key), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tmp := filepath.Join(c.Dir, "..data_tmp")
	if err := os.Symlink(stamp, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(c.Dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if c.current != "" {
		if err := os.RemoveAll(filepath.Join(c.Dir, c.current)); err != nil {
			t.Fatal(err)
		}
	}
	c.current = stamp
}

// Current is the timestamped folder ..data points at.
func (c *ConfigMap) Current() string { return filepath.Join(c.Dir, c.current) }
