// Package app wires slod together: specs, store, Prometheus source, engine,
// HTTP server, spec watcher and history pruning. cmd/slod parses flags and
// calls Run; integration tests call Run in-process.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/slo-dev/slo/internal/cluster"
	"github.com/slo-dev/slo/internal/dblock"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/events"
	"github.com/slo-dev/slo/internal/gate"
	"github.com/slo-dev/slo/internal/notify"
	"github.com/slo-dev/slo/internal/prom"
	"github.com/slo-dev/slo/internal/report"
	"github.com/slo-dev/slo/internal/server"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
	"github.com/slo-dev/slo/internal/version"
	"github.com/slo-dev/slo/internal/watch"
)

// Config is everything slod needs to run.
type Config struct {
	// SLOs are spec files and folders, searched recursively (slo.Sources).
	SLOs []string
	// SLOsExclude are glob patterns of entries below SLOs not to read.
	SLOsExclude []string
	DB          string
	// DeadLetterPath is where evaluations the store refuses for good go;
	// when empty, DB + ".deadletter.jsonl" on SQLite and
	// $TMPDIR/slod.deadletter.jsonl on PostgreSQL.
	DeadLetterPath string
	Listen         string
	Interval       time.Duration
	// Retention is how long evaluation history is kept, DecisionRetention
	// how long the decision log and audit log are; zero keeps them.
	Retention         time.Duration
	DecisionRetention time.Duration
	Tokens            []string
	// AllowedHosts are the host names the Host header may name ("*" for
	// any); when empty, the loopback names if Listen is a loopback
	// address, else any (allowedHosts).
	AllowedHosts []string
	// RequireTokenForChecks makes POSTed checks need a token too.
	RequireTokenForChecks bool
	MaxInFlight           int
	// RateLimit and RateBurst bound each client address's writes
	// (server.Config); a zero RateLimit turns the limit off.
	RateLimit  float64
	RateBurst  int
	Prometheus prom.Config
	// ReloadDebounce is how long spec changes must settle (default 500ms).
	ReloadDebounce time.Duration
	// NotifyConfig is the notification targets file; without it events
	// are detected and kept as history (for reports), and sent nowhere.
	NotifyConfig string
	// NotifyEvery is how often the notification watcher looks at the gate
	// (default 5s).
	NotifyEvery time.Duration
	// Cluster configures a replica when DB is a PostgreSQL URL.
	Cluster ClusterConfig
}

// ClusterConfig is a replica's part in a cluster on PostgreSQL.
type ClusterConfig struct {
	// Lease is how long the evaluator lease lasts unrenewed (default 15s).
	Lease time.Duration
	// ReplicaID names this replica (default: the host name).
	ReplicaID string
	// AdvertiseURL is where this replica is reached (default:
	// http://<listen address>).
	AdvertiseURL string
	// FollowInterval is how often a follower reads the shared state
	// (default 2s).
	FollowInterval time.Duration
}

