// Package app wires slod together: specs, store, Prometheus source, engine,
// HTTP server, spec watcher and history pruning. cmd/slod parses flags and
// calls Run; integration tests call Run in-process.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/prom"
	"github.com/slo-dev/slo/internal/server"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
	"github.com/slo-dev/slo/internal/watch"
)

// Config is everything slod needs to run.
type Config struct {
	SLOs        string
	DB          string
	Listen      string
	Interval    time.Duration
	Retention   time.Duration
	Tokens      []string
	MaxInFlight int
	Prometheus  prom.Config
	// ReloadDebounce is how long spec changes must settle (default 500ms).
	ReloadDebounce time.Duration
}

// Run serves until ctx ends, then shuts down gracefully. If ready is not
// nil it receives the bound address once the server listens.
func Run(ctx context.Context, cfg Config, log *slog.Logger, ready chan<- net.Addr) error {
	if cfg.ReloadDebounce <= 0 {
		cfg.ReloadDebounce = 500 * time.Millisecond
	}
	specs, problems := slo.Load(cfg.SLOs)
	logProblems(log, problems)
	if len(specs) == 0 && len(problems) == 0 {
		log.Warn("no specs found: add slo.yaml files", "slos", cfg.SLOs)
	}

	st, err := store.Open(cfg.DB)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	source, err := prom.New(cfg.Prometheus, reg, log)
	if err != nil {
		return fmt.Errorf("prometheus source: %w", err)
	}

	// Start-up is the first reload: one path sets up services and records
	// the problems of files that define none yet.
	eng := engine.New(nil, source, st, log, engine.Options{Registerer: reg, DeadLetterPath: cfg.DB + ".deadletter.jsonl"})
	eng.Reload(specs, problems)
	if err := eng.Restore(ctx); err != nil {
		log.Error("could not restore the last snapshot; starting blank", "err", err)
	}

	handler := server.New(eng, st, log, server.Config{Tokens: cfg.Tokens, MaxInFlight: cfg.MaxInFlight}, reg, reg)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	log.Info("slod listening", "addr", ln.Addr().String(), "services", len(specs), "prometheus", cfg.Prometheus.URL)

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	background := func(fn func()) {
		wg.Add(1)
		go func() { defer wg.Done(); fn() }()
	}
	background(func() { eng.Run(runCtx, cfg.Interval) })
	background(func() {
		err := watch.Run(runCtx, cfg.SLOs, cfg.ReloadDebounce, log, func() {
			specs, problems := slo.Load(cfg.SLOs)
			logProblems(log, problems)
			eng.Reload(specs, problems)
		})
		if err != nil {
			log.Error("spec watcher stopped; reload with SIGHUP only", "err", err)
		}
	})
	background(func() { pruneLoop(runCtx, st, cfg.Retention, log) })

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	if ready != nil {
		ready <- ln.Addr()
	}

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		stop()
		wg.Wait()
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	stop()
	wg.Wait()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func logProblems(log *slog.Logger, problems []slo.Problem) {
	for _, p := range problems {
		log.Error("invalid spec", "file", p.File, "line", p.Line, "field", p.Field, "problem", p.Message)
	}
}

// pruneLoop drops history older than retention, hourly.
func pruneLoop(ctx context.Context, st *store.Store, retention time.Duration, log *slog.Logger) {
	if retention <= 0 {
		return
	}
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := st.PruneHistory(ctx, time.Now().Add(-retention))
		if err != nil {
			log.Error("pruning history", "err", err)
		} else if n > 0 {
			log.Info("pruned history", "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
