package slo

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// allocated returns the bytes fn allocates on the heap.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// writeSpec writes data as slo.yaml in a new folder and returns its path.
func writeSpec(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "slo.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A file over 1 MiB is refused from its size, before it is read: a 2 MiB
// spec that would be valid gives one problem and no spec, and loading it
// allocates far less than the file's 2 MiB.
func TestFileOverCapIsNotRead(t *testing.T) {
	const size = 2 << 20 // 2,097,152 bytes
	path := writeSpec(t, paddedSpec(size))
	var specs []Spec
	var problems []Problem
	alloc := allocated(func() { specs, problems = Load(path) })
	if len(specs) != 0 || len(problems) != 1 {
		t.Fatalf("Load = %d specs, %v; want no spec and one problem", len(specs), problems)
	}
	p := problems[0]
	if p.File != path || p.Line != 0 || !strings.Contains(p.Message, "is 2097152 bytes") || !strings.Contains(p.Message, "at most 1048576 bytes (1 MiB)") {
		t.Errorf("problem = %s; want %s naming the size 2097152 and the cap 1048576", p, path)
	}
	if alloc > 512<<10 {
		t.Errorf("loading allocated %d bytes; the file must not be read", alloc)
	}
}

// A file of exactly 1 MiB is read.
func TestFileAtCapIsRead(t *testing.T) {
	specs, problems := Load(writeSpec(t, paddedSpec(1<<20)))
	if len(problems) != 0 || len(specs) != 1 {
		t.Fatalf("Load = %d specs, %v; want the spec", len(specs), problems)
	}
}

// A path without a size, such as a device, is read only up to the cap.
func TestEndlessFileStopsAtCap(t *testing.T) {
	const endless = "/dev/zero"
	if _, err := os.Stat(endless); err != nil {
		t.Skipf("no %s: %v", endless, err)
	}
	specs, problems := Load(endless)
	if len(specs) != 0 || len(problems) != 1 || !strings.Contains(problems[0].Message, "more than 1048576 bytes") {
		t.Fatalf("Load(%s) = %d specs, %v; want one problem about the cap", endless, len(specs), problems)
	}
}

// Parse applies the cap to data it is given too.
func TestParseOverCap(t *testing.T) {
	_, problems := Parse("big.yaml", paddedSpec(1<<20+1))
	if len(problems) != 1 || !strings.Contains(problems[0].Message, "is 1048577 bytes") {
		t.Fatalf("problems = %v; want one naming the size 1048577", problems)
	}
}