// Run serves until ctx ends, then shuts down gracefully. If ready is not
// nil it receives the bound address once the server listens.
func Run(ctx context.Context, cfg Config, log *slog.Logger, ready chan<- net.Addr) error {
	if cfg.ReloadDebounce <= 0 {
		cfg.ReloadDebounce = 500 * time.Millisecond
	}
	src := slo.Sources{Paths: cfg.SLOs, Exclude: cfg.SLOsExclude}
	if err := src.CheckExclude(); err != nil {
		return fmt.Errorf("spec sources: %w", err)
	}
	specs, problems := loadSpecs(src, log)
	notifyCfg, err := loadNotifyConfig(cfg.NotifyConfig)
	if err != nil {
		return err
	}

	shared := store.IsPostgres(cfg.DB)
	if !shared {
		// One slod per SQLite file: two would both evaluate and write
		// history.
		lock, err := dblock.Acquire(cfg.DB)
		if err != nil {
			return fmt.Errorf("open store: %w", err)
		}
		defer lock.Release()
	}
	st, err := store.Open(cfg.DB)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), buildInfo())
	source, err := prom.New(cfg.Prometheus, reg, log)
	if err != nil {
		return fmt.Errorf("prometheus source: %w", err)
	}

	// Start-up is the first reload: one path sets up services and records
	// the problems of files that define none yet.
	// The events validate against the services in force and the engine
	// reads them each cycle: each needs the other, so the events read the
	// engine's snapshot through a function.
	var eng *engine.Engine
	ev := events.New(st, events.SnapshotFunc(func() *engine.Snapshot { return eng.Snapshot() }), log, events.Options{})
	if err := ev.Refresh(ctx); err != nil {
		return fmt.Errorf("events: %w", err)
	}
	eng = engine.New(nil, source, st, log, engine.Options{Registerer: reg, Marks: ev, DeadLetterPath: deadLetterPath(cfg, shared)})
	eng.Reload(specs, problems)
	if shared {
		// The leader's latest numbers, as fresh as it left them.
		if err := eng.Follow(ctx); err != nil {
			log.Error("could not read the shared snapshot; starting blank", "err", err)
		}
	} else if err := eng.Restore(ctx); err != nil {
		log.Error("could not restore the last snapshot; starting blank", "err", err)
	}

	g := gate.New(eng, st, log, gate.Options{SharedStore: shared})
	if err := g.Refresh(ctx); err != nil {
		return fmt.Errorf("gate: %w", err)
	}
	st.SetOverrideEvents(notify.OverrideEvents)
	st.SetCorrectionEvents(notify.CorrectionEvents)
	sender := notify.NewSender(st, notifyCfg, notify.NewMetrics(reg), log, notify.SenderOptions{})
	watcher := notify.NewWatcher(eng, g, st, notifyCfg.Hold, log, nil, sender.Wake)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	self := store.Member{ID: cfg.Cluster.ReplicaID, URL: cfg.Cluster.AdvertiseURL, Version: version.Get().Version, StartedAt: time.Now().UTC()}
	if self.ID == "" {
		self.ID, _ = os.Hostname()
	}
	if self.URL == "" {
		self.URL = "http://" + ln.Addr().String()
	}
	// Always the leader on SQLite; elected on PostgreSQL.
	var role server.Cluster = cluster.Single{Self: self}
	if shared {
		el := cluster.New(st, self, log, cluster.Options{Lease: cfg.Cluster.Lease, Registerer: reg})
		st.SetFence(el.Fence())
		role = el
	}
	handler := server.New(eng, g, log, server.Config{
		Tokens: cfg.Tokens, MaxInFlight: cfg.MaxInFlight, SpecPaths: cfg.SLOs,
		RateLimit: cfg.RateLimit, RateBurst: cfg.RateBurst, RequireTokenForChecks: cfg.RequireTokenForChecks,
		AllowedHosts: allowedHosts(cfg.AllowedHosts, ln.Addr()), Backtests: eng, Events: ev,
		Notifications: notify.NewQueue(st, sender.Wake, nil),
		Reports:       report.NewBuilder(eng, st, nil),
		Cluster:       role,
	}, reg, reg)
	srv := &http.Server{
		Handler:           withVersion(handler),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	log.Info("slod listening", "addr", ln.Addr().String(), "services", len(specs), "prometheus", prom.Redacted(cfg.Prometheus.URL))

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	background := func(fn func()) {
		wg.Add(1)
		go func() { defer wg.Done(); fn() }()
	}
	// What the leader alone does: evaluate, notify, prune. A single
	// node leads for as long as it runs; a replica on PostgreSQL for
	// as long as it holds the lease.
	lead := func(ctx context.Context) {
		var term sync.WaitGroup
		term.Go(func() { eng.Run(ctx, cfg.Interval) })
		term.Go(func() { pruneLoop(ctx, st, cfg, log) })
		term.Go(func() { sender.Run(ctx) })
		term.Go(func() {
			// What the previous leader last reported, so nothing is
			// reported twice.
			if err := watcher.Load(ctx); err != nil {
				log.Error("notifications: could not load the detector state", "err", err)
			}
			watcher.Run(ctx, cmp.Or(cfg.NotifyEvery, 5*time.Second))
		})
		term.Wait()
		// A follower does not ask Prometheus: its last reading of it
		// would mislead the slod_prometheus_up alert.
		source.Idle()
	}
	if el, ok := role.(*cluster.Elector); ok {
		background(func() { el.Run(runCtx, lead) })
		background(func() { follow(runCtx, eng, g, ev, el, cmp.Or(cfg.Cluster.FollowInterval, 2*time.Second), log) })
	} else {
		background(func() { lead(runCtx) })
	}
	background(func() {
		dirs := func() []string { return src.Discover().Dirs }
		err := watch.Run(runCtx, dirs, cfg.ReloadDebounce, log, func() {
			eng.Reload(loadSpecs(src, log))
		})
		if err != nil {
			log.Error("spec watcher stopped; reload with SIGHUP only", "err", err)
		}
	})

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

// deadLetterPath is --dead-letter-path, or by default a file beside the
// SQLite database, or on PostgreSQL one in the temporary folder (never
// named after the URL, which may hold a password).
func deadLetterPath(cfg Config, shared bool) string {
	switch {
	case cfg.DeadLetterPath != "":
		return cfg.DeadLetterPath
	case shared:
		return filepath.Join(os.TempDir(), "slod.deadletter.jsonl")
	default:
		return cfg.DB + ".deadletter.jsonl"
	}
}

// followTimeout bounds one round of follow.
const followTimeout = 5 * time.Second

// follow keeps a replica on a shared store current with what other
// replicas write, every interval: the leader's snapshot (unless this
// replica leads), and on every replica the active overrides and the
// deploys and corrections, which the leader's evaluation reads too.
// Failures are logged once per streak; Follow marks the snapshot stale.
func follow(ctx context.Context, eng *engine.Engine, g *gate.Gate, ev *events.Events, el *cluster.Elector, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	failing := false
	for {
		// Bounded, so a database that drops packets marks the
		// snapshot stale in time instead of hanging the loop.
		rctx, cancel := context.WithTimeout(ctx, followTimeout)
		var errs []error
		if !el.Leader() {
			errs = append(errs, eng.Follow(rctx))
		}
		errs = append(errs, g.Refresh(rctx), ev.Refresh(rctx))
		cancel()
		switch err := errors.Join(errs...); {
		case err != nil && !failing && ctx.Err() == nil:
			log.Error("reading the shared store failed; serving the last copy, marked stale", "err", err)
			failing = true
		case err == nil && failing:
			log.Info("reading the shared store again")
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// allowedHosts is the Host allow-list for a server bound to addr: the
// configured one ("*" allows any); else, on a loopback address, the
// loopback names and that address, so that a DNS rebinding page cannot
// reach slod under its own name; else any.
func allowedHosts(configured []string, addr net.Addr) []string {
	if slices.Contains(configured, "*") {
		return nil
	}
	if len(configured) > 0 {
		return configured
	}
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsLoopback() {
		return nil
	}
	hosts := []string{"localhost", "127.0.0.1", "[::1]"}
	if ip := tcp.IP.String(); ip != "127.0.0.1" && ip != "::1" {
		hosts = append(hosts, ip)
	}
	return hosts
}

// loadSpecs discovers and loads the specs, logging where it searched, what
// it found and every problem listed: the loader lists at most 51 per file,
// the last counting the rest, so a hostile file cannot flood the log, and
// the summary counts them all. Without a valid service slod still runs, as
// loudly as it can: a warning here and 503 from /readyz.
func loadSpecs(src slo.Sources, log *slog.Logger) ([]slo.Spec, []slo.Problem) {
	found := src.Discover()
	loaded := found.LoadAll()
	specs, problems := loaded.Specs, loaded.Problems
	for _, p := range problems {
		log.Error("invalid spec", "file", p.File, "line", p.Line, "field", p.Field, "problem", p.Message)
	}
	for _, p := range loaded.Warnings {
		log.Warn("converted spec: not carried over", "file", p.File, "line", p.Line, "field", p.Field, "warning", p.Message)
	}
	attrs := []any{"paths", src.Paths, "exclude", src.Exclude, "files", len(found.Files), "services", len(specs), "problems", slo.CountProblems(problems)}
	if len(specs) == 0 {
		log.Warn("no valid service in the spec paths: add slo.yaml files or fix the problems", attrs...)
		return specs, problems
	}
	log.Info("specs loaded", attrs...)
	return specs, problems
}

// loadNotifyConfig reads the notification config, or the default one
// (no targets) without a file; a file with problems stops slod, naming
// each as file:line: field: message.
func loadNotifyConfig(file string) (notify.Config, error) {
	if file == "" {
		return notify.Default(), nil
	}
	c, problems := notify.LoadConfig(file)
	if len(problems) > 0 {
		lines := make([]string, len(problems))
		for i, p := range problems {
			lines[i] = p.String()
		}
		return notify.Config{}, fmt.Errorf("notify config:\n%s", strings.Join(lines, "\n"))
	}
	return c, nil
}

// pruneLoop prunes the store hourly, and once at start.
func pruneLoop(ctx context.Context, st *store.Store, cfg Config, log *slog.Logger) {
	if cfg.Retention <= 0 && cfg.DecisionRetention <= 0 {
		return
	}
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		prune(ctx, st, cfg, time.Now(), log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// prune drops history older than cfg.Retention, and decisions and audit
// rows older than cfg.DecisionRetention, at now; a zero retention keeps
// everything. Failures are logged: the next round tries again.
func prune(ctx context.Context, st *store.Store, cfg Config, now time.Time, log *slog.Logger) {
	if cfg.Retention > 0 {
		n, err := st.PruneHistory(ctx, now.Add(-cfg.Retention))
		if err != nil {
			log.Error("pruning history", "err", err)
		} else if n > 0 {
			log.Info("pruned history", "rows", n)
		}
	}
	if cfg.DecisionRetention > 0 {
		p, err := st.PruneDecisions(ctx, now.Add(-cfg.DecisionRetention))
		if err != nil {
			log.Error("pruning decisions, deploys and audit log", "err", err)
		} else if p != (store.Pruned{}) {
			log.Info("pruned decisions, deploys and audit log", "decisions", p.Decisions, "deploys", p.Deployments, "audit_rows", p.Audit)
		}
		n, err := st.PruneEvents(ctx, now.Add(-cfg.DecisionRetention))
		if err != nil {
			log.Error("pruning notification events", "err", err)
		} else if n > 0 {
			log.Info("pruned notification events", "events", n)
		}
	}
}
