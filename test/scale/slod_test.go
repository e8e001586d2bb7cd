package scale

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/testing/proctest"
)

// buildSlod builds cmd/slod into dir, so the benchmark measures what `make
// build` ships, and returns the binary's path.
func buildSlod(b *testing.B, dir string) string {
	b.Helper()
	// go test puts its own go first in PATH.
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./cmd/slod")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	return filepath.Join(dir, "slod")
}

// slodProc is a slod binary the benchmark started. It is not
// slodtest.StartBinary's: the benchmark needs the process id for /proc,
// and slodtest waits for /readyz, i.e. slod's first evaluation, for at most
// a minute, which a backfill of thousands of SLOs may take longer than.
type slodProc struct {
	url, db, log string
	proc         *proctest.Proc
}

func (s *slodProc) pid() int { return s.proc.Cmd.Process.Pid }

func tail(s *slodProc) string { return "slod log (tail):\n" + proctest.Tail(s.log) }

// startSlod runs bin with flags (without --listen) on a free loopback port
// and waits until it serves /healthz. It stops when the benchmark ends, if
// not before.
func startSlod(b *testing.B, bin, db string, flags ...string) *slodProc {
	b.Helper()
	logPath := filepath.Join(b.TempDir(), "slod.log")
	var lastErr error
	// A free port can be taken before slod binds it; then try another.
	for attempt := 0; attempt < 3; attempt++ {
		addr, err := proctest.FreeAddr()
		if err != nil {
			b.Fatal(err)
		}
		proc, err := proctest.Start(exec.Command(bin, append(flags, "--listen", addr)...), logPath)
		if err != nil {
			b.Fatal(err)
		}
		s := &slodProc{url: "http://" + addr, db: db, log: logPath, proc: proc}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		lastErr = proc.WaitHTTP(ctx, s.url+"/healthz")
		cancel()
		if lastErr == nil {
			b.Cleanup(func() { s.stop() })
			return s
		}
		proc.Stop(15 * time.Second)
		if !strings.Contains(proctest.Tail(logPath), "address already in use") {
			break
		}
	}
	b.Fatalf("start slod: %v\n%s", lastErr, proctest.Tail(logPath))
	return nil
}

// stop shuts slod down gracefully (SIGKILL after 15s); stopping twice
// does nothing.
func (s *slodProc) stop() {
	if s.proc != nil {
		s.proc.Stop(15 * time.Second)
		s.proc = nil
	}
}

// serviceState is the part of GET /api/v1/services the benchmark reads.
// It is decoded here rather than into internal/api's types, so the
// benchmark compiles before and after the ledger adds Backfill.
type serviceState struct {
	Service     string     `json:"service"`
	EvaluatedAt *time.Time `json:"evaluated_at"`
	Stale       bool       `json:"stale"`
	LastError   string     `json:"last_error"`
	// Backfill is the event ledger's progress, in buckets; absent before
	// the ledger.
	Backfill *struct {
		Done  int64 `json:"done"`
		Total int64 `json:"total"`
	} `json:"backfill"`
}

// get GETs path and wants 200.
func (s *slodProc) get(path string) ([]byte, error) {
	resp, err := scrapeClient.Get(s.url + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d: %.500s", path, resp.StatusCode, body)
	}
	return body, nil
}

func (s *slodProc) services() ([]serviceState, error) {
	body, err := s.get("/api/v1/services")
	if err != nil {
		return nil, err
	}
	var list struct {
		Services []serviceState `json:"services"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("GET /api/v1/services: %w", err)
	}
	return list.Services, nil
}

// progress sums up one answer of GET /api/v1/services.
type progress struct {
	services, evaluated int
	// ledger: some service reports backfill progress.
	ledger               bool
	backfilled           int // services with done == total
	bucketsDone, buckets int64
	lastError            string
}

// progressOf counts the services evaluated without error since since, and
// those whose backfill is complete.
func progressOf(list []serviceState, since time.Time) progress {
	p := progress{services: len(list)}
	for _, s := range list {
		if s.EvaluatedAt != nil && !s.EvaluatedAt.Before(since) && !s.Stale && s.LastError == "" {
			p.evaluated++
		}
		if s.LastError != "" {
			p.lastError = s.Service + ": " + s.LastError
		}
		if bf := s.Backfill; bf != nil {
			p.ledger = true
			p.bucketsDone += bf.Done
			p.buckets += bf.Total
			if bf.Done == bf.Total {
				p.backfilled++
			}
		}
	}
	return p
}

func (p progress) allEvaluated(want int) bool  { return p.services == want && p.evaluated == want }
func (p progress) allBackfilled(want int) bool { return p.services == want && p.backfilled == want }

func (s *slodProc) metrics() (metrics, error) { return scrape(s.url + "/metrics") }
