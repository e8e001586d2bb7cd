// Package rulescale measures `sloctl rules generate` as an organisation
// with many services runs it in CI: the binary built from this tree, on
// thousands of spec files (four 30d ratio SLOs per service), as one file
// and split by service. It reports wall time, CPU time, peak RSS (the
// kernel's count for the child process) and the size of what was written.
// Benchmarks report figures and never fail on time:
//
//	make bench-rules
//	SLOS=1000 make bench-rules
//
// The package has no code of its own; everything is in its tests.
package rulescale

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// perService is how many SLOs each generated spec holds.
const perService = 4

func BenchmarkRulesGenerate(b *testing.B) {
	sizes := []int{1000, 10000}
	if v := os.Getenv("SLOS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < perService || n%perService != 0 {
			b.Fatalf("SLOS=%q: want a positive multiple of %d", v, perService)
		}
		sizes = []int{n}
	}
	dir := b.TempDir()
	bin := buildSloctl(b, dir)
	for _, n := range sizes {
		specs := writeSpecs(b, filepath.Join(dir, fmt.Sprintf("slos-%d", n)), n)
		for _, mode := range []string{"file", "split"} {
			b.Run(fmt.Sprintf("slos=%d/%s", n, mode), func(b *testing.B) {
				for b.Loop() {
					out := filepath.Join(b.TempDir(), "rules")
					args := []string{"rules", "generate", specs, "--out", out}
					if mode == "split" {
						args = append(args, "--split-by", "service")
					}
					r := run(b, bin, args...)
					size, lines, files := measureOutput(b, out)
					if want := n/perService + 1; mode == "split" && files != want {
						b.Fatalf("%d files, want one per service and _slod.yaml: %d", files, want)
					}
					b.ReportMetric(r.wall.Seconds(), "wall-s")
					b.ReportMetric(r.cpu.Seconds(), "cpu-s")
					b.ReportMetric(float64(r.maxRSS)/(1<<20), "peak-RSS-MB")
					b.ReportMetric(float64(size)/(1<<20), "out-MB")
					b.ReportMetric(float64(lines), "out-lines")
					b.ReportMetric(float64(files), "files")
				}
			})
		}
	}
}

// buildSloctl builds cmd/sloctl into dir, so the benchmark measures what
// `make build` ships.
func buildSloctl(b *testing.B, dir string) string {
	b.Helper()
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./cmd/sloctl")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	return filepath.Join(dir, "sloctl")
}

// writeSpecs writes n SLOs into folder, one slo.yaml per service, each
// SLO an events SLI over its own series, and returns the folder.
func writeSpecs(b *testing.B, folder string, n int) string {
	b.Helper()
	for i := range n / perService {
		service := fmt.Sprintf("svc-%05d", i)
		var s strings.Builder
		fmt.Fprintf(&s, "service: %s\nowner: team-bench\nslos:\n", service)
		for j := range perService {
			sel := fmt.Sprintf(`service="%s",slo="slo-%02d"`, service, j)
			fmt.Fprintf(&s, "  - name: slo-%02d\n    target: 99.9%%\n    window: 30d\n    sli:\n      events:\n", j)
			fmt.Fprintf(&s, "        errors: sum(rate(http_requests_total{%s,code=~\"5..\"}[{{.window}}]))\n", sel)
			fmt.Fprintf(&s, "        total: sum(rate(http_requests_total{%s}[{{.window}}]))\n", sel)
		}
		path := filepath.Join(folder, service, "slo.yaml")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(s.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return folder
}

type result struct {
	wall, cpu time.Duration
	maxRSS    int64 // bytes
}

// run runs bin to completion and reads its resource use from the kernel.
func run(b *testing.B, bin string, args ...string) result {
	b.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("sloctl %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	wall := time.Since(start)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		b.Fatal("no rusage on this system")
	}
	return result{
		wall:   wall,
		cpu:    cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(),
		maxRSS: ru.Maxrss * 1024, // Linux counts kilobytes
	}
}

// measureOutput sums the bytes and lines of the file at path, or of the
// files in the folder at path.
func measureOutput(b *testing.B, path string) (size, lines int64, files int) {
	b.Helper()
	paths := []string{path}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			b.Fatal(err)
		}
		paths = paths[:0]
		for _, e := range entries {
			paths = append(paths, filepath.Join(path, e.Name()))
		}
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		size += int64(len(data))
		lines += int64(bytes.Count(data, []byte("\n")))
	}
	return size, lines, len(paths)
}
