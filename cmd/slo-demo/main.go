// Command slo-demo serves 35 days of synthetic traffic for the services in
// slos/ over the Prometheus HTTP query API, from an embedded TSDB and PromQL
// engine, so slod can be tried without a Prometheus server. `make demo`
// starts it next to slod.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/slo-dev/slo/internal/demo/promapi"
	"github.com/slo-dev/slo/internal/demo/scenarios"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9091", "loopback address to serve on; port 0 picks a free one")
	level := flag.String("log-level", "info", "log level: debug (logs every query), info, warn or error")
	flag.Parse()
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintln(os.Stderr, "slo-demo: --log-level:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *listen, log); err != nil {
		log.Error("slo-demo failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, listen string, log *slog.Logger) error {
	if err := checkLoopback(listen); err != nil {
		return err
	}
	began := time.Now()
	dir, err := os.MkdirTemp("", "slo-demo-")
	if err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	defer os.RemoveAll(dir)

	now := time.Now()
	src, err := promapi.Open(ctx, dir, scenarios.All(now), log)
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	defer func() {
		if err := src.Close(); err != nil {
			log.Error("closing demo data", "err", err)
		}
	}()
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	// The backfill's text and block-writer head are garbage now: return
	// their memory, as the demo runs for a while next to slod.
	debug.FreeOSMemory()
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	log.Info("demo data loaded",
		"series", src.Stats.Series, "samples", src.Stats.Samples,
		"from", now.Add(-scenarios.History).UTC().Format(time.RFC3339),
		"until", now.Add(scenarios.Horizon).UTC().Format(time.RFC3339),
		"startup", time.Since(began).Round(time.Millisecond),
		"heap_mb", mem.HeapInuse>>20)
	// The one line on stdout, for scripts that pass --listen with port 0.
	fmt.Printf("slo-demo: Prometheus API on http://%s\n", ln.Addr())

	srv := &http.Server{Handler: src.Handler(), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// checkLoopback refuses addresses other machines could reach: the demo
// serves made-up data and has no authentication.
func checkLoopback(listen string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", listen, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--listen %q: use a loopback address such as 127.0.0.1:9091", listen)
	}
	return nil
}
