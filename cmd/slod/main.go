// Command slod measures SLOs against Prometheus, keeps history in SQLite and
// serves the can-deploy gate, the JSON API, /metrics and the dashboard.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/slo-dev/slo/internal/app"
	"github.com/slo-dev/slo/internal/version"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "backup" {
		os.Exit(runBackup(os.Args[2:], os.Stdout, os.Stderr))
	}
	cfg, err := parseConfig(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "slod:", err)
		os.Exit(2)
	}
	if cfg.showVersion {
		fmt.Println("slod", version.Get())
		os.Exit(0)
	}
	log, err := newLogger(cfg.logFormat, cfg.logLevel)
	if err != nil {
		fmt.Fprintln(os.Stderr, "slod:", err)
		os.Exit(2)
	}
	tokens, err := cfg.tokens()
	if err != nil {
		fmt.Fprintln(os.Stderr, "slod:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = app.Run(ctx, app.Config{
		SLOs:                  cfg.slos.values,
		SLOsExclude:           cfg.slosExclude.values,
		DB:                    cfg.db,
		DeadLetterPath:        cfg.deadLetterPath,
		Listen:                cfg.listen,
		Interval:              cfg.interval,
		Retention:             cfg.retention,
		DecisionRetention:     cfg.decisionRetention,
		Tokens:                tokens,
		RequireTokenForChecks: cfg.requireTokenForChecks,
		MaxInFlight:           cfg.maxInFlight,
		AllowedHosts:          cfg.hosts(),
		RateLimit:             cfg.rateLimit,
		RateBurst:             cfg.rateBurst,
		Prometheus:            cfg.prom,
		NotifyConfig:          cfg.notifyConfig,
		Cluster: app.ClusterConfig{
			Lease: cfg.cluster.lease, ReplicaID: cfg.cluster.replicaID,
			AdvertiseURL: cfg.cluster.advertiseURL, FollowInterval: cfg.cluster.followInterval,
		},
	}, log, nil)
	if err != nil {
		log.Error("slod stopped", "err", err)
		os.Exit(1)
	}
}

func newLogger(format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use json or text", format)
}
