package slo

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// BenchmarkHostileSpecs loads the hostile inputs of the hardening issue
// from disk, as slod and sloctl do. B/op is what one load allocates,
// retained-MB what stays in use while its result is kept (slod keeps the
// problems until the next reload).
func BenchmarkHostileSpecs(b *testing.B) {
	inputs := []struct {
		name string
		data func() []byte
	}{
		{"unknown-keys-1MB", func() []byte { return unknownKeysSpec(1_000_000 / 12) }},
		{"unknown-keys-5MB", func() []byte { return unknownKeysSpec(5_000_000 / 12) }},
		{"unknown-keys-50MB", func() []byte { return unknownKeysSpec(50_000_000 / 12) }},
		{"alias-refs-1MB", func() []byte { return aliasRefsSpec(1_000_000 / 4) }},
		{"alias-refs-5MB", func() []byte { return aliasRefsSpec(5_000_000 / 4) }},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "slo.yaml")
			if err := os.WriteFile(path, in.data(), 0o644); err != nil {
				b.Fatal(err)
			}
			before := heapAfterGC()
			b.ReportAllocs()
			var problems []Problem
			for b.Loop() {
				_, problems = Load(path)
			}
			b.ReportMetric(float64(heapAfterGC()-before)/(1<<20), "retained-MB")
			b.ReportMetric(float64(len(problems)), "problems")
			runtime.KeepAlive(problems)
		})
	}
}

// heapAfterGC is the live heap in bytes.
func heapAfterGC() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
