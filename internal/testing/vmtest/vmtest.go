// Package vmtest runs a real VictoriaMetrics (the Debian package
// victoria-metrics) for tests, loaded with the same synthetic history as
// promtest: synth's OpenMetrics, its timestamps turned into milliseconds,
// posted to VictoriaMetrics' Prometheus text import API. It serves the
// Prometheus query API on a free loopback port, with its storage in
// t.TempDir().
//
// Without the binary Start skips the test, or fails it when the CI
// environment variable is set.
package vmtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/testing/proctest"
	"github.com/slo-dev/slo/internal/testing/promtest"
)

// Binary is the Debian package's server binary.
const Binary = "victoria-metrics"

const (
	readyTimeout  = time.Minute
	importTimeout = 5 * time.Minute
	stopTimeout   = 15 * time.Second
)

// Server is a running VictoriaMetrics owned by one test.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:40123.
	URL     string
	proc    *proctest.Proc
	logPath string
}

// Start starts VictoriaMetrics with flags (besides storage, address and a
// retention long enough for any synth history), imports the scenarios and
// waits until a query sees them. It stops when the test ends.
func Start(t testing.TB, flags []string, scenarios ...synth.Scenario) *Server {
	t.Helper()
	bin, err := exec.LookPath(Binary)
	if err != nil {
		msg := fmt.Sprintf("vmtest: %s not found in PATH (Debian package victoria-metrics)", Binary)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	s := &Server{logPath: filepath.Join(dir, "victoria-metrics.log")}
	t.Cleanup(func() {
		if s.proc != nil {
			s.proc.Stop(stopTimeout)
		}
		if t.Failed() {
			t.Logf("vmtest: log:\n%s", proctest.Tail(s.logPath))
		}
	})
	// A free port can be taken by someone else before the server binds it.
	for attempt := 0; attempt < 3; attempt++ {
		var addr string
		if addr, err = proctest.FreeAddr(); err != nil {
			break
		}
		s.URL = "http://" + addr
		args := append([]string{
			"-storageDataPath=" + filepath.Join(dir, "data"),
			"-httpListenAddr=" + addr,
			"-retentionPeriod=1y",
		}, flags...)
		if err = s.start(bin, args); err == nil || !strings.Contains(proctest.Tail(s.logPath), "address already in use") {
			break
		}
	}
	if err != nil {
		t.Fatalf("vmtest: start %s: %v", Binary, err)
	}
	began := time.Now()
	if err := s.importScenarios(scenarios); err != nil {
		t.Fatalf("vmtest: %v", err)
	}
	t.Logf("vmtest: %d scenario(s) imported in %v at %s", len(scenarios), time.Since(began).Round(time.Millisecond), s.URL)
	return s
}

func (s *Server) start(bin string, args []string) error {
	proc, err := proctest.Start(exec.Command(bin, args...), s.logPath)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	if err := proc.WaitHTTP(ctx, s.URL+"/health"); err != nil {
		proc.Stop(stopTimeout)
		return err
	}
	s.proc = proc
	return nil
}

// importScenarios posts the scenarios in Prometheus' text format, whose
// timestamps are milliseconds (synth writes OpenMetrics' seconds), then
// flushes and checks that every series is searchable.
func (s *Server) importScenarios(scenarios []synth.Scenario) error {
	if len(scenarios) == 0 {
		return nil
	}
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(synth.WriteOpenMetrics(pw, scenarios...))
	}()
	body, bw := io.Pipe()
	var series int
	go func() {
		bw.CloseWithError(toMillis(pr, bw, &series))
	}()
	ctx, cancel := context.WithTimeout(context.Background(), importTimeout)
	defer cancel()
	if err := s.post(ctx, "/api/v1/import/prometheus", body); err != nil {
		return err
	}
	if err := s.post(ctx, "/internal/force_flush", nil); err != nil {
		return err
	}
	// Searches see new series only after the index caches catch up.
	var last error
	for ctx.Err() == nil {
		n, err := s.Query(ctx, `count({__name__=~".+"})`, scenarios[0].End.Add(-time.Minute))
		if err == nil && int(n) == series {
			return nil
		}
		last = fmt.Errorf("%d of %d series visible (%v)", int(n), series, err)
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("imported data not searchable: %v", last)
}

// toMillis copies OpenMetrics sample lines as Prometheus text lines, the
// timestamp (the last field, whole seconds) in milliseconds; comments and
// "# EOF" are dropped. It counts the distinct series.
func toMillis(r io.Reader, w io.Writer, series *int) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	bw := bufio.NewWriter(w)
	var prev string
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		i := bytes.LastIndexByte(line, ' ')
		if i < 0 {
			return fmt.Errorf("sample line without timestamp: %q", line)
		}
		if j := bytes.LastIndexByte(line[:i], ' '); j >= 0 && string(line[:j]) != prev {
			prev = string(line[:j])
			*series++
		}
		bw.Write(line)
		bw.WriteString("000\n")
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return bw.Flush()
}

func (s *Server) post(ctx context.Context, path string, body io.Reader) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+path, body)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, msg)
	}
	return nil
}

// Query evaluates expr at time at and returns its single value.
func (s *Server) Query(ctx context.Context, expr string, at time.Time) (float64, error) {
	return promtest.QueryAt(ctx, s.URL, expr, at)
}
